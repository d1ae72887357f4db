//! Household visits and follow-ups: who visited which household when and why, the needs
//! found (each one a follow-up with an owner and a due date), and every change to a
//! follow-up kept in its history.
//!
//! Indexes serve the queries the pages make (see docs/ARCHITECTURE.md, "Visits and
//! follow-ups"): coverage counts distinct households per community and period from
//! `idx_visits_community_date` alone; "not visited since" probes `idx_visits_household_date`
//! per household; the overdue queue reads `idx_follow_ups_queue`, "my follow-ups" reads
//! `idx_follow_ups_owner`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260201_000001_create_visits"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("visits")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("household_id"))
                    .col(date("visited_on"))
                    .col(string("purpose"))
                    .col(text_null("companions"))
                    .col(text_null("notes"))
                    .col(big_integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("visits", "community_id", "communities"))
                    .foreign_key(&mut fk("visits", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_visits_community_date", "visits", &["community_id", "visited_on", "household_id"]))
            .await?;
        manager.create_index(index("idx_visits_household_date", "visits", &["household_id", "visited_on"])).await?;
        // The planning list walks a community's households in id order and stops after a page;
        // the registry's (community_id, code) index would make it sort the whole community.
        manager.create_index(index("idx_households_community_id", "households", &["community_id", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("visit_visitors")
                    .col(big_integer("visit_id"))
                    .col(big_integer("user_id"))
                    .primary_key(Index::create().col("visit_id").col("user_id"))
                    .foreign_key(&mut fk("visit_visitors", "visit_id", "visits"))
                    .foreign_key(&mut fk("visit_visitors", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_visit_visitors_user", "visit_visitors", &["user_id", "visit_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("follow_ups")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("household_id"))
                    .col(big_integer_null("resident_id"))
                    .col(big_integer_null("visit_id"))
                    .col(text("description"))
                    .col(string("category"))
                    .col(big_integer("owner_user_id"))
                    // The day the need was found (the visit's date, or the day it was recorded).
                    .col(date("opened_on"))
                    .col(date("due_on"))
                    .col(string("status"))
                    .col(text_null("resolution_note"))
                    // The day it was closed: resolved or found impossible to resolve.
                    .col(date_null("resolved_on"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("follow_ups", "community_id", "communities"))
                    .foreign_key(&mut fk("follow_ups", "household_id", "households"))
                    .foreign_key(&mut fk("follow_ups", "resident_id", "residents"))
                    .foreign_key(&mut fk("follow_ups", "visit_id", "visits"))
                    .foreign_key(&mut fk("follow_ups", "owner_user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_follow_ups_queue", "follow_ups", &["community_id", "status", "due_on"]))
            .await?;
        manager
            .create_index(index("idx_follow_ups_owner", "follow_ups", &["owner_user_id", "status", "due_on"]))
            .await?;
        manager.create_index(index("idx_follow_ups_household", "follow_ups", &["household_id", "id"])).await?;
        manager.create_index(index("idx_follow_ups_visit", "follow_ups", &["visit_id"])).await?;
        manager
            .create_index(index("idx_follow_ups_community_opened", "follow_ups", &["community_id", "opened_on"]))
            .await?;
        manager
            .create_index(index("idx_follow_ups_community_resolved", "follow_ups", &["community_id", "resolved_on"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("follow_up_history")
                    .col(big_pk_auto("id"))
                    .col(big_integer("follow_up_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(big_integer_null("actor_user_id"))
                    // Stable keys of what changed: `created`, `status`, `owner`, `due_on`, ….
                    .col(string("change"))
                    .col(string_null("from_value"))
                    .col(string_null("to_value"))
                    .col(text_null("note"))
                    .foreign_key(&mut fk("follow_up_history", "follow_up_id", "follow_ups"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_follow_up_history_follow_up", "follow_up_history", &["follow_up_id", "id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_households_community_id").table("households").to_owned()).await?;
        for table in ["follow_up_history", "follow_ups", "visit_visitors", "visits"] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
