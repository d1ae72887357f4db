use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub resident_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub description: String,
    pub category: crate::visits::Category,
    pub owner_user_id: i64,
    pub opened_on: Date,
    pub due_on: Date,
    pub status: crate::visits::FollowUpStatus,
    pub resolution_note: Option<String>,
    pub resolved_on: Option<Date>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
