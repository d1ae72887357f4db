//! Applications to public relief schemes for a case (civil-affairs major-illness relief, …):
//! amount requested and when, the decision (approved amount, or rejected) and its date. What
//! is received is a ledger row (`ledger::receive_relief`) on the approved application.
//! Decisions still pending are the team's due list (on the Today page).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::{Decision, load};
use crate::audit::{self, Action, Entry};
use crate::entity::{case, relief_application};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// An application as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReliefInput {
    /// The scheme ("major-illness relief").
    #[schema(required = true, value_type = String, max_length = 200)]
    pub scheme: Option<String>,
    /// The agency deciding ("district civil-affairs bureau").
    #[schema(required = true, value_type = String, max_length = 200)]
    pub agency: Option<String>,
    /// In yuan.
    #[schema(required = true, value_type = String, example = "2000.00")]
    pub requested: Option<String>,
    #[schema(required = true, value_type = String, format = Date)]
    pub applied_on: Option<String>,
}

/// Records an application.
#[tracing::instrument(skip_all)]
pub async fn apply(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    i: ReliefInput,
) -> CoreResult<relief_application::Model> {
    let c = load(store, actor, case_id).await?;
    let mut e = FieldErrors::new();
    let scheme = validate::required_text(&mut e, "scheme", i.scheme.as_deref(), 200);
    let agency = validate::required_text(&mut e, "agency", i.agency.as_deref(), 200);
    let requested = crate::money::amount(&mut e, "requested", i.requested.as_deref());
    let applied_on = validate::required_date(&mut e, "applied_on", i.applied_on.as_deref());
    if applied_on.is_some_and(|d| d < c.opened_on) {
        e.add("applied_on", "before_case_opened");
    }
    if applied_on.is_some_and(|d| d > chrono::Local::now().date_naive()) {
        e.add("applied_on", "date_in_future");
    }
    e.into_result()?;
    let (Some(scheme), Some(agency), Some(requested), Some(applied_on)) = (scheme, agency, requested, applied_on)
    else {
        return Err(CoreError::Internal("validated application".into()));
    };
    let now = Utc::now();
    let tx = store.write().await?;
    let c: case::Model = store::locked::<case::Entity>(&tx, c.id).await?;
    let m = relief_application::ActiveModel {
        community_id: Set(c.community_id),
        case_id: Set(c.id),
        scheme: Set(scheme),
        agency: Set(agency),
        requested: Set(requested),
        applied_on: Set(applied_on),
        decision: Set(Decision::Pending),
        approved: Set(None),
        decided_on: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::ReliefApplication, Some(m.id))
            .community(c.community_id)
            .summary(format!("case {}", c.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// A decision as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// approved or rejected.
    #[schema(required = true, value_type = Decision)]
    pub decision: Option<String>,
    /// With `approved`: in yuan.
    #[schema(value_type = Option<String>, example = "2000.00")]
    pub approved: Option<String>,
    #[schema(required = true, value_type = String, format = Date)]
    pub decided_on: Option<String>,
}

/// Records the decision on a pending application (once).
#[tracing::instrument(skip_all)]
pub async fn decide(
    store: &Store,
    actor: &Actor,
    relief_id: i64,
    i: DecisionInput,
) -> CoreResult<relief_application::Model> {
    actor.require(Permission::WorkCases)?;
    let app = relief_application::Entity::find_by_id(relief_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    load(store, actor, app.case_id).await?;
    let mut e = FieldErrors::new();
    let decision = match i.decision.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("decision", "required");
            None
        }
        d => validate::word::<Decision>(&mut e, "decision", d),
    };
    if decision == Some(Decision::Pending) {
        e.add("decision", "invalid_choice");
    }
    let approved = match (decision, i.approved.as_deref()) {
        (Some(Decision::Approved), v) => crate::money::amount(&mut e, "approved", v),
        (_, Some(v)) if !v.trim().is_empty() => {
            e.add("approved", "only_when_approved");
            None
        }
        _ => None,
    };
    let decided_on = validate::required_date(&mut e, "decided_on", i.decided_on.as_deref());
    if decided_on.is_some_and(|d| d < app.applied_on) {
        e.add("decided_on", "before_applied");
    }
    if decided_on.is_some_and(|d| d > chrono::Local::now().date_naive()) {
        e.add("decided_on", "date_in_future");
    }
    e.into_result()?;
    let (Some(decision), Some(decided_on)) = (decision, decided_on) else {
        return Err(CoreError::Internal("validated decision".into()));
    };
    let tx = store.write().await?;
    let row: relief_application::Model = store::locked::<relief_application::Entity>(&tx, app.id).await?;
    if row.decision != Decision::Pending {
        return Err(CoreError::Conflict { field: "decision".into(), code: "already_decided" });
    }
    let mut a = row.into_active_model();
    a.decision = Set(decision);
    a.approved = Set(approved);
    a.decided_on = Set(Some(decided_on));
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::ReliefApplication, Some(m.id))
            .community(m.community_id)
            .summary(format!("decision: {}", decision.word())),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// A case's applications, oldest first (the case has been read and audited).
pub async fn of_case(store: &Store, actor: &Actor, case_id: i64) -> CoreResult<Vec<relief_application::Model>> {
    let c = load(store, actor, case_id).await?;
    Ok(relief_application::Entity::find()
        .filter(relief_application::Column::CaseId.eq(c.id))
        .order_by_asc(relief_application::Column::AppliedOn)
        .order_by_asc(relief_application::Column::Id)
        .all(store.conn())
        .await?)
}

/// Applications still waiting for a decision in the cases the actor may see, oldest first:
/// (application, case).
pub async fn pending(store: &Store, actor: &Actor) -> CoreResult<Vec<(relief_application::Model, case::Model)>> {
    actor.require(Permission::WorkCases)?;
    let cases = super::records::visible_cases(store, actor).await?;
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = relief_application::Entity::find()
        .filter(relief_application::Column::CaseId.is_in(ids))
        .filter(relief_application::Column::Decision.eq(Decision::Pending))
        .order_by_asc(relief_application::Column::AppliedOn)
        .all(store.conn())
        .await?;
    Ok(rows.into_iter().filter_map(|r| cases.iter().find(|c| c.id == r.case_id).cloned().map(|c| (r, c))).collect())
}

/// One application of a case the actor may see.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<relief_application::Model> {
    actor.require(Permission::WorkCases)?;
    let r = relief_application::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    load(store, actor, r.case_id).await?;
    Ok(r)
}
