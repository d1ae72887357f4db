//! `hearth bench dashboard`: the dashboard of one community (the demo community, every
//! practice's records) and the district dashboard over many synthetic communities, timed
//! through `reports::dashboard::build` — twelve months of every headline indicator, the
//! chosen month broken down by community — and, for comparison, the raw SQL of its two
//! heaviest parts (households present at each month's end, and distinct households visited in
//! each month, grouped by community) on the same database in the same run.

use std::time::Instant;

use chrono::{Months, NaiveDate, TimeDelta};
use hearth_core::reports::dashboard::{self, DashboardQuery};
use hearth_core::{Actor, Store};
use sea_orm::sea_query::Query;
use sea_orm::{ConnectionTrait, Value};

use crate::bench::{raw, time};

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| "bad date".to_owned())
}

/// `communities` synthetic communities of `households` each, moved in through 2016, each
/// household visited once in the year. Returns the rows loaded (households, visits).
async fn load(store: &Store, communities: usize, households: usize) -> Result<(usize, usize), String> {
    let e = |e: sea_orm::DbErr| e.to_string();
    let sys = Actor::system();
    let mut ids = Vec::with_capacity(communities);
    for i in 0..communities {
        let c = hearth_core::registry::communities::create(
            store,
            &sys,
            hearth_core::registry::communities::CommunityInput {
                name: Some(format!("District community {i:03}")),
                slug: Some(format!("district-{i:03}")),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        ids.push(c.id);
    }
    let now = chrono::Utc::now();
    let start = day(2016, 1, 1)?;
    let tx = store.write().await.map_err(e)?;
    let base = 5_000_000i64;
    let mut rows: Vec<(i64, i64, NaiveDate, NaiveDate)> = Vec::new();
    for (ci, c) in ids.iter().enumerate() {
        for h in 0..households {
            let k = ci * households + h;
            let moved_in = start + TimeDelta::days(((k * 13) % 300) as i64);
            let visited = moved_in + TimeDelta::days(((k * 7) % 60) as i64);
            rows.push((base + k as i64, *c, moved_in, visited));
        }
    }
    for chunk in rows.chunks(1000) {
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
        for (id, c, moved_in, _) in chunk {
            q.values_panic([
                (*id).into(),
                (*c).into(),
                format!("D-{id}").into(),
                format!("Room {id}").into(),
                (*moved_in).into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.map_err(e)?;
        let mut q = Query::insert();
        q.into_table("visits").columns(["id", "community_id", "household_id", "visited_on", "purpose", "created_at"]);
        for (id, c, _, visited) in chunk {
            q.values_panic([(*id).into(), (*c).into(), (*id).into(), (*visited).into(), "welcome".into(), now.into()]);
        }
        tx.execute(&q).await.map_err(e)?;
    }
    tx.commit().await.map_err(e)?;
    Ok((rows.len(), rows.len()))
}

/// The raw statements for one month: households present at its end and distinct households
/// visited in it, by community, over `communities` (ids inlined as the dashboard binds them).
async fn raw_month(store: &Store, first: NaiveDate, communities: &str) -> Result<usize, String> {
    let last = first.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(first);
    let present = format!(
        "SELECT community_id, COUNT(*) FROM households WHERE community_id IN ({communities}) AND moved_in_on <= ? \
         AND (moved_out_on IS NULL OR moved_out_on > ?) GROUP BY community_id"
    );
    let visited = format!(
        "SELECT community_id, COUNT(DISTINCT household_id) FROM visits WHERE community_id IN ({communities}) \
         AND visited_on >= ? AND visited_on <= ? GROUP BY community_id"
    );
    let a = raw(store, &present, &[Value::from(last), Value::from(last)]).await?;
    let b = raw(store, &visited, &[Value::from(first), Value::from(last)]).await?;
    Ok(a + b)
}

async fn ids_of(store: &Store, prefix: &str) -> Result<Vec<i64>, String> {
    use hearth_core::entity::community;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(community::Entity::find()
        .filter(community::Column::Slug.starts_with(prefix))
        .all(store.conn())
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

pub async fn run(store: &Store, communities: usize, households: usize, iterations: u32) -> Result<String, String> {
    let load_start = Instant::now();
    let demo = hearth_core::demo::load(store).await.map_err(|e| e.to_string())?;
    let (h, v) = load(store, communities, households).await?;
    let loaded = load_start.elapsed();
    let actor = Actor::system();
    let today = day(2016, 12, 31)?;
    let mut out = vec![format!(
        "backend: {:?}; demo community ({}) plus {communities} communities of {households} households \
         ({h} households, {v} visits) loaded in {:.1} s; {iterations} runs after one warm-up\n",
        store.backend(),
        demo.community,
        loaded.as_secs_f64()
    )];
    out.push("| dashboard | hearth (ms) | raw SQL (ms) | ratio | figures |".into());
    out.push("|---|---:|---:|---:|---:|".into());
    let jiafu = ids_of(store, "jiafu").await?;
    let district = ids_of(store, "district-").await?;
    let cases: [(&str, Vec<String>, Vec<i64>); 2] = [
        ("one community (jiafu, June 2016)", vec!["jiafu".into()], jiafu),
        (
            "district (all communities, June 2016)",
            Vec::new(),
            district.iter().copied().chain(ids_of(store, "jiafu").await?).collect(),
        ),
    ];
    for (label, slugs, ids) in cases {
        let q = DashboardQuery { communities: slugs, month: Some("2016-06".into()), outside: false };
        let (hearth, figures) = time(iterations, || async {
            let d = dashboard::build(store, &actor, &q, today).await.map_err(|e| e.to_string())?;
            Ok(d.trends.len() * d.trends.first().map(|t| t.points.len()).unwrap_or(0)
                + d.by_community.iter().map(|s| s.lines.len()).sum::<usize>())
        })
        .await?;
        let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let (raw_t, _) = time(iterations, || async {
            let mut n = 0;
            for back in 0..12 {
                let first = day(2016, 6, 1)?.checked_sub_months(Months::new(back)).ok_or("month")?;
                n += raw_month(store, first, &list).await?;
            }
            Ok(n)
        })
        .await?;
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        out.push(format!(
            "| {label} | {:.1} | {:.1} | {:.1}× | {figures} |",
            ms(hearth),
            ms(raw_t),
            ms(hearth) / ms(raw_t).max(0.001)
        ));
    }
    Ok(out.join("\n"))
}
