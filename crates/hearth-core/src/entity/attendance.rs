use sea_orm::entity::prelude::*;

/// One resident present at one session (unique per session and resident), with the minutes
/// attended (less than the session's length for a late arrival or an early leave).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub session_id: i64,
    pub resident_id: i64,
    pub minutes: i32,
    pub marked_by: Option<i64>,
    pub marked_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
