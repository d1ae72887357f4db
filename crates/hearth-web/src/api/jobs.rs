//! `/api/v1/employers`, `/agreements`, `/openings`, `/fairs`, `/referrals`, `/placements` and
//! `/check-ins`: employment help. Every rule is decided by `hearth_core::jobs`; reads that
//! show residents are audited there.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use hearth_core::entity::{agreement, check_in, employer, employer_contact, job_fair, opening, placement, referral};
use hearth_core::jobs::employers::{self, AgreementInput, AgreementState, ContactInput, EmployerInput};
use hearth_core::jobs::fairs::{self, FairInput};
use hearth_core::jobs::openings::{self, Match, OpeningInput, OpeningsQuery};
use hearth_core::jobs::placements::{
    self, CheckInInput, PlacementChange, PlacementInput, PlacementsQuery, ReferralInput, ReferralsQuery, StepInput,
};
use hearth_core::word::Word;
use hearth_core::{CoreError, FieldErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, ApiParams, Id, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag};
use super::scans::ScanQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_employers, create_employer))
        .routes(routes!(get_employer, update_employer))
        .routes(routes!(list_contacts, add_contact))
        .routes(routes!(list_agreements, create_agreement))
        .routes(routes!(get_agreement, update_agreement))
        .routes(routes!(get_scan, put_scan))
        .routes(routes!(list_openings, create_opening))
        .routes(routes!(get_opening, update_opening))
        .routes(routes!(opening_matches))
        .routes(routes!(list_fairs, create_fair))
        .routes(routes!(get_fair, update_fair))
        .routes(routes!(list_referrals, create_referral))
        .routes(routes!(get_referral))
        .routes(routes!(add_referral_step))
        .routes(routes!(list_placements, create_placement))
        .routes(routes!(get_placement, update_placement))
        .routes(routes!(list_check_ins))
        .routes(routes!(get_check_in, record_check_in))
}

fn etag_of(at: &chrono::DateTime<chrono::Utc>) -> String {
    hearth_core::version::of(at)
}

// ---------------------------------------------------------------------------------------
// Employers

#[derive(Serialize, ToSchema)]
pub struct Employer {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub sector: Option<String>,
    pub address: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
}

impl From<employer::Model> for Employer {
    fn from(e: employer::Model) -> Employer {
        Employer {
            id: e.id,
            community_id: e.community_id,
            name: e.name,
            sector: e.sector,
            address: e.address,
            contact_person: e.contact_person,
            contact_phone: e.contact_phone,
            notes: e.notes,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommunityQuery {
    /// Only this community (slug).
    pub community: Option<String>,
}

/// The partner employers of the caller's communities, by name.
#[utoipa::path(
    get, path = "/api/v1/employers", tag = "jobs", operation_id = "list_employers", params(CommunityQuery),
    responses((status = 200, body = Vec<Employer>), ReadErrors),
)]
pub async fn list_employers(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<CommunityQuery>,
) -> Result<Json<Vec<Employer>>, WebError> {
    let rows = employers::list(&state.store, ctx.actor()?, q.community.as_deref()).await?;
    Ok(Json(rows.into_iter().map(Employer::from).collect()))
}

/// Adds a partner employer.
#[utoipa::path(
    post, path = "/api/v1/employers", tag = "jobs", operation_id = "create_employer", request_body = EmployerInput,
    responses((status = 201, body = Employer, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_employer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<EmployerInput>,
) -> Result<Response, WebError> {
    let e = employers::create(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/employers/{}", e.id), Employer::from(e)))
}

/// One employer.
#[utoipa::path(
    get, path = "/api/v1/employers/{id}", tag = "jobs", operation_id = "get_employer",
    params(("id" = i64, Path, description = "Employer id")),
    responses((status = 200, body = Employer, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_employer(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let e = hearth_core::jobs::load::<employer::Entity>(&state.store, ctx.actor()?, id).await?;
    Ok(with_etag(&etag_of(&e.updated_at), Employer::from(e)))
}

/// Changes an employer's details (absent fields are kept, empty ones cleared).
#[utoipa::path(
    patch, path = "/api/v1/employers/{id}", tag = "jobs", operation_id = "update_employer",
    params(("id" = i64, Path, description = "Employer id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = EmployerInput,
    responses((status = 200, body = Employer, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_employer(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<EmployerInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let e = employers::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    Ok(with_etag(&etag_of(&e.updated_at), Employer::from(e)))
}

#[derive(Serialize, ToSchema)]
pub struct Contact {
    pub id: i64,
    pub employer_id: i64,
    pub contacted_on: NaiveDate,
    pub by_user_id: Option<i64>,
    pub summary: String,
}

impl From<employer_contact::Model> for Contact {
    fn from(c: employer_contact::Model) -> Contact {
        Contact {
            id: c.id,
            employer_id: c.employer_id,
            contacted_on: c.contacted_on,
            by_user_id: c.by_user_id,
            summary: c.summary,
        }
    }
}

/// An employer's contact log, newest first.
#[utoipa::path(
    get, path = "/api/v1/employers/{id}/contacts", tag = "jobs", operation_id = "list_employer_contacts",
    params(("id" = i64, Path, description = "Employer id")),
    responses((status = 200, body = Vec<Contact>), ReadErrors),
)]
pub async fn list_contacts(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<Contact>>, WebError> {
    let rows = employers::contacts_of(&state.store, ctx.actor()?, id).await?;
    Ok(Json(rows.into_iter().map(|c| Contact::from(c.contact)).collect()))
}

/// Adds a line to an employer's contact log (by the caller).
#[utoipa::path(
    post, path = "/api/v1/employers/{id}/contacts", tag = "jobs", operation_id = "add_employer_contact",
    params(("id" = i64, Path, description = "Employer id")), request_body = ContactInput,
    responses((status = 201, body = Contact, headers(("Location" = String))), WriteErrors),
)]
pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Response, WebError> {
    let c = employers::add_contact(&state.store, ctx.actor()?, id, input).await?;
    Ok(created(&format!("/api/v1/employers/{id}/contacts"), Contact::from(c)))
}

// ---------------------------------------------------------------------------------------
// Agreements

#[derive(Serialize, ToSchema)]
pub struct Agreement {
    pub id: i64,
    pub community_id: i64,
    pub employer_id: i64,
    pub title: String,
    pub signed_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub terms: Option<String>,
    /// Today: in_force, expired or not_yet.
    pub state: AgreementState,
    /// The scan's type and size, once one is attached.
    pub scan_type: Option<String>,
    pub scan_size: Option<i64>,
}

impl From<agreement::Model> for Agreement {
    fn from(a: agreement::Model) -> Agreement {
        Agreement {
            state: AgreementState::of(&a, chrono::Local::now().date_naive()),
            id: a.id,
            community_id: a.community_id,
            employer_id: a.employer_id,
            title: a.title,
            signed_on: a.signed_on,
            valid_until: a.valid_until,
            terms: a.terms,
            scan_type: a.scan_type,
            scan_size: a.scan_size,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementsQuery {
    /// Only this employer's.
    pub employer_id: Option<i64>,
}

/// Referral agreements, newest signed first.
#[utoipa::path(
    get, path = "/api/v1/agreements", tag = "jobs", operation_id = "list_agreements", params(AgreementsQuery),
    responses((status = 200, body = Vec<Agreement>), ReadErrors),
)]
pub async fn list_agreements(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<AgreementsQuery>,
) -> Result<Json<Vec<Agreement>>, WebError> {
    let rows = employers::agreements(&state.store, ctx.actor()?, q.employer_id).await?;
    Ok(Json(rows.into_iter().map(Agreement::from).collect()))
}

/// Records a referral agreement with an employer (its scan is `PUT` separately).
#[utoipa::path(
    post, path = "/api/v1/agreements", tag = "jobs", operation_id = "create_agreement", request_body = AgreementInput,
    responses((status = 201, body = Agreement, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_agreement(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<Response, WebError> {
    let a = employers::create_agreement(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/agreements/{}", a.id), Agreement::from(a)))
}

/// One agreement.
#[utoipa::path(
    get, path = "/api/v1/agreements/{id}", tag = "jobs", operation_id = "get_agreement",
    params(("id" = i64, Path, description = "Agreement id")),
    responses((status = 200, body = Agreement, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_agreement(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let a = hearth_core::jobs::load::<agreement::Entity>(&state.store, ctx.actor()?, id).await?;
    Ok(with_etag(&etag_of(&a.updated_at), Agreement::from(a)))
}

/// Changes an agreement's title, dates or terms.
#[utoipa::path(
    patch, path = "/api/v1/agreements/{id}", tag = "jobs", operation_id = "update_agreement",
    params(("id" = i64, Path, description = "Agreement id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = AgreementInput,
    responses((status = 200, body = Agreement, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_agreement(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<AgreementInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let a = employers::update_agreement(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    Ok(with_etag(&etag_of(&a.updated_at), Agreement::from(a)))
}

/// The agreement's scan, as a download.
#[utoipa::path(
    get, path = "/api/v1/agreements/{id}/scan", tag = "jobs", operation_id = "get_agreement_scan",
    params(("id" = i64, Path, description = "Agreement id")),
    responses(
        (status = 200, description = "The scan, as an attachment, in the type its content has",
         content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        ReadErrors,
    ),
)]
pub async fn get_scan(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    Ok(super::scans::download(employers::scan(&state.store, ctx.actor()?, id).await?))
}

/// Attaches (or replaces) the agreement's scan: the body is the file, at most 5 MB, and must
/// be a PDF, JPEG or PNG by its content (its name and `Content-Type` are not trusted).
#[utoipa::path(
    put, path = "/api/v1/agreements/{id}/scan", tag = "jobs", operation_id = "put_agreement_scan",
    params(("id" = i64, Path, description = "Agreement id"), ScanQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses((status = 200, body = Agreement), WriteErrors),
)]
pub async fn put_scan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiParams(q): ApiParams<ScanQuery>,
    req: Request,
) -> Result<Json<Agreement>, WebError> {
    let actor = ctx.actor()?;
    let bytes = super::scans::body(req, async {
        hearth_core::jobs::load::<agreement::Entity>(&state.store, actor, id).await.map(|_| ()).map_err(WebError::from)
    })
    .await?;
    let a = employers::attach_scan(&state.store, actor, id, q.file_name.as_deref(), bytes).await?;
    Ok(Json(Agreement::from(a)))
}

// ---------------------------------------------------------------------------------------
// Openings

#[derive(Serialize, ToSchema)]
pub struct Opening {
    pub id: i64,
    pub community_id: i64,
    pub employer_id: i64,
    pub title: String,
    pub positions: i32,
    /// Monthly, in minor units.
    pub wage_min: Option<i64>,
    pub wage_max: Option<i64>,
    pub languages: Option<String>,
    pub skills: Option<String>,
    pub requirements: Option<String>,
    pub hours: Option<String>,
    pub location: Option<String>,
    /// open or closed
    pub status: String,
    pub posted_on: NaiveDate,
}

impl From<opening::Model> for Opening {
    fn from(o: opening::Model) -> Opening {
        Opening {
            id: o.id,
            community_id: o.community_id,
            employer_id: o.employer_id,
            title: o.title,
            positions: o.positions,
            wage_min: o.wage_min,
            wage_max: o.wage_max,
            languages: o.languages,
            skills: o.skills,
            requirements: o.requirements,
            hours: o.hours,
            location: o.location,
            status: o.status.word(),
            posted_on: o.posted_on,
        }
    }
}

/// Openings, open first, newest first.
#[utoipa::path(
    get, path = "/api/v1/openings", tag = "jobs", operation_id = "list_openings", params(OpeningsQuery),
    responses((status = 200, body = Vec<Opening>), ReadErrors),
)]
pub async fn list_openings(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<OpeningsQuery>,
) -> Result<Json<Vec<Opening>>, WebError> {
    let rows = openings::list(&state.store, ctx.actor()?, &q).await?;
    Ok(Json(rows.into_iter().map(Opening::from).collect()))
}

/// Posts an opening of a partner employer.
#[utoipa::path(
    post, path = "/api/v1/openings", tag = "jobs", operation_id = "create_opening", request_body = OpeningInput,
    responses((status = 201, body = Opening, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<OpeningInput>,
) -> Result<Response, WebError> {
    let o = openings::create(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/openings/{}", o.id), Opening::from(o)))
}

/// One opening.
#[utoipa::path(
    get, path = "/api/v1/openings/{id}", tag = "jobs", operation_id = "get_opening",
    params(("id" = i64, Path, description = "Opening id")),
    responses((status = 200, body = Opening, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_opening(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let o = hearth_core::jobs::load::<opening::Entity>(&state.store, ctx.actor()?, id).await?;
    Ok(with_etag(&etag_of(&o.updated_at), Opening::from(o)))
}

/// Changes an opening (closing it is `status: closed`).
#[utoipa::path(
    patch, path = "/api/v1/openings/{id}", tag = "jobs", operation_id = "update_opening",
    params(("id" = i64, Path, description = "Opening id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = OpeningInput,
    responses((status = 200, body = Opening, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_opening(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<OpeningInput>,
) -> Result<Response, WebError> {
    input.version = if_match(&headers);
    let o = openings::update(&state.store, ctx.actor()?, id, input).await.map_err(stale_is_412)?;
    Ok(with_etag(&etag_of(&o.updated_at), Opening::from(o)))
}

/// The matching aid: residents who said they seek work and speak a language or have a skill
/// the opening asks for, in name order, each with what fits. Never a score or a rank.
#[utoipa::path(
    get, path = "/api/v1/openings/{id}/matches", tag = "jobs", operation_id = "opening_matches",
    params(("id" = i64, Path, description = "Opening id")),
    responses((status = 200, body = Vec<Match>), ReadErrors),
)]
pub async fn opening_matches(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<Match>>, WebError> {
    Ok(Json(openings::matches(&state.store, ctx.actor()?, id).await?))
}

// ---------------------------------------------------------------------------------------
// Fairs

#[derive(Serialize, ToSchema)]
pub struct Fair {
    pub id: i64,
    pub community_id: i64,
    pub held_on: NaiveDate,
    pub place: String,
    /// The session whose roll-call is the fair's attendance (`/api/v1/sessions/{id}/attendance`).
    pub session_id: i64,
    pub attendees: u64,
    pub interviews_agreed: i32,
    pub offers_made: i32,
    pub notes: Option<String>,
    pub employer_ids: Vec<i64>,
    pub opening_ids: Vec<i64>,
}

async fn fair_out(state: &AppState, f: fairs::Fair) -> Result<Fair, WebError> {
    let (employer_ids, opening_ids) = fairs::lists_of(&state.store, f.fair.id).await?;
    let j: job_fair::Model = f.fair;
    Ok(Fair {
        id: j.id,
        community_id: j.community_id,
        held_on: j.held_on,
        place: j.place,
        session_id: j.session_id,
        attendees: f.attendees,
        interviews_agreed: j.interviews_agreed,
        offers_made: j.offers_made,
        notes: j.notes,
        employer_ids,
        opening_ids,
    })
}

/// Job fairs, newest first.
#[utoipa::path(
    get, path = "/api/v1/fairs", tag = "jobs", operation_id = "list_fairs",
    responses((status = 200, body = Vec<Fair>), ReadErrors),
)]
pub async fn list_fairs(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Fair>>, WebError> {
    let mut out = Vec::new();
    for f in fairs::list(&state.store, ctx.actor()?).await? {
        out.push(fair_out(&state, f).await?);
    }
    Ok(Json(out))
}

/// Records a job fair; who came is taken at its session's roll-call.
#[utoipa::path(
    post, path = "/api/v1/fairs", tag = "jobs", operation_id = "create_fair", request_body = FairInput,
    responses((status = 201, body = Fair, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_fair(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<FairInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let f = fairs::create(&state.store, actor, input).await?;
    let out = fair_out(&state, fairs::get(&state.store, actor, f.id).await?).await?;
    Ok(created(&format!("/api/v1/fairs/{}", out.id), out))
}

/// One fair.
#[utoipa::path(
    get, path = "/api/v1/fairs/{id}", tag = "jobs", operation_id = "get_fair",
    params(("id" = i64, Path, description = "Fair id")),
    responses((status = 200, body = Fair, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_fair(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let f = fairs::get(&state.store, ctx.actor()?, id).await?;
    let version = etag_of(&f.fair.updated_at);
    Ok(with_etag(&version, fair_out(&state, f).await?))
}

/// Changes a fair: day, place, employers and openings (a list sent replaces the kept one),
/// outcomes on the spot, notes.
#[utoipa::path(
    patch, path = "/api/v1/fairs/{id}", tag = "jobs", operation_id = "update_fair",
    params(("id" = i64, Path, description = "Fair id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = FairInput,
    responses((status = 200, body = Fair, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_fair(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<FairInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    input.version = if_match(&headers);
    let f = fairs::update(&state.store, actor, id, input).await.map_err(stale_is_412)?;
    let version = etag_of(&f.updated_at);
    Ok(with_etag(&version, fair_out(&state, fairs::get(&state.store, actor, f.id).await?).await?))
}

// ---------------------------------------------------------------------------------------
// Referrals

#[derive(Serialize, ToSchema)]
pub struct Referral {
    pub id: i64,
    pub community_id: i64,
    pub resident_id: i64,
    pub employer_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fair_id: Option<i64>,
    pub referred_on: NaiveDate,
    /// The latest step: interview, offer, declined, not_selected or placed (absent: open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_on: Option<NaiveDate>,
}

impl From<referral::Model> for Referral {
    fn from(r: referral::Model) -> Referral {
        Referral {
            id: r.id,
            community_id: r.community_id,
            resident_id: r.resident_id,
            employer_id: r.employer_id,
            opening_id: r.opening_id,
            fair_id: r.fair_id,
            referred_on: r.referred_on,
            outcome: r.outcome.map(|o| o.word()),
            outcome_on: r.outcome_on,
        }
    }
}

/// Referrals, newest first.
#[utoipa::path(
    get, path = "/api/v1/referrals", tag = "jobs", operation_id = "list_referrals", params(ReferralsQuery),
    responses((status = 200, body = Vec<Referral>), ReadErrors),
)]
pub async fn list_referrals(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<ReferralsQuery>,
) -> Result<Json<Vec<Referral>>, WebError> {
    let rows = placements::referrals(&state.store, ctx.actor()?, &q).await?;
    Ok(Json(rows.into_iter().map(|l| Referral::from(l.referral)).collect()))
}

/// Refers a resident to an opening (or to an employer).
#[utoipa::path(
    post, path = "/api/v1/referrals", tag = "jobs", operation_id = "create_referral", request_body = ReferralInput,
    responses((status = 201, body = Referral, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_referral(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ReferralInput>,
) -> Result<Response, WebError> {
    let r = placements::refer(&state.store, ctx.actor()?, input).await?;
    Ok(created(&format!("/api/v1/referrals/{}", r.id), Referral::from(r)))
}

/// One referral.
#[utoipa::path(
    get, path = "/api/v1/referrals/{id}", tag = "jobs", operation_id = "get_referral",
    params(("id" = i64, Path, description = "Referral id")),
    responses((status = 200, body = Referral), ReadErrors),
)]
pub async fn get_referral(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Referral>, WebError> {
    Ok(Json(placements::referral(&state.store, ctx.actor()?, id).await?.referral.into()))
}

/// Records a referral's next dated step (`placed` comes from recording the placement).
#[utoipa::path(
    post, path = "/api/v1/referrals/{id}/steps", tag = "jobs", operation_id = "add_referral_step",
    params(("id" = i64, Path, description = "Referral id")), request_body = StepInput,
    responses((status = 200, body = Referral), WriteErrors),
)]
pub async fn add_referral_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<StepInput>,
) -> Result<Json<Referral>, WebError> {
    Ok(Json(placements::add_step(&state.store, ctx.actor()?, id, input).await?.into()))
}

// ---------------------------------------------------------------------------------------
// Placements and check-ins

#[derive(Serialize, ToSchema)]
pub struct CheckIn {
    pub id: i64,
    pub placement_id: i64,
    pub resident_id: i64,
    pub months: i32,
    pub due_on: NaiveDate,
    /// The result (absent: not yet known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_employed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_on: Option<NaiveDate>,
    /// Calls that reached no one.
    pub attempts: i32,
    /// Settled by the placement's end date, not by a call.
    pub by_end: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<check_in::Model> for CheckIn {
    fn from(c: check_in::Model) -> CheckIn {
        CheckIn {
            id: c.id,
            placement_id: c.placement_id,
            resident_id: c.resident_id,
            months: c.months,
            due_on: c.due_on,
            still_employed: c.still_employed,
            done_on: c.done_on,
            attempts: c.attempts,
            by_end: c.by_end,
            note: c.note,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Placement {
    pub id: i64,
    pub community_id: i64,
    pub resident_id: i64,
    pub employer_id: i64,
    pub job_title: String,
    pub started_on: NaiveDate,
    /// fair, referral or own_search
    pub via: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fair_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
    /// resident_left, contract_ended, dismissed, other (once ended)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_note: Option<String>,
    pub check_ins: Vec<CheckIn>,
}

fn placement_out(p: placement::Model, check_ins: Vec<check_in::Model>) -> Placement {
    Placement {
        id: p.id,
        community_id: p.community_id,
        resident_id: p.resident_id,
        employer_id: p.employer_id,
        job_title: p.job_title,
        started_on: p.started_on,
        via: p.via.word(),
        referral_id: p.referral_id,
        fair_id: p.fair_id,
        ended_on: p.ended_on,
        end_reason: p.end_reason.map(|r| r.word()),
        end_note: p.end_note,
        check_ins: check_ins.into_iter().map(CheckIn::from).collect(),
    }
}

/// Placements, newest start first, with their check-ins.
#[utoipa::path(
    get, path = "/api/v1/placements", tag = "jobs", operation_id = "list_placements", params(PlacementsQuery),
    responses((status = 200, body = Vec<Placement>), ReadErrors),
)]
pub async fn list_placements(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<PlacementsQuery>,
) -> Result<Json<Vec<Placement>>, WebError> {
    let rows = placements::placements(&state.store, ctx.actor()?, &q).await?;
    Ok(Json(rows.into_iter().map(|l| placement_out(l.placement, l.check_ins)).collect()))
}

/// Records a placement; its 3- and 6-month check-ins are made from the start date.
#[utoipa::path(
    post, path = "/api/v1/placements", tag = "jobs", operation_id = "create_placement", request_body = PlacementInput,
    responses((status = 201, body = Placement, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<PlacementInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let p = placements::place(&state.store, actor, input).await?;
    let line = placements::placement(&state.store, actor, p.id).await?;
    Ok(created(&format!("/api/v1/placements/{}", p.id), placement_out(line.placement, line.check_ins)))
}

/// One placement with its check-ins.
#[utoipa::path(
    get, path = "/api/v1/placements/{id}", tag = "jobs", operation_id = "get_placement",
    params(("id" = i64, Path, description = "Placement id")),
    responses((status = 200, body = Placement, headers(("ETag" = String))), ReadErrors),
)]
pub async fn get_placement(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let l = placements::placement(&state.store, ctx.actor()?, id).await?;
    let version = etag_of(&l.placement.updated_at);
    Ok(with_etag(&version, placement_out(l.placement, l.check_ins)))
}

/// Records a placement's end (or takes it back with `ended_on: ""`), or corrects its title.
#[utoipa::path(
    patch, path = "/api/v1/placements/{id}", tag = "jobs", operation_id = "update_placement",
    params(("id" = i64, Path, description = "Placement id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = PlacementChange,
    responses((status = 200, body = Placement, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_placement(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<PlacementChange>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    input.version = if_match(&headers);
    let p = placements::change(&state.store, actor, id, input).await.map_err(stale_is_412)?;
    let l = placements::placement(&state.store, actor, p.id).await?;
    let version = etag_of(&l.placement.updated_at);
    Ok(with_etag(&version, placement_out(l.placement, l.check_ins)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckInsQuery {
    /// Due on or before this day with no result yet (default today).
    #[param(value_type = Option<String>, format = Date)]
    pub due_by: Option<String>,
}

/// Check-ins due with no result yet, oldest due first.
#[utoipa::path(
    get, path = "/api/v1/check-ins", tag = "jobs", operation_id = "list_check_ins", params(CheckInsQuery),
    responses((status = 200, body = Vec<CheckIn>), ReadErrors),
)]
pub async fn list_check_ins(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(q): ApiParams<CheckInsQuery>,
) -> Result<Json<Vec<CheckIn>>, WebError> {
    let by = match q.due_by.as_deref() {
        None => chrono::Local::now().date_naive(),
        Some(v) => {
            let mut e = FieldErrors::new();
            let d = hearth_core::validate::required_date(&mut e, "due_by", Some(v));
            e.into_result()?;
            d.ok_or_else(|| CoreError::invalid("due_by", "invalid_date"))?
        }
    };
    let rows = placements::due(&state.store, ctx.actor()?, by, 0).await?;
    Ok(Json(rows.into_iter().map(|d| CheckIn::from(d.check_in)).collect()))
}

/// One check-in.
#[utoipa::path(
    get, path = "/api/v1/check-ins/{id}", tag = "jobs", operation_id = "get_check_in",
    params(("id" = i64, Path, description = "Check-in id")),
    responses((status = 200, body = CheckIn), ReadErrors),
)]
pub async fn get_check_in(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<CheckIn>, WebError> {
    Ok(Json(placements::check_in(&state.store, ctx.actor()?, id).await?.into()))
}

/// Records a check-in: still employed, not employed, or not reached (an attempt: the
/// check-in stays due). A result is recorded once.
#[utoipa::path(
    post, path = "/api/v1/check-ins/{id}", tag = "jobs", operation_id = "record_check_in",
    params(("id" = i64, Path, description = "Check-in id")), request_body = CheckInInput,
    responses((status = 200, body = CheckIn), WriteErrors),
)]
pub async fn record_check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    ApiJson(input): ApiJson<CheckInInput>,
) -> Result<Json<CheckIn>, WebError> {
    Ok(Json(placements::record_check_in(&state.store, ctx.actor()?, id, input).await?.into()))
}
