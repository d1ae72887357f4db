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
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use hearth_core::patch::Patch;

use super::created;
use super::json::{ApiError, ApiJson, ApiParams, Id, Page};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

/// A resident. Fields marked "not for volunteers" are absent when a volunteer asks.
#[derive(Serialize, ToSchema)]
pub struct Resident {
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    /// `female`, `male` or `other`. Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub sex: Option<Option<String>>,
    /// Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    /// Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub languages_spoken: Option<Option<String>>,
    /// Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub languages_to_learn: Option<Option<String>>,
    /// `none`, `primary`, `lower_secondary`, `upper_secondary`, `vocational` or
    /// `tertiary`. Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub education_level: Option<Option<String>>,
    /// `employed`, `self_employed`, `seeking_work`, `not_seeking`, `student`, `retired` or
    /// `unable_to_work`. Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub work_status: Option<Option<String>>,
    /// Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub skills: Option<Option<String>>,
    /// Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub needs: Option<Option<String>>,
    /// Not for volunteers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Resident {
    /// The DTO for a resident the core has already redacted for `actor`.
    fn new(actor: &Actor, r: resident::Model) -> Resident {
        let hidden = residents::hidden_fields(actor);
        let shown = |name: &str| !hidden.contains(&name);
        Resident {
            id: r.id,
            household_id: r.household_id,
            community_id: r.community_id,
            full_name: r.full_name,
            phone: r.phone,
            sex: shown("sex").then_some(r.sex),
            birth_date: shown("birth_date").then_some(r.birth_date),
            languages_spoken: shown("languages_spoken").then_some(r.languages_spoken),
            languages_to_learn: shown("languages_to_learn").then_some(r.languages_to_learn),
            education_level: shown("education_level").then_some(r.education_level),
            work_status: shown("work_status").then_some(r.work_status),
            skills: shown("skills").then_some(r.skills),
            needs: shown("needs").then_some(r.needs),
            notes: shown("notes").then_some(r.notes),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A new resident. Only `household_id` and `full_name` are required.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResident {
    #[schema(required = true, value_type = i64)]
    pub household_id: Option<i64>,
    #[schema(required = true, value_type = String, max_length = 200, example = "张伟")]
    pub full_name: Option<String>,
    /// `female`, `male` or `other`.
    pub sex: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "1988-07-14")]
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    #[schema(max_length = 200)]
    pub languages_spoken: Option<String>,
    #[schema(max_length = 200)]
    pub languages_to_learn: Option<String>,
    /// `none`, `primary`, `lower_secondary`, `upper_secondary`, `vocational` or `tertiary`.
    pub education_level: Option<String>,
    /// `employed`, `self_employed`, `seeking_work`, `not_seeking`, `student`, `retired` or
    /// `unable_to_work`.
    pub work_status: Option<String>,
    #[schema(max_length = 2000)]
    pub skills: Option<String>,
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

/// Changes to a resident: a missing field is kept, `null` clears it. A resident cannot
/// move household through this call.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub full_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub sex: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub languages_spoken: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub languages_to_learn: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub education_level: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub work_status: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub skills: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub needs: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub notes: Patch<String>,
}

/// Residents the caller may see, by ascending id.
#[utoipa::path(
    get, path = "/api/v1/residents", tag = "residents", operation_id = "list_residents",
    params(residents::ListQuery),
    responses(
        (status = 200, body = Page<Resident>),
        (status = 400, body = ApiError, description = "A parameter is not a number"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, body = ApiError, description = "Unknown community"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<residents::ListQuery>,
) -> Result<Json<Page<Resident>>, WebError> {
    let actor = ctx.actor()?;
    let page = residents::list(&state.store, actor, &q).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(|r| Resident::new(actor, r)).collect(),
        next_after: page.next_after,
    }))
}

/// Adds a resident to a household.
#[utoipa::path(
    post, path = "/api/v1/residents", tag = "residents", operation_id = "create_resident",
    request_body = NewResident,
    responses(
        (status = 201, body = Resident, headers(("Location" = String))),
        (status = 400, body = ApiError, description = "Malformed JSON or a wrong type"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 422, body = ApiError, description = "Invalid fields, or an unknown `household_id`"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewResident>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let input = residents::ResidentInput {
        household_id: body.household_id,
        full_name: body.full_name,
        sex: body.sex,
        birth_date: body.birth_date,
        phone: body.phone,
        languages_spoken: body.languages_spoken,
        languages_to_learn: body.languages_to_learn,
        education_level: body.education_level,
        work_status: body.work_status,
        skills: body.skills,
        needs: body.needs,
        notes: body.notes,
    };
    let r = residents::create(&state.store, actor, input).await?;
    let out = Resident::new(actor, residents::redact(actor, r));
    Ok(created(&format!("/api/v1/residents/{}", out.id), out))
}

/// One resident (the read is audited).
#[utoipa::path(
    get, path = "/api/v1/residents/{id}", tag = "residents", operation_id = "get_resident",
    params(("id" = i64, Path, description = "Resident id")),
    responses(
        (status = 200, body = Resident),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, body = ApiError),
    )
)]
pub async fn get(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Resident>, WebError> {
    let actor = ctx.actor()?;
    let r = residents::get(&state.store, actor, id).await?;
    Ok(Json(Resident::new(actor, r)))
}

/// Changes some fields of a resident.
#[utoipa::path(
    patch, path = "/api/v1/residents/{id}", tag = "residents", operation_id = "update_resident",
    params(("id" = i64, Path, description = "Resident id")),
    request_body = ResidentPatch,
    responses(
        (status = 200, body = Resident),
        (status = 400, body = ApiError, description = "Malformed JSON or a wrong type"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, body = ApiError),
        (status = 422, body = ApiError),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(body): ApiJson<ResidentPatch>,
) -> Result<Json<Resident>, WebError> {
    let actor = ctx.actor()?;
    let input = residents::ResidentInput {
        household_id: None,
        full_name: body.full_name.into_text(),
        sex: body.sex.into_text(),
        birth_date: body.birth_date.into_text(),
        phone: body.phone.into_text(),
        languages_spoken: body.languages_spoken.into_text(),
        languages_to_learn: body.languages_to_learn.into_text(),
        education_level: body.education_level.into_text(),
        work_status: body.work_status.into_text(),
        skills: body.skills.into_text(),
        needs: body.needs.into_text(),
        notes: body.notes.into_text(),
    };
    let r = residents::update(&state.store, actor, id, input).await?;
    Ok(Json(Resident::new(actor, residents::redact(actor, r))))
}
