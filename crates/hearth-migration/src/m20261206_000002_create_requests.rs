//! Service requests: a household's request to a utility or service (a cable TV hookup, a
//! water or power account, repairs, documents, a school place), its provider and its status
//! (open, passed to the provider, resolved, cannot resolve) with the day of each step. The
//! kinds a community uses are its own rows (`request_kinds`), each with a stable key that
//! figures are grouped by and names in both languages; every community gets the standard
//! seven, here for the communities already there and on creation for new ones.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000002_create_requests"
    }
}

/// The standard kinds: (key, English, Chinese). Kept in step with `requests::kinds::STANDARD`.
const STANDARD: [(&str, &str, &str); 7] = [
    ("cable", "Cable TV", "有线电视"),
    ("internet", "Internet", "宽带网络"),
    ("utilities", "Water or power", "水电"),
    ("repairs", "Repairs", "维修"),
    ("documents", "Documents", "证件办理"),
    ("school", "School enrolment", "入学"),
    ("other", "Other", "其他"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("request_kinds")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // Stable: figures are grouped by it (`request_kind`), requests store it.
                    .col(string("key"))
                    .col(string("name_en"))
                    .col(string("name_zh"))
                    .col(integer("position"))
                    // A retired kind is offered for no new request; its requests keep it.
                    .col(boolean("retired"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("request_kinds", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("idx_request_kinds_community_key", "request_kinds", &["community_id", "key"]).unique().take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("requests")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("household_id"))
                    // The kind's key in `request_kinds` of the same community.
                    .col(string("kind"))
                    .col(text("description"))
                    .col(string_null("provider"))
                    .col(date("opened_on"))
                    .col(string("status"))
                    .col(date_null("passed_on"))
                    // The closing day, resolved or not.
                    .col(date_null("resolved_on"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("requests", "community_id", "communities"))
                    .foreign_key(&mut fk("requests", "household_id", "households"))
                    .take(),
            )
            .await?;
        // requests_opened; requests_resolved and the median; the household page and timeline;
        // the filtered list and the coverage numerator (by kind and status).
        manager.create_index(index("idx_requests_opened", "requests", &["community_id", "opened_on"])).await?;
        manager.create_index(index("idx_requests_resolved", "requests", &["community_id", "resolved_on"])).await?;
        manager.create_index(index("idx_requests_household", "requests", &["household_id"])).await?;
        manager
            .create_index(index("idx_requests_kind_status", "requests", &["community_id", "kind", "status"]))
            .await?;
        let db = manager.get_connection();
        for (n, (key, en, zh)) in STANDARD.iter().enumerate() {
            // Constants, never input; CURRENT_TIMESTAMP is read back as UTC on both backends.
            db.execute_unprepared(&format!(
                "INSERT INTO request_kinds (community_id, \"key\", name_en, name_zh, position, retired, updated_at) \
                 SELECT id, '{key}', '{en}', '{zh}', {n}, false, CURRENT_TIMESTAMP FROM communities"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("requests").take()).await?;
        manager.drop_table(Table::drop().table("request_kinds").take()).await
    }
}
