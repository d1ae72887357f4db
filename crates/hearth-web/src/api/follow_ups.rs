//! `/api/v1/follow-ups`: list follow-up queues, open, change and resolve follow-ups, each
//! with its history. Every rule is decided by `hearth_core::visits::follow_ups`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use hearth_core::entity::{follow_up, follow_up_history};
use hearth_core::visits::follow_ups::{self, FollowUpInput, FollowUpUpdate};
use hearth_core::word::Word;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{
    ApiJson, ApiParams, Id, Page, ReadErrors, VersionErrors, WriteErrors, if_match, stale_is_412, with_etag,
};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use axum::http::HeaderMap;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list_follow_ups, create_follow_up)).routes(routes!(get_follow_up, update_follow_up))
}

#[derive(Serialize, ToSchema)]
pub struct FollowUp {
    pub id: i64,
    pub community_id: i64,
    pub household_id: i64,
    /// The resident it concerns, if one person (left out otherwise, like `visit_id`: a
    /// client following ids to records meets no null id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident_id: Option<i64>,
    /// The visit it was found on, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<i64>,
    pub description: String,
    /// jobs, schooling, health, housing, documents, money, language, other
    pub category: String,
    pub owner_user_id: i64,
    pub opened_on: NaiveDate,
    pub due_on: NaiveDate,
    /// open, in_progress, resolved, cannot_resolve
    pub status: String,
    pub resolution_note: Option<String>,
    pub resolved_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every change, oldest first (only on single-record reads and writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
    /// Progress notes, oldest first (only on single-record reads and writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteEntry>>,
}

#[derive(Serialize, ToSchema)]
pub struct NoteEntry {
    pub id: i64,
    pub written_at: DateTime<Utc>,
    pub author_user_id: Option<i64>,
    /// The author's display name.
    pub author: Option<String>,
    pub body: String,
}

/// A single follow-up's history and notes.
pub(super) struct Log {
    history: Vec<follow_up_history::Model>,
    notes: Vec<hearth_core::notes::Note>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    /// created, status, owner, due_on, category, description
    pub change: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The resolution note, on a closing status change.
    pub note: Option<String>,
}

impl FollowUp {
    pub(super) fn new(f: follow_up::Model, log: Option<Log>) -> FollowUp {
        let (history, notes) = match log {
            Some(l) => (Some(l.history), Some(l.notes)),
            None => (None, None),
        };
        FollowUp {
            id: f.id,
            community_id: f.community_id,
            household_id: f.household_id,
            resident_id: f.resident_id,
            visit_id: f.visit_id,
            description: f.description,
            category: f.category.word(),
            owner_user_id: f.owner_user_id,
            opened_on: f.opened_on,
            due_on: f.due_on,
            status: f.status.word(),
            resolution_note: f.resolution_note,
            resolved_on: f.resolved_on,
            created_at: f.created_at,
            updated_at: f.updated_at,
            history: history.map(|h| {
                h.into_iter()
                    .map(|r| HistoryEntry {
                        at: r.at,
                        actor_user_id: r.actor_user_id,
                        change: r.change,
                        from: r.from_value,
                        to: r.to_value,
                        note: r.note,
                    })
                    .collect()
            }),
            notes: notes.map(|n| {
                n.into_iter()
                    .map(|n| NoteEntry {
                        id: n.note.id,
                        written_at: n.note.written_at,
                        author_user_id: n.note.author_user_id,
                        author: n.author,
                        body: n.note.body,
                    })
                    .collect()
            }),
        }
    }
}

/// Follow-ups the caller may see (volunteers: their own, on paired households), soonest due first.
#[utoipa::path(
    get, path = "/api/v1/follow-ups", tag = "follow-ups", operation_id = "list_follow_ups",
    params(follow_ups::ListQuery),
    responses((status = 200, body = Page<FollowUp>), ReadErrors),
)]
pub async fn list_follow_ups(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiParams(query): ApiParams<follow_ups::ListQuery>,
) -> Result<Json<Page<FollowUp>>, WebError> {
    let actor = ctx.actor()?;
    let page = follow_ups::list(&state.store, actor, &query).await?;
    Ok(Json(Page::of(page, |f| FollowUp::new(f, None))))
}

/// Opens a follow-up directly (not from a visit).
#[utoipa::path(
    post, path = "/api/v1/follow-ups", tag = "follow-ups", operation_id = "create_follow_up",
    request_body = FollowUpInput,
    responses((status = 201, body = FollowUp, headers(("Location" = String))), WriteErrors),
)]
pub async fn create_follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<FollowUpInput>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let f = follow_ups::create(&state.store, actor, input).await?;
    let log = log(&state, &ctx, f.id).await?;
    let out = FollowUp::new(f, Some(log));
    Ok(created(&format!("/api/v1/follow-ups/{}", out.id), out))
}

async fn log(state: &AppState, ctx: &Ctx, id: i64) -> Result<Log, WebError> {
    let actor = ctx.actor()?;
    let history = follow_ups::history_of(&state.store, actor, id).await?.into_iter().map(|(h, _)| h).collect();
    let notes = follow_ups::notes_of(&state.store, actor, id).await?;
    Ok(Log { history, notes })
}

/// One follow-up with its full history (the read is audited).
#[utoipa::path(
    get, path = "/api/v1/follow-ups/{id}", tag = "follow-ups", operation_id = "get_follow_up",
    params(("id" = i64, Path, description = "Follow-up id")),
    responses((status = 200, body = FollowUp, headers(("ETag" = String, description = "The version; send it back as If-Match"))), ReadErrors),
)]
pub async fn get_follow_up(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    let f = follow_ups::get(&state.store, ctx.actor()?, id).await?;
    let log = log(&state, &ctx, f.id).await?;
    let version = hearth_core::version::of(&f.updated_at);
    Ok(with_etag(&version, FollowUp::new(f, Some(log))))
}

/// Changes a follow-up: status (closing needs a note and date; reopening a closed one needs a
/// `note`), owner, due date, description, category, and adds a progress `note` (a note alone
/// is a change). Each change is kept in its history, each note in its notes.
#[utoipa::path(
    patch, path = "/api/v1/follow-ups/{id}", tag = "follow-ups", operation_id = "update_follow_up",
    params(
        ("id" = i64, Path, description = "Follow-up id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read: the change is refused (412) if someone changed the follow-up since"),
    ),
    request_body = FollowUpUpdate,
    responses((status = 200, body = FollowUp, headers(("ETag" = String))), WriteErrors, VersionErrors),
)]
pub async fn update_follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(mut update): ApiJson<FollowUpUpdate>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    update.expected_version = if_match(&headers);
    let f = follow_ups::update(&state.store, actor, id, update).await.map_err(stale_is_412)?;
    let log = log(&state, &ctx, f.id).await?;
    let version = hearth_core::version::of(&f.updated_at);
    Ok(with_etag(&version, FollowUp::new(f, Some(log))))
}
