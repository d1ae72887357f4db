use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "residents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    pub full_name: String,
    pub sex: Option<String>,
    pub relationship: Option<String>,
    pub birth_date: Option<Date>,
    pub phone: Option<String>,
    pub languages_spoken: Option<String>,
    pub languages_to_learn: Option<String>,
    pub education_level: Option<String>,
    pub work_status: Option<String>,
    pub skills: Option<String>,
    pub needs: Option<String>,
    pub notes: Option<String>,
    pub created_at: super::Timestamp,
    pub updated_at: super::Timestamp,
    /// The team's own id for the person in their ledger, unique in the community: what a
    /// repeated import matches on.
    pub external_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
