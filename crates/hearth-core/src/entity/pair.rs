use sea_orm::entity::prelude::*;

/// A helper paired with a household for regular contact. `helper_user_id` repeats the
/// helper's login (if any) so the volunteer access rule is one indexed lookup.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pairs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub helper_id: i64,
    pub helper_user_id: Option<i64>,
    pub purpose: Option<String>,
    pub cadence: crate::pairs::Cadence,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub end_reason: Option<String>,
    pub created_by: Option<i64>,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
