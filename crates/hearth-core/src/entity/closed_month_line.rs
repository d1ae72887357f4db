use sea_orm::entity::prelude::*;

/// One figure of a frozen monthly report, exactly as the team's report had it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "closed_month_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub closed_month_id: i64,
    pub position: i32,
    pub key: String,
    /// Canonical JSON of the dimensions (`{}` for none).
    pub dims: String,
    pub unit: String,
    pub value: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
