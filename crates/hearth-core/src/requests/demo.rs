//! The demo's cable TV hookups (shared/DEMO.md): when the Jiafu households moved in, the team
//! asked the cable TV company to connect every flat — 1,710 requests, one per household,
//! opened from 15 January 2016 (or the day the household moved in, if later) and all
//! resolved by 31 March 2016. So the first quarter of 2016 shows 1,710 requests resolved and
//! cable coverage of 100%.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use super::RequestStatus;
use crate::entity::{household, request};
use crate::error::{CoreError, CoreResult};

const CHUNK: usize = 500;
const PROVIDER: &str = "有线电视公司";
const DESCRIPTION: &str = "有线电视开通";

fn day(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

/// The practice's demo step: the community's kinds, and the hookups.
pub(crate) fn step<'a>(
    tx: &'a sea_orm::DatabaseTransaction,
    ctx: &'a mut crate::practice::DemoContext,
) -> crate::practice::BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        // The demo makes its community directly, not through `communities::create`.
        super::kinds::seed(tx, ctx.community_id).await?;
        let n = insert_hookups(tx, ctx.community_id, ctx.coordinator, &ctx.household_ids).await?;
        Ok(vec![format!("{n} service requests")])
    })
}

/// One cable TV request per household: opened on a day spread from 15 January to 10 March
/// (never before the household moved in), passed to the company two days later and resolved
/// 3 to 16 days after that, by 31 March at the latest.
pub async fn insert_hookups<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    by: Option<i64>,
    household_ids: &[i64],
) -> CoreResult<usize> {
    let start = day(2016, 1, 15)?;
    let last = day(2016, 3, 31)?;
    let moved_in: HashMap<i64, Option<NaiveDate>> = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::MovedInOn)
        .filter(household::Column::CommunityId.eq(community_id))
        .into_tuple::<(i64, Option<NaiveDate>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let n = household_ids.len().max(1);
    let now = Utc::now();
    for (c, chunk) in household_ids.chunks(CHUNK).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, hid) in chunk.iter().enumerate() {
            let k = c * CHUNK + i;
            let spread = start + TimeDelta::days(((k * 55) / n) as i64);
            let opened = moved_in.get(hid).copied().flatten().map_or(spread, |m| m.max(spread));
            let passed = (opened + TimeDelta::days(2)).min(last);
            let resolved = (passed + TimeDelta::days(3 + (k % 14) as i64)).min(last);
            rows.push(request::ActiveModel {
                community_id: Set(community_id),
                household_id: Set(*hid),
                kind: Set("cable".into()),
                description: Set(DESCRIPTION.into()),
                provider: Set(Some(PROVIDER.into())),
                opened_on: Set(opened),
                status: Set(RequestStatus::Resolved),
                passed_on: Set(Some(passed)),
                resolved_on: Set(Some(resolved)),
                created_by: Set(by),
                created_at: Set(crate::registry::demo::historical(opened)),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        request::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(household_ids.len())
}
