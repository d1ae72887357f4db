//! `/api/v1/goals`: a community's yearly goals, each answered with its progress on the day
//! asked (`as_of`, default today). Every rule is decided by `hearth_core::goals`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use hearth_core::goals::{self, GoalInput, GoalProgress, GoalStatus};
use hearth_core::indicators::Dims;
use hearth_core::registry::communities;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, ApiQuery, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_goals, create_goal)).routes(routes!(get_goal, update_goal, delete_goal))
}

/// A goal with its progress.
#[derive(Serialize, ToSchema)]
pub struct GoalWithProgress {
    pub id: i64,
    pub community_id: i64,
    pub year: i32,
    pub indicator: String,
    #[schema(value_type = Object)]
    pub dims: Dims,
    /// The indicator's unit: `count`, `pct`, `minutes`, `CNY_minor`, `avg`.
    pub unit: String,
    /// The target as stored: a count, tenths of a percent (or of an average), minutes, fen.
    pub target: i64,
    /// The target as a worker types it (`310`, `95.5`, `12.5`, `2,950.00`).
    pub target_text: String,
    pub owner_user_id: i64,
    pub owner: String,
    pub note: Option<String>,
    /// The day progress is computed for.
    pub as_of: NaiveDate,
    /// The last day the figure covers (none before the year starts).
    pub through: Option<NaiveDate>,
    /// In the target's unit; null without a figure (a ratio over nothing), before the year
    /// starts, or when hidden (small counts, for readers of aggregates only).
    pub actual: Option<i64>,
    /// Actual as a percentage of the target, one decimal.
    pub pct: Option<f64>,
    /// What a straight line through the year expects by `through`, rounded up.
    pub expected: i64,
    pub status: GoalStatus,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub version: String,
}

fn show(p: GoalProgress, as_of: NaiveDate) -> GoalWithProgress {
    GoalWithProgress {
        id: p.goal.id,
        community_id: p.goal.community_id,
        year: p.goal.year,
        indicator: p.goal.indicator.clone(),
        unit: p.unit.as_str().to_owned(),
        target: p.target,
        target_text: goals::format_target(p.unit, p.target),
        owner_user_id: p.goal.owner_user_id,
        owner: p.owner,
        note: p.goal.note.clone(),
        version: hearth_core::version::of(&p.goal.updated_at),
        as_of,
        through: p.through,
        actual: p.actual,
        pct: p.pct,
        expected: p.expected,
        status: p.status,
        numerator: p.numerator,
        denominator: p.denominator,
        dims: p.dims,
    }
}

/// `as_of` is documented as a date: left out it is today, but sent blank it is a mistake to
/// name (found by schemathesis), not the default.
fn as_of(q: &ApiQuery) -> Result<NaiveDate, WebError> {
    match q.text("as_of") {
        None if q.0.contains_key("as_of") => Err(WebError::BadRequest { field: Some("as_of".into()) }),
        None => Ok(chrono::Local::now().date_naive()),
        Some(d) => {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| WebError::BadRequest { field: Some("as_of".into()) })
        }
    }
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    g: &hearth_core::entity::goal::Model,
    day: NaiveDate,
) -> Result<GoalWithProgress, WebError> {
    let p = goals::progress_of(&state.store, ctx.actor()?, g, day).await?;
    Ok(show(p, day))
}

/// Goals of the caller's communities with their progress; filter by `community` (slug) and
/// `year`; progress on `as_of` (default today).
#[utoipa::path(
    get, path = "/api/v1/goals", tag = "goals", operation_id = "list_goals",
    params(
        ("community" = Option<String>, Query, description = "Community slug"),
        ("year" = Option<i32>, Query, description = "Year"),
        ("as_of" = Option<String>, Query, format = Date, description = "Day to compute progress for (default today)"),
    ),
    responses((status = 200, body = Vec<GoalWithProgress>), ReadErrors),
)]
pub async fn list_goals(
    State(state): State<AppState>,
    ctx: Ctx,
    q: ApiQuery,
) -> Result<Json<Vec<GoalWithProgress>>, WebError> {
    let actor = ctx.actor()?;
    let day = as_of(&q)?;
    // An integer sent blank is not one (found by schemathesis); left out, any year.
    if q.0.get("year").is_some_and(|v| v.trim().is_empty()) {
        return Err(WebError::BadRequest { field: Some("year".into()) });
    }
    let year: Option<i32> = q.int("year")?;
    let community = match q.text("community") {
        // A community that is not one of the caller's is a field to correct (422), as in reports.
        Some(slug) => Some(communities::by_slug(&state.store, actor, &slug).await.map_err(|e| match e {
            hearth_core::CoreError::NotFound => {
                hearth_core::CoreError::invalid("community", "unknown_community").into()
            }
            other => WebError::from(other),
        })?),
        None => None,
    };
    let gs = goals::list(&state.store, actor, community.as_ref().map(|c| c.id), year).await?;
    let mut keys: Vec<(i64, i32)> = gs.iter().map(|g| (g.community_id, g.year)).collect();
    keys.dedup();
    let mut out = Vec::with_capacity(gs.len());
    for (c, y) in keys {
        for p in goals::progress(&state.store, actor, c, y, day).await? {
            out.push(show(p, day));
        }
    }
    Ok(Json(out))
}

/// Sets a goal.
#[utoipa::path(
    post, path = "/api/v1/goals", tag = "goals", operation_id = "create_goal",
    params(("as_of" = Option<String>, Query, format = Date, description = "Day to compute progress for (default today)")),
    request_body = GoalInput,
    responses((status = 201, body = GoalWithProgress, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_goal(
    State(state): State<AppState>,
    ctx: Ctx,
    q: ApiQuery,
    ApiJson(input): ApiJson<GoalInput>,
) -> Result<Response, WebError> {
    let day = as_of(&q)?;
    let g = goals::create(&state.store, ctx.actor()?, input).await?;
    let body = answer(&state, &ctx, &g, day).await?;
    Ok(created(&format!("/api/v1/goals/{}", g.id), body))
}

/// One goal with its progress.
#[utoipa::path(
    get, path = "/api/v1/goals/{id}", tag = "goals", operation_id = "get_goal",
    params(("id" = i64, Path, description = "Goal id"), ("as_of" = Option<String>, Query, format = Date, description = "Day to compute progress for (default today)")),
    responses((status = 200, body = GoalWithProgress, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_goal(State(state): State<AppState>, ctx: Ctx, Id(id): Id, q: ApiQuery) -> Result<Response, WebError> {
    let day = as_of(&q)?;
    let g = goals::get(&state.store, ctx.actor()?, id).await?;
    let body = answer(&state, &ctx, &g, day).await?;
    Ok(with_etag(&hearth_core::version::of(&g.updated_at), body))
}

/// Changes a goal's target, owner or note.
#[utoipa::path(
    patch, path = "/api/v1/goals/{id}", tag = "goals", operation_id = "update_goal",
    params(("id" = i64, Path, description = "Goal id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = GoalInput,
    responses((status = 200, body = GoalWithProgress, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_goal(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<GoalInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let g = goals::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    let body = answer(&state, &ctx, &g, chrono::Local::now().date_naive()).await?;
    Ok(with_etag(&hearth_core::version::of(&g.updated_at), body))
}

/// Withdraws a goal. `If-Match` (the ETag read) is required, so a goal changed meanwhile
/// is never withdrawn unseen.
#[utoipa::path(
    delete, path = "/api/v1/goals/{id}", tag = "goals", operation_id = "delete_goal",
    params(("id" = i64, Path, description = "Goal id"), ("If-Match" = String, Header, description = "The ETag read")),
    responses((status = 204, description = "Withdrawn"), WriteErrors, VersionErrors),
)]
pub async fn delete_goal(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let version = if_match(&headers);
    goals::delete(&state.store, ctx.actor()?, id, version.as_deref()).await.map_err(stale_is_412)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
