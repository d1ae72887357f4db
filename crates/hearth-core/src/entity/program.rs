use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub kind: crate::programs::ProgramKind,
    pub description: Option<String>,
    pub guest_trainers: Option<String>,
    pub location: Option<String>,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub capacity: Option<i32>,
    pub certificate_minutes: Option<i32>,
    pub cancelled: bool,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
