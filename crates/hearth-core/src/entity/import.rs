use sea_orm::entity::prelude::*;

/// A spreadsheet a worker uploaded to import, kept with its column mapping and last report
/// until it is imported (see `import`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub template: String,
    pub file_name: String,
    pub content: Vec<u8>,
    pub sha256: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub mapping: Option<String>,
    pub status: String,
    pub valid_only: bool,
    pub rows_done: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    pub created_by: i64,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
