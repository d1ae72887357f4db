//! An index on search terms alone, for searches across all communities (admins): the
//! `(community_id, term, …)` index needs a community to range-scan, and PostgreSQL has no
//! skip scan to make do without one.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260115_000001_index_search_terms"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_search_terms_term")
                    .table("resident_search_terms")
                    .col("term")
                    .col("resident_id")
                    .if_not_exists()
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_search_terms_term").table("resident_search_terms").to_owned()).await
    }
}
