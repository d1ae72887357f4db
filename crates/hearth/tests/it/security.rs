//! Issue 10: the security findings, each kept as the reproduction that found it. The races
//! are real simultaneous requests against the real router and database.

use axum::http::StatusCode;
use hearth_core::Actor;
use hearth_core::auth::{setup, tokens, users};
use hearth_core::entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::*;
use hearth_web::AppConfig;

/// A client, the path it posts to, and the form it posts.
type Post = (TestClient, String, Vec<(String, String)>);

/// Sends each client's form at once and returns the statuses in client order.
async fn all_at_once(clients: Vec<Post>) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for (mut c, path, fields) in clients {
        tasks.push(tokio::spawn(async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            c.post_form(&path, &fields).await.status
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Finding 1: the first-admin link, posted by 20 clients at once, makes exactly one admin.
#[tokio::test]
async fn a_first_admin_link_used_twenty_times_at_once_makes_one_admin() {
    let app = spawn_app().await;
    let token = setup::first_run_link(&app.store).await.unwrap().unwrap();
    let path = format!("/setup/{token}");
    let mut clients = Vec::new();
    for i in 0..20 {
        let mut c = app.client();
        c.csrf().await;
        let name = format!("admin{i}");
        let f = fields(&[
            ("username", &name),
            ("new_password", "a long passphrase"),
            ("confirm_password", "a long passphrase"),
        ]);
        clients.push((c, path.clone(), f));
    }
    let statuses = all_at_once(clients).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::SEE_OTHER).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::NOT_FOUND), "{statuses:?}");
    assert_eq!(users::count(&app.store).await.unwrap(), 1);
}

/// Finding 1 (reset links share the code): 20 different new passwords at once; exactly one
/// is set, and it is the one whose request was told so.
#[tokio::test]
async fn a_reset_link_used_twenty_times_at_once_sets_one_password() {
    let app = spawn_app().await;
    app.community("north").await;
    let maria = app.user("maria", "caseworker", &["north"]).await;
    let token = setup::issue_reset(&app.store, &Actor::system(), maria.id).await.unwrap();
    let path = format!("/setup/{token}");
    let mut clients = Vec::new();
    for i in 0..20 {
        let mut c = app.client();
        c.csrf().await;
        let pw = format!("new passphrase {i:02}");
        clients.push((c, path.clone(), fields(&[("new_password", &pw), ("confirm_password", &pw)])));
    }
    let statuses = all_at_once(clients).await;
    let winners: Vec<usize> = (0..20).filter(|i| statuses[*i] == StatusCode::SEE_OTHER).collect();
    assert_eq!(winners.len(), 1, "{statuses:?}");
    let right = format!("new passphrase {:02}", winners[0]);
    let other = format!("new passphrase {:02}", (winners[0] + 1) % 20);
    assert!(users::login(&app.store, "maria", &other, "10.1.1.1", None).await.is_err());
    assert!(users::login(&app.store, "maria", &right, "10.1.1.1", None).await.is_ok());
}

/// Finding 2: 20 simultaneous attempts on one account from one address; only the 5 free
/// attempts reach the password check, the right password among the rest is refused too.
#[tokio::test]
async fn twenty_simultaneous_guesses_get_five_tries_however_fast_they_come() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let mut clients = Vec::new();
    for i in 0..20 {
        let mut c = app.client_from([192, 0, 2, 9]);
        c.csrf().await;
        let pw = if i == 19 { PASSWORD.to_owned() } else { format!("wrong guess {i}") };
        clients.push((c, "/login".to_owned(), fields(&[("username", "maria"), ("password", &pw), ("next", "/")])));
    }
    let statuses = all_at_once(clients).await;
    let tried = statuses.iter().filter(|s| **s != StatusCode::TOO_MANY_REQUESTS).count();
    assert!(tried <= 5, "{tried} attempts reached the password check: {statuses:?}");
    assert!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count() >= 15, "{statuses:?}");
    let failed = audit_log::Entity::find()
        .filter(audit_log::Column::Action.is_in(["login_failed", "login_blocked"]))
        .count(app.store.conn())
        .await
        .unwrap();
    assert!(failed >= 19, "failed and blocked logins are audited: {failed}");
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Finding 3: 40 simultaneous logins of unknown users hash at most one per core at a time,
/// so the peak memory grows by a few argon2 buffers (19 MiB each), not by forty.
#[tokio::test]
async fn forty_simultaneous_logins_hash_within_bounded_memory() {
    let app = spawn_app().await;
    let mut clients = Vec::new();
    for i in 0..40u8 {
        let mut c = app.client_from([198, 18, 0, i]);
        c.csrf().await;
        let name = format!("nobody{i}");
        clients.push((
            c,
            "/login".to_owned(),
            fields(&[("username", &name), ("password", "whatever it is"), ("next", "/")]),
        ));
    }
    let before = peak_rss_kib();
    let statuses = all_at_once(clients).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    let grown_mib = peak_rss_kib().saturating_sub(before) / 1024;
    let bound = (hearth_core::auth::password::max_concurrent_hashes() as u64 + 2) * 20 + 40;
    assert!(grown_mib <= bound, "peak memory grew by {grown_mib} MiB (bound {bound} MiB)");
}

/// Finding 5: a shared address sprayed with failures blocks strangers, not a user whose
/// device logged in before; the per-account limits still hold for that device.
#[tokio::test]
async fn a_known_device_gets_past_a_sprayed_shared_address_but_not_past_the_account_limit() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    let office = [203, 0, 113, 10];
    let mut maria = app.client_from(office);
    assert_eq!(maria.login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert!(maria.cookies.contains_key("hearth_device"), "a device cookie is set at login");
    maria.cookies.remove("hearth_session");
    let mut attacker = app.client_from(office);
    for i in 0..20 {
        let res = attacker.login(&format!("user{i}"), "spray spray spray").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(attacker.login("user99", "spray spray spray").await.status, StatusCode::TOO_MANY_REQUESTS);
    let mut colleague = app.client_from(office);
    assert_eq!(colleague.login("maria", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "no device: blocked");
    assert_eq!(maria.login("maria", PASSWORD).await.status, StatusCode::SEE_OTHER, "known device: let through");
    maria.cookies.remove("hearth_session");
    for _ in 0..5 {
        assert_eq!(maria.login("maria", "not her password").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(maria.login("maria", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "account limit holds");
}

/// Finding 6: a password reset, like disabling the account, revokes the user's API tokens.
#[tokio::test]
async fn a_password_reset_or_a_disabled_account_revokes_api_tokens() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("maria", "caseworker", &["north"]).await;
    assert_eq!(api.get("/api/v1/households").await.status, StatusCode::OK);
    let maria = users::by_username(&app.store, "maria").await.unwrap().unwrap();
    setup::issue_reset(&app.store, &Actor::system(), maria.id).await.unwrap();
    assert_eq!(api.get("/api/v1/households").await.status, StatusCode::UNAUTHORIZED);
    assert!(tokens::list(&app.store, &Actor::system(), maria.id).await.unwrap().iter().all(|t| t.revoked_at.is_some()));

    let (_, secret) = tokens::create(&app.store, &Actor::system(), maria.id, "second").await.unwrap();
    api.bearer = Some(secret);
    assert_eq!(api.get("/api/v1/households").await.status, StatusCode::OK);
    let upd = users::UserUpdate { disabled: Some(true), ..Default::default() };
    users::update(&app.store, &Actor::system(), maria.id, upd).await.unwrap();
    let upd = users::UserUpdate { disabled: Some(false), ..Default::default() };
    users::update(&app.store, &Actor::system(), maria.id, upd).await.unwrap();
    assert_eq!(api.get("/api/v1/households").await.status, StatusCode::UNAUTHORIZED, "re-enabling revives no token");
}

/// Finding 7: after login only a plain local path is followed.
#[tokio::test]
async fn login_never_redirects_off_site_and_never_fails_on_a_strange_next() {
    let app = spawn_app().await;
    app.community("north").await;
    app.user("maria", "caseworker", &["north"]).await;
    for (next, to) in [
        ("/%09/evil.example/phish", "/"),
        ("/\t/evil.example/phish", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/x\ny", "/"),
        ("/households?q=zw", "/households?q=zw"),
    ] {
        let mut c = app.client();
        let page = c.get(&format!("/login?next={}", enc(next))).await;
        assert_eq!(page.status, StatusCode::OK, "{next:?}");
        let res = c.post_form("/login", &[("username", "maria"), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{next:?}: {}", res.text);
        assert_eq!(res.location(), to, "{next:?}");
    }
}

/// Finding 4: behind our proxy, the client address is the entry the proxy added (the
/// rightmost), so rotating the entries a client writes itself does not reset its limit.
#[tokio::test]
async fn rotating_forwarded_for_entries_does_not_escape_the_address_limit() {
    let app = spawn_app().await;
    let behind_proxy = || AppConfig { trusted_proxies: 1, ..Default::default() };
    let mut attacker = app.client_with(behind_proxy(), [10, 0, 0, 2]);
    for i in 0..20 {
        attacker.headers = vec![("x-forwarded-for", format!("192.0.2.{i}, 198.51.100.7"))];
        assert_eq!(attacker.login(&format!("user{i}"), "spray spray spray").await.status, StatusCode::UNAUTHORIZED);
    }
    attacker.headers = vec![("x-forwarded-for", "203.0.113.99, 198.51.100.7".into())];
    assert_eq!(attacker.login("user99", "spray spray spray").await.status, StatusCode::TOO_MANY_REQUESTS);
    // Someone else behind the same proxy is another address.
    let mut other = app.client_with(behind_proxy(), [10, 0, 0, 2]);
    other.headers = vec![("x-forwarded-for", "198.51.100.8".into())];
    assert_eq!(other.login("user99", "spray spray spray").await.status, StatusCode::UNAUTHORIZED);
    // Without a trusted proxy the header is not believed at all: the peer is the client.
    let mut direct = app.client_from([10, 0, 0, 3]);
    direct.headers = vec![("x-forwarded-for", "198.51.100.7".into())];
    assert_eq!(direct.login("user98", "spray spray spray").await.status, StatusCode::UNAUTHORIZED);
}

/// Finding 10: HSTS with TLS, a CSP on the API docs too, Origin compared with its scheme,
/// a client's request id only when it is short and plain, no bidi controls in names.
#[tokio::test]
async fn headers_origin_scheme_request_ids_and_bidi_controls() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut plain = app.client();
    assert!(plain.get("/login").await.header("strict-transport-security").is_none());
    let mut tls = app.client_with(AppConfig { secure_cookies: true, ..Default::default() }, [10, 0, 0, 1]);
    assert_eq!(tls.get("/login").await.header("strict-transport-security").as_deref(), Some("max-age=31536000"));
    let docs = plain.get("/api/docs/").await;
    assert_eq!(docs.status, StatusCode::OK);
    let csp = docs.header("content-security-policy").expect("CSP on the API docs");
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");

    // Same host and port, other scheme: another origin.
    app.user("maria", "caseworker", &["north"]).await;
    let token = plain.csrf().await;
    let fields = [("csrf_token", token.as_str()), ("username", "maria"), ("password", PASSWORD), ("next", "/")];
    let res = plain.post_form_raw("/login", &fields, Some(&format!("https://{HOST}"))).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        plain.post_form_raw("/login", &fields, Some(&format!("http://{HOST}"))).await.status,
        StatusCode::SEE_OTHER
    );

    let mut c = app.client();
    c.headers = vec![("x-request-id", "report-2026-12-01.a_1".into())];
    assert_eq!(c.get("/healthz").await.header("x-request-id").as_deref(), Some("report-2026-12-01.a_1"));
    for bad in ["a".repeat(65), "<script>".into(), "id with spaces".into()] {
        c.headers = vec![("x-request-id", bad.clone())];
        let id = c.get("/healthz").await.header("x-request-id").unwrap_or_default();
        assert!(!id.is_empty() && id != bad && id.len() <= 64, "{bad:?} → {id:?}");
    }

    let mut worker = app.api_as("coord", "coordinator", &["north"]).await;
    for bad in ["A-\u{202E}1", "A-\u{2066}1"] {
        let res = worker
            .json(
                "POST",
                "/api/v1/households",
                &serde_json::json!({"community": "north", "code": bad, "address": "1 Road"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
        assert_eq!(res.json()["error"]["field_codes"]["code"], "invalid_characters", "{}", res.text);
    }
}
