use sea_orm::entity::prelude::*;

/// The bytes of a partnership agreement's scan, read only when it is downloaded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partnership_scans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partnership_id: i64,
    #[sea_orm(column_type = "Blob")]
    pub bytes: Vec<u8>,
    pub uploaded_at: super::Timestamp,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
