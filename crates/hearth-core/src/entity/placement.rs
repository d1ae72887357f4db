use sea_orm::entity::prelude::*;

/// A resident in a job: from its start date, and (once it ended) to its end date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub resident_id: i64,
    pub employer_id: i64,
    pub job_title: String,
    pub started_on: Date,
    pub via: crate::jobs::PlacedVia,
    pub referral_id: Option<i64>,
    pub fair_id: Option<i64>,
    pub ended_on: Option<Date>,
    pub end_reason: Option<crate::jobs::EndReason>,
    pub end_note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
