use sea_orm::entity::prelude::*;

/// A kind of service request a community uses: a stable key and its names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_kinds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    pub position: i32,
    pub retired: bool,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
