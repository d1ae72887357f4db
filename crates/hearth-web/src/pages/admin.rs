//! Administration pages (admins only): users, communities, and browsing the audit log.
//!
//! Every handler asks the policy first (`require`), so a non-admin gets 403 before any
//! record is read; the core functions the handlers call check the same permission again.

mod audit;
mod communities;
mod users;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hearth_core::entity::Timestamp;
use hearth_core::{Actor, Permission};

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin", get(index)).merge(users::router()).merge(communities::router()).merge(audit::router())
}

async fn index(ctx: Ctx) -> Result<Response, WebError> {
    require(&ctx, Permission::ManageUsers)?;
    Ok(Redirect::to("/admin/users").into_response())
}

/// The actor, if the policy lets them do `p`: 401 (→ login) when anonymous, 403 otherwise.
fn require(ctx: &Ctx, p: Permission) -> Result<&Actor, WebError> {
    let actor = ctx.actor()?;
    actor.require(p)?;
    Ok(actor)
}

fn utc(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Every value submitted under `name` (repeated checkboxes).
fn all_values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty()).collect()
}
