//! Reports: the indicator catalogue evaluated for a period × a set of communities, with a
//! per-community breakdown, the suppression policy, and the drill-down behind each figure.
//!
//! Every number comes from `indicators::evaluate`, so the page, the API, the CLI and every
//! export show the same figures. The total over several communities is evaluated over the
//! whole scope (a ratio from the summed parts, a distinct count over the whole scope), never
//! by adding the breakdown's rows.

pub mod months;

use crate::audit::Action;
use crate::record::EntityKind;
use chrono::{Datelike, Months, NaiveDate, Utc};
use serde::Serialize;

use crate::audit::{self, Entry};
use crate::entity::community;
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::indicators::{self, Dims, Figure, Indicator, RecordPage, Unit};
use crate::policy::{Actor, Permission, allows};
use crate::registry::communities;
use crate::store::Store;
use crate::validate;

pub mod dashboard;
pub mod sharing;

pub use sharing::{set_suppress_below, suppress_below};

/// The default threshold: counts from 1 to 4 hidden. A deployment may set another
/// (`set_suppress_below`); read the one in force with `suppress_below()`.
pub const SUPPRESS_BELOW: i64 = sharing::DEFAULT_SUPPRESS_BELOW;

/// Drill-down page size on the page and the API's default.
pub const RECORDS_PAGE: u64 = 100;

/// What a report covers, as submitted (text, so a form or a query string can be checked
/// field by field).
#[derive(Clone, Debug, Default)]
pub struct ReportQuery {
    /// Community slugs; empty = all the actor's communities.
    pub communities: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The report will leave the team (e.g. an export for a funder): suppress small counts
    /// whoever asks.
    pub outside: bool,
}

/// One figure as reported: `value` is `None` when suppressed, or for a ratio of nothing
/// (denominator 0; shown as "—").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Line {
    pub key: &'static str,
    pub practice: &'static str,
    pub dims: Dims,
    pub unit: Unit,
    pub value: Option<f64>,
    pub suppressed: bool,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
}

impl Line {
    /// The value as an integer for integral units (counts, minutes, money).
    pub fn int(&self) -> Option<i64> {
        match (self.unit, self.value) {
            (Unit::Percent | Unit::Average, _) | (_, None) => None,
            (_, Some(v)) => Some(v as i64),
        }
    }
}

/// The figures for one community, or for the whole scope (`community: None`).
#[derive(Clone, Debug)]
pub struct Section {
    pub community: Option<community::Model>,
    pub lines: Vec<Line>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub communities: Vec<community::Model>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Small counts are hidden (viewer, volunteer, or an export for outside the team).
    pub suppressed: bool,
    /// May the reader open the records behind a figure?
    pub drill_down: bool,
    /// Over the whole scope.
    pub total: Section,
    /// One section per community when there are several (empty otherwise).
    pub by_community: Vec<Section>,
}

/// Only people who may open every household of their communities may list the records behind
/// a figure: not viewers (aggregates only), not volunteers (paired households only).
pub fn may_drill_down(actor: &Actor) -> bool {
    allows(actor.role, Permission::ViewPeople) && !actor.is_volunteer()
}

/// Reports for readers who cannot see the records hide small counts.
pub fn must_suppress(actor: &Actor, outside: bool) -> bool {
    outside || !may_drill_down(actor)
}

/// The last day of `d`'s month.
fn month_end(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(d)
}

/// Parses the period; missing dates default to the current month (or `from`'s month).
pub fn period(e: &mut FieldErrors, from: Option<&str>, to: Option<&str>) -> Option<(NaiveDate, NaiveDate)> {
    let blank = |v: Option<&str>| v.is_none_or(|s| s.trim().is_empty());
    let today = Utc::now().date_naive();
    let f = if blank(from) { Some(today.with_day(1).unwrap_or(today)) } else { validate::date(e, "from", from) };
    let t = if blank(to) { f.map(month_end) } else { validate::date(e, "to", to) };
    let (f, t) = (f?, t?);
    if t < f {
        e.add("to", "date_before_from");
        return None;
    }
    Some((f, t))
}

/// The communities named (all the actor's when none), each visible to the actor.
#[tracing::instrument(skip_all)]
pub async fn resolve_communities(
    store: &Store,
    actor: &Actor,
    e: &mut FieldErrors,
    slugs: &[String],
) -> CoreResult<Vec<community::Model>> {
    let slugs: Vec<&str> = slugs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    if slugs.is_empty() {
        let all = communities::list(store, actor).await?;
        if all.is_empty() {
            e.add("community", "required");
        }
        return Ok(all);
    }
    let mut out: Vec<community::Model> = Vec::new();
    for slug in slugs {
        match communities::by_slug(store, actor, slug).await {
            Ok(c) => {
                if !out.iter().any(|o| o.id == c.id) {
                    out.push(c);
                }
            }
            Err(CoreError::NotFound) => {
                if e.get("community").is_none() {
                    e.add("community", "unknown_community");
                }
            }
            Err(other) => return Err(other),
        }
    }
    Ok(out)
}

fn lines(figures: Vec<Figure>, suppress: bool) -> Vec<Line> {
    let threshold = if suppress { suppress_below() } else { 0 };
    let practice = |key: &str| indicators::find(key).map(|i| i.practice).unwrap_or("other");
    indicators::suppress(figures, threshold)
        .into_iter()
        .map(|(f, hidden)| Line {
            key: f.key,
            practice: practice(f.key),
            dims: f.dims,
            unit: f.unit,
            value: if hidden { None } else { f.value },
            suppressed: hidden,
            numerator: if hidden { None } else { f.numerator },
            denominator: if hidden { None } else { f.denominator },
        })
        .collect()
}

/// The report for a period × communities, every indicator in the catalogue.
#[tracing::instrument(skip_all)]
pub async fn build(store: &Store, actor: &Actor, q: &ReportQuery) -> CoreResult<Report> {
    actor.require(Permission::ViewReports)?;
    let mut e = FieldErrors::new();
    let dates = period(&mut e, q.from.as_deref(), q.to.as_deref());
    let comms = resolve_communities(store, actor, &mut e, &q.communities).await?;
    e.into_result()?;
    let Some((from, to)) = dates else {
        return Err(CoreError::invalid("from", "invalid_date"));
    };
    let suppressed = must_suppress(actor, q.outside);
    let breakdown = comms.len() > 1;
    compute(store, comms, from, to, None, breakdown, suppressed).await
}

/// The report over communities the caller has resolved for the actor (and checked
/// `ViewReports` for): `keys` of the catalogue (all when `None`), with a per-community
/// breakdown when asked and there are several communities, passed through `share` when
/// `suppressed`.
/// The report page, the dashboard and frozen months all compute through here.
pub async fn compute(
    store: &Store,
    comms: Vec<community::Model>,
    from: NaiveDate,
    to: NaiveDate,
    keys: Option<&[&str]>,
    breakdown: bool,
    suppressed: bool,
) -> CoreResult<Report> {
    let ids: Vec<i64> = comms.iter().map(|c| c.id).collect();
    let scope = indicators::Scope::new(ids, from, to)?;
    // One GROUP BY community query per indicator, however many communities.
    let breakdown = breakdown && comms.len() > 1;
    let mut eval = indicators::evaluate_grouped(store, &scope, keys, breakdown).await?;
    let total = Section { community: None, lines: lines(eval.total, false) };
    let mut by_community = Vec::new();
    if breakdown {
        for c in &comms {
            let figures = eval.by_community.remove(&c.id).unwrap_or_default();
            by_community.push(Section { community: Some(c.clone()), lines: lines(figures, false) });
        }
    }
    let mut report =
        Report { communities: comms, from, to, suppressed: false, drill_down: !suppressed, total, by_community };
    if suppressed {
        share(&mut report);
    }
    Ok(report)
}

/// Makes an exact report fit to leave the team: small counts hidden, what the shown figures
/// would give away about the hidden ones hidden too, and every figure consistently rounded so
/// that differences between overlapping reports give nothing away (see `sharing`). Every
/// report that is suppressed — built for a viewer, marked for outside the team, a frozen
/// month shared, a district roll-up marked for sharing — goes through here, so they all
/// protect the same way, with the deployment's threshold.
pub fn share(report: &mut Report) {
    sharing::share_with(report, sharing::suppress_below());
}

/// The catalogue for documentation and the API (names are translated by the caller).
pub fn catalogue() -> &'static [Indicator] {
    indicators::catalogue()
}

/// Which records behind which figure.
#[derive(Clone, Debug, Default)]
pub struct RecordsQuery {
    pub key: Option<String>,
    pub communities: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub dims: Dims,
    pub after: Option<i64>,
    pub limit: Option<u64>,
}

/// One page of the records behind a figure, with the figure itself (the total the pages add
/// up to).
#[derive(Clone, Debug)]
pub struct Records {
    pub indicator: &'static Indicator,
    pub communities: Vec<community::Model>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub dims: Dims,
    /// How many records there are in all (the figure, or a ratio's numerator).
    pub total: i64,
    pub page: RecordPage,
}

/// The drill-down: lists people, so it needs `ViewPeople` over whole communities, and it is
/// audited as a read.
#[tracing::instrument(skip_all)]
pub async fn records(store: &Store, actor: &Actor, q: &RecordsQuery) -> CoreResult<Records> {
    actor.require(Permission::ViewReports)?;
    if !may_drill_down(actor) {
        return Err(CoreError::Forbidden);
    }
    let mut e = FieldErrors::new();
    let key = q.key.as_deref().map(str::trim).unwrap_or_default();
    let indicator = if key.is_empty() {
        e.add("key", "required");
        None
    } else {
        let found = indicators::find(key);
        if found.is_none() {
            e.add("key", "unknown_indicator");
        }
        found
    };
    if let Some(ind) = indicator
        && !crate::policy::allows(actor.role, ind.drill_down)
    {
        return Err(CoreError::NotFound);
    }
    if let Some(ind) = indicator {
        for k in q.dims.keys() {
            if !ind.dimensions.contains(&k.as_str()) {
                e.add(k, "unknown_dimension");
            }
        }
    }
    let dates = period(&mut e, q.from.as_deref(), q.to.as_deref());
    let comms = resolve_communities(store, actor, &mut e, &q.communities).await?;
    e.into_result()?;
    let (Some(indicator), Some((from, to))) = (indicator, dates) else {
        return Err(CoreError::invalid("key", "required"));
    };
    let scope = indicators::Scope::new(comms.iter().map(|c| c.id).collect(), from, to)?;
    let counted = indicators::listed(indicator)?.0;
    let figures = indicators::evaluate(store, &scope, Some(&[counted.key])).await?;
    // The listed figure's own dimensions: coverage by kind lists all households, whose
    // figure has no kind.
    let dims: indicators::Dims = q
        .dims
        .iter()
        .filter(|(k, _)| counted.dimensions.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let total = figures.iter().find(|f| f.dims == dims).and_then(Figure::int).unwrap_or(0);
    let limit = q.limit.unwrap_or(RECORDS_PAGE).clamp(1, 1000);
    let page = indicators::records(store, &scope, indicator.key, &q.dims, q.after, limit).await?;
    let mut entry = Entry::new(Action::Read, EntityKind::ReportRecords, None)
        .summary(format!("indicator {}, {from}..{to}, {} rows", indicator.key, page.items.len()))
        .showed(page.items.iter().map(|r| r.record));
    if let [only] = comms.as_slice() {
        entry = entry.community(only.id);
    }
    audit::record(store, actor, entry).await?;
    Ok(Records { indicator, communities: comms, from, to, dims: q.dims.clone(), total, page })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn period_defaults_and_errors_name_the_field() {
        let mut e = FieldErrors::new();
        assert_eq!(period(&mut e, Some("2016-02-03"), None), d("2016-02-03").zip(d("2016-02-29")));
        assert_eq!(period(&mut e, Some("2016-12-01"), Some("")), d("2016-12-01").zip(d("2016-12-31")));
        assert!(e.is_empty());
        assert_eq!(period(&mut e, Some("2016-03-31"), Some("2016-03-01")), None);
        assert_eq!(e.get("to").map(|x| x.code), Some("date_before_from"));
        let mut e = FieldErrors::new();
        assert_eq!(period(&mut e, Some("2016-13-01"), Some("yesterday")), None);
        assert_eq!(e.get("from").map(|x| x.code), Some("no_such_date"));
        assert_eq!(e.get("to").map(|x| x.code), Some("invalid_date"));
        let mut e = FieldErrors::new();
        let (f, t) = period(&mut e, None, None).unwrap_or_default();
        assert_eq!(f.day(), 1);
        assert_eq!(month_end(f), t);
    }

    #[test]
    fn small_counts_are_hidden_only_when_suppressing() {
        let fig = |v: f64| Figure {
            key: "households",
            dims: Dims::new(),
            value: Some(v),
            unit: Unit::Count,
            numerator: None,
            denominator: None,
        };
        let shown = lines(vec![fig(3.0), fig(0.0), fig(5.0)], false);
        assert!(shown.iter().all(|l| !l.suppressed));
        let hidden = lines(vec![fig(3.0), fig(0.0), fig(5.0)], true);
        assert_eq!(hidden.iter().map(|l| l.value).collect::<Vec<_>>(), vec![None, Some(0.0), Some(5.0)]);
        assert_eq!(hidden[0].practice, "registry");
    }
}
