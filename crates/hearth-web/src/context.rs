//! The per-request context: who is asking (session cookie or bearer token), in which
//! language, and the CSRF token for forms. One middleware builds it, so no handler can
//! forget authentication or CSRF; handlers take `Ctx` and ask it for the actor.

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hearth_core::Actor;
use hearth_core::auth::{random_token, sessions, tokens};
use hearth_core::entity::user;

use crate::AppState;
use crate::csrf;
use crate::error::WebError;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "hearth_session";
pub const LANG_COOKIE: &str = "hearth_lang";
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Authed {
    pub actor: Actor,
    pub user: user::Model,
    /// The session cookie's token (absent for bearer-token requests).
    pub session_token: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub authed: Option<Authed>,
    /// The token forms must echo back.
    pub csrf: String,
    pub request_id: String,
    pub path: String,
    pub client: String,
    pub secure_cookies: bool,
    /// An htmx request (errors are retargeted, an expired session redirects the page).
    pub htmx: bool,
    /// For htmx requests: the path (and query) of the page the user is on.
    pub page_url: Option<String>,
    /// The navigation entries this user may follow, from every practice's registration,
    /// with their badge counts (pages only; empty for the API).
    pub nav: Vec<NavItem>,
    /// Reached right after a successful save (`?saved=1`).
    pub saved: bool,
    /// For a signed-in page: how often (seconds) a page with unsaved input pings the
    /// session to keep it alive; 0 for none.
    pub keepalive_secs: i64,
}

/// One navigation entry, translated, with its count when it has a badge.
#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    /// `data-<badge>-count` on the link (tests and scripts read it).
    pub badge: Option<&'static str>,
    pub count: Option<u64>,
    pub alert: bool,
    /// The page being shown is this entry's.
    pub current: bool,
}

impl Ctx {
    pub fn actor(&self) -> Result<&Actor, WebError> {
        self.authed.as_ref().map(|a| &a.actor).ok_or(WebError::Unauthenticated)
    }
    pub fn user(&self) -> Option<&user::Model> {
        self.authed.as_ref().map(|a| &a.user)
    }
    /// Translate for templates.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
    pub fn t1(&self, key: &str, name: &'static str, value: impl Into<crate::i18n::FluentArg>) -> String {
        self.lang.t_args(key, &[(name, value.into())])
    }
    /// A moment as the worker reads it: the server's local time (a deployment runs where its
    /// communities are), to the minute.
    pub fn local_time(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string()
    }
    /// The page was reached right after a successful save (`?saved=1`): it says so.
    pub fn saved(&self) -> bool {
        self.saved
    }
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }
    pub fn is_admin(&self) -> bool {
        self.authed.as_ref().is_some_and(|a| a.actor.role == hearth_core::Role::Admin)
    }
    pub fn can(&self, p: hearth_core::Permission) -> bool {
        self.authed.as_ref().is_some_and(|a| hearth_core::policy::allows(a.actor.role, p))
    }
    /// A redirect to `to` that also sets (or, with `max_age` 0, clears) one of our cookies.
    pub fn redirect_setting(&self, to: &str, name: &str, value: &str, max_age: Option<i64>) -> Response {
        let mut res = axum::response::Redirect::to(to).into_response();
        if let Ok(v) = HeaderValue::from_str(&self.cookie(name, value, max_age)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        res
    }

    /// `Set-Cookie` value for a cookie of ours, honouring `--secure-cookies`.
    pub fn cookie(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure_cookies {
            c.push_str("; Secure");
        }
        c
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(WebError::Internal("request context missing".into()))
    }
}

/// The path and query of an absolute URL of ours (`HX-Current-URL`), for a redirect back.
fn local_part(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let path = &rest[rest.find('/')?..];
    crate::pages::is_safe_next(path).then(|| path.to_owned())
}

fn bearer(req: &Request) -> Option<String> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// The scheme the browser used: what our outermost proxy says (`X-Forwarded-Proto`), else
/// https when cookies are marked Secure (TLS in front), else http.
fn request_scheme(headers: &axum::http::HeaderMap, config: &crate::AppConfig) -> String {
    if config.trusted_proxies > 0
        && let Some(proto) = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| p == "http" || p == "https")
    {
        return proto;
    }
    if config.secure_cookies { "https".into() } else { "http".into() }
}

/// The client's address. Behind `trusted_proxies` proxies of ours, it is the entry the
/// outermost of them added to `X-Forwarded-For`: the `trusted_proxies`-th from the right.
/// Entries to the left of it were written by the client and prove nothing (rotating them
/// would otherwise defeat the per-address login limit). A header with fewer entries than
/// proxies, or an entry that is not an address, falls back to the connection's peer.
fn client_addr(req: &Request, trusted_proxies: u8) -> String {
    if trusted_proxies > 0
        && let Some(xff) = req.headers().get_all("x-forwarded-for").iter().next_back().and_then(|v| v.to_str().ok())
    {
        let entries: Vec<&str> = xff.split(',').map(str::trim).collect();
        if let Some(i) = entries.len().checked_sub(usize::from(trusted_proxies))
            && let Ok(ip) = entries[i].parse::<std::net::IpAddr>()
        {
            return ip.to_string();
        }
    }
    let ext = req.extensions();
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0)
        // Router tests stand in for the socket with MockConnectInfo.
        .or_else(|| ext.get::<axum::extract::connect_info::MockConnectInfo<SocketAddr>>().map(|m| m.0))
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match build(&state, req).await {
        Ok((req, set_csrf_cookie)) => {
            let ctx = req.extensions().get::<Ctx>().cloned();
            let mut res = next.run(req).await;
            if let (Some(ctx), Some(marker)) = (&ctx, res.extensions_mut().remove::<crate::error::ErrorMarker>()) {
                res = crate::error::render(ctx, marker.0);
            }
            if let (Some(ctx), Some(token)) = (ctx, set_csrf_cookie)
                && let Ok(v) = HeaderValue::from_str(&ctx.cookie(csrf::PRE_SESSION_COOKIE, &token, None))
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(resp) => resp,
    }
}

/// The entries of every practice's navigation the actor may follow, with badge counts. A
/// badge that cannot be counted shows its plain label rather than failing the page.
async fn navigation(state: &AppState, ctx: &Ctx, uri: &axum::http::Uri) -> Vec<NavItem> {
    let Some(actor) = ctx.authed.as_ref().map(|a| &a.actor) else {
        return Vec::new();
    };
    let here = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path());
    let mut out = Vec::new();
    for p in crate::practice::all() {
        let shown: Vec<&crate::practice::NavEntry> =
            p.nav.iter().filter(|e| hearth_core::policy::allows(actor.role, e.permission)).collect();
        if shown.is_empty() {
            continue;
        }
        let counts = match p.badges {
            Some(f) if shown.iter().any(|e| e.badge.is_some()) => f(&state.store, actor).await.unwrap_or_default(),
            _ => Vec::new(),
        };
        for e in shown {
            let count = e.badge.and_then(|b| counts.iter().find(|(name, _)| *name == b).map(|(_, n)| *n));
            let label = match count {
                Some(n) => ctx.lang.t_args(e.label, &[("count", n.into())]),
                None => ctx.lang.t(e.plain_label),
            };
            out.push(NavItem {
                href: e.href,
                label,
                badge: e.badge.filter(|_| count.is_some()),
                count,
                alert: e.alert && count.is_some_and(|n| n > 0),
                current: here == e.href,
            });
        }
    }
    out
}

/// Page forms whose submission can be held and sent again after signing in: not the API's,
/// and not sign-in's own (login, first-run setup, the language switch, logout).
fn resubmittable(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path == "/login"
        || path == "/logout"
        || path == "/lang"
        || path.starts_with("/setup/"))
}

/// The submission to hold: its target and fields, without the stale CSRF token.
fn held(path: &str, query: Option<&str>, body: &[u8]) -> crate::error::Held {
    let action = match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    };
    let pairs = form_urlencoded::parse(body)
        .filter(|(k, _)| k != "csrf_token")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    crate::error::Held { action, pairs }
}

/// Builds the context; returns the request (body restored) and a fresh pre-session CSRF
/// token to set as a cookie, if one had to be made.
async fn build(state: &AppState, req: Request) -> Result<(Request, Option<String>), Response> {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| random_token()[..16].to_owned());
    let path = req.uri().path().to_owned();
    let client = client_addr(&req, state.config.trusted_proxies);
    let headers = req.headers().clone();
    let accept_lang =
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language);
    let cookie_lang = csrf::cookie(&headers, LANG_COOKIE).and_then(|v| Lang::parse(&v));
    let mut ctx = Ctx {
        lang: cookie_lang.or(accept_lang).unwrap_or(Lang::En),
        authed: None,
        csrf: String::new(),
        request_id,
        path,
        client,
        secure_cookies: state.config.secure_cookies,
        htmx: headers.get("hx-request").is_some(),
        page_url: headers.get("hx-current-url").and_then(|v| v.to_str().ok()).and_then(local_part),
        nav: Vec::new(),
        saved: req.uri().query().is_some_and(|q| q.split('&').any(|p| p == "saved=1")),
        keepalive_secs: 0,
    };
    let fail = |ctx: &Ctx, e: WebError| crate::error::render(ctx, e);

    let bearer_token = bearer(&req);
    // A session cookie that no longer finds a session (expired, ended elsewhere).
    let mut stale_session = false;
    if let Some(secret) = &bearer_token {
        match tokens::authenticate(&state.store, secret).await {
            Ok(p) => {
                ctx.authed = Some(Authed { actor: p.actor, user: p.user, session_token: None });
            }
            Err(_) => return Err(fail(&ctx, WebError::BadToken)),
        }
    } else if let Some(token) = csrf::cookie(&headers, SESSION_COOKIE) {
        stale_session = true;
        match sessions::find(&state.store, &token).await {
            Ok(Some(p)) => {
                ctx.csrf = p.session.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default();
                ctx.authed = Some(Authed { actor: p.actor, user: p.user, session_token: Some(token) });
                stale_session = false;
            }
            Ok(None) => {}
            Err(e) => return Err(fail(&ctx, e.into())),
        }
    }
    if let Some(lang) = ctx.user().and_then(|u| u.language.as_deref()).and_then(Lang::parse) {
        ctx.lang = lang;
    }
    // The navigation, for pages (not the API or assets) seen in a browser session: a few
    // indexed COUNTs for the badges. Built for every page method, so a rejected form that
    // is shown again keeps its counts.
    if ctx.authed.as_ref().is_some_and(|a| a.session_token.is_some())
        && !ctx.path.starts_with("/api")
        && !ctx.path.starts_with("/assets")
    {
        ctx.nav = navigation(state, &ctx, req.uri()).await;
        ctx.keepalive_secs = (state.store.session_idle().num_seconds() / 3).max(3);
    }

    let mut new_pre_session = None;
    if ctx.csrf.is_empty() {
        match csrf::cookie(&headers, csrf::PRE_SESSION_COOKIE).filter(|v| v.len() == 64) {
            Some(v) => ctx.csrf = v,
            None => {
                let t = random_token();
                ctx.csrf = t.clone();
                new_pre_session = Some(t);
            }
        }
    }

    let mut req = req;
    // CSRF guards an ambient credential: the session cookie. An API call that carries none
    // (no token, no session cookie) has nothing to forge and is answered 401 by its handler;
    // pages keep the pre-session token (login forms can be forged too).
    let api_without_cookie = ctx.path.starts_with("/api/") && csrf::cookie(&headers, SESSION_COOKIE).is_none();
    if csrf::is_state_changing(req.method()) && bearer_token.is_none() && !api_without_cookie {
        let scheme = request_scheme(&headers, &state.config);
        if !csrf::origin_ok(&headers, &scheme) {
            return Err(fail(&ctx, WebError::CsrfRejected));
        }
        let mut submitted = headers.get(csrf::HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let mut form_body = None;
        if submitted.is_none() && is_form {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| fail(&ctx, WebError::TooLarge))?;
            submitted = csrf::token_from_form(&bytes);
            form_body = Some(bytes.clone());
            req = Request::from_parts(parts, Body::from(bytes));
        }
        // A file upload's token is a field of its multipart body, which only its handler
        // reads (as it streams, within its own size limit): the handler checks it with
        // `csrf::multipart_token_ok` before doing anything. The origin check above holds.
        let is_multipart = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        // A pre-session token only counts if it came from the cookie, not one we just made.
        let expected = if new_pre_session.is_some() { None } else { Some(ctx.csrf.as_str()) };
        let left_to_handler = is_multipart && submitted.is_none();
        if !left_to_handler && !csrf::token_ok(expected, submitted.as_deref()) {
            // A page's form from our own site (it carries a token) whose session has since
            // ended, or from an older session of this browser: nothing is done, and what was typed is held, to be
            // sent again once the worker has signed in, rather than lost behind a cross-site
            // warning. Sign-in's own forms just go back to sign-in.
            // Only a form of ours carries a token at all: one without is refused outright.
            let held = form_body
                .as_deref()
                .filter(|_| submitted.is_some() && resubmittable(&ctx.path))
                .map(|b| held(&ctx.path, req.uri().query(), b));
            let e = match held {
                Some(h) => WebError::Resubmit(Box::new(h)),
                None if stale_session => WebError::Unauthenticated,
                None => WebError::CsrfRejected,
            };
            return Err(fail(&ctx, e));
        }
    }
    req.extensions_mut().insert(ctx);
    Ok((req, new_pre_session))
}
