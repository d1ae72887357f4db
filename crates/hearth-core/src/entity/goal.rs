use sea_orm::entity::prelude::*;

/// A community's yearly goal for one indicator (and dimension values). `target` is in the
/// indicator's unit as an integer: a count, tenths of a percent (or of an average), minutes
/// or fen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "goals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub year: i32,
    pub indicator: String,
    /// Canonical JSON of the dimension values (`{}` for none).
    pub dims: String,
    pub target: i64,
    pub owner_user_id: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
