//! `hearth bench import`: residents from a CSV ledger through the real import path
//! (decoding, header matching, cleaning of every cell, the registry's validation, household
//! lookup, duplicate checks, multi-row inserts, search terms, an audit entry per batch
//! naming its records — one transaction), against the same rows loaded by a raw
//! prepared-statement loop in one transaction into the same schema in the same run
//! (PostgreSQL: `COPY`, its fastest load). The peak resident memory of the import is
//! measured too (Linux: `clear_refs` then `VmHWM`). Numbers go to docs/PERFORMANCE.md
//! ("Import").

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use hearth_core::import::{self, Mode, sheet::Source};
use hearth_core::{Actor, Store};
use sea_orm::sea_query::Query;
use sea_orm::{ConnectionTrait, DbBackend};

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: [&str; 25] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "文", "玉兰",
];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Households `H-000000…` in a new community, written plainly (not measured).
async fn community_with_households(
    store: &Store,
    slug: &str,
    households: usize,
) -> Result<(i64, HashMap<String, i64>), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let c = hearth_core::registry::communities::create(
        store,
        &Actor::system(),
        hearth_core::registry::communities::CommunityInput {
            name: Some(slug.into()),
            slug: Some(slug.into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let tx = store.write().await.map_err(e)?;
    for chunk in (0..households).step_by(500) {
        let mut q = Query::insert();
        q.into_table("households").columns([
            "community_id",
            "code",
            "address",
            "moved_in_on",
            "created_at",
            "updated_at",
        ]);
        for i in chunk..(chunk + 500).min(households) {
            q.values([
                c.id.into(),
                format!("H-{i:06}").into(),
                format!("嘉福路{}号", i / 100 + 1).into(),
                chrono::NaiveDate::from_ymd_opt(2016, 1, 10).into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| e.to_string())?;
        }
        tx.execute(&q).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)?;
    let ids = hearth_core::entity::household::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&hearth_core::entity::household::Column::CommunityId, c.id))
        .all(store.conn())
        .await
        .map_err(e)?
        .into_iter()
        .map(|h| (h.code, h.id))
        .collect();
    Ok((c.id, ids))
}

use sea_orm::{EntityTrait, QueryFilter};

/// A ledger as teams keep them: Chinese headers, dates in two shapes, phones with spaces.
fn write_ledger(path: &std::path::Path, residents: usize, households: usize) -> Result<(), String> {
    let f = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut w = std::io::BufWriter::new(f);
    let e = |e: std::io::Error| e.to_string();
    writeln!(w, "户号,编号,姓名,性别,出生日期,联系电话").map_err(e)?;
    for i in 0..residents {
        let name = format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i / SURNAMES.len()) % GIVEN.len()]);
        let sex = if i % 2 == 0 { "男" } else { "女" };
        let (y, m, d) = (1950 + i % 60, 1 + i % 12, 1 + i % 28);
        let born = if i % 2 == 0 { format!("{y}/{m}/{d}") } else { format!("{y}-{m:02}-{d:02}") };
        writeln!(w, "H-{:06},P-{i:07},{name},{sex},{born},138 {:04} {:04}", i % households, i / 10_000, i % 10_000)
            .map_err(e)?;
    }
    w.flush().map_err(e)
}

/// Peak resident memory since `reset_peak`, in MiB (None off Linux).
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The raw comparator: the same rows parsed plainly and inserted with one prepared
/// statement per row in one transaction (PostgreSQL: one `COPY`).
async fn raw(
    store: &Store,
    path: &std::path::Path,
    community: i64,
    homes: &HashMap<String, i64>,
) -> Result<u64, String> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let mut rows = 0u64;
    let parse_date = |s: &str| {
        let parts: Vec<u32> = s.split(['/', '-']).filter_map(|p| p.parse().ok()).collect();
        match parts.as_slice() {
            [y, m, d] => chrono::NaiveDate::from_ymd_opt(*y as i32, *m, *d),
            _ => None,
        }
    };
    match store.backend() {
        DbBackend::Postgres => {
            let pool = store.writer().get_postgres_connection_pool();
            let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
            let mut copy = tx
                .copy_in_raw(
                    "COPY residents (household_id, community_id, full_name, sex, birth_date, phone, external_id, created_at, updated_at) FROM STDIN WITH (FORMAT csv)",
                )
                .await
                .map_err(|e| e.to_string())?;
            let mut buf = Vec::with_capacity(1 << 20);
            for rec in reader.records() {
                let rec = rec.map_err(|e| e.to_string())?;
                let home = homes.get(rec.get(0).unwrap_or_default()).copied().unwrap_or_default();
                let sex = if rec.get(3) == Some("男") { "male" } else { "female" };
                let born = parse_date(rec.get(4).unwrap_or_default()).map(|d| d.to_string()).unwrap_or_default();
                let phone: String = rec.get(5).unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
                writeln!(
                    buf,
                    "{home},{community},{},{sex},{born},{phone},{},{},{}",
                    rec.get(2).unwrap_or_default(),
                    rec.get(1).unwrap_or_default(),
                    now.to_rfc3339(),
                    now.to_rfc3339()
                )
                .map_err(|e| e.to_string())?;
                rows += 1;
                if buf.len() > (1 << 20) {
                    copy.send(std::mem::take(&mut buf)).await.map_err(|e| e.to_string())?;
                }
            }
            copy.send(buf).await.map_err(|e| e.to_string())?;
            copy.finish().await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
        }
        _ => {
            let pool = store.writer().get_sqlite_connection_pool();
            let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
            for rec in reader.records() {
                let rec = rec.map_err(|e| e.to_string())?;
                let home = homes.get(rec.get(0).unwrap_or_default()).copied().unwrap_or_default();
                let sex = if rec.get(3) == Some("男") { "male" } else { "female" };
                let phone: String = rec.get(5).unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
                sea_orm::sqlx::query(
                    "INSERT INTO residents (household_id, community_id, full_name, sex, birth_date, phone, external_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(home)
                .bind(community)
                .bind(rec.get(2).unwrap_or_default())
                .bind(sex)
                .bind(parse_date(rec.get(4).unwrap_or_default()))
                .bind(phone)
                .bind(rec.get(1).unwrap_or_default())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
                rows += 1;
            }
            tx.commit().await.map_err(|e| e.to_string())?;
        }
    }
    Ok(rows)
}

pub async fn run(store: &Store, residents: usize) -> Result<String, String> {
    let residents = residents.clamp(1, 2_000_000);
    let households = (residents / 3).max(1);
    let (_, _) = community_with_households(store, "bench-import", households).await?;
    let (raw_community, raw_homes) = community_with_households(store, "bench-import-raw", households).await?;
    let dir = std::env::temp_dir().join(format!("hearth-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("ledger.csv");
    write_ledger(&path, residents, households)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let actor = Actor::system();
    let community = import::community_for(store, &actor, "bench-import").await.map_err(|e| e.to_string())?;
    let template = import::template("residents").ok_or("no residents template")?;
    let source = Source::Path(path.clone());
    let before = peak_mib();
    reset_peak();
    let t = Instant::now();
    let (report, _) = import::run(
        store,
        &actor,
        import::Job { community: &community, template, source: &source, columns: None, mode: Mode::AllOrNothing },
        &hearth_web::i18n::AllLanguages,
        &|_| {},
    )
    .await
    .map_err(|e| e.to_string())?;
    let core = t.elapsed();
    let peak = peak_mib();
    if !report.committed || report.new != residents as u64 {
        return Err(format!("the import stored {} of {residents}: {:?}", report.new, report.errors.first()));
    }
    let t = Instant::now();
    let loaded = raw(store, &path, raw_community, &raw_homes).await?;
    let plain = t.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    let backend = format!("{:?}", store.backend());
    let comparator = if store.backend() == DbBackend::Postgres { "COPY" } else { "prepared INSERT per row" };
    Ok(format!(
        "bench import ({backend}): {residents} residents in {households} households, a {:.1} MB CSV\n\
         import path (decode, match headers, clean and validate each cell, look up households, duplicates, \
         multi-row inserts, search terms, audit per batch; one transaction): {:.1} s ({:.0} rows/s)\n\
         raw {comparator} of the same {loaded} rows, one transaction: {:.1} s ({:.0} rows/s)\n\
         ratio import / raw: {:.2}×\n\
         peak resident memory during the import: {} (before: {})",
        size as f64 / 1e6,
        core.as_secs_f64(),
        residents as f64 / core.as_secs_f64().max(1e-9),
        plain.as_secs_f64(),
        loaded as f64 / plain.as_secs_f64().max(1e-9),
        ms(core) / ms(plain).max(0.001),
        peak.map(|p| format!("{p:.0} MiB")).unwrap_or_else(|| "unknown".into()),
        before.map(|p| format!("{p:.0} MiB")).unwrap_or_else(|| "unknown".into()),
    ))
}
