//! Yearly goals: per community and year, a target for one catalogue indicator (and its
//! dimension values), who committed to it and a note. The target is an integer in the
//! indicator's unit (counts; tenths of a percent; minutes; fen), never a float, so a goal
//! reads back exactly as it was set.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000001_create_goals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("goals")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(integer("year"))
                    // A stable catalogue key (`person_times`, `visit_coverage_pct`, …).
                    .col(string("indicator"))
                    // Its dimension values as canonical JSON (keys sorted; `{}` for none), so
                    // one unique index says "one goal per indicator and dims a year".
                    .col(string("dims"))
                    .col(big_integer("target"))
                    .col(big_integer("owner_user_id"))
                    .col(text_null("note"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("goals", "community_id", "communities"))
                    .foreign_key(&mut fk("goals", "owner_user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("idx_goals_community_year_indicator", "goals", &["community_id", "year", "indicator", "dims"])
                    .unique()
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("goals").take()).await?;
        Ok(())
    }
}
