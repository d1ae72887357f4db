//! The account page: who you are, your language, your password, your API tokens.
//!
//! Every user may use it, whatever their role. A new token's secret is shown once, on the
//! page that answers the form that created it; only its hash is kept.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use hearth_core::auth::{tokens, users};
use hearth_core::registry::communities;
use hearth_core::{CoreError, Scope};

use super::form::FormState;
use super::render_status;
use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::practice::{Pages, WebPractice};

/// The signed-in user's own page: password, language, API tokens (and the tokens API).
pub const AREA: WebPractice = WebPractice {
    key: "account",
    pages,
    api: Some(crate::api::tokens::routes),
    api_tags: &[("tokens", "Your API tokens")],
    nav: &[],
    badges: None,
    links: &[],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/account", show)
        .post("/account/language", set_language)
        .post("/account/password", change_password)
        .post("/account/tokens", create_token)
        .post("/account/tokens/{id}/revoke", revoke_token)
}

/// A token as the page lists it.
struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage {
    ctx: Ctx,
    display_name: String,
    username: String,
    role: String,
    /// `None` for admins, who see every community.
    communities: Option<Vec<String>>,
    languages: Vec<(&'static str, &'static str)>,
    language_form: FormState,
    password_form: FormState,
    token_form: FormState,
    tokens: Vec<TokenRow>,
    /// The secret of a token just created: shown this once.
    new_secret: Option<String>,
    notice: Option<String>,
}

/// Which form, if any, comes back with the submitted values and errors.
enum Submitted {
    None,
    Language(FormState),
    Password(FormState),
    Token(FormState),
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    submitted: Submitted,
    new_secret: Option<String>,
    notice: Option<String>,
) -> Result<AccountPage, WebError> {
    let actor = ctx.actor()?.clone();
    let user = ctx.user().cloned().ok_or(WebError::Unauthenticated)?;
    let communities = match actor.scope {
        Scope::All => None,
        Scope::Communities(_) => {
            Some(communities::list(&state.store, &actor).await?.into_iter().map(|c| c.name).collect())
        }
    };
    let rows = tokens::list(&state.store, &actor, user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created: stamp(t.created_at),
            last_used: t.last_used_at.map(stamp),
            revoked: t.revoked_at.map(stamp),
        })
        .collect();
    let mut language_form = FormState::new(ctx.lang);
    language_form.set("language", ctx.lang.code());
    let mut password_form = FormState::new(ctx.lang);
    let mut token_form = FormState::new(ctx.lang);
    match submitted {
        Submitted::None => {}
        Submitted::Language(f) => language_form = f,
        Submitted::Password(f) => password_form = f,
        Submitted::Token(f) => token_form = f,
    }
    let role = ctx.t(&format!("account-role-{}", actor.role.as_str()));
    Ok(AccountPage {
        display_name: user.display_name,
        username: user.username,
        role,
        communities,
        languages: Lang::ALL
            .iter()
            .map(|l| {
                let label = match l {
                    Lang::En => "English",
                    Lang::ZhCn => "简体中文",
                };
                (l.code(), label)
            })
            .collect(),
        language_form,
        password_form,
        token_form,
        tokens: rows,
        new_secret,
        notice,
        ctx,
    })
}

#[derive(serde::Deserialize)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ShowQuery>) -> Result<Response, WebError> {
    ctx.actor()?;
    let notice = match q.done.as_deref() {
        Some("language") => Some(ctx.t("account-language-saved")),
        Some("revoked") => Some(ctx.t("account-token-revoked")),
        _ => None,
    };
    let p = page(&state, ctx, Submitted::None, None, notice).await?;
    render_status(StatusCode::OK, &p)
}

/// Shows the page again with a form's errors (422).
async fn invalid(state: &AppState, ctx: Ctx, submitted: Submitted) -> Result<Response, WebError> {
    let p = page(state, ctx, submitted, None, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

async fn set_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    ctx.actor()?;
    let user_id = ctx.user().map(|u| u.id).ok_or(WebError::Unauthenticated)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let lang = form.value("language").trim().to_owned();
    match users::set_language(&state.store, user_id, &lang).await {
        Ok(()) => Ok(ctx.redirect_setting("/account?done=language", LANG_COOKIE, &lang, Some(365 * 24 * 3600))),
        Err(CoreError::Invalid(errors)) => {
            form.errors = errors;
            invalid(&state, ctx, Submitted::Language(form)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?.clone();
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let current = form.value("current_password").to_owned();
    let new = form.value("new_password").to_owned();
    let confirm = form.value("confirm_password").to_owned();
    // Passwords are never sent back to the browser.
    for f in ["current_password", "new_password", "confirm_password"] {
        form.set(f, "");
    }
    if current.is_empty() {
        form.errors.add("current_password", "required");
    }
    if new.is_empty() {
        form.errors.add("new_password", "required");
    } else if new != confirm {
        form.errors.add("confirm_password", "password_mismatch");
    }
    if form.has_errors() {
        return invalid(&state, ctx, Submitted::Password(form)).await;
    }
    match users::change_own_password(&state.store, &actor, &current, &new).await {
        Ok(()) => {
            // Every session of this user has ended, this one included.
            Ok(ctx.redirect_setting("/login", SESSION_COOKIE, "", Some(0)))
        }
        Err(CoreError::Invalid(errors)) => {
            form.errors = errors;
            invalid(&state, ctx, Submitted::Password(form)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?.clone();
    let user_id = ctx.user().map(|u| u.id).ok_or(WebError::Unauthenticated)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let name = form.value("name").to_owned();
    match tokens::create(&state.store, &actor, user_id, &name).await {
        Ok((_, secret)) => {
            let notice = Some(ctx.t("account-token-created"));
            let p = page(&state, ctx, Submitted::None, Some(secret), notice).await?;
            render_status(StatusCode::OK, &p)
        }
        Err(CoreError::Invalid(errors)) => {
            form.errors = errors;
            invalid(&state, ctx, Submitted::Token(form)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Revoking cannot be undone, so it is asked once more, naming the token.
async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = id.parse::<i64>().map_err(|_| WebError::NotFound)?;
    if !super::form::confirmed(&pairs) {
        let t = tokens::get(&state.store, actor, id).await?;
        let step = super::form::ConfirmStep {
            title: ctx.t1("account-token-revoke-title", "name", t.name.as_str()),
            what_happens: vec![ctx.t("account-token-revoke-effect")],
            action: format!("/account/tokens/{id}/revoke"),
            pairs: Vec::new(),
            confirm_label: ctx.t("account-token-revoke"),
            cancel_href: "/account".into(),
        };
        return super::form::confirm_page(ctx, step);
    }
    tokens::revoke(&state.store, actor, id).await?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}
