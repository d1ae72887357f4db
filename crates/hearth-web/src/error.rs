//! The web layer's one error type and its rendering: an HTML page (in the user's language,
//! with the request id) for pages, and `{"error": {"code", "message", "fields"}}` for the API.
//!
//! Handlers return `WebError`; its `IntoResponse` only tags the response, and the context
//! middleware renders it, because only the middleware knows the language and request id.

use askama::Template;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::{CoreError, FieldError, FieldErrors};

use crate::context::Ctx;
use crate::i18n::Lang;

#[derive(Clone, Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("bad token")]
    BadToken,
    #[error("csrf")]
    CsrfRejected,
    #[error("too large")]
    TooLarge,
    #[error("invalid")]
    Invalid(FieldErrors),
    #[error("conflict")]
    Conflict { field: String, code: &'static str },
    #[error("rate limited")]
    RateLimited { retry_after_secs: i64 },
    /// `If-Match` named a version that is no longer current: someone changed the record.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A malformed request (e.g. JSON that does not parse); `field` when known.
    #[error("bad request")]
    BadRequest { field: Option<String> },
    #[error("internal: {0}")]
    Internal(String),
    /// A form posted after its session ended (or from an older one): nothing was done, and
    /// what was typed is held for sending again once the worker is signed in.
    #[error("resubmit")]
    Resubmit(Box<Held>),
}

/// A page form's submission kept across signing in again: where it went and what it said
/// (without its CSRF token).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Held {
    pub action: String,
    pub pairs: Vec<(String, String)>,
}

impl From<CoreError> for WebError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound => WebError::NotFound,
            CoreError::Forbidden => WebError::Forbidden,
            CoreError::Unauthenticated => WebError::Unauthenticated,
            CoreError::Invalid(f) => WebError::Invalid(f),
            CoreError::Conflict { field, code } => WebError::Conflict { field, code },
            CoreError::RateLimited { retry_after_secs } => WebError::RateLimited { retry_after_secs },
            CoreError::Db(err) => {
                tracing::error!(error = %err, "database error");
                WebError::Internal("database".into())
            }
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                WebError::Internal(msg)
            }
        }
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::CsrfRejected => StatusCode::FORBIDDEN,
            WebError::Unauthenticated | WebError::BadToken | WebError::Resubmit(_) => StatusCode::UNAUTHORIZED,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            WebError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable snake_case code: the API's `error.code` and the key of its message.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotFound => "not_found",
            WebError::Forbidden => "forbidden",
            WebError::Unauthenticated => "unauthenticated",
            WebError::BadToken => "bad_token",
            WebError::CsrfRejected => "csrf_rejected",
            WebError::TooLarge => "too_large",
            WebError::Invalid(_) => "invalid_input",
            WebError::Conflict { .. } => "conflict",
            WebError::RateLimited { .. } => "rate_limited",
            WebError::PreconditionFailed => "precondition_failed",
            WebError::BadRequest { .. } => "bad_request",
            WebError::Internal(_) => "internal",
            WebError::Resubmit(_) => "session_expired",
        }
    }

    /// Field errors, including the conflict and bad-request cases, by field name.
    pub fn fields(&self) -> FieldErrors {
        match self {
            WebError::Invalid(f) => f.clone(),
            WebError::Conflict { field, code } => {
                let mut f = FieldErrors::new();
                f.add(field, code);
                f
            }
            WebError::BadRequest { field: Some(field) } => {
                let mut f = FieldErrors::new();
                f.add(field, "wrong_type");
                f
            }
            _ => FieldErrors::new(),
        }
    }
}

/// Marks a response as "render this error here".
#[derive(Clone, Debug)]
pub struct ErrorMarker(pub WebError);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(ErrorMarker(self));
        res
    }
}

/// A field error as a sentence in `lang`.
pub fn field_message(lang: Lang, e: &FieldError) -> String {
    let key = format!("err-{}", e.code.replace('_', "-"));
    match e.arg {
        Some(n) => lang.t_args(&key, &[("max", n.into())]),
        None => lang.t(&key),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    title: String,
    message: String,
    details: Vec<String>,
}

#[derive(Template)]
#[template(path = "error_partial.html")]
struct ErrorPartial<'a> {
    ctx: &'a Ctx,
    title: String,
    message: String,
    details: Vec<String>,
}

/// Where the message area of every page is (base.html), for htmx errors.
const HTMX_ERROR_TARGET: &str = "#htmx-error";

pub fn render(ctx: &Ctx, e: WebError) -> Response {
    let api = ctx.path.starts_with("/api/");
    if matches!(e, WebError::Unauthenticated) && !api {
        // Back to the page the worker was on: for htmx, the page, not the fragment's URL.
        let here = if ctx.htmx { ctx.page_url.as_deref() } else { None };
        let next = here.unwrap_or(if crate::pages::is_safe_next(&ctx.path) { ctx.path.as_str() } else { "/" });
        let login = format!("/login?next={}", urlencode(next));
        if ctx.htmx {
            // A redirect would be followed inside the XHR and the login page swapped into
            // the fragment; HX-Redirect makes the whole page go to the login page.
            let mut res = StatusCode::UNAUTHORIZED.into_response();
            if let Ok(v) = HeaderValue::from_str(&login) {
                res.headers_mut().insert("hx-redirect", v);
            }
            return res;
        }
        return Redirect::to(&login).into_response();
    }
    if let WebError::Resubmit(held) = &e
        && !api
    {
        return crate::pages::auth::held_page(ctx, held);
    }
    let lang = ctx.lang;
    let message = lang.t(&format!("error-{}", e.code().replace('_', "-")));
    let fields = e.fields();
    let mut res = if api {
        let field_map: serde_json::Map<String, serde_json::Value> =
            fields.0.iter().map(|f| (f.field.clone(), serde_json::Value::String(field_message(lang, f)))).collect();
        let field_codes: serde_json::Map<String, serde_json::Value> =
            fields.0.iter().map(|f| (f.field.clone(), serde_json::Value::String(f.code.to_owned()))).collect();
        let body = serde_json::json!({
            "error": {
                "code": e.code(),
                "message": message,
                "fields": field_map,
                "field_codes": field_codes,
                "request_id": ctx.request_id,
            }
        });
        (e.status(), Json(body)).into_response()
    } else if ctx.htmx {
        let partial = ErrorPartial {
            ctx,
            title: lang.t(&format!("error-title-{}", e.status().as_u16())),
            message,
            details: fields.0.iter().map(|f| field_message(lang, f)).collect(),
        };
        let mut res = match partial.render() {
            Ok(html) => (e.status(), [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
            Err(_) => (e.status(), e.code()).into_response(),
        };
        res.headers_mut().insert("hx-retarget", HeaderValue::from_static(HTMX_ERROR_TARGET));
        res.headers_mut().insert("hx-reswap", HeaderValue::from_static("innerHTML"));
        res
    } else {
        let page = ErrorPage {
            ctx,
            title: lang.t(&format!("error-title-{}", e.status().as_u16())),
            message,
            details: fields.0.iter().map(|f| field_message(lang, f)).collect(),
        };
        match page.render() {
            Ok(html) => (e.status(), [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
            Err(_) => (e.status(), e.code()).into_response(),
        }
    };
    if let WebError::RateLimited { retry_after_secs } = e
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
