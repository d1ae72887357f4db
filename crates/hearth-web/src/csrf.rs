//! CSRF defence for cookie-authenticated requests, in two independent layers:
//! 1. Origin: a browser's cross-site request carries an `Origin` (or `Sec-Fetch-Site`)
//!    that does not match this host; such requests are refused outright.
//! 2. Token: every state-changing request made with a cookie must carry the session's
//!    CSRF token (form field `csrf_token` or header `X-CSRF-Token`). Before login the
//!    token is a random value double-submitted in the `hearth_csrf` cookie.
//!
//! Requests authenticated by `Authorization: Bearer` carry no ambient credential, so
//! they need neither.

use axum::http::{HeaderMap, Method, header};

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
pub const PRE_SESSION_COOKIE: &str = "hearth_csrf";

pub fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `false` when the browser tells us the request came from another site.
pub fn origin_ok(headers: &HeaderMap, scheme: &str) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok()) {
        // Scheme, host and port must all be ours: a page served over plain http on the same
        // host (a captive portal, a forgotten test server) is another origin.
        return match (origin.split_once("://"), host) {
            (Some((s, origin_host)), Some(h)) => s.eq_ignore_ascii_case(scheme) && h.eq_ignore_ascii_case(origin_host),
            _ => false,
        };
    }
    match headers.get("sec-fetch-site").and_then(|h| h.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        // Neither header: not a modern browser's cross-site request; the token still applies.
        None => true,
    }
}

/// The `csrf_token` field of an urlencoded body, if present.
pub fn token_from_form(body: &[u8]) -> Option<String> {
    url_pairs(body).find(|(k, _)| k == FORM_FIELD).map(|(_, v)| v)
}

fn url_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&').filter_map(|pair| {
        let mut it = pair.splitn(2, |b| *b == b'=');
        let k = percent_decode(it.next()?)?;
        let v = percent_decode(it.next().unwrap_or_default())?;
        Some((k, v))
    })
}

fn percent_decode(input: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(input.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Compares the submitted token with the expected one in constant time.
pub fn token_ok(expected: Option<&str>, submitted: Option<&str>) -> bool {
    match (expected, submitted) {
        (Some(e), Some(s)) if !e.is_empty() => hearth_core::auth::constant_time_eq(e, s),
        _ => false,
    }
}

/// A multipart form's `csrf_token` field against the request's token (the middleware leaves
/// multipart bodies to their handler; every handler that reads one calls this first).
pub fn multipart_token_ok(ctx: &crate::Ctx, fields: &[(String, String)]) -> bool {
    fields.iter().any(|(k, v)| k == FORM_FIELD && token_ok(Some(&ctx.csrf), Some(v)))
}

/// The value of one cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_checks() {
        let ok = |h: &[(&'static str, &'static str)]| origin_ok(&headers(h), "http");
        assert!(ok(&[("host", "hearth.local:8080"), ("origin", "http://hearth.local:8080")]));
        assert!(!ok(&[("host", "hearth.local:8080"), ("origin", "http://evil.example")]));
        assert!(!ok(&[("host", "hearth.local:8080"), ("origin", "http://hearth.local:8081")]));
        assert!(!ok(&[("host", "hearth.local"), ("origin", "null")]));
        assert!(!ok(&[("host", "hearth.local"), ("origin", "hearth.local")]));
        assert!(!ok(&[("host", "hearth.local"), ("sec-fetch-site", "cross-site")]));
        assert!(ok(&[("host", "hearth.local"), ("sec-fetch-site", "same-origin")]));
        assert!(ok(&[("host", "hearth.local")]));
        // The scheme counts: https pages of ours, not http ones on the same host.
        let tls = |h: &[(&'static str, &'static str)]| origin_ok(&headers(h), "https");
        assert!(tls(&[("host", "hearth.local"), ("origin", "https://hearth.local")]));
        assert!(!tls(&[("host", "hearth.local"), ("origin", "http://hearth.local")]));
    }

    #[test]
    fn tokens() {
        assert_eq!(token_from_form(b"a=1&csrf_token=ab%2Bc&b=2"), Some("ab+c".into()));
        assert_eq!(token_from_form(b"name=%E5%BC%A0+%E4%BC%9F"), None);
        assert!(token_ok(Some("abc"), Some("abc")));
        assert!(!token_ok(Some("abc"), Some("abd")));
        assert!(!token_ok(Some(""), Some("")));
        assert!(!token_ok(None, Some("abc")));
        assert_eq!(cookie(&headers(&[("cookie", "a=1; hearth_csrf=xyz")]), "hearth_csrf"), Some("xyz".into()));
    }
}
