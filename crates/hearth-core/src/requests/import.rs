//! The service requests spreadsheet: one row a request, for a household named by its code,
//! matched again on household, kind, opening day and description. A ledger keeps requests
//! after the fact, so a row may give where one stands (its status, and the day of each step)
//! as well as how it was opened; both are checked by the rules the request's forms apply
//! (`records::details` for opening it, `records::step_day` for the later steps, and a note
//! when it cannot be resolved). A kind is the community's, named by its key or either name.
//!
//! A request passed to its provider needs the day it was (the waiting list is ordered by
//! it); a step's day without the status it belongs to is refused rather than guessed at.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use super::records::{self, DESCRIPTION_CHARS};
use super::{RequestStatus, kinds};
use crate::entity::{note, request, request_kind};
use crate::error::{CoreResult, FieldErrors};
use crate::import::{
    Context, Field, FieldKind, Outcome, Row, Template, households_by_code, text::header_key, text_field,
};
use crate::policy::Permission;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::validate;

/// `RequestStatus`'s words (a test keeps them in step).
const STATUSES: [&str; 4] = ["open", "passed_to_provider", "resolved", "cannot_resolve"];

const fn date(key: &'static str, required: bool, aliases: &'static [&'static str]) -> Field {
    Field { key, required, kind: FieldKind::Date, aliases }
}

const FIELDS: [Field; 9] = [
    text_field("household_code", 50, true, &["户号", "房号", "门牌号", "household code", "household"]),
    text_field("kind", 100, true, &["申请类别", "申请类型", "服务类别", "类型", "kind", "type"]),
    text_field("description", DESCRIPTION_CHARS, true, &["申请内容", "内容", "事项", "描述", "description"]),
    text_field("provider", 200, false, &["服务单位", "办理单位", "承办单位", "provider"]),
    date("opened_on", true, &["申请日期", "受理日期", "开立时间", "opened on", "opened"]),
    Field {
        key: "status",
        required: false,
        kind: FieldKind::Choice { values: &STATUSES, names: "request-status-" },
        aliases: &["状态", "办理状态", "进度", "status"],
    },
    date("passed_on", false, &["转交日期", "转交服务单位日期", "转交时间", "passed on"]),
    date("resolved_on", false, &["办结日期", "办结时间", "完成日期", "关闭日期", "resolved on", "closed on"]),
    text_field("note", crate::notes::MAX_CHARS, false, &["备注", "说明", "处理情况", "办理情况", "note", "notes"]),
];

pub const REQUESTS: Template = Template {
    key: "requests",
    names: "request-field-",
    fields: &FIELDS,
    key_of: request_key,
    entity: EntityKind::ServiceRequest,
    permission: Permission::TrackRequests,
    batch: requests_batch,
};

/// The same request opened twice for a household on one day would be one line written
/// twice. The kind as `kind_of` reads it: "Cable" and "cable" are one.
fn request_key(r: &Row) -> Option<String> {
    Some(format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        r.get("household_code")?,
        header_key(r.get("kind")?),
        r.get("opened_on")?,
        r.get("description")?
    ))
}

/// A request of a household, as matched again: (household, kind's key, opened on, description).
type Key = (i64, String, NaiveDate, String);

/// Requests already stored (or earlier in the batch) under each key, with their notes.
type Stored = HashMap<Key, Vec<(request::Model, Vec<String>)>>;

async fn stored(tx: &DatabaseTransaction, homes: &[i64], days: &[NaiveDate]) -> CoreResult<Stored> {
    let mut found = Vec::new();
    for chunk in homes.chunks(500) {
        found.extend(
            request::Entity::find()
                .filter(request::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(request::Column::OpenedOn.is_in(days.to_vec()))
                .all(tx)
                .await?,
        );
    }
    let ids: Vec<i64> = found.iter().map(|r| r.id).collect();
    let mut notes: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for n in note::Entity::find()
            .filter(note::Column::Entity.eq(EntityKind::ServiceRequest.as_str()))
            .filter(note::Column::EntityId.is_in(chunk.to_vec()))
            .all(tx)
            .await?
        {
            notes.entry(n.entity_id).or_default().push(n.body);
        }
    }
    let mut out: Stored = HashMap::new();
    for r in found {
        let key = (r.household_id, r.kind.clone(), r.opened_on, r.description.clone());
        let n = notes.remove(&r.id).unwrap_or_default();
        out.entry(key).or_default().push((r, n));
    }
    Ok(out)
}

/// Where the row says the request stands, checked: the day each step it has reached needs,
/// and no day of a step it has not.
fn steps(
    e: &mut FieldErrors,
    r: &Row,
    opened_on: Option<NaiveDate>,
) -> (RequestStatus, Option<NaiveDate>, Option<NaiveDate>) {
    let status = validate::word::<RequestStatus>(e, "status", r.get("status")).unwrap_or(RequestStatus::Open);
    let passed_on = validate::date(e, "passed_on", r.get("passed_on"));
    let resolved_on = validate::date(e, "resolved_on", r.get("resolved_on"));
    let (passed_needed, resolved_needed) = match status {
        RequestStatus::Open => (Some(false), false),
        RequestStatus::PassedToProvider => (Some(true), false),
        RequestStatus::Resolved | RequestStatus::CannotResolve => (None, true),
    };
    for (field, day, needed) in
        [("passed_on", passed_on, passed_needed), ("resolved_on", resolved_on, Some(resolved_needed))]
    {
        match (day, needed) {
            (None, Some(true)) if e.get(field).is_none() => e.add(field, "required"),
            (Some(_), Some(false)) => e.add(field, "date_needs_status"),
            _ => {}
        }
    }
    if let Some(o) = opened_on {
        if let Some(p) = passed_on {
            records::step_day(e, "passed_on", p, o, None);
        }
        if let Some(d) = resolved_on {
            records::step_day(e, "resolved_on", d, o, passed_on);
        }
    }
    (status, passed_on, resolved_on)
}

fn requests_batch<'a>(ctx: &'a Context<'a>, tx: &'a DatabaseTransaction, rows: &'a [Row]) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let community = ctx.community.id;
        let homes = households_by_code(tx, community, rows.iter().filter_map(|r| r.owned("household_code"))).await?;
        // A kind by any of its spellings; a key wins over another kind's name.
        let kinds = kinds::of_community(tx, community).await?;
        let mut kind_of: HashMap<String, &request_kind::Model> = HashMap::new();
        for k in &kinds {
            kind_of.insert(header_key(&k.name_en), k);
            kind_of.insert(header_key(&k.name_zh), k);
        }
        for k in &kinds {
            kind_of.insert(header_key(&k.key), k);
        }
        let home_ids: Vec<i64> = homes.values().map(|h| h.id).collect();
        let mut days: Vec<NaiveDate> = rows.iter().filter_map(|r| r.get("opened_on")?.parse().ok()).collect();
        days.sort_unstable();
        days.dedup();
        let mut existing = stored(tx, &home_ids, &days).await?;
        let now = Utc::now();
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        let mut fresh: Vec<(usize, request::Model, Option<String>)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let mut e = FieldErrors::new();
            let (description, provider, opened_on) =
                records::details(&mut e, r.get("description"), r.get("provider"), r.get("opened_on"));
            let home = r.get("household_code").and_then(|c| homes.get(c));
            if home.is_none() {
                e.add("household_code", "unknown_household");
            }
            let kind = r.get("kind").and_then(|k| kind_of.get(&header_key(k)));
            if kind.is_none() {
                e.add("kind", "unknown_kind");
            }
            let (status, passed_on, resolved_on) = steps(&mut e, r, opened_on);
            let note = crate::notes::check(&mut e, "note", r.get("note"));
            // As when the form closes one so: the team says why.
            if status == RequestStatus::CannotResolve && note.is_none() && e.get("note").is_none() {
                e.add("note", "required");
            }
            let (Some(h), Some(kind), Some(description), Some(opened_on), true) =
                (home, kind, description, opened_on, e.is_empty())
            else {
                out[i] = Some(Outcome::Invalid(e.0));
                continue;
            };
            let model = request::Model {
                id: 0,
                community_id: community,
                household_id: h.id,
                kind: kind.key.clone(),
                description,
                provider,
                opened_on,
                status,
                passed_on,
                resolved_on,
                created_by: ctx.actor.user_id,
                created_at: now,
                updated_at: now,
            };
            let key = (h.id, model.kind.clone(), opened_on, model.description.clone());
            let problem =
                |field: &str, code| Outcome::Invalid(vec![crate::FieldError { field: field.into(), code, arg: None }]);
            out[i] = Some(match existing.get(&key) {
                Some(found) => {
                    let same = |(s, notes): &(request::Model, Vec<String>)| {
                        let details = request::Model {
                            id: s.id,
                            created_by: s.created_by,
                            created_at: s.created_at,
                            updated_at: s.updated_at,
                            ..model.clone()
                        };
                        details == *s && note.as_ref().is_none_or(|n| notes.contains(n))
                    };
                    if found.iter().any(same) { Outcome::Unchanged } else { problem("opened_on", "exists_differs") }
                }
                // Retired: offered for no new request (an old one still matches above).
                None if kind.retired => problem("kind", "unknown_kind"),
                None => {
                    existing.entry(key).or_default().push((model.clone(), note.iter().cloned().collect()));
                    fresh.push((i, model, note));
                    Outcome::New(RecordRef::new(EntityKind::ServiceRequest, 0))
                }
            });
        }
        if ctx.write && !fresh.is_empty() {
            let key = |m: &request::Model| (m.household_id, m.kind.clone(), m.opened_on, m.description.clone());
            let at: HashMap<Key, (usize, Option<String>)> =
                fresh.iter().map(|(i, m, n)| (key(m), (*i, n.clone()))).collect();
            let models = fresh.into_iter().map(|(_, m, _)| request::ActiveModel {
                community_id: Set(m.community_id),
                household_id: Set(m.household_id),
                kind: Set(m.kind),
                description: Set(m.description),
                provider: Set(m.provider),
                opened_on: Set(m.opened_on),
                status: Set(m.status),
                passed_on: Set(m.passed_on),
                resolved_on: Set(m.resolved_on),
                created_by: Set(m.created_by),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            for r in request::Entity::insert_many(models).exec_with_returning(tx).await? {
                let Some((i, note)) = at.get(&key(&r)) else { continue };
                let rec = RecordRef::new(EntityKind::ServiceRequest, r.id);
                out[*i] = Some(Outcome::NewAbout(rec, vec![RecordRef::new(EntityKind::Household, r.household_id)]));
                if let Some(body) = note {
                    crate::notes::add(tx, ctx.actor, rec, community, body.clone()).await?;
                }
            }
        }
        Ok(out.into_iter().map(|o| o.unwrap_or(Outcome::Unchanged)).collect())
    })
}

#[cfg(test)]
mod tests {
    use crate::word::Word;

    #[test]
    fn the_statuses_are_the_request_statuses() {
        let words: Vec<String> = super::RequestStatus::all().iter().map(Word::word).collect();
        assert_eq!(words, super::STATUSES);
    }
}
