//! The account page: profile, language preference, own password, API tokens.

use axum::http::StatusCode;

use crate::support::*;

/// The secret shown on a page (`hth_…` inside the new-token box).
fn shown_secret(html: &str) -> Option<String> {
    let start = html.find("<code class=\"secret\">")? + "<code class=\"secret\">".len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn account_page_shows_who_you_are() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let page = c.get("/account").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("maria"));
    assert!(page.text.contains("Caseworker"));
    assert!(page.text.contains("north community"));
    assert!(!page.text.contains("south community"));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));

    let mut anon = app.client();
    let res = anon.get("/account").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));

    // Every role has an account page, even one that sees no people.
    let mut viewer = app.login_as("vic", "viewer", &["south"]).await;
    let page = viewer.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("south community"));
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_ends_sessions() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let mut other_device = app.client();
    assert_eq!(other_device.login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let new_password = "a brand new passphrase";

    // Wrong current password: 422 with the error beside the field, nothing changed.
    let res = c
        .post_form(
            "/account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("id=\"e-current_password\""), "{}", res.text);
    assert!(!res.text.contains(new_password), "a password was echoed back");
    // Mismatched confirmation and a too-short password.
    let res = c
        .post_form(
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", new_password), ("confirm_password", "something else")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-confirm_password\""), "{}", res.text);
    let res = c
        .post_form(
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", "short"), ("confirm_password", "short")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-new_password\""), "{}", res.text);
    // Still logged in everywhere, old password still right.
    assert_eq!(c.get("/account").await.status, StatusCode::OK);

    let res = c
        .post_form(
            "/account/password",
            &[("current_password", PASSWORD), ("new_password", new_password), ("confirm_password", new_password)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), "/login");
    // Both sessions are over.
    let res = c.get("/account").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));
    let res = other_device.get("/account").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));
    // The old password no longer works; the new one does.
    let mut fresh = app.client();
    assert_eq!(fresh.login("maria", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let mut fresh = app.client();
    assert_eq!(fresh.login("maria", new_password).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn language_preference_persists() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let page = c.get("/account").await;
    assert!(page.text.contains("<html lang=\"en\""));

    let res = c.post_form("/account/language", &[("language", "klingon")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("id=\"e-language\""), "{}", res.text);

    let res = c.post_form("/account/language", &[("language", "zh-CN")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = c.get(&res.location()).await;
    assert!(page.text.contains("<html lang=\"zh-CN\""), "{}", page.text);
    assert!(page.text.contains("我的账户"));

    // Stored with the user: a new login on a browser without the cookie is in Chinese too.
    let mut elsewhere = app.client();
    elsewhere.login("maria", PASSWORD).await;
    let page = elsewhere.get("/account").await;
    assert!(page.text.contains("<html lang=\"zh-CN\""), "{}", page.text);
    let u = hearth_core::auth::users::by_username(&app.store, "maria").await.unwrap().unwrap();
    assert_eq!(u.language.as_deref(), Some("zh-CN"));
}

#[tokio::test]
async fn tokens_created_listed_and_revoked_on_the_page() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let page = c.get("/account").await;
    assert!(shown_secret(&page.text).is_none());

    // A name is required.
    let res = c.post_form("/account/tokens", &[("name", "  ")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("id=\"e-name\""));
    assert!(shown_secret(&res.text).is_none());

    let res = c.post_form("/account/tokens", &[("name", "district import")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let secret = shown_secret(&res.text).expect("secret shown");
    assert!(secret.starts_with("hth_"));
    assert!(res.text.contains("will not be shown again"));
    assert!(res.text.contains("district import"));

    // Shown once: the page never shows it again.
    let page = c.get("/account").await;
    assert!(!page.text.contains(&secret));
    assert!(page.text.contains("district import"));
    assert!(page.text.contains(&secret[..12]), "prefix listed");

    // The secret works as a bearer token, as maria.
    let mut api = app.client();
    api.bearer = Some(secret.clone());
    let res = api.get("/api/v1/tokens").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let list = res.json();
    let id = list["items"][0]["id"].as_i64().unwrap();
    assert_eq!(list["items"][0]["name"], "district import");
    // Its use shows on the page.
    let page = c.get("/account").await;
    assert!(!page.text.contains("Never"), "last use not shown");

    // Someone else cannot revoke it.
    let mut sam = app.login_as("sam", "caseworker", &["north"]).await;
    let res = sam.post_form(&format!("/account/tokens/{id}/revoke"), &[("confirmed", "yes")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(api.get("/api/v1/households").await.status, StatusCode::OK);

    let res = c.post_form(&format!("/account/tokens/{id}/revoke"), &[("confirmed", "yes")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = c.get(&res.location()).await;
    assert!(page.text.contains("Revoked"), "{}", page.text);
    assert!(!page.text.contains(&format!("/account/tokens/{id}/revoke")));
    let res = api.get("/api/v1/households").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn account_forms_need_csrf() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let origin = format!("http://{HOST}");
    for (path, fields) in [
        ("/account/tokens", vec![("name", "x")]),
        ("/account/language", vec![("language", "zh-CN")]),
        (
            "/account/password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", "another long passphrase"),
                ("confirm_password", "another long passphrase"),
            ],
        ),
    ] {
        let res = c.post_form_raw(path, &fields, Some(&origin)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
    }
    let list = hearth_core::auth::tokens::list(
        &app.store,
        &hearth_core::Actor::system(),
        hearth_core::auth::users::by_username(&app.store, "maria").await.unwrap().unwrap().id,
    )
    .await
    .unwrap();
    assert!(list.is_empty());
    assert_eq!(c.get("/account").await.status, StatusCode::OK);
}
