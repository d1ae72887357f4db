use sea_orm::entity::prelude::*;

/// A referral agreement with an employer; its scan (if any) is in `agreement_scans`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub employer_id: i64,
    pub title: String,
    pub signed_on: Date,
    pub valid_until: Option<Date>,
    pub terms: Option<String>,
    pub scan_name: Option<String>,
    pub scan_type: Option<String>,
    pub scan_size: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
