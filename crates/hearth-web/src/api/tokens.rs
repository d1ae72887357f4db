//! `/api/v1/tokens`: the caller's own API tokens. The secret is returned once, at creation;
//! only its hash is stored.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hearth_core::auth::tokens;
use hearth_core::entity::api_token;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::created;
use super::json::{ApiJson, Id, ReadErrors, WriteErrors};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create)).routes(routes!(revoke))
}

#[derive(Serialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to recognise it; never the secret.
    #[schema(example = "hth_3f9a1c0b")]
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for Token {
    fn from(t: api_token::Model) -> Self {
        Token {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just created, with its secret: shown this once, never again.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for, e.g. "district import script".
    #[schema(required = true, value_type = String, max_length = 100)]
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    /// Newest first, revoked ones included.
    pub items: Vec<Token>,
}

fn own_id(ctx: &Ctx) -> Result<i64, WebError> {
    ctx.actor()?.user_id.ok_or(WebError::Forbidden)
}

/// The caller's tokens (never their secrets).
#[utoipa::path(
    get, path = "/api/v1/tokens", tag = "tokens", operation_id = "list_tokens",
    responses((status = 200, body = TokenList), ReadErrors),
)]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Json<TokenList>, WebError> {
    let uid = own_id(&ctx)?;
    let items = tokens::list(&state.store, ctx.actor()?, uid).await?;
    Ok(Json(TokenList { items: items.into_iter().map(Token::from).collect() }))
}

/// Creates a token for the caller; the answer carries the secret, once.
#[utoipa::path(
    post, path = "/api/v1/tokens", tag = "tokens", operation_id = "create_token", request_body = NewToken,
    responses((status = 201, body = CreatedToken, headers(("Location" = String))), WriteErrors),
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<Response, WebError> {
    let uid = own_id(&ctx)?;
    let name = body.name.unwrap_or_default();
    let (t, secret) = tokens::create(&state.store, ctx.actor()?, uid, &name).await?;
    let location = format!("/api/v1/tokens/{}", t.id);
    Ok(created(&location, CreatedToken { token: t.into(), secret }))
}

/// Revokes a token (the caller's own; admins may revoke anyone's).
#[utoipa::path(
    delete, path = "/api/v1/tokens/{id}", tag = "tokens", operation_id = "revoke_token",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), WriteErrors),
)]
pub async fn revoke(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response, WebError> {
    tokens::revoke(&state.store, ctx.actor()?, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
