//! Frozen monthly reports: a coordinator closes a community's calendar month, and that
//! month's exact report is stored — every figure, as the team's own report had it — as
//! version n + 1, with the SHA-256 of a canonical text of it. The close is a write in the
//! community's audit chain whose summary carries that hash, so the keyed chain vouches for
//! the frozen figures: changing a stored value changes the recomputed hash (the row's hash
//! no longer matches), and changing the row's hash as well no longer matches the chain's.
//!
//! A frozen report never changes (the tables are append-only; triggers refuse UPDATE and
//! DELETE). The live figures keep moving as late records and corrections arrive; viewing a
//! closed month compares the chosen version with the live report for the same scope and
//! shows, per figure that differs, the frozen value, the live one and the exact difference
//! ("revised"), with the writes made to the community's records since the close.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::{Line, Report, ReportQuery, Section, build, may_drill_down, must_suppress, share};
use crate::audit::{self, Action, Entry};
use crate::entity::{audit_log, closed_month, closed_month_line, community};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::indicators::{self, Dims, Unit};
use crate::policy::{Actor, Permission};
use crate::record::{EntityKind, RecordRef};
use crate::registry::communities;
use crate::store::{self, Store};

/// The first line of the canonical text: a later change of the text's rules changes this.
const CANONICAL: &str = "hearth frozen report 1";

/// How many recent writes a month page lists as "records changed since the close".
pub const CHANGES_SHOWN: u64 = 100;

/// One stored figure. Its key is text, not a catalogue key: an indicator retired after the
/// close is still part of what was frozen.
#[derive(Clone, Debug, PartialEq)]
pub struct FrozenLine {
    pub key: String,
    pub dims: Dims,
    pub unit: Unit,
    pub value: Option<f64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
}

/// One version of a closed month, with its figures.
#[derive(Clone, Debug)]
pub struct Frozen {
    pub row: closed_month::Model,
    pub community: community::Model,
    pub lines: Vec<FrozenLine>,
}

/// A figure whose frozen and live values differ. `difference` is live − frozen when both
/// have a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub key: String,
    pub dims: Dims,
    pub unit: Unit,
    pub frozen: Option<f64>,
    pub live: Option<f64>,
    pub difference: Option<f64>,
}

/// A write to one of the community's records since the close, from the audit log.
#[derive(Clone, Debug)]
pub struct Change {
    pub record: RecordRef,
    pub action: String,
    pub at: chrono::DateTime<Utc>,
    pub actor: String,
    pub summary: String,
}

/// A month as the month page shows it.
#[derive(Clone, Debug)]
pub struct MonthView {
    pub community: community::Model,
    /// The month's first day.
    pub month: NaiveDate,
    /// Every version, oldest first (empty while the month is open).
    pub versions: Vec<closed_month::Model>,
    /// The version shown (the latest unless another was chosen).
    pub frozen: Option<Frozen>,
    /// The frozen version as a report (suppressed for readers who get suppressed reports).
    pub frozen_report: Option<Report>,
    /// The live report for the same community and month (suppressed likewise).
    pub live: Report,
    pub differences: Vec<Difference>,
    /// Writes since the close (empty for readers who may not open records).
    pub changes: Vec<Change>,
    /// May the reader close (again)?
    pub may_close: bool,
}

impl MonthView {
    pub fn revised(&self) -> bool {
        !self.differences.is_empty()
    }
}

/// A month's state in the list.
#[derive(Clone, Debug)]
pub struct MonthSummary {
    pub month: NaiveDate,
    pub latest: closed_month::Model,
    pub versions: i32,
    pub revised: bool,
}

/// `2016-03` (or a date in that month) → its first day.
pub fn parse_month(e: &mut FieldErrors, field: &str, s: Option<&str>) -> Option<NaiveDate> {
    let s = s.map(str::trim).unwrap_or_default();
    if s.is_empty() {
        e.add(field, "required");
        return None;
    }
    let ym = s.get(..7).filter(|_| s.len() == 7 || s.len() == 10).unwrap_or(s);
    match NaiveDate::parse_from_str(&format!("{ym}-01"), "%Y-%m-%d") {
        Ok(d) if (1900..=9999).contains(&d.year()) => Some(d),
        _ => {
            e.add(field, "invalid_month");
            None
        }
    }
}

fn month_end(first: NaiveDate) -> NaiveDate {
    first.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(first)
}

/// `YYYY-MM`.
pub fn month_label(first: NaiveDate) -> String {
    first.format("%Y-%m").to_string()
}

fn unit_of(s: &str) -> Unit {
    match s {
        "pct" => Unit::Percent,
        "minutes" => Unit::Minutes,
        "CNY_minor" => Unit::CnyMinor,
        "avg" => Unit::Average,
        _ => Unit::Count,
    }
}

fn dims_json(d: &Dims) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "{}".into())
}

fn opt_f(v: Option<f64>) -> String {
    v.map(|x| format!("{x:?}")).unwrap_or_else(|| "-".into())
}

fn opt_i(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// The canonical text a frozen report's hash is taken over: who, which month, which
/// version, when, by whom, and every line in order. Values are written in Rust's
/// round-trip float form, so a stored double reads back to the same text on both backends.
pub fn canonical_text(row: &closed_month::Model, lines: &[FrozenLine]) -> String {
    let mut t = format!(
        "{CANONICAL}\ncommunity\t{}\nmonth\t{}\nversion\t{}\nclosed_at\t{}\nclosed_by\t{}\t{}\n",
        row.community_id,
        month_label(row.month),
        row.version,
        row.closed_at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        opt_i(row.closed_by),
        row.closed_by_name,
    );
    for l in lines {
        t.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            l.key,
            dims_json(&l.dims),
            l.unit.as_str(),
            opt_f(l.value),
            opt_i(l.numerator),
            opt_i(l.denominator)
        ));
    }
    t
}

pub fn hash_of(row: &closed_month::Model, lines: &[FrozenLine]) -> String {
    hex::encode(Sha256::digest(canonical_text(row, lines).as_bytes()))
}

fn frozen_line(l: &Line) -> FrozenLine {
    FrozenLine {
        key: l.key.to_owned(),
        dims: l.dims.clone(),
        unit: l.unit,
        value: l.value,
        numerator: l.numerator,
        denominator: l.denominator,
    }
}

/// The summary of the close's audit entry; `verify` reads the hash back from it.
fn audit_summary(month: NaiveDate, version: i32, hash: &str) -> String {
    format!("closed month {} version {version}; sha256 {hash}", month_label(month))
}

fn hash_in_summary(summary: &str) -> Option<&str> {
    summary.split("sha256 ").nth(1).map(|s| s.split([';', ' ']).next().unwrap_or(s))
}

async fn community_by_slug(store: &Store, actor: &Actor, slug: &str) -> CoreResult<community::Model> {
    communities::by_slug(store, actor, slug.trim()).await
}

/// The exact report of one community and month (what a frozen version stores).
async fn exact_report(store: &Store, c: &community::Model, month: NaiveDate) -> CoreResult<Report> {
    let q = ReportQuery {
        communities: vec![c.slug.clone()],
        from: Some(month.to_string()),
        to: Some(month_end(month).to_string()),
        outside: false,
    };
    build(store, &Actor::system(), &q).await
}

/// Closes `month` (`YYYY-MM`) of the community `slug`: its exact report stored as the next
/// version, the close audited with the hash. Two closes at once become versions n + 1 and
/// n + 2 (the community row is locked while the version is chosen; a unique index on
/// (community, month, version) is the backstop).
#[tracing::instrument(skip_all)]
pub async fn close(store: &Store, actor: &Actor, slug: &str, month: &str) -> CoreResult<closed_month::Model> {
    actor.require(Permission::CloseMonths)?;
    let mut e = FieldErrors::new();
    let first = parse_month(&mut e, "month", Some(month));
    let community = match community_by_slug(store, actor, slug).await {
        Ok(c) => Some(c),
        Err(CoreError::NotFound) => {
            e.add("community", "unknown_community");
            None
        }
        Err(other) => return Err(other),
    };
    if let Some(f) = first
        && month_end(f) >= Utc::now().date_naive()
    {
        e.add("month", "month_not_over");
    }
    e.into_result()?;
    let (Some(first), Some(community)) = (first, community) else {
        return Err(CoreError::invalid("month", "required"));
    };
    // The figures are computed before the write lock is taken (a report is many queries);
    // a record written in between is a revision of this version like any later one.
    let report = exact_report(store, &community, first).await?;
    let lines: Vec<FrozenLine> = report.total.lines.iter().map(frozen_line).collect();
    let closed_at = Utc::now().duration_trunc_micros();
    let tx = store.write().await?;
    store::locked::<community::Entity>(&tx, community.id).await?;
    let last: Option<i32> = closed_month::Entity::find()
        .select_only()
        .column_as(closed_month::Column::Version.max(), "v")
        .filter(closed_month::Column::CommunityId.eq(community.id))
        .filter(closed_month::Column::Month.eq(first))
        .into_tuple::<Option<i32>>()
        .one(&tx)
        .await?
        .flatten();
    let mut row = closed_month::Model {
        id: 0,
        community_id: community.id,
        month: first,
        version: last.unwrap_or(0) + 1,
        closed_by: actor.user_id,
        closed_by_name: actor.username.clone(),
        closed_at,
        hash: String::new(),
    };
    row.hash = hash_of(&row, &lines);
    let mut active = closed_month::ActiveModel::from(row.clone());
    active.id = NotSet;
    let id = closed_month::Entity::insert(active).exec(&tx).await.map_err(store::map_unique)?.last_insert_id;
    row.id = id;
    let models: Vec<closed_month_line::ActiveModel> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| closed_month_line::ActiveModel {
            id: NotSet,
            closed_month_id: Set(id),
            position: Set(i as i32),
            key: Set(l.key.clone()),
            dims: Set(dims_json(&l.dims)),
            unit: Set(l.unit.as_str().to_owned()),
            value: Set(l.value),
            numerator: Set(l.numerator),
            denominator: Set(l.denominator),
        })
        .collect();
    for chunk in models.chunks(200) {
        closed_month_line::Entity::insert_many(chunk.to_vec()).exec_without_returning(&tx).await?;
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::ClosedMonth, Some(id)).community(community.id).summary(audit_summary(
            first,
            row.version,
            &row.hash,
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

trait TruncMicros {
    fn duration_trunc_micros(self) -> Self;
}

impl TruncMicros for chrono::DateTime<Utc> {
    /// Microseconds: what both backends store, so the hash survives a round trip.
    fn duration_trunc_micros(self) -> Self {
        use chrono::DurationRound;
        self.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(self)
    }
}

async fn load_lines<C: sea_orm::ConnectionTrait>(conn: &C, id: i64) -> CoreResult<Vec<FrozenLine>> {
    let rows = closed_month_line::Entity::find()
        .filter(closed_month_line::Column::ClosedMonthId.eq(id))
        .order_by_asc(closed_month_line::Column::Position)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| FrozenLine {
            dims: serde_json::from_str(&r.dims).unwrap_or_default(),
            unit: unit_of(&r.unit),
            key: r.key,
            value: r.value,
            numerator: r.numerator,
            denominator: r.denominator,
        })
        .collect())
}

async fn versions_of(store: &Store, community_id: i64, month: NaiveDate) -> CoreResult<Vec<closed_month::Model>> {
    Ok(closed_month::Entity::find()
        .filter(closed_month::Column::CommunityId.eq(community_id))
        .filter(closed_month::Column::Month.eq(month))
        .order_by_asc(closed_month::Column::Version)
        .all(store.conn())
        .await?)
}

/// A frozen version as a `Report` (exact: the caller shares it when the reader must get
/// suppressed figures). Lines whose indicator has left the catalogue are kept out: a
/// report speaks in catalogue keys.
pub fn report_of(frozen: &Frozen) -> Report {
    let lines = frozen
        .lines
        .iter()
        .filter_map(|l| {
            let ind = indicators::find(&l.key)?;
            Some(Line {
                key: ind.key,
                practice: ind.practice,
                dims: l.dims.clone(),
                unit: l.unit,
                value: l.value,
                suppressed: false,
                numerator: l.numerator,
                denominator: l.denominator,
            })
        })
        .collect();
    Report {
        communities: vec![frozen.community.clone()],
        from: frozen.row.month,
        to: month_end(frozen.row.month),
        suppressed: false,
        drill_down: false,
        total: Section { community: None, lines },
        by_community: Vec::new(),
    }
}

/// Every figure whose value differs between `frozen` and `live`, in the frozen report's
/// order, then figures only the live report has.
pub fn differences(frozen: &[Line], live: &[Line]) -> Vec<Difference> {
    let live_by: BTreeMap<(&str, &Dims), &Line> = live.iter().map(|l| ((l.key, &l.dims), l)).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let diff = |f: Option<&Line>, l: Option<&Line>| -> Option<Difference> {
        let any = f.or(l)?;
        let (fv, lv) = (f.and_then(|x| x.value), l.and_then(|x| x.value));
        // A hidden figure on either side says nothing about a change.
        if f.is_some_and(|x| x.suppressed) || l.is_some_and(|x| x.suppressed) || fv == lv {
            return None;
        }
        let difference = match (fv, lv) {
            (Some(a), Some(b)) if any.unit == Unit::Percent || any.unit == Unit::Average => {
                Some(((b - a) * 10.0).round() / 10.0)
            }
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        Some(Difference {
            key: any.key.to_owned(),
            dims: any.dims.clone(),
            unit: any.unit,
            frozen: fv,
            live: lv,
            difference,
        })
    };
    for f in frozen {
        seen.insert((f.key, &f.dims));
        let l = live_by.get(&(f.key, &f.dims)).copied();
        out.extend(diff(Some(f), l));
    }
    for l in live.iter().filter(|l| !seen.contains(&(l.key, &l.dims))) {
        out.extend(diff(None, Some(l)));
    }
    out
}

/// Writes to the community's records since `since` (newest first): the records that may
/// have moved a frozen figure. Reads, and the reports' own entries, are left out.
async fn changes_since(store: &Store, community_id: i64, since: chrono::DateTime<Utc>) -> CoreResult<Vec<Change>> {
    let skip = [EntityKind::ClosedMonth, EntityKind::Report, EntityKind::ReportRecords, EntityKind::Audit];
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Chain.eq(community_id))
        .filter(audit_log::Column::At.gt(since))
        .filter(audit_log::Column::Action.is_not_in([Action::Read.as_str(), Action::List.as_str()]))
        .filter(audit_log::Column::Entity.is_not_in(skip.map(|k| k.as_str())))
        .filter(audit_log::Column::EntityId.is_not_null())
        .order_by_desc(audit_log::Column::Seq)
        .limit(CHANGES_SHOWN)
        .all(store.conn())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = EntityKind::parse(&r.entity)?;
            Some(Change {
                record: RecordRef::new(kind, r.entity_id?),
                action: r.action,
                at: r.at,
                actor: r.actor,
                summary: r.summary,
            })
        })
        .collect())
}

/// A month of a community: its versions, the chosen one beside the live figures, what
/// differs, and what was written since. Readers who get suppressed reports (viewers) get
/// both sides suppressed through `share`, and differences only where both sides show a
/// figure.
#[tracing::instrument(skip_all)]
pub async fn view(
    store: &Store,
    actor: &Actor,
    slug: &str,
    month: &str,
    version: Option<i32>,
) -> CoreResult<MonthView> {
    actor.require(Permission::ViewReports)?;
    let community = community_by_slug(store, actor, slug).await?;
    let mut e = FieldErrors::new();
    let Some(first) = parse_month(&mut e, "month", Some(month)) else {
        return Err(CoreError::Invalid(e));
    };
    let versions = versions_of(store, community.id, first).await?;
    let chosen = match version {
        None => versions.last().cloned(),
        Some(v) => Some(versions.iter().find(|r| r.version == v).cloned().ok_or(CoreError::NotFound)?),
    };
    let suppress = must_suppress(actor, false);
    let q = ReportQuery {
        communities: vec![community.slug.clone()],
        from: Some(first.to_string()),
        to: Some(month_end(first).to_string()),
        outside: false,
    };
    let live = build(store, actor, &q).await?;
    let (frozen, frozen_report) = match chosen {
        Some(row) => {
            let lines = load_lines(store.conn(), row.id).await?;
            let f = Frozen { row, community: community.clone(), lines };
            let mut r = report_of(&f);
            if suppress {
                share(&mut r);
            }
            (Some(f), Some(r))
        }
        None => (None, None),
    };
    let differences =
        frozen_report.as_ref().map(|r| differences(&r.total.lines, &live.total.lines)).unwrap_or_default();
    let changes = match &frozen {
        Some(f) if may_drill_down(actor) && !differences.is_empty() => {
            changes_since(store, community.id, f.row.closed_at).await?
        }
        _ => Vec::new(),
    };
    Ok(MonthView {
        community,
        month: first,
        versions,
        frozen,
        frozen_report,
        live,
        differences,
        changes,
        may_close: crate::policy::allows(actor.role, Permission::CloseMonths),
    })
}

/// The closed months of a community, newest first, each with its latest version and
/// whether the live figures have moved since ("revised").
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, slug: &str) -> CoreResult<(community::Model, Vec<MonthSummary>)> {
    actor.require(Permission::ViewReports)?;
    let community = community_by_slug(store, actor, slug).await?;
    let rows = closed_month::Entity::find()
        .filter(closed_month::Column::CommunityId.eq(community.id))
        .order_by_desc(closed_month::Column::Month)
        .order_by_desc(closed_month::Column::Version)
        .all(store.conn())
        .await?;
    let mut out: Vec<MonthSummary> = Vec::new();
    for r in rows {
        if out.last().is_some_and(|m| m.month == r.month) {
            continue;
        }
        let v = view(store, actor, &community.slug, &month_label(r.month), Some(r.version)).await?;
        out.push(MonthSummary { month: r.month, versions: r.version, revised: v.revised(), latest: r });
    }
    Ok((community, out))
}

/// One version by community, month and number (latest when `None`), exact, for exports;
/// with how many versions there are. Readers who get suppressed reports get it shared.
#[tracing::instrument(skip_all)]
pub async fn frozen(
    store: &Store,
    actor: &Actor,
    slug: &str,
    month: &str,
    version: Option<i32>,
) -> CoreResult<(Frozen, Report, i32)> {
    actor.require(Permission::ViewReports)?;
    let community = community_by_slug(store, actor, slug).await?;
    let mut e = FieldErrors::new();
    let Some(first) = parse_month(&mut e, "month", Some(month)) else {
        return Err(CoreError::Invalid(e));
    };
    let versions = versions_of(store, community.id, first).await?;
    let of = versions.last().map(|r| r.version).unwrap_or(0);
    let row = match version {
        None => versions.last().cloned(),
        Some(v) => versions.into_iter().find(|r| r.version == v),
    }
    .ok_or(CoreError::NotFound)?;
    let lines = load_lines(store.conn(), row.id).await?;
    let f = Frozen { row, community, lines };
    let mut r = report_of(&f);
    if must_suppress(actor, false) {
        share(&mut r);
    }
    Ok((f, r, of))
}

/// A frozen version that does not hold what was frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenFault {
    pub community: String,
    pub month: String,
    pub version: i32,
    /// `values_changed` (the stored figures no longer give the stored hash),
    /// `no_audit_entry` (no close in the audit chain), `audit_hash_mismatch` (the chain
    /// recorded another hash).
    pub reason: &'static str,
}

impl std::fmt::Display for FrozenFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "community {}, month {}, version {}: {}", self.community, self.month, self.version, self.reason)
    }
}

/// Recomputes every frozen report's hash from its stored figures and compares it with the
/// stored hash and with the hash its close recorded in the audit chain (which `audit::verify`
/// proves intact). Returns every fault, oldest first.
#[tracing::instrument(skip_all)]
pub async fn verify(store: &Store) -> CoreResult<(u64, Vec<FrozenFault>)> {
    let conn = store.conn();
    let slugs: BTreeMap<i64, String> =
        community::Entity::find().all(conn).await?.into_iter().map(|c| (c.id, c.slug)).collect();
    let mut faults = Vec::new();
    let mut checked = 0u64;
    let mut after = 0i64;
    loop {
        let page = closed_month::Entity::find()
            .filter(closed_month::Column::Id.gt(after))
            .order_by_asc(closed_month::Column::Id)
            .limit(200)
            .all(conn)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page {
            checked += 1;
            let lines = load_lines(conn, row.id).await?;
            let fault = |reason| FrozenFault {
                community: slugs.get(&row.community_id).cloned().unwrap_or_else(|| row.community_id.to_string()),
                month: month_label(row.month),
                version: row.version,
                reason,
            };
            if hash_of(&row, &lines) != row.hash {
                faults.push(fault("values_changed"));
                continue;
            }
            let entry = audit_log::Entity::find()
                .filter(audit_log::Column::Chain.eq(row.community_id))
                .filter(audit_log::Column::Entity.eq(EntityKind::ClosedMonth.as_str()))
                .filter(audit_log::Column::EntityId.eq(row.id))
                .filter(audit_log::Column::Action.eq(Action::Create.as_str()))
                .one(conn)
                .await?;
            match entry {
                None => faults.push(fault("no_audit_entry")),
                Some(a) if hash_in_summary(&a.summary) != Some(row.hash.as_str()) => {
                    faults.push(fault("audit_hash_mismatch"))
                }
                Some(_) => {}
            }
        }
    }
    Ok((checked, faults))
}

/// How many versions are stored (tests, the CLI).
pub async fn count(store: &Store) -> CoreResult<u64> {
    Ok(closed_month::Entity::find().count(store.conn()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(key: &'static str, v: Option<f64>, unit: Unit, suppressed: bool) -> Line {
        Line {
            key,
            practice: "visits",
            dims: Dims::new(),
            unit,
            value: v,
            suppressed,
            numerator: None,
            denominator: None,
        }
    }

    #[test]
    fn months_parse_and_errors_name_the_field() {
        let mut e = FieldErrors::new();
        assert_eq!(parse_month(&mut e, "month", Some("2016-03")), NaiveDate::from_ymd_opt(2016, 3, 1));
        assert_eq!(parse_month(&mut e, "month", Some("2016-03-17")), NaiveDate::from_ymd_opt(2016, 3, 1));
        assert!(e.is_empty());
        assert_eq!(parse_month(&mut e, "month", Some("2016-13")), None);
        assert_eq!(e.get("month").map(|x| x.code), Some("invalid_month"));
        let mut e = FieldErrors::new();
        assert_eq!(parse_month(&mut e, "month", Some(" ")), None);
        assert_eq!(e.get("month").map(|x| x.code), Some("required"));
    }

    #[test]
    fn differences_are_exact_and_skip_hidden_figures() {
        let frozen = vec![
            line("visits", Some(10.0), Unit::Count, false),
            line("households", Some(7.0), Unit::Count, false),
            line("visit_coverage_pct", Some(12.5), Unit::Percent, false),
            line("residents", None, Unit::Count, true),
        ];
        let live = vec![
            line("visits", Some(12.0), Unit::Count, false),
            line("households", Some(7.0), Unit::Count, false),
            line("visit_coverage_pct", Some(12.6), Unit::Percent, false),
            line("residents", Some(9.0), Unit::Count, false),
        ];
        let d = differences(&frozen, &live);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(
            (d[0].key.as_str(), d[0].frozen, d[0].live, d[0].difference),
            ("visits", Some(10.0), Some(12.0), Some(2.0))
        );
        assert_eq!(d[1].difference, Some(0.1));
    }

    #[test]
    fn the_hash_covers_every_value_and_the_version() {
        let row = closed_month::Model {
            id: 1,
            community_id: 3,
            month: NaiveDate::from_ymd_opt(2016, 3, 1).unwrap_or_default(),
            version: 1,
            closed_by: Some(2),
            closed_by_name: "coord".into(),
            closed_at: Utc::now(),
            hash: String::new(),
        };
        let l = FrozenLine {
            key: "visits".into(),
            dims: Dims::new(),
            unit: Unit::Count,
            value: Some(10.0),
            numerator: None,
            denominator: None,
        };
        let h = hash_of(&row, std::slice::from_ref(&l));
        assert_ne!(h, hash_of(&row, &[FrozenLine { value: Some(11.0), ..l.clone() }]));
        assert_ne!(h, hash_of(&closed_month::Model { version: 2, ..row.clone() }, &[l]));
        assert_eq!(hash_in_summary(&audit_summary(row.month, 1, &h)), Some(h.as_str()));
    }
}
