//! `hearth bench requests`: a bulk service request for 2,000 households through the real
//! core path (`requests::records::bulk_open`: every household checked, multi-row inserts, the
//! audit row listing the 4,000 records it names, one transaction), against a raw multi-row
//! insert of the same rows in one transaction into the same schema, in the same run. What
//! the ratio shows is the price of the checks and the audit, not of a row-at-a-time loop.
//! Numbers go to docs/PERFORMANCE.md ("Service requests").

use std::time::{Duration, Instant};

use hearth_core::requests::records::{self, BulkInput};
use hearth_core::{Actor, Store};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::Query;

const SLUG: &str = "bench-requests";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Loads a community of `households` households; their ids.
async fn load(store: &Store, households: usize) -> Result<(i64, Vec<i64>), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let c = hearth_core::registry::communities::create(
        store,
        &Actor::system(),
        hearth_core::registry::communities::CommunityInput {
            name: Some("Bench requests".into()),
            slug: Some(SLUG.into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let base = 5_000_000i64;
    let tx = store.write().await.map_err(e)?;
    for chunk in (0..households).step_by(500) {
        let mut q = Query::insert();
        q.into_table("households").columns([
            "id",
            "community_id",
            "code",
            "address",
            "building",
            "moved_in_on",
            "created_at",
            "updated_at",
        ]);
        for i in chunk..(chunk + 500).min(households) {
            q.values([
                (base + i as i64).into(),
                c.id.into(),
                format!("R-{i:06}").into(),
                "Bench".into(),
                format!("{}号楼", i / 200 + 1).into(),
                chrono::NaiveDate::from_ymd_opt(2016, 1, 10).into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| e.to_string())?;
        }
        tx.execute(&q).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)?;
    Ok((c.id, (0..households).map(|i| base + i as i64).collect()))
}

/// The same rows, written as plainly as possible: multi-row INSERTs in one transaction.
async fn raw(store: &Store, community: i64, ids: &[i64]) -> Result<(), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let now = chrono::Utc::now();
    let on = chrono::NaiveDate::from_ymd_opt(2016, 1, 15);
    let tx = store.write().await.map_err(e)?;
    for chunk in ids.chunks(500) {
        let mut q = Query::insert();
        q.into_table("requests").columns([
            "community_id",
            "household_id",
            "kind",
            "description",
            "provider",
            "opened_on",
            "status",
            "created_at",
            "updated_at",
        ]);
        for h in chunk {
            q.values([
                community.into(),
                (*h).into(),
                "cable".into(),
                "有线电视开通".into(),
                "有线电视公司".into(),
                on.into(),
                "open".into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| e.to_string())?;
        }
        tx.execute(&q).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)
}

pub async fn run(store: &Store, households: usize, iterations: u32) -> Result<String, String> {
    let households = households.clamp(1, 100_000);
    let (community, ids) = load(store, households).await?;
    let mut core = Vec::new();
    let mut plain = Vec::new();
    for _ in 0..iterations.max(1) {
        let t = Instant::now();
        let out = records::bulk_open(
            store,
            &Actor::system(),
            BulkInput {
                community: Some(SLUG.into()),
                household_ids: Some(ids.clone()),
                kind: Some("cable".into()),
                description: Some("有线电视开通".into()),
                provider: Some("有线电视公司".into()),
                opened_on: Some("2016-01-15".into()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        core.push(t.elapsed());
        if out.count != households as u64 {
            return Err(format!("bulk request made {} of {households}", out.count));
        }
        let t = Instant::now();
        raw(store, community, &ids).await?;
        plain.push(t.elapsed());
    }
    let (c, r) = (median(core), median(plain));
    let backend = format!("{:?}", store.conn().get_database_backend());
    Ok(format!(
        "bench requests ({backend}): a bulk request for {households} households, median of {} runs\n\
         core path (checks, multi-row inserts, audit row listing {} records, one transaction): {:.1} ms\n\
         raw multi-row INSERT of the same rows, one transaction: {:.1} ms\n\
         ratio core / raw: {:.1}×",
        iterations.max(1),
        households * 2,
        ms(c),
        ms(r),
        ms(c) / ms(r).max(0.001)
    ))
}
