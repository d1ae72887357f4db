//! Devices a user has logged in from: a random token in a long-lived cookie, stored hashed.
//! A login carrying a known device of that account skips the per-address throttle (a
//! sprayed shared address cannot lock out the people behind it); it proves nothing else.

use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::{random_token, token_hash};
use crate::entity::login_device;
use crate::error::CoreResult;
use crate::store::Store;

/// The cookie's name and lifetime: a device unused for this long is forgotten.
pub const COOKIE: &str = "hearth_device";
pub const KEEP_FOR: TimeDelta = TimeDelta::days(180);

/// Whether `token` is a device `user_id` logged in from within `KEEP_FOR`.
pub async fn known(store: &Store, user_id: i64, token: &str) -> CoreResult<bool> {
    let found = login_device::Entity::find_by_id(token_hash(token))
        .filter(login_device::Column::UserId.eq(user_id))
        .one(store.conn())
        .await?;
    Ok(found.is_some_and(|d| Utc::now() - d.last_login_at < KEEP_FOR))
}

/// A new device token for `user_id` (returned once, for the cookie).
pub async fn issue(store: &Store, user_id: i64) -> CoreResult<String> {
    let token = random_token();
    let now = Utc::now();
    login_device::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_login_at: Set(now),
    }
    .insert(store.writer())
    .await?;
    // Forgotten devices of this user go as a new one comes.
    login_device::Entity::delete_many()
        .filter(login_device::Column::UserId.eq(user_id))
        .filter(login_device::Column::LastLoginAt.lt(now - KEEP_FOR))
        .exec(store.writer())
        .await?;
    Ok(token)
}
