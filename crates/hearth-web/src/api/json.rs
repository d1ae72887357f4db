//! Reading API requests: JSON bodies and query strings whose every problem names its field,
//! and the error schema the OpenAPI document shows.
//!
//! `ApiJson<T>` accepts only `application/json` (415 otherwise), reads at most
//! `MAX_JSON_BYTES` (413), and turns a parse failure into `400 bad_request` naming the field
//! with the wrong type, or `422` for a field the endpoint does not know (a typo must not
//! silently drop data).

use std::collections::HashMap;

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hearth_core::FieldErrors;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::context::Ctx;
use crate::error::WebError;

/// The largest JSON body accepted. The longest field (notes) is 4,000 characters.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// A JSON request body, parsed with the failing field's path kept.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let json = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json);
        if !json {
            let ctx = req.extensions().get::<Ctx>().cloned();
            return Err(unsupported_media_type(ctx.as_ref()));
        }
        let bytes = to_bytes(req.into_body(), MAX_JSON_BYTES).await.map_err(|_| WebError::TooLarge.into_response())?;
        parse(&bytes).map(ApiJson).map_err(IntoResponse::into_response)
    }
}

/// 415 in the API's error shape (`WebError` has no such variant, so it is rendered here).
fn unsupported_media_type(ctx: Option<&Ctx>) -> Response {
    let (message, request_id) = match ctx {
        Some(c) => (c.t("error-unsupported-media-type"), c.request_id.clone()),
        None => ("Send the body as application/json.".to_owned(), String::new()),
    };
    let body = serde_json::json!({
        "error": {
            "code": "unsupported_media_type",
            "message": message,
            "fields": {},
            "field_codes": {},
            "request_id": request_id,
        }
    });
    (StatusCode::UNSUPPORTED_MEDIA_TYPE, Json(body)).into_response()
}

/// Parses a JSON document into `T`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WebError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| WebError::BadRequest { field: None })?;
    integral_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(json_error)
}

/// JSON has one number type: `12.0` is the integer 12 (JSON Schema says so too, and a
/// spreadsheet or JavaScript client may write ids that way). Such numbers become integers
/// before the typed read, so an id field takes them; a fraction stays a wrong type.
fn integral_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// The name between the first pair of backticks in a serde message.
fn quoted_name(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg[start..].find('`')?;
    Some(&msg[start..start + len])
}

/// The field's full path: serde_path_to_error already ends the path with the key for an
/// unknown field, but not for a missing one.
fn join_path(parent: &str, name: &str) -> String {
    if parent == name || parent.ends_with(&format!(".{name}")) {
        parent.to_owned()
    } else if parent.is_empty() || parent == "." {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> WebError {
    let path = e.path().to_string();
    let inner = e.inner();
    let msg = inner.to_string();
    if inner.is_data() {
        if msg.starts_with("unknown field")
            && let Some(name) = quoted_name(&msg)
        {
            let mut f = FieldErrors::new();
            f.add(&join_path(&path, name), "unknown_field");
            return WebError::Invalid(f);
        }
        if msg.starts_with("missing field")
            && let Some(name) = quoted_name(&msg)
        {
            let mut f = FieldErrors::new();
            f.add(&join_path(&path, name), "required");
            return WebError::Invalid(f);
        }
        if path != "." && !path.is_empty() {
            return WebError::BadRequest { field: Some(path) };
        }
    }
    WebError::BadRequest { field: None }
}

/// Query-string parameters into `T` (a core list query, which is also their OpenAPI
/// `IntoParams`): a value of the wrong type (an empty number too) is `400 bad_request` naming
/// the parameter; unknown parameters are ignored.
#[derive(Clone, Debug)]
pub struct ApiParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiParams<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw).map_err(|_| WebError::BadRequest { field: None })?;
        // Values are trimmed but an empty one is kept: `limit=` is not a number (400), as the
        // document says, rather than silently the default.
        let kept: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (k, v.trim().to_owned())).collect();
        let mut kept = kept;
        // A number parameter written `12.0` is read as 12; only a parameter that failed to
        // read as written is touched, so text such as a search for "1.0" stays as typed.
        for _ in 0..8 {
            let query = serde_urlencoded::to_string(&kept).map_err(|_| WebError::BadRequest { field: None })?;
            let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
            let e = match serde_path_to_error::deserialize(de) {
                Ok(v) => return Ok(ApiParams(v)),
                Err(e) => e.path().to_string(),
            };
            let field = (!e.is_empty() && e != ".").then_some(e);
            let fixed = field.as_deref().and_then(|f| {
                let (_, v) = kept.iter_mut().find(|(k, _)| k == f)?;
                *v = integral_decimal(v)?.to_owned();
                Some(())
            });
            if fixed.is_none() {
                return Err(WebError::BadRequest { field });
            }
        }
        Err(WebError::BadRequest { field: None })
    }
}

/// Query-string parameters, read by hand so a bad number names its parameter and unknown
/// parameters are ignored.
#[derive(Clone, Debug, Default)]
pub struct ApiQuery(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|_| WebError::BadRequest { field: None })?;
        Ok(ApiQuery(pairs.into_iter().collect()))
    }
}

impl ApiQuery {
    /// A trimmed text parameter; empty counts as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// An integer parameter; anything but digits is a 400 naming it.
    pub fn int<N: std::str::FromStr>(&self, name: &str) -> Result<Option<N>, WebError> {
        match self.text(name) {
            None => Ok(None),
            Some(v) => v.parse::<N>().map(Some).map_err(|_| WebError::BadRequest { field: Some(name.to_owned()) }),
        }
    }
}

/// The numeric id in an API path (`{id}`): anything else is `400 bad_request` naming the
/// parameter, so a client learns what it sent wrong.
#[derive(Clone, Copy, Debug)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::BadRequest { field: None })?;
        let (name, raw) = params.into_iter().next().ok_or(WebError::BadRequest { field: None })?;
        integer(&raw).map(Id).ok_or(WebError::BadRequest { field: Some(name) })
    }
}

/// An integer as text: digits, or digits with a zero fraction (`556.0`), which is the same
/// integer to JSON Schema and is what some clients write.
pub fn integer(raw: &str) -> Option<i64> {
    raw.parse().ok().or_else(|| integral_decimal(raw)?.parse().ok())
}

/// `556.0` → `556`; anything else → `None`.
fn integral_decimal(raw: &str) -> Option<&str> {
    let (whole, fraction) = raw.split_once('.')?;
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let ok = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !fraction.is_empty()
        && fraction.bytes().all(|b| b == b'0');
    ok.then_some(whole)
}

/// The body of every API error.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `invalid_input`, `not_found`, `bad_token`.
    #[schema(example = "invalid_input")]
    pub code: String,
    /// A sentence in the caller's language.
    pub message: String,
    /// Field name → a sentence saying what is wrong with it.
    pub fields: HashMap<String, String>,
    /// Field name → a stable code (`required`, `too_long`, `invalid_date`, `wrong_type`,
    /// `unknown_field`, `unknown_household`, …).
    pub field_codes: HashMap<String, String>,
    /// Quote this when reporting a problem.
    pub request_id: String,
}

/// The errors any read can answer, documented once for every read route.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ReadErrors {
    /// A query parameter or path id of the wrong type (`error.fields` names it).
    #[response(status = 400)]
    BadRequest(ApiError),
    /// Not signed in, or a bad or revoked token.
    #[response(status = 401)]
    Unauthenticated(ApiError),
    /// The caller's role may never do this.
    #[response(status = 403)]
    Forbidden(ApiError),
    /// No such record, or not in the caller's communities or pairings.
    #[response(status = 404)]
    NotFound(ApiError),
    /// A value is not allowed (an unknown indicator, a period that ends before it starts).
    #[response(status = 422)]
    Invalid(ApiError),
}

/// The errors any write can answer, documented once for every write route.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum WriteErrors {
    /// Malformed JSON, a field or path id of the wrong type (`error.fields` names it).
    #[response(status = 400)]
    BadRequest(ApiError),
    /// Not signed in, or a bad or revoked token.
    #[response(status = 401)]
    Unauthenticated(ApiError),
    /// The caller's role may never do this.
    #[response(status = 403)]
    Forbidden(ApiError),
    /// No such record, or not in the caller's communities or pairings.
    #[response(status = 404)]
    NotFound(ApiError),
    /// Taken already (a household code, a slug, a username), or the record's state forbids the
    /// change (a closed follow-up, a consent already withdrawn), named in `error.fields`.
    #[response(status = 409)]
    Conflict(ApiError),
    /// The body is larger than 256 KiB.
    #[response(status = 413)]
    TooLarge(ApiError),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ApiError),
    /// Every field that is wrong, each with a code and a sentence (`error.fields`).
    #[response(status = 422)]
    Invalid(ApiError),
}

/// The errors a change guarded by `If-Match` can answer besides `WriteErrors`.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum VersionErrors {
    /// `If-Match` named a version that is no longer current: someone changed the record since
    /// the caller read it. Nothing was changed; read it again for its new `ETag`.
    #[response(status = 412)]
    PreconditionFailed(ApiError),
}

/// The `ETag` of a record at `version` (`hearth_core::version::of`).
pub fn etag(version: &str) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header asks the change to be made from; `None` when there is
/// none (or `*`), so a client that does not send it keeps working as before.
pub fn if_match(headers: &axum::http::HeaderMap) -> Option<String> {
    let v = headers.get(axum::http::header::IF_MATCH)?.to_str().ok()?.trim();
    let v = v.strip_prefix("W/").unwrap_or(v).trim_matches('"');
    (!v.is_empty() && v != "*").then(|| v.to_owned())
}

/// A record as JSON with its `ETag`.
pub fn with_etag<T: Serialize>(version: &str, body: T) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut res = axum::Json(body).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag(version)) {
        res.headers_mut().insert(axum::http::header::ETAG, v);
    }
    res
}

/// A change refused because its `If-Match` version is stale answers 412, not 409.
pub fn stale_is_412(e: hearth_core::CoreError) -> crate::error::WebError {
    match e {
        hearth_core::CoreError::Conflict { field, .. } if field == "version" => {
            crate::error::WebError::PreconditionFailed
        }
        other => other.into(),
    }
}

/// A page of a keyset-paginated list.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `null` on the last page.
    pub next_after: Option<i64>,
}

impl<T> Page<T> {
    /// A core page, each record as the API shows it.
    pub fn of<U>(page: hearth_core::registry::Page<U>, show: impl FnMut(U) -> T) -> Page<T> {
        Page { items: page.items.into_iter().map(show).collect(), next_after: page.next_after }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        code: Option<String>,
        flag: Option<bool>,
        #[serde(default)]
        notes: hearth_core::patch::Patch<String>,
    }

    fn field_of(e: &WebError) -> Vec<(String, &'static str)> {
        e.fields().0.iter().map(|f| (f.field.clone(), f.code)).collect()
    }

    #[test]
    fn wrong_types_name_the_field() {
        let e = parse::<Sample>(br#"{"code": 5}"#).unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(field_of(&e), [("code".to_owned(), "wrong_type")]);
        let e = parse::<Sample>(br#"{"flag": "yes"}"#).unwrap_err();
        assert_eq!(field_of(&e), [("flag".to_owned(), "wrong_type")]);
    }

    /// Found by schemathesis: `"household_id": -26343325.0` is an integer to JSON Schema.
    #[test]
    fn integral_numbers_are_integers() {
        #[derive(Debug, serde::Deserialize)]
        struct Ids {
            id: i64,
            more: Vec<i64>,
        }
        let ids = parse::<Ids>(br#"{"id": 12.0, "more": [1.0, -3]}"#).map_err(|e| e.status());
        assert!(matches!(ids, Ok(Ids { id: 12, ref more }) if more == &[1, -3]), "{ids:?}");
        let e = parse::<Ids>(br#"{"id": 12.5, "more": []}"#).map(|_| ()).unwrap_err();
        assert_eq!(field_of(&e), [("id".to_owned(), "wrong_type")]);
        assert_eq!(parse::<Ids>(br#"{"id": 1} x"#).map(|_| ()).unwrap_err().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn integers_as_text() {
        assert_eq!(integer("556"), Some(556));
        assert_eq!(integer("556.0"), Some(556));
        assert_eq!(integer("-3.00"), Some(-3));
        for bad in ["556.5", "556.", ".0", "None", "1e3", "", "-", "5 6"] {
            assert_eq!(integer(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = parse::<Sample>(br#"{"cod": "x"}"#).unwrap_err();
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&e), [("cod".to_owned(), "unknown_field")]);
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [&b"{"[..], b"[]", b"{} x", b""] {
            let e = parse::<Sample>(body).unwrap_err();
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{body:?}");
        }
    }

    #[test]
    fn content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }
}
