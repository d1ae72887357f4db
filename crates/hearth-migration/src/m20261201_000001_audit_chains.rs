//! One audit chain per community, and one for the deployment.
//!
//! With a single chain every audited action of the deployment queued behind one head row.
//! Now a row's chain is its community (`chain` = community id), or the deployment chain 0
//! for events that belong to no community (users, tokens, communities, logins), and each
//! chain has its own head in `audit_chains`. Writers in different communities never wait
//! for each other, and the chain key is the distribution key a sharded PostgreSQL would
//! use for the rest of a community's rows.
//!
//! Hand-over: the rows written before this migration stay exactly as they are, as the
//! first `handover_seq` rows of the deployment chain (their position `seq` is their id,
//! which is what their hashes already cover). From then on rows go to their community's
//! chain. `audit::verify` checks the old rows by the old rule and the new ones by the new.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::index;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_audit_chains"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in [big_integer("chain").default(0).take(), big_integer("seq").default(0).take()] {
            manager.alter_table(Table::alter().table("audit_log").add_column(col).take()).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE audit_log SET seq = id").await?;
        manager.create_index(index("idx_audit_chain_seq", "audit_log", &["chain", "seq"]).unique().take()).await?;
        manager.create_index(index("idx_audit_community", "audit_log", &["community_id", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_chains")
                    .col(big_integer("chain").primary_key())
                    .col(big_integer("last_seq"))
                    .col(string("last_hash"))
                    // Rows at or below this position predate per-community chains.
                    .col(big_integer("handover_seq").default(0))
                    .take(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO audit_chains (chain, last_seq, last_hash, handover_seq) \
             SELECT 0, last_id, last_hash, last_id FROM audit_head WHERE id = 1",
        )
        .await?;
        manager.drop_table(Table::drop().table("audit_head").take()).await?;
        // Rows used to be numbered by the head; from now on the database numbers them, so
        // PostgreSQL's sequence has to start after the rows already there.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), COALESCE((SELECT MAX(id) FROM audit_log), 0) + 1, false)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Per-community rows cannot be folded back into one chain without rewriting their
        // hashes, which an audit log must never do.
        Err(DbErr::Migration("the per-community audit chains cannot be undone".into()))
    }
}
