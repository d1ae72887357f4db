//! Who a session cookie or a bearer token belongs to, remembered for a few seconds.
//!
//! Every request starts by finding its user: the session or token row, the user, the
//! user's communities — three queries before any work, measured as most of an audited
//! read's cost under load. A hit here skips them. What keeps it safe:
//! - every change to who may do what (a token revoked, a session ended, a user disabled,
//!   a password set, communities reassigned, a language chosen) bumps one generation
//!   counter after it commits, and an entry from an older generation is never used, so in
//!   one process the change holds from the next request on;
//! - an entry lives at most `TTL`: with several instances on one PostgreSQL, a change made
//!   on another instance holds here within that time;
//! - an entry is only used while its session or token would not be touched (`last_seen_at`
//!   within the last minute), so idle expiry is always decided from the database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::entity::{session, user};
use crate::policy::Actor;

pub const TTL: Duration = Duration::from_secs(10);
/// Entries at most; past it the cache starts over (a bound, not an eviction policy).
const MAX_ENTRIES: usize = 20_000;

#[derive(Clone, Debug)]
pub struct Principal {
    pub user: user::Model,
    pub actor: Actor,
    /// The session, for a cookie.
    pub session: Option<session::Model>,
    /// When the session or token was last written as used.
    pub touched_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Default)]
pub struct AuthCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (Principal, Instant, u64)>>,
}

impl AuthCache {
    /// The principal cached under `key` if it is from this generation, younger than `TTL`,
    /// and its session or token was touched within `fresh_for`.
    pub fn get(&self, key: &str, fresh_for: chrono::TimeDelta) -> Option<Principal> {
        let generation = self.generation.load(Ordering::Acquire);
        let entries = self.entries.lock().ok()?;
        let (p, at, g) = entries.get(key)?;
        (*g == generation && at.elapsed() < TTL && chrono::Utc::now() - p.touched_at < fresh_for).then(|| p.clone())
    }

    /// Remembers `p`, unless the generation moved since `generation` was read (a change
    /// committed while `p` was being loaded).
    pub fn put(&self, key: String, p: Principal, generation: u64) {
        if let Ok(mut entries) = self.entries.lock()
            && self.generation.load(Ordering::Acquire) == generation
        {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (p, Instant::now(), generation));
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// After a committed change to users, sessions, tokens or community assignments.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}
