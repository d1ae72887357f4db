//! The visits spreadsheet: one row a visit, to a household named by its code, matched again
//! on household, day and purpose. Rows are checked by the visit form's rules
//! (`records::check_fields`, and `may_visit` for the visitors, who are named by username or
//! display name as a ledger writes them).
//!
//! The needs a visit found are not part of the template: each opens a follow-up with an
//! owner and a due date, which a ledger does not have; they are recorded on the visit's
//! page. A visit is written without `records::record`, which commits and audits each one:
//! here the whole batch is in the import's transaction under its one audit entry.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use super::records::{self, VisitFields, VisitInput};
use super::{VisitPurpose, may_visit};
use crate::entity::{user, visit, visit_visitor};
use crate::error::{CoreResult, FieldErrors};
use crate::import::{Context, Field, FieldKind, Outcome, Row, Template, households_by_code, text_field};
use crate::policy::Permission;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};

/// `VisitPurpose`'s words (a test keeps them in step).
const PURPOSES: [&str; 4] = ["welcome", "follow_up", "hardship_check", "other"];

const FIELDS: [Field; 6] = [
    text_field("household_code", 50, true, &["户号", "房号", "门牌号", "household code", "household"]),
    Field {
        key: "visited_on",
        required: true,
        kind: FieldKind::Date,
        aliases: &["走访日期", "走访时间", "日期", "date", "visited on"],
    },
    Field {
        key: "purpose",
        required: true,
        kind: FieldKind::Choice { values: &PURPOSES, names: "visit-purpose-" },
        aliases: &["走访事由", "事由", "目的", "purpose"],
    },
    text_field("visitors", 500, false, &["走访人", "走访人员", "visitors", "visited by"]),
    text_field("companions", 500, false, &["陪同人员", "同行人员", "companions"]),
    text_field("notes", 4000, false, &["走访情况", "备注", "情况记录", "notes", "remarks"]),
];

pub const VISITS: Template = Template {
    key: "visits",
    names: "visit-field-",
    fields: &FIELDS,
    key_of: visit_key,
    entity: EntityKind::Visit,
    permission: Permission::RecordVisits,
    batch: visits_batch,
};

/// One visit a household a day for one purpose: a ledger's line.
fn visit_key(r: &Row) -> Option<String> {
    Some(format!("{}\u{1f}{}\u{1f}{}", r.get("household_code")?, r.get("visited_on")?, r.get("purpose")?))
}

/// A visitors cell's names: split at `,` `;` `、` (full-width ones are already half-width);
/// each part is one name or, if no user has it, several separated by spaces.
fn parts(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([',', ';', '、']).map(str::trim).filter(|p| !p.is_empty())
}

/// The users a batch may name as visitors in the community, by username and display name.
struct Visitors {
    by_username: HashMap<String, i64>,
    by_name: HashMap<String, Vec<i64>>,
}

impl Visitors {
    async fn load(tx: &DatabaseTransaction, community: i64, rows: &[Row]) -> CoreResult<Visitors> {
        let mut names = HashSet::new();
        for p in rows.iter().filter_map(|r| r.get("visitors")).flat_map(parts) {
            names.insert(p.to_owned());
            names.extend(p.split_whitespace().map(str::to_owned));
        }
        let names: Vec<String> = names.into_iter().collect();
        let mut found = Vec::new();
        for chunk in names.chunks(500) {
            let lower: Vec<String> = chunk.iter().map(|n| n.to_lowercase()).collect();
            found.extend(
                user::Entity::find()
                    .filter(
                        Condition::any()
                            .add(user::Column::Username.is_in(lower))
                            .add(user::Column::DisplayName.is_in(chunk.to_vec())),
                    )
                    .all(tx)
                    .await?,
            );
        }
        found.sort_by_key(|u| u.id);
        found.dedup_by_key(|u| u.id);
        let mut v = Visitors { by_username: HashMap::new(), by_name: HashMap::new() };
        for u in may_visit(tx, community, found).await? {
            v.by_username.insert(u.username, u.id);
            v.by_name.entry(u.display_name).or_default().push(u.id);
        }
        Ok(v)
    }

    /// A username, or a display name only one of them has.
    fn one(&self, name: &str) -> Option<i64> {
        self.by_username.get(&name.to_lowercase()).copied().or(match self.by_name.get(name).map(Vec::as_slice) {
            Some([id]) => Some(*id),
            _ => None,
        })
    }

    fn all(&self, cell: &str) -> Option<BTreeSet<i64>> {
        let mut ids = BTreeSet::new();
        for p in parts(cell) {
            match self.one(p) {
                Some(id) => {
                    ids.insert(id);
                }
                None => {
                    for n in p.split_whitespace() {
                        ids.insert(self.one(n)?);
                    }
                }
            }
        }
        Some(ids)
    }
}

type Stored = HashMap<(i64, NaiveDate, VisitPurpose), Vec<(visit::Model, BTreeSet<i64>)>>;

/// The visits already recorded for the batch's households on its days, with their visitors.
async fn stored(tx: &DatabaseTransaction, homes: &[i64], days: &[NaiveDate]) -> CoreResult<Stored> {
    let mut visits = Vec::new();
    for chunk in homes.chunks(500) {
        visits.extend(
            visit::Entity::find()
                .filter(visit::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(visit::Column::VisitedOn.is_in(days.to_vec()))
                .all(tx)
                .await?,
        );
    }
    let ids: Vec<i64> = visits.iter().map(|v| v.id).collect();
    let mut who: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for l in
            visit_visitor::Entity::find().filter(visit_visitor::Column::VisitId.is_in(chunk.to_vec())).all(tx).await?
        {
            who.entry(l.visit_id).or_default().insert(l.user_id);
        }
    }
    let mut out: Stored = HashMap::new();
    for v in visits {
        let visitors = who.remove(&v.id).unwrap_or_default();
        out.entry((v.household_id, v.visited_on, v.purpose)).or_default().push((v, visitors));
    }
    Ok(out)
}

fn visits_batch<'a>(ctx: &'a Context<'a>, tx: &'a DatabaseTransaction, rows: &'a [Row]) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let community = ctx.community.id;
        let homes = households_by_code(tx, community, rows.iter().filter_map(|r| r.owned("household_code"))).await?;
        let visitors = Visitors::load(tx, community, rows).await?;
        // The importing user, when a row names nobody: as the form does, if they may visit.
        let me = match ctx.actor.user_id {
            Some(id) => {
                may_visit(tx, community, user::Entity::find_by_id(id).all(tx).await?).await?.first().map(|u| u.id)
            }
            None => None,
        };
        let home_ids: Vec<i64> = homes.values().map(|h| h.id).collect();
        let mut days: Vec<NaiveDate> = rows.iter().filter_map(|r| r.get("visited_on")?.parse().ok()).collect();
        days.sort_unstable();
        days.dedup();
        let existing = stored(tx, &home_ids, &days).await?;
        let now = Utc::now();
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        let mut fresh: Vec<(usize, visit::Model, BTreeSet<i64>)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let mut e = FieldErrors::new();
            let input = VisitInput {
                visited_on: r.owned("visited_on"),
                purpose: r.owned("purpose"),
                companions: r.owned("companions"),
                notes: r.owned("notes"),
                ..Default::default()
            };
            let VisitFields { visited_on, purpose, companions, notes } = records::check_fields(&mut e, &input);
            let home = r.get("household_code").and_then(|c| homes.get(c));
            if home.is_none() {
                e.add("household_code", "unknown_household");
            }
            let who = match r.get("visitors") {
                Some(cell) => visitors.all(cell),
                None => me.map(|id| BTreeSet::from([id])),
            };
            match &who {
                None if r.get("visitors").is_none() => e.add("visitors", "required"),
                None => e.add("visitors", "unknown_user"),
                Some(_) => {}
            }
            let (Some(h), Some(visited_on), Some(purpose), Some(who), true) =
                (home, visited_on, purpose, who, e.is_empty())
            else {
                out[i] = Some(Outcome::Invalid(e.0));
                continue;
            };
            let model = visit::Model {
                id: 0,
                community_id: community,
                household_id: h.id,
                visited_on,
                purpose,
                companions,
                notes,
                recorded_by: ctx.actor.user_id,
                created_at: now,
            };
            let matches = existing.get(&(h.id, visited_on, purpose));
            out[i] = Some(match matches {
                Some(found) => {
                    let same = |(v, w): &(visit::Model, BTreeSet<i64>)| {
                        (&v.companions, &v.notes) == (&model.companions, &model.notes) && *w == who
                    };
                    if found.iter().any(same) {
                        Outcome::Unchanged
                    } else {
                        Outcome::Invalid(vec![crate::FieldError {
                            field: "visited_on".into(),
                            code: "exists_differs",
                            arg: None,
                        }])
                    }
                }
                None => {
                    fresh.push((i, model, who));
                    Outcome::New(RecordRef::new(EntityKind::Visit, 0))
                }
            });
        }
        if ctx.write && !fresh.is_empty() {
            let key = |v: &visit::Model| (v.household_id, v.visited_on, v.purpose);
            let at: HashMap<_, (usize, BTreeSet<i64>)> =
                fresh.iter().map(|(i, m, who)| (key(m), (*i, who.clone()))).collect();
            let models = fresh.into_iter().map(|(_, m, _)| visit::ActiveModel {
                community_id: Set(m.community_id),
                household_id: Set(m.household_id),
                visited_on: Set(m.visited_on),
                purpose: Set(m.purpose),
                companions: Set(m.companions),
                notes: Set(m.notes),
                recorded_by: Set(m.recorded_by),
                created_at: Set(now),
                ..Default::default()
            });
            let stored = visit::Entity::insert_many(models).exec_with_returning(tx).await?;
            let mut links = Vec::new();
            for v in &stored {
                if let Some((i, who)) = at.get(&key(v)) {
                    out[*i] = Some(Outcome::NewAbout(
                        RecordRef::new(EntityKind::Visit, v.id),
                        vec![RecordRef::new(EntityKind::Household, v.household_id)],
                    ));
                    links.extend(
                        who.iter().map(|u| visit_visitor::ActiveModel { visit_id: Set(v.id), user_id: Set(*u) }),
                    );
                }
            }
            for chunk in links.chunks(1000) {
                visit_visitor::Entity::insert_many(chunk.to_vec()).exec_without_returning(tx).await?;
            }
        }
        Ok(out.into_iter().map(|o| o.unwrap_or(Outcome::Unchanged)).collect())
    })
}

#[cfg(test)]
mod tests {
    use crate::word::Word;

    #[test]
    fn the_purposes_are_the_visit_purposes() {
        let words: Vec<String> = super::VisitPurpose::all().iter().map(Word::word).collect();
        assert_eq!(words, super::PURPOSES);
    }
}
