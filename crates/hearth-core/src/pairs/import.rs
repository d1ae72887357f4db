//! The pairing ledger (结对台账): one row per household paired with a helper the community
//! already has, named as the team knows them. A new pair is checked as `records::create`
//! checks one (a household still living there, an active helper, never the household
//! itself, not twice at once: `records::check_pairing`) and its end as `records::end` checks
//! one (`records::check_end_day`); a row matching a pair already there is left as it is.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set};

use super::Cadence;
use super::records::{check_end_day, check_pairing};
use crate::entity::{helper, household, pair, user};
use crate::error::{CoreResult, FieldErrors};
use crate::import::text::header_key;
use crate::import::{self, Context, Field, FieldKind, Outcome, Row, Template, problem, text_field};
use crate::policy::Permission;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::validate;

/// `Cadence`'s words (a test keeps them so).
const CADENCES: [&str; 3] = ["weekly", "fortnightly", "monthly"];

const FIELDS: [Field; 7] = [
    text_field("household_code", 50, true, &["户号", "房号", "门牌号", "结对户号", "household code", "household"]),
    text_field("helper", 200, true, &["志愿者", "结对志愿者", "帮扶人", "结对人", "结对干部", "helper", "volunteer"]),
    Field {
        key: "cadence",
        required: false,
        kind: FieldKind::Choice { values: &CADENCES, names: "pair-cadence-" },
        aliases: &["频率", "走访频率", "联系频次", "cadence"],
    },
    Field {
        key: "started_on",
        required: true,
        kind: FieldKind::Date,
        aliases: &["结对日期", "结对时间", "结对开始日期", "start date", "paired on"],
    },
    text_field("purpose", 1000, false, &["结对目的", "帮扶内容", "帮扶事项", "目的", "purpose"]),
    Field {
        key: "ended_on",
        required: false,
        kind: FieldKind::Date,
        aliases: &["结束日期", "解除日期", "解除结对日期", "end date"],
    },
    text_field("end_reason", 1000, false, &["结束原因", "解除原因", "end reason"]),
];

pub const PAIRS: Template = Template {
    key: "pairs",
    names: "pair-field-",
    fields: &FIELDS,
    key_of: pair_key,
    entity: EntityKind::Pair,
    permission: Permission::ManagePairs,
    batch: pairs_batch,
};

/// The household, the helper as matched (case, spacing and punctuation aside) and the start.
fn pair_key(r: &Row) -> Option<String> {
    Some(format!("{}\u{1f}{}\u{1f}{}", r.get("household_code")?, header_key(r.get("helper")?), r.get("started_on")?))
}

/// The community's helpers by every name a ledger calls them: a login's display name, the
/// helper's own name, a neighbour's household code.
async fn helpers_by_name(tx: &DatabaseTransaction, community: i64) -> CoreResult<HashMap<String, Vec<helper::Model>>> {
    let all = helper::Entity::find().filter(helper::Column::CommunityId.eq(community)).all(tx).await?;
    let logins: Vec<i64> = all.iter().filter_map(|h| h.user_id).collect();
    let users: HashMap<i64, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(logins))
        .into_tuple::<(i64, String)>()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    let homes: Vec<i64> = all.iter().filter_map(|h| h.household_id).collect();
    let codes: HashMap<i64, String> = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::Code)
        .filter(household::Column::Id.is_in(homes))
        .into_tuple::<(i64, String)>()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    let mut out: HashMap<String, Vec<helper::Model>> = HashMap::new();
    for h in all {
        let mut names: Vec<String> =
            [h.user_id.and_then(|u| users.get(&u)), h.name.as_ref(), h.household_id.and_then(|x| codes.get(&x))]
                .into_iter()
                .flatten()
                .map(|n| header_key(n))
                .filter(|n| !n.is_empty())
                .collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            out.entry(n).or_default().push(h.clone());
        }
    }
    Ok(out)
}

/// The helper a name stands for: the only one so called, or the only active one (a helper
/// who stopped may share a name with one who took over).
fn helper_named(found: Option<&Vec<helper::Model>>) -> Result<&helper::Model, &'static str> {
    let all = found.map(Vec::as_slice).unwrap_or_default();
    let mut active = all.iter().filter(|h| h.active);
    match (all, active.next(), active.next()) {
        ([], ..) => Err("unknown_helper"),
        ([one], ..) | (_, Some(one), None) => Ok(one),
        _ => Err("ambiguous"),
    }
}

fn pairs_batch<'a>(ctx: &'a Context<'a>, tx: &'a DatabaseTransaction, rows: &'a [Row]) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let community = ctx.community.id;
        let homes =
            import::households_by_code(tx, community, rows.iter().filter_map(|r| r.owned("household_code"))).await?;
        let helpers = helpers_by_name(tx, community).await?;
        let home_ids: Vec<i64> = homes.values().map(|h| h.id).collect();
        let mut stored: HashMap<(i64, i64, NaiveDate), pair::Model> = HashMap::new();
        let mut open: HashSet<(i64, i64)> = HashSet::new();
        for chunk in home_ids.chunks(500) {
            for p in pair::Entity::find().filter(pair::Column::HouseholdId.is_in(chunk.to_vec())).all(tx).await? {
                if p.ended_on.is_none() {
                    open.insert((p.household_id, p.helper_id));
                }
                stored.insert((p.household_id, p.helper_id, p.started_on), p);
            }
        }
        let now = Utc::now();
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        let mut fresh: HashMap<(i64, i64, NaiveDate), (usize, pair::Model)> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            let mut e = FieldErrors::new();
            let home = r.get("household_code").and_then(|c| homes.get(c));
            if home.is_none() {
                e.add("household_code", "unknown_household");
            }
            let hp = helper_named(r.get("helper").and_then(|n| helpers.get(&header_key(n))))
                .map_err(|code| e.add("helper", code))
                .ok();
            let cadence = match r.get("cadence") {
                None => Some(Cadence::Weekly),
                v => validate::word::<Cadence>(&mut e, "cadence", v),
            };
            let purpose = validate::text(&mut e, "purpose", r.get("purpose"), 1000);
            let started_on = validate::required_date(&mut e, "started_on", r.get("started_on"));
            let ended_on = validate::date(&mut e, "ended_on", r.get("ended_on"));
            if let Some(s) = started_on {
                check_end_day(&mut e, "ended_on", s, ended_on);
            }
            let end_reason = validate::text(&mut e, "end_reason", r.get("end_reason"), 1000);
            if end_reason.is_some() && r.get("ended_on").is_none() {
                e.add("ended_on", "required");
            }
            let (Some(h), Some(hp), Some(cadence), Some(started_on), true) =
                (home, hp, cadence, started_on, e.is_empty())
            else {
                out[i] = Some(Outcome::Invalid(e.0));
                continue;
            };
            let model = pair::Model {
                id: 0,
                community_id: community,
                household_id: h.id,
                helper_id: hp.id,
                helper_user_id: hp.user_id,
                purpose,
                cadence,
                started_on,
                ended_on,
                end_reason,
                created_by: ctx.actor.user_id,
                updated_at: now,
            };
            let key = (h.id, hp.id, started_on);
            let same = |s: &pair::Model| {
                pair::Model { id: s.id, created_by: s.created_by, updated_at: s.updated_at, ..model.clone() } == *s
            };
            if let Some(s) = stored.get(&key).or(fresh.get(&key).map(|(_, m)| m)) {
                out[i] = Some(if same(s) {
                    Outcome::Unchanged
                } else {
                    Outcome::Invalid(vec![problem("started_on", "exists_differs")])
                });
                continue;
            }
            // What only a new pair must be (the form's rules for creating one).
            if h.moved_out_on.is_some() {
                e.add("household_code", "unknown_household");
            }
            if !hp.active {
                e.add("helper", "unknown_helper");
            }
            check_pairing(&mut e, "helper", h.id, hp, ended_on.is_none() && open.contains(&(h.id, hp.id)));
            out[i] = Some(if e.is_empty() {
                if ended_on.is_none() {
                    open.insert((h.id, hp.id));
                }
                fresh.insert(key, (i, model));
                Outcome::New(RecordRef::new(EntityKind::Pair, 0))
            } else {
                Outcome::Invalid(e.0)
            });
        }
        if ctx.write && !fresh.is_empty() {
            let models = fresh.values().map(|(_, m)| pair::ActiveModel {
                community_id: Set(m.community_id),
                household_id: Set(m.household_id),
                helper_id: Set(m.helper_id),
                helper_user_id: Set(m.helper_user_id),
                purpose: Set(m.purpose.clone()),
                cadence: Set(m.cadence),
                started_on: Set(m.started_on),
                ended_on: Set(m.ended_on),
                end_reason: Set(m.end_reason.clone()),
                created_by: Set(m.created_by),
                updated_at: Set(now),
                ..Default::default()
            });
            for p in pair::Entity::insert_many(models).exec_with_returning(tx).await? {
                if let Some((i, _)) = fresh.get(&(p.household_id, p.helper_id, p.started_on)) {
                    out[*i] = Some(Outcome::NewAbout(
                        RecordRef::new(EntityKind::Pair, p.id),
                        vec![RecordRef::new(EntityKind::Household, p.household_id)],
                    ));
                }
            }
        }
        Ok(out.into_iter().map(|o| o.unwrap_or(Outcome::Unchanged)).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::word::Word;

    #[test]
    fn the_choices_are_the_cadences_words() {
        assert_eq!(Cadence::all().iter().map(Word::word).collect::<Vec<_>>(), CADENCES);
    }
}
