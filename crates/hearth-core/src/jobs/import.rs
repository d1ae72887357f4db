//! The placement ledger: one row per job a resident started, at an employer the team already
//! works with (named as it is in hearth; the import never makes one up). A row is checked
//! as `placements::place` and `placements::change` check a placement and its end, and gets
//! the same 3- and 6-month check-ins (`placements::check_ins_of`), settled by an end it
//! already has. Through a fair or a referral a placement is recorded from that record, so
//! such a row only matches a placement already there.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set};

use super::placements::{check_ins_of, end_day};
use super::{EndReason, PlacedVia};
use crate::entity::{check_in, employer, placement};
use crate::error::FieldErrors;
use crate::import::text::header_key;
use crate::import::{self, Context, Field, FieldKind, Outcome, PERSON, Row, Template, person_of, problem, text_field};
use crate::policy::Permission;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::validate;

/// `PlacedVia`'s and `EndReason`'s words (a test keeps them so).
const VIAS: [&str; 3] = ["fair", "referral", "own_search"];
const END_REASONS: [&str; 4] = ["resident_left", "contract_ended", "dismissed", "other"];

const FIELDS: [Field; 9] = [
    text_field("household_code", 50, false, &["户号", "房号", "门牌号", "household code", "household"]),
    text_field(
        "external_id",
        50,
        false,
        &["编号", "居民编号", "人员编号", "台账编号", "id", "resident id", "external id"],
    ),
    text_field("full_name", 200, false, &["姓名", "名字", "就业人员", "name", "full name"]),
    text_field(
        "employer",
        200,
        true,
        &["用工单位", "就业单位", "单位", "单位名称", "企业", "企业名称", "雇主", "employer", "company"],
    ),
    text_field("job_title", 200, true, &["岗位", "工种", "职位", "岗位名称", "job", "job title", "position"]),
    Field {
        key: "started_on",
        required: true,
        kind: FieldKind::Date,
        aliases: &["入职日期", "上岗日期", "就业日期", "入职时间", "开始日期", "start date", "started"],
    },
    Field {
        key: "via",
        required: true,
        kind: FieldKind::Choice { values: &VIAS, names: "placed-via-" },
        aliases: &["就业途径", "途径", "渠道", "how", "came through"],
    },
    Field {
        key: "ended_on",
        required: false,
        kind: FieldKind::Date,
        aliases: &["离职日期", "离岗日期", "离职时间", "结束日期", "end date", "last day"],
    },
    Field {
        key: "end_reason",
        required: false,
        kind: FieldKind::Choice { values: &END_REASONS, names: "end-reason-" },
        aliases: &["离职原因", "离岗原因", "end reason"],
    },
];

pub const PLACEMENTS: Template = Template {
    key: "placements",
    names: "placement-field-",
    fields: &FIELDS,
    key_of: placement_key,
    entity: EntityKind::Placement,
    permission: Permission::HelpIntoWork,
    batch: placements_batch,
};

/// The person, the employer as matched (case, spacing and punctuation aside) and the start.
fn placement_key(r: &Row) -> Option<String> {
    let person = import::resident_key_of(r, PERSON)?;
    Some(format!("{person}\u{1f}{}\u{1f}{}", header_key(r.get("employer")?), r.get("started_on")?))
}

fn placements_batch<'a>(
    ctx: &'a Context<'a>,
    tx: &'a DatabaseTransaction,
    rows: &'a [Row],
) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let community = ctx.community.id;
        let employers = import::by_spelling(
            employer::Entity::find()
                .select_only()
                .column(employer::Column::Id)
                .column(employer::Column::Name)
                .filter(employer::Column::CommunityId.eq(community))
                .into_tuple::<(i64, String)>()
                .all(tx)
                .await?,
        );
        let people = import::residents_by_key(tx, community, rows, PERSON).await?;
        let mut ids: Vec<i64> = people.values().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut stored: HashMap<(i64, i64, NaiveDate), placement::Model> = HashMap::new();
        for chunk in ids.chunks(500) {
            for p in placement::Entity::find()
                .filter(placement::Column::CommunityId.eq(community))
                .filter(placement::Column::ResidentId.is_in(chunk.to_vec()))
                .all(tx)
                .await?
            {
                stored.insert((p.resident_id, p.employer_id, p.started_on), p);
            }
        }
        let now = Utc::now();
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        let mut fresh: HashMap<(i64, i64, NaiveDate), (usize, placement::Model)> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            let mut e = FieldErrors::new();
            let person = person_of(&mut e, &people, r);
            let employer =
                match import::only(r.get("employer").and_then(|n| employers.get(&header_key(n))), "unknown_employer") {
                    Ok(id) => Some(id),
                    Err(code) => {
                        e.add("employer", code);
                        None
                    }
                };
            let title = validate::required_text(&mut e, "job_title", r.get("job_title"), 200);
            let started_on = validate::required_date(&mut e, "started_on", r.get("started_on"));
            let via = validate::word::<PlacedVia>(&mut e, "via", r.get("via"));
            if via.is_none() && e.get("via").is_none() {
                e.add("via", "required");
            }
            let ended_on = validate::date(&mut e, "ended_on", r.get("ended_on"));
            let ended_on = match started_on {
                Some(s) => end_day(&mut e, s, ended_on),
                None => ended_on,
            };
            let end_reason = validate::word::<EndReason>(&mut e, "end_reason", r.get("end_reason"));
            if ended_on.is_some() && end_reason.is_none() && e.get("end_reason").is_none() {
                e.add("end_reason", "required");
            }
            if end_reason.is_some() && r.get("ended_on").is_none() {
                e.add("ended_on", "required");
            }
            let (Some(person), Some(employer_id), Some(job_title), Some(started_on), Some(via), true) =
                (person, employer, title, started_on, via, e.is_empty())
            else {
                out[i] = Some(Outcome::Invalid(e.0));
                continue;
            };
            let model = placement::Model {
                id: 0,
                community_id: community,
                resident_id: person.id,
                employer_id,
                job_title,
                started_on,
                via,
                referral_id: None,
                fair_id: None,
                ended_on,
                end_reason,
                end_note: None,
                created_by: ctx.actor.user_id,
                created_at: now,
                updated_at: now,
            };
            let key = (person.id, employer_id, started_on);
            let same = |s: &placement::Model| {
                // What a row cannot say (the fair or referral it came through, the end's note,
                // who recorded it) is not a difference.
                placement::Model {
                    id: s.id,
                    referral_id: s.referral_id,
                    fair_id: s.fair_id,
                    end_note: s.end_note.clone(),
                    created_by: s.created_by,
                    created_at: s.created_at,
                    updated_at: s.updated_at,
                    ..model.clone()
                } == *s
            };
            out[i] = Some(match stored.get(&key).or(fresh.get(&key).map(|(_, m)| m)) {
                Some(s) if same(s) => Outcome::Unchanged,
                Some(_) => Outcome::Invalid(vec![problem("started_on", "exists_differs")]),
                None if via != PlacedVia::OwnSearch => Outcome::Invalid(vec![problem("via", "via_needs_its_record")]),
                None => {
                    fresh.insert(key, (i, model));
                    Outcome::New(RecordRef::new(EntityKind::Placement, 0))
                }
            });
        }
        if ctx.write && !fresh.is_empty() {
            let models = fresh.values().map(|(_, m)| placement::ActiveModel {
                community_id: Set(m.community_id),
                resident_id: Set(m.resident_id),
                employer_id: Set(m.employer_id),
                job_title: Set(m.job_title.clone()),
                started_on: Set(m.started_on),
                via: Set(m.via),
                referral_id: Set(None),
                fair_id: Set(None),
                ended_on: Set(m.ended_on),
                end_reason: Set(m.end_reason),
                end_note: Set(None),
                created_by: Set(m.created_by),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            let placed = placement::Entity::insert_many(models)
                .exec_with_returning(tx)
                .await
                .map_err(crate::store::map_unique)?;
            let mut check_ins = Vec::new();
            for p in &placed {
                if let Some((i, _)) = fresh.get(&(p.resident_id, p.employer_id, p.started_on)) {
                    out[*i] = Some(Outcome::NewAbout(
                        RecordRef::new(EntityKind::Placement, p.id),
                        vec![RecordRef::new(EntityKind::Resident, p.resident_id)],
                    ));
                }
                check_ins.extend(check_ins_of(p, now)?);
            }
            for chunk in check_ins.chunks(500) {
                check_in::Entity::insert_many(chunk.to_vec()).exec_without_returning(tx).await?;
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
    fn the_choices_are_the_vocabularies_words() {
        assert_eq!(PlacedVia::all().iter().map(Word::word).collect::<Vec<_>>(), VIAS);
        assert_eq!(EndReason::all().iter().map(Word::word).collect::<Vec<_>>(), END_REASONS);
    }
}
