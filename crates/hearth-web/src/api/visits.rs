//! Visits and follow-ups in the API (being built).

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
}
