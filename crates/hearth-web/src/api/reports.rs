//! `/api/v1/indicators` (the catalogue), `/api/v1/reports` (figures for a period ×
//! communities, the same JSON as `hearth report --format json`) and
//! `/api/v1/reports/records` (the records behind one figure).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use hearth_core::FieldErrors;
use hearth_core::indicators::{Dims, Rollup};
use hearth_core::reports::{self, RecordsQuery, ReportQuery};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::json::{ApiQuery, ReadErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::export;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(indicators)).routes(routes!(report)).routes(routes!(records))
}

/// Community slugs from `community=a,b`.
pub fn community_list(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorRollup {
    /// `sum`, `distinct_count` or `ratio`.
    #[schema(example = "sum")]
    pub kind: &'static str,
    /// For a ratio: the indicator it divides (recomputed from parts, never summed).
    pub numerator: Option<&'static str>,
    pub denominator: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorDoc {
    /// Stable key used by reports, exports, goals and this API.
    #[schema(example = "households")]
    pub key: &'static str,
    /// The practice it belongs to (one export sheet per practice).
    pub practice: &'static str,
    /// `count`, `pct`, `minutes` or `CNY_minor` (money in fen).
    pub unit: &'static str,
    /// Dimensions its figures are broken down by (e.g. `program_kind`).
    pub dimensions: Vec<&'static str>,
    pub rollup: IndicatorRollup,
    /// `as_of_end` (a state at the end of the period) or `within_period` (events in it).
    pub timing: &'static str,
    /// Name in the request's language.
    pub name: String,
    pub description: String,
    pub practice_name: String,
}

/// The indicator catalogue: every figure hearth can report.
#[utoipa::path(
    get, path = "/api/v1/indicators", tag = "reports", operation_id = "list_indicators",
    responses((status = 200, body = Vec<IndicatorDoc>), ReadErrors),
)]
pub async fn indicators(ctx: Ctx) -> Result<Json<Vec<IndicatorDoc>>, WebError> {
    ctx.actor()?.require(hearth_core::Permission::ViewReports)?;
    let out = reports::catalogue()
        .iter()
        .map(|i| {
            let (numerator, denominator) = match i.rollup {
                Rollup::Ratio { numerator, denominator } => (Some(numerator), Some(denominator)),
                _ => (None, None),
            };
            IndicatorDoc {
                key: i.key,
                practice: i.practice,
                unit: i.unit.as_str(),
                dimensions: i.dimensions.to_vec(),
                rollup: IndicatorRollup { kind: i.rollup.as_str(), numerator, denominator },
                timing: i.timing.as_str(),
                name: export::indicator_name(ctx.lang, i.key),
                description: export::indicator_description(ctx.lang, i.key),
                practice_name: export::practice_name(ctx.lang, i.practice),
            }
        })
        .collect();
    Ok(Json(out))
}

/// Report parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReportParams {
    /// Community slug, or several separated by commas; all of yours when left out.
    community: Option<String>,
    /// First day (YYYY-MM-DD); default the first day of the current month.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day, inclusive (YYYY-MM-DD); default the last day of `from`'s month.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// `1` (or `true`) for a report that will leave the team: small counts suppressed, the
    /// others rounded (docs/SECURITY.md, "Reports shared outside the team").
    outside: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportFigure {
    #[schema(example = "households")]
    pub key: String,
    pub practice: String,
    /// Dimension values, e.g. `{"program_kind": "language"}`.
    pub dims: BTreeMap<String, String>,
    /// An integer for `count`, `minutes` and `CNY_minor`; a number with one decimal for
    /// `pct`; `null` when suppressed.
    #[schema(value_type = Option<f64>, example = 1710)]
    pub value: Option<Value>,
    #[schema(example = "count")]
    pub unit: String,
    /// Present and `true` when a small count is hidden.
    pub suppressed: Option<bool>,
    /// For ratios: the parts it is computed from.
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CommunityFigures {
    pub community: String,
    pub indicators: Vec<ReportFigure>,
}

/// A report. One community: `community`; several: `communities`, the total over all of them
/// in `indicators` (ratios from summed parts) and each one in `by_community`.
#[derive(Serialize, ToSchema)]
pub struct ReportDoc {
    #[schema(example = "jiafu")]
    pub community: Option<String>,
    pub communities: Option<Vec<String>>,
    #[schema(example = "2016-03-01")]
    pub from: String,
    #[schema(example = "2016-03-31")]
    pub to: String,
    /// Whether small counts are hidden (viewers, volunteers, `outside=1`).
    pub suppressed: bool,
    pub indicators: Vec<ReportFigure>,
    pub by_community: Option<Vec<CommunityFigures>>,
}

fn flag(v: Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "true" | "yes" | "on"))
}

/// The API documents `from` and `to` as dates, so one sent blank is a mistake to name, not
/// "the default" that the report page's filter form means by it.
fn no_blank_dates(q: &ApiQuery) -> Result<(), WebError> {
    let mut e = FieldErrors::new();
    for name in ["from", "to"] {
        if q.0.get(name).is_some_and(|v| v.trim().is_empty()) {
            e.add(name, "invalid_date");
        }
    }
    Ok(e.into_result()?)
}

pub fn report_query(q: &ApiQuery) -> ReportQuery {
    ReportQuery {
        communities: community_list(q.text("community").as_deref()),
        from: q.text("from"),
        to: q.text("to"),
        outside: flag(q.text("outside")),
    }
}

/// Every indicator for a period × communities.
#[utoipa::path(
    get, path = "/api/v1/reports", tag = "reports", operation_id = "get_report", params(ReportParams),
    responses((status = 200, body = ReportDoc), ReadErrors),
)]
pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    query: ApiQuery,
) -> Result<Json<export::ReportOut>, WebError> {
    let actor = ctx.actor()?;
    no_blank_dates(&query)?;
    let r = reports::build(&state.store, actor, &report_query(&query)).await?;
    Ok(Json(export::report_out(&r)))
}

/// Drill-down parameters; any other parameter named like one of the indicator's dimensions
/// selects that dimension's value (e.g. `program_kind=language`).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RecordsParams {
    /// Indicator key.
    key: String,
    community: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// Keyset: the previous page's `next_after`.
    after: Option<i64>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordItem {
    pub id: i64,
    pub community: String,
    /// What a worker recognises the record by (household code, resident name).
    pub label: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<chrono::NaiveDate>,
    /// The record's page.
    pub link: String,
    /// The list's other columns by stable key (`counted`: "yes"/"no" in a ratio's list of
    /// its denominator; `owner`, `due_on`, `last_visit`, …); null where there is no value.
    pub details: std::collections::BTreeMap<String, Option<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordsDoc {
    pub key: String,
    pub dims: BTreeMap<String, String>,
    pub from: String,
    pub to: String,
    /// How many records there are in all: equals the figure (a ratio's numerator).
    pub total: i64,
    pub items: Vec<RecordItem>,
    pub next_after: Option<i64>,
}

const RESERVED: [&str; 7] = ["key", "community", "from", "to", "after", "limit", "outside"];

pub fn records_query(q: &ApiQuery) -> Result<RecordsQuery, WebError> {
    let dims: Dims =
        q.0.iter()
            .filter(|(k, v)| !RESERVED.contains(&k.as_str()) && !v.trim().is_empty() && k.as_str() != "format")
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect();
    Ok(RecordsQuery {
        key: q.text("key"),
        communities: community_list(q.text("community").as_deref()),
        from: q.text("from"),
        to: q.text("to"),
        dims,
        after: q.int("after")?,
        limit: match q.int("limit")? {
            Some(n) if !(1..=1000).contains(&n) => return Err(WebError::BadRequest { field: Some("limit".into()) }),
            other => other,
        },
    })
}

/// The records behind one figure (lists people: not for viewers or volunteers; audited).
#[utoipa::path(
    get, path = "/api/v1/reports/records", tag = "reports", operation_id = "list_report_records",
    params(RecordsParams),
    responses((status = 200, body = RecordsDoc), ReadErrors),
)]
pub async fn records(State(state): State<AppState>, ctx: Ctx, query: ApiQuery) -> Result<Json<RecordsDoc>, WebError> {
    let actor = ctx.actor()?;
    no_blank_dates(&query)?;
    let r = reports::records(&state.store, actor, &records_query(&query)?).await?;
    let slug = |id: i64| r.communities.iter().find(|c| c.id == id).map(|c| c.slug.clone()).unwrap_or_default();
    Ok(Json(RecordsDoc {
        key: r.indicator.key.to_owned(),
        dims: r.dims.clone(),
        from: r.from.to_string(),
        to: r.to.to_string(),
        total: r.total,
        items: r
            .page
            .items
            .iter()
            .map(|i| RecordItem {
                id: i.id,
                community: slug(i.community_id),
                label: i.label.clone(),
                on: i.on,
                link: crate::practice::link(i.record).unwrap_or_default(),
                details: i.details.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
            })
            .collect(),
        next_after: r.page.next_after,
    }))
}
