use sea_orm::entity::prelude::*;

/// One money event of a case, never changed once written (a correction reverses it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_ledger")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub community_id: i64,
    pub case_id: i64,
    pub stream: crate::cases::Stream,
    pub amount: i64,
    pub held_delta: i64,
    pub on_date: Date,
    pub method: Option<crate::cases::Method>,
    pub party: Option<String>,
    pub anonymous: bool,
    pub handled_by: Option<i64>,
    pub family_signed: Option<bool>,
    pub receipt_number: Option<String>,
    pub reverses_id: Option<i64>,
    pub relief_id: Option<i64>,
    pub other_case_id: Option<i64>,
    pub pair_id: Option<i64>,
    pub note: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
