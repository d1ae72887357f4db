//! hearth's web layer: the axum router, server-rendered pages (askama + htmx) and the JSON
//! API under `/api/v1`. Each practice owns a `pages::<word>` and `api::<word>` module with
//! its own `router()`; they are merged here, in one place.

pub mod api;
pub mod context;
pub mod csrf;
pub mod error;
pub mod export;
pub mod i18n;
pub mod pages;
pub mod practice;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hearth_core::Store;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use context::Ctx;
pub use error::WebError;

#[derive(Clone, Debug, Default)]
pub struct AppConfig {
    /// Mark cookies `Secure` (set when serving over TLS or behind a TLS proxy).
    pub secure_cookies: bool,
    /// How many proxies of ours stand in front (0: none, the peer is the client). The client
    /// address is then the entry the outermost one added to `X-Forwarded-For`.
    pub trusted_proxies: u8,
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<AppConfig>,
}

impl AppState {
    pub fn new(store: Store, config: AppConfig) -> AppState {
        AppState { store, config: Arc::new(config) }
    }
}

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // Every practice's and area's pages and API, from their registrations.
    practice::pages_router()
        .merge(api::router())
        .route("/healthz", get(healthz))
        .route("/assets/{file}", get(asset))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), context::middleware))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        // Every span of a request (and of the core functions it calls, each instrumented)
        // carries the request id an error page shows, so a report can be traced in the log.
        // Paths hold ids, never names; queries (which may hold a searched name) are left out.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::from_fn(safe_request_id))
        .with_state(state)
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// 200 only when the database answers, so a load balancer drops an instance that lost it.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// Assets are compiled into the binary: one file to deploy, nothing fetched from elsewhere.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, mime): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (include_bytes!("../assets/app.css"), "text/css; charset=utf-8"),
        "htmx.min.js" => (include_bytes!("../assets/htmx.min.js"), "text/javascript; charset=utf-8"),
        "app.js" => (include_bytes!("../assets/app.js"), "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// A client's `X-Request-Id` is kept (it ties a report to the log) only when it is at most
/// 64 characters of `[A-Za-z0-9._-]`; anything else is dropped and a fresh one made, so
/// the log and the error page never carry what a client chose to inject.
async fn safe_request_id(mut req: axum::extract::Request, next: Next) -> Response {
    let ok = |v: &HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= 64 && b.iter().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
    };
    if req.headers().get_all("x-request-id").iter().count() > 1
        || req.headers().get("x-request-id").is_some_and(|v| !ok(v))
    {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

/// Security headers on every response; `no-store` on everything but static assets, since
/// almost every page and API answer carries personal data.
async fn security_headers(State(state): State<AppState>, req: axum::extract::Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !path.starts_with("/assets/") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Swagger UI sets inline styles from its script; nothing else is loosened for it.
    let csp = if path.starts_with(api::DOCS_PATH) {
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    } else {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    };
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    if state.config.secure_cookies {
        // Served over TLS (or behind a TLS proxy): browsers keep to https for a year.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}
