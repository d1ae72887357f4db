use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub program_id: i64,
    pub held_on: Date,
    pub starts_at: String,
    pub duration_minutes: i32,
    pub topic: Option<String>,
    pub trainer_user_id: Option<i64>,
    pub trainer_name: Option<String>,
    pub location: Option<String>,
    pub status: crate::programs::SessionStatus,
    pub cancel_reason: Option<String>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
