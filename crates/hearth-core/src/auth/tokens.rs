//! API tokens for scripts and integrations. Shown once at creation; stored as a hash;
//! each use is audited; revocable by their owner and by admins.

use crate::audit::Action;
use crate::record::EntityKind;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set};

use super::cache::Principal;
use super::{random_token, token_hash};
use crate::audit::{self, Entry};
use crate::entity::{api_token, user};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::store::Store;
use crate::validate;

/// Every token starts with this, so a leaked one is easy to recognise in a scan.
pub const PREFIX: &str = "hth_";

fn may_manage(actor: &Actor, owner_id: i64) -> CoreResult<()> {
    if actor.user_id == Some(owner_id) { Ok(()) } else { actor.require(Permission::ManageUsers) }
}

#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, owner_id: i64, name: &str) -> CoreResult<(api_token::Model, String)> {
    may_manage(actor, owner_id)?;
    let mut errors = FieldErrors::new();
    let name = validate::required_text(&mut errors, "name", Some(name), 100);
    errors.into_result()?;
    let owner = user::Entity::find_by_id(owner_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let secret = format!("{PREFIX}{}", random_token());
    let tx = store.write().await?;
    let model = api_token::ActiveModel {
        user_id: Set(owner.id),
        name: Set(name.unwrap_or_default()),
        prefix: Set(secret[..PREFIX.len() + 8].to_owned()),
        token_hash: Set(token_hash(&secret)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Token, Some(model.id)).summary(format!("for user {}", owner.id)),
    )
    .await?;
    tx.commit().await?;
    Ok((model, secret))
}

#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, owner_id: i64) -> CoreResult<Vec<api_token::Model>> {
    may_manage(actor, owner_id)?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(owner_id))
        .order_by_desc(api_token::Column::Id)
        .all(store.conn())
        .await?)
}

#[tracing::instrument(skip_all)]
/// One token, if the actor may manage it (its owner, or an admin); else not found.
pub async fn get(store: &Store, actor: &Actor, token_id: i64) -> CoreResult<api_token::Model> {
    let t = api_token::Entity::find_by_id(token_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    may_manage(actor, t.user_id).map_err(|_| CoreError::NotFound)?;
    Ok(t)
}

pub async fn revoke(store: &Store, actor: &Actor, token_id: i64) -> CoreResult<()> {
    let t = api_token::Entity::find_by_id(token_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if may_manage(actor, t.user_id).is_err() {
        return Err(CoreError::NotFound);
    }
    let tx = store.write().await?;
    let mut active: api_token::ActiveModel = t.into();
    active.revoked_at = Set(Some(Utc::now()));
    active.update(&tx).await?;
    audit::append(&tx, actor, Entry::new(Action::Revoke, EntityKind::Token, Some(token_id))).await?;
    tx.commit().await?;
    store.auth_changed();
    Ok(())
}

/// Revokes every live token of a user, inside the caller's transaction (a password reset or
/// a disabled account), one audit row per token. The caller calls `Store::auth_changed`
/// once it commits.
pub(crate) async fn revoke_all_for_user(tx: &DatabaseTransaction, actor: &Actor, user_id: i64) -> CoreResult<()> {
    let live = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(tx)
        .await?;
    let now = Utc::now();
    for t in live {
        let id = t.id;
        let mut active: api_token::ActiveModel = t.into();
        active.revoked_at = Set(Some(now));
        active.update(tx).await?;
        audit::append(tx, actor, Entry::new(Action::Revoke, EntityKind::Token, Some(id)).summary("with the account"))
            .await?;
    }
    Ok(())
}

/// A token's `last_used_at` is kept to the minute: a plain read writes nothing for it more
/// often than that.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The enabled user behind a bearer token and what they may do (`Actor::via_token` names the
/// token). The use is not a write of its own: the request's audit entries name the token,
/// and `last_used_at` is written at most once a minute. Served from the auth cache while
/// fresh (see `auth::cache`).
#[tracing::instrument(skip_all)]
pub async fn authenticate(store: &Store, secret: &str) -> CoreResult<Principal> {
    if !secret.starts_with(PREFIX) {
        return Err(CoreError::Unauthenticated);
    }
    let hash = token_hash(secret);
    let key = format!("t:{hash}");
    let cache = store.auth_cache();
    if let Some(p) = cache.get(&key, TOUCH_EVERY) {
        return Ok(p);
    }
    let generation = cache.generation();
    let t = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(store.conn())
        .await?
        .ok_or(CoreError::Unauthenticated)?;
    let u = user::Entity::find_by_id(t.user_id)
        .one(store.conn())
        .await?
        .filter(|u| !u.disabled)
        .ok_or(CoreError::Unauthenticated)?;
    let token_id = t.id;
    let now = Utc::now();
    let touched_at = match t.last_used_at {
        Some(at) if now - at <= TOUCH_EVERY => at,
        _ => {
            let mut active: api_token::ActiveModel = t.into();
            active.last_used_at = Set(Some(now));
            active.update(store.writer()).await?;
            now
        }
    };
    let mut actor = super::users::actor_for(store, &u).await?;
    actor.via_token = Some(token_id);
    let p = Principal { user: u, actor, session: None, touched_at };
    cache.put(key, p.clone(), generation);
    Ok(p)
}
