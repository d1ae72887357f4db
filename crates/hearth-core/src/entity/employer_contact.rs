use sea_orm::entity::prelude::*;

/// One line of an employer's contact log: when, by whom, what was discussed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employer_contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub employer_id: i64,
    pub contacted_on: Date,
    pub by_user_id: Option<i64>,
    pub summary: String,
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
