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
    let used = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("use_setup_link"))
        .count(app.store.conn())
        .await
        .unwrap();
    assert_eq!(used, 1, "the one use of the link is audited");
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
        let pw = format!("wrong guess {i}");
        clients.push((c, "/login".to_owned(), fields(&[("username", "maria"), ("password", &pw), ("next", "/")])));
    }
    // Twenty wrong guesses at once: five reach the password check, however they interleave.
    // (With the right password among them the count would depend on timing: a success
    // rightly starts the account's counters over, and later guesses may then be tried.)
    let statuses = all_at_once(clients).await;
    let tried = statuses.iter().filter(|s| **s != StatusCode::TOO_MANY_REQUESTS).count();
    assert!(tried <= 5, "{tried} attempts reached the password check: {statuses:?}");
    assert!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count() >= 15, "{statuses:?}");
    // The right password after them is refused too: the account is blocked for now.
    let mut late = app.client_from([192, 0, 2, 9]);
    let res = late.login("maria", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "the 21st try, right or not, waits");
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
    // Generous: under `cargo test` other tests share the process; unbounded it was +444 MiB.
    let bound = (hearth_core::auth::password::max_concurrent_hashes() as u64 + 2) * 20 + 120;
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

/// Finding 9: a list that showed a resident's name counts as having seen them. "Who has
/// seen this resident" is answered from the side table, on the resident's page for
/// coordinators and through `/api/v1/audit?seen=`, and coordinators read only their own
/// communities' entries.
#[tokio::test]
async fn who_saw_a_resident_includes_the_lists_that_showed_them() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let h = hh(&app, "north", "N-1", "2024-01-01", None, 2).await;
    hh(&app, "south", "S-1", "2024-01-01", None, 1).await;
    let resident = hearth_core::registry::residents::of_household(
        &app.store,
        &Actor::system(),
        &hearth_core::registry::households::load(&app.store, &Actor::system(), h).await.unwrap(),
    )
    .await
    .unwrap()[0]
        .id;
    let mut worker = app.api_as("wang", "caseworker", &["north"]).await;
    assert_eq!(worker.get("/api/v1/households?community=north").await.status, StatusCode::OK);
    let mut coordinator = app.api_as("coord", "coordinator", &["north"]).await;
    let seen = coordinator.get(&format!("/api/v1/audit?seen=resident:{resident}")).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
    let items = seen.json()["items"].as_array().cloned().unwrap();
    assert!(
        items.iter().any(|e| e["actor"] == "wang" && e["action"] == "list" && e["entity"] == "household"),
        "the household list that showed the resident's name is there: {items:?}"
    );

    // The page, for a coordinator; not for the caseworker.
    let mut page_coord = app.login_as("coordweb", "coordinator", &["north"]).await;
    let page = page_coord.get(&format!("/residents/{resident}")).await;
    assert!(page.text.contains("Who has seen or changed this record") && page.text.contains(">wang<"), "{}", page.text);
    let mut page_worker = app.login_as("liweb", "caseworker", &["north"]).await;
    assert!(!page_worker.get(&format!("/residents/{resident}")).await.text.contains("Who has seen"));

    // Coordinators: their communities' entries only, nothing of the deployment's chain.
    let all = coordinator.get("/api/v1/audit?limit=500").await.json();
    let items = all["items"].as_array().cloned().unwrap();
    assert!(!items.is_empty());
    let north = hearth_core::registry::communities::by_slug(&app.store, &Actor::system(), "north").await.unwrap().id;
    assert!(items.iter().all(|e| e["community_id"] == north), "{items:?}");
    assert_eq!(worker.get("/api/v1/audit").await.status, StatusCode::FORBIDDEN);
    let mut admin = app.api_as("root", "admin", &[]).await;
    let everything = admin.get("/api/v1/audit?limit=500").await.json();
    assert!(everything["items"].as_array().unwrap().iter().any(|e| e["chain"] == 0), "admins read every chain");
    assert!(matches!(
        hearth_core::audit::verify(&app.store).await.unwrap(),
        hearth_core::audit::Verdict::Intact { .. }
    ));
}

/// Hardening: two people editing one household at once never lose an update. The second
/// save is refused, shows what the first saved and keeps what the second typed; saving
/// again is a deliberate choice. The API does the same with ETag / If-Match.
#[tokio::test]
async fn two_people_editing_one_household_never_silently_overwrite_each_other() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2024-01-01", None, 0).await;
    let mut a = app.login_as("anna", "caseworker", &["north"]).await;
    let mut b = app.login_as("boris", "caseworker", &["north"]).await;
    let form_a = a.get(&format!("/households/{h}/edit")).await.text;
    let form_b = b.get(&format!("/households/{h}/edit")).await.text;
    let version = |page: &str| {
        let at = page.find("name=\"version\" value=\"").map(|i| i + 22).unwrap();
        page[at..].chars().take_while(|c| *c != '"').collect::<String>()
    };
    let (va, vb) = (version(&form_a), version(&form_b));
    assert_eq!(va, vb);
    let base = [("code", "N-1"), ("address", "Building 1, N-1")];
    let mut fields: Vec<(&str, &str)> = base.to_vec();
    fields.extend([("phone", "13800000001"), ("version", va.as_str())]);
    assert_eq!(a.post_form(&format!("/households/{h}"), &fields).await.status, StatusCode::SEE_OTHER);
    let mut fields: Vec<(&str, &str)> = base.to_vec();
    fields.extend([("notes", "needs a Mandarin class"), ("version", vb.as_str())]);
    let refused = b.post_form(&format!("/households/{h}"), &fields).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("13800000001"), "the other change is shown");
    assert!(refused.text.contains("needs a Mandarin class"), "what B typed is kept");
    let stored = hearth_core::registry::households::load(&app.store, &Actor::system(), h).await.unwrap();
    assert_eq!(stored.phone.as_deref(), Some("13800000001"));
    assert_eq!(stored.notes, None, "nothing of B's was written");
    // Saving again from the refreshed form is B's deliberate choice.
    let mut fields: Vec<(&str, &str)> = base.to_vec();
    let vb2 = version(&refused.text);
    fields.extend([("phone", "13800000001"), ("notes", "needs a Mandarin class"), ("version", vb2.as_str())]);
    assert_eq!(b.post_form(&format!("/households/{h}"), &fields).await.status, StatusCode::SEE_OTHER);

    // The API: ETag and If-Match.
    let mut api = app.api_as("cli", "caseworker", &["north"]).await;
    let read = api.get(&format!("/api/v1/households/{h}")).await;
    let etag = read.header("etag").expect("an ETag");
    api.headers = vec![("if-match", etag.clone())];
    let ok = api.json("PATCH", &format!("/api/v1/households/{h}"), &serde_json::json!({"unit": "2"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_ne!(ok.header("etag"), Some(etag.clone()));
    let stale = api.json("PATCH", &format!("/api/v1/households/{h}"), &serde_json::json!({"unit": "3"})).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.text);
    assert_eq!(stale.json()["error"]["code"], "precondition_failed");
    // Found by schemathesis: what is wrong with the input is said before the stale version.
    let bad = api.json("PATCH", &format!("/api/v1/households/{h}"), &serde_json::json!({"code": "x".repeat(51)})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    api.headers.clear();
    let unit = api.get(&format!("/api/v1/households/{h}")).await.json()["unit"].clone();
    assert_eq!(unit, "2", "the stale change wrote nothing");
}

/// The same for follow-ups, whose page sends only the fields that differ from the record:
/// without a version, a stale page would put back a status someone else had just changed.
#[tokio::test]
async fn a_stale_follow_up_change_is_refused_by_page_and_api() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2024-01-01", None, 0).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let me = users::by_username(&app.store, "coord").await.unwrap().unwrap();
    let created = api
        .json(
            "POST",
            "/api/v1/follow-ups",
            &serde_json::json!({"household_id": h, "description": "school place", "category": "schooling",
                "owner_user_id": me.id, "due_on": "2030-01-01"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let etag = api.get(&format!("/api/v1/follow-ups/{id}")).await.header("etag").unwrap();
    api.headers = vec![("if-match", etag.clone())];
    let moved =
        api.json("PATCH", &format!("/api/v1/follow-ups/{id}"), &serde_json::json!({"status": "in_progress"})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let stale =
        api.json("PATCH", &format!("/api/v1/follow-ups/{id}"), &serde_json::json!({"due_on": "2030-02-01"})).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.text);
}

/// Finding 11 (part): the OpenAPI document's bounds are enforced, and an API call with no
/// credential at all is 401, not a CSRF refusal (there is no cookie to forge).
#[tokio::test]
async fn the_api_enforces_its_documented_limits_and_answers_401_without_credentials() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    for path in ["/api/v1/households", "/api/v1/residents", "/api/v1/visits", "/api/v1/follow-ups", "/api/v1/audit"] {
        for limit in ["0", "501"] {
            let res = api.get(&format!("{path}?limit={limit}")).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}?limit={limit}: {}", res.text);
            assert!(res.text.contains("limit"), "{path}: {}", res.text);
        }
        assert_eq!(api.get(&format!("{path}?limit=500")).await.status, StatusCode::OK, "{path}");
    }
    let res = api.get("/api/v1/reports/records?key=households_registered&limit=0").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);

    let mut nobody = app.client();
    for (method, path) in
        [("PATCH", "/api/v1/households/1"), ("POST", "/api/v1/households"), ("DELETE", "/api/v1/tokens/1")]
    {
        let res = nobody.json_raw(method, path, &serde_json::json!({})).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", res.text);
    }
}
