//! User accounts: creation, roles, community assignment, disabling, and login.

use crate::audit::Action;
use crate::record::EntityKind;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::{password, sessions, throttle};
use crate::audit::{self, Entry};
use crate::entity::{community, user, user_community};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission, Role, Scope};
use crate::store::{Store, map_unique};
use crate::validate;

pub const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// Community slugs; ignored for admins, who see every community.
    pub communities: Vec<String>,
    /// `None` leaves the account without a password until an admin issues a setup link.
    pub password: Option<String>,
}

fn check_username(errors: &mut FieldErrors, username: &str) {
    let ok_chars = username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if username.is_empty() {
        errors.add("username", "required");
    } else if !(3..=64).contains(&username.len()) || !ok_chars {
        errors.add("username", "username_format");
    }
}

async fn community_ids<C: sea_orm::ConnectionTrait>(conn: &C, slugs: &[String]) -> CoreResult<Vec<i64>> {
    let mut ids = Vec::new();
    for slug in slugs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match community::Entity::find().filter(community::Column::Slug.eq(slug)).one(conn).await? {
            Some(c) => ids.push(c.id),
            None => return Err(CoreError::invalid("communities", "unknown_community")),
        }
    }
    Ok(ids)
}

#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, new: NewUser) -> CoreResult<user::Model> {
    let prepared = prepare(actor, new).await?;
    let tx = store.write().await?;
    let model = insert(&tx, actor, prepared).await?;
    tx.commit().await?;
    Ok(model)
}

/// A new user checked and its password hashed, ready to insert (hashing happens before
/// any write lock is taken).
pub(crate) struct Prepared {
    username: String,
    display_name: String,
    role: Role,
    communities: Vec<String>,
    hash: Option<String>,
}

pub(crate) async fn prepare(actor: &Actor, new: NewUser) -> CoreResult<Prepared> {
    actor.require(Permission::ManageUsers)?;
    let username = new.username.trim().to_lowercase();
    let mut errors = FieldErrors::new();
    check_username(&mut errors, &username);
    let display_name =
        validate::text(&mut errors, "display_name", Some(&new.display_name), 100).unwrap_or_else(|| username.clone());
    let role = Role::parse(new.role.trim());
    if role.is_none() {
        errors.add("role", "invalid_choice");
    }
    if let Some(p) = &new.password
        && let Err(CoreError::Invalid(e)) = password::check_policy("password", p, &username)
    {
        errors.0.extend(e.0);
    }
    errors.into_result()?;
    let role = role.ok_or(CoreError::Internal("role".into()))?;
    let hash = match new.password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    Ok(Prepared { username, display_name, role, communities: new.communities, hash })
}

/// Inserts a prepared user inside the caller's write transaction, with its audit row.
pub(crate) async fn insert(tx: &DatabaseTransaction, actor: &Actor, p: Prepared) -> CoreResult<user::Model> {
    let ids = community_ids(tx, &p.communities).await?;
    if p.role != Role::Admin && ids.is_empty() {
        return Err(CoreError::invalid("communities", "required"));
    }
    let now = Utc::now();
    let model = user::ActiveModel {
        username: Set(p.username),
        display_name: Set(p.display_name),
        role: Set(p.role),
        password_hash: Set(p.hash.clone()),
        language: Set(None),
        disabled: Set(false),
        created_at: Set(now),
        password_changed_at: Set(p.hash.map(|_| now)),
        ..Default::default()
    }
    .insert(tx)
    .await
    .map_err(map_unique)?;
    for cid in &ids {
        user_community::ActiveModel { user_id: Set(model.id), community_id: Set(*cid) }.insert(tx).await?;
    }
    audit::append(
        tx,
        actor,
        Entry::new(Action::Create, EntityKind::User, Some(model.id)).summary(format!(
            "role {}, {} communities",
            p.role.as_str(),
            ids.len()
        )),
    )
    .await?;
    Ok(model)
}

#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<(user::Model, Vec<String>)>> {
    actor.require(Permission::ManageUsers)?;
    let users = user::Entity::find().order_by_asc(user::Column::Username).all(store.conn()).await?;
    let links = user_community::Entity::find().all(store.conn()).await?;
    let comms = community::Entity::find().all(store.conn()).await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let slugs = links
                .iter()
                .filter(|l| l.user_id == u.id)
                .filter_map(|l| comms.iter().find(|c| c.id == l.community_id).map(|c| c.slug.clone()))
                .collect();
            (u, slugs)
        })
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, user_id: i64) -> CoreResult<user::Model> {
    user::Entity::find_by_id(user_id).one(store.conn()).await?.ok_or(CoreError::NotFound)
}

/// Display names of users, by id: colleagues' names are not personal data of residents,
/// so this read is not audited. Unknown ids are left out.
#[tracing::instrument(skip_all)]
/// Display names by user id, for rows that name who wrote or changed them.
pub async fn names_by_id(store: &Store, ids: &[i64]) -> CoreResult<std::collections::HashMap<i64, String>> {
    Ok(display_names(store, ids).await?.into_iter().collect())
}

pub async fn display_names(store: &Store, ids: &[i64]) -> CoreResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(store.conn())
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn by_username(store: &Store, username: &str) -> CoreResult<Option<user::Model>> {
    Ok(user::Entity::find().filter(user::Column::Username.eq(username.trim().to_lowercase())).one(store.conn()).await?)
}

#[tracing::instrument(skip_all)]
pub async fn count(store: &Store) -> CoreResult<u64> {
    Ok(user::Entity::find().count(store.conn()).await?)
}

/// The actor for a user: role and communities, as the policy module needs them.
#[tracing::instrument(skip_all)]
pub async fn actor_for(store: &Store, u: &user::Model) -> CoreResult<Actor> {
    let role = u.role;
    let scope = if role == Role::Admin {
        Scope::All
    } else {
        let ids = user_community::Entity::find()
            .filter(user_community::Column::UserId.eq(u.id))
            .all(store.conn())
            .await?
            .into_iter()
            .map(|l| l.community_id)
            .collect();
        Scope::Communities(ids)
    };
    Ok(Actor { user_id: Some(u.id), username: u.username.clone(), role, scope, via_token: None })
}

/// Why a login failed, as far as the client may know. Unknown user, wrong password and
/// disabled account are deliberately the same answer.
#[derive(Debug)]
pub enum LoginError {
    InvalidCredentials,
    RateLimited { retry_after_secs: i64 },
    Other(CoreError),
}

impl From<CoreError> for LoginError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::RateLimited { retry_after_secs } => LoginError::RateLimited { retry_after_secs },
            other => LoginError::Other(other),
        }
    }
}

/// A successful login: the user, and a new device token to set as a cookie when the
/// request did not carry a known one.
#[derive(Debug)]
pub struct LoggedIn {
    pub user: user::Model,
    pub new_device: Option<String>,
}

/// Checks a password, throttled (see `throttle`): the attempt is counted before argon2
/// runs, and argon2 runs for unknown users too, so neither speed nor concurrency tells an
/// attacker more than "no". `device` is the device cookie of an earlier login, if any.
#[tracing::instrument(skip_all)]
pub async fn login(
    store: &Store,
    username: &str,
    pw: &str,
    client: &str,
    device: Option<&str>,
) -> Result<LoggedIn, LoginError> {
    let found = by_username(store, username).await?.filter(|u| !u.disabled);
    let device_known = match (&found, device) {
        (Some(u), Some(d)) => super::devices::known(store, u.id, d).await?,
        _ => false,
    };
    let someone = Actor::anonymous();
    let attempt = match throttle::reserve(store, username, client, device_known).await {
        Ok(a) => a,
        Err(CoreError::RateLimited { retry_after_secs }) => {
            audit::record(store, &someone, Entry::new(Action::LoginBlocked, EntityKind::User, found.map(|u| u.id)))
                .await?;
            return Err(LoginError::RateLimited { retry_after_secs });
        }
        Err(e) => return Err(e.into()),
    };
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    let ok = password::verify(pw.to_owned(), stored).await?;
    match (ok, found) {
        (true, Some(u)) => {
            throttle::succeeded(store, attempt).await?;
            let new_device = if device_known { None } else { Some(super::devices::issue(store, u.id).await?) };
            let actor = actor_for(store, &u).await?;
            audit::record(store, &actor, Entry::new(Action::Login, EntityKind::User, Some(u.id))).await?;
            Ok(LoggedIn { user: u, new_device })
        }
        (_, found) => {
            // Never the password; the user's id only when the name is a real account.
            audit::record(store, &someone, Entry::new(Action::LoginFailed, EntityKind::User, found.map(|u| u.id)))
                .await?;
            Err(LoginError::InvalidCredentials)
        }
    }
}

/// Sets a password (own change, setup link, or CLI) and ends all of that user's sessions.
#[tracing::instrument(skip_all)]
pub async fn set_password(store: &Store, actor: &Actor, user_id: i64, new_password: &str) -> CoreResult<()> {
    let u = get(store, user_id).await?;
    if actor.user_id != Some(user_id) {
        actor.require(Permission::ManageUsers)?;
    }
    password::check_policy("new_password", new_password, &u.username)?;
    let hash = password::hash(new_password.to_owned()).await?;
    let tx = store.write().await?;
    store_password(&tx, actor, user_id, hash).await?;
    tx.commit().await?;
    store.auth_changed();
    Ok(())
}

/// Stores an already hashed password inside the caller's write transaction, ends the
/// user's sessions and audits it.
pub(crate) async fn store_password(
    tx: &DatabaseTransaction,
    actor: &Actor,
    user_id: i64,
    hash: String,
) -> CoreResult<()> {
    let u = crate::store::locked::<user::Entity>(tx, user_id).await?;
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(Some(hash));
    active.password_changed_at = Set(Some(Utc::now()));
    active.update(tx).await?;
    sessions::end_all_for_user(tx, user_id).await?;
    audit::append(tx, actor, Entry::new(Action::SetPassword, EntityKind::User, Some(user_id))).await?;
    Ok(())
}

/// A user's own password change: the current password must be right.
#[tracing::instrument(skip_all)]
pub async fn change_own_password(store: &Store, actor: &Actor, current: &str, new_password: &str) -> CoreResult<()> {
    let uid = actor.user_id.ok_or(CoreError::Forbidden)?;
    let u = get(store, uid).await?;
    if !password::verify(current.to_owned(), u.password_hash.clone()).await? {
        return Err(CoreError::invalid("current_password", "password_wrong"));
    }
    set_password(store, actor, uid, new_password).await
}

#[derive(Clone, Debug, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub communities: Option<Vec<String>>,
    pub disabled: Option<bool>,
}

#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, user_id: i64, upd: UserUpdate) -> CoreResult<user::Model> {
    actor.require(Permission::ManageUsers)?;
    let u = get(store, user_id).await?;
    let mut errors = FieldErrors::new();
    let display_name = match &upd.display_name {
        Some(d) => validate::text(&mut errors, "display_name", Some(d), 100),
        None => None,
    };
    let role = match &upd.role {
        Some(r) => {
            let parsed = Role::parse(r.trim());
            if parsed.is_none() {
                errors.add("role", "invalid_choice");
            }
            parsed
        }
        None => None,
    };
    if actor.user_id == Some(user_id) && (upd.disabled == Some(true) || role.is_some_and(|r| r != Role::Admin)) {
        // An admin must not lock the deployment out by demoting or disabling themself.
        errors.add("role", "cannot_change_self");
    }
    errors.into_result()?;
    let tx = store.write().await?;
    let mut changed = Vec::new();
    let mut active: user::ActiveModel = u.clone().into();
    if let Some(d) = display_name {
        active.display_name = Set(d);
        changed.push("display_name");
    }
    if let Some(r) = role {
        active.role = Set(r);
        changed.push("role");
    }
    if let Some(dis) = upd.disabled {
        active.disabled = Set(dis);
        changed.push(if dis { "disabled" } else { "enabled" });
        if dis {
            // A disabled account can do nothing: not in a browser, not through the API.
            sessions::end_all_for_user(&tx, user_id).await?;
            super::tokens::revoke_all_for_user(&tx, actor, user_id).await?;
        }
    }
    let model = active.update(&tx).await?;
    if let Some(slugs) = &upd.communities {
        let ids = community_ids(&tx, slugs).await?;
        user_community::Entity::delete_many().filter(user_community::Column::UserId.eq(user_id)).exec(&tx).await?;
        for cid in ids {
            user_community::ActiveModel { user_id: Set(user_id), community_id: Set(cid) }.insert(&tx).await?;
        }
        changed.push("communities");
        // Scope changed: make the user log in again so no stale scope survives.
        sessions::end_all_for_user(&tx, user_id).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::User, Some(user_id)).summary(format!("changed: {}", changed.join(", "))),
    )
    .await?;
    tx.commit().await?;
    store.auth_changed();
    Ok(model)
}

#[tracing::instrument(skip_all)]
pub async fn set_language(store: &Store, user_id: i64, lang: &str) -> CoreResult<()> {
    if !LANGUAGES.contains(&lang) {
        return Err(CoreError::invalid("language", "invalid_choice"));
    }
    let u = get(store, user_id).await?;
    let mut active: user::ActiveModel = u.into();
    active.language = Set(Some(lang.to_owned()));
    active.update(store.writer()).await?;
    store.auth_changed();
    Ok(())
}
