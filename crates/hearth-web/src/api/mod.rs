//! The JSON API under `/api/v1`, documented at `/api/openapi.json` with a Swagger UI at
//! `/api/docs/` (served from the binary; nothing is fetched from a CDN).
//!
//! Authentication is done by the context middleware: `Authorization: Bearer hth_…` (no
//! CSRF needed), or a session cookie (then `X-CSRF-Token` and a same-site `Origin` are
//! required on writes). Every handler asks the core, whose policy decides; errors come
//! back as `{"error": {"code", "message", "fields", "field_codes", "request_id"}}`.

pub mod communities;
pub mod consents;
pub mod households;
pub mod json;
pub mod reports;
pub mod residents;
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
    tags(
        (name = "communities", description = "The communities a team serves"),
        (name = "households", description = "The household registry"),
        (name = "residents", description = "People in a household"),
        (name = "consents", description = "Consent per household: given, scoped, withdrawable"),
        (name = "tokens", description = "Your API tokens"),
        (name = "visits", description = "Household visits: who visited, when, why, what they found"),
        (name = "follow-ups", description = "Each need found, followed with an owner and a due date until resolved"),
        (name = "reports", description = "The indicator catalogue and reports computed from records"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The API routes and the document describing them.
fn api() -> (Router<AppState>, OpenApiDoc) {
    let r = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(communities::list, communities::create))
        .routes(routes!(communities::get))
        .routes(routes!(households::list, households::create))
        .routes(routes!(households::get, households::update))
        .routes(routes!(residents::list, residents::create))
        .routes(routes!(residents::get, residents::update))
        .routes(routes!(consents::list, consents::create))
        .routes(routes!(consents::get))
        .routes(routes!(consents::withdraw))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke));
    // Each later area adds its routes (and their documentation) in its own module.
    let r = reports::routes(r);
    let r = visits::routes(r);
    r.split_for_parts()
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn document_lists_every_route() {
        let doc = super::openapi();
        let json = serde_json::to_value(&doc).unwrap();
        if std::env::var("HEARTH_DUMP_OPENAPI").is_ok() {
            println!("{}", serde_json::to_string_pretty(&json).unwrap());
        }
        for path in [
            "/api/v1/communities",
            "/api/v1/communities/{slug}",
            "/api/v1/households",
            "/api/v1/households/{id}",
            "/api/v1/households/{id}/consents",
            "/api/v1/residents",
            "/api/v1/residents/{id}",
            "/api/v1/consents/{id}",
            "/api/v1/consents/{id}/withdraw",
            "/api/v1/tokens",
            "/api/v1/tokens/{id}",
            "/api/v1/indicators",
            "/api/v1/reports",
            "/api/v1/reports/records",
            "/api/v1/visits",
            "/api/v1/visits/{id}",
            "/api/v1/follow-ups",
            "/api/v1/follow-ups/{id}",
        ] {
            assert!(json["paths"][path].is_object(), "{path} missing");
        }
        let mut ids: Vec<String> = json["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .map(|op| op["operationId"].as_str().unwrap().to_owned())
            .collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "operation ids must be unique");
        assert_eq!(json["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    }
}
