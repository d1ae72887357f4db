//! Pairing: helpers (team members, volunteers with or without a login, partner-unit members,
//! neighbour households), pairs of a helper with a household (purpose, contact cadence, start
//! and end), and the contacts made on a pair.
//!
//! The foundation's minimal `pairs` (household × user, for the volunteer access rule) is
//! rebuilt: a helper need not be a user, so the pair names a `helpers` row and keeps the
//! helper's login (if any) in `helper_user_id`, which the volunteer rule still reads with one
//! indexed lookup. Its rows move over as helpers of kind `volunteer` (role volunteer) or
//! `team_member`, weekly, with their dates. SQLite cannot drop a NOT NULL, hence the rebuild.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000001_create_pairs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("helpers")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // team_member, volunteer, partner_member, neighbour
                    .col(string("kind"))
                    // A team member's or a volunteer's login.
                    .col(big_integer_null("user_id"))
                    // Name of a helper without a login (a login's name is the user's).
                    .col(string_null("name"))
                    .col(string_null("organisation"))
                    .col(string_null("phone"))
                    // A neighbour household helping.
                    .col(big_integer_null("household_id"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("helpers", "community_id", "communities"))
                    .foreign_key(&mut fk("helpers", "user_id", "users"))
                    .foreign_key(&mut fk("helpers", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_helpers_community", "helpers", &["community_id", "id"])).await?;
        manager.create_index(index("idx_helpers_user", "helpers", &["user_id"])).await?;

        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let now = chrono::Utc::now();
        // The old pairs' helpers: one per (community, user).
        let old = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT p.id, p.community_id, p.household_id, p.helper_user_id, p.started_on, p.ended_on, u.role \
                 FROM pairs p JOIN users u ON u.id = p.helper_user_id ORDER BY p.id",
            ))
            .await?;
        let mut moved: Vec<(i64, i64, i64, chrono::NaiveDate, Option<chrono::NaiveDate>, i64)> = Vec::new();
        let mut helpers: Vec<((i64, i64), i64)> = Vec::new();
        for row in &old {
            let community: i64 = row.try_get("", "community_id")?;
            let user: i64 = row.try_get("", "helper_user_id")?;
            let role: String = row.try_get("", "role")?;
            let helper = match helpers.iter().find(|(k, _)| *k == (community, user)) {
                Some((_, h)) => *h,
                None => {
                    let kind = if role == "volunteer" { "volunteer" } else { "team_member" };
                    let q = Query::insert()
                        .into_table("helpers")
                        .columns(["community_id", "kind", "user_id", "active", "updated_at"])
                        .values_panic([
                            Expr::value(community),
                            Expr::value(kind),
                            Expr::value(user),
                            Expr::value(true),
                            Expr::value(now),
                        ])
                        .returning_col("id")
                        .to_owned();
                    let (sql, values) = match backend {
                        DatabaseBackend::Postgres => q.build(PostgresQueryBuilder),
                        _ => q.build(SqliteQueryBuilder),
                    };
                    let inserted = db
                        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
                        .await?
                        .ok_or_else(|| DbErr::Custom("helper not inserted".into()))?;
                    let id: i64 = inserted.try_get("", "id")?;
                    helpers.push(((community, user), id));
                    id
                }
            };
            moved.push((
                community,
                row.try_get("", "household_id")?,
                user,
                row.try_get("", "started_on")?,
                row.try_get("", "ended_on")?,
                helper,
            ));
        }

        manager.get_connection().execute_unprepared("ALTER TABLE pairs RENAME TO pairs_foundation").await?;
        manager.drop_index(Index::drop().name("idx_pairs_helper").table("pairs_foundation").to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table("pairs")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("household_id"))
                    .col(big_integer("helper_id"))
                    // The helper's login, if any: the volunteer access rule reads it.
                    .col(big_integer_null("helper_user_id"))
                    .col(text_null("purpose"))
                    // weekly, fortnightly, monthly
                    .col(string("cadence"))
                    .col(date("started_on"))
                    .col(date_null("ended_on"))
                    .col(text_null("end_reason"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("pairs", "community_id", "communities"))
                    .foreign_key(&mut fk("pairs", "household_id", "households"))
                    .foreign_key(&mut fk("pairs", "helper_id", "helpers"))
                    .foreign_key(&mut fk("pairs", "helper_user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_pairs_helper_user", "pairs", &["helper_user_id", "household_id"])).await?;
        manager.create_index(index("idx_pairs_helper_id", "pairs", &["helper_id"])).await?;
        manager.create_index(index("idx_pairs_household", "pairs", &["household_id"])).await?;
        manager.create_index(index("idx_pairs_community", "pairs", &["community_id", "started_on"])).await?;
        for (community, household, user, started, ended, helper) in moved {
            let q = Query::insert()
                .into_table("pairs")
                .columns([
                    "community_id",
                    "household_id",
                    "helper_id",
                    "helper_user_id",
                    "cadence",
                    "started_on",
                    "ended_on",
                    "updated_at",
                ])
                .values_panic([
                    Expr::value(community),
                    Expr::value(household),
                    Expr::value(helper),
                    Expr::value(user),
                    Expr::value("weekly"),
                    Expr::value(started),
                    Expr::value(ended),
                    Expr::value(now),
                ])
                .to_owned();
            manager.exec_stmt(q).await?;
        }
        manager.drop_table(Table::drop().table("pairs_foundation").to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table("pair_contacts")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("pair_id"))
                    .col(big_integer("household_id"))
                    .col(date("contacted_on"))
                    // visit, phone, message
                    .col(string("mode"))
                    // Reached someone of the household (else an attempt).
                    .col(boolean("reached"))
                    .col(big_integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("pair_contacts", "pair_id", "pairs"))
                    .foreign_key(&mut fk("pair_contacts", "household_id", "households"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_pair_contacts_pair", "pair_contacts", &["pair_id", "contacted_on"])).await?;
        manager
            .create_index(index("idx_pair_contacts_community", "pair_contacts", &["community_id", "contacted_on"]))
            .await?;
        manager.create_index(index("idx_pair_contacts_household", "pair_contacts", &["household_id"])).await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("pairing cannot be rolled back (contacts would be lost)".into()))
    }
}
