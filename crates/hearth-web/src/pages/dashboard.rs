//! The dashboard (`/dashboard`, and the top of the Today page): the team's queues counted,
//! the practices' headline figures this month against the last, twelve-month trend charts,
//! and — over several communities, the district dashboard — a sortable table of communities ×
//! headline figures for the month. It is a table of services delivered, never of residents.
//!
//! Charts are SVG drawn here, on the server: no script, readable at 360 px, each with its
//! numbers as a table beside it (for screen readers, and to copy into a spreadsheet).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use hearth_core::reports::dashboard::{self, Dashboard, DashboardQuery, Point, Trend};

use hearth_core::Permission;
use hearth_core::reports::{Line, Section};

use super::form::FormState;
use super::{render, render_status};
use crate::AppState;
use crate::api::reports::community_list;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::export;
use crate::i18n::Lang;
use crate::practice::Pages;

pub fn pages() -> Pages {
    Pages::new().get("/dashboard", page)
}

/// One queue's count, linking to the queue.
pub struct TileView {
    pub key: &'static str,
    pub label: String,
    pub count: u64,
    pub href: &'static str,
    pub alert: bool,
}

/// One bar of a chart, in the chart's coordinates (viewBox 0 0 240 100).
pub struct BarView {
    pub x: String,
    pub y: String,
    pub h: String,
    pub label_x: String,
    pub month: String,
    pub value: String,
    pub suppressed: bool,
    pub last: bool,
}

pub struct ChartView {
    pub id: String,
    pub key: &'static str,
    pub name: String,
    pub dims: String,
    pub this_month: String,
    pub last_month: String,
    pub change: String,
    /// `up`, `down` or empty (no change, or not comparable).
    pub direction: &'static str,
    pub bars: Vec<BarView>,
    pub max: String,
    /// The chart's numbers: (month, value).
    pub rows: Vec<(String, String)>,
}

pub struct HeaderView {
    pub name: String,
    pub href: String,
    /// `ascending`/`descending` on the sorted column (aria-sort), empty elsewhere.
    pub sorted: &'static str,
}

pub struct RowView {
    pub name: String,
    pub slug: String,
    pub values: Vec<String>,
}

pub struct TableView {
    pub name_header: HeaderView,
    pub headers: Vec<HeaderView>,
    pub rows: Vec<RowView>,
}

pub struct DashboardView {
    /// `YYYY-MM`.
    pub month: String,
    pub month_label: String,
    pub previous_label: String,
    pub scope: String,
    pub suppressed: bool,
    pub tiles: Vec<TileView>,
    pub charts: Vec<ChartView>,
    pub table: Option<TableView>,
    /// The year's goals with their progress up to the month's end (one community).
    pub goals: Vec<super::goals::ProgressView>,
}

fn month_label(lang: Lang, m: NaiveDate) -> String {
    match lang {
        Lang::ZhCn => format!("{}年{}月", m.year(), m.month()),
        Lang::En => m.format("%b %Y").to_string(),
    }
}

fn short_month(lang: Lang, m: NaiveDate) -> String {
    match lang {
        Lang::ZhCn => format!("{}月", m.month()),
        Lang::En => m.format("%b").to_string(),
    }
}

fn line_of(t: &Trend, p: &Point) -> Line {
    Line {
        key: t.key,
        practice: t.practice,
        dims: t.dims.clone(),
        unit: t.unit,
        value: p.value,
        suppressed: p.suppressed,
        numerator: None,
        denominator: None,
    }
}

fn point_text(t: &Trend, p: Option<&Point>) -> String {
    p.map(|p| export::display_value(&line_of(t, p))).unwrap_or_else(|| "—".into())
}

fn fmt_num(v: f64) -> String {
    format!("{v:.1}").trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A trend as a bar chart: twelve bars scaled to the largest shown value; a hidden month is
/// an outlined stub marked "<5", a month with no value none.
fn chart(lang: Lang, t: &Trend, i: usize) -> ChartView {
    const TOP: f64 = 14.0;
    const BASE: f64 = 82.0;
    let n = t.points.len().max(1) as f64;
    let slot = 240.0 / n;
    let max = t.points.iter().filter_map(|p| p.value).fold(0.0_f64, f64::max);
    let bars = t
        .points
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let v = p.value.unwrap_or(0.0);
            let h = if p.suppressed {
                4.0
            } else if max > 0.0 {
                ((BASE - TOP) * v / max).max(if v > 0.0 { 1.0 } else { 0.0 })
            } else {
                0.0
            };
            BarView {
                x: fmt_num(j as f64 * slot + slot * 0.15),
                y: fmt_num(BASE - h),
                h: fmt_num(h),
                label_x: fmt_num(j as f64 * slot + slot / 2.0),
                month: short_month(lang, p.month),
                value: export::display_value(&line_of(t, p)),
                suppressed: p.suppressed,
                last: j + 1 == t.points.len(),
            }
        })
        .collect();
    let change = t.change();
    let (change_text, direction) = match change {
        Some(c) if c > 0.0 => (format!("+{}", fmt_num(c)), "up"),
        Some(c) if c < 0.0 => (fmt_num(c), "down"),
        Some(_) => ("±0".into(), ""),
        None => ("—".into(), ""),
    };
    let max_line = Line {
        value: Some(max),
        suppressed: false,
        ..line_of(t, &Point { month: NaiveDate::MIN, value: None, suppressed: false })
    };
    ChartView {
        id: format!("chart-{i}"),
        key: t.key,
        name: export::indicator_name(lang, t.key),
        dims: export::dims_text(&t.dims),
        this_month: point_text(t, t.this_month()),
        last_month: point_text(t, t.last_month()),
        change: change_text,
        direction,
        bars,
        max: export::display_value(&max_line),
        rows: t.points.iter().map(|p| (month_label(lang, p.month), export::display_value(&line_of(t, p)))).collect(),
    }
}

/// Sort key of a cell: shown values by value; hidden and empty ones after them, whichever
/// way the column is sorted.
fn cell_value(l: Option<&Line>) -> Option<f64> {
    l.and_then(|l| l.value)
}

fn table(lang: Lang, d: &Dashboard, charts: &[ChartView], base_qs: &str, sort: &str, desc: bool) -> TableView {
    let columns: Vec<(&'static str, hearth_core::indicators::Dims)> =
        d.trends.iter().map(|t| (t.key, t.dims.clone())).collect();
    let cell = |s: &Section, c: usize| -> Option<Line> {
        let (k, dims) = columns.get(c)?;
        s.lines.iter().find(|l| l.key == *k && &l.dims == dims).cloned()
    };
    let mut sections: Vec<&Section> = d.by_community.iter().collect();
    let sorted_col = sort.strip_prefix('c').and_then(|c| c.parse::<usize>().ok()).filter(|c| *c < columns.len());
    match sorted_col {
        Some(c) => sections.sort_by(|a, b| {
            let (va, vb) = (cell_value(cell(a, c).as_ref()), cell_value(cell(b, c).as_ref()));
            match (va, vb) {
                (Some(x), Some(y)) => {
                    if desc {
                        y.total_cmp(&x)
                    } else {
                        x.total_cmp(&y)
                    }
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        }),
        None => {
            sections.sort_by_key(|s| s.community.as_ref().map(|c| c.name.clone()).unwrap_or_default());
            if desc {
                sections.reverse();
            }
        }
    }
    let header = |id: String, name: String| {
        let this = (sorted_col.is_some() && sort == id) || (sorted_col.is_none() && id == "name");
        // A click on the sorted column turns it round; a new column starts from the largest.
        let next_desc = if this { !desc } else { id != "name" };
        HeaderView {
            name,
            href: format!("/dashboard?{base_qs}&sort={id}&dir={}#district", if next_desc { "desc" } else { "asc" }),
            sorted: if !this {
                ""
            } else if desc {
                "descending"
            } else {
                "ascending"
            },
        }
    };
    let headers = charts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            header(format!("c{i}"), if c.dims.is_empty() { c.name.clone() } else { format!("{} ({})", c.name, c.dims) })
        })
        .collect();
    TableView {
        name_header: header("name".into(), lang.t("dashboard-community")),
        headers,
        rows: sections
            .into_iter()
            .map(|s| RowView {
                name: s.community.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
                slug: s.community.as_ref().map(|c| c.slug.clone()).unwrap_or_default(),
                values: (0..columns.len())
                    .map(|c| cell(s, c).map(|l| export::display_value(&l)).unwrap_or_else(|| "0".into()))
                    .collect(),
            })
            .collect(),
    }
}

/// What the dashboard shows for a query: the actor's queues, the figures, the district table.
pub async fn view(
    state: &AppState,
    ctx: &Ctx,
    d: Dashboard,
    outside: bool,
    sort: &str,
    desc: bool,
) -> Result<DashboardView, WebError> {
    let actor = ctx.actor()?;
    let queues = crate::practice::queues(&state.store, actor).await?;
    let tiles = queues
        .into_iter()
        .map(|qc| TileView {
            key: qc.key,
            label: ctx.t1(qc.label, "count", qc.count as i64),
            count: qc.count,
            href: qc.href,
            alert: qc.alert && qc.count > 0,
        })
        .collect();
    let charts: Vec<ChartView> = d.trends.iter().enumerate().map(|(i, t)| chart(ctx.lang, t, i)).collect();
    let month = format!("{:04}-{:02}", d.month.year(), d.month.month());
    let slugs: Vec<String> = d.communities.iter().map(|c| c.slug.clone()).collect();
    let mut base_qs = format!("community={}&month={month}", urlencode(&slugs.join(",")));
    if outside {
        base_qs.push_str("&outside=1");
    }
    let table = (d.communities.len() > 1).then(|| table(ctx.lang, &d, &charts, &base_qs, sort, desc));
    let previous = d.month.checked_sub_months(chrono::Months::new(1)).unwrap_or(d.month);
    let goals = match d.communities.as_slice() {
        [one] => {
            let end = d.month.checked_add_months(chrono::Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(d.month);
            let as_of = end.min(chrono::Local::now().date_naive().max(d.month));
            let progress = hearth_core::goals::progress(&state.store, actor, one.id, d.month.year(), as_of).await?;
            progress.iter().map(|p| super::goals::progress_view(ctx, p)).collect()
        }
        _ => Vec::new(),
    };
    Ok(DashboardView {
        month,
        month_label: month_label(ctx.lang, d.month),
        previous_label: month_label(ctx.lang, previous),
        scope: match d.communities.as_slice() {
            [one] => one.name.clone(),
            all => ctx.t1("dashboard-communities", "count", all.len() as i64),
        },
        suppressed: d.suppressed,
        tiles,
        charts,
        table,
        goals,
    })
}

use super::reports::{Params, param};

#[derive(Template)]
#[template(path = "dashboard/page.html")]
struct DashboardPage {
    ctx: Ctx,
    form: FormState,
    communities: Vec<(String, String)>,
    d: Option<DashboardView>,
}

async fn page(State(state): State<AppState>, ctx: Ctx, Query(p): Query<Params>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewReports)?;
    let visible = hearth_core::registry::communities::list(&state.store, actor).await?;
    let mut communities = Vec::new();
    if visible.len() != 1 {
        communities.push((String::new(), ctx.t("dashboard-all-communities")));
    }
    communities.extend(visible.into_iter().map(|c| (c.slug, c.name)));
    let q = DashboardQuery {
        communities: community_list(param(&p, "community").as_deref()),
        month: param(&p, "month"),
        outside: matches!(param(&p, "outside").as_deref(), Some("1" | "true" | "on")),
    };
    let sort = param(&p, "sort").unwrap_or_default();
    let desc = param(&p, "dir").as_deref() == Some("desc");
    let mut form = FormState::from_pairs(ctx.lang, &p);
    let today = chrono::Local::now().date_naive();
    match dashboard::build(&state.store, actor, &q, today).await {
        Ok(d) => {
            let d = view(&state, &ctx, d, q.outside, &sort, desc).await?;
            form.set("month", &d.month);
            render(&DashboardPage { ctx, form, communities, d: Some(d) })
        }
        Err(e) => {
            form.errors = super::form::form_errors(e)?;
            let page = DashboardPage { ctx, form, communities, d: None };
            render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
