//! hearth's domain: records, rules, and the store they live in. No HTTP here.
//!
//! Modules are named by the practice a community worker knows (registry, visits, programs,
//! …). Every service function takes the `Actor`, checks `policy` first, validates into
//! `FieldErrors`, writes in one transaction, and appends to the `audit` chain in that same
//! transaction.

pub mod archive;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod demo;
pub mod entity;
pub mod error;
pub mod goals;
pub mod handbook;
pub mod import;
pub mod indicators;
pub mod jobs;
pub mod money;
pub mod notes;
pub mod pairs;
pub mod patch;
pub mod policy;
pub mod practice;
pub mod programs;
pub mod record;
pub mod registry;
pub mod reports;
pub mod requests;
pub mod rights;
pub mod store;
pub mod timeline;
pub mod validate;
pub mod version;
pub mod visits;
pub mod word;

pub use error::{CoreError, CoreResult, FieldError, FieldErrors};
pub use policy::{Actor, Permission, Role, Scope};
pub use store::Store;
