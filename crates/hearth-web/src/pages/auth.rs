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
use crate::error::{Held, WebError};
use crate::i18n::Lang;
use crate::practice::{Pages, WebPractice};

/// Signing in and out, first-run setup and password links, the language switch.
pub const AREA: WebPractice = WebPractice {
    key: "auth",
    pages,
    api: None,
    api_tags: &[],
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
        .get("/", home)
        .get("/login", login_page)
        .post("/login", login_submit)
        .post("/logout", logout)
        .get("/setup/{token}", setup_page)
        .post("/setup/{token}", setup_submit)
        .post("/lang", switch_language)
        .get("/session/alive", keep_alive)
}

/// Pinged by pages that hold unsaved input, so typing a long note does not outlast the
/// session (the 12-hour absolute limit still holds): 204 while signed in (the session is
/// touched like any request), 401 once it has ended, never a redirect.
async fn keep_alive(ctx: Ctx) -> StatusCode {
    if ctx.authed.as_ref().is_some_and(|a| a.session_token.is_some()) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

/// The first page after signing in: the worker's day, from every practice's sections.
#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    ctx: Ctx,
    date: String,
    sections: Vec<crate::practice::TodaySection>,
    /// The community dashboard (people who read reports; not volunteers, whose day is their
    /// own pairs).
    dashboard: Option<super::dashboard::DashboardView>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    if !ctx.can(Permission::ViewPeople) {
        // Aggregates only (viewers): the dashboard is their page.
        let to = if ctx.can(Permission::ViewReports) { "/dashboard" } else { "/account" };
        return Ok(Redirect::to(to).into_response());
    }
    let sections = crate::practice::today(&state, &ctx).await?;
    let today = chrono::Local::now().date_naive();
    let dashboard = if ctx.can(Permission::ViewReports) && !actor.is_volunteer() {
        let q = hearth_core::reports::dashboard::DashboardQuery::default();
        let d = hearth_core::reports::dashboard::build(&state.store, actor, &q, today).await?;
        let mut view = super::dashboard::view(&state, &ctx, d, false, "", false).await?;
        // The district table lives on the dashboard page; Today stays short on a phone.
        view.table = None;
        // The goals practice has its own section on Today.
        view.goals.clear();
        Some(view)
    } else {
        None
    };
    render(&TodayPage { ctx, date: today.to_string(), sections, dashboard })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    form: FormState,
    message: Option<String>,
    /// A form submission held across signing in (`Held` as JSON), or empty.
    held: String,
}

/// A held submission, ready to send again: automatically right after signing in (the
/// worker had pressed Save), or with a button when an older page's form met a newer session.
#[derive(Template)]
#[template(path = "resubmit.html")]
struct ResubmitPage {
    ctx: Ctx,
    action: String,
    pairs: Vec<(String, String)>,
    /// The CSRF token of the session the form will be sent in.
    csrf: String,
    auto: bool,
}

/// What a form posted after its session ended (or from an older session) is answered with:
/// the sign-in page holding the submission, or, when signed in again already, the
/// submission with a button to send it.
pub fn held_page(ctx: &Ctx, held: &Held) -> Response {
    let page = if ctx.authed.is_some() {
        let page = ResubmitPage {
            ctx: ctx.clone(),
            action: held.action.clone(),
            pairs: held.pairs.clone(),
            csrf: ctx.csrf.clone(),
            auto: false,
        };
        render_status(StatusCode::OK, &page)
    } else {
        let mut form = FormState::new(ctx.lang);
        form.set("next", "/");
        let held = serde_json::to_string(held).unwrap_or_default();
        let page = LoginPage { ctx: ctx.clone(), form, message: Some(ctx.t("login-held")), held };
        render_status(StatusCode::UNAUTHORIZED, &page)
    };
    page.unwrap_or_else(|e| e.into_response())
}

/// The held submission a sign-in form carries, if it is one to send again here.
fn held_from(form: &FormState) -> Option<Held> {
    let held: Held = serde_json::from_str(form.value("held")).ok()?;
    (crate::pages::is_safe_next(&held.action) && !held.action.starts_with("/login")).then_some(held)
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
    render(&LoginPage { ctx, form, message: None, held: String::new() })
}

/// Starts a fresh session for `user_id`: the session and its cookie.
async fn open_session(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
) -> Result<(sessions::NewSession, HeaderValue), WebError> {
    if let Some(old) = ctx.authed.as_ref().and_then(|a| a.session_token.as_deref()) {
        sessions::end(&state.store, old).await?;
    }
    let s = sessions::create(&state.store, user_id).await?;
    let cookie = HeaderValue::from_str(&ctx.cookie(SESSION_COOKIE, &s.token, None))
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((s, cookie))
}

/// Starts a fresh session for `user_id` and answers with a redirect carrying its cookie.
async fn start_session(state: &AppState, ctx: &Ctx, user_id: i64, to: &str) -> Result<Response, WebError> {
    let (_, cookie) = open_session(state, ctx, user_id).await?;
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(header::SET_COOKIE, cookie);
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
    let held = held_from(&form).map(|h| serde_json::to_string(&h).unwrap_or_default()).unwrap_or_default();
    match users::login(&state.store, &username, &password, &ctx.client, device.as_deref()).await {
        Ok(done) => {
            let mut res = match held_from(&form) {
                // Signed in again after a form met an ended session: send it now, as the
                // worker meant to when they pressed Save.
                Some(h) => {
                    let (s, cookie) = open_session(&state, &ctx, done.user.id).await?;
                    let page = ResubmitPage {
                        ctx: ctx.clone(),
                        action: h.action,
                        pairs: h.pairs,
                        csrf: s.csrf_token,
                        auto: true,
                    };
                    let mut res = render(&page)?;
                    res.headers_mut().append(header::SET_COOKIE, cookie);
                    res
                }
                None => start_session(&state, &ctx, done.user.id, &safe_next(Some(form.value("next")))).await?,
            };
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
            render_status(StatusCode::UNAUTHORIZED, &LoginPage { ctx, form, message, held })
        }
        Err(users::LoginError::RateLimited { retry_after_secs }) => {
            let message = Some(ctx.t1("login-rate-limited", "seconds", retry_after_secs));
            let mut res = render_status(StatusCode::TOO_MANY_REQUESTS, &LoginPage { ctx, form, message, held })?;
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
