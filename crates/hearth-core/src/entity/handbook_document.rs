use sea_orm::entity::prelude::*;

/// A handbook document as it is now (its every save is a row of `handbook_versions`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handbook_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The category's stable key.
    pub category: String,
    pub title: String,
    /// Markdown, rendered safely (`handbook::markdown`).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub published_on: Option<Date>,
    pub on_notice_board: bool,
    pub version_no: i32,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
