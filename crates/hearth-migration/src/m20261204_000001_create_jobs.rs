//! Employment help: partner employers and their contact log, referral agreements (with an
//! optional scan, kept in its own table so listing agreements never reads files), job
//! openings, job fairs (whose roll-call is a session of the classes' roll-call), referrals
//! with their dated steps, placements, and the retention check-ins made from a start date.
//!
//! Every table carries `community_id` (the figures' and the scope's filter). An employer is
//! keyed by its own id, never by its community, so a district's communities can share one
//! later without rewriting referrals or placements.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000001_create_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("employers")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(string("name"))
                    .col(string_null("sector"))
                    .col(string_null("address"))
                    .col(string_null("contact_person"))
                    .col(string_null("contact_phone"))
                    .col(text_null("notes"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("employers", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_employers_community", "employers", &["community_id", "name"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("employer_contacts")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("employer_id"))
                    .col(date("contacted_on"))
                    .col(big_integer_null("by_user_id"))
                    .col(text("summary"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("employer_contacts", "community_id", "communities"))
                    .foreign_key(&mut fk("employer_contacts", "employer_id", "employers"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_employer_contacts_employer",
                "employer_contacts",
                &["employer_id", "contacted_on"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("agreements")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("employer_id"))
                    .col(string("title"))
                    .col(date("signed_on"))
                    .col(date_null("valid_until"))
                    .col(text_null("terms"))
                    .col(string_null("scan_name"))
                    .col(string_null("scan_type"))
                    .col(big_integer_null("scan_size"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("agreements", "community_id", "communities"))
                    .foreign_key(&mut fk("agreements", "employer_id", "employers"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_agreements_community", "agreements", &["community_id", "signed_on"])).await?;
        manager.create_index(index("idx_agreements_employer", "agreements", &["employer_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("agreement_scans")
                    .col(big_integer("agreement_id").primary_key())
                    .col(blob("bytes"))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .foreign_key(&mut fk("agreement_scans", "agreement_id", "agreements"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("openings")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("employer_id"))
                    .col(string("title"))
                    .col(integer("positions"))
                    // Monthly wage in integer minor units (fen).
                    .col(big_integer_null("wage_min"))
                    .col(big_integer_null("wage_max"))
                    .col(string_null("languages"))
                    .col(string_null("skills"))
                    .col(text_null("requirements"))
                    .col(string_null("hours"))
                    .col(string_null("location"))
                    .col(string("status"))
                    .col(date("posted_on"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("openings", "community_id", "communities"))
                    .foreign_key(&mut fk("openings", "employer_id", "employers"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_openings_community", "openings", &["community_id", "posted_on"])).await?;
        manager.create_index(index("idx_openings_employer", "openings", &["employer_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("job_fairs")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // The fair's roll-call is the roll-call of this session (of a program of
                    // kind `job_fair`): one mechanism for attendance.
                    .col(big_integer("program_id"))
                    .col(big_integer("session_id"))
                    .col(date("held_on"))
                    .col(string("place"))
                    .col(integer("interviews_agreed").default(0))
                    .col(integer("offers_made").default(0))
                    .col(text_null("notes"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("job_fairs", "community_id", "communities"))
                    .foreign_key(&mut fk("job_fairs", "program_id", "programs"))
                    .foreign_key(&mut fk("job_fairs", "session_id", "program_sessions"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_job_fairs_community", "job_fairs", &["community_id", "held_on"])).await?;
        manager.create_index(index("idx_job_fairs_session", "job_fairs", &["session_id"]).unique().take()).await?;
        manager.create_index(index("idx_job_fairs_program", "job_fairs", &["program_id"]).unique().take()).await?;
        for (table, other, other_table) in
            [("fair_employers", "employer_id", "employers"), ("fair_openings", "opening_id", "openings")]
        {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(big_pk_auto("id"))
                        .col(big_integer("community_id"))
                        .col(big_integer("fair_id"))
                        .col(big_integer(other))
                        .foreign_key(&mut fk(table, "fair_id", "job_fairs"))
                        .foreign_key(&mut fk(table, other, other_table))
                        .take(),
                )
                .await?;
        }
        manager
            .create_index(index("idx_fair_employers", "fair_employers", &["fair_id", "employer_id"]).unique().take())
            .await?;
        manager
            .create_index(index("idx_fair_openings", "fair_openings", &["fair_id", "opening_id"]).unique().take())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("referrals")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("resident_id"))
                    .col(big_integer("employer_id"))
                    .col(big_integer_null("opening_id"))
                    .col(big_integer_null("fair_id"))
                    .col(date("referred_on"))
                    .col(big_integer_null("referred_by"))
                    // The latest dated step (none yet: the referral is open).
                    .col(string_null("outcome"))
                    .col(date_null("outcome_on"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("referrals", "community_id", "communities"))
                    .foreign_key(&mut fk("referrals", "resident_id", "residents"))
                    .foreign_key(&mut fk("referrals", "employer_id", "employers"))
                    .foreign_key(&mut fk("referrals", "opening_id", "openings"))
                    .foreign_key(&mut fk("referrals", "fair_id", "job_fairs"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_referrals_community", "referrals", &["community_id", "referred_on"])).await?;
        manager.create_index(index("idx_referrals_resident", "referrals", &["resident_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("referral_steps")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("referral_id"))
                    .col(string("step"))
                    .col(date("happened_on"))
                    .col(text_null("reason"))
                    .col(big_integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(&mut fk("referral_steps", "referral_id", "referrals"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_referral_steps_referral", "referral_steps", &["referral_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("placements")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("resident_id"))
                    .col(big_integer("employer_id"))
                    .col(string("job_title"))
                    .col(date("started_on"))
                    .col(string("via"))
                    .col(big_integer_null("referral_id"))
                    .col(big_integer_null("fair_id"))
                    .col(date_null("ended_on"))
                    .col(string_null("end_reason"))
                    .col(text_null("end_note"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("placements", "community_id", "communities"))
                    .foreign_key(&mut fk("placements", "resident_id", "residents"))
                    .foreign_key(&mut fk("placements", "employer_id", "employers"))
                    .foreign_key(&mut fk("placements", "referral_id", "referrals"))
                    .foreign_key(&mut fk("placements", "fair_id", "job_fairs"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_placements_community", "placements", &["community_id", "started_on"])).await?;
        manager.create_index(index("idx_placements_resident", "placements", &["resident_id"])).await?;
        manager.create_index(index("idx_placements_referral", "placements", &["referral_id"]).unique().take()).await?;
        manager
            .create_table(
                Table::create()
                    .table("check_ins")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("placement_id"))
                    .col(big_integer("resident_id"))
                    .col(integer("months"))
                    .col(date("due_on"))
                    // The result (none: not yet known). Attempts that reached no one only
                    // count up `attempts`.
                    .col(boolean_null("still_employed"))
                    .col(text_null("note"))
                    .col(date_null("done_on"))
                    .col(big_integer_null("done_by"))
                    .col(integer("attempts").default(0))
                    .col(date_null("last_attempt_on"))
                    // Settled by the placement's end date, not by a call.
                    .col(boolean("by_end").default(false))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("check_ins", "community_id", "communities"))
                    .foreign_key(&mut fk("check_ins", "placement_id", "placements"))
                    .foreign_key(&mut fk("check_ins", "resident_id", "residents"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_check_ins_community_due", "check_ins", &["community_id", "due_on"])).await?;
        manager
            .create_index(index("idx_check_ins_placement", "check_ins", &["placement_id", "months"]).unique().take())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "check_ins",
            "placements",
            "referral_steps",
            "referrals",
            "fair_openings",
            "fair_employers",
            "job_fairs",
            "openings",
            "agreement_scans",
            "agreements",
            "employer_contacts",
            "employers",
        ] {
            manager.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
