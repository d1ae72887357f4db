//! Spreadsheet imports: a resident's own id from the team's ledger (so importing the same
//! ledger again finds the same people instead of adding them twice), and the uploads a
//! worker maps, checks and imports over several pages (the file is kept with its mapping
//! and report until the import is done).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000001_create_imports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("residents").add_column(string_null("external_id")).take()).await?;
        // NULLs are distinct on both backends: only ids that are given must be unique.
        manager
            .create_index(
                index("idx_residents_community_external_id", "residents", &["community_id", "external_id"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("imports")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // The template's key: `households`, `residents`, …
                    .col(string("template"))
                    .col(string("file_name"))
                    .col(blob("content"))
                    .col(string("sha256"))
                    // The column mapping (JSON: column index → field key) once chosen.
                    .col(text_null("mapping"))
                    // uploaded, checked, running, done, failed
                    .col(string("status"))
                    .col(boolean("valid_only").default(false))
                    .col(big_integer("rows_done").default(0))
                    // The last check's or the import's report (JSON).
                    .col(text_null("report"))
                    .col(big_integer("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("imports", "community_id", "communities"))
                    .foreign_key(&mut fk("imports", "created_by", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_imports_community", "imports", &["community_id", "id"]).take()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("imports").take()).await?;
        manager
            .drop_index(Index::drop().name("idx_residents_community_external_id").table("residents").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("residents").drop_column("external_id").take()).await
    }
}
