use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "households")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub code: String,
    pub address: String,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    pub moved_in_on: Option<Date>,
    pub moved_out_on: Option<Date>,
    pub notes: Option<String>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
