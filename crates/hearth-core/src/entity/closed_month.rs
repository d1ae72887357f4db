use sea_orm::entity::prelude::*;

/// One version of a community's frozen monthly report (append-only: the migration's
/// triggers refuse UPDATE and DELETE).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "closed_months")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    /// The month's first day.
    pub month: Date,
    pub version: i32,
    pub closed_by: Option<i64>,
    pub closed_by_name: String,
    pub closed_at: super::Timestamp,
    /// SHA-256 (hex) of the canonical text of the community, month, version and every line.
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
