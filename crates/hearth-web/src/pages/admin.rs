//! Administration pages (admins only): users, communities, browsing the audit log, and
//! the export of everything.
//!
//! Every handler asks the policy first (`require`), so a non-admin gets 403 before any
//! record is read; the core functions the handlers call check the same permission again.

mod audit;
mod communities;
mod export;
mod users;

use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::entity::Timestamp;
use hearth_core::{Actor, Permission};

use crate::context::Ctx;
use crate::error::WebError;
use crate::practice::{NavEntry, Pages, WebPractice};
use hearth_core::record::EntityKind;

/// Administration: users, communities, the audit log.
pub const AREA: WebPractice = WebPractice {
    key: "admin",
    pages,
    api: Some(crate::api::audit::routes),
    api_tags: &[("audit", "The audit log: who did and saw what, when")],
    nav: &[
        NavEntry::link("/admin/users", "nav-users", Permission::ManageUsers),
        NavEntry::link("/admin/communities", "nav-communities", Permission::ManageCommunities),
        NavEntry::link("/admin/audit", "nav-audit", Permission::ViewAudit),
        NavEntry::link("/admin/export", "nav-export", Permission::ExportAll),
    ],
    badges: None,
    links: &[(EntityKind::User, "/admin/users/{id}")],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/admin", index)
        .merge(users::pages())
        .merge(communities::pages())
        .merge(audit::pages())
        .merge(export::pages())
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

pub(crate) fn utc(t: &Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Every value submitted under `name` (repeated checkboxes).
fn all_values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty()).collect()
}
