//! The jobs practice's part of residents' data rights. Erasure clears what was written
//! about the people: the reasons given on their referrals' steps, the note on a placement's
//! end, and their check-ins' notes (the column and the running log). Every referral,
//! placement and check-in stays with its employer, dates, step and end codes, job title
//! and result — all that the employment figures count — so every past report reads the
//! same. Employers' agreement scans belong to the employers and are left alone.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Value};
use serde_json::{Map, Value as Json, json};

use crate::entity::{attendance, check_in, employer, job_fair, placement, referral, referral_step, resident};
use crate::error::CoreResult;
use crate::practice::{BoxFut, Erasure, SubjectSection};
use crate::record::EntityKind;
use crate::store::Store;
use crate::word::Word;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

pub(super) fn erase<'a>(tx: &'a DatabaseTransaction, who: &'a Erasure) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let mut facts = Vec::new();
        let now = Utc::now();
        let (mut steps, mut placements, mut check_ins, mut notes) = (0u64, 0u64, 0u64, 0u64);
        for chunk in who.residents.chunks(CHUNK) {
            let referrals: Vec<i64> = referral::Entity::find()
                .select_only()
                .column(referral::Column::Id)
                .filter(referral::Column::ResidentId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(tx)
                .await?;
            for part in referrals.chunks(CHUNK) {
                steps += referral_step::Entity::update_many()
                    .col_expr(referral_step::Column::Reason, Expr::value(Value::String(None)))
                    .filter(referral_step::Column::ReferralId.is_in(part.to_vec()))
                    .filter(referral_step::Column::Reason.is_not_null())
                    .exec(tx)
                    .await?
                    .rows_affected;
            }
            placements += placement::Entity::update_many()
                .col_expr(placement::Column::EndNote, Expr::value(Value::String(None)))
                // A change: a form opened before the erasure must not save over it.
                .col_expr(placement::Column::UpdatedAt, Expr::value(now))
                .filter(placement::Column::ResidentId.is_in(chunk.to_vec()))
                .filter(placement::Column::EndNote.is_not_null())
                .exec(tx)
                .await?
                .rows_affected;
            check_ins += check_in::Entity::update_many()
                .col_expr(check_in::Column::Note, Expr::value(Value::String(None)))
                .col_expr(check_in::Column::UpdatedAt, Expr::value(now))
                .filter(check_in::Column::ResidentId.is_in(chunk.to_vec()))
                .filter(check_in::Column::Note.is_not_null())
                .exec(tx)
                .await?
                .rows_affected;
            let logged: Vec<i64> = check_in::Entity::find()
                .select_only()
                .column(check_in::Column::Id)
                .filter(check_in::Column::ResidentId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(tx)
                .await?;
            notes += crate::notes::blank(tx, EntityKind::CheckIn, &logged).await?;
        }
        crate::rights::count_fact(&mut facts, steps, "referral step reasons cleared");
        crate::rights::count_fact(&mut facts, placements, "placement notes cleared");
        if check_ins + notes > 0 {
            facts.push(format!("{} check-in notes cleared", check_ins + notes));
        }
        Ok(facts)
    })
}

use crate::rights::json_date as date;

/// Employers' names by id (the employer is the partner's record, not the resident's).
async fn employer_names(store: &Store, ids: &[i64]) -> CoreResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(CHUNK) {
        for e in employer::Entity::find().filter(employer::Column::Id.is_in(chunk.to_vec())).all(store.conn()).await? {
            out.insert(e.id, e.name);
        }
    }
    Ok(out)
}

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();

        let referrals = referral::Entity::find()
            .filter(referral::Column::ResidentId.eq(r.id))
            .order_by_asc(referral::Column::ReferredOn)
            .order_by_asc(referral::Column::Id)
            .all(store.conn())
            .await?;
        let placements = placement::Entity::find()
            .filter(placement::Column::ResidentId.eq(r.id))
            .order_by_asc(placement::Column::StartedOn)
            .order_by_asc(placement::Column::Id)
            .all(store.conn())
            .await?;
        let employer_ids: Vec<i64> =
            referrals.iter().map(|x| x.employer_id).chain(placements.iter().map(|p| p.employer_id)).collect();
        let employers = employer_names(store, &employer_ids).await?;

        let ids: Vec<i64> = referrals.iter().map(|x| x.id).collect();
        let mut steps: HashMap<i64, Vec<Json>> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            for s in referral_step::Entity::find()
                .filter(referral_step::Column::ReferralId.is_in(chunk.to_vec()))
                .order_by_asc(referral_step::Column::HappenedOn)
                .order_by_asc(referral_step::Column::Id)
                .all(store.conn())
                .await?
            {
                steps.entry(s.referral_id).or_default().push(json!({
                    "id": s.id,
                    "step": s.step.word(),
                    "happened_on": s.happened_on.to_string(),
                    "reason": s.reason,
                    "recorded_by": s.recorded_by,
                    "recorded_at": s.recorded_at.to_rfc3339(),
                }));
            }
        }
        let records: Vec<Map<String, Json>> = referrals
            .into_iter()
            .map(|x| {
                let mut m = Map::new();
                m.insert("id".into(), json!(x.id));
                m.insert("employer_id".into(), json!(x.employer_id));
                m.insert("employer".into(), json!(employers.get(&x.employer_id)));
                m.insert("opening_id".into(), json!(x.opening_id));
                m.insert("fair_id".into(), json!(x.fair_id));
                m.insert("referred_on".into(), json!(x.referred_on.to_string()));
                m.insert("referred_by".into(), json!(x.referred_by));
                m.insert("outcome".into(), json!(x.outcome.map(|o| o.word())));
                m.insert("outcome_on".into(), date(x.outcome_on));
                m.insert("created_at".into(), json!(x.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(x.updated_at.to_rfc3339()));
                m.insert("steps".into(), Json::Array(steps.remove(&x.id).unwrap_or_default()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "referrals", records });
        }

        let records: Vec<Map<String, Json>> = placements
            .into_iter()
            .map(|p| {
                let mut m = Map::new();
                m.insert("id".into(), json!(p.id));
                m.insert("employer_id".into(), json!(p.employer_id));
                m.insert("employer".into(), json!(employers.get(&p.employer_id)));
                m.insert("job_title".into(), json!(p.job_title));
                m.insert("started_on".into(), json!(p.started_on.to_string()));
                m.insert("via".into(), json!(p.via.word()));
                m.insert("referral_id".into(), json!(p.referral_id));
                m.insert("fair_id".into(), json!(p.fair_id));
                m.insert("ended_on".into(), date(p.ended_on));
                m.insert("end_reason".into(), json!(p.end_reason.map(|e| e.word())));
                m.insert("end_note".into(), json!(p.end_note));
                m.insert("created_by".into(), json!(p.created_by));
                m.insert("created_at".into(), json!(p.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(p.updated_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "placements", records });
        }

        let check_ins = check_in::Entity::find()
            .filter(check_in::Column::ResidentId.eq(r.id))
            .order_by_asc(check_in::Column::DueOn)
            .order_by_asc(check_in::Column::Id)
            .all(store.conn())
            .await?;
        let ids: Vec<i64> = check_ins.iter().map(|c| c.id).collect();
        let mut notes = crate::notes::copies(store.conn(), EntityKind::CheckIn, &ids).await?;
        let records: Vec<Map<String, Json>> = check_ins
            .into_iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("id".into(), json!(c.id));
                m.insert("placement_id".into(), json!(c.placement_id));
                m.insert("months".into(), json!(c.months));
                m.insert("due_on".into(), json!(c.due_on.to_string()));
                m.insert("still_employed".into(), json!(c.still_employed));
                m.insert("note".into(), json!(c.note));
                m.insert("done_on".into(), date(c.done_on));
                m.insert("done_by".into(), json!(c.done_by));
                m.insert("attempts".into(), json!(c.attempts));
                m.insert("last_attempt_on".into(), date(c.last_attempt_on));
                m.insert("by_end".into(), json!(c.by_end));
                m.insert("updated_at".into(), json!(c.updated_at.to_rfc3339()));
                m.insert("notes".into(), Json::Array(notes.remove(&c.id).unwrap_or_default()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "check_ins", records });
        }

        // Job fairs they came to: a fair's roll-call is the attendance of its session.
        let marks = attendance::Entity::find()
            .filter(attendance::Column::ResidentId.eq(r.id))
            .order_by_asc(attendance::Column::Id)
            .all(store.conn())
            .await?;
        let mut minutes: HashMap<i64, (i64, i32)> = HashMap::new();
        for a in &marks {
            minutes.insert(a.session_id, (a.id, a.minutes));
        }
        let sessions: Vec<i64> = minutes.keys().copied().collect();
        let mut fairs: Vec<job_fair::Model> = Vec::new();
        for chunk in sessions.chunks(CHUNK) {
            fairs.extend(
                job_fair::Entity::find()
                    .filter(job_fair::Column::SessionId.is_in(chunk.to_vec()))
                    .all(store.conn())
                    .await?,
            );
        }
        fairs.sort_by_key(|f| (f.held_on, f.id));
        let records: Vec<Map<String, Json>> = fairs
            .into_iter()
            .map(|f| {
                let (attendance_id, mins) = minutes.get(&f.session_id).copied().unwrap_or_default();
                let mut m = Map::new();
                m.insert("fair_id".into(), json!(f.id));
                m.insert("held_on".into(), json!(f.held_on.to_string()));
                m.insert("place".into(), json!(f.place));
                m.insert("session_id".into(), json!(f.session_id));
                m.insert("attendance_id".into(), json!(attendance_id));
                m.insert("minutes".into(), json!(mins));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "fair_attendance", records });
        }
        Ok(out)
    })
}
