//! Notes on a record: a worker's running log of what happened ("called the clinic, waiting
//! for the form"), each with its author and time, never edited. Keyed by record (kind + id)
//! so every practice that keeps a log — follow-ups now, pair contacts and hardship cases
//! next — uses this one table, and erasure and export find a household's notes in one place.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_notes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("notes")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // The record's kind (`follow_up`, …) and id.
                    .col(string("entity"))
                    .col(big_integer("entity_id"))
                    .col(big_integer_null("author_user_id"))
                    .col(timestamp_with_time_zone("written_at"))
                    .col(text("body"))
                    .foreign_key(&mut fk("notes", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_notes_record", "notes", &["entity", "entity_id", "id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("notes").take()).await
    }
}
