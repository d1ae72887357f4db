//! The database: one connection pool over SQLite or PostgreSQL, chosen by URL at runtime.
//!
//! Database specifics live here and nowhere else: the SQLite pragmas, how write transactions
//! start, and the lock that serializes audit appends.

use std::path::Path;
use std::time::Duration;

use hearth_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    PrimaryKeyTrait, QuerySelect, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::error::{CoreError, CoreResult};

/// The database. On SQLite, reads go to a pool of read-only connections (about one per
/// core) and every write to one writer connection: writers queue for it in the process
/// (async, in order) instead of racing `BEGIN IMMEDIATE` and sleeping in SQLite's busy
/// handler, so no request ever waits on or fails with SQLITE_BUSY. On PostgreSQL, which
/// handles concurrent writers itself, both are the one pool.
/// PostgreSQL connections per instance: enough for a few dozen concurrent requests, well
/// under the server's default `max_connections` (100) so several instances can share it.
const POSTGRES_POOL: u32 = 20;

/// SQLite read connections: `HEARTH_SQLITE_READERS`, else four per core (each connection
/// runs on its own driver thread, so a few per core keep the cores busy while a query's
/// answer travels back), between 2 and 32.
fn sqlite_readers() -> u32 {
    let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(2);
    std::env::var("HEARTH_SQLITE_READERS").ok().and_then(|v| v.parse().ok()).unwrap_or(cores * 4).clamp(2, 32)
}

#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    writer: DatabaseConnection,
    /// The group-commit queue of read audit entries, started on first use (it needs the
    /// runtime), one per store.
    audit: std::sync::Arc<std::sync::OnceLock<tokio::sync::mpsc::Sender<crate::audit::Pending>>>,
    /// Who sessions and tokens belong to, for a few seconds (see `auth::cache`).
    auth: std::sync::Arc<crate::auth::cache::AuthCache>,
    /// How long a session may sit unused (`auth::sessions::IDLE` unless shortened).
    session_idle: chrono::TimeDelta,
    /// Background workers of the practices (a group-commit queue), one of each kind per
    /// store, started on first use (see `Store::worker`).
    workers: Workers,
}

/// The practices' per-store workers, by type.
#[derive(Clone, Default)]
struct Workers(
    std::sync::Arc<
        std::sync::Mutex<std::collections::HashMap<std::any::TypeId, std::sync::Arc<dyn std::any::Any + Send + Sync>>>,
    >,
);

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Workers")
    }
}

impl Store {
    /// Connects to `url`. For SQLite the file is created if missing, WAL and foreign keys
    /// are switched on for every pooled connection, and writers wait (busy timeout) instead
    /// of failing when another writer holds the lock.
    pub async fn connect(url: &str) -> CoreResult<Store> {
        let is_sqlite = url.starts_with("sqlite:");
        let url = if is_sqlite && !url.contains("mode=") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url.to_owned()
        };
        let options = |max: u32| {
            let mut opts = ConnectOptions::new(url.clone());
            opts.sqlx_logging(false)
                .connect_timeout(Duration::from_secs(10))
                .acquire_timeout(Duration::from_secs(30))
                .max_connections(max)
                .min_connections(1);
            opts
        };
        if !is_sqlite {
            let db = Database::connect(options(POSTGRES_POOL)).await?;
            return Ok(Store {
                writer: db.clone(),
                db,
                audit: Default::default(),
                auth: Default::default(),
                session_idle: crate::auth::sessions::IDLE,
                workers: Default::default(),
            });
        }
        let sqlite = |read_only: bool| {
            move |o: sea_orm::sqlx::sqlite::SqliteConnectOptions| {
                let o = o
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .create_if_missing(true);
                // A read connection refuses to write: a write that forgot the writer fails
                // in the tests instead of contending for the lock in production. The
                // writer overwrites what it deletes, so an erased person's data does not
                // linger in free pages of the file.
                if read_only { o.pragma("query_only", "ON") } else { o.pragma("secure_delete", "ON") }
            }
        };
        // The writer first: it creates the file and switches it to WAL.
        let mut w = options(1);
        w.map_sqlx_sqlite_opts(sqlite(false));
        let writer = Database::connect(w).await?;
        let mut r = options(sqlite_readers());
        r.map_sqlx_sqlite_opts(sqlite(true));
        let db = Database::connect(r).await?;
        Ok(Store {
            db,
            writer,
            audit: Default::default(),
            auth: Default::default(),
            session_idle: crate::auth::sessions::IDLE,
            workers: Default::default(),
        })
    }

    /// This store's worker of type `T` (a practice's group-commit queue, say), started by
    /// `start` the first time it is asked for — within a runtime, like the read audit's
    /// appender. A practice keeps its worker in its own files and asks for it here.
    pub fn worker<T: Send + Sync + 'static>(&self, start: impl FnOnce(Store) -> T) -> std::sync::Arc<T> {
        let key = std::any::TypeId::of::<T>();
        let mut map = self.workers.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(w) = map.get(&key).cloned().and_then(|w| w.downcast::<T>().ok()) {
            return w;
        }
        let w = std::sync::Arc::new(start(self.clone()));
        map.insert(key, w.clone());
        w
    }

    /// A shorter idle limit for sessions (a kiosk, or a test that waits for one to expire):
    /// between 10 seconds and the default 30 minutes, never longer.
    pub fn with_session_idle(mut self, idle: chrono::TimeDelta) -> Store {
        self.session_idle = idle.clamp(chrono::TimeDelta::seconds(10), crate::auth::sessions::IDLE);
        self
    }

    pub fn session_idle(&self) -> chrono::TimeDelta {
        self.session_idle
    }

    /// `sqlite://DIR/hearth.db`, creating DIR.
    pub fn sqlite_url_in(dir: &Path) -> CoreResult<String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CoreError::Internal(format!("cannot create data directory {}: {e}", dir.display())))?;
        Ok(format!("sqlite://{}", dir.join("hearth.db").display()))
    }

    /// Applies the migrations, then rebuilds derived search keys if their rules changed.
    pub async fn migrate(&self) -> CoreResult<()> {
        Migrator::up(&self.writer, None).await?;
        crate::registry::search::reindex_if_stale(self).await
    }

    /// For reads (on SQLite, a read-only connection).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn auth_cache(&self) -> &crate::auth::cache::AuthCache {
        &self.auth
    }

    /// Call after committing any change to users, sessions, tokens or community
    /// assignments: no request of this process acts on the old state after it.
    pub fn auth_changed(&self) {
        self.auth.changed();
    }

    /// Where read audit entries go to be group-committed.
    pub(crate) fn audit_queue(&self) -> &tokio::sync::mpsc::Sender<crate::audit::Pending> {
        self.audit.get_or_init(|| crate::audit::start_appender(self.clone()))
    }

    /// For a single write outside a transaction (on SQLite, the one writer connection).
    pub fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so the
    /// write lock is taken up front and a later upgrade can never fail with SQLITE_BUSY.
    pub async fn write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.writer
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }

    pub async fn ping(&self) -> CoreResult<()> {
        self.db.execute_unprepared("SELECT 1").await?;
        Ok(())
    }
}

/// Re-reads a row inside a write transaction, locked against other writers until the
/// transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds the
/// database's write lock). Validation then checks the row it will write over, so two people
/// acting at once can never both pass a check that only one of them should (closing the
/// same follow-up twice, withdrawing the same consent twice).
pub async fn locked<E>(tx: &DatabaseTransaction, id: i64) -> CoreResult<E::Model>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id).lock_exclusive().one(tx).await?.ok_or(CoreError::NotFound)
}

/// The unique constraints a user can run into, each with the field and code it is reported
/// as: (PostgreSQL's constraint name, SQLite's column list, field, code). A new unique
/// constraint on user input gets a row here.
const UNIQUE_CONSTRAINTS: &[(&str, &str, &str, &str)] = &[
    (
        "uq_closed_months_version",
        "closed_months.community_id, closed_months.month, closed_months.version",
        "month",
        "closed_concurrently",
    ),
    (
        "idx_residents_community_external_id",
        "residents.community_id, residents.external_id",
        "external_id",
        "external_id_taken",
    ),
    ("uq_households_community_code", "households.community_id, households.code", "code", "code_taken"),
    ("users_username_key", "users.username", "username", "username_taken"),
    ("communities_slug_key", "communities.slug", "slug", "slug_taken"),
    (
        "idx_certificates_program_resident",
        "certificates.program_id, certificates.resident_id",
        "resident_id",
        "certificate_exists",
    ),
    ("idx_placements_referral", "placements.referral_id", "referral_id", "referral_placed"),
    ("idx_request_kinds_community_key", "request_kinds.community_id, request_kinds.key", "key", "key_taken"),
    (
        "idx_goals_community_year_indicator",
        "goals.community_id, goals.year, goals.indicator",
        "indicator",
        "goal_exists",
    ),
];

/// Which unique constraint a database error violated, by its name (PostgreSQL: `violates
/// unique constraint "name"`) or its columns (SQLite: `UNIQUE constraint failed: t.a, t.b`).
fn violated_unique(err: &DbErr) -> Option<(&'static str, &'static str)> {
    let text = err.to_string();
    let pg = text.split("unique constraint \"").nth(1).and_then(|rest| rest.split('"').next());
    let sqlite = text.split("UNIQUE constraint failed: ").nth(1).map(|rest| rest.trim());
    UNIQUE_CONSTRAINTS.iter().find_map(|(name, columns, field, code)| {
        let hit = pg == Some(*name) || sqlite.is_some_and(|c| c.starts_with(columns));
        hit.then_some((*field, *code))
    })
}

/// A write's database error: a known unique-constraint violation becomes a `Conflict` on its
/// field (so the form or the API names it); anything else stays a database error.
pub fn map_unique(err: DbErr) -> CoreError {
    match violated_unique(&err) {
        Some((field, code)) => CoreError::Conflict { field: field.to_owned(), code },
        None => CoreError::Db(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_are_found_by_constraint_name_or_columns() {
        let pg = DbErr::Custom(
            "error returned from database: duplicate key value violates unique constraint \"uq_households_community_code\""
                .into(),
        );
        assert_eq!(violated_unique(&pg), Some(("code", "code_taken")));
        let sqlite = DbErr::Custom("UNIQUE constraint failed: users.username".into());
        assert_eq!(violated_unique(&sqlite), Some(("username", "username_taken")));
        // Another constraint (or a message that merely mentions "unique") is not a user's conflict.
        let other = DbErr::Custom("UNIQUE constraint failed: api_tokens.token_hash".into());
        assert_eq!(violated_unique(&other), None);
        assert_eq!(violated_unique(&DbErr::Custom("unique snowflake".into())), None);
    }
}
