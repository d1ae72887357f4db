//! The handbook and partnership agreements: the team's rules and written procedures (each
//! save kept as a version, so who changed what and when is never lost), the categories they
//! are filed under (per community, with stable keys, named in both languages), and the
//! agreements the team makes with other teams, organisations or between members, with an
//! optional scan kept in its own table so listing agreements never reads files.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000003_create_handbook"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("handbook_categories")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    // Stable: `team_rules`, `admin_rules`, `procedures`, `other`, or `custom_…`.
                    .col(string("key"))
                    .col(string("name_en"))
                    .col(string("name_zh"))
                    .col(integer("position"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("handbook_categories", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("idx_handbook_categories_key", "handbook_categories", &["community_id", "key"]).unique().take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("handbook_documents")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(string("category"))
                    .col(string("title"))
                    .col(text("body"))
                    // Title and body lower-cased, for substring search (CJK has no words to index).
                    .col(text("search_text"))
                    .col(date_null("published_on"))
                    .col(boolean("on_notice_board").default(false))
                    .col(integer("version_no"))
                    .col(big_integer_null("created_by"))
                    .col(big_integer_null("updated_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("handbook_documents", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_handbook_documents_community",
                "handbook_documents",
                &["community_id", "category", "published_on"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("handbook_versions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(big_integer("document_id"))
                    .col(integer("version_no"))
                    .col(string("category"))
                    .col(string("title"))
                    .col(text("body"))
                    .col(date_null("published_on"))
                    .col(boolean("on_notice_board").default(false))
                    .col(big_integer_null("author_id"))
                    .col(timestamp_with_time_zone("saved_at"))
                    .foreign_key(&mut fk("handbook_versions", "community_id", "communities"))
                    .foreign_key(&mut fk("handbook_versions", "document_id", "handbook_documents"))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                index("idx_handbook_versions_document", "handbook_versions", &["document_id", "version_no"])
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("partnerships")
                    .col(big_pk_auto("id"))
                    .col(big_integer("community_id"))
                    .col(string("title"))
                    // One party per line: another team, an organisation, members.
                    .col(text("parties"))
                    .col(date("signed_on"))
                    .col(date_null("valid_until"))
                    .col(text_null("text"))
                    .col(string_null("scan_name"))
                    .col(string_null("scan_type"))
                    .col(big_integer_null("scan_size"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("partnerships", "community_id", "communities"))
                    .take(),
            )
            .await?;
        manager
            .create_index(index("idx_partnerships_community", "partnerships", &["community_id", "signed_on"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("partnership_scans")
                    .col(big_integer("partnership_id").primary_key())
                    .col(blob("bytes"))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .foreign_key(&mut fk("partnership_scans", "partnership_id", "partnerships"))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["partnership_scans", "partnerships", "handbook_versions", "handbook_documents", "handbook_categories"]
        {
            manager.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
