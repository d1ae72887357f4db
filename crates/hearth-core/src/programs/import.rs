//! The sign-in sheet: one row per person present at a session, the program named as the
//! community calls it and the session by its day. Sessions are planned in hearth, so a row
//! must name one that exists (a day without one is refused, never invented), and a row is
//! marked as a roll-call would mark it (`roll_call::minutes_at`, `roll_call::open_for_marks`):
//! no enrolment needed (walk-ins sign too), the session held once marked.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set};

use super::SessionStatus;
use super::roll_call::{minutes_at, open_for_marks};
use crate::entity::{attendance, program, program_session};
use crate::error::{CoreError, FieldErrors};
use crate::import::text::header_key;
use crate::import::{self, Context, Field, FieldKind, Outcome, PERSON, Row, Template, person_of, problem, text_field};
use crate::policy::Permission;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::validate;

const FIELDS: [Field; 6] = [
    text_field(
        "program",
        200,
        true,
        &["课程", "课程名称", "班级", "项目名称", "活动名称", "program", "class", "course"],
    ),
    Field {
        key: "held_on",
        required: true,
        kind: FieldKind::Date,
        aliases: &["上课日期", "日期", "签到日期", "活动日期", "上课时间", "date", "session date"],
    },
    text_field("household_code", 50, false, &["户号", "房号", "门牌号", "household code", "household"]),
    text_field(
        "external_id",
        50,
        false,
        &["编号", "居民编号", "人员编号", "台账编号", "id", "resident id", "external id"],
    ),
    text_field("full_name", 200, false, &["姓名", "名字", "签到", "签名", "签到人", "name", "full name"]),
    text_field("minutes", 10, false, &["分钟", "时长", "出勤时长", "出勤分钟", "minutes", "minutes attended"]),
];

pub const ATTENDANCE: Template = Template {
    key: "attendance",
    names: "attendance-field-",
    fields: &FIELDS,
    key_of: attendance_key,
    entity: EntityKind::Attendance,
    permission: Permission::RunPrograms,
    batch: attendance_batch,
};

/// The program as matched (case, spacing and punctuation aside), the day and the person.
fn attendance_key(r: &Row) -> Option<String> {
    let person = import::resident_key_of(r, PERSON)?;
    Some(format!("{}\u{1f}{}\u{1f}{person}", header_key(r.get("program")?), r.get("held_on")?))
}

/// The session of a program on a day: the one not cancelled (a session cancelled and
/// planned again at another hour leaves one that is); only cancelled ones say so.
fn session_on(found: Option<&Vec<program_session::Model>>) -> Result<&program_session::Model, &'static str> {
    let all = found.map(Vec::as_slice).unwrap_or_default();
    let mut live = all.iter().filter(|s| s.status != SessionStatus::Cancelled);
    match (live.next(), live.next(), all.first()) {
        (Some(s), None, _) => Ok(s),
        (Some(_), Some(_), _) => Err("ambiguous"),
        (None, _, Some(cancelled)) => Ok(cancelled),
        (None, _, None) => Err("unknown_session"),
    }
}

fn attendance_batch<'a>(
    ctx: &'a Context<'a>,
    tx: &'a DatabaseTransaction,
    rows: &'a [Row],
) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let community = ctx.community.id;
        let programs = import::by_spelling(
            program::Entity::find()
                .select_only()
                .column(program::Column::Id)
                .column(program::Column::Name)
                .filter(program::Column::CommunityId.eq(community))
                .into_tuple::<(i64, String)>()
                .all(tx)
                .await?,
        );
        let program_of =
            |r: &Row| import::only(r.get("program").and_then(|n| programs.get(&header_key(n))), "unknown_program");
        let mut ids: Vec<i64> = rows.iter().filter_map(|r| program_of(r).ok()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut days: Vec<NaiveDate> = rows.iter().filter_map(|r| r.get("held_on")?.parse().ok()).collect();
        days.sort_unstable();
        days.dedup();
        let mut sessions: HashMap<(i64, NaiveDate), Vec<program_session::Model>> = HashMap::new();
        if !ids.is_empty() {
            for s in program_session::Entity::find()
                .filter(program_session::Column::ProgramId.is_in(ids))
                .filter(program_session::Column::HeldOn.is_in(days))
                .all(tx)
                .await?
            {
                sessions.entry((s.program_id, s.held_on)).or_default().push(s);
            }
        }
        let people = import::residents_by_key(tx, community, rows, PERSON).await?;
        let session_ids: Vec<i64> = sessions.values().flatten().map(|s| s.id).collect();
        let person_ids: Vec<i64> = people.values().map(|p| p.id).collect();
        let mut marked: HashMap<(i64, i64), i32> = HashMap::new();
        for chunk in session_ids.chunks(500) {
            for a in attendance::Entity::find()
                .filter(attendance::Column::SessionId.is_in(chunk.to_vec()))
                .filter(attendance::Column::ResidentId.is_in(person_ids.clone()))
                .all(tx)
                .await?
            {
                marked.insert((a.session_id, a.resident_id), a.minutes);
            }
        }
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        // (session, resident) → (row, minutes) of the marks this batch adds.
        let mut fresh: HashMap<(i64, i64), (usize, i32)> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            let mut e = FieldErrors::new();
            let program = program_of(r).map_err(|code| e.add("program", code)).ok();
            let day = validate::required_date(&mut e, "held_on", r.get("held_on"));
            let session = match (program, day) {
                (Some(p), Some(d)) => match session_on(sessions.get(&(p, d))).map(|s| (s, open_for_marks(s))) {
                    Ok((s, Ok(()))) => Some(s),
                    Ok((_, Err(CoreError::Conflict { code, .. }))) | Err(code) => {
                        e.add("held_on", code);
                        None
                    }
                    Ok((_, Err(other))) => return Err(other),
                },
                _ => None,
            };
            let person = person_of(&mut e, &people, r);
            // A cell that is no whole number is out of range like any other.
            let asked = r.get("minutes").map(|m| import::text::parse_int(m).unwrap_or(0));
            let minutes = session.and_then(|s| minutes_at(&mut e, "minutes", s, asked));
            let (Some(s), Some(p), Some(minutes), true) = (session, person, minutes, e.is_empty()) else {
                out[i] = Some(Outcome::Invalid(e.0));
                continue;
            };
            let key = (s.id, p.id);
            out[i] = Some(match marked.get(&key).or(fresh.get(&key).map(|(_, m)| m)) {
                Some(m) if *m == minutes => Outcome::Unchanged,
                Some(_) => Outcome::Invalid(vec![problem("minutes", "exists_differs")]),
                None => {
                    fresh.insert(key, (i, minutes));
                    Outcome::New(RecordRef::new(EntityKind::Attendance, 0))
                }
            });
        }
        if ctx.write && !fresh.is_empty() {
            let now = Utc::now();
            let models = fresh.iter().map(|(&(session_id, resident_id), &(_, minutes))| attendance::ActiveModel {
                community_id: Set(community),
                session_id: Set(session_id),
                resident_id: Set(resident_id),
                minutes: Set(minutes),
                marked_by: Set(ctx.actor.user_id),
                marked_at: Set(now),
                ..Default::default()
            });
            for a in attendance::Entity::insert_many(models).exec_with_returning(tx).await? {
                if let Some((i, _)) = fresh.get(&(a.session_id, a.resident_id)) {
                    out[*i] = Some(Outcome::NewAbout(
                        RecordRef::new(EntityKind::Attendance, a.id),
                        vec![RecordRef::new(EntityKind::Resident, a.resident_id)],
                    ));
                }
            }
            // Marked means held, as after a roll-call.
            let mut held: Vec<i64> = fresh.keys().map(|(s, _)| *s).collect();
            held.sort_unstable();
            held.dedup();
            program_session::Entity::update_many()
                .col_expr(program_session::Column::Status, Expr::value(SessionStatus::Held))
                .col_expr(program_session::Column::UpdatedAt, Expr::value(now))
                .filter(program_session::Column::Id.is_in(held))
                .filter(program_session::Column::Status.ne(SessionStatus::Held))
                .exec(tx)
                .await?;
        }
        Ok(out.into_iter().map(|o| o.unwrap_or(Outcome::Unchanged)).collect())
    })
}
