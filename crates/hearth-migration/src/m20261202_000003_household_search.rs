//! Search keys of households, beside those of residents' names: the code whole and by its
//! parts (the flat number of `3-2-401`), building, unit, and the phone's digits, so a
//! worker finds a household by what is written on the door or by a phone number.
//!
//! `derived_versions` records with which rules a derived table (search keys) was last built;
//! the core rebuilds it when its rules change (`registry::search::reindex_if_stale`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000003_household_search"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Bytewise comparison on PostgreSQL, so a range is a prefix (as for names).
        let mut term_col = string("term");
        if manager.get_database_backend() == DbBackend::Postgres {
            term_col.extra("COLLATE \"C\"");
        }
        manager
            .create_table(
                Table::create()
                    .table("household_search_terms")
                    .col(big_integer("household_id"))
                    .col(big_integer("community_id"))
                    .col(term_col)
                    .primary_key(Index::create().col("household_id").col("term"))
                    .foreign_key(&mut fk("household_search_terms", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_household_terms_community_term",
                "household_search_terms",
                &["community_id", "term", "household_id"],
            ))
            .await?;
        manager
            .create_index(index("idx_household_terms_term", "household_search_terms", &["term", "household_id"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("derived_versions")
                    .col(string("name").primary_key())
                    .col(integer("version"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("derived_versions").take()).await?;
        manager.drop_table(Table::drop().table("household_search_terms").take()).await
    }
}
