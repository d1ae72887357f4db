use sea_orm::entity::prelude::*;

/// One save of a handbook document: what it said, who saved it and when. Never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handbook_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub document_id: i64,
    pub version_no: i32,
    pub category: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub published_on: Option<Date>,
    pub on_notice_board: bool,
    pub author_id: Option<i64>,
    pub saved_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
