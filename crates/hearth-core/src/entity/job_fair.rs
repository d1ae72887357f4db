use sea_orm::entity::prelude::*;

/// A job fair; who came is the roll-call of `session_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_fairs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub program_id: i64,
    pub session_id: i64,
    pub held_on: Date,
    pub place: String,
    pub interviews_agreed: i32,
    pub offers_made: i32,
    pub notes: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
