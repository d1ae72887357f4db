//! Frozen monthly reports: a closed month of one community is a version (1, 2, …) holding
//! every figure of that month's exact report, and the SHA-256 of their canonical text. Both
//! tables are append-only — triggers refuse UPDATE and DELETE on either backend — because a
//! frozen report that could be edited in place would prove nothing; closing again adds a
//! version instead.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use sea_orm_migration::sea_orm::DbBackend;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000002_create_closed_months"
    }
}

const TABLES: [&str; 2] = ["closed_months", "closed_month_lines"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("closed_months")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // The month's first day.
                    .col(date("month"))
                    .col(integer("version"))
                    .col(big_integer_null("closed_by"))
                    .col(string("closed_by_name"))
                    .col(timestamp_with_time_zone("closed_at"))
                    .col(string("hash"))
                    .foreign_key(&mut fk("closed_months", "community_id", "communities"))
                    .take(),
            )
            .await?;
        // Two closes of one month at once can never both be version 1.
        manager
            .create_index(
                index("uq_closed_months_version", "closed_months", &["community_id", "month", "version"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("closed_month_lines")
                    .col(big_pk_auto("id"))
                    .col(big_integer("closed_month_id"))
                    .col(integer("position"))
                    .col(string("key"))
                    // The figure's dimensions as canonical JSON (keys sorted), `{}` for none.
                    .col(text("dims"))
                    .col(string("unit"))
                    .col(double_null("value"))
                    .col(big_integer_null("numerator"))
                    .col(big_integer_null("denominator"))
                    .foreign_key(&mut fk("closed_month_lines", "closed_month_id", "closed_months"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("idx_closed_month_lines_month", "closed_month_lines", &["closed_month_id", "position"])
                    .unique()
                    .take(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION hearth_closed_months_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'frozen reports are append-only'; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                for t in TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} \
                         FOR EACH ROW EXECUTE FUNCTION hearth_closed_months_append_only()"
                    ))
                    .await?;
                }
            }
            _ => {
                for t in TABLES {
                    for op in ["UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {t}_no_{} BEFORE {op} ON {t} \
                             BEGIN SELECT RAISE(ABORT, 'frozen reports are append-only'); END",
                            op.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["closed_month_lines", "closed_months"] {
            manager.drop_table(Table::drop().table(t).take()).await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS hearth_closed_months_append_only()")
                .await?;
        }
        Ok(())
    }
}
