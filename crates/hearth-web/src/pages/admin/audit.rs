//! Browsing the audit log: newest first, filtered, 100 rows a page with a keyset "older"
//! link, and a button that re-computes the hash chain.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hearth_core::audit::{self, Filter, Verdict};
use hearth_core::entity::audit_log;
use hearth_core::registry::communities;
use hearth_core::{Actor, Permission};

use super::require;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::pages::form::FormState;
use crate::pages::{render, render_status};
use crate::practice::Pages;

pub const PAGE_SIZE: u64 = 100;

/// Entities the core writes today; the filter field suggests them but accepts any word.
const KNOWN_ENTITIES: [&str; 8] =
    ["household", "resident", "consent", "user", "community", "session", "api_token", "pair"];

pub(super) fn pages() -> Pages {
    Pages::new().get("/admin/audit", list).post("/admin/audit/verify", verify)
}

#[derive(serde::Deserialize, Default, Clone)]
struct Params {
    actor: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    action: Option<String>,
    community: Option<String>,
    before: Option<String>,
}

struct Row {
    id: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    community: String,
    summary: String,
    hash: String,
}

pub struct VerifyResult {
    pub intact: bool,
    pub message: String,
}

pub struct CommunityOption {
    pub slug: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: Ctx,
    form: FormState,
    communities: Vec<CommunityOption>,
    entities: Vec<&'static str>,
    rows: Vec<Row>,
    filtered: bool,
    paged: bool,
    older_href: Option<String>,
    newest_href: String,
    /// The result of "verify chain", when that was asked for.
    verdict: Option<VerifyResult>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The query string for these filters (without `before`).
fn filter_query(p: &Params) -> String {
    [
        ("actor", &p.actor),
        ("entity", &p.entity),
        ("entity_id", &p.entity_id),
        ("action", &p.action),
        ("community", &p.community),
    ]
    .iter()
    .filter_map(|(k, v)| text(v).map(|v| format!("{k}={}", urlencode(&v))))
    .collect::<Vec<_>>()
    .join("&")
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    p: Params,
    verdict: Option<VerifyResult>,
) -> Result<Response, WebError> {
    let mut form = FormState::new(ctx.lang);
    for (k, v) in [
        ("actor", &p.actor),
        ("entity", &p.entity),
        ("entity_id", &p.entity_id),
        ("action", &p.action),
        ("community", &p.community),
    ] {
        form.set(k, text(v).unwrap_or_default());
    }
    let all_communities = communities::list(&state.store, actor).await?;
    let mut filter = Filter {
        actor: text(&p.actor).map(|a| a.to_lowercase()),
        entity: text(&p.entity),
        action: text(&p.action),
        limit: PAGE_SIZE + 1,
        ..Default::default()
    };
    if let Some(id) = text(&p.entity_id) {
        match id.parse::<i64>() {
            Ok(n) => filter.entity_id = Some(n),
            Err(_) => form.errors.add("entity_id", "wrong_type"),
        }
    }
    if let Some(slug) = text(&p.community) {
        match all_communities.iter().find(|c| c.slug == slug) {
            Some(c) => filter.community_id = Some(c.id),
            None => form.errors.add("community", "unknown_community"),
        }
    }
    if let Some(b) = text(&p.before) {
        match b.parse::<i64>() {
            Ok(n) => filter.before = Some(n),
            Err(_) => form.errors.add("before", "wrong_type"),
        }
    }
    let slugs: HashMap<i64, String> = all_communities.iter().map(|c| (c.id, c.slug.clone())).collect();
    let query = filter_query(&p);
    let filtered = !query.is_empty();
    let paged = filter.before.is_some();
    let newest_href = format!("/admin/audit?{query}");
    let communities = all_communities.into_iter().map(|c| CommunityOption { slug: c.slug, name: c.name }).collect();
    let entities = KNOWN_ENTITIES.to_vec();
    if form.has_errors() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AuditPage {
                ctx,
                form,
                communities,
                entities,
                rows: Vec::new(),
                filtered,
                paged,
                older_href: None,
                newest_href,
                verdict,
            },
        );
    }
    let mut found: Vec<audit_log::Model> = audit::browse(&state.store, actor, &filter).await?;
    let more = found.len() as u64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    let older_href = if more {
        found.last().map(|r| {
            let sep = if query.is_empty() { "" } else { "&" };
            format!("/admin/audit?{query}{sep}before={}", r.id)
        })
    } else {
        None
    };
    let rows = found
        .into_iter()
        .map(|r| Row {
            id: r.id,
            at: ctx.local_time(&r.at),
            actor: r.actor,
            action: ctx.t(&format!("audit-action-{}", r.action.replace('_', "-"))),
            entity: ctx.t(&format!("entity-{}", r.entity.replace('_', "-"))),
            entity_id: r.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            community: r.community_id.and_then(|c| slugs.get(&c).cloned()).unwrap_or_default(),
            summary: r.summary,
            hash: r.hash.chars().take(12).collect(),
        })
        .collect();
    render(&AuditPage { ctx, form, communities, entities, rows, filtered, paged, older_href, newest_href, verdict })
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ViewAudit)?.clone();
    page(&state, ctx, &actor, p, None).await
}

async fn verify(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::VerifyAudit)?.clone();
    let verdict = match audit::verify(&state.store).await? {
        Verdict::Intact { rows, chains } => VerifyResult {
            intact: true,
            message: ctx.lang.t_args("admin-audit-intact", &[("rows", rows.into()), ("chains", chains.into())]),
        },
        Verdict::Broken { chain, seq, reason } => {
            let reason = ctx.t(&format!("admin-audit-reason-{}", reason.replace('_', "-")));
            let chain = if chain == audit::DEPLOYMENT_CHAIN {
                ctx.t("admin-audit-chain-deployment")
            } else {
                let name = match communities::get(&state.store, &actor, chain).await {
                    Ok(c) => c.name,
                    Err(_) => chain.to_string(),
                };
                ctx.t1("admin-audit-chain-community", "name", name)
            };
            let msg = ctx.lang.t_args(
                "admin-audit-broken",
                &[("chain", chain.into()), ("seq", seq.into()), ("reason", reason.into())],
            );
            VerifyResult { intact: false, message: msg }
        }
    };
    page(&state, ctx, &actor, Params::default(), Some(verdict)).await
}
