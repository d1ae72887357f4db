//! The indicator catalogue: the one place that turns records into figures.
//!
//! Every figure hearth shows — on a dashboard, in a report, in an export, against a goal —
//! is an `Indicator` declared here, with two queries: the aggregate for a scope
//! (communities × period, aggregated in the database) and the records that make it up (the
//! drill-down, whose count equals the figure). A practice adds its indicators in its own
//! file and one line in `catalogue()`; no practice writes counting code anywhere else.

mod registry;
mod visits;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDate;
use serde::Serialize;

use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, QueryResult};

use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// Dimension values of one figure, e.g. `{"program_kind": "language"}`. Empty for
/// indicators without dimensions.
pub type Dims = BTreeMap<String, String>;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = CoreResult<T>> + Send + 'a>>;

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
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "pct",
            Unit::Minutes => "minutes",
            Unit::CnyMinor => "CNY_minor",
        }
    }
}

/// How a figure combines over time and over communities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Rollup {
    /// Parts add up: the query over several communities equals the sum of their figures.
    Sum,
    /// Distinct things over the whole scope (a person attending in two months counts once):
    /// computed by the query over the whole scope, never by adding parts.
    DistinctCount,
    /// numerator / denominator × 100, recomputed from the two parts' figures over the same
    /// scope — a ratio is never summed or averaged.
    Ratio { numerator: &'static str, denominator: &'static str },
}

/// Whether the figure is a state at the end of the period or a count of events in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    AsOfEnd,
    WithinPeriod,
}

/// One record behind a figure, for the drill-down list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub id: i64,
    pub community_id: i64,
    /// What a worker recognises the record by (a household code, a resident's name, …).
    pub label: String,
    pub on: Option<NaiveDate>,
    /// The page of the record.
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordPage {
    pub items: Vec<Record>,
    pub next_after: Option<i64>,
}

pub type ValuesFn = for<'a> fn(&'a Store, &'a Scope) -> BoxFut<'a, Vec<(Dims, i64)>>;
pub type RecordsFn = for<'a> fn(&'a Store, &'a Scope, &'a Dims, Option<i64>, u64) -> BoxFut<'a, RecordPage>;

/// One declared indicator. Names are translated in the web layer (`indicator-<key>`).
#[derive(Clone, Copy)]
pub struct Indicator {
    /// Stable key: reports, exports, goals and the API use it; never renamed.
    pub key: &'static str,
    /// The practice it belongs to (one export sheet per practice).
    pub practice: &'static str,
    pub unit: Unit,
    pub dimensions: &'static [&'static str],
    pub rollup: Rollup,
    pub timing: Timing,
    /// The aggregate, one row per dimension combination present. `None` for ratios.
    pub values: Option<ValuesFn>,
    /// The records behind a figure (keyset by record id). For a ratio: its numerator's.
    pub records: Option<RecordsFn>,
}

impl std::fmt::Debug for Indicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indicator").field("key", &self.key).field("practice", &self.practice).finish()
    }
}

/// The value of a query selecting one integer (a COUNT or SUM), as an undimensioned figure.
pub(crate) async fn scalar(store: &Store, stmt: SelectStatement) -> CoreResult<Vec<(Dims, i64)>> {
    let n: i64 = match store.conn().query_one(&stmt).await? {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(vec![(Dims::new(), n)])
}

/// A drill-down page from rows selected as `id, community_id, label, on` (the convention every
/// records query follows), fetched with `LIMIT limit + 1` so the extra row tells if more follow.
pub(crate) fn record_page(rows: Vec<QueryResult>, limit: u64, link_prefix: &str) -> CoreResult<RecordPage> {
    let more = rows.len() as u64 > limit;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(|r| {
            let id: i64 = r.try_get_by_index(0)?;
            Ok(Record {
                id,
                community_id: r.try_get_by_index(1)?,
                label: r.try_get_by_index(2)?,
                on: r.try_get_by_index::<Option<NaiveDate>>(3)?,
                link: format!("{link_prefix}/{id}"),
            })
        })
        .collect::<CoreResult<Vec<_>>>()?;
    let next_after = if more { items.last().map(|r| r.id) } else { None };
    Ok(RecordPage { items, next_after })
}

/// Every indicator, in report order. One line per practice.
pub fn catalogue() -> Vec<Indicator> {
    let mut all = Vec::new();
    all.extend(registry::indicators());
    all.extend(visits::indicators());
    all
}

pub fn find(key: &str) -> Option<Indicator> {
    catalogue().into_iter().find(|i| i.key == key)
}

/// A computed figure. For ratios, `numerator`/`denominator` carry the parts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    pub key: &'static str,
    pub dims: Dims,
    pub value: f64,
    pub unit: Unit,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<i64>,
}

impl Figure {
    /// The value as an integer where the unit is integral (counts, minutes, money).
    pub fn int(&self) -> Option<i64> {
        (self.unit != Unit::Percent).then_some(self.value as i64)
    }
}

/// Percent with one decimal, from integer parts (0 when the denominator is 0).
pub fn percent(numerator: i64, denominator: i64) -> f64 {
    if denominator == 0 { 0.0 } else { ((numerator as f64) * 1000.0 / (denominator as f64)).round() / 10.0 }
}

/// Evaluates `keys` (all when `None`) over the scope. Ratios are computed from their parts'
/// figures for the same dimensions.
pub async fn evaluate(store: &Store, scope: &Scope, keys: Option<&[&str]>) -> CoreResult<Vec<Figure>> {
    let wanted: Vec<Indicator> =
        catalogue().into_iter().filter(|i| keys.is_none_or(|ks| ks.contains(&i.key))).collect();
    if let Some(ks) = keys {
        for k in ks {
            if !wanted.iter().any(|i| i.key == *k) {
                return Err(CoreError::invalid("indicator", "unknown_indicator"));
            }
        }
    }
    let mut out = Vec::new();
    for ind in &wanted {
        match (ind.rollup, ind.values) {
            (Rollup::Ratio { numerator, denominator }, _) => {
                let num = raw_values(store, scope, numerator).await?;
                let den = raw_values(store, scope, denominator).await?;
                out.extend(ratio_figures(ind.key, &num, &den));
            }
            (_, Some(values)) => {
                let rows = values(store, scope).await?;
                if rows.is_empty() && ind.dimensions.is_empty() {
                    out.push(Figure {
                        key: ind.key,
                        dims: Dims::new(),
                        value: 0.0,
                        unit: ind.unit,
                        numerator: None,
                        denominator: None,
                    });
                }
                for (dims, v) in rows {
                    out.push(Figure {
                        key: ind.key,
                        dims,
                        value: v as f64,
                        unit: ind.unit,
                        numerator: None,
                        denominator: None,
                    });
                }
            }
            (_, None) => return Err(CoreError::Internal(format!("indicator {} has no query", ind.key))),
        }
    }
    Ok(out)
}

/// A ratio's figures from its parts' rows over one scope, one per dimension combination of
/// the denominator (or of the numerator when the denominator has none).
pub fn ratio_figures(key: &'static str, num: &[(Dims, i64)], den: &[(Dims, i64)]) -> Vec<Figure> {
    let mut dims_set: Vec<&Dims> = den.iter().map(|(d, _)| d).collect();
    if dims_set.is_empty() {
        dims_set = num.iter().map(|(d, _)| d).collect();
    }
    dims_set
        .into_iter()
        .map(|dims| {
            let n = num.iter().find(|(d, _)| d == dims).map(|(_, v)| *v).unwrap_or(0);
            let d = den.iter().find(|(d2, _)| d2 == dims).map(|(_, v)| *v).unwrap_or(0);
            Figure {
                key,
                dims: dims.clone(),
                value: percent(n, d),
                unit: Unit::Percent,
                numerator: Some(n),
                denominator: Some(d),
            }
        })
        .collect()
}

async fn raw_values(store: &Store, scope: &Scope, key: &str) -> CoreResult<Vec<(Dims, i64)>> {
    let ind = find(key).ok_or_else(|| CoreError::Internal(format!("unknown part {key}")))?;
    let values = ind.values.ok_or_else(|| CoreError::Internal(format!("part {key} is itself a ratio")))?;
    let mut rows = values(store, scope).await?;
    if rows.is_empty() && ind.dimensions.is_empty() {
        rows.push((Dims::new(), 0));
    }
    Ok(rows)
}

/// One page of the records behind a figure.
pub async fn records(
    store: &Store,
    scope: &Scope,
    key: &str,
    dims: &Dims,
    after: Option<i64>,
    limit: u64,
) -> CoreResult<RecordPage> {
    let ind = find(key).ok_or(CoreError::NotFound)?;
    let ind = match ind.rollup {
        Rollup::Ratio { numerator, .. } => find(numerator).ok_or(CoreError::NotFound)?,
        _ => ind,
    };
    let f = ind.records.ok_or(CoreError::NotFound)?;
    f(store, scope, dims, after, limit.clamp(1, 1000)).await
}

/// Small counts hidden in figures that leave the team: counts (and ratios built on counts)
/// from 1 to `threshold - 1` become `None`, so no one can be singled out from a report.
pub fn suppress(figures: Vec<Figure>, threshold: i64) -> Vec<(Figure, bool)> {
    let small = |v: i64| v > 0 && v < threshold;
    figures
        .into_iter()
        .map(|f| {
            let hidden = match f.unit {
                Unit::Count => small(f.value as i64),
                Unit::Percent => f.numerator.is_some_and(small) || f.denominator.is_some_and(small),
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
        for i in &all {
            match i.rollup {
                Rollup::Ratio { numerator, denominator } => {
                    assert!(find(numerator).is_some_and(|n| n.values.is_some()), "{}", i.key);
                    assert!(find(denominator).is_some_and(|d| d.values.is_some()), "{}", i.key);
                    assert_eq!(i.unit, Unit::Percent);
                }
                _ => assert!(i.values.is_some() && i.records.is_some(), "{} needs both queries", i.key),
            }
        }
    }

    #[test]
    fn percent_is_computed_from_parts() {
        assert_eq!(percent(1710, 1710), 100.0);
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(0, 0), 0.0);
        // Two communities, 9/10 and 1/90: the roll-up is 10/100, not the mean of 90% and 1.1%.
        assert_eq!(percent(9 + 1, 10 + 90), 10.0);
    }

    #[test]
    fn ratio_figures_come_from_the_parts_per_dimension() {
        let dims = |v: &str| Dims::from([("kind".to_owned(), v.to_owned())]);
        // Parts summed over two communities (9/10 and 1/90 for "a"); "b" has no numerator row.
        let num = vec![(dims("a"), 9 + 1)];
        let den = vec![(dims("a"), 10 + 90), (dims("b"), 4)];
        let f = ratio_figures("x_pct", &num, &den);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].value, f[0].numerator, f[0].denominator), (10.0, Some(10), Some(100)));
        assert_ne!(f[0].value, (percent(9, 10) + percent(1, 90)) / 2.0);
        assert_eq!((f[1].value, f[1].numerator, f[1].denominator), (0.0, Some(0), Some(4)));
        assert!(ratio_figures("x_pct", &[], &[]).is_empty());
    }
}
