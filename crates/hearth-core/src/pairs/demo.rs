//! Pairing's part of the demo (shared/DEMO.md): 150 households paired with a helper from
//! 2016-04-01 — the demo volunteer (5, still going, so the volunteer login has households),
//! team members, volunteers without a login, members of partner units and neighbour
//! households — for the pairing year 2016, with the contacts they made: weekly for the
//! hardship family, fortnightly or monthly for the others, a few attempts that reached no one.

use chrono::{NaiveDate, TimeDelta, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use super::{Cadence, ContactMode, HelperKind};
use crate::demo::VOLUNTEER_PAIRS;
use crate::entity::{case, helper, pair, pair_contact};
use crate::error::{CoreError, CoreResult};
use crate::practice::{BoxFut, DemoContext};
use crate::registry::demo::historical;

/// Households paired (DEMO.md).
pub const PAIRED: usize = 150;

fn ymd(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

/// Volunteers without a login, and partner units' members: (name, organisation, phone).
const VOLUNTEERS: [(&str, &str); 3] =
    [("马秀兰", "138 0991 2201"), ("阿依努尔·买买提", "139 9910 3302"), ("刘建国", "137 0991 4403")];
const PARTNERS: [(&str, &str, &str); 4] = [
    ("王丽", "芳草家园社区工作站 Fangcao Homes team", "0991 5510 201"),
    ("古丽米拉", "芳草家园社区工作站 Fangcao Homes team", "0991 5510 202"),
    ("张伟", "区人民医院社工部 District hospital social work", "0991 6620 301"),
    ("哈那提", "佳福小学 Jiafu Primary School", "0991 7730 401"),
];
/// Neighbour households helping (by position in the registry's plan order).
const NEIGHBOURS: usize = 6;

pub(crate) fn step<'a>(tx: &'a DatabaseTransaction, ctx: &'a mut DemoContext) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let community = ctx.community_id;
        let ids = &ctx.household_ids;
        if ids.len() < PAIRED + NEIGHBOURS + 1 {
            return Err(CoreError::Internal("demo households".into()));
        }
        let now = Utc::now();
        let started = ymd(2016, 4, 1)?;
        let year_end = ymd(2016, 12, 31)?;
        let new_helper = |kind, user: Option<i64>, name: Option<&str>, org: Option<&str>, phone: Option<&str>, hh| {
            helper::ActiveModel {
                community_id: Set(community),
                kind: Set(kind),
                user_id: Set(user),
                name: Set(name.map(str::to_owned)),
                organisation: Set(org.map(str::to_owned)),
                phone: Set(phone.map(str::to_owned)),
                household_id: Set(hh),
                active: Set(true),
                updated_at: Set(now),
                ..Default::default()
            }
        };
        // Helpers, in the order pairs are handed out below.
        let mut helpers: Vec<helper::ActiveModel> = Vec::new();
        let volunteer = ctx.volunteer.ok_or_else(|| CoreError::Internal("demo volunteer".into()))?;
        helpers.push(new_helper(HelperKind::Volunteer, Some(volunteer), None, None, None, None));
        for u in &ctx.team {
            helpers.push(new_helper(HelperKind::TeamMember, Some(*u), None, None, None, None));
        }
        for (n, p) in VOLUNTEERS {
            helpers.push(new_helper(HelperKind::Volunteer, None, Some(n), None, Some(p), None));
        }
        for (n, o, p) in PARTNERS {
            helpers.push(new_helper(HelperKind::PartnerMember, None, Some(n), Some(o), Some(p), None));
        }
        // Neighbours: households near the end of the plan, never paired themselves.
        let neighbour_households: Vec<i64> = ids.iter().rev().step_by(7).take(NEIGHBOURS).copied().collect();
        for h in &neighbour_households {
            helpers.push(new_helper(HelperKind::Neighbour, None, None, None, None, Some(*h)));
        }
        let mut helper_rows = Vec::new();
        for h in helpers {
            helper_rows.push(h.insert(tx).await?);
        }
        let vol_helper = helper_rows.first().ok_or_else(|| CoreError::Internal("demo helper".into()))?.clone();
        let others: Vec<&helper::Model> = helper_rows.iter().skip(1).collect();

        // The households: the volunteer's five spread over the estate, the hardship family,
        // then every eleventh household not taken.
        let hardship = case::Entity::find()
            .filter(case::Column::CommunityId.eq(community))
            .all(tx)
            .await?
            .into_iter()
            .map(|c| c.household_id)
            .next();
        let step = (ids.len() / VOLUNTEER_PAIRS).max(1);
        let mut chosen: Vec<i64> = (0..VOLUNTEER_PAIRS).filter_map(|k| ids.get(k * step + step / 2).copied()).collect();
        let volunteer_count = chosen.len();
        if let Some(h) = hardship
            && !chosen.contains(&h)
        {
            chosen.push(h);
        }
        let mut k = 3;
        while chosen.len() < PAIRED && k < ids.len() {
            let h = ids[k];
            if !chosen.contains(&h) && !neighbour_households.contains(&h) {
                chosen.push(h);
            }
            k += 11;
        }
        if chosen.len() != PAIRED {
            return Err(CoreError::Internal("demo pairs".into()));
        }
        let mut pairs = Vec::new();
        for (n, h) in chosen.iter().enumerate() {
            let (hp, cadence, purpose, ended) = if n < volunteer_count {
                (&vol_helper, Cadence::Weekly, "邻里关怀，每周联系 Weekly neighbourly contact", None)
            } else if Some(*h) == hardship {
                let hp = others.first().copied().unwrap_or(&vol_helper);
                (hp, Cadence::Weekly, "困难家庭每周探访 Weekly contact with a family in hardship", Some(year_end))
            } else {
                let hp = others.get(n % others.len().max(1)).copied().unwrap_or(&vol_helper);
                let cadence = if n.is_multiple_of(3) { Cadence::Fortnightly } else { Cadence::Monthly };
                (hp, cadence, "新入住家庭联系 Keeping in touch with a newly arrived household", Some(year_end))
            };
            pairs.push(pair::ActiveModel {
                community_id: Set(community),
                household_id: Set(*h),
                helper_id: Set(hp.id),
                helper_user_id: Set(hp.user_id),
                purpose: Set(Some(purpose.to_owned())),
                cadence: Set(cadence),
                started_on: Set(started),
                ended_on: Set(ended),
                end_reason: Set(ended.map(|_| "2016年结对期满 The 2016 pairing year ended".to_owned())),
                created_by: Set(ctx.coordinator),
                updated_at: Set(historical(started)),
                ..Default::default()
            });
        }
        let mut pair_rows = Vec::new();
        for p in pairs {
            pair_rows.push(p.insert(tx).await?);
        }
        // Contacts: one a window (the volunteer's until the end of 2016, like the others), on a
        // spread weekday; every thirteenth a first attempt that reached no one, the day before.
        let mut contacts = Vec::new();
        let modes = [ContactMode::Visit, ContactMode::Phone, ContactMode::Message];
        for (n, p) in pair_rows.iter().enumerate() {
            let mut w = p.cadence.window(p.started_on, p.started_on);
            let mut i = 0usize;
            while w.start <= year_end {
                let offset = i64::try_from((n + i) % 5).unwrap_or(0) + 1;
                let day = (w.start + TimeDelta::days(offset)).max(p.started_on);
                if day <= year_end && day <= w.end {
                    let mode = modes[(n + i) % modes.len()];
                    if (n + i).is_multiple_of(13) && day > p.started_on {
                        contacts.push(contact(p, day - TimeDelta::days(1), ContactMode::Phone, false, hp_user(p)));
                    }
                    contacts.push(contact(p, day, mode, true, hp_user(p)));
                }
                w = p.cadence.window(p.started_on, w.end + TimeDelta::days(1));
                i += 1;
            }
        }
        let n_contacts = contacts.len();
        let mut it = contacts.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<_> = it.by_ref().take(500).collect();
            pair_contact::Entity::insert_many(chunk).exec_without_returning(tx).await?;
        }
        Ok(vec![
            format!("{} helpers", helper_rows.len()),
            format!("{} pairs", pair_rows.len()),
            format!("{n_contacts} pair contacts"),
        ])
    })
}

fn hp_user(p: &pair::Model) -> Option<i64> {
    p.helper_user_id.or(p.created_by)
}

fn contact(
    p: &pair::Model,
    day: NaiveDate,
    mode: ContactMode,
    reached: bool,
    by: Option<i64>,
) -> pair_contact::ActiveModel {
    pair_contact::ActiveModel {
        community_id: Set(p.community_id),
        pair_id: Set(p.id),
        household_id: Set(p.household_id),
        contacted_on: Set(day),
        mode: Set(mode),
        reached: Set(reached),
        recorded_by: Set(by),
        created_at: Set(historical(day)),
        ..Default::default()
    }
}
