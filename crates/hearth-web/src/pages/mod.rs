//! Server-rendered pages, one module per practice.

pub mod account;
pub mod admin;
pub mod auth;
pub mod cases;
pub mod dashboard;
pub mod follow_ups;
pub mod form;
pub mod goals;
pub mod handbook;
pub mod households;
pub mod imports;
pub mod jobs;
pub mod months;
pub mod pairs;
pub mod programs;
pub mod reports;
pub mod requests;
pub mod residents;
pub mod rights;
pub mod visits;

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;

/// Renders a template, turning a template failure into a 500 page.
pub fn render<T: Template>(t: &T) -> Result<Response, WebError> {
    t.render().map(|html| Html(html).into_response()).map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// Renders with a status (e.g. 422 for a form with errors).
pub fn render_status<T: Template>(status: axum::http::StatusCode, t: &T) -> Result<Response, WebError> {
    t.render()
        .map(|html| (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

/// Is this request from htmx (render the partial, not the whole page)?
pub fn is_htmx(headers: &axum::http::HeaderMap) -> bool {
    headers.get("hx-request").is_some()
}

/// Is `n` a local path: one leading `/`, no control characters or backslashes (browsers
/// strip tabs and newlines, so `/%09/evil.example` would become `//evil.example`)?
pub fn is_safe_next(n: &str) -> bool {
    n.starts_with('/')
        && !n.starts_with("//")
        && !n.chars().any(|c| c.is_control() || c == '\\')
        && !n.to_ascii_lowercase().contains("%09")
        && !n.to_ascii_lowercase().contains("%0a")
        && !n.to_ascii_lowercase().contains("%0d")
        && !n.contains("%5c")
        && !n.contains("%5C")
}

/// Only local paths are allowed as a redirect target after login or a language switch.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_safe_next(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// A phone number as a `tel:` link dials it: the digits, with a leading `+` kept.
pub fn tel(phone: &str) -> String {
    let t = phone.trim();
    let plus = if t.starts_with('+') { "+" } else { "" };
    format!("{plus}{}", t.chars().filter(char::is_ascii_digit).collect::<String>())
}

/// `path` as an absolute URL on the host the request came to (a link in a setup message or
/// an export must work outside the browser), or `path` alone if the host is unusable.
pub fn absolute(ctx: &crate::Ctx, headers: &axum::http::HeaderMap, path: &str) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)));
    match host {
        Some(h) => {
            let scheme = if ctx.secure_cookies { "https" } else { "http" };
            format!("{scheme}://{h}{path}")
        }
        None => path.to_owned(),
    }
}
