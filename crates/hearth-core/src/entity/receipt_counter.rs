use sea_orm::entity::prelude::*;

/// The last receipt number given in a community, year and series (never reused).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "receipt_counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub series: String,
    pub last: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
