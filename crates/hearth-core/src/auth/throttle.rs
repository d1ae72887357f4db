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
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::login_throttle;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

struct Rule {
    key: String,
    free_failures: i64,
    max_delay_secs: i64,
    /// The per-address rule, which a known device of the account skips.
    address: bool,
}

fn rules(username: &str, client: &str) -> [Rule; 3] {
    let user = username.trim().to_lowercase();
    [
        Rule { key: format!("ip:{client}"), free_failures: 20, max_delay_secs: 15 * 60, address: true },
        Rule { key: format!("acct-ip:{user}|{client}"), free_failures: 5, max_delay_secs: 15 * 60, address: false },
        Rule { key: format!("acct:{user}"), free_failures: 10, max_delay_secs: 60, address: false },
    ]
}

const FORGET_AFTER: TimeDelta = TimeDelta::hours(1);

/// The delay after `failures` failures: none up to `free_failures - 1`, then 5 s, 10 s,
/// 20 s, … up to the rule's ceiling.
fn blocked_until(rule: &Rule, failures: i64, now: chrono::DateTime<Utc>) -> Option<chrono::DateTime<Utc>> {
    let over = failures - rule.free_failures;
    (over >= 0).then(|| now + TimeDelta::seconds(5i64.saturating_mul(1i64 << over.min(20)).min(rule.max_delay_secs)))
}

/// `RateLimited` if any counter is still blocking an attempt (read only: what the login
/// page can say before anyone types).
#[tracing::instrument(skip_all)]
pub async fn check(store: &Store, username: &str, client: &str) -> CoreResult<()> {
    let keys: Vec<String> = rules(username, client).into_iter().map(|r| r.key).collect();
    let rows = login_throttle::Entity::find().filter(login_throttle::Column::Key.is_in(keys)).all(store.conn()).await?;
    match wait(&rows, Utc::now()) {
        Some(secs) => Err(CoreError::RateLimited { retry_after_secs: secs }),
        None => Ok(()),
    }
}

fn wait(rows: &[login_throttle::Model], now: chrono::DateTime<Utc>) -> Option<i64> {
    rows.iter()
        .filter_map(|r| r.blocked_until)
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1))
        .max()
}

/// An attempt already counted as a failure; `succeeded` takes it back.
#[derive(Debug)]
pub struct Attempt {
    username: String,
    client: String,
    device_known: bool,
}

/// Reserves an attempt before the password is checked: in one write transaction (row
/// locks on PostgreSQL, the single writer on SQLite) the counters are read and, unless one
/// blocks, each is counted as a failure at once. Twenty simultaneous guesses are therefore
/// twenty counted failures, and the sixth on one account from one address is refused
/// however fast they come. `device_known` (a device cookie of this account from an earlier
/// login) skips the per-address counter only.
#[tracing::instrument(skip_all)]
pub async fn reserve(store: &Store, username: &str, client: &str, device_known: bool) -> CoreResult<Attempt> {
    let now = Utc::now();
    let mut rules: Vec<Rule> = rules(username, client).into_iter().filter(|r| !(device_known && r.address)).collect();
    // One order for every attempt's inserts and locks, so two never wait in a cycle.
    rules.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<String> = rules.iter().map(|r| r.key.clone()).collect();
    let tx = store.write().await?;
    for r in &rules {
        let fresh = login_throttle::ActiveModel {
            key: Set(r.key.clone()),
            failures: Set(0),
            blocked_until: Set(None),
            updated_at: Set(now),
        };
        login_throttle::Entity::insert(fresh)
            .on_conflict(OnConflict::column(login_throttle::Column::Key).do_nothing().to_owned())
            .exec_without_returning(&tx)
            .await?;
    }
    let rows = login_throttle::Entity::find()
        .filter(login_throttle::Column::Key.is_in(keys))
        .order_by_asc(login_throttle::Column::Key)
        .lock_exclusive()
        .all(&tx)
        .await?;
    if let Some(secs) = wait(&rows, now) {
        // Nothing counted: the transaction rolls back.
        return Err(CoreError::RateLimited { retry_after_secs: secs });
    }
    for row in rows {
        let Some(rule) = rules.iter().find(|r| r.key == row.key) else { continue };
        let failures = if now - row.updated_at < FORGET_AFTER { row.failures + 1 } else { 1 };
        let mut active: login_throttle::ActiveModel = row.into();
        active.failures = Set(failures);
        active.blocked_until = Set(blocked_until(rule, failures, now));
        active.updated_at = Set(now);
        active.update(&tx).await?;
    }
    tx.commit().await?;
    Ok(Attempt { username: username.to_owned(), client: client.to_owned(), device_known })
}

/// After a successful login: the account's counters start over, and the address's counter
/// takes back this attempt (the address is not forgiven its other failures).
#[tracing::instrument(skip_all)]
pub async fn succeeded(store: &Store, attempt: Attempt) -> CoreResult<()> {
    let [ip, acct_ip, acct] = rules(&attempt.username, &attempt.client);
    let tx = store.write().await?;
    login_throttle::Entity::delete_many()
        .filter(login_throttle::Column::Key.is_in([acct_ip.key, acct.key]))
        .exec(&tx)
        .await?;
    if !attempt.device_known
        && let Some(row) = login_throttle::Entity::find_by_id(ip.key.clone()).lock_exclusive().one(&tx).await?
    {
        let failures = (row.failures - 1).max(0);
        let mut active: login_throttle::ActiveModel = row.into();
        active.failures = Set(failures);
        if failures < ip.free_failures {
            active.blocked_until = Set(None);
        }
        active.update(&tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
