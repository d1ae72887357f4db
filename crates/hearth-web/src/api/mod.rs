//! The JSON API under `/api/v1`, documented at `/api/openapi.json`.

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
