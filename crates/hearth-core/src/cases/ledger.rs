//! A case's ledger: every money event is a row, never changed or removed. Donations and
//! public relief received add to what the case holds; payments to the family, money given
//! back and money moved to another case take from it. "Held" is always raised + relief
//! received − paid out, and can never go below zero: a payment (or a reversal) that would
//! make it negative is refused, checked under the case's row lock, so two payments at once
//! cannot overdraw it. A correction is a reversing row (the same stream, the opposite
//! amount), once per row.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{Method, Stream, load};
use crate::audit::{self, Action, Entry};
use crate::entity::{case, ledger_entry, receipt_counter, relief_application};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::Actor;
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// A money event as submitted. `amount` is typed in yuan ("2950", "2,950.00", "１２３").
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    /// In yuan, at most two decimals, more than 0 and at most 10,000,000,000.00.
    #[schema(required = true, value_type = String, example = "500.00")]
    pub amount: Option<String>,
    /// Default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
    #[schema(value_type = Option<Method>)]
    pub method: Option<String>,
    /// The donor (a donation), the recipient (a payment), or whom it went back to.
    #[schema(max_length = 200)]
    pub party: Option<String>,
    /// A donation from someone who gave no name.
    pub anonymous: Option<bool>,
    /// A payment: whether the family signed for it.
    pub family_signed: Option<bool>,
    /// Relief received: the application it was granted on.
    pub relief_id: Option<i64>,
    /// A transfer: the case it goes to.
    pub other_case_id: Option<i64>,
    #[schema(max_length = 400)]
    pub note: Option<String>,
}

/// A case's money, in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub donations: i64,
    pub relief: i64,
    pub paid: i64,
    pub returned: i64,
    pub transferred_out: i64,
    pub transferred_in: i64,
    /// donations + relief + transferred in − paid − returned − transferred out.
    pub held: i64,
}

impl Totals {
    fn add(&mut self, e: &ledger_entry::Model) {
        match e.stream {
            Stream::Donation => self.donations += e.amount,
            Stream::Relief => self.relief += e.amount,
            Stream::Payment => self.paid += e.amount,
            Stream::Returned => self.returned += e.amount,
            Stream::TransferOut => self.transferred_out += e.amount,
            Stream::TransferIn => self.transferred_in += e.amount,
        }
        self.held += e.held_delta;
    }
}

/// The case's totals, from its rows (inside a transaction: as they stand under its lock).
pub async fn totals<C: ConnectionTrait>(conn: &C, case_id: i64) -> CoreResult<Totals> {
    let mut t = Totals::default();
    for e in ledger_entry::Entity::find().filter(ledger_entry::Column::CaseId.eq(case_id)).all(conn).await? {
        t.add(&e);
    }
    Ok(t)
}

/// Every row of a case's ledger, oldest first, with the totals; audited.
#[tracing::instrument(skip_all)]
pub async fn of_case(store: &Store, actor: &Actor, case_id: i64) -> CoreResult<(Vec<ledger_entry::Model>, Totals)> {
    let c = load(store, actor, case_id).await?;
    let rows = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::CaseId.eq(c.id))
        .order_by_asc(ledger_entry::Column::OnDate)
        .order_by_asc(ledger_entry::Column::Id)
        .all(store.conn())
        .await?;
    let mut t = Totals::default();
    for e in &rows {
        t.add(e);
    }
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::LedgerEntry, Some(c.id)).community(c.community_id).summary("ledger"),
    )
    .await?;
    Ok((rows, t))
}

/// The next receipt number of a series in a community and year ("D2016-0003"): one atomic
/// upsert of the counter, so a number is never given twice or reused.
async fn next_receipt<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    on: NaiveDate,
    series: &str,
) -> CoreResult<String> {
    let year = on.year();
    let row = receipt_counter::Entity::insert(receipt_counter::ActiveModel {
        community_id: Set(community_id),
        year: Set(year),
        series: Set(series.to_owned()),
        last: Set(1),
    })
    .on_conflict(
        OnConflict::columns([
            receipt_counter::Column::CommunityId,
            receipt_counter::Column::Year,
            receipt_counter::Column::Series,
        ])
        .value(
            receipt_counter::Column::Last,
            Expr::col((receipt_counter::Entity, receipt_counter::Column::Last)).add(1),
        )
        .to_owned(),
    )
    .exec_with_returning(conn)
    .await?;
    Ok(format!("{series}{year}-{:04}", row.last))
}

struct Checked {
    amount: i64,
    on: NaiveDate,
    method: Option<Method>,
    party: Option<String>,
    note: Option<String>,
}

fn check(e: &mut FieldErrors, i: &MoneyInput, c: &case::Model) -> Option<Checked> {
    let amount = crate::money::amount(e, "amount", i.amount.as_deref());
    let on = match i.on.as_deref() {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::required_date(e, "on", v),
    };
    if on.is_some_and(|d| d > chrono::Local::now().date_naive()) {
        e.add("on", "date_in_future");
    }
    if on.is_some_and(|d| d < c.opened_on) {
        e.add("on", "before_case_opened");
    }
    let method = match i.method.as_deref() {
        None => None,
        m => validate::word::<Method>(e, "method", m),
    };
    let party = validate::text(e, "party", i.party.as_deref(), 200);
    let note = validate::text(e, "note", i.note.as_deref(), 400);
    Some(Checked { amount: amount?, on: on?, method, party, note })
}

#[allow(clippy::too_many_arguments)]
async fn write<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    c: &case::Model,
    stream: Stream,
    v: &Checked,
    extra: impl FnOnce(&mut ledger_entry::ActiveModel),
) -> CoreResult<ledger_entry::Model> {
    let mut row = ledger_entry::ActiveModel {
        community_id: Set(c.community_id),
        case_id: Set(c.id),
        stream: Set(stream),
        amount: Set(v.amount),
        held_delta: Set(stream.sign() * v.amount),
        on_date: Set(v.on),
        method: Set(v.method),
        party: Set(v.party.clone()),
        anonymous: Set(false),
        handled_by: Set(actor.user_id),
        family_signed: Set(None),
        receipt_number: Set(None),
        reverses_id: Set(None),
        relief_id: Set(None),
        other_case_id: Set(None),
        pair_id: Set(None),
        note: Set(v.note.clone()),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    extra(&mut row);
    let m = row.insert(conn).await.map_err(store::map_unique)?;
    audit::append(
        conn,
        actor,
        Entry::new(Action::Create, EntityKind::LedgerEntry, Some(m.id)).community(c.community_id).summary(format!(
            "case {}: {} {}",
            c.id,
            stream.word(),
            m.amount
        )),
    )
    .await?;
    Ok(m)
}

/// Refused once a case has ended: its ledger is closed.
fn open_for_money(c: &case::Model) -> CoreResult<()> {
    if c.status.is_ended() {
        return Err(CoreError::Conflict { field: "case_id".into(), code: "case_ended" });
    }
    Ok(())
}

/// Records a donation, with its receipt number.
#[tracing::instrument(skip_all)]
pub async fn donate(store: &Store, actor: &Actor, case_id: i64, i: MoneyInput) -> CoreResult<ledger_entry::Model> {
    let c = load(store, actor, case_id).await?;
    let mut e = FieldErrors::new();
    let v = check(&mut e, &i, &c);
    let anonymous = i.anonymous.unwrap_or(false);
    if !anonymous && v.as_ref().is_some_and(|v| v.party.is_none()) && !e.0.iter().any(|x| x.field == "party") {
        e.add("party", "donor_or_anonymous");
    }
    e.into_result()?;
    let Some(mut v) = v else { return Err(CoreError::Internal("validated donation".into())) };
    if anonymous {
        v.party = None;
    }
    let tx = store.write().await?;
    let c: case::Model = store::locked::<case::Entity>(&tx, c.id).await?;
    open_for_money(&c)?;
    let receipt = next_receipt(&tx, c.community_id, v.on, "D").await?;
    let m = write(&tx, actor, &c, Stream::Donation, &v, |r| {
        r.anonymous = Set(anonymous);
        r.receipt_number = Set(Some(receipt));
    })
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Records public relief received on an approved application (in total no more than was
/// approved).
#[tracing::instrument(skip_all)]
pub async fn receive_relief(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    i: MoneyInput,
) -> CoreResult<ledger_entry::Model> {
    let c = load(store, actor, case_id).await?;
    let mut e = FieldErrors::new();
    let v = check(&mut e, &i, &c);
    if i.relief_id.is_none() {
        e.add("relief_id", "required");
    }
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated relief".into())) };
    let tx = store.write().await?;
    let c: case::Model = store::locked::<case::Entity>(&tx, c.id).await?;
    open_for_money(&c)?;
    let app = relief_application::Entity::find_by_id(i.relief_id.unwrap_or(-1))
        .one(&tx)
        .await?
        .filter(|a| a.case_id == c.id)
        .ok_or_else(|| CoreError::invalid("relief_id", "unknown_relief"))?;
    let Some(approved) = app.approved.filter(|_| app.decision == super::Decision::Approved) else {
        return Err(CoreError::Conflict { field: "relief_id".into(), code: "relief_not_approved" });
    };
    let already: i64 = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::ReliefId.eq(app.id))
        .all(&tx)
        .await?
        .iter()
        .map(|r| r.amount)
        .sum();
    if already + v.amount > approved {
        let mut e = FieldErrors::new();
        e.add_arg("amount", "more_than_approved", approved - already);
        return Err(CoreError::Invalid(e));
    }
    let party = v.party.clone().or(Some(app.agency.clone()));
    let m = write(&tx, actor, &c, Stream::Relief, &Checked { party, ..v }, |r| r.relief_id = Set(Some(app.id))).await?;
    tx.commit().await?;
    Ok(m)
}

/// Money out of the case: a payment to the family, money given back, or a transfer to
/// another case (which receives it in the same transaction). Refused if it would take the
/// case below zero.
#[tracing::instrument(skip_all)]
pub async fn pay_out(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    stream: Stream,
    i: MoneyInput,
) -> CoreResult<ledger_entry::Model> {
    if stream.sign() > 0 {
        return Err(CoreError::Internal("pay_out takes money out".into()));
    }
    let c = load(store, actor, case_id).await?;
    let mut e = FieldErrors::new();
    let v = check(&mut e, &i, &c);
    if stream == Stream::Payment
        && v.as_ref().is_some_and(|v| v.party.is_none())
        && !e.0.iter().any(|x| x.field == "party")
    {
        e.add("party", "required");
    }
    let other = match (stream, i.other_case_id) {
        (Stream::TransferOut, None) => {
            e.add("other_case_id", "required");
            None
        }
        (Stream::TransferOut, Some(o)) if o == c.id => {
            e.add("other_case_id", "same_case");
            None
        }
        (Stream::TransferOut, Some(o)) => match load(store, actor, o).await {
            Ok(oc) if oc.community_id == c.community_id && oc.currency == c.currency && !oc.status.is_ended() => {
                Some(oc)
            }
            Ok(_) | Err(CoreError::NotFound) => {
                e.add("other_case_id", "unknown_case");
                None
            }
            Err(other) => return Err(other),
        },
        _ => None,
    };
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated payment".into())) };
    let tx = store.write().await?;
    // Both cases locked in id order (two transfers between the same cases cannot deadlock).
    let mut ids = vec![c.id];
    ids.extend(other.as_ref().map(|o| o.id));
    ids.sort_unstable();
    let locked: Vec<case::Model> = case::Entity::find()
        .filter(case::Column::Id.is_in(ids))
        .order_by_asc(case::Column::Id)
        .lock_exclusive()
        .all(&tx)
        .await?;
    let c = locked.iter().find(|x| x.id == c.id).cloned().ok_or(CoreError::NotFound)?;
    open_for_money(&c)?;
    let held = totals(&tx, c.id).await?.held;
    if v.amount > held {
        let mut e = FieldErrors::new();
        e.add_arg("amount", "more_than_held", held);
        return Err(CoreError::Invalid(e));
    }
    let receipt =
        if stream == Stream::Payment { Some(next_receipt(&tx, c.community_id, v.on, "P").await?) } else { None };
    let signed = i.family_signed;
    let other_id = other.as_ref().map(|o| o.id);
    let m = write(&tx, actor, &c, stream, &v, |r| {
        r.receipt_number = Set(receipt);
        r.other_case_id = Set(other_id);
        if stream == Stream::Payment {
            r.family_signed = Set(Some(signed.unwrap_or(false)));
        }
    })
    .await?;
    if let Some(o) = locked.iter().find(|x| Some(x.id) == other_id) {
        open_for_money(o)?;
        let (cid, sent) = (c.id, m.id);
        write(&tx, actor, o, Stream::TransferIn, &v, |r| {
            r.other_case_id = Set(Some(cid));
            r.pair_id = Set(Some(sent));
        })
        .await?;
    }
    tx.commit().await?;
    Ok(m)
}

/// A reversal as submitted: why.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalInput {
    #[schema(required = true, value_type = String, max_length = 400)]
    pub note: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
}

/// Corrects a row with its opposite (same stream, negative amount), once. Refused if taking
/// it back would leave the case below zero (a donation already paid out), or for a
/// transfer's receiving side (reverse the transfer where it was sent).
#[tracing::instrument(skip_all)]
pub async fn reverse(store: &Store, actor: &Actor, entry_id: i64, i: ReversalInput) -> CoreResult<ledger_entry::Model> {
    actor.require(crate::policy::Permission::WorkCases)?;
    let orig = ledger_entry::Entity::find_by_id(entry_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let c = load(store, actor, orig.case_id).await?;
    let mut e = FieldErrors::new();
    let note = validate::required_text(&mut e, "note", i.note.as_deref(), 400);
    let on = match i.on.as_deref() {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::required_date(&mut e, "on", v),
    };
    if on.is_some_and(|d| d < orig.on_date) {
        e.add("on", "before_the_entry");
    }
    e.into_result()?;
    let (Some(note), Some(on)) = (note, on) else { return Err(CoreError::Internal("validated reversal".into())) };
    if orig.reverses_id.is_some() {
        return Err(CoreError::Conflict { field: "entry_id".into(), code: "is_a_reversal" });
    }
    if orig.stream == Stream::TransferIn {
        return Err(CoreError::Conflict { field: "entry_id".into(), code: "reverse_the_transfer" });
    }
    let tx = store.write().await?;
    let mut ids = vec![c.id];
    ids.extend(orig.other_case_id.filter(|_| orig.stream == Stream::TransferOut));
    ids.sort_unstable();
    let locked: Vec<case::Model> = case::Entity::find()
        .filter(case::Column::Id.is_in(ids))
        .order_by_asc(case::Column::Id)
        .lock_exclusive()
        .all(&tx)
        .await?;
    let c = locked.iter().find(|x| x.id == c.id).cloned().ok_or(CoreError::NotFound)?;
    open_for_money(&c)?;
    let held = totals(&tx, c.id).await?.held;
    if held - orig.held_delta < 0 {
        let mut e = FieldErrors::new();
        e.add_arg("entry_id", "reversal_overdraws", held);
        return Err(CoreError::Invalid(e));
    }
    let back = |r: &mut ledger_entry::ActiveModel, o: &ledger_entry::Model| {
        r.stream = Set(o.stream);
        r.amount = Set(-o.amount);
        r.held_delta = Set(-o.held_delta);
        r.reverses_id = Set(Some(o.id));
        r.relief_id = Set(o.relief_id);
        r.other_case_id = Set(o.other_case_id);
        r.anonymous = Set(o.anonymous);
        r.party = Set(o.party.clone());
    };
    let v = Checked { amount: orig.amount, on, method: orig.method, party: orig.party.clone(), note: Some(note) };
    let m = write(&tx, actor, &c, orig.stream, &v, |r| back(r, &orig)).await?;
    // A transfer is taken back on both sides.
    if orig.stream == Stream::TransferOut
        && let Some(other) = locked.iter().find(|x| Some(x.id) == orig.other_case_id)
    {
        let incoming = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::CaseId.eq(other.id))
            .filter(ledger_entry::Column::PairId.eq(orig.id))
            .one(&tx)
            .await?;
        if let Some(inc) = incoming {
            if totals(&tx, other.id).await?.held - inc.held_delta < 0 {
                let mut e = FieldErrors::new();
                e.add("entry_id", "transfer_spent");
                return Err(CoreError::Invalid(e));
            }
            write(&tx, actor, other, Stream::TransferIn, &v, |r| back(r, &inc)).await?;
        }
    }
    tx.commit().await?;
    Ok(m)
}

/// One ledger row of a case the actor may see.
pub async fn entry(store: &Store, actor: &Actor, id: i64) -> CoreResult<ledger_entry::Model> {
    actor.require(crate::policy::Permission::WorkCases)?;
    let e = ledger_entry::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    load(store, actor, e.case_id).await?;
    Ok(e)
}

/// One case's money over a period, for the community-wide ledger report.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CaseMoney {
    pub case_id: i64,
    pub community_id: i64,
    pub household_id: i64,
    /// Money in and out during the period (its `held` is the period's change).
    pub period: Totals,
    /// What it held on the period's last day.
    pub held_at_end: i64,
}

/// The ledger report: every case the actor may see with money up to `to`, its money moved in
/// `from..=to` and what it held at `to`, and their sum (which is the figures' own total for a
/// coordinator, who sees every case). Audited as a list of the cases' households.
#[tracing::instrument(skip_all)]
pub async fn report(
    store: &Store,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> CoreResult<(Vec<CaseMoney>, Totals, i64)> {
    if to < from {
        return Err(CoreError::invalid("to", "date_before_from"));
    }
    let cases = super::records::visible_cases(store, actor).await?;
    let mut out = Vec::new();
    let (mut sum, mut held) = (Totals::default(), 0i64);
    for c in cases {
        let rows = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::CaseId.eq(c.id))
            .filter(ledger_entry::Column::OnDate.lte(to))
            .all(store.conn())
            .await?;
        if rows.is_empty() {
            continue;
        }
        let mut period = Totals::default();
        let mut at_end = 0;
        for e in &rows {
            at_end += e.held_delta;
            if e.on_date >= from {
                period.add(e);
            }
        }
        for (a, b) in [
            (&mut sum.donations, period.donations),
            (&mut sum.relief, period.relief),
            (&mut sum.paid, period.paid),
            (&mut sum.returned, period.returned),
            (&mut sum.transferred_out, period.transferred_out),
            (&mut sum.transferred_in, period.transferred_in),
            (&mut sum.held, period.held),
        ] {
            *a += b;
        }
        held += at_end;
        out.push(CaseMoney {
            case_id: c.id,
            community_id: c.community_id,
            household_id: c.household_id,
            period,
            held_at_end: at_end,
        });
    }
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::LedgerEntry, None)
            .community_of(out.iter().map(|c| c.community_id))
            .summary(format!("ledger report {from}..{to}"))
            .showed(out.iter().map(|c| crate::record::RecordRef::new(EntityKind::Case, c.case_id))),
    )
    .await?;
    Ok((out, sum, held))
}
