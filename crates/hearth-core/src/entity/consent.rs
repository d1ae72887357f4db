use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    pub given_by: String,
    pub given_on: Date,
    pub scope_services: bool,
    pub scope_contact: bool,
    pub scope_partners: bool,
    pub withdrawn_on: Option<Date>,
    pub notes: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
