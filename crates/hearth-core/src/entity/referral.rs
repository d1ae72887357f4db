use sea_orm::entity::prelude::*;

/// A resident referred to an opening (or to an employer), with its latest dated step.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub resident_id: i64,
    pub employer_id: i64,
    pub opening_id: Option<i64>,
    pub fair_id: Option<i64>,
    pub referred_on: Date,
    pub referred_by: Option<i64>,
    pub outcome: Option<crate::jobs::ReferralStep>,
    pub outcome_on: Option<Date>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
