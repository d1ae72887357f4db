use sea_orm::entity::prelude::*;

/// One dated step of a referral (interview, offer, declined, not selected, placed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub referral_id: i64,
    pub step: crate::jobs::ReferralStep,
    pub happened_on: Date,
    pub reason: Option<String>,
    pub recorded_by: Option<i64>,
    pub recorded_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
