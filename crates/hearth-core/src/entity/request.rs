use sea_orm::entity::prelude::*;

/// A household's service request (table `requests`): its kind's key, provider, and status
/// with the day of each step.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    /// The key of a `request_kinds` row of the same community.
    pub kind: String,
    pub description: String,
    pub provider: Option<String>,
    pub opened_on: Date,
    pub status: crate::requests::RequestStatus,
    pub passed_on: Option<Date>,
    /// The closing day (resolved or cannot resolve).
    pub resolved_on: Option<Date>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
