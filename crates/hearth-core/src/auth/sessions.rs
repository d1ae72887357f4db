//! Server-side sessions: the cookie holds a random token, the database holds its hash.
//! 30 minutes idle and 12 hours absolute, checked on every request.

use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::cache::Principal;
use super::{random_token, token_hash};
use crate::entity::{session, user};
use crate::error::CoreResult;
use crate::store::Store;

pub const IDLE: TimeDelta = TimeDelta::minutes(30);
pub const ABSOLUTE: TimeDelta = TimeDelta::hours(12);
/// Don't write `last_seen_at` on every request; a minute's precision is plenty for a
/// 30-minute idle limit (a quarter of a shorter one).
fn touch_every(idle: TimeDelta) -> TimeDelta {
    (idle / 4).min(TimeDelta::seconds(60))
}

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

/// The live session for `token`, its (enabled) user and what they may do; expired sessions
/// are deleted. Served from the auth cache while the session is fresh (see `auth::cache`).
#[tracing::instrument(skip_all)]
pub async fn find(store: &Store, token: &str) -> CoreResult<Option<Principal>> {
    let hash = token_hash(token);
    let key = format!("s:{hash}");
    let cache = store.auth_cache();
    let idle = store.session_idle();
    if let Some(p) = cache.get(&key, touch_every(idle)) {
        return Ok(Some(p));
    }
    let generation = cache.generation();
    let Some(s) = session::Entity::find().filter(session::Column::TokenHash.eq(hash)).one(store.conn()).await? else {
        return Ok(None);
    };
    let Some(u) = user::Entity::find_by_id(s.user_id).one(store.conn()).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if u.disabled || now - s.last_seen_at > idle || now - s.created_at > ABSOLUTE {
        session::Entity::delete_by_id(s.id).exec(store.writer()).await?;
        return Ok(None);
    }
    let mut touched_at = s.last_seen_at;
    if now - s.last_seen_at > touch_every(idle) {
        let mut active: session::ActiveModel = s.clone().into();
        active.last_seen_at = Set(now);
        active.update(store.writer()).await?;
        touched_at = now;
    }
    let actor = super::users::actor_for(store, &u).await?;
    let p = Principal { user: u, actor, session: Some(s), touched_at };
    cache.put(key, p.clone(), generation);
    Ok(Some(p))
}

#[tracing::instrument(skip_all)]
pub async fn end(store: &Store, token: &str) -> CoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .exec(store.writer())
        .await?;
    store.auth_changed();
    Ok(())
}

/// Ends every session of a user (password change, disabling, logout everywhere), inside the
/// caller's transaction: the caller calls `Store::auth_changed` once it commits.
#[tracing::instrument(skip_all)]
pub async fn end_all_for_user<C: sea_orm::ConnectionTrait>(conn: &C, user_id: i64) -> CoreResult<()> {
    session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}
