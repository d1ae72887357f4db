//! The database: one connection pool over SQLite or PostgreSQL, chosen by URL at runtime.
//!
//! Database specifics live here and nowhere else: the SQLite pragmas, how write transactions
//! start, and the lock that serializes audit appends.

use std::path::Path;
use std::time::Duration;

use hearth_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::error::{CoreError, CoreResult};

#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
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
        let mut opts = ConnectOptions::new(url);
        opts.sqlx_logging(false).connect_timeout(Duration::from_secs(10)).acquire_timeout(Duration::from_secs(30));
        if is_sqlite {
            opts.max_connections(8).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
                    .create_if_missing(true)
            });
        } else {
            opts.max_connections(20).min_connections(1);
        }
        let db = Database::connect(opts).await?;
        Ok(Store { db })
    }

    /// `sqlite://DIR/hearth.db`, creating DIR.
    pub fn sqlite_url_in(dir: &Path) -> CoreResult<String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CoreError::Internal(format!("cannot create data directory {}: {e}", dir.display())))?;
        Ok(format!("sqlite://{}", dir.join("hearth.db").display()))
    }

    pub async fn migrate(&self) -> CoreResult<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so the
    /// write lock is taken up front and a later upgrade can never fail with SQLITE_BUSY.
    pub async fn write(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db
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

/// Maps a unique-constraint violation to a `Conflict` on `field`, anything else to `Db`.
pub fn map_unique(err: DbErr, field: &str, code: &'static str) -> CoreError {
    let text = err.to_string().to_lowercase();
    if text.contains("unique") || text.contains("duplicate key") {
        CoreError::Conflict { field: field.to_owned(), code }
    } else {
        CoreError::Db(err)
    }
}
