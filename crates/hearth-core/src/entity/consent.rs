use sea_orm::entity::prelude::*;

/// A household's consent record (also its API representation).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, utoipa::ToSchema)]
#[sea_orm(table_name = "consents")]
#[schema(as = Consent)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    /// Who gave consent (name as they gave it).
    pub given_by: String,
    #[schema(value_type = String, format = Date)]
    pub given_on: Date,
    /// Consent to receive services.
    pub scope_services: bool,
    /// Consent to be contacted.
    pub scope_contact: bool,
    /// Consent to sharing with partner organisations.
    pub scope_partners: bool,
    /// Set once consent is withdrawn.
    #[schema(value_type = Option<String>, format = Date)]
    pub withdrawn_on: Option<Date>,
    pub notes: Option<String>,
    /// The user who recorded it.
    pub recorded_by: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
