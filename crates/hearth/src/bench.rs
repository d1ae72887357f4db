//! `hearth bench search`: name search and household lists at district scale, timed through
//! hearth's own code path and, for comparison, as the raw SQL doing the same work on the same
//! database in the same run. Numbers go to docs/PERFORMANCE.md.

use std::time::{Duration, Instant};

use hearth_core::registry::{households, residents, search};
use hearth_core::{Actor, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::Query;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

const FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
    "桂英", "建华", "志强", "海燕", "小红", "文",
];
const TRANSLIT: &[&str] = &[
    "阿巴拜克日·买买提",
    "肉克亚·吐尔逊",
    "古丽娜尔·艾买提",
    "努尔兰·加肯",
    "阿依古丽·热合曼",
    "艾力·阿不都",
    "买合木提·吾守尔",
    "哈力木拉提·努尔",
    "巴合提·胡安",
];

fn name(rng: &mut StdRng) -> String {
    if rng.random_ratio(1, 6) {
        TRANSLIT[rng.random_range(0..TRANSLIT.len())].to_owned()
    } else {
        format!("{}{}", FAMILY[rng.random_range(0..FAMILY.len())], GIVEN[rng.random_range(0..GIVEN.len())])
    }
}

/// Loads `residents` residents in ~2.8-person households into community `bench`.
/// Returns the community id and the id of a household in the middle (for a deep page).
async fn load(store: &Store, residents_total: usize) -> Result<(i64, i64), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let c = hearth_core::registry::communities::create(
        store,
        &Actor::system(),
        hearth_core::registry::communities::CommunityInput {
            name: Some("Bench district".into()),
            slug: Some("bench".into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(2016);
    let now = chrono::Utc::now();
    let households_total = residents_total * 10 / 28;
    let tx = store.write().await.map_err(e)?;
    for chunk_start in (0..households_total).step_by(1000) {
        let mut q = Query::insert();
        q.into_table("households").columns(["id", "community_id", "code", "address", "created_at", "updated_at"]);
        for i in chunk_start..(chunk_start + 1000).min(households_total) {
            let id = i as i64 + 1_000_000;
            q.values_panic([
                id.into(),
                c.id.into(),
                format!("B{:03}-{:05}", i / 500, i).into(),
                format!("Building {}, room {}", i / 500, i % 500).into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.map_err(e)?;
    }
    let mut batch_r = Query::insert();
    let mut batch_t = Query::insert();
    let mut n = 0;
    let reset = |r: &mut sea_orm::sea_query::InsertStatement, t: &mut sea_orm::sea_query::InsertStatement| {
        *r = Query::insert();
        r.into_table("residents").columns([
            "id",
            "household_id",
            "community_id",
            "full_name",
            "created_at",
            "updated_at",
        ]);
        *t = Query::insert();
        t.into_table("resident_search_terms").columns(["resident_id", "community_id", "term"]);
    };
    reset(&mut batch_r, &mut batch_t);
    for (i, rid) in (1_000_000i64..).enumerate().take(residents_total) {
        let household = (i % households_total) as i64 + 1_000_000;
        let full = name(&mut rng);
        batch_r.values_panic([rid.into(), household.into(), c.id.into(), full.clone().into(), now.into(), now.into()]);
        for term in search::terms(&full) {
            batch_t.values_panic([rid.into(), c.id.into(), term.into()]);
        }
        n += 1;
        if n == 1000 {
            tx.execute(&batch_r).await.map_err(e)?;
            tx.execute(&batch_t).await.map_err(e)?;
            reset(&mut batch_r, &mut batch_t);
            n = 0;
        }
    }
    if n > 0 {
        tx.execute(&batch_r).await.map_err(e)?;
        tx.execute(&batch_t).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)?;
    // Fresh statistics and (PostgreSQL) visibility maps, as autovacuum gives a running
    // deployment; a freshly bulk-loaded table without them gets poor plans.
    let settle = if store.backend() == sea_orm::DbBackend::Postgres { "VACUUM ANALYZE" } else { "ANALYZE" };
    store.writer().execute_unprepared(settle).await.map_err(e)?;
    Ok((c.id, 1_000_000 + households_total as i64 / 2))
}

/// One measured query: through hearth, and the raw SQL doing the same work.
pub(crate) struct Timing {
    pub label: &'static str,
    pub hearth: Duration,
    pub raw: Duration,
    pub rows: usize,
}

/// The mean time of `iterations` runs after one warm-up, and the rows the last run returned.
pub(crate) async fn time<F, Fut>(iterations: u32, mut f: F) -> Result<(Duration, usize), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<usize, String>>,
{
    let mut rows = f().await?; // warm-up
    let start = Instant::now();
    for _ in 0..iterations {
        rows = f().await?;
    }
    Ok((start.elapsed() / iterations.max(1), rows))
}

pub async fn run(store: &Store, residents_total: usize, iterations: u32) -> Result<String, String> {
    let load_start = Instant::now();
    let (community_id, middle) = load(store, residents_total).await?;
    let load_time = load_start.elapsed();
    let actor = Actor::system();
    let backend = store.backend();
    let mut out = Vec::new();
    for (label, q) in [
        ("resident search \"zw\"", "zw"),
        ("resident search \"zhangwei\"", "zhangwei"),
        ("resident search \"古丽\"", "古丽"),
    ] {
        let (hearth, rows) = time(iterations, || async {
            let page = residents::list(
                store,
                &actor,
                &residents::ListQuery {
                    community: Some("bench".into()),
                    q: Some(q.into()),
                    limit: Some(50),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(page.items.len())
        })
        .await?;
        let norm = search::normalize(q);
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                "SELECT r.* FROM residents r WHERE r.community_id = $1 AND r.id IN (SELECT resident_id FROM resident_search_terms WHERE community_id = $1 AND term >= $2 AND term < $3) ORDER BY r.id LIMIT 51"
            }
            _ => {
                "SELECT r.* FROM residents r WHERE r.community_id = ?1 AND r.id IN (SELECT resident_id FROM resident_search_terms WHERE community_id = ?1 AND term >= ?2 AND term < ?3) ORDER BY r.id LIMIT 51"
            }
        };
        let (raw, _) = time(iterations, || async {
            let rows = store
                .conn()
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [community_id.into(), norm.clone().into(), search::prefix_upper(&norm).into()],
                ))
                .await
                .map_err(|e| e.to_string())?;
            Ok(rows.len())
        })
        .await?;
        out.push(Timing { label, hearth, raw, rows });
    }
    let (hearth, rows) = time(iterations, || async {
        let page = households::list(
            store,
            &actor,
            &households::ListQuery {
                community: Some("bench".into()),
                after: Some(middle),
                before: None,
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(page.items.len())
    })
    .await?;
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT h.*, (SELECT string_agg(full_name, ',') FROM residents r WHERE r.household_id = h.id) FROM households h WHERE h.community_id = $1 AND h.id > $2 ORDER BY h.id LIMIT 51"
        }
        _ => {
            "SELECT h.*, (SELECT group_concat(full_name) FROM residents r WHERE r.household_id = h.id) FROM households h WHERE h.community_id = ? AND h.id > ? ORDER BY h.id LIMIT 51"
        }
    };
    let (raw, _) = time(iterations, || async {
        let rows = store
            .conn()
            .query_all_raw(Statement::from_sql_and_values(backend, sql, [community_id.into(), middle.into()]))
            .await
            .map_err(|e| e.to_string())?;
        Ok(rows.len())
    })
    .await?;
    out.push(Timing { label: "household list, deep keyset page", hearth, raw, rows });

    let mut report = format!(
        "backend: {:?}; {} residents loaded in {:.1} s; {} iterations each\n\n| query | hearth (ms) | raw SQL (ms) | ratio | rows |\n|---|---:|---:|---:|---:|\n",
        backend,
        residents_total,
        load_time.as_secs_f64(),
        iterations
    );
    for t in out {
        let h = t.hearth.as_secs_f64() * 1000.0;
        let r = t.raw.as_secs_f64() * 1000.0;
        report.push_str(&format!("| {} | {:.2} | {:.2} | {:.1}× | {} |\n", t.label, h, r, h / r.max(0.0001), t.rows));
    }
    report.push_str("\nhearth's figure includes what a real request does besides the SELECT: the policy check and the audit row for the read.\n");
    Ok(report)
}

/// `?` placeholders as the backend writes them.
pub(crate) fn sql(backend: DbBackend, s: &str) -> String {
    if backend != DbBackend::Postgres {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut n = 0;
    for ch in s.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

pub(crate) async fn raw(store: &Store, s: &str, values: &[Value]) -> Result<usize, String> {
    let backend = store.backend();
    let rows = store
        .conn()
        .query_all_raw(Statement::from_sql_and_values(backend, sql(backend, s), values.to_vec()))
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows.len())
}

pub(crate) async fn plan(store: &Store, s: &str, values: &[Value]) -> Result<String, String> {
    let backend = store.backend();
    let prefix = if backend == DbBackend::Postgres { "EXPLAIN " } else { "EXPLAIN QUERY PLAN " };
    let rows = store
        .conn()
        .query_all_raw(Statement::from_sql_and_values(backend, format!("{prefix}{}", sql(backend, s)), values.to_vec()))
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for r in rows {
        let line: String = if backend == DbBackend::Postgres {
            r.try_get_by_index(0).map_err(|e| e.to_string())?
        } else {
            r.try_get_by_index(3).map_err(|e| e.to_string())?
        };
        out.push(format!("    {line}"));
    }
    Ok(out.join("\n"))
}
