//! The append-only, hash-chained audit log.
//!
//! There is one chain per community and one for the deployment's own events (users,
//! tokens, communities). Each row's hash covers its own fields and the previous row's hash
//! in its chain, so changing, deleting or reordering any row breaks its chain from that
//! row on, and `verify` names the chain and the first broken row. Appends lock their
//! chain's head row in `audit_chains` first; that keeps each chain a single line under
//! many writers on PostgreSQL while writers in other communities go on, and costs nothing
//! extra on SQLite, where the write transaction already holds the database's write lock.
//!
//! Summaries never contain personal values: they say *what* happened ("updated fields:
//! phone, notes"), not what the values are.

use chrono::{DurationRound, TimeDelta, Utc};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, IsolationLevel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::entity::{audit_log, audit_record};
use crate::error::{CoreError, CoreResult};
use crate::policy::Actor;
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use sea_orm::Set;

/// What was done, stored as its snake_case name (the audit page translates
/// `audit-action-<name>`). A practice adds its actions here, one line each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Create,
    Read,
    List,
    Update,
    Withdraw,
    Use,
    Revoke,
    Login,
    SetPassword,
    ResetPassword,
    IssueSetupLink,
    DemoLoad,
    DemoLogins,
    UseSetupLink,
    LoginFailed,
    LoginBlocked,
    Logout,
    /// Data left the deployment: an export archive or a backup.
    Export,
    /// The database was loaded from an archive or a backup.
    Restore,
    /// People's personal data removed on request (or past retention); the rows stay.
    Erase,
}

impl Action {
    pub const ALL: [Action; 20] = [
        Action::Create,
        Action::Read,
        Action::List,
        Action::Update,
        Action::Withdraw,
        Action::Use,
        Action::Revoke,
        Action::Login,
        Action::SetPassword,
        Action::ResetPassword,
        Action::IssueSetupLink,
        Action::DemoLoad,
        Action::DemoLogins,
        Action::UseSetupLink,
        Action::LoginFailed,
        Action::LoginBlocked,
        Action::Logout,
        Action::Export,
        Action::Restore,
        Action::Erase,
    ];

    /// The stored name: never changed once released.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Read => "read",
            Action::List => "list",
            Action::Update => "update",
            Action::Withdraw => "withdraw",
            Action::Use => "use",
            Action::Revoke => "revoke",
            Action::Login => "login",
            Action::SetPassword => "set_password",
            Action::ResetPassword => "reset_password",
            Action::IssueSetupLink => "issue_setup_link",
            Action::DemoLoad => "demo_load",
            Action::DemoLogins => "demo_logins",
            Action::UseSetupLink => "use_setup_link",
            Action::LoginFailed => "login_failed",
            Action::LoginBlocked => "login_blocked",
            Action::Logout => "logout",
            Action::Export => "export",
            Action::Restore => "restore",
            Action::Erase => "erase",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// What happened, to what. `community_id` lets audit browsing be filtered by community.
#[derive(Clone, Debug)]
pub struct Entry {
    pub action: Action,
    pub entity: EntityKind,
    pub entity_id: Option<i64>,
    pub community_id: Option<i64>,
    pub summary: String,
    /// The records a list, search, drill-down or export showed (a single-record read names
    /// its record in `entity`/`entity_id` instead).
    pub records: Vec<RecordRef>,
}

impl Entry {
    pub fn new(action: Action, entity: EntityKind, entity_id: Option<i64>) -> Entry {
        Entry { action, entity, entity_id, community_id: None, summary: String::new(), records: Vec::new() }
    }
    /// A read of records of one community belongs to that community's chain (and its
    /// coordinators see it); one spanning several stays in the deployment's.
    pub fn community_of(mut self, communities: impl IntoIterator<Item = i64>) -> Entry {
        let mut it = communities.into_iter();
        if let Some(first) = it.next()
            && it.all(|c| c == first)
        {
            self.community_id = Some(first);
        }
        self
    }
    /// The records this read showed, so "who saw this person" finds it.
    pub fn showed(mut self, records: impl IntoIterator<Item = RecordRef>) -> Entry {
        self.records.extend(records);
        self
    }
    pub fn community(mut self, id: i64) -> Entry {
        self.community_id = Some(id);
        self
    }
    pub fn summary(mut self, s: impl Into<String>) -> Entry {
        self.summary = s.into();
        self
    }
}

/// The chain an entry belongs to: its community's, or the deployment's (0).
pub fn chain_of(entry: &Entry) -> i64 {
    entry.community_id.unwrap_or(DEPLOYMENT_CHAIN)
}

/// The chain of events that belong to no community: users, tokens, communities, logins.
pub const DEPLOYMENT_CHAIN: i64 = 0;

/// The key every row's MAC is made with. It lives outside the database (a key file in the
/// data directory, or `HEARTH_AUDIT_KEY`), so someone who can write to the database can
/// neither recompute the chain after changing a row nor forge a tail. One per process:
/// set once at start-up, like a TLS key.
static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();

/// Sets the audit key for this process; false if a different one is already set.
pub fn set_key(key: [u8; 32]) -> bool {
    *KEY.get_or_init(|| key) == key
}

/// The key as 64 hex digits (how it is stored and passed in `HEARTH_AUDIT_KEY`).
pub fn parse_key(hex_digits: &str) -> Option<[u8; 32]> {
    hex::decode(hex_digits.trim()).ok()?.try_into().ok()
}

pub fn key_to_hex(key: &[u8; 32]) -> String {
    hex::encode(key)
}

/// A fresh random key.
pub fn new_key() -> [u8; 32] {
    use rand::RngCore;
    let mut k = [0u8; 32];
    rand::rng().fill_bytes(&mut k);
    k
}

fn key() -> CoreResult<&'static [u8; 32]> {
    KEY.get().ok_or_else(|| CoreError::Internal("no audit key: set HEARTH_AUDIT_KEY or use a data directory".into()))
}

/// A key for another purpose derived from the audit key (HMAC of a label), so a deployment
/// keeps one secret and every process of it derives the same keys; `None` before the audit
/// key is set.
pub fn derived_key(label: &[u8]) -> Option<[u8; 32]> {
    KEY.get().map(|k| hmac_sha256(k, label))
}

/// HMAC-SHA-256, for other modules' keyed hashes.
pub(crate) fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    hmac_sha256(key, message)
}

/// HMAC-SHA-256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new().chain_update(k.map(|b| b ^ 0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(k.map(|b| b ^ 0x5c)).chain_update(inner).finalize().into()
}

/// The MAC of a row: every field but `hash`, `id` (storage order) and `chain` (which is its
/// community, covered), length-prefixed so that no two different rows serialize alike,
/// keyed with the audit key. Rows from before the hand-over (`legacy`) were plain SHA-256
/// and hashed their id where `seq` now stands; their `seq` is their id. Newer rows also
/// cover the records they showed (`audit_records`).
fn row_hash(r: &audit_log::Model, records: &[(String, i64)], legacy: bool) -> CoreResult<String> {
    let mut message = Vec::with_capacity(256);
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    for part in [
        r.prev_hash.clone(),
        r.seq.to_string(),
        r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        opt(r.actor_user_id),
        r.actor.clone(),
        opt(r.community_id),
        r.action.clone(),
        r.entity.clone(),
        opt(r.entity_id),
        r.summary.clone(),
    ] {
        message.extend_from_slice(&(part.len() as u64).to_le_bytes());
        message.extend_from_slice(part.as_bytes());
    }
    if !legacy {
        // The records the read showed, in their stored order (entity, id).
        let shown = records.iter().map(|(e, id)| format!("{e}:{id}")).collect::<Vec<_>>().join(",");
        message.extend_from_slice(&(shown.len() as u64).to_le_bytes());
        message.extend_from_slice(shown.as_bytes());
    }
    Ok(if legacy { hex::encode(Sha256::digest(&message)) } else { hex::encode(hmac_sha256(key()?, &message)) })
}

/// Appends one row inside the caller's write transaction, so the audit row commits or
/// rolls back with the change it describes. It locks only the head of the entry's chain,
/// so writes in other communities go on meanwhile (on PostgreSQL; SQLite has one writer).
#[tracing::instrument(skip_all)]
pub async fn append<C: ConnectionTrait>(conn: &C, actor: &Actor, entry: Entry) -> CoreResult<()> {
    append_many(conn, &[(actor.clone(), entry)]).await
}

/// The head of a chain, locked for this transaction (PostgreSQL row lock; on SQLite the
/// write transaction already holds the database), created on the chain's first entry.
async fn lock_head<C: ConnectionTrait>(conn: &C, chain: i64) -> CoreResult<(i64, String)> {
    let backend = conn.get_database_backend();
    let select = match backend {
        DbBackend::Postgres => "SELECT last_seq, last_hash FROM audit_chains WHERE chain = $1 FOR UPDATE",
        _ => "SELECT last_seq, last_hash FROM audit_chains WHERE chain = ?",
    };
    let read = || conn.query_one_raw(Statement::from_sql_and_values(backend, select, [chain.into()]));
    let head = match read().await? {
        Some(head) => head,
        None => {
            // Two first entries at once: one inserts, the other's insert does nothing and
            // then waits for the row lock.
            let insert = match backend {
                DbBackend::Postgres => {
                    "INSERT INTO audit_chains (chain, last_seq, last_hash, handover_seq) VALUES ($1, 0, $2, 0) \
                     ON CONFLICT (chain) DO NOTHING"
                }
                _ => {
                    "INSERT INTO audit_chains (chain, last_seq, last_hash, handover_seq) VALUES (?, 0, ?, 0) \
                     ON CONFLICT (chain) DO NOTHING"
                }
            };
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                insert,
                [chain.into(), hearth_migration::GENESIS_HASH.into()],
            ))
            .await?;
            read().await?.ok_or_else(|| CoreError::Internal(format!("audit chain {chain} has no head")))?
        }
    };
    Ok((head.try_get_by_index(0)?, head.try_get_by_index(1)?))
}

/// Appends rows in order inside the caller's write transaction. Each chain's head is read
/// (and on PostgreSQL locked) once and written once, however many rows; chains are taken
/// in ascending order so two batches never wait for each other in a cycle.
pub(crate) async fn append_many<C: ConnectionTrait>(conn: &C, items: &[(Actor, Entry)]) -> CoreResult<()> {
    let backend = conn.get_database_backend();
    let mut chains: std::collections::BTreeMap<i64, Vec<&(Actor, Entry)>> = Default::default();
    for item in items {
        chains.entry(chain_of(&item.1)).or_default().push(item);
    }
    // Microseconds: the precision both backends store, so the hash survives a round trip.
    let at = Utc::now().duration_trunc(TimeDelta::microseconds(1)).unwrap_or_else(|_| Utc::now());
    for (chain, items) in chains {
        let (mut seq, mut prev_hash) = lock_head(conn, chain).await?;
        let mut rows = Vec::with_capacity(items.len());
        let mut shown = Vec::new();
        for (actor, entry) in items {
            seq += 1;
            let records = stored_records(&entry.records);
            let mut row = audit_log::Model {
                id: 0,
                chain,
                seq,
                at,
                actor_user_id: actor.user_id,
                actor: actor.username.clone(),
                community_id: entry.community_id,
                action: entry.action.as_str().to_owned(),
                entity: entry.entity.as_str().to_owned(),
                entity_id: entry.entity_id,
                summary: match actor.via_token {
                    Some(t) if entry.summary.is_empty() => format!("via token {t}"),
                    Some(t) => format!("{}; via token {t}", entry.summary),
                    None => entry.summary.clone(),
                },
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            row.hash = row_hash(&row, &records, false)?;
            prev_hash = row.hash.clone();
            let mut active = audit_log::ActiveModel::from(row);
            active.id = sea_orm::ActiveValue::NotSet;
            rows.push(active);
            shown.extend(records.into_iter().map(|(entity, entity_id)| audit_record::ActiveModel {
                chain: Set(chain),
                seq: Set(seq),
                entity: Set(entity),
                entity_id: Set(entity_id),
            }));
        }
        // Well under both backends' bound-parameter limits (12 columns per row).
        for chunk in rows.chunks(500) {
            audit_log::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        }
        for chunk in shown.chunks(2000) {
            audit_record::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        }
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => "UPDATE audit_chains SET last_seq = $1, last_hash = $2 WHERE chain = $3",
                _ => "UPDATE audit_chains SET last_seq = ?, last_hash = ? WHERE chain = ?",
            },
            [seq.into(), prev_hash.into(), chain.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The records an entry showed as stored: (entity, id), sorted, without repeats.
fn stored_records(records: &[RecordRef]) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = records.iter().map(|r| (r.kind.as_str().to_owned(), r.id)).collect();
    out.sort();
    out.dedup();
    out
}

/// A read's entry waiting for its batch.
pub(crate) struct Pending {
    actor: Actor,
    entry: Entry,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// Entries waiting at most; a burst beyond that waits for room (backpressure).
const QUEUE: usize = 8192;
/// Rows per group commit at most.
const BATCH: usize = 1024;

/// The group-commit appender: takes every entry waiting, appends them in one transaction
/// (one head read, one multi-row insert, one head update, one commit), and only then tells
/// each reader its entry is durable. While one batch commits the next one gathers, so under
/// load a commit carries many reads and alone a read waits for nothing but its own commit.
pub(crate) fn start_appender(store: Store) -> tokio::sync::mpsc::Sender<Pending> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Pending>(QUEUE);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
            let items: Vec<(Actor, Entry)> = batch.iter().map(|p| (p.actor.clone(), p.entry.clone())).collect();
            let result = commit_batch(&store, &items).await.map_err(|e| e.to_string());
            if let Err(e) = &result {
                tracing::error!(error = %e, rows = items.len(), "audit batch failed; its reads are refused");
            }
            for p in batch {
                let _ = p.done.send(result.clone());
            }
        }
    });
    tx
}

async fn commit_batch(store: &Store, items: &[(Actor, Entry)]) -> CoreResult<()> {
    let tx = store.write().await?;
    append_many(&tx, items).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a read: its entry is group-committed with the other reads of the moment, and
/// this returns only once it is durable, so a record is never shown unaudited. (Writes
/// append their row inside their own transaction with `append`.)
#[tracing::instrument(skip_all)]
pub async fn record(store: &Store, actor: &Actor, entry: Entry) -> CoreResult<()> {
    let (done, wait) = tokio::sync::oneshot::channel();
    store
        .audit_queue()
        .send(Pending { actor: actor.clone(), entry, done })
        .await
        .map_err(|_| CoreError::Internal("audit appender stopped".into()))?;
    match wait.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(CoreError::Internal(format!("audit: {e}"))),
        Err(_) => Err(CoreError::Internal("audit appender stopped".into())),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        rows: u64,
        chains: u64,
    },
    /// The first entry of a chain whose stored hash, link or place does not match what it
    /// should be. `seq` is its position in the chain (`chain` 0 is the deployment's).
    Broken {
        chain: i64,
        seq: i64,
        reason: &'static str,
    },
}

/// Re-computes every chain, each in pages so memory stays flat on a large log, and checks
/// that no row lies outside a chain. It reads one snapshot, so entries appended while it
/// runs are neither half-seen nor mistaken for a broken tail.
#[tracing::instrument(skip_all)]
pub async fn verify(store: &Store) -> CoreResult<Verdict> {
    let tx = match store.backend() {
        DbBackend::Postgres => {
            store.conn().begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?
        }
        _ => store.conn().begin().await?,
    };
    let verdict = verify_in(&tx).await;
    tx.rollback().await?;
    verdict
}

async fn verify_in(conn: &DatabaseTransaction) -> CoreResult<Verdict> {
    let backend = conn.get_database_backend();
    let heads = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT chain, last_seq, last_hash, handover_seq FROM audit_chains ORDER BY chain",
        ))
        .await?;
    let mut rows = 0u64;
    let mut chains = 0u64;
    for head in heads {
        let chain: i64 = head.try_get_by_index(0)?;
        let last_seq: i64 = head.try_get_by_index(1)?;
        let last_hash: String = head.try_get_by_index(2)?;
        let handover: i64 = head.try_get_by_index(3)?;
        match verify_chain(conn, chain, handover).await? {
            Ok((n, seq, hash)) => {
                if seq != last_seq || hash != last_hash {
                    // Rows were removed from the end of the chain.
                    return Ok(Verdict::Broken { chain, seq: seq + 1, reason: "truncated" });
                }
                rows += n;
                chains += 1;
            }
            Err(broken) => return Ok(broken),
        }
    }
    let total = audit_log::Entity::find().count(conn).await?;
    if total != rows {
        let stray = conn
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT chain, MIN(seq) FROM audit_log WHERE chain NOT IN (SELECT chain FROM audit_chains) \
                 GROUP BY chain ORDER BY chain",
            ))
            .await?;
        let (chain, seq) = match stray {
            Some(r) => (r.try_get_by_index(0)?, r.try_get_by_index(1)?),
            None => (DEPLOYMENT_CHAIN, 0),
        };
        return Ok(Verdict::Broken { chain, seq, reason: "outside_chain" });
    }
    Ok(Verdict::Intact { rows, chains })
}

/// One chain from its first row: `Ok((rows, last seq, last hash))` or the first fault.
async fn verify_chain(
    conn: &DatabaseTransaction,
    chain: i64,
    handover: i64,
) -> CoreResult<Result<(u64, i64, String), Verdict>> {
    let mut prev = hearth_migration::GENESIS_HASH.to_owned();
    let mut expected = 1i64;
    let broken = |seq, reason| Ok(Err(Verdict::Broken { chain, seq, reason }));
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Chain.eq(chain))
            .filter(audit_log::Column::Seq.gte(expected))
            .order_by_asc(audit_log::Column::Seq)
            .limit(2000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        let (first, last) = (page[0].seq, page[page.len() - 1].seq);
        let mut shown: std::collections::HashMap<i64, Vec<(String, i64)>> = Default::default();
        for s in audit_record::Entity::find()
            .filter(audit_record::Column::Chain.eq(chain))
            .filter(audit_record::Column::Seq.between(first, last))
            .order_by_asc(audit_record::Column::Seq)
            .order_by_asc(audit_record::Column::Entity)
            .order_by_asc(audit_record::Column::EntityId)
            .all(conn)
            .await?
        {
            shown.entry(s.seq).or_default().push((s.entity, s.entity_id));
        }
        for r in page {
            if r.seq != expected {
                return broken(expected, "missing_row");
            }
            if r.prev_hash != prev {
                return broken(r.seq, "link_mismatch");
            }
            let records = shown.remove(&r.seq).unwrap_or_default();
            let h = row_hash(&r, &records, chain == DEPLOYMENT_CHAIN && r.seq <= handover)?;
            if h != r.hash {
                return broken(r.seq, "hash_mismatch");
            }
            // Before the hand-over every row was in the one chain; after it a row's
            // community decides its chain.
            if r.seq > handover && r.community_id.unwrap_or(DEPLOYMENT_CHAIN) != chain {
                return broken(r.seq, "wrong_chain");
            }
            prev = h;
            expected += 1;
        }
    }
    Ok(Ok(((expected - 1) as u64, expected - 1, prev)))
}

/// The head of one chain at a moment: kept somewhere the database's writers cannot reach
/// (printed, mailed, another machine), it lets `verify_against` prove that the chain still
/// extends it, so even a truncation back to an earlier state is found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub chain: i64,
    pub seq: i64,
    pub hash: String,
    pub at: chrono::DateTime<Utc>,
}

impl Anchor {
    /// One line: `chain seq hash time`.
    pub fn line(&self) -> String {
        format!("{} {} {} {}", self.chain, self.seq, self.hash, self.at.to_rfc3339())
    }

    pub fn parse(line: &str) -> Option<Anchor> {
        let mut it = line.split_whitespace();
        let chain = it.next()?.parse().ok()?;
        let seq = it.next()?.parse().ok()?;
        let hash = it.next()?.to_owned();
        let at = chrono::DateTime::parse_from_rfc3339(it.next()?).ok()?.to_utc();
        Some(Anchor { chain, seq, hash, at })
    }
}

/// The head of every chain now.
#[tracing::instrument(skip_all)]
pub async fn anchors(store: &Store) -> CoreResult<Vec<Anchor>> {
    let conn = store.conn();
    let heads = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT chain, last_seq, last_hash FROM audit_chains WHERE last_seq > 0 ORDER BY chain",
        ))
        .await?;
    let mut out = Vec::with_capacity(heads.len());
    for h in heads {
        let (chain, seq, hash): (i64, i64, String) =
            (h.try_get_by_index(0)?, h.try_get_by_index(1)?, h.try_get_by_index(2)?);
        let at = audit_log::Entity::find()
            .filter(audit_log::Column::Chain.eq(chain))
            .filter(audit_log::Column::Seq.eq(seq))
            .one(conn)
            .await?
            .map(|r| r.at)
            .unwrap_or_else(Utc::now);
        out.push(Anchor { chain, seq, hash, at });
    }
    Ok(out)
}

/// `verify`, and then that every anchor is still in its chain: its entry is there
/// (`below_anchor` if the chain was cut back beneath it) with the hash it had
/// (`anchor_mismatch` if the chain was rewritten since).
#[tracing::instrument(skip_all)]
pub async fn verify_against(store: &Store, anchors: &[Anchor]) -> CoreResult<Verdict> {
    let verdict = verify(store).await?;
    if !matches!(verdict, Verdict::Intact { .. }) {
        return Ok(verdict);
    }
    for a in anchors.iter().filter(|a| a.seq > 0) {
        let row = audit_log::Entity::find()
            .filter(audit_log::Column::Chain.eq(a.chain))
            .filter(audit_log::Column::Seq.eq(a.seq))
            .one(store.conn())
            .await?;
        match row {
            None => return Ok(Verdict::Broken { chain: a.chain, seq: a.seq, reason: "below_anchor" }),
            Some(r) if r.hash != a.hash => {
                return Ok(Verdict::Broken { chain: a.chain, seq: a.seq, reason: "anchor_mismatch" });
            }
            Some(_) => {}
        }
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2: key "Jefe".
        let mac = super::hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // Test case 6: a key longer than the block.
        let mac = super::hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex::encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }
}

/// Filters for browsing the log (admins only; the web layer checks the permission).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub action: Option<String>,
    pub community_id: Option<i64>,
    /// Keyset: rows with id below this (newest first).
    pub before: Option<i64>,
    pub limit: u64,
}

fn filtered(f: &Filter) -> sea_orm::Select<audit_log::Entity> {
    let mut q = audit_log::Entity::find();
    if let Some(a) = f.actor.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Actor.eq(a));
    }
    if let Some(e) = f.entity.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Entity.eq(e));
    }
    if let Some(id) = f.entity_id {
        q = q.filter(audit_log::Column::EntityId.eq(id));
    }
    if let Some(a) = f.action.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_log::Column::Action.eq(a));
    }
    if let Some(c) = f.community_id {
        q = q.filter(audit_log::Column::CommunityId.eq(c));
    }
    if let Some(b) = f.before {
        q = q.filter(audit_log::Column::Id.lt(b));
    }
    q
}

/// The whole log, filtered (the CLI, tests; pages and the API go through `browse`).
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, f: &Filter) -> CoreResult<Vec<audit_log::Model>> {
    let limit = f.limit.clamp(1, 500);
    Ok(filtered(f).order_by_desc(audit_log::Column::Id).limit(limit).all(store.conn()).await?)
}

/// The log as `actor` may browse it: admins all of it, coordinators the entries of their
/// communities (never the deployment's own chain: other people's logins and tokens).
#[tracing::instrument(skip_all)]
pub async fn browse(store: &Store, actor: &Actor, f: &Filter) -> CoreResult<Vec<audit_log::Model>> {
    actor.require(crate::policy::Permission::ViewAudit)?;
    match &actor.scope {
        crate::policy::Scope::All => list(store, f).await,
        crate::policy::Scope::Communities(ids) => {
            if f.community_id.is_some_and(|c| !ids.contains(&c)) {
                return Ok(Vec::new());
            }
            let mut q = filtered(f).filter(audit_log::Column::CommunityId.is_in(ids.clone()));
            q = q.order_by_desc(audit_log::Column::Id).limit(f.limit.clamp(1, 500));
            Ok(q.all(store.conn()).await?)
        }
    }
}

/// Who has seen or changed `record`, newest first: entries that name it (a read of it, a
/// change to it) and entries of lists, searches, drill-downs and exports that showed it.
/// For coordinators (entries of their communities) and admins; the caller has already
/// checked that the actor may see the record itself.
#[tracing::instrument(skip_all)]
pub async fn who_saw(store: &Store, actor: &Actor, record: RecordRef, limit: u64) -> CoreResult<Vec<audit_log::Model>> {
    actor.require(crate::policy::Permission::ViewAudit)?;
    let limit = limit.clamp(1, 500);
    let entity = record.kind.as_str();
    let mut rows = audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq(entity))
        .filter(audit_log::Column::EntityId.eq(record.id))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(store.conn())
        .await?;
    let shown = audit_record::Entity::find()
        .filter(audit_record::Column::Entity.eq(entity))
        .filter(audit_record::Column::EntityId.eq(record.id))
        .order_by_desc(audit_record::Column::Chain)
        .order_by_desc(audit_record::Column::Seq)
        .limit(limit)
        .all(store.conn())
        .await?;
    if !shown.is_empty() {
        let mut any = sea_orm::Condition::any();
        for s in &shown {
            any = any.add(
                sea_orm::Condition::all()
                    .add(audit_log::Column::Chain.eq(s.chain))
                    .add(audit_log::Column::Seq.eq(s.seq)),
            );
        }
        rows.extend(audit_log::Entity::find().filter(any).all(store.conn()).await?);
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    rows.dedup_by_key(|r| r.id);
    // Coordinators: what happened in their communities, not the deployment's own events.
    rows.retain(|r| match (r.community_id, &actor.scope) {
        (_, crate::policy::Scope::All) => true,
        (Some(c), _) => actor.sees_community(c),
        (None, _) => false,
    });
    rows.truncate(limit as usize);
    Ok(rows)
}

#[tracing::instrument(skip_all)]
pub async fn count(store: &Store) -> CoreResult<u64> {
    Ok(audit_log::Entity::find().count(store.conn()).await?)
}
