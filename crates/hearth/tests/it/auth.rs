//! Login, logout, sessions, CSRF, brute-force protection, setup links.

use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn login_logout_round_trip() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    assert!(c.cookies.contains_key("hearth_session"));
    let page = c.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(page.location(), "/households");
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let out = c.post_form("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!c.cookies.contains_key("hearth_session"));
    let after = c.get("/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/login"));
}
