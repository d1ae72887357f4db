//! Which records a read showed. A list, a search, a report drill-down or an export is one
//! audit entry; the records it showed are rows here, keyed by the entry's place in its chain
//! (`chain`, `seq`) and indexed by record, so "who saw this resident, when, through what" is
//! one indexed query. They are written in the same group-committed batch as their entry and
//! covered by its MAC.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::index;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000003_audit_records"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_records")
                    .col(big_integer("chain"))
                    .col(big_integer("seq"))
                    .col(string("entity"))
                    .col(big_integer("entity_id"))
                    .primary_key(Index::create().col("chain").col("seq").col("entity").col("entity_id"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_audit_records_record", "audit_records", &["entity", "entity_id", "chain", "seq"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_records").take()).await
    }
}
