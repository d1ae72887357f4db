//! `hearth bench visits`: visit coverage, the planning list and the follow-up queues on a
//! synthetic community of many households, timed through hearth's own code path and, for
//! comparison, as the raw SQL doing the same work on the same database in the same run. The
//! raw statements' query plans are printed too. Numbers go to docs/PERFORMANCE.md.

use std::time::Instant;

use crate::bench::{Timing, plan, raw, time};

use chrono::{NaiveDate, TimeDelta};
use hearth_core::auth::users::{self, NewUser};
use hearth_core::indicators::{self, Scope};
use hearth_core::visits::{coverage, follow_ups};
use hearth_core::{Actor, Store};
use sea_orm::sea_query::Query;
use sea_orm::{ConnectionTrait, DbBackend, Value};

const SLUG: &str = "bench-visits";
const TEAM: usize = 10;

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| "bad date".to_owned())
}

/// Loads `n` households, a year (2016) of visits — every household once, a third twice —
/// and a follow-up for every fourth household, owned by a team of ten.
/// Returns (community id, team user ids, visits, follow-ups).
async fn load(store: &Store, n: usize) -> Result<(i64, Vec<i64>, usize, usize), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let sys = Actor::system();
    let c = hearth_core::registry::communities::create(
        store,
        &sys,
        hearth_core::registry::communities::CommunityInput {
            name: Some("Bench visits".into()),
            slug: Some(SLUG.into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut team = Vec::new();
    for i in 0..TEAM {
        let u = users::create(
            store,
            &sys,
            NewUser {
                username: format!("bench-worker-{i}"),
                display_name: format!("Worker {i}"),
                role: "caseworker".into(),
                communities: vec![SLUG.into()],
                password: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        team.push(u.id);
    }
    let now = chrono::Utc::now();
    let moved_in = day(2015, 12, 1)?;
    let start = day(2016, 1, 1)?;
    let tx = store.write().await.map_err(e)?;
    let base = 2_000_000i64;
    for chunk in (0..n).step_by(1000) {
        let mut q = Query::insert();
        q.into_table("households").columns([
            "id",
            "community_id",
            "code",
            "address",
            "moved_in_on",
            "created_at",
            "updated_at",
        ]);
        for i in chunk..(chunk + 1000).min(n) {
            q.values_panic([
                (base + i as i64).into(),
                c.id.into(),
                format!("V{:03}-{:06}", i / 500, i).into(),
                format!("Building {}, room {}", i / 500, i % 500).into(),
                moved_in.into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.map_err(e)?;
    }
    // Visits: household i on day (i * 7) % 366 of 2016; every third also 120 days later.
    let mut visits = Vec::new();
    for i in 0..n {
        let d = start + TimeDelta::days(((i * 7) % 366) as i64);
        visits.push((base + i as i64, d));
        if i % 3 == 0 && d + TimeDelta::days(120) <= day(2016, 12, 31)? {
            visits.push((base + i as i64, d + TimeDelta::days(120)));
        }
    }
    for (k, chunk) in visits.chunks(1000).enumerate() {
        let mut q = Query::insert();
        q.into_table("visits").columns([
            "id",
            "community_id",
            "household_id",
            "visited_on",
            "purpose",
            "recorded_by",
            "created_at",
        ]);
        for (j, (h, d)) in chunk.iter().enumerate() {
            let id = base + (k * 1000 + j) as i64;
            q.values_panic([
                id.into(),
                c.id.into(),
                (*h).into(),
                (*d).into(),
                "welcome".into(),
                team.first().copied().unwrap_or_default().into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.map_err(e)?;
    }
    // Follow-ups: every fourth household; 70% resolved, the rest open or in progress, due
    // 14–60 days after the visit (so many are overdue at the end of the year).
    let fus: Vec<usize> = (0..n).filter(|i| i % 4 == 1).collect();
    for (k, chunk) in fus.chunks(1000).enumerate() {
        let mut q = Query::insert();
        q.into_table("follow_ups").columns([
            "id",
            "community_id",
            "household_id",
            "description",
            "category",
            "owner_user_id",
            "opened_on",
            "due_on",
            "status",
            "resolution_note",
            "resolved_on",
            "created_at",
            "updated_at",
        ]);
        for (j, i) in chunk.iter().enumerate() {
            let seq = k * 1000 + j;
            let opened = start + TimeDelta::days(((i * 7) % 366) as i64);
            let due = opened + TimeDelta::days(14 + (seq % 47) as i64);
            let (status, note, resolved): (&str, Option<String>, Option<NaiveDate>) = match seq % 10 {
                0..=6 => ("resolved", Some("done".into()), Some(opened + TimeDelta::days(10))),
                7 | 8 => ("open", None, None),
                _ => ("in_progress", None, None),
            };
            q.values_panic([
                (base + seq as i64).into(),
                c.id.into(),
                (base + *i as i64).into(),
                "Needs help".into(),
                {
                    use hearth_core::word::Word;
                    let all = hearth_core::visits::Category::all();
                    all.get(seq % all.len()).map(|c| c.word()).unwrap_or_else(|| "other".into()).into()
                },
                team.get((seq / 7) % TEAM).copied().unwrap_or_default().into(),
                opened.into(),
                due.into(),
                status.into(),
                note.into(),
                resolved.into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)?;
    if store.backend() == DbBackend::Postgres {
        // Explicit ids were inserted: move the sequences past them.
        for t in ["households", "visits", "follow_ups"] {
            store
                .conn()
                .execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
                ))
                .await
                .map_err(e)?;
        }
    }
    store.writer().execute_unprepared("ANALYZE").await.map_err(e)?;
    if store.backend() == DbBackend::Sqlite {
        // Fold the bulk load's write-ahead log into the database now, so the first timed
        // write (an audit row) does not pay for checkpointing the whole load.
        store.writer().execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.map_err(e)?;
    }
    Ok((c.id, team, visits.len(), fus.len()))
}

const COVERAGE_SQL: &str =
    "SELECT COUNT(DISTINCT household_id) FROM visits WHERE community_id = ? AND visited_on >= ? AND visited_on <= ?";
const HOUSEHOLDS_SQL: &str = "SELECT COUNT(*) FROM households WHERE community_id = ? AND (moved_in_on <= ? OR (moved_in_on IS NULL AND created_at < ?)) AND (moved_out_on IS NULL OR moved_out_on > ?)";
const PLAN_SQL: &str = "SELECT h.id, h.code, h.address, (SELECT MAX(v2.visited_on) FROM visits v2 WHERE v2.household_id = h.id) FROM households h WHERE h.community_id = ? AND h.moved_out_on IS NULL AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id AND v.visited_on >= ?) ORDER BY h.id LIMIT 101";
const OVERDUE_SQL: &str = "SELECT * FROM follow_ups WHERE community_id = ? AND status IN ('open', 'in_progress') AND due_on < ? ORDER BY due_on, id LIMIT 51";
const MINE_SQL: &str = "SELECT * FROM follow_ups WHERE owner_user_id = ? AND status IN ('open', 'in_progress') ORDER BY due_on, id LIMIT 51";
const COUNT_MINE_SQL: &str =
    "SELECT COUNT(*) FROM follow_ups WHERE owner_user_id = ? AND status IN ('open', 'in_progress')";
const COUNT_OVERDUE_SQL: &str =
    "SELECT COUNT(*) FROM follow_ups WHERE community_id = ? AND status IN ('open', 'in_progress') AND due_on < ?";

pub async fn run(store: &Store, households: usize, iterations: u32) -> Result<String, String> {
    let load_start = Instant::now();
    let (cid, team, n_visits, n_fus) = load(store, households).await?;
    let load_time = load_start.elapsed();
    let err = |e: hearth_core::CoreError| e.to_string();
    let worker_id = team.get(1).copied().ok_or("no team")?;
    let worker = users::get(store, worker_id).await.map_err(err)?;
    let actor = users::actor_for(store, &worker).await.map_err(err)?;
    let (from, to) = (day(2016, 3, 1)?, day(2016, 3, 31)?);
    let year_end = day(2016, 12, 31)?;
    let since = year_end - TimeDelta::days(90);
    let today = day(2017, 1, 1)?;
    let end_ts = (to + TimeDelta::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut out = Vec::new();
    let mut figure = String::new();

    let scope = Scope::new(vec![cid], from, to).map_err(err)?;
    let (hearth, rows) = time(iterations, || async {
        let f = indicators::evaluate(store, &scope, Some(&["visit_coverage_pct"])).await.map_err(err)?;
        Ok(f.len())
    })
    .await?;
    let f = indicators::evaluate(store, &scope, Some(&["visit_coverage_pct"])).await.map_err(err)?;
    if let Some(x) = f.first() {
        figure = format!(
            "coverage March 2016: {} of {} households, {}",
            x.numerator.unwrap_or(0),
            x.denominator.unwrap_or(0),
            x.value.map(|v| format!("{v}%")).unwrap_or_else(|| "—".into())
        );
    }
    let cov_vals: Vec<Value> = vec![cid.into(), from.into(), to.into()];
    let hh_vals: Vec<Value> = vec![cid.into(), to.into(), end_ts.into(), to.into()];
    let (raw_t, _) = time(iterations, || async {
        raw(store, COVERAGE_SQL, &cov_vals).await?;
        raw(store, HOUSEHOLDS_SQL, &hh_vals).await
    })
    .await?;
    out.push(Timing { label: "coverage % (March 2016)", hearth, raw: raw_t, rows });

    let (hearth, rows) = time(iterations, || async {
        let p = coverage::not_visited_since(store, &actor, cid, since, None, Some(100)).await.map_err(err)?;
        Ok(p.items.len())
    })
    .await?;
    let plan_vals: Vec<Value> = vec![cid.into(), since.into()];
    let (raw_t, _) = time(iterations, || async { raw(store, PLAN_SQL, &plan_vals).await }).await?;
    out.push(Timing { label: "not visited for 90 days, first page", hearth, raw: raw_t, rows });

    let (hearth, rows) = time(iterations, || async {
        let q = follow_ups::ListQuery {
            queue: follow_ups::Queue::Overdue,
            today: Some(today),
            limit: Some(50),
            ..Default::default()
        };
        Ok(follow_ups::list(store, &actor, &q).await.map_err(err)?.items.len())
    })
    .await?;
    let overdue_vals: Vec<Value> = vec![cid.into(), today.into()];
    let (raw_t, _) = time(iterations, || async { raw(store, OVERDUE_SQL, &overdue_vals).await }).await?;
    out.push(Timing { label: "overdue queue, first page", hearth, raw: raw_t, rows });

    let (hearth, rows) = time(iterations, || async {
        let q = follow_ups::ListQuery { queue: follow_ups::Queue::Mine, limit: Some(50), ..Default::default() };
        Ok(follow_ups::list(store, &actor, &q).await.map_err(err)?.items.len())
    })
    .await?;
    let mine_vals: Vec<Value> = vec![worker_id.into()];
    let (raw_t, _) = time(iterations, || async { raw(store, MINE_SQL, &mine_vals).await }).await?;
    out.push(Timing { label: "my follow-ups, first page", hearth, raw: raw_t, rows });

    let (hearth, rows) = time(iterations, || async {
        let (a, b) = follow_ups::queue_counts(store, &actor).await.map_err(err)?;
        Ok((a + b) as usize)
    })
    .await?;
    let now_day = chrono::Utc::now().date_naive();
    let count_overdue_vals: Vec<Value> = vec![cid.into(), now_day.into()];
    let (raw_t, _) = time(iterations, || async {
        raw(store, COUNT_MINE_SQL, &mine_vals).await?;
        raw(store, COUNT_OVERDUE_SQL, &count_overdue_vals).await
    })
    .await?;
    out.push(Timing { label: "navigation counts (mine + overdue)", hearth, raw: raw_t, rows });

    let mut report = format!(
        "backend: {:?}; {households} households, {n_visits} visits, {n_fus} follow-ups loaded in {:.1} s; \
         {iterations} iterations each; {figure}\n\n| query | hearth (ms) | raw SQL (ms) | ratio | rows |\n|---|---:|---:|---:|---:|\n",
        store.backend(),
        load_time.as_secs_f64(),
    );
    for t in out {
        let h = t.hearth.as_secs_f64() * 1000.0;
        let r = t.raw.as_secs_f64() * 1000.0;
        report.push_str(&format!("| {} | {:.2} | {:.2} | {:.1}× | {} |\n", t.label, h, r, h / r.max(0.0001), t.rows));
    }
    report.push_str(
        "\nhearth's figure includes what a real request does besides the SELECT: the policy check, the \
         volunteer/scope filters and, for lists, the audit row for the read.\n\nQuery plans of the raw statements:\n",
    );
    for (label, s, vals) in [
        ("coverage (distinct households visited)", COVERAGE_SQL, &cov_vals),
        ("households at end of period", HOUSEHOLDS_SQL, &hh_vals),
        ("not visited since", PLAN_SQL, &plan_vals),
        ("overdue queue", OVERDUE_SQL, &overdue_vals),
        ("my follow-ups", MINE_SQL, &mine_vals),
    ] {
        report.push_str(&format!("\n{label}:\n{}\n", plan(store, s, vals).await?));
    }
    Ok(report)
}
