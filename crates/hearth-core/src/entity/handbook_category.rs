use sea_orm::entity::prelude::*;

/// A category handbook documents are filed under, per community: a stable key (the figures'
/// dimension) and its name in both languages.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handbook_categories")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
    pub position: i32,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
