//! Brute-force protection for login, kept in the database so every instance sees it.
//!
//! Three counters per attempt, each with its own threshold and ceiling:
//! - the client address (any account): stops one address guessing across accounts;
//! - account + address: stops one address guessing one account, up to 15 minutes;
//! - the account from anywhere: slows a distributed guess, but never by more than a
//!   minute, so an attacker can never lock the real user out for long.
//!
//! Delays start at 5 seconds and double with each further failure; counters reset an hour after the
//! last failure, and the account counters reset on a successful login.

use chrono::{TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entity::login_throttle;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

struct Rule {
    key: String,
    free_failures: i64,
    max_delay_secs: i64,
}

fn rules(username: &str, client: &str) -> [Rule; 3] {
    let user = username.trim().to_lowercase();
    [
        Rule { key: format!("ip:{client}"), free_failures: 20, max_delay_secs: 15 * 60 },
        Rule { key: format!("acct-ip:{user}|{client}"), free_failures: 5, max_delay_secs: 15 * 60 },
        Rule { key: format!("acct:{user}"), free_failures: 10, max_delay_secs: 60 },
    ]
}

const FORGET_AFTER: TimeDelta = TimeDelta::hours(1);

/// `RateLimited` if any counter is still blocking this attempt.
#[tracing::instrument(skip_all)]
pub async fn check(store: &Store, username: &str, client: &str) -> CoreResult<()> {
    let keys: Vec<String> = rules(username, client).into_iter().map(|r| r.key).collect();
    let rows = login_throttle::Entity::find().filter(login_throttle::Column::Key.is_in(keys)).all(store.conn()).await?;
    let now = Utc::now();
    let wait = rows
        .iter()
        .filter_map(|r| r.blocked_until)
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1))
        .max();
    match wait {
        Some(secs) => Err(CoreError::RateLimited { retry_after_secs: secs }),
        None => Ok(()),
    }
}

#[tracing::instrument(skip_all)]
pub async fn record_failure(store: &Store, username: &str, client: &str) -> CoreResult<()> {
    let now = Utc::now();
    let tx = store.write().await?;
    for rule in rules(username, client) {
        let existing = login_throttle::Entity::find_by_id(rule.key.clone()).one(&tx).await?;
        let failures = match &existing {
            Some(r) if now - r.updated_at < FORGET_AFTER => r.failures + 1,
            _ => 1,
        };
        // From the `free_failures`-th failure on: 5 s, 10 s, 20 s, … up to the rule's ceiling.
        let over = failures - rule.free_failures;
        let blocked_until = (over >= 0).then(|| {
            let secs = 5i64.saturating_mul(1i64 << over.min(20)).min(rule.max_delay_secs);
            now + TimeDelta::seconds(secs)
        });
        let row = login_throttle::ActiveModel {
            key: Set(rule.key),
            failures: Set(failures),
            blocked_until: Set(blocked_until),
            updated_at: Set(now),
        };
        if existing.is_some() {
            row.update(&tx).await?;
        } else {
            row.insert(&tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// After a successful login: the account's counters start over (the address's do not).
#[tracing::instrument(skip_all)]
pub async fn record_success(store: &Store, username: &str, client: &str) -> CoreResult<()> {
    let keys: Vec<String> = rules(username, client).into_iter().skip(1).map(|r| r.key).collect();
    login_throttle::Entity::delete_many().filter(login_throttle::Column::Key.is_in(keys)).exec(store.writer()).await?;
    Ok(())
}
