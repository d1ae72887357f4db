//! Yearly goals: per community and year, a target for any indicator of the catalogue (with
//! its dimension values, e.g. person-times of the language classes), who committed to it,
//! and a note; and their live progress against a straight line through the year
//! (`progress`). The team's goal letter is printed from the same goals.
//!
//! A goal is about the team's services, never about a resident: its figure is the
//! catalogue's own (`indicators::evaluate`), so a goal can only ask for more of what the
//! reports already count. Goals and their progress are aggregates: anyone who may read
//! reports may read them (suppressed like reports for readers who see only aggregates);
//! coordinators and admins set them (`ManageGoals`). Writes are audited like every write.
//!
//! Targets are integers in the indicator's unit — counts; tenths of a percent (and of an
//! average); minutes for hours; fen for money — read from what a worker types by
//! `parse_target` without floats, and shown back by `format_target`.

pub mod demo;
pub mod progress;

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter, QueryOrder, Set};

use crate::audit::{self, Action, Entry};
use crate::entity::{goal, user};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::indicators::{self, Dims, Figure, Indicator, Rollup, Scope, Unit};
use crate::policy::{Actor, Permission};
use crate::practice::Practice;
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

pub use progress::{GoalStatus, Pace};

/// Goals as a practice: no indicators of its own (it sets targets for everyone else's), no
/// timeline (it is about the team, not a household), and the demo's 2016 goals.
pub const PRACTICE: Practice = Practice {
    key: "goals",
    indicators: Vec::new,
    timeline: None,
    demo: Some(demo::step),
    importers: &[],
    erase: None,
    subject: None,
};

/// The years a goal may be set for: wide enough for any real plan, narrow enough that a
/// typo (`216`) is caught.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A goal as submitted. On creation: community (slug; the actor's only one when left out),
/// year, indicator, its dimension values, target, owner; note optional. On a change, absent
/// keeps a field; community, year, indicator and dims never change (withdraw the goal and set
/// a new one).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    /// The community (slug); only on creation.
    #[schema(max_length = 100)]
    pub community: Option<String>,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// A catalogue key (`/api/v1/indicators`), e.g. `person_times`.
    #[schema(max_length = 100)]
    pub indicator: Option<String>,
    /// Values of the indicator's dimensions, e.g. `{"program_kind": "language"}`. A
    /// summed indicator may leave some out (all kinds together); others need every one.
    pub dims: Option<BTreeMap<String, String>>,
    /// The target as typed, in the indicator's unit: a count (`310`), a percentage (`100`,
    /// `95.5`), hours (`12.5`) or CNY (`2950.00`).
    #[schema(max_length = 30)]
    pub target: Option<String>,
    /// The team member who committed to it (a user of the community).
    #[schema(minimum = 1)]
    pub owner_user_id: Option<i64>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

/// The dimensions a goal on `ind` may name: its own, or for a ratio its parts'.
pub fn allowed_dims(ind: &Indicator) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ind.dimensions.clone();
    if let Rollup::Ratio { numerator, denominator } = ind.rollup {
        for part in [numerator, denominator] {
            if let Some(p) = indicators::find(part) {
                out.extend(p.dimensions.iter().copied());
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The number of decimals a target is typed with, and the integer it is stored as.
fn scale(unit: Unit) -> (usize, i64) {
    match unit {
        Unit::Count => (0, 1),
        Unit::Percent | Unit::Average => (1, 10),
        // Hours typed, minutes stored (two decimals; the minutes must be whole).
        Unit::Minutes => (2, 100),
        Unit::CnyMinor => (2, 100),
    }
}

/// A non-negative decimal with at most `decimals` places, as an integer of `10^decimals`
/// parts; digit by digit, never through a float.
fn fixed(typed: &str, decimals: usize) -> Option<i64> {
    let t: String = typed.trim().chars().filter(|c| *c != ',' && *c != ' ' && *c != '，').collect();
    let t = t.strip_suffix('%').unwrap_or(&t);
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > decimals || (t.contains('.') && frac.is_empty()) {
        return None;
    }
    let mut v: i64 = whole.parse().ok()?;
    for i in 0..decimals {
        let digit = frac.as_bytes().get(i).map_or(0, |b| i64::from(b - b'0'));
        v = v.checked_mul(10)?.checked_add(digit)?;
    }
    Some(v)
}

/// What a worker typed as a target, as the stored integer of `unit`; `None` if it is not a
/// number in that unit (or is not whole minutes).
pub fn parse_target(unit: Unit, typed: &str) -> Option<i64> {
    let (decimals, _) = scale(unit);
    let v = fixed(typed, decimals)?;
    match unit {
        Unit::Minutes => {
            let minutes = v.checked_mul(60)?;
            (minutes % 100 == 0).then_some(minutes / 100)
        }
        _ => Some(v),
    }
}

/// A stored value of `unit` as a worker would type it: `310`, `95.5`, `12.5`, `2,950.00`.
pub fn format_target(unit: Unit, v: i64) -> String {
    match unit {
        Unit::Count => v.to_string(),
        Unit::Percent | Unit::Average => {
            if v % 10 == 0 {
                (v / 10).to_string()
            } else {
                format!("{}.{}", v / 10, (v % 10).abs())
            }
        }
        Unit::Minutes => {
            let h = v / 60;
            let rest = v % 60;
            if rest == 0 {
                h.to_string()
            } else {
                let hundredths = rest * 100 / 60;
                let s = format!("{h}.{hundredths:02}");
                s.trim_end_matches('0').to_owned()
            }
        }
        Unit::CnyMinor => crate::money::format_minor(v),
    }
}

/// Dims as stored: canonical JSON, keys sorted.
pub fn dims_key(d: &Dims) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "{}".into())
}

/// Dims as stored, read back (unreadable → none).
pub fn dims_of(g: &goal::Model) -> Dims {
    serde_json::from_str(&g.dims).unwrap_or_default()
}

/// One goal of the actor's communities, or `NotFound`.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<goal::Model> {
    actor.require(Permission::ViewReports)?;
    let g = goal::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(g.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(g)
}

/// The goals of the actor's communities, by community, year, then as set; filtered by
/// community and year when given.
#[tracing::instrument(skip_all)]
pub async fn list(
    store: &Store,
    actor: &Actor,
    community_id: Option<i64>,
    year: Option<i32>,
) -> CoreResult<Vec<goal::Model>> {
    actor.require(Permission::ViewReports)?;
    let mut q = goal::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(goal::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(c) = community_id {
        q = q.filter(goal::Column::CommunityId.eq(c));
    }
    if let Some(y) = year {
        q = q.filter(goal::Column::Year.eq(y));
    }
    Ok(q.order_by_asc(goal::Column::CommunityId)
        .order_by_asc(goal::Column::Year)
        .order_by_asc(goal::Column::Id)
        .all(store.conn())
        .await?)
}

/// Who may commit to a goal of a community: its team (as `visits::people_of`).
pub async fn owners(store: &Store, community_id: i64) -> CoreResult<Vec<(i64, String, String)>> {
    crate::visits::people_of(store, community_id).await
}

struct Valid {
    dims: Dims,
    target: i64,
    owner: i64,
    note: Option<String>,
}

/// Checks what can change (target, owner, note) and, for `ind`, the dims.
async fn check(
    store: &Store,
    e: &mut FieldErrors,
    community_id: Option<i64>,
    ind: Option<&'static Indicator>,
    dims: &BTreeMap<String, String>,
    i: &GoalInput,
) -> CoreResult<Option<Valid>> {
    let mut clean = Dims::new();
    if let Some(ind) = ind {
        let allowed = allowed_dims(ind);
        for (k, v) in dims {
            let field = format!("dims.{k}");
            if !allowed.contains(&k.as_str()) {
                e.add(&field, "unknown_dimension");
            } else if v.trim().is_empty() {
                e.add(&field, "required");
            } else if v.chars().count() > 100 {
                e.add_arg(&field, "too_long", 100);
            } else {
                clean.insert(k.clone(), v.trim().to_owned());
            }
        }
        if ind.rollup != Rollup::Sum {
            for d in &allowed {
                if !dims.contains_key(*d) {
                    e.add(&format!("dims.{d}"), "required");
                }
            }
        }
    }
    let target = match (ind, i.target.as_deref().map(str::trim).filter(|t| !t.is_empty())) {
        (_, None) => {
            e.add("target", "required");
            None
        }
        (None, Some(_)) => None,
        (Some(ind), Some(t)) => match parse_target(ind.unit, t) {
            Some(v) if v > 0 => Some(v),
            Some(_) => {
                e.add("target", "target_not_positive");
                None
            }
            None => {
                e.add("target", "invalid_target");
                None
            }
        },
    };
    let owner = match i.owner_user_id {
        None => {
            e.add("owner_user_id", "required");
            None
        }
        Some(o) => match community_id {
            Some(c) if owners(store, c).await?.iter().any(|p| p.0 == o) => Some(o),
            Some(_) => {
                e.add("owner_user_id", "not_in_team");
                None
            }
            None => None,
        },
    };
    let note = validate::text(e, "note", i.note.as_deref(), 2000);
    Ok(match (target, owner) {
        (Some(target), Some(owner)) => Some(Valid { dims: clean, target, owner, note }),
        _ => None,
    })
}

fn indicator_field(e: &mut FieldErrors, key: Option<&str>) -> Option<&'static Indicator> {
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        None => {
            e.add("indicator", "required");
            None
        }
        Some(k) => {
            let found = indicators::find(k);
            if found.is_none() {
                e.add("indicator", "unknown_indicator");
            }
            found
        }
    }
}

/// Sets a goal. A second goal for the same community, year, indicator and dims is refused
/// on `indicator` (`goal_exists`): change the one there is.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, i: GoalInput) -> CoreResult<goal::Model> {
    actor.require(Permission::ManageGoals)?;
    let mut e = FieldErrors::new();
    let community = crate::requests::kinds::community_for(store, actor, &mut e, i.community.as_deref()).await?;
    let year = match i.year {
        None => {
            e.add("year", "required");
            None
        }
        Some(y) if YEARS.contains(&y) => Some(y),
        Some(_) => {
            e.add("year", "invalid_year");
            None
        }
    };
    let ind = indicator_field(&mut e, i.indicator.as_deref());
    let dims = i.dims.clone().unwrap_or_default();
    let v = check(store, &mut e, community, ind, &dims, &i).await?;
    e.into_result()?;
    let (Some(community), Some(year), Some(ind), Some(v)) = (community, year, ind, v) else {
        return Err(CoreError::Internal("validated goal".into()));
    };
    let key = dims_key(&v.dims);
    let tx = store.write().await?;
    let exists = goal::Entity::find()
        .filter(goal::Column::CommunityId.eq(community))
        .filter(goal::Column::Year.eq(year))
        .filter(goal::Column::Indicator.eq(ind.key))
        .filter(goal::Column::Dims.eq(key.as_str()))
        .one(&tx)
        .await?;
    if exists.is_some() {
        return Err(CoreError::invalid("indicator", "goal_exists"));
    }
    let now = Utc::now();
    let g = goal::ActiveModel {
        community_id: Set(community),
        year: Set(year),
        indicator: Set(ind.key.to_owned()),
        dims: Set(key),
        target: Set(v.target),
        owner_user_id: Set(v.owner),
        note: Set(v.note),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(store::map_unique)?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Goal, Some(g.id)).community(community).summary("goal"),
    )
    .await?;
    tx.commit().await?;
    Ok(g)
}

/// Changes a goal's target, owner or note (version-checked).
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, i: GoalInput) -> CoreResult<goal::Model> {
    let cur = get(store, actor, id).await?;
    actor.require(Permission::ManageGoals)?;
    let mut e = FieldErrors::new();
    if i.community.is_some() {
        e.add("community", "cannot_change");
    }
    if i.year.is_some_and(|y| y != cur.year) {
        e.add("year", "cannot_change");
    }
    if i.indicator.as_deref().is_some_and(|k| k.trim() != cur.indicator) {
        e.add("indicator", "cannot_change");
    }
    let cur_dims = dims_of(&cur);
    if i.dims.as_ref().is_some_and(|d| {
        let trimmed: Dims = d.iter().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect();
        trimmed != cur_dims
    }) {
        e.add("dims", "cannot_change");
    }
    let ind = indicators::find(&cur.indicator).ok_or_else(|| CoreError::Internal("goal indicator gone".into()))?;
    let merged = GoalInput {
        target: i.target.clone().or_else(|| Some(format_target(ind.unit, cur.target))),
        owner_user_id: i.owner_user_id.or(Some(cur.owner_user_id)),
        note: i.note.clone().or(cur.note.clone()),
        ..GoalInput::default()
    };
    let v = check(store, &mut e, Some(cur.community_id), Some(ind), &cur_dims, &merged).await?;
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated goal".into())) };
    let tx = store.write().await?;
    let row: goal::Model = store::locked::<goal::Entity>(&tx, cur.id).await?;
    crate::version::check(i.version.as_deref(), &row.updated_at)?;
    let mut a = row.into_active_model();
    a.target = Set(v.target);
    a.owner_user_id = Set(v.owner);
    a.note = Set(v.note);
    a.updated_at = Set(Utc::now());
    let g = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Goal, Some(g.id)).community(g.community_id).summary("goal"),
    )
    .await?;
    tx.commit().await?;
    Ok(g)
}

/// Withdraws (deletes) a goal. The version read is required (a goal changed meanwhile is
/// never withdrawn unseen). The audit log keeps that it was set and withdrawn, and by whom.
#[tracing::instrument(skip_all)]
pub async fn delete(store: &Store, actor: &Actor, id: i64, version: Option<&str>) -> CoreResult<()> {
    let cur = get(store, actor, id).await?;
    actor.require(Permission::ManageGoals)?;
    if version.is_none_or(|v| v.trim().is_empty()) {
        return Err(CoreError::invalid("version", "required"));
    }
    let tx = store.write().await?;
    let row: goal::Model = store::locked::<goal::Entity>(&tx, cur.id).await?;
    crate::version::check(version, &row.updated_at)?;
    let community = row.community_id;
    row.delete(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Withdraw, EntityKind::Goal, Some(id)).community(community).summary("goal withdrawn"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One goal's standing on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct GoalProgress {
    pub goal: goal::Model,
    pub dims: Dims,
    pub unit: Unit,
    /// The owner's display name ("who committed").
    pub owner: String,
    /// In the target's unit (tenths of a percent for a ratio); `None`: no figure (a ratio
    /// over nothing), not started, or hidden.
    pub actual: Option<i64>,
    pub target: i64,
    /// Actual as a percentage of the target, one decimal.
    pub pct: Option<f64>,
    /// What the straight line expects by the day (rounded up).
    pub expected: i64,
    pub status: GoalStatus,
    /// The ratio's parts, for a ratio goal (hidden with the figure).
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// The last day the figure covers (`None` before the year starts).
    pub through: Option<NaiveDate>,
}

/// The sum of `key`'s figures whose dims agree with the goal's (a figure's dimension the
/// goal leaves out is summed over).
fn part(figures: &[Figure], key: &str, dims: &Dims) -> i64 {
    figures
        .iter()
        .filter(|f| f.key == key && dims.iter().all(|(k, v)| f.dims.get(k).is_none_or(|fv| fv == v)))
        .map(|f| f.value.unwrap_or(0.0) as i64)
        .sum()
}

/// The keys whose figures a goal on `ind` needs.
fn needed(ind: &Indicator) -> Vec<&'static str> {
    match ind.rollup {
        Rollup::Ratio { numerator, denominator } => vec![numerator, denominator],
        _ => vec![ind.key],
    }
}

/// Progress of a community's goals of `year` on `as_of`: each goal's indicator evaluated for
/// the community over 1 January to `min(as_of, 31 December)` (a state indicator is its state
/// on that day), against the straight line. Readers who see only aggregates get counts of
/// 1–4 (and ratios built on them) hidden, as in reports.
#[tracing::instrument(skip_all)]
pub async fn progress(
    store: &Store,
    actor: &Actor,
    community_id: i64,
    year: i32,
    as_of: NaiveDate,
) -> CoreResult<Vec<GoalProgress>> {
    actor.require(Permission::ViewReports)?;
    if !actor.sees_community(community_id) {
        return Err(CoreError::NotFound);
    }
    let goals = list(store, actor, Some(community_id), Some(year)).await?;
    let pace = progress::pace(year, as_of);
    let mut keys: Vec<&'static str> = Vec::new();
    for g in &goals {
        if let Some(ind) = indicators::find(&g.indicator) {
            keys.extend(needed(ind));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    let figures = match (pace.through, NaiveDate::from_ymd_opt(year, 1, 1)) {
        (Some(through), Some(first)) if !keys.is_empty() => {
            indicators::evaluate(store, &Scope::new(vec![community_id], first, through)?, Some(keys.as_slice())).await?
        }
        _ => Vec::new(),
    };
    let hide = crate::reports::must_suppress(actor, false);
    let small = |v: i64| hide && v > 0 && v < crate::reports::SUPPRESS_BELOW;
    let names: BTreeMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(goals.iter().map(|g| g.owner_user_id).collect::<Vec<_>>()))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut out = Vec::with_capacity(goals.len());
    for g in goals {
        let Some(ind) = indicators::find(&g.indicator) else { continue };
        let dims = dims_of(&g);
        let (mut actual, mut numerator, mut denominator, mut hidden) = (None, None, None, false);
        if pace.through.is_some() {
            match ind.rollup {
                Rollup::Ratio { numerator: n, denominator: d } => {
                    let (nv, dv) = (part(&figures, n, &dims), part(&figures, d, &dims));
                    let factor = if ind.unit == Unit::Average { 10 } else { 1000 };
                    actual = progress::ratio_value(nv, dv, factor);
                    hidden = small(nv) || small(dv);
                    (numerator, denominator) = (Some(nv), Some(dv));
                }
                _ => {
                    let v = part(&figures, ind.key, &dims);
                    hidden = ind.unit == Unit::Count && small(v);
                    actual = Some(v);
                }
            }
        }
        let a = progress::assess(g.target, actual, pace);
        let (actual, pct, status) = if hidden {
            (numerator, denominator) = (None, None);
            (None, None, GoalStatus::Suppressed)
        } else {
            (actual, a.pct, a.status)
        };
        out.push(GoalProgress {
            owner: names.get(&g.owner_user_id).cloned().unwrap_or_default(),
            unit: ind.unit,
            target: g.target,
            expected: a.expected,
            through: pace.through,
            dims,
            goal: g,
            actual,
            pct,
            status,
            numerator,
            denominator,
        });
    }
    Ok(out)
}

/// Progress of one goal (for the API's single-goal answers).
pub async fn progress_of(store: &Store, actor: &Actor, g: &goal::Model, as_of: NaiveDate) -> CoreResult<GoalProgress> {
    progress(store, actor, g.community_id, g.year, as_of)
        .await?
        .into_iter()
        .find(|p| p.goal.id == g.id)
        .ok_or(CoreError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_in_their_unit_without_floats() {
        assert_eq!(parse_target(Unit::Count, "310"), Some(310));
        assert_eq!(parse_target(Unit::Count, "1,710"), Some(1710));
        assert_eq!(parse_target(Unit::Count, "3.5"), None);
        assert_eq!(parse_target(Unit::Percent, "100"), Some(1000));
        assert_eq!(parse_target(Unit::Percent, "95.5%"), Some(955));
        assert_eq!(parse_target(Unit::Percent, "95.55"), None);
        assert_eq!(parse_target(Unit::Minutes, "12.5"), Some(750));
        assert_eq!(parse_target(Unit::Minutes, "0.01"), None);
        assert_eq!(parse_target(Unit::CnyMinor, "2950.00"), Some(295_000));
        assert_eq!(parse_target(Unit::Count, "-3"), None);
        assert_eq!(parse_target(Unit::Count, "abc"), None);
        assert_eq!(parse_target(Unit::Count, "5."), None);
        for (unit, v) in [(Unit::Count, 310), (Unit::Percent, 955), (Unit::Minutes, 750), (Unit::CnyMinor, 295_000)] {
            assert_eq!(parse_target(unit, &format_target(unit, v)), Some(v), "{unit:?}");
        }
    }

    #[test]
    fn ratio_goals_may_name_their_parts_dimensions() {
        assert_eq!(indicators::find("request_coverage_pct").map(allowed_dims), Some(vec!["request_kind"]));
        assert_eq!(indicators::find("visit_coverage_pct").map(allowed_dims), Some(vec![]));
        assert_eq!(indicators::find("person_times").map(allowed_dims), Some(vec!["program_kind"]));
    }
}
