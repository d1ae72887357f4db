use sea_orm::entity::prelude::*;

/// A household (its API representation adds the community slug and members' names).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "households")]
#[schema(as = HouseholdRecord)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub code: String,
    pub address: String,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub moved_in_on: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub moved_out_on: Option<Date>,
    pub notes: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: super::Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
