//! `/api/v1/reports/months`: closing a community's month (freezing its report as a new
//! version), the closed months with their state, and one month's frozen figures beside the
//! live ones with every difference ("revised").

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use hearth_core::reports::months::{self, Difference, MonthView};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, ApiQuery, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::export;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_months, close_month)).routes(routes!(get_month))
}

/// Which month to close.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseMonthInput {
    /// Community slug.
    #[schema(example = "jiafu")]
    pub community: Option<String>,
    /// The month, `YYYY-MM`; it must be over.
    #[schema(example = "2016-03", pattern = r"^\d{4}-\d{2}$")]
    pub month: Option<String>,
}

/// One stored version of a closed month.
#[derive(Serialize, ToSchema)]
pub struct ClosedMonthVersion {
    pub community: String,
    #[schema(example = "2016-03")]
    pub month: String,
    pub version: i32,
    pub closed_by: String,
    pub closed_at: chrono::DateTime<chrono::Utc>,
    /// SHA-256 of the frozen report's canonical text, also recorded in the audit chain.
    pub hash: String,
}

fn version_doc(slug: &str, r: &hearth_core::entity::closed_month::Model) -> ClosedMonthVersion {
    ClosedMonthVersion {
        community: slug.to_owned(),
        month: months::month_label(r.month),
        version: r.version,
        closed_by: r.closed_by_name.clone(),
        closed_at: r.closed_at,
        hash: r.hash.clone(),
    }
}

/// Closes a month: its exact report stored as the next version, the close audited with
/// its hash. Closing a closed month again adds a version; the old ones are kept.
#[utoipa::path(
    post, path = "/api/v1/reports/months", tag = "reports", operation_id = "close_month",
    request_body = CloseMonthInput,
    responses((status = 201, body = ClosedMonthVersion, headers(("Location" = String))), WriteErrors),
)]
pub async fn close_month(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<CloseMonthInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let slug = input.community.unwrap_or_default();
    let month = input.month.unwrap_or_default();
    let row = months::close(&state.store, actor, &slug, &month).await?;
    let slug = slug.trim();
    let location = format!("/api/v1/reports/months/{slug}/{}?version={}", months::month_label(row.month), row.version);
    Ok(created(&location, version_doc(slug, &row)))
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MonthsParams {
    /// Community slug.
    community: String,
}

/// A closed month in the list.
#[derive(Serialize, ToSchema)]
pub struct ClosedMonthState {
    #[schema(example = "2016-03")]
    pub month: String,
    /// How many versions there are (the latest is `latest.version`).
    pub versions: i32,
    /// The live figures differ from the latest version's.
    pub revised: bool,
    pub latest: ClosedMonthVersion,
}

/// The closed months of a community, newest first.
#[utoipa::path(
    get, path = "/api/v1/reports/months", tag = "reports", operation_id = "list_closed_months",
    params(MonthsParams),
    responses((status = 200, body = Vec<ClosedMonthState>), ReadErrors),
)]
pub async fn list_months(
    State(state): State<AppState>,
    ctx: Ctx,
    query: ApiQuery,
) -> Result<Json<Vec<ClosedMonthState>>, WebError> {
    let actor = ctx.actor()?;
    let Some(slug) = query.text("community") else {
        return Err(hearth_core::CoreError::invalid("community", "required").into());
    };
    let (c, list) = months::list(&state.store, actor, &slug).await?;
    Ok(Json(
        list.iter()
            .map(|m| ClosedMonthState {
                month: months::month_label(m.month),
                versions: m.versions,
                revised: m.revised,
                latest: version_doc(&c.slug, &m.latest),
            })
            .collect(),
    ))
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MonthParams {
    /// The version to compare (default the latest).
    #[param(minimum = 1)]
    version: Option<i32>,
}

/// One figure that differs between the frozen version and the live report.
#[derive(Serialize, ToSchema)]
pub struct MonthDifference {
    pub key: String,
    pub dims: BTreeMap<String, String>,
    pub unit: String,
    #[schema(value_type = Option<f64>)]
    pub frozen: Option<Value>,
    #[schema(value_type = Option<f64>)]
    pub live: Option<Value>,
    /// live − frozen (one decimal for percentages); null when either has no value.
    #[schema(value_type = Option<f64>)]
    pub difference: Option<Value>,
}

/// A write to one of the community's records since the close.
#[derive(Serialize, ToSchema)]
pub struct MonthChange {
    pub entity: String,
    pub id: i64,
    pub action: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    /// The record's page.
    pub link: Option<String>,
}

/// A month: every version, the chosen one's figures, the live ones, and the differences.
#[derive(Serialize, ToSchema)]
pub struct ClosedMonthDoc {
    pub community: String,
    #[schema(example = "2016-03")]
    pub month: String,
    pub versions: Vec<ClosedMonthVersion>,
    /// The version compared (null while the month is open).
    pub version: Option<i32>,
    pub revised: bool,
    /// The frozen figures (the same shape as `/api/v1/reports`).
    #[schema(value_type = Option<Object>)]
    pub frozen: Option<Value>,
    #[schema(value_type = Object)]
    pub live: Value,
    pub differences: Vec<MonthDifference>,
    pub changes: Vec<MonthChange>,
}

fn number(d: &Difference, v: Option<f64>) -> Option<Value> {
    v.map(|x| match d.unit {
        hearth_core::indicators::Unit::Percent | hearth_core::indicators::Unit::Average => serde_json::json!(x),
        _ => serde_json::json!(x as i64),
    })
}

pub fn month_doc(v: &MonthView) -> ClosedMonthDoc {
    ClosedMonthDoc {
        community: v.community.slug.clone(),
        month: months::month_label(v.month),
        versions: v.versions.iter().map(|r| version_doc(&v.community.slug, r)).collect(),
        version: v.frozen.as_ref().map(|f| f.row.version),
        revised: v.revised(),
        frozen: v.frozen_report.as_ref().map(export::report_json),
        live: export::report_json(&v.live),
        differences: v
            .differences
            .iter()
            .map(|d| MonthDifference {
                key: d.key.clone(),
                dims: d.dims.clone(),
                unit: d.unit.as_str().to_owned(),
                frozen: number(d, d.frozen),
                live: number(d, d.live),
                difference: number(d, d.difference),
            })
            .collect(),
        changes: v
            .changes
            .iter()
            .map(|c| MonthChange {
                entity: c.record.kind.as_str().to_owned(),
                id: c.record.id,
                action: c.action.clone(),
                at: c.at,
                actor: c.actor.clone(),
                link: crate::practice::link(c.record),
            })
            .collect(),
    }
}

/// A month of a community: the chosen (default latest) frozen version beside the live
/// figures, with the exact difference of every figure that moved since.
#[utoipa::path(
    get, path = "/api/v1/reports/months/{community}/{month}", tag = "reports", operation_id = "get_closed_month",
    params(("community" = String, Path, description = "Community slug"),
           ("month" = String, Path, description = "YYYY-MM"), MonthParams),
    responses((status = 200, body = ClosedMonthDoc), ReadErrors),
)]
pub async fn get_month(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((community, month)): Path<(String, String)>,
    query: ApiQuery,
) -> Result<Json<ClosedMonthDoc>, WebError> {
    let actor = ctx.actor()?;
    let version = query.int::<i32>("version")?;
    let v = months::view(&state.store, actor, &community, &month, version).await?;
    Ok(Json(month_doc(&v)))
}
