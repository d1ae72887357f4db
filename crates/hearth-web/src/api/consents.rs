//! Consent records: `/api/v1/households/{id}/consents`, `/api/v1/consents/{id}` and its
//! withdrawal. Withdrawal adds a date; nothing is deleted.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::entity::consent;
use hearth_core::registry::consent as consents;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::created;
use super::json::{ApiJson, Id, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

#[derive(Serialize, ToSchema)]
pub struct Consent {
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    /// Who gave consent (name as they gave it).
    pub given_by: String,
    pub given_on: NaiveDate,
    /// Consent to receive services.
    pub scope_services: bool,
    /// Consent to be contacted.
    pub scope_contact: bool,
    /// Consent to sharing with partner organisations.
    pub scope_partners: bool,
    /// Set once consent is withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    pub notes: Option<String>,
    /// The user who recorded it.
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<consent::Model> for Consent {
    fn from(c: consent::Model) -> Self {
        Consent {
            id: c.id,
            household_id: c.household_id,
            community_id: c.community_id,
            given_by: c.given_by,
            given_on: c.given_on,
            scope_services: c.scope_services,
            scope_contact: c.scope_contact,
            scope_partners: c.scope_partners,
            withdrawn_on: c.withdrawn_on,
            notes: c.notes,
            recorded_by: c.recorded_by,
            created_at: c.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// `YYYY-MM-DD`, not before the consent was given and not in the future.
    #[schema(required = true, value_type = String, format = Date, example = "2025-01-31")]
    pub withdrawn_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentList {
    /// Newest first.
    pub items: Vec<Consent>,
}

/// The household's consent records, newest first.
#[utoipa::path(
    get, path = "/api/v1/households/{id}/consents", tag = "consents", operation_id = "list_household_consents",
    params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = ConsentList), ReadErrors),
)]
pub async fn list(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<ConsentList>, WebError> {
    let actor = ctx.actor()?;
    // Reading a household's consent is a read of the household (audited by the core).
    let items = consents::list(&state.store, actor, id).await?;
    Ok(Json(ConsentList { items: items.into_iter().map(Consent::from).collect() }))
}

/// Records consent for a household.
#[utoipa::path(
    post, path = "/api/v1/households/{id}/consents", tag = "consents", operation_id = "create_consent",
    params(("id" = i64, Path, description = "Household id")), request_body = consents::ConsentInput,
    responses((status = 201, body = Consent, headers(("Location" = String))), WriteErrors),
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<consents::ConsentInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let c = consents::create(&state.store, actor, id, input).await?;
    Ok(created(&format!("/api/v1/consents/{}", c.id), Consent::from(c)))
}

/// One consent record.
#[utoipa::path(
    get, path = "/api/v1/consents/{id}", tag = "consents", operation_id = "get_consent",
    params(("id" = i64, Path, description = "Consent id")),
    responses((status = 200, body = Consent), ReadErrors),
)]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Consent>, WebError> {
    let actor = ctx.actor()?;
    let c = consents::get(&state.store, actor, id).await?;
    Ok(Json(c.into()))
}

/// Withdraws consent as of a date.
#[utoipa::path(
    post, path = "/api/v1/consents/{id}/withdraw", tag = "consents", operation_id = "withdraw_consent",
    params(("id" = i64, Path, description = "Consent id")), request_body = Withdrawal,
    responses((status = 200, body = Consent), WriteErrors),
)]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(body): ApiJson<Withdrawal>,
) -> Result<Json<Consent>, WebError> {
    let actor = ctx.actor()?;
    let c = consents::withdraw(&state.store, actor, id, body.withdrawn_on.as_deref()).await?;
    Ok(Json(c.into()))
}
