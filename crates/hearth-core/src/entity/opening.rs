use sea_orm::entity::prelude::*;

/// A job opening; the wage range is monthly, in integer minor units.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "openings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub employer_id: i64,
    pub title: String,
    pub positions: i32,
    pub wage_min: Option<i64>,
    pub wage_max: Option<i64>,
    pub languages: Option<String>,
    pub skills: Option<String>,
    pub requirements: Option<String>,
    pub hours: Option<String>,
    pub location: Option<String>,
    pub status: crate::jobs::OpeningStatus,
    pub posted_on: Date,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
