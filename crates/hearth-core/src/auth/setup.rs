//! One-time setup links: the first admin on an empty deployment, and password resets an
//! admin issues for a user. The link carries a random token; only its hash is stored.

use crate::audit::Action;
use crate::record::EntityKind;
use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::{password, random_token, sessions, token_hash};
use crate::audit::{self, Entry};
use crate::entity::{setup_link, user};
use crate::error::{CoreError, CoreResult};
use crate::policy::{Actor, Permission, Role, Scope};
use crate::store::Store;

pub const FIRST_ADMIN: &str = "first_admin";
pub const RESET: &str = "reset";
pub const NEW_USER: &str = "new_user";
const VALID_FOR: TimeDelta = TimeDelta::hours(24);

/// On a deployment with no users, issues a fresh first-admin link (earlier unused ones
/// stop working) and returns its token; `None` once any user exists.
#[tracing::instrument(skip_all)]
pub async fn first_run_link(store: &Store) -> CoreResult<Option<String>> {
    if super::users::count(store).await? > 0 {
        return Ok(None);
    }
    setup_link::Entity::delete_many().filter(setup_link::Column::Purpose.eq(FIRST_ADMIN)).exec(store.writer()).await?;
    Ok(Some(issue(store, FIRST_ADMIN, None).await?))
}

async fn issue(store: &Store, purpose: &str, user_id: Option<i64>) -> CoreResult<String> {
    let token = random_token();
    let now = Utc::now();
    setup_link::ActiveModel {
        token_hash: Set(token_hash(&token)),
        purpose: Set(purpose.to_owned()),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + VALID_FOR),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(store.writer())
    .await?;
    Ok(token)
}

/// An admin's "reset password": a link the user opens to choose a new password. The old
/// password and all sessions stop working at once.
#[tracing::instrument(skip_all)]
pub async fn issue_reset(store: &Store, actor: &Actor, user_id: i64) -> CoreResult<String> {
    actor.require(Permission::ManageUsers)?;
    let u = super::users::get(store, user_id).await?;
    let tx = store.write().await?;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(None);
    active.update(&tx).await?;
    // Whoever knew the old password may hold a session or a token: both stop here.
    sessions::end_all_for_user(&tx, user_id).await?;
    super::tokens::revoke_all_for_user(&tx, actor, user_id).await?;
    audit::append(&tx, actor, Entry::new(Action::ResetPassword, EntityKind::User, Some(user_id))).await?;
    tx.commit().await?;
    store.auth_changed();
    issue(store, RESET, Some(user_id)).await
}

/// A link for a user an admin has just created without a password, to choose their first
/// password. Unlike `issue_reset` it changes nothing on the account; the issue is audited.
#[tracing::instrument(skip_all)]
pub async fn issue_for_new_user(store: &Store, actor: &Actor, user_id: i64) -> CoreResult<String> {
    actor.require(Permission::ManageUsers)?;
    let u = super::users::get(store, user_id).await?;
    if u.password_hash.is_some() {
        return Err(CoreError::invalid("user", "has_password"));
    }
    audit::record(store, actor, Entry::new(Action::IssueSetupLink, EntityKind::User, Some(user_id))).await?;
    issue(store, NEW_USER, Some(user_id)).await
}

/// A valid (unused, unexpired) link for `token`.
#[tracing::instrument(skip_all)]
pub async fn find(store: &Store, token: &str) -> CoreResult<setup_link::Model> {
    let link = setup_link::Entity::find()
        .filter(setup_link::Column::TokenHash.eq(token_hash(token)))
        .one(store.conn())
        .await?
        .ok_or(CoreError::NotFound)?;
    if link.used_at.is_some() || link.expires_at < Utc::now() {
        return Err(CoreError::NotFound);
    }
    if link.purpose == FIRST_ADMIN && super::users::count(store).await? > 0 {
        return Err(CoreError::NotFound);
    }
    Ok(link)
}

/// Claims the link inside the caller's write transaction: exactly one of any number of
/// simultaneous uses marks it used (one row changed); every other use is refused, and a
/// refused or failed use leaves it unused because its transaction rolls back.
async fn claim(tx: &DatabaseTransaction, link: &setup_link::Model) -> CoreResult<()> {
    let now = Utc::now();
    let claimed = setup_link::Entity::update_many()
        .col_expr(setup_link::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .filter(setup_link::Column::Id.eq(link.id))
        .filter(setup_link::Column::UsedAt.is_null())
        .filter(setup_link::Column::ExpiresAt.gt(now))
        .exec(tx)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(CoreError::NotFound);
    }
    Ok(())
}

/// Completes a link: creates the first admin (`username` given) or sets the user's new
/// password. Returns the user, who is then logged in by the caller. The password is hashed
/// first; the claim, the change and its audit row are one transaction.
#[tracing::instrument(skip_all)]
pub async fn complete(store: &Store, token: &str, username: &str, new_password: &str) -> CoreResult<user::Model> {
    let link = find(store, token).await?;
    match link.purpose.as_str() {
        FIRST_ADMIN => {
            password::check_policy("new_password", new_password, username)?;
            let new = super::users::NewUser {
                username: username.to_owned(),
                display_name: username.to_owned(),
                role: Role::Admin.as_str().to_owned(),
                communities: Vec::new(),
                password: Some(new_password.to_owned()),
            };
            let setup_actor = Actor {
                user_id: None,
                username: "setup".into(),
                role: Role::Admin,
                scope: Scope::All,
                via_token: None,
            };
            let prepared = super::users::prepare(&setup_actor, new).await?;
            let tx = store.write().await?;
            claim(&tx, &link).await?;
            // The first admin only while there is no user at all, checked under the lock.
            if user::Entity::find().count(&tx).await? > 0 {
                return Err(CoreError::NotFound);
            }
            let u = super::users::insert(&tx, &setup_actor, prepared).await?;
            audit::append(&tx, &setup_actor, Entry::new(Action::UseSetupLink, EntityKind::User, Some(u.id))).await?;
            tx.commit().await?;
            Ok(u)
        }
        _ => {
            let uid = link.user_id.ok_or(CoreError::NotFound)?;
            let u = super::users::get(store, uid).await?;
            let actor = super::users::actor_for(store, &u).await?;
            password::check_policy("new_password", new_password, &u.username)?;
            let hash = password::hash(new_password.to_owned()).await?;
            let tx = store.write().await?;
            claim(&tx, &link).await?;
            super::users::store_password(&tx, &actor, uid, hash).await?;
            audit::append(&tx, &actor, Entry::new(Action::UseSetupLink, EntityKind::User, Some(uid))).await?;
            tx.commit().await?;
            store.auth_changed();
            super::users::get(store, uid).await
        }
    }
}
