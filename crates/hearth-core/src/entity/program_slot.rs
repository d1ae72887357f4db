use sea_orm::entity::prelude::*;

/// One weekly slot of a program's schedule: the sessions it plans.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "program_slots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub program_id: i64,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i32,
    /// "HH:MM", local time.
    pub starts_at: String,
    pub duration_minutes: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
