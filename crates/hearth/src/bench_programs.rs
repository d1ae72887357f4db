//! `hearth bench programs`: the class figures of a community (sessions held, person-times,
//! participants, hours, attendance per session, certificates — the programs part of its
//! report) on a deployment holding a million attendance rows (20 communities, five years of
//! roll-calls), timed through hearth's indicator catalogue and, in the same run, as the raw
//! SQL doing the same work — for one community's year and month, and for the whole
//! deployment's five years (every row). Query plans of the raw statements are printed too.
//! Numbers go to docs/PERFORMANCE.md.

use std::time::Instant;

use chrono::{NaiveDate, TimeDelta};
use hearth_core::indicators::{self, Scope};
use hearth_core::{Actor, Store};
use sea_orm::sea_query::Query;
use sea_orm::{ConnectionTrait, DbBackend, Value};

use crate::bench::{Timing, plan, raw, time};

const SLUG: &str = "bench-programs";
const PROGRAMS: usize = 40;
const YEARS: i64 = 5;
const PER_SESSION: usize = 25;
const KINDS: [&str; 6] = ["language", "legal", "skills", "health", "culture", "other"];
const KEYS: [&str; 7] = [
    "sessions_held",
    "person_times",
    "unique_participants",
    "participants_by_kind",
    "hours_delivered",
    "attendance_per_session",
    "certificates_issued",
];

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| "bad date".to_owned())
}

/// Loads `communities` communities (at least 2,000 residents in all, `attendance / 50` for
/// large loads), 40 programs spread over them, and as many sessions from 2016 to 2020 as it
/// takes for `attendance` rows at 25 a session (one in twenty cancelled). Returns (the first
/// community's id, every community's id, sessions, residents).
async fn load(store: &Store, attendance: usize, communities: usize) -> Result<(Vec<i64>, usize, usize), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let mut ids = Vec::new();
    for k in 0..communities {
        let c = hearth_core::registry::communities::create(
            store,
            &Actor::system(),
            hearth_core::registry::communities::CommunityInput {
                name: Some(format!("Bench programs {k}")),
                slug: Some(format!("{SLUG}-{k}")),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        ids.push(c.id);
    }
    let now = chrono::Utc::now();
    let per_community = ((attendance / PER_SESSION / 2).max(2_000) / communities).max(PER_SESSION * 60);
    let residents = per_community * communities;
    let sessions = attendance.div_ceil(PER_SESSION);
    let base = 3_000_000i64;
    // Resident k of community c has id base + k * communities + c.
    let community_of = |i: usize| ids[i % communities];
    let tx = store.write().await.map_err(e)?;
    for chunk in (0..residents).step_by(1000) {
        let mut h = Query::insert();
        h.into_table("households").columns(["id", "community_id", "code", "address", "created_at", "updated_at"]);
        let mut r = Query::insert();
        r.into_table("residents").columns([
            "id",
            "household_id",
            "community_id",
            "full_name",
            "created_at",
            "updated_at",
        ]);
        for i in chunk..(chunk + 1000).min(residents) {
            let id = base + i as i64;
            let c = community_of(i);
            h.values_panic([id.into(), c.into(), format!("P-{i:07}").into(), "Bench".into(), now.into(), now.into()]);
            r.values_panic([id.into(), id.into(), c.into(), format!("学员{i}").into(), now.into(), now.into()]);
        }
        tx.execute(&h).await.map_err(e)?;
        tx.execute(&r).await.map_err(e)?;
    }
    let mut q = Query::insert();
    q.into_table("programs").columns([
        "id",
        "community_id",
        "name",
        "kind",
        "starts_on",
        "certificate_minutes",
        "cancelled",
        "created_at",
        "updated_at",
    ]);
    for p in 0..PROGRAMS {
        q.values_panic([
            (base + p as i64).into(),
            community_of(p).into(),
            format!("Program {p}").into(),
            KINDS[p % KINDS.len()].into(),
            day(2016, 1, 1)?.into(),
            (20 * 60).into(),
            false.into(),
            now.into(),
            now.into(),
        ]);
    }
    tx.execute(&q).await.map_err(e)?;
    let start = day(2016, 1, 1)?;
    for chunk in (0..sessions).step_by(1000) {
        let mut q = Query::insert();
        q.into_table("program_sessions").columns([
            "id",
            "community_id",
            "program_id",
            "held_on",
            "starts_at",
            "duration_minutes",
            "status",
            "created_at",
            "updated_at",
        ]);
        for s in chunk..(chunk + 1000).min(sessions) {
            let status = if s % 20 == 7 { "cancelled" } else { "held" };
            // Session s belongs to program s % 40, of community s % communities (40 is a
            // multiple of the default 20; the program's community is the session's).
            q.values_panic([
                (base + s as i64).into(),
                community_of(s % PROGRAMS).into(),
                (base + (s % PROGRAMS) as i64).into(),
                (start + TimeDelta::days((s as i64 * 366 * YEARS) / sessions as i64)).into(),
                "19:00".into(),
                90.into(),
                status.into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.map_err(e)?;
    }
    // Attendance: 25 residents a session, spread so each resident comes again and again; one
    // mark in ten is a late arrival (60 of 90 minutes).
    let mut rows = 0usize;
    let mut q = Query::insert();
    let reset = |q: &mut sea_orm::sea_query::InsertStatement| {
        *q = Query::insert();
        q.into_table("attendance").columns(["community_id", "session_id", "resident_id", "minutes", "marked_at"]);
    };
    reset(&mut q);
    let mut in_batch = 0;
    'all: for s in 0..sessions {
        for j in 0..PER_SESSION {
            if rows == attendance {
                break 'all;
            }
            // A resident of the session's community: the k-th of that community.
            let c = (s % PROGRAMS) % communities;
            let k = (s / PROGRAMS * 37 + j * 53) % per_community;
            let r = k * communities + c;
            let minutes = if (s + j) % 10 == 0 { 60 } else { 90 };
            q.values_panic([
                community_of(c).into(),
                (base + s as i64).into(),
                (base + r as i64).into(),
                minutes.into(),
                now.into(),
            ]);
            rows += 1;
            in_batch += 1;
            if in_batch == 1000 {
                tx.execute(&q).await.map_err(e)?;
                reset(&mut q);
                in_batch = 0;
            }
        }
    }
    if in_batch > 0 {
        tx.execute(&q).await.map_err(e)?;
    }
    // A certificate for every fiftieth resident.
    let mut q = Query::insert();
    q.into_table("certificates").columns([
        "community_id",
        "program_id",
        "resident_id",
        "number",
        "code",
        "sessions",
        "minutes",
        "issued_on",
        "created_at",
    ]);
    let mut any = false;
    for r in (0..residents).step_by(50) {
        // A program of the resident's community.
        let p = (r % communities) + communities * ((r / communities) % (PROGRAMS / communities).max(1));
        q.values_panic([
            community_of(r).into(),
            (base + (p % PROGRAMS) as i64).into(),
            (base + r as i64).into(),
            format!("BENCH-{r:07}").into(),
            "ABCDEF".into(),
            14.into(),
            1260.into(),
            (start + TimeDelta::days((r % (366 * YEARS as usize)) as i64)).into(),
            now.into(),
        ]);
        any = true;
    }
    if any {
        tx.execute(&q).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)?;
    let settle = if store.backend() == DbBackend::Postgres { "VACUUM ANALYZE" } else { "ANALYZE" };
    store.writer().execute_unprepared(settle).await.map_err(e)?;
    Ok((ids, sessions, residents))
}

const HELD_SQL: &str = "SELECT p.kind, COUNT(s.id) FROM program_sessions s JOIN programs p ON p.id = s.program_id WHERE s.community_id = ? AND s.held_on >= ? AND s.held_on <= ? AND s.status = 'held' GROUP BY p.kind";
const ATTENDANCE_SQL: &str = "SELECT p.kind, COUNT(a.id), SUM(a.minutes) FROM attendance a JOIN program_sessions s ON s.id = a.session_id JOIN programs p ON p.id = s.program_id WHERE a.community_id = ? AND s.held_on >= ? AND s.held_on <= ? AND s.status = 'held' GROUP BY p.kind";
const DISTINCT_SQL: &str = "SELECT COUNT(DISTINCT a.resident_id) FROM attendance a JOIN program_sessions s ON s.id = a.session_id WHERE a.community_id = ? AND s.held_on >= ? AND s.held_on <= ? AND s.status = 'held'";
const DISTINCT_KIND_SQL: &str = "SELECT p.kind, COUNT(DISTINCT a.resident_id) FROM attendance a JOIN program_sessions s ON s.id = a.session_id JOIN programs p ON p.id = s.program_id WHERE a.community_id = ? AND s.held_on >= ? AND s.held_on <= ? AND s.status = 'held' GROUP BY p.kind";
const CERTS_SQL: &str = "SELECT p.kind, COUNT(c.id) FROM certificates c JOIN programs p ON p.id = c.program_id WHERE c.community_id = ? AND c.issued_on >= ? AND c.issued_on <= ? GROUP BY p.kind";

pub async fn run(store: &Store, attendance: usize, communities: usize, iterations: u32) -> Result<String, String> {
    let attendance = attendance.clamp(1_000, 10_000_000);
    let communities = communities.clamp(1, PROGRAMS);
    let load_start = Instant::now();
    let (ids, sessions, residents) = load(store, attendance, communities).await?;
    let load_time = load_start.elapsed();
    let err = |e: hearth_core::CoreError| e.to_string();
    let first = ids[0];
    let mut out = Vec::new();
    let mut figures = String::new();
    for (label, scope_ids, from, to) in [
        ("one community, year 2016", vec![first], day(2016, 1, 1)?, day(2016, 12, 31)?),
        ("one community, March 2016", vec![first], day(2016, 3, 1)?, day(2016, 3, 31)?),
        ("every community, 2016–2020 (all rows)", ids.clone(), day(2016, 1, 1)?, day(2020, 12, 31)?),
    ] {
        let scope = Scope::new(scope_ids.clone(), from, to).map_err(err)?;
        let (hearth, rows) = time(iterations, || async {
            Ok(indicators::evaluate(store, &scope, Some(&KEYS)).await.map_err(err)?.len())
        })
        .await?;
        if figures.is_empty() {
            let f =
                indicators::evaluate(store, &scope, Some(&["person_times", "sessions_held", "unique_participants"]))
                    .await
                    .map_err(err)?;
            let sum = |k: &str| f.iter().filter(|x| x.key == k).filter_map(|x| x.int()).sum::<i64>();
            figures = format!(
                "the first community's 2016: {} sessions held, {} person-times, {} participants",
                sum("sessions_held"),
                sum("person_times"),
                sum("unique_participants")
            );
        }
        let (raw_t, _) = if scope_ids.len() == 1 {
            let vals: Vec<Value> = vec![first.into(), from.into(), to.into()];
            time(iterations, || async {
                raw(store, HELD_SQL, &vals).await?;
                raw(store, ATTENDANCE_SQL, &vals).await?;
                raw(store, DISTINCT_SQL, &vals).await?;
                raw(store, DISTINCT_KIND_SQL, &vals).await?;
                raw(store, CERTS_SQL, &vals).await
            })
            .await?
        } else {
            let all = |q: &str| q.replace("community_id = ?", "community_id IN (SELECT id FROM communities)");
            let (h, a, d, k, c) =
                (all(HELD_SQL), all(ATTENDANCE_SQL), all(DISTINCT_SQL), all(DISTINCT_KIND_SQL), all(CERTS_SQL));
            let vals: Vec<Value> = vec![from.into(), to.into()];
            time(iterations, || async {
                raw(store, &h, &vals).await?;
                raw(store, &a, &vals).await?;
                raw(store, &d, &vals).await?;
                raw(store, &k, &vals).await?;
                raw(store, &c, &vals).await
            })
            .await?
        };
        out.push(Timing { label, hearth, raw: raw_t, rows });
    }
    let mut report = format!(
        "backend: {:?}; {attendance} attendance rows, {sessions} sessions, {residents} residents, {PROGRAMS} programs \
         in {communities} communities, loaded in {:.1} s; {iterations} iterations each; {figures}\n\n\
         | the community's class figures | hearth (ms) | raw SQL (ms) | ratio | figures |\n|---|---:|---:|---:|---:|\n",
        store.backend(),
        load_time.as_secs_f64(),
    );
    for t in out {
        let h = t.hearth.as_secs_f64() * 1000.0;
        let r = t.raw.as_secs_f64() * 1000.0;
        report.push_str(&format!("| {} | {:.2} | {:.2} | {:.1}× | {} |\n", t.label, h, r, h / r.max(0.0001), t.rows));
    }
    report.push_str(
        "\nhearth's figure is the indicator catalogue's seven class indicators (the mean reuses its two \
         parts); the raw SQL is the five statements that compute the same.\n\nQuery plans of the raw statements (one community's year):\n",
    );
    let vals: Vec<Value> = vec![first.into(), day(2016, 1, 1)?.into(), day(2016, 12, 31)?.into()];
    for (label, s) in [
        ("sessions held by kind", HELD_SQL),
        ("person-times and minutes by kind", ATTENDANCE_SQL),
        ("participants", DISTINCT_SQL),
        ("participants by kind", DISTINCT_KIND_SQL),
        ("certificates by kind", CERTS_SQL),
    ] {
        report.push_str(&format!("\n{label}:\n{}\n", plan(store, s, &vals).await?));
    }
    Ok(report)
}
