//! Foundation schema: communities, users and their sessions, the household registry,
//! consent, the audit chain, and the minimal `pairs` table the volunteer rule needs.
//!
//! All integer keys are 64-bit on both backends so one entity type decodes either.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000001_create_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table("communities")
                    .col(big_pk_auto("id"))
                    .col(string("name"))
                    .col(string_uniq("slug"))
                    .col(string_null("address"))
                    .col(date_null("established_on"))
                    .col(timestamp_with_time_zone("created_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("username"))
                    .col(string("display_name"))
                    .col(string("role"))
                    .col(string_null("password_hash"))
                    .col(string_null("language"))
                    .col(boolean("disabled").default(false))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("password_changed_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("user_communities")
                    .col(big_integer("user_id"))
                    .col(big_integer("community_id"))
                    .primary_key(Index::create().col("user_id").col("community_id"))
                    .foreign_key(&mut fk("user_communities", "user_id", "users"))
                    .foreign_key(&mut fk("user_communities", "community_id", "communities"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("token_hash"))
                    .col(big_integer("user_id"))
                    .col(string("csrf_token"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .foreign_key(&mut fk("sessions", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_sessions_user", "sessions", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("setup_links")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("token_hash"))
                    .col(string("purpose"))
                    .col(big_integer_null("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_throttle")
                    .col(string("key").primary_key())
                    .col(big_integer("failures"))
                    .col(timestamp_with_time_zone_null("blocked_until"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string("name"))
                    .col(string("prefix"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("api_tokens", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_api_tokens_user", "api_tokens", &["user_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("households")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(string("code"))
                    .col(string("address"))
                    .col(string_null("building"))
                    .col(string_null("unit"))
                    .col(string_null("phone"))
                    .col(date_null("moved_in_on"))
                    .col(date_null("moved_out_on"))
                    .col(text_null("notes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("households", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("uq_households_community_code", "households", &["community_id", "code"]).unique().take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("residents")
                    .col(big_pk_auto("id"))
                    .col(big_integer("household_id"))
                    .col(big_integer("community_id"))
                    .col(string("full_name"))
                    .col(string_null("sex"))
                    .col(date_null("birth_date"))
                    .col(string_null("phone"))
                    .col(string_null("languages_spoken"))
                    .col(string_null("languages_to_learn"))
                    .col(string_null("education_level"))
                    .col(string_null("work_status"))
                    .col(text_null("skills"))
                    .col(text_null("needs"))
                    .col(text_null("notes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("residents", "household_id", "households"))
                    .foreign_key(&mut fk("residents", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_residents_household", "residents", &["household_id"])).await?;
        manager.create_index(index("idx_residents_community", "residents", &["community_id", "id"])).await?;

        // Name search keys: one row per way a name can be typed (Han, full pinyin, initials,
        // Latin words). Prefix search becomes an index range scan `term >= q AND term < q+1`.
        // PostgreSQL must compare these bytewise (COLLATE "C") for the range to be a prefix;
        // SQLite's default BINARY collation already is.
        let mut term_col = string("term");
        if backend == DbBackend::Postgres {
            term_col.extra("COLLATE \"C\"");
        }
        manager
            .create_table(
                Table::create()
                    .table("resident_search_terms")
                    .col(big_integer("resident_id"))
                    .col(big_integer("community_id"))
                    .col(term_col)
                    .primary_key(Index::create().col("resident_id").col("term"))
                    .foreign_key(&mut fk("resident_search_terms", "resident_id", "residents"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_search_terms_community_term",
                "resident_search_terms",
                &["community_id", "term", "resident_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("consents")
                    .col(big_pk_auto("id"))
                    .col(big_integer("household_id"))
                    .col(big_integer("community_id"))
                    .col(string("given_by"))
                    .col(date("given_on"))
                    .col(boolean("scope_services"))
                    .col(boolean("scope_contact"))
                    .col(boolean("scope_partners"))
                    .col(date_null("withdrawn_on"))
                    .col(text_null("notes"))
                    .col(big_integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("consents", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_consents_household", "consents", &["household_id"])).await?;

        // The pairing issue extends this table; the volunteer access rule needs it now.
        manager
            .create_table(
                Table::create()
                    .table("pairs")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("household_id"))
                    .col(big_integer("helper_user_id"))
                    .col(date("started_on"))
                    .col(date_null("ended_on"))
                    .foreign_key(&mut fk("pairs", "household_id", "households"))
                    .foreign_key(&mut fk("pairs", "helper_user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_pairs_helper", "pairs", &["helper_user_id", "household_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(big_integer_null("actor_user_id"))
                    .col(string("actor"))
                    .col(big_integer_null("community_id"))
                    .col(string("action"))
                    .col(string("entity"))
                    .col(big_integer_null("entity_id"))
                    .col(text("summary"))
                    .col(string("prev_hash"))
                    .col(string("hash"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_audit_entity", "audit_log", &["entity", "entity_id"])).await?;
        manager.create_index(index("idx_audit_actor", "audit_log", &["actor_user_id", "id"])).await?;

        // One row: the head of the hash chain. Appends lock it first, which serializes
        // concurrent writers on PostgreSQL (row lock) and SQLite (write lock) alike.
        manager
            .create_table(
                Table::create()
                    .table("audit_head")
                    .col(big_integer("id").primary_key())
                    .col(big_integer("last_id"))
                    .col(string("last_hash"))
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("audit_head")
                    .columns(["id", "last_id", "last_hash"])
                    .values_panic([1i64.into(), 0i64.into(), GENESIS_HASH.into()])
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_head",
            "audit_log",
            "pairs",
            "consents",
            "resident_search_terms",
            "residents",
            "households",
            "api_tokens",
            "login_throttle",
            "setup_links",
            "sessions",
            "user_communities",
            "users",
            "communities",
        ] {
            manager.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}

/// The hash the first audit row chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
