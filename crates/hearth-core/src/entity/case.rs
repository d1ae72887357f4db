use sea_orm::entity::prelude::*;

/// A hardship case of a household, with its status and the plan of regular visits.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub category: crate::cases::CaseCategory,
    pub summary: String,
    pub opened_on: Date,
    pub status: crate::cases::CaseStatus,
    pub resolved_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub resolution_note: Option<String>,
    pub currency: String,
    pub visit_every_days: Option<i32>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
