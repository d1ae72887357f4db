use sea_orm::entity::prelude::*;

/// An application to a public relief scheme for a case; amounts in minor units.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "relief_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub case_id: i64,
    pub scheme: String,
    pub agency: String,
    pub requested: i64,
    pub applied_on: Date,
    pub decision: crate::cases::Decision,
    pub approved: Option<i64>,
    pub decided_on: Option<Date>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
