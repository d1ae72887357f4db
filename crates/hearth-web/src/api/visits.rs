//! `/api/v1/visits`: record and read visits (with the needs found, each opening a
//! follow-up). Every rule (roles, scope, validation, history, audit) is decided by
//! `hearth_core::visits`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::entity::visit;
use hearth_core::visits::records::{self, VisitInput};
use hearth_core::word::Word;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::follow_ups::FollowUp;
use super::json::{ApiJson, ApiParams, Id, Page, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_visits, create_visit)).routes(routes!(get_visit))
}

#[derive(Serialize, ToSchema)]
pub struct Visit {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    pub visited_on: NaiveDate,
    /// welcome, follow_up, hardship_check, other
    pub purpose: String,
    pub companions: Option<String>,
    pub notes: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Users who went (only on single-record reads and writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visitor_ids: Option<Vec<i64>>,
    /// Follow-ups opened on this visit (only on single-record reads and writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_ups: Option<Vec<FollowUp>>,
}

impl Visit {
    fn new(v: visit::Model) -> Visit {
        Visit {
            id: v.id,
            community_id: v.community_id,
            household_id: v.household_id,
            visited_on: v.visited_on,
            purpose: v.purpose.word(),
            companions: v.companions,
            notes: v.notes,
            recorded_by: v.recorded_by,
            created_at: v.created_at,
            visitor_ids: None,
            follow_ups: None,
        }
    }
    fn detail(d: records::VisitDetail) -> Visit {
        Visit {
            visitor_ids: Some(d.visitors.iter().map(|(id, _)| *id).collect()),
            follow_ups: Some(d.follow_ups.into_iter().map(|f| FollowUp::new(f, None)).collect()),
            ..Visit::new(d.visit)
        }
    }
}

/// Visits the caller may see, by ascending id.
#[utoipa::path(
    get, path = "/api/v1/visits", tag = "visits", operation_id = "list_visits", params(records::ListQuery),
    responses((status = 200, body = Page<Visit>), ReadErrors),
)]
pub async fn list_visits(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(query): ApiParams<records::ListQuery>,
) -> Result<Json<Page<Visit>>, WebError> {
    let actor = ctx.actor()?;
    let page = records::list(&state.store, actor, &query).await?;
    Ok(Json(Page::of(page, Visit::new)))
}

/// Records a visit; each need opens a follow-up. All or nothing.
#[utoipa::path(
    post, path = "/api/v1/visits", tag = "visits", operation_id = "create_visit", request_body = VisitInput,
    responses((status = 201, body = Visit, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<VisitInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = records::record(&state.store, actor, input).await?;
    let out = Visit::detail(d);
    Ok(created(&format!("/api/v1/visits/{}", out.id), out))
}

/// One visit, with its visitors and follow-ups (the read is audited).
#[utoipa::path(
    get, path = "/api/v1/visits/{id}", tag = "visits", operation_id = "get_visit",
    params(("id" = i64, Path, description = "Visit id")),
    responses((status = 200, body = Visit), ReadErrors),
)]
pub async fn get_visit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Visit>, WebError> {
    let d = records::get(&state.store, ctx.actor()?, id).await?;
    Ok(Json(Visit::detail(d)))
}
