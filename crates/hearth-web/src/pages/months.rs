//! Frozen monthly reports on the web: the closed months of a community with their state
//! (`/reports/months`), closing a month (`POST /reports/months/close`, asked once more),
//! a month's frozen figures beside the live ones with every difference
//! (`/reports/months/{community}/{month}`), and its exports (CSV, XLSX, print), whose first
//! lines say which version they are. Every figure comes from `hearth_core::reports::months`.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::entity::{closed_month, community};
use hearth_core::indicators::Unit;
use hearth_core::reports::months::{self, MonthView};
use hearth_core::reports::{Line, Report};
use hearth_core::{CoreError, Permission};

use super::form::{ConfirmStep, FormState, confirm_page, confirmed, form_errors, resend};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::export;
use crate::i18n::{FluentArg, Lang};
use crate::practice::{Pages, WebPractice};

/// Frozen months as an area of the web (its navigation is the reports page's link).
pub const PRACTICE: WebPractice = WebPractice {
    key: "months",
    pages,
    api: Some(crate::api::months::routes),
    api_tags: &[],
    nav: &[],
    badges: None,
    links: &[],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/reports/months", list)
        .post("/reports/months/close", close)
        .get("/reports/months/{community}/{month}", month_page)
        .get("/reports/months/{community}/{month}/frozen.csv", frozen_csv)
        .get("/reports/months/{community}/{month}/frozen.xlsx", frozen_xlsx)
        .get("/reports/months/{community}/{month}/print", frozen_print)
}

use super::reports::{Params, param};

/// `?version=N`: anything but a positive number names no version (404).
fn version_param(p: &Params) -> Result<Option<i32>, WebError> {
    match param(p, "version") {
        None => Ok(None),
        Some(v) => v.parse::<i32>().map(Some).map_err(|_| WebError::NotFound),
    }
}

fn month_href(slug: &str, month: &str) -> String {
    format!("/reports/months/{}/{}", urlencode(slug), urlencode(month))
}

pub struct MonthRow {
    pub month: String,
    pub href: String,
    pub state: String,
    pub revised: bool,
    pub closed: String,
}

#[derive(Template)]
#[template(path = "months/list.html")]
struct ListPage {
    ctx: Ctx,
    form: FormState,
    communities: Vec<(String, String)>,
    community: String,
    rows: Vec<MonthRow>,
    may_close: bool,
}

fn state_text(ctx: &Ctx, version: i32, revised: bool) -> String {
    let closed = ctx.t1("months-state-closed", "version", version as i64);
    if revised { format!("{closed} · {}", ctx.t("months-state-revised")) } else { closed }
}

async fn list_page(state: &AppState, ctx: Ctx, p: &Params, form: FormState) -> Result<ListPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewReports)?;
    let visible: Vec<community::Model> = hearth_core::registry::communities::list(&state.store, actor).await?;
    let slug = param(p, "community").or_else(|| form.get("community").filter(|s| !s.trim().is_empty()));
    let chosen = match slug {
        Some(s) => Some(s),
        None => visible.first().map(|c| c.slug.clone()),
    };
    let mut rows = Vec::new();
    if let Some(s) = &chosen {
        let (c, list) = months::list(&state.store, actor, s).await?;
        for m in list {
            let label = months::month_label(m.month);
            rows.push(MonthRow {
                href: month_href(&c.slug, &label),
                state: state_text(&ctx, m.versions, m.revised),
                revised: m.revised,
                closed: format!("{} · {}", ctx.local_time(&m.latest.closed_at), m.latest.closed_by_name),
                month: label,
            });
        }
    }
    let mut form = form;
    if form.get("community").is_none() {
        form.set_opt("community", chosen.clone());
    }
    Ok(ListPage {
        may_close: ctx.can(Permission::CloseMonths),
        communities: visible.into_iter().map(|c| (c.slug, c.name)).collect(),
        community: chosen.unwrap_or_default(),
        rows,
        form,
        ctx,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &p);
    render(&list_page(&state, ctx, &p, form).await?)
}

/// Closing freezes a version for good, so the first POST asks once more; the confirming
/// one closes and shows the month.
async fn close(State(state): State<AppState>, ctx: Ctx, Form(pairs): Form<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::CloseMonths)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let slug = form.value("community").trim().to_owned();
    let month = form.value("month").trim().to_owned();
    if !confirmed(&pairs) {
        let step = ConfirmStep {
            title: ctx.lang.t_args(
                "months-close-confirm-title",
                &[("month", FluentArg::Str(month.clone())), ("community", FluentArg::Str(slug.clone()))],
            ),
            what_happens: vec![ctx.t("months-close-confirm-effect"), ctx.t("months-close-confirm-again")],
            action: "/reports/months/close".into(),
            pairs: resend(&pairs),
            confirm_label: ctx.t("months-close"),
            cancel_href: format!("/reports/months?community={}", urlencode(&slug)),
        };
        return confirm_page(ctx, step);
    }
    match months::close(&state.store, actor, &slug, &month).await {
        Ok(row) => {
            let to = format!("{}?version={}&saved=1", month_href(&slug, &months::month_label(row.month)), row.version);
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let mut f = form;
            f.errors = form_errors(e)?;
            let q = vec![("community".to_owned(), slug)];
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&state, ctx, &q, f).await?)
        }
    }
}

pub struct DiffRow {
    pub key: String,
    pub name: String,
    pub dims: String,
    pub frozen: String,
    pub live: String,
    pub difference: String,
    /// The live figure's records (for readers who may open them).
    pub href: Option<String>,
}

pub struct ChangeRow {
    pub kind: String,
    pub id: i64,
    pub link: Option<String>,
    pub action: String,
    pub at: String,
    pub actor: String,
}

pub struct FigureRow {
    pub key: String,
    pub name: String,
    pub dims: String,
    pub frozen: String,
    pub live: String,
    pub changed: bool,
}

pub struct PracticeRows {
    pub name: String,
    pub rows: Vec<FigureRow>,
}

#[derive(Template)]
#[template(path = "months/month.html")]
struct MonthPage {
    ctx: Ctx,
    community: String,
    community_name: String,
    month: String,
    /// (version, label, selected)
    versions: Vec<(i32, String, bool)>,
    version: Option<i32>,
    header: String,
    hash: String,
    state: String,
    revised: bool,
    suppressed: bool,
    may_close: bool,
    differences: Vec<DiffRow>,
    changes: Vec<ChangeRow>,
    practices: Vec<PracticeRows>,
    qs: String,
    list_href: String,
}

fn value_text(unit: Unit, v: Option<f64>, suppressed: bool) -> String {
    let l = Line {
        key: "",
        practice: "",
        dims: Default::default(),
        unit,
        value: v,
        suppressed,
        numerator: None,
        denominator: None,
    };
    export::display_value(&l)
}

fn signed(unit: Unit, d: Option<f64>) -> String {
    match d {
        None => "—".into(),
        Some(x) => {
            let text = value_text(unit, Some(x.abs()), false);
            if x > 0.0 {
                format!("+{text}")
            } else if x < 0.0 {
                format!("−{text}")
            } else {
                text
            }
        }
    }
}

/// "frozen report, version N of M, closed at …, by …, hash …" in `lang`.
fn version_header(lang: Lang, row: &closed_month::Model, of: i32, at: &str) -> String {
    lang.t_args(
        "months-export-header",
        &[
            ("version", FluentArg::Num(row.version as i64)),
            ("of", FluentArg::Num(of as i64)),
            ("at", FluentArg::Str(at.to_owned())),
            ("by", FluentArg::Str(row.closed_by_name.clone())),
            ("hash", FluentArg::Str(row.hash.clone())),
        ],
    )
}

fn figure_rows(lang: Lang, v: &MonthView) -> Vec<PracticeRows> {
    let frozen: Vec<&Line> = v.frozen_report.as_ref().map(|r| r.total.lines.iter().collect()).unwrap_or_default();
    let mut out: Vec<PracticeRows> = Vec::new();
    let mut current = "";
    for l in &v.live.total.lines {
        if l.practice != current || out.is_empty() {
            current = l.practice;
            out.push(PracticeRows { name: export::practice_name(lang, l.practice), rows: Vec::new() });
        }
        let f = frozen.iter().find(|f| f.key == l.key && f.dims == l.dims);
        let changed = v.differences.iter().any(|d| d.key == l.key && d.dims == l.dims);
        if let Some(p) = out.last_mut() {
            p.rows.push(FigureRow {
                key: l.key.to_owned(),
                name: export::indicator_name(lang, l.key),
                dims: export::dims_text(&l.dims),
                frozen: f.map(|f| export::display_value(f)).unwrap_or_else(|| "—".into()),
                live: export::display_value(l),
                changed,
            });
        }
    }
    out
}

async fn month_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, month)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let version = version_param(&p)?;
    let v = months::view(&state.store, actor, &slug, &month, version).await?;
    let label = months::month_label(v.month);
    let (from, to) = (v.live.from.to_string(), v.live.to.to_string());
    let drill = v.live.drill_down;
    let differences = v
        .differences
        .iter()
        .map(|d| {
            let listable = drill
                && hearth_core::indicators::find(&d.key)
                    .is_some_and(|i| hearth_core::policy::allows(actor.role, i.drill_down));
            let href = listable.then(|| {
                let mut h = format!(
                    "/reports/records?key={}&community={}&from={from}&to={to}",
                    urlencode(&d.key),
                    urlencode(&v.community.slug)
                );
                for (k, val) in &d.dims {
                    h.push_str(&format!("&{}={}", urlencode(k), urlencode(val)));
                }
                h
            });
            DiffRow {
                key: d.key.clone(),
                name: export::indicator_name(ctx.lang, &d.key),
                dims: export::dims_text(&d.dims),
                frozen: value_text(d.unit, d.frozen, false),
                live: value_text(d.unit, d.live, false),
                difference: signed(d.unit, d.difference),
                href,
            }
        })
        .collect();
    let changes = v
        .changes
        .iter()
        .map(|c| ChangeRow {
            kind: ctx.t(&c.record.kind.fluent_key()),
            id: c.record.id,
            link: crate::practice::link(c.record),
            action: ctx.t(&format!("audit-action-{}", c.action.replace('_', "-"))),
            at: ctx.local_time(&c.at),
            actor: c.actor.clone(),
        })
        .collect();
    let of = v.versions.last().map(|r| r.version).unwrap_or(0);
    let (header, hash, state_label) = match &v.frozen {
        Some(f) => (
            version_header(ctx.lang, &f.row, of, &ctx.local_time(&f.row.closed_at)),
            f.row.hash.clone(),
            state_text(&ctx, f.row.version, v.revised()),
        ),
        None => (String::new(), String::new(), ctx.t("months-state-open")),
    };
    let chosen = v.frozen.as_ref().map(|f| f.row.version);
    let versions = v
        .versions
        .iter()
        .map(|r| (r.version, format!("v{} · {}", r.version, ctx.local_time(&r.closed_at)), Some(r.version) == chosen))
        .collect();
    let page = MonthPage {
        community: v.community.slug.clone(),
        community_name: v.community.name.clone(),
        month: label,
        versions,
        version: chosen,
        header,
        hash,
        state: state_label,
        revised: v.revised(),
        suppressed: v.live.suppressed,
        may_close: v.may_close,
        differences,
        changes,
        practices: figure_rows(ctx.lang, &v),
        qs: chosen.map(|n| format!("?version={n}")).unwrap_or_default(),
        list_href: format!("/reports/months?community={}", urlencode(&v.community.slug)),
        ctx,
    };
    render(&page)
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

async fn frozen_of(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    month: &str,
    p: &Params,
) -> Result<(months::Frozen, Report, i32), WebError> {
    let actor = ctx.actor()?;
    let version = version_param(p)?;
    let (f, r, of) = months::frozen(&state.store, actor, slug, month, version).await.map_err(|e| match e {
        CoreError::Invalid(_) => WebError::NotFound,
        e => e.into(),
    })?;
    Ok((f, r, of))
}

fn file_name(f: &months::Frozen, ext: &str) -> String {
    format!("hearth-frozen-{}-{}-v{}.{ext}", f.community.slug, months::month_label(f.row.month), f.row.version)
}

/// The report's CSV with one line in front saying which frozen version it is.
async fn frozen_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, month)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let (f, r, of) = frozen_of(&state, &ctx, &slug, &month, &p).await?;
    let header = version_header(ctx.lang, &f.row, of, &f.row.closed_at.to_rfc3339());
    let lang = ctx.lang;
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let body = export::csv(&r, lang)?;
        let bom = "\u{FEFF}".as_bytes();
        let rest = body.strip_prefix(bom).unwrap_or(body.as_slice());
        let mut w = csv::Writer::from_writer(bom.to_vec());
        w.write_record([export::cell(&header)]).map_err(|e| e.to_string())?;
        let mut out = w.into_inner().map_err(|e| e.to_string())?;
        out.extend_from_slice(rest);
        Ok(out)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(WebError::Internal)?;
    Ok(download(bytes, "text/csv; charset=utf-8", &file_name(&f, "csv")))
}

async fn frozen_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, month)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let (f, r, of) = frozen_of(&state, &ctx, &slug, &month, &p).await?;
    // Both languages, as the workbook's headers are.
    let at = f.row.closed_at.to_rfc3339();
    let note =
        format!("{} / {}", version_header(Lang::En, &f.row, of, &at), version_header(Lang::ZhCn, &f.row, of, &at));
    let bytes = tokio::task::spawn_blocking(move || export::xlsx_noted(&r, Some(note.as_str())))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(WebError::Internal)?;
    Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &file_name(&f, "xlsx")))
}

#[derive(Template)]
#[template(path = "months/print.html")]
struct PrintPage {
    ctx: Ctx,
    title_en: String,
    title_zh: String,
    scope: String,
    month: String,
    header_en: String,
    header_zh: String,
    sections: Vec<PracticeRows>,
    suppressed: bool,
}

async fn frozen_print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, month)): Path<(String, String)>,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let (f, r, of) = frozen_of(&state, &ctx, &slug, &month, &p).await?;
    let at = ctx.local_time(&f.row.closed_at);
    let mut sections: Vec<PracticeRows> = Vec::new();
    let mut current = "";
    for l in &r.total.lines {
        if l.practice != current || sections.is_empty() {
            current = l.practice;
            sections.push(PracticeRows { name: export::practice_name(ctx.lang, l.practice), rows: Vec::new() });
        }
        if let Some(s) = sections.last_mut() {
            s.rows.push(FigureRow {
                key: l.key.to_owned(),
                name: export::indicator_name(ctx.lang, l.key),
                dims: export::dims_text(&l.dims),
                frozen: export::display_value(l),
                live: String::new(),
                changed: false,
            });
        }
    }
    let page = PrintPage {
        title_en: Lang::En.t("months-print-title"),
        title_zh: Lang::ZhCn.t("months-print-title"),
        scope: f.community.name.clone(),
        month: months::month_label(f.row.month),
        header_en: version_header(Lang::En, &f.row, of, &at),
        header_zh: version_header(Lang::ZhCn, &f.row, of, &at),
        sections,
        suppressed: r.suppressed,
        ctx,
    };
    render(&page)
}
