//! Consent, recorded per household: who gave it, when, for which scopes, and when it was
//! withdrawn. Withdrawal is a dated fact added to the record, never a deletion.

use crate::audit::Action;
use crate::record::EntityKind;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::audit::{self, Entry};
use crate::entity::{consent, household};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{self, Actor, Permission};
use crate::store::Store;
use crate::validate;

/// Consent as submitted (the API's body and the household page's form): at least one scope
/// must be `true`.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Who gave consent (name as they gave it).
    #[schema(required = true, value_type = String, max_length = 200)]
    pub given_by: Option<String>,
    #[schema(required = true, value_type = String, format = Date, example = "2024-05-01")]
    pub given_on: Option<String>,
    /// Consent to receive services.
    #[serde(default)]
    pub scope_services: bool,
    /// Consent to be contacted.
    #[serde(default)]
    pub scope_contact: bool,
    /// Consent to sharing with partner organisations.
    #[serde(default)]
    pub scope_partners: bool,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    store: &Store,
    actor: &Actor,
    household_id: i64,
    input: ConsentInput,
) -> CoreResult<consent::Model> {
    actor.require(Permission::EditPeople)?;
    let h = super::households::load(store, actor, household_id).await?;
    let mut e = FieldErrors::new();
    let given_by = validate::required_text(&mut e, "given_by", input.given_by.as_deref(), 200);
    let given_on = validate::required_date(&mut e, "given_on", input.given_on.as_deref());
    if given_on.is_some_and(|d| d > Utc::now().date_naive()) {
        e.add("given_on", "date_in_future");
    }
    if !(input.scope_services || input.scope_contact || input.scope_partners) {
        e.add("scope", "scope_required");
    }
    let notes = validate::text(&mut e, "notes", input.notes.as_deref(), 2000);
    e.into_result()?;
    let tx = store.write().await?;
    let c = consent::ActiveModel {
        household_id: Set(h.id),
        community_id: Set(h.community_id),
        given_by: Set(given_by.unwrap_or_default()),
        given_on: Set(given_on.unwrap_or_default()),
        scope_services: Set(input.scope_services),
        scope_contact: Set(input.scope_contact),
        scope_partners: Set(input.scope_partners),
        withdrawn_on: Set(None),
        notes: Set(notes),
        recorded_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    let scopes = [("services", c.scope_services), ("contact", c.scope_contact), ("partners", c.scope_partners)]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ");
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Consent, Some(c.id))
            .community(c.community_id)
            .summary(format!("scopes: {scopes}")),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

async fn of_household(store: &Store, household_id: i64) -> CoreResult<Vec<consent::Model>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::HouseholdId.eq(household_id))
        .order_by_desc(consent::Column::GivenOn)
        .order_by_desc(consent::Column::Id)
        .all(store.conn())
        .await?)
}

/// The consent records of a household the caller has loaded for `actor`, newest first, or
/// `None` when the actor's view of people leaves consent out (volunteers: name and contact
/// only). For pages that show the household either way.
#[tracing::instrument(skip_all)]
pub async fn visible(store: &Store, actor: &Actor, h: &household::Model) -> CoreResult<Option<Vec<consent::Model>>> {
    if !policy::sees_consent(actor) {
        return Ok(None);
    }
    policy::household_in_scope(store, actor, h.id, h.community_id).await?;
    Ok(Some(of_household(store, h.id).await?))
}

/// A household's consent records, as a read of the household (audited). Not there (404) for
/// an actor who may not see consent.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, household_id: i64) -> CoreResult<Vec<consent::Model>> {
    if !policy::sees_consent(actor) {
        return Err(CoreError::NotFound);
    }
    let h = super::households::get(store, actor, household_id).await?;
    of_household(store, h.id).await
}

/// A consent record the actor may see (no audit row; see `get`).
async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<consent::Model> {
    if !policy::sees_consent(actor) {
        return Err(CoreError::NotFound);
    }
    let c = consent::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    super::households::load(store, actor, c.household_id).await?;
    Ok(c)
}

/// Reads a consent record for display or the API, and records the read.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<consent::Model> {
    let c = load(store, actor, id).await?;
    audit::record(store, actor, Entry::new(Action::Read, EntityKind::Consent, Some(c.id)).community(c.community_id))
        .await?;
    Ok(c)
}

#[tracing::instrument(skip_all)]
pub async fn withdraw(store: &Store, actor: &Actor, id: i64, withdrawn_on: Option<&str>) -> CoreResult<consent::Model> {
    actor.require(Permission::EditPeople)?;
    let c = load(store, actor, id).await?;
    // Checked against the row under the write lock: of two withdrawals at once, one wins and
    // the other is told it is already withdrawn.
    let tx = store.write().await?;
    let c = crate::store::locked::<consent::Entity>(&tx, c.id).await?;
    let mut e = FieldErrors::new();
    let on = validate::required_date(&mut e, "withdrawn_on", withdrawn_on);
    if let Some(d) = on {
        if d < c.given_on {
            e.add("withdrawn_on", "date_before_given");
        }
        if d > Utc::now().date_naive() {
            e.add("withdrawn_on", "date_in_future");
        }
    }
    // The consent's state, not the input, is at fault: a conflict (409), as in the API.
    if c.withdrawn_on.is_some() {
        return Err(CoreError::Conflict { field: "withdrawn_on".to_owned(), code: "already_withdrawn" });
    }
    e.into_result()?;
    let mut a: consent::ActiveModel = c.into();
    a.withdrawn_on = Set(on);
    let c = a.update(&tx).await?;
    audit::append(&tx, actor, Entry::new(Action::Withdraw, EntityKind::Consent, Some(c.id)).community(c.community_id))
        .await?;
    tx.commit().await?;
    Ok(c)
}
