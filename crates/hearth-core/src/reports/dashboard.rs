//! The dashboard: the practices' headline figures month by month — this month against the
//! last, a twelve-month trend — over one community or, rolled up, over several (the district
//! dashboard, with a table of communities × headline figures for the month).
//!
//! Every figure is computed by `reports::compute` (so the dashboard, the report page and the
//! exports agree), one month at a time with each headline indicator evaluated by one
//! `GROUP BY community` query whatever the number of communities; the district table is the
//! breakdown of the chosen month's report. Readers who must not see small counts, and
//! dashboards marked for sharing, get every month through `reports::share`.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::{Line, Report, Section, must_suppress, resolve_communities};
use crate::entity::community;
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::indicators::{self, Dims, Unit};
use crate::policy::{Actor, Permission};
use crate::store::Store;

/// How many months a trend shows, the chosen one last.
pub const TREND_MONTHS: u32 = 12;

/// What a dashboard covers, as submitted.
#[derive(Clone, Debug, Default)]
pub struct DashboardQuery {
    /// Community slugs; empty = all the actor's communities.
    pub communities: Vec<String>,
    /// `YYYY-MM`; blank = the month of `today`.
    pub month: Option<String>,
    /// Marked for sharing outside the team: suppressed whoever asks.
    pub outside: bool,
}

/// One month of one figure: `value` is `None` when suppressed or for a ratio of nothing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    /// The month's first day.
    pub month: NaiveDate,
    pub value: Option<f64>,
    pub suppressed: bool,
}

/// One headline figure (an indicator and its dimension values) over the trend's months.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trend {
    pub key: &'static str,
    pub practice: &'static str,
    pub dims: Dims,
    pub unit: Unit,
    /// Oldest first; the last is the chosen month.
    pub points: Vec<Point>,
}

impl Trend {
    pub fn this_month(&self) -> Option<&Point> {
        self.points.last()
    }

    pub fn last_month(&self) -> Option<&Point> {
        self.points.len().checked_sub(2).and_then(|i| self.points.get(i))
    }

    /// This month minus last month, when both are shown.
    pub fn change(&self) -> Option<f64> {
        let (a, b) = (self.this_month()?.value?, self.last_month()?.value?);
        Some(((a - b) * 10.0).round() / 10.0)
    }
}

#[derive(Clone, Debug)]
pub struct Dashboard {
    pub communities: Vec<community::Model>,
    /// The chosen month's first day.
    pub month: NaiveDate,
    pub suppressed: bool,
    pub trends: Vec<Trend>,
    /// The chosen month per community (several communities only), headline figures only.
    pub by_community: Vec<Section>,
}

/// The first day of the month a `YYYY-MM` names (or `today`'s month when blank); an error
/// on `month` otherwise.
pub fn parse_month(e: &mut FieldErrors, month: Option<&str>, today: NaiveDate) -> Option<NaiveDate> {
    let raw = month.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return today.with_day(1);
    }
    let parsed = raw
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(y, _)| (1900..=9999).contains(y))
        .and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1));
    if parsed.is_none() {
        e.add("month", "invalid_month");
    }
    parsed
}

fn month_end(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(first)
}

/// The headline indicators, in catalogue order.
pub fn headline_keys() -> Vec<&'static str> {
    indicators::catalogue().iter().filter(|i| i.headline).map(|i| i.key).collect()
}

/// The dashboard of the actor's communities (or those named) for a month. Aggregates only:
/// no record is listed, so nothing is audited.
#[tracing::instrument(skip_all)]
pub async fn build(store: &Store, actor: &Actor, q: &DashboardQuery, today: NaiveDate) -> CoreResult<Dashboard> {
    actor.require(Permission::ViewReports)?;
    let mut e = FieldErrors::new();
    let month = parse_month(&mut e, q.month.as_deref(), today);
    let comms = resolve_communities(store, actor, &mut e, &q.communities).await?;
    e.into_result()?;
    let month = month.ok_or_else(|| CoreError::invalid("month", "invalid_month"))?;
    let suppressed = must_suppress(actor, q.outside);
    let keys = headline_keys();
    let mut reports: Vec<(NaiveDate, Report)> = Vec::with_capacity(TREND_MONTHS as usize);
    for back in (0..TREND_MONTHS).rev() {
        let Some(first) = month.checked_sub_months(Months::new(back)) else { continue };
        // The breakdown by community is the chosen month's only.
        let breakdown = back == 0;
        let report =
            super::compute(store, comms.clone(), first, month_end(first), Some(&keys), breakdown, suppressed).await?;
        reports.push((first, report));
    }
    let trends = trends(&reports);
    let by_community = reports.pop().map(|(_, r)| r.by_community).unwrap_or_default();
    Ok(Dashboard { communities: comms, month, suppressed, trends, by_community })
}

/// One trend per headline figure that any month has, each with a point for every month (a
/// figure absent in a month — a dimension value with no rows — is 0 for a count, nothing for
/// a ratio).
fn trends(reports: &[(NaiveDate, Report)]) -> Vec<Trend> {
    let mut out: Vec<Trend> = Vec::new();
    for (_, r) in reports {
        for l in &r.total.lines {
            if !out.iter().any(|t| t.key == l.key && t.dims == l.dims) {
                out.push(Trend {
                    key: l.key,
                    practice: l.practice,
                    dims: l.dims.clone(),
                    unit: l.unit,
                    points: vec![],
                });
            }
        }
    }
    // Catalogue order, then dimension values, so a figure keeps its place month to month.
    let order = |k: &str| indicators::catalogue().iter().position(|i| i.key == k).unwrap_or(usize::MAX);
    out.sort_by(|a, b| order(a.key).cmp(&order(b.key)).then_with(|| a.dims.cmp(&b.dims)));
    for t in &mut out {
        t.points = reports
            .iter()
            .map(|(month, r)| {
                let line: Option<&Line> = r.total.lines.iter().find(|l| l.key == t.key && l.dims == t.dims);
                match line {
                    Some(l) => Point { month: *month, value: l.value, suppressed: l.suppressed },
                    None => Point {
                        month: *month,
                        value: (!matches!(t.unit, Unit::Percent | Unit::Average)).then_some(0.0),
                        suppressed: false,
                    },
                }
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn months_parse_and_errors_name_the_field() {
        let mut e = FieldErrors::new();
        assert_eq!(parse_month(&mut e, Some("2016-04"), d(2026, 12, 3)), Some(d(2016, 4, 1)));
        assert_eq!(parse_month(&mut e, Some(" "), d(2016, 2, 29)), Some(d(2016, 2, 1)));
        assert_eq!(parse_month(&mut e, None, d(2016, 12, 31)), Some(d(2016, 12, 1)));
        assert!(e.is_empty());
        for bad in ["2016-13", "April", "2016", "16-04-01"] {
            let mut e = FieldErrors::new();
            assert_eq!(parse_month(&mut e, Some(bad), d(2016, 1, 1)), None, "{bad}");
            assert_eq!(e.get("month").map(|x| x.code), Some("invalid_month"), "{bad}");
        }
        assert_eq!(month_end(d(2016, 2, 1)), d(2016, 2, 29));
    }

    #[test]
    fn change_is_this_month_minus_last() {
        let p = |m: u32, v: Option<f64>| Point { month: d(2016, m, 1), value: v, suppressed: v.is_none() };
        let t = Trend {
            key: "households",
            practice: "registry",
            dims: Dims::new(),
            unit: Unit::Count,
            points: vec![p(3, Some(1700.0)), p(4, Some(1710.0))],
        };
        assert_eq!(t.change(), Some(10.0));
        let hidden = Trend { points: vec![p(3, None), p(4, Some(5.0))], ..t };
        assert_eq!(hidden.change(), None);
    }
}
