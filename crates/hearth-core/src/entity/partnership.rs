use sea_orm::entity::prelude::*;

/// A partnership agreement (with another team, an organisation, or between members); its
/// scan (if any) is in `partnership_scans`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnerships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    /// One party per line.
    #[sea_orm(column_type = "Text")]
    pub parties: String,
    pub signed_on: Date,
    pub valid_until: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
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
