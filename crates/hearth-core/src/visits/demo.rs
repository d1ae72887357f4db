//! The demo's March 2016 visit round (shared/DEMO.md): every household visited exactly once
//! between 2016-03-01 and 2016-03-31 by the demo team, and a realistic set of follow-ups —
//! most resolved, a few found impossible, some still open and overdue at the end of 2016.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{Category, FollowUpStatus, VisitPurpose};
use crate::entity::{follow_up, follow_up_history, visit, visit_visitor};
use crate::error::{CoreError, CoreResult};
use crate::word::Word;

const CHUNK: usize = 500;

/// What a need found in the round looks like (category, description).
const NEEDS: [(Category, &str); 8] = [
    (Category::Jobs, "正在找工作，想了解招聘会"),
    (Category::Schooling, "孩子需要附近小学的学位"),
    (Category::Health, "需要帮忙在社区卫生服务中心建档"),
    (Category::Housing, "热水器坏了，需报物业维修"),
    (Category::Documents, "户口迁移手续尚未办理"),
    (Category::Money, "咨询困难补助"),
    (Category::Language, "想参加免费语言班"),
    (Category::Other, "咨询有线电视开通"),
];

fn day(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

/// The practice's demo step: the round over the registry's households.
pub(crate) fn step<'a>(
    tx: &'a sea_orm::DatabaseTransaction,
    ctx: &'a mut crate::practice::DemoContext,
) -> crate::practice::BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let (visits, follow_ups) = insert_round(tx, ctx.community_id, &ctx.team, &ctx.household_ids).await?;
        Ok(vec![format!("{visits} visits"), format!("{follow_ups} follow-ups")])
    })
}

/// Inserts the round in the caller's transaction; returns (visits, follow-ups). The caller's
/// one audit row for the demo load reports these counts.
/// `team` are the demo users who visit and own follow-ups (at least one).
#[tracing::instrument(skip_all)]
pub async fn insert_round<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    team: &[i64],
    household_ids: &[i64],
) -> CoreResult<(usize, usize)> {
    let first = *team.first().ok_or_else(|| CoreError::Internal("demo team".into()))?;
    let start = day(2016, 3, 1)?;
    let n = household_ids.len().max(1);
    // Spread evenly over the 31 days of March, in household order (a round by building).
    let visited_on = |k: usize| start + TimeDelta::days(((k * 31) / n) as i64);
    for (c, chunk) in household_ids.chunks(CHUNK).enumerate() {
        let rows = chunk.iter().enumerate().map(|(i, hid)| {
            let k = c * CHUNK + i;
            visit::ActiveModel {
                community_id: Set(community_id),
                household_id: Set(*hid),
                visited_on: Set(visited_on(k)),
                purpose: Set(VisitPurpose::Welcome),
                companions: Set(k.is_multiple_of(7).then(|| "物业工作人员".to_owned())),
                notes: Set(None),
                recorded_by: Set(Some(first)),
                created_at: Set(crate::registry::demo::historical(visited_on(k))),
                ..Default::default()
            }
        });
        visit::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    let visit_of: HashMap<i64, (i64, NaiveDate)> = visit::Entity::find()
        .select_only()
        .column(visit::Column::HouseholdId)
        .column(visit::Column::Id)
        .column(visit::Column::VisitedOn)
        .filter(visit::Column::CommunityId.eq(community_id))
        .into_tuple::<(i64, i64, NaiveDate)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(h, v, d)| (h, (v, d)))
        .collect();
    // Two visitors per visit: the first team member and one other, in turn.
    let mut links = Vec::new();
    for (k, hid) in household_ids.iter().enumerate() {
        let (vid, _) = *visit_of.get(hid).ok_or_else(|| CoreError::Internal("demo visit missing".into()))?;
        links.push((vid, first));
        if let Some(other) = team.get(1 + k % team.len().saturating_sub(1).max(1)).filter(|o| **o != first) {
            links.push((vid, *other));
        }
    }
    for chunk in links.chunks(CHUNK) {
        let rows = chunk.iter().map(|(v, u)| visit_visitor::ActiveModel { visit_id: Set(*v), user_id: Set(*u) });
        visit_visitor::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }

    // A need on every ninth household; of every twenty needs: sixteen resolved, one found
    // impossible to resolve, two open and overdue, one in progress and due in 2017.
    let mut planned = Vec::new();
    for (_, hid) in household_ids.iter().enumerate().filter(|(k, _)| k % 9 == 4) {
        let (vid, on) = *visit_of.get(hid).ok_or_else(|| CoreError::Internal("demo visit missing".into()))?;
        let j = planned.len();
        let (category, description) = NEEDS[j % NEEDS.len()];
        let owner = team.get(j % team.len().min(2)).copied().unwrap_or(first);
        let due = on + TimeDelta::days(if j % 3 == 0 { 14 } else { 30 });
        let (status, due, resolved) = match j % 20 {
            0..=15 => (FollowUpStatus::Resolved, due, Some(due - TimeDelta::days((j % 10) as i64))),
            16 => (FollowUpStatus::CannotResolve, due, Some(due)),
            17 | 18 => (FollowUpStatus::Open, due, None),
            _ => (FollowUpStatus::InProgress, day(2017, 1, 15)?, None),
        };
        planned.push((*hid, vid, on, category, description, owner, due, status, resolved));
    }
    for chunk in planned.chunks(CHUNK) {
        let rows = chunk.iter().map(|(hid, vid, on, category, description, owner, due, status, resolved)| {
            follow_up::ActiveModel {
                community_id: Set(community_id),
                household_id: Set(*hid),
                resident_id: Set(None),
                visit_id: Set(Some(*vid)),
                description: Set((*description).to_owned()),
                category: Set(*category),
                owner_user_id: Set(*owner),
                opened_on: Set(*on),
                due_on: Set(*due),
                status: Set(*status),
                resolution_note: Set(resolved.map(|_| {
                    if *status == FollowUpStatus::Resolved {
                        "已与住户一起办妥".to_owned()
                    } else {
                        "超出团队能安排的范围，已转介".to_owned()
                    }
                })),
                resolved_on: Set(*resolved),
                created_by: Set(Some(first)),
                created_at: Set(crate::registry::demo::historical(*on)),
                updated_at: Set(crate::registry::demo::historical(resolved.unwrap_or(*on))),
                ..Default::default()
            }
        });
        follow_up::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    let stored: Vec<follow_up::Model> = follow_up::Entity::find()
        .filter(follow_up::Column::CommunityId.eq(community_id))
        .order_by_asc(follow_up::Column::Id)
        .all(conn)
        .await?;
    let mut hist = Vec::new();
    for f in &stored {
        let at = |d: NaiveDate| d.and_hms_opt(18, 0, 0).unwrap_or_default().and_utc();
        let row = |on: NaiveDate, change: &str, from: Option<&str>, to: &str, note: Option<String>| {
            follow_up_history::ActiveModel {
                follow_up_id: Set(f.id),
                at: Set(at(on)),
                actor_user_id: Set(Some(f.owner_user_id)),
                change: Set(change.to_owned()),
                from_value: Set(from.map(str::to_owned)),
                to_value: Set(Some(to.to_owned())),
                note: Set(note),
                ..Default::default()
            }
        };
        hist.push(row(f.opened_on, "created", None, "open", None));
        if f.status != FollowUpStatus::Open {
            hist.push(row(f.opened_on + TimeDelta::days(2), "status", Some("open"), "in_progress", None));
        }
        if let Some(r) = f.resolved_on {
            hist.push(row(r, "status", Some("in_progress"), &f.status.word(), f.resolution_note.clone()));
        }
    }
    let mut hist = hist.into_iter().peekable();
    while hist.peek().is_some() {
        let chunk: Vec<_> = hist.by_ref().take(CHUNK).collect();
        follow_up_history::Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok((visit_of.len(), stored.len()))
}
