//! Server-side sessions: the cookie holds a random token, the database holds its hash.
//! 30 minutes idle and 12 hours absolute, checked on every request.

use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::{random_token, token_hash};
use crate::entity::{session, user};
use crate::error::CoreResult;
use crate::store::Store;

pub const IDLE: TimeDelta = TimeDelta::minutes(30);
pub const ABSOLUTE: TimeDelta = TimeDelta::hours(12);
/// Don't write `last_seen_at` on every request; a minute's precision is plenty for a
/// 30-minute idle limit.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// A fresh session (always a new id, so a session token planted before login is useless).
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, user_id: i64) -> CoreResult<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    let now = Utc::now();
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        ..Default::default()
    }
    .insert(store.writer())
    .await?;
    Ok(NewSession { token, csrf_token })
}

/// The live session for `token` and its (enabled) user; expired sessions are deleted.
#[tracing::instrument(skip_all)]
pub async fn find(store: &Store, token: &str) -> CoreResult<Option<(session::Model, user::Model)>> {
    let Some(s) =
        session::Entity::find().filter(session::Column::TokenHash.eq(token_hash(token))).one(store.conn()).await?
    else {
        return Ok(None);
    };
    let Some(u) = user::Entity::find_by_id(s.user_id).one(store.conn()).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if u.disabled || now - s.last_seen_at > IDLE || now - s.created_at > ABSOLUTE {
        session::Entity::delete_by_id(s.id).exec(store.writer()).await?;
        return Ok(None);
    }
    if now - s.last_seen_at > TOUCH_EVERY {
        let mut active: session::ActiveModel = s.clone().into();
        active.last_seen_at = Set(now);
        active.update(store.writer()).await?;
    }
    Ok(Some((s, u)))
}

#[tracing::instrument(skip_all)]
pub async fn end(store: &Store, token: &str) -> CoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .exec(store.writer())
        .await?;
    Ok(())
}

/// Ends every session of a user (password change, disabling, logout everywhere).
#[tracing::instrument(skip_all)]
pub async fn end_all_for_user<C: sea_orm::ConnectionTrait>(conn: &C, user_id: i64) -> CoreResult<()> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}
