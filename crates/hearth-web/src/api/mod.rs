//! The JSON API under `/api/v1`, documented at `/api/openapi.json` with a Swagger UI at
//! `/api/docs/` (served from the binary; nothing is fetched from a CDN).
//!
//! Authentication is done by the context middleware: `Authorization: Bearer hth_…` (no
//! CSRF needed), or a session cookie (then `X-CSRF-Token` and a same-site `Origin` are
//! required on writes). Every handler asks the core, whose policy decides; errors come
//! back as `{"error": {"code", "message", "fields", "field_codes", "request_id"}}`.

pub mod audit;
pub mod cases;
pub mod communities;
pub mod consents;
pub mod follow_ups;
pub mod goals;
pub mod handbook;
pub mod households;
pub mod jobs;
pub mod json;
pub mod months;
pub mod pairs;
pub mod programs;
pub mod reports;
pub mod requests;
pub mod residents;
pub mod rules;
pub mod scans;
pub mod tokens;
pub mod visits;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::AppState;

pub const OPENAPI_PATH: &str = "/api/openapi.json";
pub const DOCS_PATH: &str = "/api/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hearth API",
        version = "1",
        description = "Households, residents, consent, visits, follow-ups and reports of a hearth deployment. \
            Authenticate with `Authorization: Bearer <token>` (create a token on your account page). \
            Lists are keyset-paginated: pass a page's `next_after` as `after` to get the next page. \
            Dates are `YYYY-MM-DD`. Errors name the field at fault in `error.fields`."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(json::ApiError, json::ErrorDetail)),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The registry practice's API: communities, households, residents, consent.
pub fn registry_routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(communities::list, communities::create))
        .routes(routes!(communities::get))
        .routes(routes!(households::list, households::create))
        .routes(routes!(households::get, households::update))
        .routes(routes!(residents::list, residents::create))
        .routes(routes!(residents::get, residents::update))
        .routes(routes!(consents::list, consents::create))
        .routes(routes!(consents::get))
        .routes(routes!(consents::withdraw))
}

/// The visits practice's API: visits, then follow-ups.
pub fn visits_routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    follow_ups::routes(visits::routes(r))
}

/// The API routes and the document describing them, from every practice's registration.
fn api() -> (Router<AppState>, OpenApiDoc) {
    let (router, mut doc) =
        crate::practice::api_routes(OpenApiRouter::with_openapi(ApiDoc::openapi())).split_for_parts();
    doc.tags = Some(
        crate::practice::api_tags()
            .map(|(name, description)| {
                let mut t = utoipa::openapi::tag::Tag::new(*name);
                t.description = Some((*description).to_owned());
                t
            })
            .collect(),
    );
    (router, rules::state(doc))
}

/// The OpenAPI document (also served at `/api/openapi.json`).
pub fn openapi() -> OpenApiDoc {
    api().1
}

pub fn router() -> Router<AppState> {
    let (routes, doc) = api();
    // No validator badge: it would make the page call swagger.io.
    let config = Config::default().validator_url("none");
    routes.merge(SwaggerUi::new(DOCS_PATH).url(OPENAPI_PATH, doc).config(config))
}

/// `201 Created` with a `Location` header and the new record.
pub fn created<T: Serialize>(location: &str, body: T) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Every documented path, for tests that check a table against the document.
pub fn documented_paths() -> Vec<String> {
    openapi().paths.paths.keys().cloned().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn document_lists_every_route_once_with_its_tag() {
        let doc = super::openapi();
        let json = serde_json::to_value(&doc).unwrap();
        if std::env::var("HEARTH_DUMP_OPENAPI").is_ok() {
            println!("{}", serde_json::to_string_pretty(&json).unwrap());
        }
        let tags: Vec<&str> = json["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        let mut ids = Vec::new();
        for item in json["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                ids.push(op["operationId"].as_str().unwrap().to_owned());
                for t in op["tags"].as_array().unwrap() {
                    assert!(tags.contains(&t.as_str().unwrap()), "undeclared tag {t}");
                }
            }
        }
        assert!(ids.len() > 20, "{} operations", ids.len());
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "operation ids must be unique");
        assert_eq!(json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    }
}
