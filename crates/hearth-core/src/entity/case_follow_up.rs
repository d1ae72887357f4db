use sea_orm::entity::prelude::*;

/// A follow-up a case tracks (the follow-up itself is the visits practice's row).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_follow_ups")]
pub struct Model {
    pub case_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub follow_up_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
