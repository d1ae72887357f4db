use sea_orm::entity::prelude::*;

/// A community a team serves (also its API representation).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "communities")]
#[schema(as = Community)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// Short name used in URLs and filters.
    pub slug: String,
    pub address: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub established_on: Option<Date>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
