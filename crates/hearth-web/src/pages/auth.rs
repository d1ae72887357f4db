//! Login, logout, first-run and reset setup links, language switching, and the home page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::audit;
use hearth_core::auth::{devices, sessions, setup, users};
use hearth_core::record::EntityKind;
use hearth_core::{CoreError, Permission};

use super::form::FormState;
use super::{render, render_status, safe_next};
use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE};
use crate::error::WebError;
use crate::i18n::Lang;
use crate::practice::{Pages, WebPractice};

/// Signing in and out, first-run setup and password links, the language switch.
pub const AREA: WebPractice =
    WebPractice { key: "auth", pages, api: None, api_tags: &[], nav: &[], badges: None, links: &[] };

fn pages() -> Pages {
    Pages::new()
        .get("/", home)
        .get("/login", login_page)
        .post("/login", login_submit)
        .post("/logout", logout)
        .get("/setup/{token}", setup_page)
        .post("/setup/{token}", setup_submit)
        .post("/lang", switch_language)
}

async fn home(ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor()?;
    let to = if ctx.can(Permission::ViewPeople) { "/households" } else { "/account" };
    Ok(Redirect::to(to).into_response())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    form: FormState,
    message: Option<String>,
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, WebError> {
    if ctx.authed.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let mut form = FormState::new(ctx.lang);
    form.set("next", safe_next(q.next.as_deref()));
    render(&LoginPage { ctx, form, message: None })
}

/// Starts a fresh session for `user_id` and answers with a redirect carrying its cookie.
async fn start_session(state: &AppState, ctx: &Ctx, user_id: i64, to: &str) -> Result<Response, WebError> {
    if let Some(old) = ctx.authed.as_ref().and_then(|a| a.session_token.as_deref()) {
        sessions::end(&state.store, old).await?;
    }
    let s = sessions::create(&state.store, user_id).await?;
    let mut res = Redirect::to(to).into_response();
    let cookie = ctx.cookie(SESSION_COOKIE, &s.token, None);
    res.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.to_string()))?);
    Ok(res)
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let username = form.value("username").to_owned();
    let password = form.value("password").to_owned();
    form.set("password", "");
    let device = crate::csrf::cookie(&headers, devices::COOKIE);
    match users::login(&state.store, &username, &password, &ctx.client, device.as_deref()).await {
        Ok(done) => {
            let to = safe_next(Some(form.value("next")));
            let mut res = start_session(&state, &ctx, done.user.id, &to).await?;
            if let Some(token) = done.new_device
                && let Ok(v) =
                    HeaderValue::from_str(&ctx.cookie(devices::COOKIE, &token, Some(devices::KEEP_FOR.num_seconds())))
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(users::LoginError::InvalidCredentials) => {
            let message = Some(ctx.t("login-failed"));
            render_status(StatusCode::UNAUTHORIZED, &LoginPage { ctx, form, message })
        }
        Err(users::LoginError::RateLimited { retry_after_secs }) => {
            let message = Some(ctx.t1("login-rate-limited", "seconds", retry_after_secs));
            let mut res = render_status(StatusCode::TOO_MANY_REQUESTS, &LoginPage { ctx, form, message })?;
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(users::LoginError::Other(e)) => Err(e.into()),
    }
}

async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if let Some(authed) = ctx.authed.as_ref()
        && let Some(token) = authed.session_token.as_deref()
    {
        sessions::end(&state.store, token).await?;
        audit::record(
            &state.store,
            &authed.actor,
            audit::Entry::new(audit::Action::Logout, EntityKind::User, Some(authed.user.id)),
        )
        .await?;
    }
    Ok(ctx.redirect_setting("/login", SESSION_COOKIE, "", Some(0)))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: Ctx,
    form: FormState,
    first_admin: bool,
    /// The page title's message key: first admin, new user, or reset.
    title_key: &'static str,
    token: String,
}

fn setup_title(purpose: &str) -> &'static str {
    match purpose {
        setup::FIRST_ADMIN => "setup-first-admin",
        setup::NEW_USER => "setup-new-user",
        _ => "setup-reset",
    }
}

async fn setup_page(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Result<Response, WebError> {
    let link = setup::find(&state.store, &token).await?;
    let form = FormState::new(ctx.lang);
    render(&SetupPage {
        ctx,
        form,
        first_admin: link.purpose == setup::FIRST_ADMIN,
        title_key: setup_title(&link.purpose),
        token,
    })
}

async fn setup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let link = setup::find(&state.store, &token).await?;
    let first_admin = link.purpose == setup::FIRST_ADMIN;
    let title_key = setup_title(&link.purpose);
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let password = form.value("new_password").to_owned();
    let confirm = form.value("confirm_password").to_owned();
    form.set("new_password", "");
    form.set("confirm_password", "");
    if password != confirm {
        form.errors.add("confirm_password", "password_mismatch");
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage { ctx, form, first_admin, title_key, token },
        );
    }
    let username = form.value("username").to_owned();
    match setup::complete(&state.store, &token, &username, &password).await {
        Ok(u) => start_session(&state, &ctx, u.id, "/").await,
        Err(CoreError::Invalid(errors)) => {
            form.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &SetupPage { ctx, form, first_admin, title_key, token })
        }
        Err(CoreError::Conflict { field, code }) => {
            form.errors.add(&field, code);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &SetupPage { ctx, form, first_admin, title_key, token })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Remembers the choice in a cookie, and for a logged-in user in their settings.
async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LangForm>,
) -> Result<Response, WebError> {
    let lang = Lang::parse(&f.lang).ok_or_else(|| {
        WebError::Invalid({
            let mut e = hearth_core::FieldErrors::new();
            e.add("lang", "invalid_choice");
            e
        })
    })?;
    if let Some(u) = ctx.user() {
        users::set_language(&state.store, u.id, lang.code()).await?;
    }
    Ok(ctx.redirect_setting(&safe_next(f.next.as_deref()), LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)))
}
