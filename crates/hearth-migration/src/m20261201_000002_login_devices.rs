//! Devices a user has logged in from before. A successful login sets a random device
//! cookie (only its hash is stored here); a later login of the same user carrying it skips
//! the per-address throttle, so one address spraying failures (a shared office NAT) cannot
//! lock out the people who work behind it. The per-account limits still apply.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000002_login_devices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("login_devices")
                    .col(string("token_hash").primary_key())
                    .col(big_integer("user_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_login_at"))
                    .foreign_key(&mut fk("login_devices", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idx_login_devices_user", "login_devices", &["user_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("login_devices").take()).await
    }
}
