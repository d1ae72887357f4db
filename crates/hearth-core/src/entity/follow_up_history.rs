use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_up_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub follow_up_id: i64,
    pub at: super::Timestamp,
    pub actor_user_id: Option<i64>,
    pub change: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
