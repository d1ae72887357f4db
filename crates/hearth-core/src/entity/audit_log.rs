use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Storage order across chains; the database assigns it.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The chain: the community's id, or 0 for the deployment's own events.
    pub chain: i64,
    /// Position in its chain, from 1.
    pub seq: i64,
    pub at: super::Timestamp,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub community_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
