//! Free classes: programs (a weekly language class, legal-information sessions), their weekly
//! schedule, the sessions it plans, enrolment, roll-call attendance and certificates.
//!
//! Indexes serve the figures and pages: `idx_program_sessions_community_date` the sessions
//! held in a period; `idx_attendance_session` the roll-call (and, unique, makes a second mark
//! of one resident at one session the same mark); `idx_attendance_community_session` the
//! person-times and hours of a period, joined to the sessions; `idx_certificates_number` the
//! public check.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000001_create_programs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("programs")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(string("name"))
                    .col(string("kind"))
                    .col(text_null("description"))
                    .col(text_null("guest_trainers"))
                    .col(string_null("location"))
                    .col(date("starts_on"))
                    .col(date_null("ends_on"))
                    .col(integer_null("capacity"))
                    // Minutes attended that earn a certificate (none: no certificates).
                    .col(integer_null("certificate_minutes"))
                    .col(boolean("cancelled").default(false))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("programs", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_programs_community", "programs", &["community_id", "starts_on"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("program_trainers")
                    .col(big_integer("program_id"))
                    .col(big_integer("user_id"))
                    .primary_key(Index::create().col("program_id").col("user_id"))
                    .foreign_key(&mut fk("program_trainers", "program_id", "programs"))
                    .foreign_key(&mut fk("program_trainers", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("program_slots")
                    .col(big_pk_auto("id"))
                    .col(big_integer("program_id"))
                    // ISO weekday, 1 = Monday.
                    .col(integer("weekday"))
                    .col(string("starts_at"))
                    .col(integer("duration_minutes"))
                    .foreign_key(&mut fk("program_slots", "program_id", "programs"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_program_slots_program", "program_slots", &["program_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("program_sessions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("program_id"))
                    .col(date("held_on"))
                    .col(string("starts_at"))
                    .col(integer("duration_minutes"))
                    .col(string_null("topic"))
                    .col(big_integer_null("trainer_user_id"))
                    .col(string_null("trainer_name"))
                    .col(string_null("location"))
                    .col(string("status"))
                    .col(text_null("cancel_reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("program_sessions", "community_id", "communities"))
                    .foreign_key(&mut fk("program_sessions", "program_id", "programs"))
                    .foreign_key(&mut fk("program_sessions", "trainer_user_id", "users"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_program_sessions_community_date",
                "program_sessions",
                &["community_id", "held_on", "status"],
            ))
            .await?;
        manager
            .create_index(index("idx_program_sessions_program", "program_sessions", &["program_id", "held_on"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("enrolments")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("program_id"))
                    .col(big_integer("resident_id"))
                    .col(date("joined_on"))
                    .col(date_null("ended_on"))
                    // completed / left / program_cancelled, with ended_on.
                    .col(string_null("outcome"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("enrolments", "community_id", "communities"))
                    .foreign_key(&mut fk("enrolments", "program_id", "programs"))
                    .foreign_key(&mut fk("enrolments", "resident_id", "residents"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_enrolments_program", "enrolments", &["program_id", "resident_id"])).await?;
        manager.create_index(index("idx_enrolments_resident", "enrolments", &["resident_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("attendance")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("session_id"))
                    .col(big_integer("resident_id"))
                    .col(integer("minutes"))
                    .col(big_integer_null("marked_by"))
                    .col(timestamp_with_time_zone("marked_at"))
                    .foreign_key(&mut fk("attendance", "community_id", "communities"))
                    .foreign_key(&mut fk("attendance", "session_id", "program_sessions"))
                    .foreign_key(&mut fk("attendance", "resident_id", "residents"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_attendance_session", "attendance", &["session_id", "resident_id"]).unique().take())
            .await?;
        manager
            .create_index(index(
                "idx_attendance_community_session",
                "attendance",
                &["community_id", "session_id", "resident_id", "minutes"],
            ))
            .await?;
        manager.create_index(index("idx_attendance_resident", "attendance", &["resident_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("certificates")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("program_id"))
                    .col(big_integer("resident_id"))
                    .col(string("number"))
                    .col(string("code"))
                    .col(integer("sessions"))
                    .col(integer("minutes"))
                    .col(date("issued_on"))
                    .col(big_integer_null("issued_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("certificates", "community_id", "communities"))
                    .foreign_key(&mut fk("certificates", "program_id", "programs"))
                    .foreign_key(&mut fk("certificates", "resident_id", "residents"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_certificates_number", "certificates", &["number"]).unique().take()).await?;
        manager
            .create_index(
                index("idx_certificates_program_resident", "certificates", &["program_id", "resident_id"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_certificates_community_issued", "certificates", &["community_id", "issued_on"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "certificates",
            "attendance",
            "enrolments",
            "program_sessions",
            "program_slots",
            "program_trainers",
            "programs",
        ] {
            manager.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
