//! The demo's classes (shared/DEMO.md): the free weekly language class from 2016-03-04 —
//! 12 sessions held by 2016-05-31 (one week cancelled), 310 person-times, 60 participants,
//! 20 of whom came every week and earned a certificate — and the legal-information sessions,
//! weekly in April 2016: 4 sessions of 1.5 h, 200 person-times.

use chrono::{NaiveDate, TimeDelta};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{ProgramKind, SessionStatus};
use crate::entity::{
    attendance, certificate, enrolment, program, program_session, program_slot, program_trainer, resident,
};
use crate::error::{CoreError, CoreResult};
use crate::registry::demo::historical;

fn day(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

/// The practice's demo step.
pub(crate) fn step<'a>(
    tx: &'a sea_orm::DatabaseTransaction,
    ctx: &'a mut crate::practice::DemoContext,
) -> crate::practice::BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let trainer = ctx.coordinator.or_else(|| ctx.team.first().copied());
        let (sessions, marks, certs) = insert_classes(tx, ctx.community_id, trainer).await?;
        Ok(vec![format!("{sessions} class sessions"), format!("{marks} attendances"), format!("{certs} certificates")])
    })
}

struct Class<'a> {
    name: &'a str,
    kind: ProgramKind,
    location: &'a str,
    from: NaiveDate,
    to: NaiveDate,
    weekday: i32,
    at: &'a str,
    minutes: i32,
    certificate_minutes: Option<i32>,
}

async fn insert_program<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    trainer: Option<i64>,
    c: &Class<'_>,
) -> CoreResult<program::Model> {
    let at = historical(c.from - TimeDelta::days(14));
    let p = program::ActiveModel {
        community_id: Set(community_id),
        name: Set(c.name.to_owned()),
        kind: Set(c.kind),
        description: Set(None),
        guest_trainers: Set(None),
        location: Set(Some(c.location.to_owned())),
        starts_on: Set(c.from),
        ends_on: Set(Some(c.to)),
        capacity: Set(None),
        certificate_minutes: Set(c.certificate_minutes),
        cancelled: Set(false),
        created_by: Set(trainer),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    let p = program::Entity::insert(p).exec_with_returning(conn).await?;
    if let Some(t) = trainer {
        program_trainer::Entity::insert(program_trainer::ActiveModel { program_id: Set(p.id), user_id: Set(t) })
            .exec_without_returning(conn)
            .await?;
    }
    program_slot::Entity::insert(program_slot::ActiveModel {
        program_id: Set(p.id),
        weekday: Set(c.weekday),
        starts_at: Set(c.at.to_owned()),
        duration_minutes: Set(c.minutes),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await?;
    Ok(p)
}

/// Inserts the two programs, their sessions, enrolments, roll-calls and certificates;
/// returns (sessions, attendances, certificates).
#[tracing::instrument(skip_all)]
pub async fn insert_classes<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    trainer: Option<i64>,
) -> CoreResult<(usize, usize, usize)> {
    // One resident from each of many households: every 7th resident in id order.
    let people: Vec<i64> = resident::Entity::find()
        .select_only()
        .column(resident::Column::Id)
        .filter(resident::Column::CommunityId.eq(community_id))
        .order_by_asc(resident::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let pick: Vec<i64> = people.iter().step_by(7).copied().take(140).collect();
    if pick.len() < 140 {
        return Err(CoreError::Internal("the demo classes need 140 residents".into()));
    }
    let language = Class {
        name: "免费汉语班（每周五晚）",
        kind: ProgramKind::Language,
        location: "社区活动室",
        from: day(2016, 3, 4)?,
        to: day(2016, 5, 31)?,
        weekday: 5,
        at: "19:00",
        minutes: 120,
        certificate_minutes: Some(20 * 60),
    };
    let legal = Class {
        name: "法律与权益讲座",
        kind: ProgramKind::Legal,
        location: "社区服务中心二楼",
        from: day(2016, 4, 1)?,
        to: day(2016, 4, 30)?,
        weekday: 3,
        at: "14:30",
        minutes: 90,
        certificate_minutes: None,
    };
    let (mut sessions, mut marks) = (0, 0);

    // The language class: 13 Fridays, the one of 2016-04-29 cancelled (the May Day holiday).
    let p = insert_program(conn, community_id, trainer, &language).await?;
    let (core, others) = pick[..60].split_at(20);
    enrol_all(conn, &p, &pick[..60], language.from).await?;
    let mut held = 0usize;
    let mut d = language.from;
    while d <= language.to {
        let cancelled = d == day(2016, 4, 29)?;
        let s = insert_session(conn, &p, &language, d, cancelled).await?;
        sessions += 1;
        if !cancelled {
            // 20 every week, and 6 (5 in the last two weeks) of the other 40 in turn:
            // 10 × 26 + 2 × 25 = 310.
            let extra = if held < 10 { 6 } else { 5 };
            let mut who: Vec<(i64, i32)> = core.iter().map(|r| (*r, language.minutes)).collect();
            for j in 0..extra {
                let r = others[(held * 6 + j) % others.len()];
                // Some arrive late after work.
                let m = if j == 0 { language.minutes - 30 } else { language.minutes };
                who.push((r, m));
            }
            marks += insert_marks(conn, &s, &who).await?;
            held += 1;
        }
        d += TimeDelta::days(7);
    }
    // Certificates for those who reached 20 hours (the 20 who came every week).
    let mut certs = 0;
    for (i, r) in core.iter().enumerate() {
        let issued = day(2016, 6, 3)?;
        certificate::Entity::insert(certificate::ActiveModel {
            community_id: Set(community_id),
            program_id: Set(p.id),
            resident_id: Set(*r),
            number: Set(format!("JIAFU-2016-{:05}", i + 1)),
            code: Set(demo_code(i)),
            sessions: Set(12),
            minutes: Set(12 * language.minutes),
            issued_on: Set(issued),
            issued_by: Set(trainer),
            created_at: Set(historical(issued)),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
        certs += 1;
    }

    // Legal information: four Wednesdays of April, 50 each: 40 every week, 10 others in turn.
    let p = insert_program(conn, community_id, trainer, &legal).await?;
    let group = &pick[60..140];
    enrol_all(conn, &p, group, legal.from).await?;
    let (all_four, rest) = group.split_at(40);
    let mut d = day(2016, 4, 6)?;
    for k in 0..4 {
        let s = insert_session(conn, &p, &legal, d, false).await?;
        sessions += 1;
        let mut who: Vec<(i64, i32)> = all_four.iter().map(|r| (*r, legal.minutes)).collect();
        who.extend(rest[k * 10..k * 10 + 10].iter().map(|r| (*r, legal.minutes)));
        marks += insert_marks(conn, &s, &who).await?;
        d += TimeDelta::days(7);
    }
    Ok((sessions, marks, certs))
}

/// Codes of the demo's certificates: fixed, so a guide can show `/verify` with one.
fn demo_code(i: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    (0..6).map(|k| char::from(CHARS[(i * 7 + k * 11 + 3) % CHARS.len()])).collect()
}

async fn enrol_all<C: ConnectionTrait>(
    conn: &C,
    p: &program::Model,
    residents: &[i64],
    on: NaiveDate,
) -> CoreResult<()> {
    let rows = residents.iter().map(|r| enrolment::ActiveModel {
        community_id: Set(p.community_id),
        program_id: Set(p.id),
        resident_id: Set(*r),
        joined_on: Set(on),
        ended_on: Set(None),
        outcome: Set(None),
        created_at: Set(historical(on)),
        updated_at: Set(historical(on)),
        ..Default::default()
    });
    enrolment::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

async fn insert_session<C: ConnectionTrait>(
    conn: &C,
    p: &program::Model,
    c: &Class<'_>,
    on: NaiveDate,
    cancelled: bool,
) -> CoreResult<program_session::Model> {
    let s = program_session::ActiveModel {
        community_id: Set(p.community_id),
        program_id: Set(p.id),
        held_on: Set(on),
        starts_at: Set(c.at.to_owned()),
        duration_minutes: Set(c.minutes),
        topic: Set(None),
        trainer_user_id: Set(p.created_by),
        trainer_name: Set(None),
        location: Set(Some(c.location.to_owned())),
        status: Set(if cancelled { SessionStatus::Cancelled } else { SessionStatus::Held }),
        cancel_reason: Set(cancelled.then(|| "劳动节放假".to_owned())),
        created_at: Set(historical(c.from)),
        updated_at: Set(historical(on)),
        ..Default::default()
    };
    Ok(program_session::Entity::insert(s).exec_with_returning(conn).await?)
}

async fn insert_marks<C: ConnectionTrait>(
    conn: &C,
    s: &program_session::Model,
    who: &[(i64, i32)],
) -> CoreResult<usize> {
    let rows = who.iter().map(|(r, m)| attendance::ActiveModel {
        community_id: Set(s.community_id),
        session_id: Set(s.id),
        resident_id: Set(*r),
        minutes: Set(*m),
        marked_by: Set(s.trainer_user_id),
        marked_at: Set(historical(s.held_on)),
        ..Default::default()
    });
    attendance::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(who.len())
}
