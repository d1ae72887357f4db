use sea_orm::entity::prelude::*;

/// One contact made (or attempted) on a pair. Its note is a `notes` row on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pair_contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub pair_id: i64,
    pub household_id: i64,
    pub contacted_on: Date,
    pub mode: crate::pairs::ContactMode,
    pub reached: bool,
    pub recorded_by: Option<i64>,
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
