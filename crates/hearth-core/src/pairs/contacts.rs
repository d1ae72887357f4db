//! Contacts on a pair: the day, how (visit, phone, message), whether someone of the household
//! was reached (else it is an attempt, which keeps the pair due), a note (`notes`), and the
//! needs found, each opening a follow-up through the follow-up mechanism itself.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{ContactMode, load};
use crate::audit::{self, Action, Entry};
use crate::entity::{follow_up, household, pair_contact};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::notes;
use crate::policy::Actor;
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::validate;
use crate::visits::records::{NeedInput, validate_need};
use crate::word::Word;

/// A contact as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PairContactInput)]
pub struct ContactInput {
    /// Default today; within the pair's dates, not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub contacted_on: Option<String>,
    #[schema(required = true, value_type = ContactMode)]
    pub mode: Option<String>,
    /// Someone of the household was reached (false: an attempt).
    #[schema(required = true, value_type = bool)]
    pub reached: Option<bool>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// Needs found; each opens a follow-up (owner: the caller when left out).
    #[serde(default)]
    pub needs: Vec<NeedInput>,
}

/// A recorded contact and the follow-ups it opened.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub contact: pair_contact::Model,
    pub note: Option<String>,
    pub follow_ups: Vec<follow_up::Model>,
}

/// Records a contact on pair `pair_id` (its helper, a volunteer on their own pair, or any team
/// member who sees the pair), with its note and follow-ups, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn record(store: &Store, actor: &Actor, pair_id: i64, i: ContactInput) -> CoreResult<Recorded> {
    let p = load(store, actor, pair_id).await?;
    let h = household::Entity::find_by_id(p.household_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let mut e = FieldErrors::new();
    let today = super::records::today();
    let on = match i.contacted_on.as_deref() {
        None => Some(today),
        v => validate::required_date(&mut e, "contacted_on", v),
    };
    if on.is_some_and(|d| d > today) {
        e.add("contacted_on", "date_in_future");
    } else if on.is_some_and(|d| d < p.started_on || p.ended_on.is_some_and(|end| d > end)) {
        e.add("contacted_on", "outside_pair");
    }
    let mode = match i.mode.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("mode", "required");
            None
        }
        m => validate::word::<ContactMode>(&mut e, "mode", m),
    };
    if i.reached.is_none() {
        e.add("reached", "required");
    }
    let note = notes::check(&mut e, "note", i.note.as_deref());
    if i.needs.len() > 20 {
        e.add_arg("needs", "too_many", 20);
    }
    let mut needs = Vec::new();
    for (n, need) in i.needs.iter().enumerate() {
        let prefix = format!("needs[{n}].");
        if let Some(v) = validate_need(store, actor, &mut e, &prefix, need, &h, (on, "date_before_contact")).await? {
            needs.push(v);
        }
    }
    e.into_result()?;
    let (Some(on), Some(mode), Some(reached)) = (on, mode, i.reached) else {
        return Err(CoreError::Internal("validated contact".into()));
    };
    let tx = store.write().await?;
    let c = pair_contact::ActiveModel {
        community_id: Set(p.community_id),
        pair_id: Set(p.id),
        household_id: Set(p.household_id),
        contacted_on: Set(on),
        mode: Set(mode),
        reached: Set(reached),
        recorded_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    if let Some(body) = &note {
        notes::add(&tx, actor, RecordRef::new(EntityKind::PairContact, c.id), c.community_id, body.clone()).await?;
    }
    let mut opened = Vec::new();
    for n in needs {
        opened.push(crate::visits::follow_ups::insert(&tx, actor, &h, None, on, n).await?);
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::PairContact, Some(c.id))
            .community(c.community_id)
            .summary(format!(
                "mode: {}, reached: {}, needs: {}",
                c.mode.word(),
                if c.reached { "yes" } else { "no" },
                opened.len()
            ))
            .showed([RecordRef::new(EntityKind::Household, c.household_id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(Recorded { contact: c, note, follow_ups: opened })
}

/// The contacts of a pair, newest first, each with its note and who recorded it. The caller
/// has read (and audited) the pair.
pub(crate) async fn of_pair(
    store: &Store,
    pair_id: i64,
) -> CoreResult<Vec<(pair_contact::Model, Option<String>, String)>> {
    let rows = pair_contact::Entity::find()
        .filter(pair_contact::Column::PairId.eq(pair_id))
        .order_by_desc(pair_contact::Column::ContactedOn)
        .order_by_desc(pair_contact::Column::Id)
        .all(store.conn())
        .await?;
    let by: Vec<i64> = rows.iter().filter_map(|c| c.recorded_by).collect();
    let names = crate::auth::users::names_by_id(store, &by).await?;
    let mut out = Vec::new();
    for c in rows {
        let note = notes::of(store, RecordRef::new(EntityKind::PairContact, c.id))
            .await?
            .into_iter()
            .map(|n| n.note.body)
            .next();
        let who = c.recorded_by.and_then(|u| names.get(&u).cloned()).unwrap_or_default();
        out.push((c, note, who));
    }
    Ok(out)
}

/// The pair a contact was made on, if the actor may see that pair (a contact's link).
pub async fn pair_of(store: &Store, actor: &Actor, contact_id: i64) -> CoreResult<i64> {
    let c = pair_contact::Entity::find_by_id(contact_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    load(store, actor, c.pair_id).await?;
    Ok(c.pair_id)
}
