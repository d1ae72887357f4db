use sea_orm::entity::prelude::*;

/// Someone who keeps in regular contact with households: a team member, a volunteer (with or
/// without a login), a partner unit's member, or a neighbour household.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "helpers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub kind: crate::pairs::HelperKind,
    pub user_id: Option<i64>,
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub phone: Option<String>,
    pub household_id: Option<i64>,
    pub active: bool,
    pub updated_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
