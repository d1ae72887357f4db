use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub program_id: i64,
    pub resident_id: i64,
    /// Printed on the certificate; unique in the deployment.
    pub number: String,
    /// The short code printed beside the number, which `/verify` asks for.
    pub code: String,
    pub sessions: i32,
    pub minutes: i32,
    pub issued_on: Date,
    pub issued_by: Option<i64>,
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
