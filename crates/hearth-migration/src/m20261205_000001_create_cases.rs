//! Hardship cases: the case (household, residents concerned, category, status with its
//! dates, the workers assigned, a plan of regular visits), its ledger (one row per money
//! event, never edited or deleted: a correction is a reversing row), relief applications, the
//! follow-ups it tracks (the follow-up mechanism's own rows, linked), and receipt counters (one
//! per community and year, so a receipt number is never reused).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000001_create_cases"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("cases")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("household_id"))
                    .col(string("category"))
                    .col(text("summary"))
                    .col(date("opened_on"))
                    .col(string("status"))
                    .col(date_null("resolved_on"))
                    .col(date_null("closed_on"))
                    .col(text_null("resolution_note"))
                    .col(string("currency"))
                    // Visit the family every so many days (none: no plan).
                    .col(integer_null("visit_every_days"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("cases", "community_id", "communities"))
                    .foreign_key(&mut fk("cases", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_cases_community", "cases", &["community_id", "opened_on"])).await?;
        manager.create_index(index("idx_cases_household", "cases", &["household_id"])).await?;
        for (table, col, to) in [("case_residents", "resident_id", "residents"), ("case_workers", "user_id", "users")] {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(big_integer("case_id"))
                        .col(big_integer(col))
                        .primary_key(Index::create().col("case_id").col(col))
                        .foreign_key(&mut fk(table, "case_id", "cases"))
                        .foreign_key(&mut fk(table, col, to))
                        .take(),
                )
                .await?;
        }
        manager.create_index(index("idx_case_workers_user", "case_workers", &["user_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("case_follow_ups")
                    .col(big_integer("case_id"))
                    .col(big_integer("follow_up_id").primary_key())
                    .foreign_key(&mut fk("case_follow_ups", "case_id", "cases"))
                    .foreign_key(&mut fk("case_follow_ups", "follow_up_id", "follow_ups"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_case_follow_ups_case", "case_follow_ups", &["case_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("relief_applications")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("case_id"))
                    .col(string("scheme"))
                    .col(string("agency"))
                    .col(big_integer("requested"))
                    .col(date("applied_on"))
                    .col(string("decision"))
                    .col(big_integer_null("approved"))
                    .col(date_null("decided_on"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("relief_applications", "community_id", "communities"))
                    .foreign_key(&mut fk("relief_applications", "case_id", "cases"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_relief_community", "relief_applications", &["community_id", "applied_on"]))
            .await?;
        manager.create_index(index("idx_relief_case", "relief_applications", &["case_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("case_ledger")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("case_id"))
                    // donation, relief, payment, returned, transfer_out, transfer_in
                    .col(string("stream"))
                    // In fen, signed within its stream: a reversal is the negative of the row
                    // it reverses.
                    .col(big_integer("amount"))
                    // What it does to the money held: + in, − out.
                    .col(big_integer("held_delta"))
                    .col(date("on_date"))
                    .col(string_null("method"))
                    // The donor, the recipient, the agency, or the other case's name.
                    .col(string_null("party"))
                    .col(boolean("anonymous").default(false))
                    .col(big_integer_null("handled_by"))
                    .col(boolean_null("family_signed"))
                    .col(string_null("receipt_number"))
                    .col(big_integer_null("reverses_id"))
                    .col(big_integer_null("relief_id"))
                    .col(big_integer_null("other_case_id"))
                    // A transfer's receiving row names the row that sent it.
                    .col(big_integer_null("pair_id"))
                    .col(text_null("note"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("case_ledger", "community_id", "communities"))
                    .foreign_key(&mut fk("case_ledger", "case_id", "cases"))
                    .foreign_key(&mut fk("case_ledger", "reverses_id", "case_ledger"))
                    .foreign_key(&mut fk("case_ledger", "relief_id", "relief_applications"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_case_ledger_case", "case_ledger", &["case_id", "on_date"])).await?;
        manager
            .create_index(index("idx_case_ledger_community", "case_ledger", &["community_id", "on_date", "stream"]))
            .await?;
        manager
            .create_index(
                index("idx_case_ledger_receipt", "case_ledger", &["community_id", "receipt_number"]).unique().take(),
            )
            .await?;
        manager
            .create_index(index("idx_case_ledger_reverses", "case_ledger", &["reverses_id"]).unique().take())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("receipt_counters")
                    .col(big_integer("community_id"))
                    .col(integer("year"))
                    .col(string("series"))
                    .col(big_integer("last"))
                    .primary_key(Index::create().col("community_id").col("year").col("series"))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "receipt_counters",
            "case_ledger",
            "relief_applications",
            "case_follow_ups",
            "case_workers",
            "case_residents",
            "cases",
        ] {
            manager.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
