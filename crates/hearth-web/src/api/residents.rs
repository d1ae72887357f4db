//! `/api/v1/residents`: list (keyset pages, filters), create, read, partial update.
//!
//! Volunteers see a resident's name and contact only: the other fields are left out of
//! the answer altogether (not sent as `null`), exactly as `residents::redact` leaves them.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::Actor;
use hearth_core::entity::resident;
use hearth_core::registry::residents;
use serde::Serialize;
use utoipa::ToSchema;

use super::created;
use super::json::{ApiJson, ApiParams, Id, Page, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

/// A resident. What a volunteer may not see (all but name and contact) is absent when a
/// volunteer asks; the core decides which fields those are.
#[derive(Serialize, ToSchema)]
pub struct Resident {
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    /// Not for volunteers.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<ResidentDetails>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The part of a resident's record beyond name and contact.
#[derive(Serialize, ToSchema)]
pub struct ResidentDetails {
    /// `female`, `male` or `other`.
    pub sex: Option<String>,
    /// Relationship to the head of the household: `head`, `spouse`, `child`, `parent`,
    /// `other_relative` or `other`.
    pub relationship: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub languages_spoken: Option<String>,
    pub languages_to_learn: Option<String>,
    /// `none`, `primary`, `lower_secondary`, `upper_secondary`, `vocational` or `tertiary`.
    pub education_level: Option<String>,
    /// `employed`, `self_employed`, `seeking_work`, `not_seeking`, `student`, `retired` or
    /// `unable_to_work`.
    pub work_status: Option<String>,
    pub skills: Option<String>,
    pub needs: Option<String>,
    pub notes: Option<String>,
}

impl Resident {
    /// The DTO for a resident the core has already redacted for `actor`: the details only
    /// when the core hides none of them from this reader.
    fn new(actor: &Actor, r: resident::Model) -> Resident {
        let details = residents::hidden_fields(actor).is_empty().then_some(ResidentDetails {
            sex: r.sex,
            relationship: r.relationship,
            birth_date: r.birth_date,
            languages_spoken: r.languages_spoken,
            languages_to_learn: r.languages_to_learn,
            education_level: r.education_level,
            work_status: r.work_status,
            skills: r.skills,
            needs: r.needs,
            notes: r.notes,
        });
        Resident {
            id: r.id,
            household_id: r.household_id,
            community_id: r.community_id,
            full_name: r.full_name,
            phone: r.phone,
            details,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Residents the caller may see, by ascending id.
#[utoipa::path(
    get, path = "/api/v1/residents", tag = "residents", operation_id = "list_residents",
    params(residents::ListQuery),
    responses((status = 200, body = Page<Resident>), ReadErrors),
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<residents::ListQuery>,
) -> Result<Json<Page<Resident>>, WebError> {
    let actor = ctx.actor()?;
    let page = residents::list(&state.store, actor, &q).await?;
    Ok(Json(Page::of(page, |r| Resident::new(actor, r))))
}

/// Adds a resident to a household.
#[utoipa::path(
    post, path = "/api/v1/residents", tag = "residents", operation_id = "create_resident",
    request_body = residents::ResidentInput,
    responses((status = 201, body = Resident, headers(("Location" = String))), WriteErrors),
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<residents::ResidentInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let r = residents::create(&state.store, actor, input).await?;
    let out = Resident::new(actor, residents::redact(actor, r));
    Ok(created(&format!("/api/v1/residents/{}", out.id), out))
}

/// One resident (the read is audited).
#[utoipa::path(
    get, path = "/api/v1/residents/{id}", tag = "residents", operation_id = "get_resident",
    params(("id" = i64, Path, description = "Resident id")),
    responses((status = 200, body = Resident), ReadErrors),
)]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Resident>, WebError> {
    let actor = ctx.actor()?;
    let r = residents::get(&state.store, actor, id).await?;
    Ok(Json(Resident::new(actor, r)))
}

/// Changes some fields of a resident.
#[utoipa::path(
    patch, path = "/api/v1/residents/{id}", tag = "residents", operation_id = "update_resident",
    params(("id" = i64, Path, description = "Resident id")), request_body = residents::ResidentChanges,
    responses((status = 200, body = Resident), WriteErrors),
)]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(changes): ApiJson<residents::ResidentChanges>,
) -> Result<Json<Resident>, WebError> {
    let actor = ctx.actor()?;
    let input = changes.into_input();
    let r = residents::update(&state.store, actor, id, input).await?;
    Ok(Json(Resident::new(actor, residents::redact(actor, r))))
}
