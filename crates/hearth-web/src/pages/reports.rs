//! The report page (`/reports`), its exports (`/reports.csv`, `/reports.xlsx`), the print
//! version (`/reports/print`) and the drill-down behind each figure (`/reports/records`,
//! `/reports/records.csv`). Every figure comes from `hearth_core::reports`, the same as the
//! API's and the CLI's.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::entity::community;
use hearth_core::indicators::Dims;
use hearth_core::reports::{self, Line, Records, RecordsQuery, Report, ReportQuery};
use hearth_core::{CoreError, FieldErrors, Permission};

use super::form::FormState;
use super::{render, render_status};
use crate::AppState;
use crate::api::reports::community_list;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::export;
use crate::i18n::Lang;
use crate::practice::{NavEntry, Pages, WebPractice};

/// Reports as a practice on the web (its figures come from every practice's indicators).
pub const PRACTICE: WebPractice = WebPractice {
    key: "reports",
    pages,
    api: Some(crate::api::reports::routes),
    api_tags: &[("reports", "The indicator catalogue and reports computed from records")],
    nav: &[
        NavEntry::link("/dashboard", "nav-dashboard", Permission::ViewReports),
        NavEntry::link("/reports", "nav-reports", Permission::ViewReports),
    ],
    badges: None,
    links: &[],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/reports", page)
        .get("/reports.csv", csv)
        .get("/reports.xlsx", xlsx)
        .get("/reports/print", print)
        .get("/reports/records", records)
        .get("/reports/records.csv", records_csv)
        .merge(super::dashboard::pages())
}

/// A page's query string as pairs (a repeated name: the last one counts).
pub(super) type Params = Vec<(String, String)>;

/// A trimmed query parameter; blank counts as absent.
pub(super) fn param(p: &Params, name: &str) -> Option<String> {
    p.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn report_query(p: &Params) -> ReportQuery {
    ReportQuery {
        communities: community_list(param(p, "community").as_deref()),
        from: param(p, "from"),
        to: param(p, "to"),
        outside: matches!(param(p, "outside").as_deref(), Some("1" | "true" | "on")),
    }
}

/// The query string of a report (for its export and print links).
fn report_qs(r: &Report, community: &str) -> String {
    let mut qs = format!("community={}&from={}&to={}", urlencode(community), r.from, r.to);
    if r.suppressed {
        qs.push_str("&outside=1");
    }
    qs
}

fn records_href(key: &str, community: &str, from: &str, to: &str, dims: &Dims) -> String {
    let mut h =
        format!("/reports/records?key={}&community={}&from={from}&to={to}", urlencode(key), urlencode(community));
    for (k, v) in dims {
        h.push_str(&format!("&{}={}", urlencode(k), urlencode(v)));
    }
    h
}

pub struct RowView {
    pub key: String,
    pub name: String,
    pub description: String,
    pub dims: String,
    pub value: String,
    pub href: Option<String>,
}

pub struct PracticeView {
    pub name: String,
    pub rows: Vec<RowView>,
}

pub struct SectionView {
    pub title: String,
    pub practices: Vec<PracticeView>,
}

/// `drill`: the reader's role when the report links figures to their records (a figure whose
/// records the role may not list, such as hardship cases' for a caseworker, has no link).
fn section_view(
    lang: Lang,
    title: String,
    lines: &[Line],
    community: &str,
    r: &Report,
    drill: Option<hearth_core::Role>,
) -> SectionView {
    let mut practices: Vec<PracticeView> = Vec::new();
    let mut current = "";
    for l in lines {
        if l.practice != current || practices.is_empty() {
            current = l.practice;
            practices.push(PracticeView { name: export::practice_name(lang, l.practice), rows: Vec::new() });
        }
        let listable = drill.is_some_and(|role| {
            hearth_core::indicators::find(l.key).is_some_and(|i| hearth_core::policy::allows(role, i.drill_down))
        });
        let href = (listable && l.value.is_some())
            .then(|| records_href(l.key, community, &r.from.to_string(), &r.to.to_string(), &l.dims));
        if let Some(p) = practices.last_mut() {
            p.rows.push(RowView {
                key: l.key.to_owned(),
                name: export::indicator_name(lang, l.key),
                description: export::indicator_description(lang, l.key),
                dims: export::dims_text(&l.dims),
                value: export::display_value(l),
                href,
            });
        }
    }
    SectionView { title, practices }
}

/// The report as sections: the total first, then each community when there are several.
fn sections(lang: Lang, r: &Report, drill: Option<hearth_core::Role>) -> Vec<SectionView> {
    let all = export::scope_label(r).replace('+', ",");
    let title = if r.communities.len() == 1 {
        r.communities.first().map(|c| c.name.clone()).unwrap_or_default()
    } else {
        lang.t("reports-total")
    };
    let mut out = vec![section_view(lang, title, &r.total.lines, &all, r, drill)];
    for s in &r.by_community {
        if let Some(c) = &s.community {
            out.push(section_view(lang, c.name.clone(), &s.lines, &c.slug, r, drill));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "reports/page.html")]
struct ReportPage {
    ctx: Ctx,
    form: FormState,
    communities: Vec<(String, String)>,
    sections: Vec<SectionView>,
    suppressed: bool,
    /// What suppression and rounding mean, with this deployment's threshold.
    note: String,
    qs: String,
    has_report: bool,
}

fn community_options(ctx: &Ctx, visible: Vec<community::Model>) -> Vec<(String, String)> {
    let mut options = Vec::new();
    if visible.len() != 1 {
        options.push((String::new(), ctx.t("reports-all-communities")));
    }
    options.extend(visible.into_iter().map(|c| (c.slug, c.name)));
    options
}

/// Field errors go back to the form; anything else is an error page.
fn field_errors(e: CoreError) -> Result<FieldErrors, WebError> {
    match e {
        CoreError::Invalid(f) => Ok(f),
        e => Err(e.into()),
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewReports)?;
    let visible = hearth_core::registry::communities::list(&state.store, actor).await?;
    let mut form = FormState::from_pairs(ctx.lang, &p);
    let q = report_query(&p);
    let outcome = reports::build(&state.store, actor, &q).await;
    let communities = community_options(&ctx, visible);
    match outcome {
        Ok(r) => {
            form.set("from", r.from);
            form.set("to", r.to);
            let community = param(&p, "community").unwrap_or_default();
            let qs = report_qs(&r, &community);
            let sections = sections(ctx.lang, &r, r.drill_down.then_some(actor.role));
            let note = crate::export::suppressed_note(ctx.lang);
            render(&ReportPage {
                ctx,
                form,
                communities,
                sections,
                suppressed: r.suppressed,
                note,
                qs,
                has_report: true,
            })
        }
        Err(e) => {
            form.errors = field_errors(e)?;
            let page = ReportPage {
                ctx,
                form,
                communities,
                sections: Vec::new(),
                suppressed: false,
                note: String::new(),
                qs: String::new(),
                has_report: false,
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

fn file_name(r: &Report, ext: &str) -> String {
    let label: String = export::scope_label(r).chars().map(|c| if c == '+' { '_' } else { c }).collect();
    format!("hearth-report-{label}-{}-{}.{ext}", r.from, r.to)
}

fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

async fn csv(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let r = reports::build(&state.store, actor, &report_query(&p)).await?;
    let name = file_name(&r, "csv");
    let bytes = export::csv_blocking(r, ctx.lang).await.map_err(WebError::Internal)?;
    Ok(download(bytes, "text/csv; charset=utf-8", &name))
}

async fn xlsx(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let r = reports::build(&state.store, actor, &report_query(&p)).await?;
    let name = file_name(&r, "xlsx");
    let bytes = export::xlsx_blocking(r).await.map_err(WebError::Internal)?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name))
}

#[derive(Template)]
#[template(path = "reports/print.html")]
struct PrintPage {
    ctx: Ctx,
    title_en: String,
    title_zh: String,
    scope: String,
    from: String,
    to: String,
    generated: String,
    sections: Vec<SectionView>,
    suppressed: bool,
    note: String,
}

async fn print(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let r = reports::build(&state.store, actor, &report_query(&p)).await?;
    let sections = sections(ctx.lang, &r, None);
    let page = PrintPage {
        title_en: Lang::En.t("reports-print-title"),
        title_zh: Lang::ZhCn.t("reports-print-title"),
        scope: r.communities.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", "),
        from: r.from.to_string(),
        to: r.to.to_string(),
        generated: ctx.local_time(&chrono::Utc::now()),
        sections,
        suppressed: r.suppressed,
        note: crate::export::suppressed_note(ctx.lang),
        ctx,
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------
// Drill-down

fn records_query(p: &Params) -> Result<RecordsQuery, WebError> {
    const RESERVED: [&str; 7] = ["key", "community", "from", "to", "after", "limit", "outside"];
    let dims: Dims = p
        .iter()
        .filter(|(k, v)| !RESERVED.contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_owned()))
        .collect();
    let after = match param(p, "after") {
        None => None,
        Some(a) => Some(a.parse::<i64>().map_err(|_| WebError::BadRequest { field: Some("after".into()) })?),
    };
    Ok(RecordsQuery {
        key: param(p, "key"),
        communities: community_list(param(p, "community").as_deref()),
        from: param(p, "from"),
        to: param(p, "to"),
        dims,
        after,
        limit: Some(reports::RECORDS_PAGE),
    })
}

pub struct RecordRow {
    pub label: String,
    pub link: String,
    pub on: String,
    pub community: String,
    /// (column name, value shown) per detail.
    pub details: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "reports/records.html")]
struct RecordsPage {
    ctx: Ctx,
    name: String,
    dims: String,
    scope: String,
    from: String,
    to: String,
    count_text: String,
    /// The list's other columns (`Record::details`), translated.
    columns: Vec<String>,
    rows: Vec<RecordRow>,
    show_community: bool,
    back: String,
    csv_href: String,
    first_href: Option<String>,
    next_href: Option<String>,
}

fn slug_of(r: &Records, id: i64) -> (String, String) {
    r.communities.iter().find(|c| c.id == id).map(|c| (c.slug.clone(), c.name.clone())).unwrap_or_default()
}

async fn records(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let q = records_query(&p)?;
    let r = reports::records(&state.store, actor, &q).await?;
    let community = param(&p, "community").unwrap_or_default();
    let (from, to) = (r.from.to_string(), r.to.to_string());
    let base = records_href(r.indicator.key, &community, &from, &to, &r.dims);
    let columns = r
        .page
        .items
        .first()
        .map(|i| i.details.iter().map(|(k, _)| export::column_name(ctx.lang, k)).collect())
        .unwrap_or_default();
    let rows = r
        .page
        .items
        .iter()
        .map(|i| RecordRow {
            label: i.label.clone(),
            link: crate::practice::link(i.record).unwrap_or_default(),
            on: i.on.map(|d| d.to_string()).unwrap_or_default(),
            community: slug_of(&r, i.community_id).1,
            details: i
                .details
                .iter()
                .map(|(k, v)| (export::column_name(ctx.lang, k), export::detail_value(ctx.lang, k, v.as_deref())))
                .collect(),
        })
        .collect();
    let page = RecordsPage {
        name: export::indicator_name(ctx.lang, r.indicator.key),
        dims: export::dims_text(&r.dims),
        scope: r.communities.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", "),
        count_text: ctx.t1("reports-records-count", "count", r.total),
        columns,
        rows,
        show_community: r.communities.len() > 1,
        back: format!("/reports?community={}&from={from}&to={to}", urlencode(&community)),
        csv_href: base.replacen("/reports/records?", "/reports/records.csv?", 1),
        first_href: q.after.map(|_| base.clone()),
        next_href: r.page.next_after.map(|a| format!("{base}&after={a}")),
        from,
        to,
        ctx,
    };
    render(&page)
}

/// Every record behind a figure as CSV (paged through in the database, 1,000 at a time).
async fn records_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let mut q = records_query(&p)?;
    q.limit = Some(1000);
    q.after = None;
    let mut items = Vec::new();
    let first = reports::records(&state.store, actor, &q).await?;
    let mut next = first.page.next_after;
    items.extend(first.page.items.iter().cloned());
    while let Some(a) = next {
        q.after = Some(a);
        let more = reports::records(&state.store, actor, &q).await?;
        items.extend(more.page.items);
        next = more.page.next_after;
    }
    let name = format!("hearth-records-{}-{}-{}.csv", first.indicator.key, first.from, first.to);
    let slugs: Vec<(i64, String)> = first.communities.iter().map(|c| (c.id, c.slug.clone())).collect();
    let (lang, base) = (ctx.lang, super::absolute(&ctx, &headers, ""));
    let bytes = tokio::task::spawn_blocking(move || {
        let slug_of =
            |id| slugs.iter().find(|(i, _)| *i == id).map(|(_, s): &(i64, String)| s.clone()).unwrap_or_default();
        export::records_csv(&items, slug_of, lang, &base)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(WebError::Internal)?;
    Ok(download(bytes, "text/csv; charset=utf-8", &name))
}
