//! The one migration tree for both SQLite and PostgreSQL.
//!
//! Every migration is written with sea-query's schema builder so that each backend gets
//! its own correct DDL from the same source; a backend branch appears only where the two
//! engines genuinely differ (collation of search keys), and is commented there.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20260101_000001_create_foundation;
mod m20260115_000001_index_search_terms;
mod m20260201_000001_create_visits;
mod m20261201_000001_audit_chains;
mod m20261201_000002_login_devices;
mod m20261201_000003_audit_records;
mod m20261202_000001_notes;
mod m20261202_000002_resident_relationship;
mod m20261202_000003_household_search;
mod m20261203_000001_create_programs;
mod m20261204_000001_create_jobs;
mod m20261205_000001_create_cases;
mod m20261206_000001_create_pairs;
mod m20261206_000002_create_requests;
mod m20261206_000003_create_handbook;
mod m20261207_000001_create_goals;
mod m20261207_000002_create_closed_months;
mod m20261208_000001_create_imports;
mod m20261208_000002_create_retention;
pub use m20260101_000001_create_foundation::GENESIS_HASH;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_foundation::Migration),
            Box::new(m20260115_000001_index_search_terms::Migration),
            Box::new(m20260201_000001_create_visits::Migration),
            Box::new(m20261201_000001_audit_chains::Migration),
            Box::new(m20261201_000002_login_devices::Migration),
            Box::new(m20261201_000003_audit_records::Migration),
            Box::new(m20261202_000001_notes::Migration),
            Box::new(m20261202_000002_resident_relationship::Migration),
            Box::new(m20261202_000003_household_search::Migration),
            Box::new(m20261203_000001_create_programs::Migration),
            Box::new(m20261204_000001_create_jobs::Migration),
            Box::new(m20261205_000001_create_cases::Migration),
            Box::new(m20261206_000001_create_pairs::Migration),
            Box::new(m20261206_000002_create_requests::Migration),
            Box::new(m20261206_000003_create_handbook::Migration),
            Box::new(m20261207_000001_create_goals::Migration),
            Box::new(m20261207_000002_create_closed_months::Migration),
            Box::new(m20261208_000001_create_imports::Migration),
            Box::new(m20261208_000002_create_retention::Migration),
        ]
    }
}
