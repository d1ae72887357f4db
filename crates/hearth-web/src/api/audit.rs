//! `/api/v1/audit`: the audit log as the caller may read it (admins all of it,
//! coordinators their communities' entries), newest first, and "who has seen this record".

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use hearth_core::audit::{self, Filter};
use hearth_core::entity::audit_log;
use hearth_core::record::{EntityKind, RecordRef};
use hearth_core::registry::communities;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::json::{ApiParams, ReadErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// The chain: the community's id, or 0 for the deployment's own events.
    pub chain: i64,
    /// Position in its chain.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_user_id: Option<i64>,
    pub community_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    /// What happened, naming fields, never values.
    pub summary: String,
    pub hash: String,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(r: audit_log::Model) -> Self {
        AuditEntry {
            id: r.id,
            chain: r.chain,
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            actor_user_id: r.actor_user_id,
            community_id: r.community_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            summary: r.summary,
            hash: r.hash,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before` to get older entries; `null` on the last page.
    pub next_before: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries by this username.
    pub actor: Option<String>,
    /// Only entries about this kind of record (`household`, `resident`, …).
    pub entity: Option<String>,
    /// With `entity`: only entries about this record.
    pub entity_id: Option<i64>,
    /// Only this action (`read`, `list`, `update`, `login_failed`, …).
    pub action: Option<String>,
    /// Only this community (slug).
    pub community: Option<String>,
    /// Who has seen or changed this record, as `kind:id` (`resident:12`): the entries that
    /// name it and those of lists, searches, reports and exports that showed it.
    pub seen: Option<String>,
    /// Keyset: only entries older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "hearth_core::validate::page_limit::<_, 500>")]
    pub limit: Option<u64>,
}

/// Audit entries the caller may read, newest first.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit", operation_id = "list_audit_entries",
    params(AuditQuery),
    responses((status = 200, body = AuditPage), ReadErrors),
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<AuditQuery>,
) -> Result<Json<AuditPage>, WebError> {
    let actor = ctx.actor()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    if let Some(seen) = q.seen.as_deref() {
        let record = seen
            .split_once(':')
            .and_then(|(kind, id)| Some(RecordRef::new(EntityKind::parse(kind)?, id.parse().ok()?)))
            .ok_or_else(|| hearth_core::CoreError::invalid("seen", "invalid_record"))?;
        let rows = audit::who_saw(&state.store, actor, record, limit).await?;
        let items: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::from).collect();
        return Ok(Json(AuditPage { items, next_before: None }));
    }
    let community_id = match q.community.as_deref() {
        Some(slug) => Some(
            communities::by_slug(&state.store, actor, slug)
                .await
                .map_err(|_| hearth_core::CoreError::invalid("community", "unknown_community"))?
                .id,
        ),
        None => None,
    };
    let filter = Filter {
        actor: q.actor,
        entity: q.entity,
        entity_id: q.entity_id,
        action: q.action,
        community_id,
        before: q.before,
        limit: limit + 1,
    };
    let mut rows = audit::browse(&state.store, actor, &filter).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_before = if more { rows.last().map(|r| r.id) } else { None };
    Ok(Json(AuditPage { items: rows.into_iter().map(AuditEntry::from).collect(), next_before }))
}
