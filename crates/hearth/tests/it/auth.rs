//! Login, logout, sessions, CSRF, brute-force protection, setup links.

use axum::http::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::*;

#[tokio::test]
async fn login_logout_round_trip() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    assert!(c.cookies.contains_key("hearth_session"));
    let page = c.get("/").await;
    assert_eq!(page.status, StatusCode::OK, "the Today page: {}", page.text);
    assert!(page.text.contains(r#"id="today-follow-ups""#));
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let out = c.post_form("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!c.cookies.contains_key("hearth_session"));
    let after = c.get("/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/login"));
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let mut c = app.client();
    let wrong = c.login("maria", "not the password at all").await;
    let unknown = c.login("nobody-here", "not the password at all").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert!(wrong.text.contains("Username or password is not right."));
    assert!(unknown.text.contains("Username or password is not right."));
    assert!(!c.cookies.contains_key("hearth_session"));
}

#[tokio::test]
async fn login_always_issues_a_new_session_id() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let mut c = app.client();
    // A session token planted before login (fixation) must not survive it.
    c.cookies.insert("hearth_session".into(), "planted".into());
    assert_eq!(c.login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let first = c.cookies["hearth_session"].clone();
    assert_ne!(first, "planted");
    assert_eq!(c.login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert_ne!(c.cookies["hearth_session"], first);
    // The previous session was ended at the second login.
    let mut old = app.client();
    old.cookies.insert("hearth_session".into(), first);
    assert_eq!(old.get("/").await.location(), "/login?next=/");
}

#[tokio::test]
async fn session_cookie_attributes() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let mut c = app.client();
    let res = c.login("maria", PASSWORD).await;
    let cookie = res.header("set-cookie").unwrap();
    assert!(cookie.starts_with("hearth_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"));
    assert!(!cookie.contains("Secure"), "Secure only with --secure-cookies");
}

#[tokio::test]
async fn sessions_expire_after_30_minutes_idle() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    app.age_sessions(29, 1).await;
    assert_eq!(c.get("/").await.status, StatusCode::OK, "29 minutes idle is still fine");
    app.age_sessions(31, 1).await;
    assert!(c.get("/").await.location().starts_with("/login"));
}

#[tokio::test]
async fn sessions_expire_after_12_hours_even_when_active() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    app.age_sessions(0, 11).await;
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    app.age_sessions(0, 13).await;
    assert!(c.get("/").await.location().starts_with("/login"));
}

#[tokio::test]
async fn password_change_and_disabling_end_sessions() {
    use hearth_core::auth::users;
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let u = users::by_username(&app.store, "maria").await.unwrap().unwrap();
    users::set_password(&app.store, &hearth_core::Actor::system(), u.id, "a brand new passphrase").await.unwrap();
    assert!(c.get("/").await.location().starts_with("/login"));
    assert_eq!(c.login("maria", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.login("maria", "a brand new passphrase").await.status, StatusCode::SEE_OTHER);
    users::update(
        &app.store,
        &hearth_core::Actor::system(),
        u.id,
        users::UserUpdate { disabled: Some(true), ..Default::default() },
    )
    .await
    .unwrap();
    assert!(c.get("/").await.location().starts_with("/login"));
    assert_eq!(c.login("maria", "a brand new passphrase").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token_and_same_origin() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let token = c.csrf().await;
    let origin = format!("http://{HOST}");
    // No token.
    let res = c.post_form_raw("/logout", &[], Some(&origin)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.text.contains("This form has expired"));
    // Wrong token.
    let res = c.post_form_raw("/logout", &[("csrf_token", "0".repeat(64).as_str())], Some(&origin)).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Right token, but from another site.
    let res = c.post_form_raw("/logout", &[("csrf_token", &token)], Some("http://evil.example")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(c.cookies.contains_key("hearth_session"), "still logged in: nothing happened");
    // Right token, same origin.
    let res = c.post_form_raw("/logout", &[("csrf_token", &token)], Some(&origin)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!c.cookies.contains_key("hearth_session"));
}

#[tokio::test]
async fn login_form_needs_the_pre_session_csrf_cookie() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let mut c = app.client();
    let res = c
        .post_form_raw(
            "/login",
            &[("csrf_token", &"a".repeat(64)), ("username", "maria"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "a token we never issued is refused");
    assert!(!c.cookies.contains_key("hearth_session"));
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_and_address() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let mut attacker = app.client_from([192, 0, 2, 7]);
    for _ in 0..5 {
        assert_eq!(attacker.login("maria", "wrong guess 123").await.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = attacker.login("maria", "wrong guess 123").await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.header("retry-after").is_some());
    // Even the right password is refused from that address while the delay runs.
    assert_eq!(attacker.login("maria", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The real user, elsewhere, is not locked out.
    let mut real = app.client_from([198, 51, 100, 20]);
    assert_eq!(real.login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_distributed_attack_delays_the_account_by_a_minute_at_most() {
    use hearth_core::auth::throttle;
    let app = spawn_app().await;
    for i in 0..40 {
        // Each counted as a failure up front; once the account's delay runs, refused.
        let _ = throttle::reserve(&app.store, "maria", &format!("203.0.113.{i}"), false).await;
    }
    match throttle::check(&app.store, "maria", "198.51.100.20").await {
        Err(hearth_core::CoreError::RateLimited { retry_after_secs }) => {
            assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}")
        }
        other => panic!("expected a short account-wide delay, got {other:?}"),
    }
}

#[tokio::test]
async fn first_run_setup_link_creates_the_admin_once() {
    use hearth_core::auth::setup;
    let app = spawn_app().await;
    let token = setup::first_run_link(&app.store).await.unwrap().expect("empty deployment gets a link");
    let mut c = app.client();
    let page = c.get(&format!("/setup/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let path = format!("/setup/{token}");
    let res = c
        .post_form(&path, &[("username", "ada"), ("new_password", "password123"), ("confirm_password", "password123")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-new_password\""), "common password is named inline");
    let res = c
        .post_form(
            &path,
            &[("username", "ada"), ("new_password", "a long passphrase"), ("confirm_password", "different")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-confirm_password\""));
    assert_eq!(hearth_core::auth::users::count(&app.store).await.unwrap(), 0, "nothing stored");
    let res = c
        .post_form(
            &path,
            &[("username", "ada"), ("new_password", "a long passphrase"), ("confirm_password", "a long passphrase")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(c.cookies.contains_key("hearth_session"), "logged in right away");
    let admin = hearth_core::auth::users::by_username(&app.store, "ada").await.unwrap().unwrap();
    assert_eq!(admin.role.as_str(), "admin");
    // The link is spent, and no new one is issued once a user exists.
    assert_eq!(app.client().get(&path).await.status, StatusCode::NOT_FOUND);
    assert!(setup::first_run_link(&app.store).await.unwrap().is_none());
}

#[tokio::test]
async fn healthz_and_security_headers() {
    let app = spawn_app().await;
    let mut c = app.client();
    let res = c.get("/healthz").await;
    assert_eq!(res.status, StatusCode::OK);
    let res = c.get("/login").await;
    assert_eq!(res.header("x-frame-options").as_deref(), Some("DENY"));
    assert!(res.header("content-security-policy").unwrap().contains("default-src 'self'"));
    assert_eq!(res.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(res.header("x-request-id").is_some());
    let css = c.get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_ne!(css.header("cache-control").as_deref(), Some("no-store"));
}

#[tokio::test]
async fn language_follows_accept_language_then_the_switcher() {
    use axum::body::Body;
    use axum::http::Request;
    let app = spawn_app().await;
    let mut c = app.client();
    let zh =
        c.send(Request::get("/login").header("accept-language", "zh-CN,zh;q=0.9").body(Body::empty()).unwrap()).await;
    assert!(zh.text.contains("<html lang=\"zh-CN\"") && zh.text.contains("登录"));
    let res = c.post_form("/lang", &[("lang", "en"), ("next", "/login")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let en = c.send(Request::get("/login").header("accept-language", "zh-CN").body(Body::empty()).unwrap()).await;
    assert!(en.text.contains("<html lang=\"en\"") && en.text.contains("Log in"));
}

/// Found on a phone: a visit saved 30+ minutes after its form was opened answered "this
/// form has expired or came from another site", with no way to sign in, and the notes typed
/// were gone. Now the submission is held, the worker signs in, and it is saved.
#[tokio::test]
async fn a_form_posted_after_the_session_ended_is_saved_after_signing_in_again() {
    use hearth_core::auth::users;
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let me = users::by_username(&app.store, "maria").await.unwrap().unwrap().id.to_string();
    let origin = format!("http://{HOST}");
    let opened = c.get(&format!("/households/{}/visits/new", h.id)).await;
    assert_eq!(opened.status, StatusCode::OK);
    let token = c.csrf().await;
    app.age_sessions(31, 1).await;

    let notes = "Mother asks about evening classes; 孩子需要学位 & \"soon\"";
    let action = format!("/households/{}/visits", h.id);
    let typed = [
        ("csrf_token", token.as_str()),
        ("visited_on", "2016-03-02"),
        ("purpose", "welcome"),
        ("visitor", me.as_str()),
        ("notes", notes),
        ("needs[0].description", ""),
    ];
    let res = c.post_form_raw(&action, &typed, Some(&origin)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    assert!(res.text.contains(r#"action="/login""#), "the sign-in form, not a cross-site warning");
    assert!(!res.text.contains("came from another site"));
    let held = form_fields(&res.text, "login-form").into_iter().find(|(k, _)| k == "held").map(|(_, v)| v);
    let held = held.expect("the submission is held in the sign-in form");
    assert!(held.contains("evening classes") && held.contains("孩子需要学位") && !held.contains(&token));
    let visits = || async { hearth_core::entity::visit::Entity::find().count(app.store.conn()).await.unwrap() };
    assert_eq!(visits().await, 0, "nothing was saved with the ended session");

    // A mistyped password keeps holding it.
    c.reset_csrf();
    let bad =
        c.post_form("/login", &[("username", "maria"), ("password", "wrong"), ("next", "/"), ("held", &held)]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.text.contains("evening classes"), "still held after a failed sign-in");

    // Signed in: the submission comes back, to be sent at once.
    let ok =
        c.post_form("/login", &[("username", "maria"), ("password", PASSWORD), ("next", "/"), ("held", &held)]).await;
    c.reset_csrf();
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.text.contains("data-autosubmit"), "sent without another tap");
    assert!(ok.text.contains(&format!(r#"action="{action}""#)));
    let fields = form_fields(&ok.text, "resubmit-form");
    assert!(fields.contains(&("notes".to_owned(), notes.to_owned())), "{fields:?}");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = c.post_form_raw(&action, &refs, Some(&origin)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(saved.location().starts_with(&format!("/households/{}?saved=1", h.id)));
    let v = hearth_core::entity::visit::Entity::find().one(app.store.conn()).await.unwrap().expect("the visit");
    assert_eq!(v.notes.as_deref(), Some(notes));
}

/// A form opened in an earlier session of this browser meets the new one: it is offered to
/// be sent (a button), not refused; from another site it is still refused.
#[tokio::test]
async fn a_form_from_an_earlier_session_is_offered_again_and_other_sites_are_refused() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let old = c.csrf().await;
    c.login("maria", PASSWORD).await;
    let action = format!("/households/{}", h.id);
    let fields = [("csrf_token", old.as_str()), ("code", "N-1"), ("address", "1 New Road")];
    let res = c.post_form_raw(&action, &fields, Some(&format!("http://{HOST}"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.text.contains(r#"id="resubmit-form""#) && !res.text.contains("data-autosubmit"));
    let again = form_fields(&res.text, "resubmit-form");
    assert!(again.contains(&("address".to_owned(), "1 New Road".to_owned())));
    assert!(!again.iter().any(|(k, v)| k == "csrf_token" && v == &old), "sent with the current session's token");

    let evil = c.post_form_raw(&action, &fields, Some("http://evil.example")).await;
    assert_eq!(evil.status, StatusCode::FORBIDDEN);
    assert!(!evil.text.contains("1 New Road"), "nothing held for another site");
}

#[tokio::test]
async fn pages_with_unsaved_input_keep_the_session_alive() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("maria", "caseworker", &["north"]).await;
    let page = c.get("/households/new").await;
    assert!(page.text.contains("data-keepalive=\""), "signed-in pages say how often to ping");
    app.age_sessions(20, 1).await;
    assert_eq!(c.get("/session/alive").await.status, StatusCode::NO_CONTENT);
    let s = hearth_core::entity::session::Entity::find().one(app.store.conn()).await.unwrap().unwrap();
    assert!(chrono::Utc::now() - s.last_seen_at < chrono::TimeDelta::seconds(30), "the ping touched the session");
    app.age_sessions(31, 1).await;
    let ended = c.get("/session/alive").await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED, "no redirect for a script to follow");
}
