//! The demo's employment help (shared/DEMO.md): three partner employers (丰华物业 Fenghua
//! Property, 三联物业 Sanlian Property, 融汇公司 Ronghui Co.), each with a referral agreement;
//! six openings; four job fairs from March to June 2016 with their roll-calls; 65 referrals
//! (30 placed, 15 not selected, 10 declined by the resident, 10 still open); and 47 residents
//! placed in that period (30 through a referral, 12 at a fair, 5 by their own search helped
//! by the team). Four placements ended within three months; the 3- and 6-month check-ins are
//! recorded where due, except a few calls that reached no one (still due).

use chrono::{NaiveDate, TimeDelta};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{EndReason, OpeningStatus, PlacedVia, ReferralStep};
use crate::entity::{
    agreement, attendance, check_in, employer, employer_contact, fair_employer, fair_opening, job_fair, opening,
    placement, program, program_session, referral, referral_step, resident,
};
use crate::error::{CoreError, CoreResult};
use crate::programs::{ProgramKind, SessionStatus};
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
        let by = ctx.coordinator.or_else(|| ctx.team.first().copied());
        let n = insert_jobs(tx, ctx.community_id, by).await?;
        Ok(vec![format!("{} job fairs", n.0), format!("{} referrals", n.1), format!("{} placements", n.2)])
    })
}

struct Employer {
    name: &'static str,
    sector: &'static str,
    contact: &'static str,
    phone: &'static str,
    signed: (u32, u32),
    openings: &'static [(&'static str, i32, i64, i64, &'static str, &'static str)],
}

const EMPLOYERS: [Employer; 3] = [
    Employer {
        name: "丰华物业 Fenghua Property",
        sector: "物业服务 Property services",
        contact: "王经理 Manager Wang",
        phone: "0991-4561230",
        signed: (2, 26),
        openings: &[
            ("保洁员 Cleaner", 12, 180_000, 220_000, "汉语、维吾尔语", "保洁"),
            ("秩序维护员 Security guard", 8, 200_000, 260_000, "汉语", "安保"),
        ],
    },
    Employer {
        name: "三联物业 Sanlian Property",
        sector: "物业服务 Property services",
        contact: "李主管 Supervisor Li",
        phone: "0991-4567788",
        signed: (3, 1),
        openings: &[
            ("绿化工 Gardener", 6, 170_000, 200_000, "汉语、哈萨克语", "绿化"),
            ("维修工 Maintenance worker", 4, 240_000, 300_000, "汉语", "电工、维修"),
        ],
    },
    Employer {
        name: "融汇公司 Ronghui Co.",
        sector: "商贸 Retail and trade",
        contact: "张女士 Ms Zhang",
        phone: "0991-4563344",
        signed: (3, 4),
        openings: &[
            ("营业员 Shop assistant", 10, 190_000, 240_000, "汉语、维吾尔语", "销售"),
            ("仓库管理员 Warehouse keeper", 5, 210_000, 250_000, "汉语", "仓储"),
        ],
    },
];

/// (fair day, people who came, interviews agreed, offers made)
const FAIRS: [((u32, u32), usize, i32, i32); 4] =
    [((3, 12), 68, 26, 14), ((4, 16), 57, 21, 11), ((5, 14), 49, 17, 9), ((6, 11), 41, 14, 8)];

const DECLINED: [&str; 4] = ["离家太远 Too far from home", "需要照顾孩子 Childcare hours", "", "工资太低 Wage too low"];

/// A placement to make: (resident, employer, title, start, via, referral, fair).
type Planned = (i64, i64, String, NaiveDate, PlacedVia, Option<i64>, Option<i64>);

/// Returns (fairs, referrals, placements).
async fn insert_jobs<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    by: Option<i64>,
) -> CoreResult<(usize, usize, usize)> {
    let mut rng = StdRng::seed_from_u64(13);
    // Working-age residents in 2016, in a stable order.
    let mut adults: Vec<i64> = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(resident::Column::BirthDate.gte(day(1957, 1, 1)?))
        .filter(resident::Column::BirthDate.lte(day(1997, 12, 31)?))
        .order_by_asc(resident::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    adults.shuffle(&mut rng);
    if adults.len() < 120 {
        return Err(CoreError::Internal("demo: too few working-age residents".into()));
    }
    // Employers, their contact log, agreements and openings.
    let mut employer_ids = Vec::new();
    let mut openings: Vec<(i64, i64, String)> = Vec::new(); // (opening, employer, title)
    for e in &EMPLOYERS {
        let at = historical(day(2016, 2, 15)?);
        let emp = employer::Entity::insert(employer::ActiveModel {
            community_id: Set(community_id),
            name: Set(e.name.to_owned()),
            sector: Set(Some(e.sector.to_owned())),
            address: Set(None),
            contact_person: Set(Some(e.contact.to_owned())),
            contact_phone: Set(Some(e.phone.to_owned())),
            notes: Set(None),
            created_by: Set(by),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        employer_ids.push(emp.id);
        let signed = day(2016, e.signed.0, e.signed.1)?;
        for (on, what) in [
            (signed - TimeDelta::days(10), "第一次上门，介绍社区求职居民情况 First visit: the community's job seekers"),
            (signed, "签订劳务推荐协议 Signed the referral agreement"),
        ] {
            employer_contact::Entity::insert(employer_contact::ActiveModel {
                community_id: Set(community_id),
                employer_id: Set(emp.id),
                contacted_on: Set(on),
                by_user_id: Set(by),
                summary: Set(what.to_owned()),
                created_at: Set(historical(on)),
                ..Default::default()
            })
            .exec_without_returning(conn)
            .await?;
        }
        agreement::Entity::insert(agreement::ActiveModel {
            community_id: Set(community_id),
            employer_id: Set(emp.id),
            title: Set("劳务推荐协议 Referral agreement".to_owned()),
            signed_on: Set(signed),
            valid_until: Set(Some(day(2017, e.signed.0, 28)?)),
            terms: Set(Some(
                "社区推荐有就业意愿的居民；企业优先面试，录用后签订劳动合同。The community refers residents who seek \
                 work; the employer interviews them first and signs a labour contract with those it hires."
                    .to_owned(),
            )),
            scan_name: Set(None),
            scan_type: Set(None),
            scan_size: Set(None),
            created_by: Set(by),
            created_at: Set(historical(signed)),
            updated_at: Set(historical(signed)),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
        for (title, positions, lo, hi, langs, skills) in e.openings {
            let o = opening::Entity::insert(opening::ActiveModel {
                community_id: Set(community_id),
                employer_id: Set(emp.id),
                title: Set((*title).to_owned()),
                positions: Set(*positions),
                wage_min: Set(Some(*lo)),
                wage_max: Set(Some(*hi)),
                languages: Set(Some((*langs).to_owned())),
                skills: Set(Some((*skills).to_owned())),
                requirements: Set(None),
                hours: Set(Some("8:00–17:00".to_owned())),
                location: Set(None),
                status: Set(OpeningStatus::Closed),
                posted_on: Set(signed),
                created_by: Set(by),
                created_at: Set(historical(signed)),
                updated_at: Set(historical(signed)),
                ..Default::default()
            })
            .exec_with_returning(conn)
            .await?;
            openings.push((o.id, emp.id, (*title).to_owned()));
        }
    }
    // Fairs with their roll-calls: everyone who came was marked.
    let place = "社区服务中心广场 Community centre square";
    let mut fairs: Vec<(i64, NaiveDate, Vec<i64>)> = Vec::new();
    let mut next = 0usize;
    for ((m, d), came, interviews, offers) in FAIRS {
        let on = day(2016, m, d)?;
        let at = historical(on - TimeDelta::days(7));
        let p = program::Entity::insert(program::ActiveModel {
            community_id: Set(community_id),
            name: Set(format!("{on} · {place}")),
            kind: Set(ProgramKind::JobFair),
            description: Set(None),
            guest_trainers: Set(None),
            location: Set(Some(place.to_owned())),
            starts_on: Set(on),
            ends_on: Set(Some(on)),
            capacity: Set(None),
            certificate_minutes: Set(None),
            cancelled: Set(false),
            created_by: Set(by),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        let s = program_session::Entity::insert(program_session::ActiveModel {
            community_id: Set(community_id),
            program_id: Set(p.id),
            held_on: Set(on),
            starts_at: Set("09:30".to_owned()),
            duration_minutes: Set(180),
            topic: Set(None),
            trainer_user_id: Set(None),
            trainer_name: Set(None),
            location: Set(Some(place.to_owned())),
            status: Set(SessionStatus::Held),
            cancel_reason: Set(None),
            created_at: Set(at),
            updated_at: Set(historical(on)),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        let f = job_fair::Entity::insert(job_fair::ActiveModel {
            community_id: Set(community_id),
            program_id: Set(p.id),
            session_id: Set(s.id),
            held_on: Set(on),
            place: Set(place.to_owned()),
            interviews_agreed: Set(interviews),
            offers_made: Set(offers),
            notes: Set(None),
            created_by: Set(by),
            created_at: Set(at),
            updated_at: Set(historical(on)),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        fair_employer::Entity::insert_many(employer_ids.iter().map(|e| fair_employer::ActiveModel {
            community_id: Set(community_id),
            fair_id: Set(f.id),
            employer_id: Set(*e),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
        fair_opening::Entity::insert_many(openings.iter().map(|(o, _, _)| fair_opening::ActiveModel {
            community_id: Set(community_id),
            fair_id: Set(f.id),
            opening_id: Set(*o),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
        // Each fair: new faces, and some who came before.
        let mut who: Vec<i64> = adults[next..next + came * 3 / 4].to_vec();
        next += came * 3 / 4;
        who.extend(adults[..next].choose_multiple(&mut rng, came - who.len()).copied());
        who.sort_unstable();
        who.dedup();
        attendance::Entity::insert_many(who.iter().map(|r| attendance::ActiveModel {
            community_id: Set(community_id),
            session_id: Set(s.id),
            resident_id: Set(*r),
            minutes: Set(180),
            marked_by: Set(by),
            marked_at: Set(historical(on)),
            ..Default::default()
        }))
        .exec_without_returning(conn)
        .await?;
        fairs.push((f.id, on, who));
    }
    // Referrals: 65 residents referred from the fairs they came to. The first 30 are placed,
    // then 15 not selected, 10 declined, 10 still open (5 with an interview).
    let mut referred: Vec<i64> = Vec::new();
    let mut referral_rows = Vec::new();
    for i in 0..65usize {
        let (fair_id, fair_on, who) = &fairs[i % 4];
        let Some(r) = who.iter().copied().find(|r| !referred.contains(r)) else { continue };
        referred.push(r);
        let (o, emp, title) = &openings[i % openings.len()];
        let on = *fair_on + TimeDelta::days(rng.random_range(1..=3));
        let row = referral::Entity::insert(referral::ActiveModel {
            community_id: Set(community_id),
            resident_id: Set(r),
            employer_id: Set(*emp),
            opening_id: Set(Some(*o)),
            fair_id: Set(Some(*fair_id)),
            referred_on: Set(on),
            referred_by: Set(by),
            outcome: Set(None),
            outcome_on: Set(None),
            created_at: Set(historical(on)),
            updated_at: Set(historical(on)),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        let interview = on + TimeDelta::days(rng.random_range(2..=6));
        let steps: Vec<(ReferralStep, NaiveDate, Option<String>)> = match i {
            0..30 => vec![
                (ReferralStep::Interview, interview, None),
                (ReferralStep::Offer, interview + TimeDelta::days(2), None),
            ],
            30..45 => vec![
                (ReferralStep::Interview, interview, None),
                (ReferralStep::NotSelected, interview + TimeDelta::days(3), None),
            ],
            45..55 => vec![
                (ReferralStep::Interview, interview, None),
                (ReferralStep::Offer, interview + TimeDelta::days(2), None),
                (
                    ReferralStep::Declined,
                    interview + TimeDelta::days(4),
                    Some(DECLINED[i % DECLINED.len()].to_owned()).filter(|s| !s.is_empty()),
                ),
            ],
            55..60 => vec![(ReferralStep::Interview, interview, None)],
            _ => vec![],
        };
        let last = steps.last().map(|(s, d, _)| (*s, *d));
        for (s, d, reason) in steps {
            referral_step::Entity::insert(referral_step::ActiveModel {
                community_id: Set(community_id),
                referral_id: Set(row.id),
                step: Set(s),
                happened_on: Set(d),
                reason: Set(reason),
                recorded_by: Set(by),
                recorded_at: Set(historical(d)),
                ..Default::default()
            })
            .exec_without_returning(conn)
            .await?;
        }
        if let Some((s, d)) = last {
            referral::Entity::update_many()
                .filter(referral::Column::Id.eq(row.id))
                .col_expr(referral::Column::Outcome, sea_orm::sea_query::Expr::value(s))
                .col_expr(referral::Column::OutcomeOn, sea_orm::sea_query::Expr::value(d))
                .exec(conn)
                .await?;
        }
        referral_rows.push((row, title.clone(), interview + TimeDelta::days(2)));
    }
    // Placements: 30 through the referrals placed, 12 at a fair, 5 by their own search.
    let end_of_period = day(2016, 6, 30)?;
    let mut placed = 0usize;
    let mut plan: Vec<Planned> = Vec::new();
    for (r, title, offer_on) in referral_rows.iter().take(30) {
        let start = (*offer_on + TimeDelta::days(rng.random_range(3..=8))).min(end_of_period);
        plan.push((r.resident_id, r.employer_id, title.clone(), start, PlacedVia::Referral, Some(r.id), r.fair_id));
    }
    let mut others = adults.iter().copied().filter(|a| !referred.contains(a));
    for i in 0..17usize {
        let Some(r) = others.next() else { break };
        let (_, emp, title) = &openings[(i * 5) % openings.len()];
        let (fair_id, fair_on, _) = &fairs[i % 4];
        if i < 12 {
            let start = *fair_on + TimeDelta::days(rng.random_range(5..=12));
            plan.push((r, *emp, title.clone(), start, PlacedVia::Fair, None, Some(*fair_id)));
        } else {
            let start = day(2016, 3 + (i as u32 % 4), 20)?;
            plan.push((r, *emp, title.clone(), start, PlacedVia::OwnSearch, None, None));
        }
    }
    for (n, (resident_id, emp, title, start, via, referral_id, fair_id)) in plan.into_iter().enumerate() {
        // Four ended within three months: two left of their own choice, one contract ended,
        // one for another reason.
        let ended = match n {
            3 | 17 => Some((start + TimeDelta::days(40), EndReason::ResidentLeft)),
            25 => Some((start + TimeDelta::days(60), EndReason::ContractEnded)),
            40 => Some((start + TimeDelta::days(50), EndReason::Other)),
            _ => None,
        };
        let p = placement::Entity::insert(placement::ActiveModel {
            community_id: Set(community_id),
            resident_id: Set(resident_id),
            employer_id: Set(emp),
            job_title: Set(title),
            started_on: Set(start),
            via: Set(via),
            referral_id: Set(referral_id),
            fair_id: Set(if via == PlacedVia::Fair { fair_id } else { None }),
            ended_on: Set(ended.map(|e| e.0)),
            end_reason: Set(ended.map(|e| e.1)),
            end_note: Set(None),
            created_by: Set(by),
            created_at: Set(historical(start)),
            updated_at: Set(historical(start)),
            ..Default::default()
        })
        .exec_with_returning(conn)
        .await?;
        if let Some(rid) = referral_id {
            referral_step::Entity::insert(referral_step::ActiveModel {
                community_id: Set(community_id),
                referral_id: Set(rid),
                step: Set(ReferralStep::Placed),
                happened_on: Set(start),
                reason: Set(None),
                recorded_by: Set(by),
                recorded_at: Set(historical(start)),
                ..Default::default()
            })
            .exec_without_returning(conn)
            .await?;
            referral::Entity::update_many()
                .filter(referral::Column::Id.eq(rid))
                .col_expr(referral::Column::Outcome, sea_orm::sea_query::Expr::value(ReferralStep::Placed))
                .col_expr(referral::Column::OutcomeOn, sea_orm::sea_query::Expr::value(start))
                .exec(conn)
                .await?;
        }
        for months in super::placements::CHECK_IN_MONTHS {
            let due = super::placements::due_on(start, months)
                .ok_or_else(|| CoreError::Internal("demo check-in date".into()))?;
            let by_end = ended.is_some_and(|(end, _)| end < due);
            // Two calls at each stage reached no one (still due); the rest were recorded a
            // few days after the day, nearly all still employed.
            let unreached = matches!((months, n), (3, 8 | 33) | (6, 12 | 44));
            let (still, done_on, attempts) = if by_end {
                (Some(false), ended.map(|e| e.0), 0)
            } else if unreached {
                (None, None, 2)
            } else {
                (Some(!(months == 6 && n % 15 == 7)), Some(due + TimeDelta::days(rng.random_range(0..=5))), 0)
            };
            check_in::Entity::insert(check_in::ActiveModel {
                community_id: Set(community_id),
                placement_id: Set(p.id),
                resident_id: Set(resident_id),
                months: Set(i32::try_from(months).unwrap_or(3)),
                due_on: Set(due),
                still_employed: Set(still),
                note: Set(None),
                done_on: Set(done_on),
                done_by: Set(if by_end || still.is_none() { None } else { by }),
                attempts: Set(attempts),
                last_attempt_on: Set(if unreached { Some(due + TimeDelta::days(3)) } else { None }),
                by_end: Set(by_end),
                updated_at: Set(historical(done_on.unwrap_or(due))),
                ..Default::default()
            })
            .exec_without_returning(conn)
            .await?;
        }
        placed += 1;
    }
    Ok((fairs.len(), referral_rows.len(), placed))
}
