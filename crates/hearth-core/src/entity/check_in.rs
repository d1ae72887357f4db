use sea_orm::entity::prelude::*;

/// A retention check-in, 3 or 6 months after a placement's start.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub placement_id: i64,
    pub resident_id: i64,
    pub months: i32,
    pub due_on: Date,
    pub still_employed: Option<bool>,
    pub note: Option<String>,
    pub done_on: Option<Date>,
    pub done_by: Option<i64>,
    pub attempts: i32,
    pub last_attempt_on: Option<Date>,
    pub by_end: bool,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
