//! The demo's hardship case (shared/DEMO.md): in April 2016 a family's son falls seriously
//! ill. The team opens a case, visits weekly, raises 2,950.00 CNY in donations from several
//! donors (some anonymous), applies for the civil-affairs major-illness relief (2,000.00 CNY,
//! approved and received), pays the family 4,950.00 CNY in three instalments, each signed for,
//! and resolves the case at the end of June.

use chrono::{NaiveDate, TimeDelta};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{CaseCategory, CaseStatus, Decision, Method, Stream};
use crate::entity::{
    case, case_resident, case_worker, ledger_entry, note, receipt_counter, relief_application, resident,
};
use crate::error::{CoreError, CoreResult};
use crate::record::EntityKind;
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
        let worker = ctx.coordinator.or_else(|| ctx.team.first().copied());
        insert_case(tx, ctx.community_id, worker).await?;
        Ok(vec!["1 hardship case".to_owned()])
    })
}

/// A money event: (day, stream, amount in fen, donor or recipient, anonymous).
type Event = ((u32, u32), Stream, i64, &'static str, bool);

const MONEY: [Event; 8] = [
    ((4, 6), Stream::Donation, 100_000, "丰华物业 Fenghua Property staff", false),
    ((4, 8), Stream::Donation, 50_000, "", true),
    ((4, 12), Stream::Donation, 80_000, "3号楼邻居 Neighbours of building 3", false),
    ((4, 20), Stream::Payment, 150_000, "", false),
    ((4, 25), Stream::Donation, 65_000, "", true),
    ((5, 20), Stream::Relief, 200_000, "区民政局 District civil-affairs bureau", false),
    ((5, 25), Stream::Payment, 200_000, "", false),
    ((6, 15), Stream::Payment, 145_000, "", false),
];

async fn insert_case<C: ConnectionTrait>(conn: &C, community_id: i64, worker: Option<i64>) -> CoreResult<()> {
    // A family with a child of school age: the first household in plan order with a son.
    let son = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(community_id))
        .filter(resident::Column::Relationship.eq("child"))
        .filter(resident::Column::Sex.eq("male"))
        .filter(resident::Column::BirthDate.gte(day(2000, 1, 1)?))
        .order_by_asc(resident::Column::Id)
        .one(conn)
        .await?
        .ok_or_else(|| CoreError::Internal("demo: no son to fall ill".into()))?;
    let opened = day(2016, 4, 2)?;
    let resolved = day(2016, 6, 30)?;
    let c = case::Entity::insert(case::ActiveModel {
        community_id: Set(community_id),
        household_id: Set(son.household_id),
        category: Set(CaseCategory::Illness),
        summary: Set("儿子确诊重病，需长期住院治疗，家庭收入中断。The son was diagnosed with a serious illness and \
                      needs long hospital treatment; the family's income stopped."
            .to_owned()),
        opened_on: Set(opened),
        status: Set(CaseStatus::Resolved),
        resolved_on: Set(Some(resolved)),
        closed_on: Set(None),
        resolution_note: Set(Some(
            "治疗费用已解决，儿子出院，父亲复工。The treatment is paid for, the son is home, and his father is back at work."
                .to_owned(),
        )),
        currency: Set("CNY".to_owned()),
        visit_every_days: Set(Some(7)),
        created_by: Set(worker),
        created_at: Set(historical(opened)),
        updated_at: Set(historical(resolved)),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    case_resident::Entity::insert(case_resident::ActiveModel { case_id: Set(c.id), resident_id: Set(son.id) })
        .exec_without_returning(conn)
        .await?;
    if let Some(w) = worker {
        case_worker::Entity::insert(case_worker::ActiveModel { case_id: Set(c.id), user_id: Set(w) })
            .exec_without_returning(conn)
            .await?;
    }
    let relief = relief_application::Entity::insert(relief_application::ActiveModel {
        community_id: Set(community_id),
        case_id: Set(c.id),
        scheme: Set("重特大疾病医疗救助 Major-illness medical relief".to_owned()),
        agency: Set("区民政局 District civil-affairs bureau".to_owned()),
        requested: Set(200_000),
        applied_on: Set(day(2016, 4, 11)?),
        decision: Set(Decision::Approved),
        approved: Set(Some(200_000)),
        decided_on: Set(Some(day(2016, 5, 9)?)),
        created_by: Set(worker),
        created_at: Set(historical(day(2016, 4, 11)?)),
        updated_at: Set(historical(day(2016, 5, 9)?)),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    let (mut donations, mut payments) = (0i64, 0i64);
    for ((m, d), stream, amount, party, anonymous) in MONEY {
        let on = day(2016, m, d)?;
        let receipt = match stream {
            Stream::Donation => {
                donations += 1;
                Some(format!("D2016-{donations:04}"))
            }
            Stream::Payment => {
                payments += 1;
                Some(format!("P2016-{payments:04}"))
            }
            _ => None,
        };
        ledger_entry::Entity::insert(ledger_entry::ActiveModel {
            community_id: Set(community_id),
            case_id: Set(c.id),
            stream: Set(stream),
            amount: Set(amount),
            held_delta: Set(stream.sign() * amount),
            on_date: Set(on),
            method: Set(Some(if stream == Stream::Relief { Method::Transfer } else { Method::Cash })),
            party: Set(if stream == Stream::Payment {
                Some(format!("{}（母亲 mother）", son.full_name))
            } else {
                Some(party.to_owned()).filter(|p| !p.is_empty())
            }),
            anonymous: Set(anonymous),
            handled_by: Set(worker),
            family_signed: Set((stream == Stream::Payment).then_some(true)),
            receipt_number: Set(receipt),
            reverses_id: Set(None),
            relief_id: Set((stream == Stream::Relief).then_some(relief.id)),
            other_case_id: Set(None),
            pair_id: Set(None),
            note: Set(None),
            created_by: Set(worker),
            created_at: Set(historical(on)),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
    }
    for (series, last) in [("D", donations), ("P", payments)] {
        receipt_counter::Entity::insert(receipt_counter::ActiveModel {
            community_id: Set(community_id),
            year: Set(2016),
            series: Set(series.to_owned()),
            last: Set(last),
        })
        .exec_without_returning(conn)
        .await?;
    }
    // The weekly visits, each a line of the case's log.
    let mut on = opened + TimeDelta::days(3);
    let mut week = 1;
    while on <= resolved {
        note::Entity::insert(note::ActiveModel {
            community_id: Set(community_id),
            entity: Set(EntityKind::Case.as_str().to_owned()),
            entity_id: Set(c.id),
            author_user_id: Set(worker),
            written_at: Set(historical(on)),
            body: Set(format!(
                "第{week}周家访：了解治疗进展和家庭需要。Weekly visit {week}: the treatment and what the family needs."
            )),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
        on += TimeDelta::days(7);
        week += 1;
    }
    Ok(())
}
