//! The indicator catalogue: the one place that turns records into figures.
//!
//! Every figure hearth shows — on a dashboard, in a report, in an export, against a goal —
//! is an `Indicator` declared by a practice (its `indicators()`, registered through
//! `practice::PRACTICES`). Most indicators are "count (or count distinct) the rows of a table
//! in these communities whose date falls in the period (or whose state holds at its end)";
//! those are *declared* as a `Count`, and both the aggregate (grouped by community, computed
//! in the database) and the drill-down records (whose count equals the figure) are generated
//! from that one declaration (`count.rs`). The rare indicator that needs its own SQL gives
//! two functions (`Query::Custom`). A ratio is computed from its two parts' figures.

pub mod count;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Serialize;

pub use count::{Col, Count, Rows, col};

use crate::error::{CoreError, CoreResult};
use crate::practice::BoxFut;
use crate::record::RecordRef;
use crate::store::Store;

/// Dimension values of one figure, e.g. `{"program_kind": "language"}`. Empty for
/// indicators without dimensions.
pub type Dims = BTreeMap<String, String>;

/// What an evaluation covers: a set of communities (never empty) and an inclusive period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub communities: Vec<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Scope {
    pub fn new(communities: Vec<i64>, from: NaiveDate, to: NaiveDate) -> CoreResult<Scope> {
        let mut e = crate::error::FieldErrors::new();
        if to < from {
            e.add("to", "date_before_from");
        }
        if communities.is_empty() {
            e.add("community", "required");
        }
        e.into_result()?;
        Ok(Scope { communities, from, to })
    }

    /// The first instant after the period (for comparing UTC timestamps with dates).
    pub fn end_exclusive(&self) -> chrono::DateTime<chrono::Utc> {
        (self.to + chrono::TimeDelta::days(1)).and_time(chrono::NaiveTime::MIN).and_utc()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Unit {
    #[serde(rename = "count")]
    Count,
    #[serde(rename = "pct")]
    Percent,
    /// Hours, stored as minutes so sums stay exact; shown as hours.
    #[serde(rename = "minutes")]
    Minutes,
    /// Money in fen (1/100 CNY): integers only, never floats.
    #[serde(rename = "CNY_minor")]
    CnyMinor,
    /// A mean of one count over another (attendances per session held), one decimal.
    #[serde(rename = "avg")]
    Average,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "pct",
            Unit::Minutes => "minutes",
            Unit::CnyMinor => "CNY_minor",
            Unit::Average => "avg",
        }
    }
}

/// How a figure combines over time and over communities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Rollup {
    /// Parts add up: the figure over several communities is the sum of their figures.
    Sum,
    /// Distinct things over the whole scope (a person attending in two months counts once):
    /// computed by a query over the whole scope, never by adding parts.
    DistinctCount,
    /// numerator / denominator (× 100 for a percentage; `Unit::Average` for a mean),
    /// recomputed from the two parts' figures over the same scope — a ratio is never summed
    /// or averaged.
    Ratio { numerator: &'static str, denominator: &'static str },
}

impl Rollup {
    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::Sum => "sum",
            Rollup::DistinctCount => "distinct_count",
            Rollup::Ratio { .. } => "ratio",
        }
    }
}

/// Whether the figure is a state at the end of the period or a count of events in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    AsOfEnd,
    WithinPeriod,
}

impl Timing {
    pub fn as_str(self) -> &'static str {
        match self {
            Timing::AsOfEnd => "as_of_end",
            Timing::WithinPeriod => "within_period",
        }
    }
}

/// One record behind a figure, for the drill-down list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub id: i64,
    pub community_id: i64,
    /// What a worker recognises the record by (a household code, a resident's name, …).
    pub label: String,
    pub on: Option<NaiveDate>,
    /// The record itself (the web layer makes the link).
    pub record: RecordRef,
    /// The list's other columns, by key (`Rows::detail`; `counted` in a ratio's list).
    pub details: Vec<(&'static str, Option<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordPage {
    pub items: Vec<Record>,
    pub next_after: Option<i64>,
}

/// One aggregate row: a community (`None` when computed over the whole scope), the
/// dimension values, the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub community: Option<i64>,
    pub dims: Dims,
    pub value: i64,
}

/// A hand-written aggregate: `grouped` asks for one row per community (and dimensions);
/// otherwise rows over the whole scope with `community: None`.
pub type ValuesFn = for<'a> fn(&'a Store, &'a Scope, bool) -> BoxFut<'a, Vec<Row>>;
pub type RecordsFn = for<'a> fn(&'a Store, &'a Scope, &'a Dims, Option<i64>, u64) -> BoxFut<'a, RecordPage>;

/// How an indicator is computed.
#[derive(Clone)]
pub enum Query {
    /// Declared: both queries are generated from it.
    Count(Box<Count>),
    /// Hand-written, for the indicator a declaration cannot say.
    Custom { values: ValuesFn, records: RecordsFn },
    /// Computed from two other indicators (see `Rollup::Ratio`).
    Ratio,
}

/// One declared indicator. Names are translated in the web layer (`indicator-<key>`).
#[derive(Clone)]
pub struct Indicator {
    /// Stable key: reports, exports, goals and the API use it; never renamed.
    pub key: &'static str,
    /// The practice it belongs to (one export sheet per practice).
    pub practice: &'static str,
    pub unit: Unit,
    pub dimensions: Vec<&'static str>,
    pub rollup: Rollup,
    pub timing: Timing,
    pub query: Query,
    /// Who may list the records behind it (the drill-down): people who see whole
    /// communities' records, and for hardship cases only those who see every case.
    pub drill_down: crate::policy::Permission,
    /// One of its practice's main figures: the dashboard shows it month by month (this month
    /// against the last, a twelve-month trend) and the district table has a column for it.
    /// Marked by the practice that declares it (`.headline()`), so the dashboard grows with
    /// the practices and never keeps a list of its own.
    pub headline: bool,
}

impl std::fmt::Debug for Indicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indicator").field("key", &self.key).field("practice", &self.practice).finish()
    }
}

impl Indicator {
    /// A sum of a column (hours), whose drill-down lists the rows added, not one per unit.
    pub fn is_sum(&self) -> bool {
        matches!(&self.query, Query::Count(c) if c.sum.is_some())
    }

    /// A declared count: rows, or distinct values when the declaration says `distinct`.
    pub fn count(key: &'static str, practice: &'static str, timing: Timing, c: Count) -> Indicator {
        let rollup = if c.distinct.is_some() { Rollup::DistinctCount } else { Rollup::Sum };
        let dimensions = c.dims.iter().map(|(name, _)| *name).collect();
        Indicator {
            key,
            practice,
            unit: Unit::Count,
            dimensions,
            rollup,
            timing,
            query: Query::Count(Box::new(c)),
            drill_down: crate::policy::Permission::ViewPeople,
            headline: false,
        }
    }

    /// A percentage of two other indicators of the catalogue.
    pub fn ratio(
        key: &'static str,
        practice: &'static str,
        timing: Timing,
        numerator: &'static str,
        denominator: &'static str,
    ) -> Indicator {
        Indicator {
            key,
            practice,
            unit: Unit::Percent,
            dimensions: Vec::new(),
            rollup: Rollup::Ratio { numerator, denominator },
            timing,
            query: Query::Ratio,
            drill_down: crate::policy::Permission::ViewPeople,
            headline: false,
        }
    }

    /// A mean of two other indicators (person-times per session held): numerator over
    /// denominator, one decimal, recomputed like a percentage.
    pub fn mean(
        key: &'static str,
        practice: &'static str,
        timing: Timing,
        numerator: &'static str,
        denominator: &'static str,
    ) -> Indicator {
        Indicator { unit: Unit::Average, ..Indicator::ratio(key, practice, timing, numerator, denominator) }
    }

    /// Its records are hardship cases' (or their money): listed only for those who see every
    /// case of the community (an unassigned caseworker must not find a case through a report).
    pub fn cases_only(mut self) -> Indicator {
        self.drill_down = crate::policy::Permission::SeeAllCases;
        self
    }

    pub fn headline(mut self) -> Indicator {
        self.headline = true;
        self
    }

    pub fn unit(mut self, unit: Unit) -> Indicator {
        self.unit = unit;
        self
    }

    async fn rows(&self, store: &Store, scope: &Scope, grouped: bool) -> CoreResult<Vec<Row>> {
        match &self.query {
            Query::Count(c) => c.values(store, scope, grouped).await,
            Query::Custom { values, .. } => values(store, scope, grouped).await,
            Query::Ratio => Err(CoreError::Internal(format!("{} is a ratio", self.key))),
        }
    }
}

static CATALOGUE: LazyLock<Vec<Indicator>> =
    LazyLock::new(|| crate::practice::PRACTICES.iter().flat_map(|p| (p.indicators)()).collect());

/// Every indicator, in report order (the practices' order, then each practice's).
pub fn catalogue() -> &'static [Indicator] {
    &CATALOGUE
}

pub fn find(key: &str) -> Option<&'static Indicator> {
    catalogue().iter().find(|i| i.key == key)
}

/// A computed figure. For ratios, `numerator`/`denominator` carry the parts, and `value` is
/// `None` when the denominator is 0 (there is no percentage of nothing; never show 0%).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub dims: Dims,
    pub value: Option<f64>,
    pub unit: Unit,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<i64>,
}

impl Figure {
    fn count(ind: &Indicator, dims: Dims, v: i64) -> Figure {
        Figure { key: ind.key, dims, value: Some(v as f64), unit: ind.unit, numerator: None, denominator: None }
    }

    /// The value as an integer where the unit is integral (counts, minutes, money).
    pub fn int(&self) -> Option<i64> {
        if self.unit == Unit::Percent { None } else { self.value.map(|v| v as i64) }
    }
}

/// Percent with one decimal, from integer parts; `None` when the denominator is 0.
/// `numerator / denominator` to one decimal; none for a denominator of 0.
pub fn mean(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| (numerator as f64 * 10.0 / denominator as f64).round() / 10.0)
}

pub fn percent(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator != 0).then(|| ((numerator as f64) * 1000.0 / (denominator as f64)).round() / 10.0)
}

/// The figures of a scope: over the whole scope, and per community.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    pub total: Vec<Figure>,
    pub by_community: BTreeMap<i64, Vec<Figure>>,
}

fn wanted(keys: Option<&[&str]>) -> CoreResult<Vec<&'static Indicator>> {
    if let Some(ks) = keys {
        for k in ks {
            if find(k).is_none() {
                return Err(CoreError::invalid("indicator", "unknown_indicator"));
            }
        }
    }
    Ok(catalogue().iter().filter(|i| keys.is_none_or(|ks| ks.contains(&i.key))).collect())
}

/// Evaluates `keys` (all when `None`) over the whole scope.
#[tracing::instrument(skip_all)]
pub async fn evaluate(store: &Store, scope: &Scope, keys: Option<&[&str]>) -> CoreResult<Vec<Figure>> {
    Ok(evaluate_grouped(store, scope, keys, false).await?.total)
}

/// Evaluates over the scope and, with `per_community`, for each of its communities too —
/// with one `GROUP BY community` query per indicator (plus one over the whole scope for a
/// distinct count), however many communities the scope has.
#[tracing::instrument(skip_all)]
pub async fn evaluate_grouped(
    store: &Store,
    scope: &Scope,
    keys: Option<&[&str]>,
    per_community: bool,
) -> CoreResult<Evaluation> {
    let wanted = wanted(keys)?;
    // The parts every wanted figure needs, each computed once.
    let mut parts: Vec<&'static Indicator> = Vec::new();
    for ind in &wanted {
        let needs: Vec<&'static Indicator> = match ind.rollup {
            Rollup::Ratio { numerator, denominator } => [numerator, denominator]
                .into_iter()
                .map(|k| find(k).ok_or_else(|| CoreError::Internal(format!("unknown part {k}"))))
                .collect::<CoreResult<_>>()?,
            _ => vec![*ind],
        };
        for p in needs {
            if !parts.iter().any(|q| q.key == p.key) {
                parts.push(p);
            }
        }
    }
    let mut totals: BTreeMap<&str, Parts> = BTreeMap::new();
    let mut grouped: BTreeMap<&str, BTreeMap<i64, Parts>> = BTreeMap::new();
    for p in &parts {
        let by_c = if per_community || p.rollup == Rollup::Sum {
            let rows = p.rows(store, scope, true).await?;
            let mut m: BTreeMap<i64, Parts> = BTreeMap::new();
            for r in rows {
                m.entry(r.community.unwrap_or_default()).or_default().push((r.dims, r.value));
            }
            Some(m)
        } else {
            None
        };
        let total = match (p.rollup, &by_c) {
            (Rollup::Sum, Some(m)) => sum_parts(m.values()),
            _ => p.rows(store, scope, false).await?.into_iter().map(|r| (r.dims, r.value)).collect(),
        };
        totals.insert(p.key, with_zero(p, total));
        if let Some(m) = by_c {
            grouped.insert(p.key, m);
        }
    }
    let mut out = Evaluation::default();
    for ind in &wanted {
        out.total.extend(figures(ind, &|k| totals.get(k).cloned().unwrap_or_default()));
        if per_community {
            for c in &scope.communities {
                let part = |k: &str| {
                    let rows = grouped.get(k).and_then(|m| m.get(c)).cloned().unwrap_or_default();
                    find(k).map(|p| with_zero(p, rows.clone())).unwrap_or(rows)
                };
                out.by_community.entry(*c).or_default().extend(figures(ind, &part));
            }
        }
    }
    Ok(out)
}

/// One indicator's values by dimension.
type Parts = Vec<(Dims, i64)>;

/// An undimensioned count with no rows is 0, not absent.
fn with_zero(ind: &Indicator, mut rows: Vec<(Dims, i64)>) -> Vec<(Dims, i64)> {
    if rows.is_empty() && ind.dimensions.is_empty() {
        rows.push((Dims::new(), 0));
    }
    rows
}

fn sum_parts<'a>(parts: impl Iterator<Item = &'a Vec<(Dims, i64)>>) -> Vec<(Dims, i64)> {
    let mut sums: BTreeMap<Dims, i64> = BTreeMap::new();
    for rows in parts {
        for (d, v) in rows {
            *sums.entry(d.clone()).or_default() += v;
        }
    }
    sums.into_iter().collect()
}

/// An indicator's figures from its (or its parts') rows.
fn figures(ind: &Indicator, rows_of: &dyn Fn(&str) -> Vec<(Dims, i64)>) -> Vec<Figure> {
    match ind.rollup {
        Rollup::Ratio { numerator, denominator } => {
            ratio_figures(ind.key, ind.unit, &rows_of(numerator), &rows_of(denominator))
        }
        _ => rows_of(ind.key).into_iter().map(|(d, v)| Figure::count(ind, d, v)).collect(),
    }
}

/// A ratio's figures from its parts' rows over one scope, one per dimension combination of
/// the denominator (or of the numerator when the denominator has none).
/// A denominator without dimensions under a numerator with them (households with a resolved
/// request of each kind, among all households) gives one figure per numerator value, each
/// over the whole denominator.
pub fn ratio_figures(key: &'static str, unit: Unit, num: &[(Dims, i64)], den: &[(Dims, i64)]) -> Vec<Figure> {
    let whole = match den {
        [(d, v)] if d.is_empty() && num.iter().any(|(n, _)| !n.is_empty()) => Some(*v),
        _ => None,
    };
    let mut dims_set: Vec<&Dims> = den.iter().map(|(d, _)| d).collect();
    if dims_set.is_empty() || whole.is_some() {
        dims_set = num.iter().map(|(d, _)| d).collect();
    }
    dims_set
        .into_iter()
        .map(|dims| {
            let n = num.iter().find(|(d, _)| d == dims).map(|(_, v)| *v).unwrap_or(0);
            let d = whole.unwrap_or_else(|| den.iter().find(|(d2, _)| d2 == dims).map(|(_, v)| *v).unwrap_or(0));
            Figure {
                key,
                dims: dims.clone(),
                value: match unit {
                    Unit::Average => mean(n, d),
                    _ => percent(n, d),
                },
                unit,
                numerator: Some(n),
                denominator: Some(d),
            }
        })
        .collect()
}

/// The indicator whose records a figure's drill-down lists, and the count that marks them.
/// A ratio of two declared counts of one kind of record (households visited among
/// households) lists the denominator, each row saying whether the numerator counts it; any
/// other ratio lists its numerator's records.
pub fn listed(ind: &'static Indicator) -> CoreResult<(&'static Indicator, Option<&'static Count>)> {
    let Rollup::Ratio { numerator, denominator } = ind.rollup else {
        return Ok((ind, None));
    };
    let num = find(numerator).ok_or(CoreError::NotFound)?;
    let den = find(denominator).ok_or(CoreError::NotFound)?;
    Ok(match (&num.query, &den.query) {
        (Query::Count(n), Query::Count(d)) if n.lists_same_kind(d) => (den, Some(n.as_ref())),
        _ => (num, None),
    })
}

/// One page of the records behind a figure (for a ratio: see `listed`).
#[tracing::instrument(skip_all)]
pub async fn records(
    store: &Store,
    scope: &Scope,
    key: &str,
    dims: &Dims,
    after: Option<i64>,
    limit: u64,
) -> CoreResult<RecordPage> {
    let ind = find(key).ok_or(CoreError::NotFound)?;
    let limit = limit.clamp(1, 1000);
    let (ind, counted_by) = listed(ind)?;
    match &ind.query {
        Query::Count(c) => c.records(store, scope, dims, after, limit, counted_by).await,
        Query::Custom { records, .. } => records(store, scope, dims, after, limit).await,
        Query::Ratio => Err(CoreError::NotFound),
    }
}

/// Small counts hidden in figures that leave the team: counts (and ratios built on counts)
/// from 1 to `threshold - 1` become `None`, so no one can be singled out from a report.
pub fn suppress(figures: Vec<Figure>, threshold: i64) -> Vec<(Figure, bool)> {
    let small = |v: i64| v > 0 && v < threshold;
    figures
        .into_iter()
        .map(|f| {
            let hidden = match f.unit {
                Unit::Count => f.value.is_some_and(|v| small(v as i64)),
                Unit::Percent | Unit::Average => f.numerator.is_some_and(small) || f.denominator.is_some_and(small),
                Unit::Minutes | Unit::CnyMinor => false,
            };
            (f, hidden)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_keys_are_unique_and_ratios_have_parts() {
        let all = catalogue();
        let mut keys: Vec<&str> = all.iter().map(|i| i.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len(), "duplicate indicator key");
        for i in all {
            match i.rollup {
                Rollup::Ratio { numerator, denominator } => {
                    assert!(find(numerator).is_some_and(|n| !matches!(n.query, Query::Ratio)), "{}", i.key);
                    assert!(find(denominator).is_some_and(|d| !matches!(d.query, Query::Ratio)), "{}", i.key);
                    assert!(
                        matches!(i.unit, Unit::Percent | Unit::Average),
                        "{}: a ratio is a percentage or a mean",
                        i.key
                    );
                }
                _ => assert!(!matches!(i.query, Query::Ratio), "{} needs a query", i.key),
            }
        }
    }

    #[test]
    fn percent_is_computed_from_parts() {
        assert_eq!(percent(1710, 1710), Some(100.0));
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(0, 5), Some(0.0));
        // Two communities, 9/10 and 1/90: the roll-up is 10/100, not the mean of 90% and 1.1%.
        assert_eq!(percent(9 + 1, 10 + 90), Some(10.0));
    }

    #[test]
    fn ratio_figures_come_from_the_parts_per_dimension() {
        let dims = |v: &str| Dims::from([("kind".to_owned(), v.to_owned())]);
        // Parts summed over two communities (9/10 and 1/90 for "a"); "b" has no numerator row.
        let num = vec![(dims("a"), 9 + 1)];
        let den = vec![(dims("a"), 10 + 90), (dims("b"), 4), (dims("c"), 0)];
        let f = ratio_figures("x_pct", Unit::Percent, &num, &den);
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].value, f[0].numerator, f[0].denominator), (Some(10.0), Some(10), Some(100)));
        assert_eq!((f[1].value, f[1].numerator, f[1].denominator), (Some(0.0), Some(0), Some(4)));
        assert_eq!((f[2].value, f[2].denominator), (None, Some(0)));
        assert!(ratio_figures("x_pct", Unit::Percent, &[], &[]).is_empty());
    }

    #[test]
    fn parts_sum_per_dimension() {
        let dims = |v: &str| Dims::from([("kind".to_owned(), v.to_owned())]);
        let a = vec![(dims("x"), 2), (dims("y"), 1)];
        let b = vec![(dims("x"), 3)];
        assert_eq!(sum_parts([a, b].iter()), vec![(dims("x"), 5), (dims("y"), 1)]);
    }
}
