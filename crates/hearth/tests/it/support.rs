//! The test harness: `spawn_app()` gives a fresh database and router; `TestClient` is a
//! browser-like client (cookie jar, CSRF token, Origin) or an API client (bearer token).

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use hearth_core::auth::users::{self, NewUser};
use hearth_core::entity::{community, household};
use hearth_core::registry::{communities, households};
use hearth_core::{Actor, Store};
use hearth_web::{AppConfig, AppState};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub store: Store,
    pub router: Router,
    pub state: AppState,
    sqlite_path: Option<std::path::PathBuf>,
    url: String,
    /// (server URL, database name) of a PostgreSQL test database, dropped with the app.
    pg_database: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_database.take() {
            // Drop the test's database on a side thread (Drop cannot await).
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&server).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
        if let Some(p) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
    }
}

fn unique_name() -> String {
    format!("{:x}{:x}", std::process::id(), rand::random::<u64>())
}

/// This test process's audit key, set on first use; CLI children get it through
/// `HEARTH_AUDIT_KEY`.
pub fn audit_key_hex() -> String {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    let key = *KEY.get_or_init(hearth_core::audit::new_key);
    assert!(hearth_core::audit::set_key(key), "one audit key per process");
    hearth_core::audit::key_to_hex(&key)
}

/// The hearth binary, with this process's audit key.
pub fn hearth_cli() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_hearth"));
    c.env("HEARTH_AUDIT_KEY", audit_key_hex());
    c
}

/// A fresh database (SQLite file, or a new PostgreSQL database), migrated, and the router.
pub async fn spawn_app() -> TestApp {
    spawn_app_from(|_| async {}).await
}

/// Like `spawn_app`, with `before` run on the empty, unmigrated database first (to build
/// a database as an earlier release left it).
pub async fn spawn_app_from<F: std::future::Future<Output = ()>>(before: impl FnOnce(Store) -> F) -> TestApp {
    audit_key_hex();
    let mut pg_database = None;
    let (url, sqlite_path) = match std::env::var("HEARTH_TEST_POSTGRES_URL") {
        Ok(server) if !server.is_empty() => {
            let admin = Database::connect(&server).await.expect("connect to HEARTH_TEST_POSTGRES_URL");
            let name = format!("hearth_t_{}", unique_name());
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            let _ = admin.close().await;
            let base = server.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(server.clone());
            pg_database = Some((server.clone(), name.clone()));
            (format!("{base}/{name}"), None)
        }
        _ => {
            let path = std::env::temp_dir().join(format!("hearth-test-{}.db", unique_name()));
            (format!("sqlite://{}", path.display()), Some(path))
        }
    };
    let store = Store::connect(&url).await.expect("connect");
    before(store.clone()).await;
    store.migrate().await.expect("migrate");
    let state = AppState::new(store.clone(), AppConfig::default());
    let router = hearth_web::router(state.clone()).layer(MockConnectInfo(SocketAddr::from(([10, 0, 0, 1], 50000))));
    TestApp { store, router, state, sqlite_path, url, pg_database }
}

impl TestApp {
    pub async fn community(&self, slug: &str) -> community::Model {
        communities::create(
            &self.store,
            &Actor::system(),
            communities::CommunityInput {
                name: Some(format!("{slug} community")),
                slug: Some(slug.into()),
                address: None,
                established_on: Some("2016-01-01".into()),
            },
        )
        .await
        .expect("create community")
    }

    pub async fn household(&self, community_slug: &str, code: &str) -> household::Model {
        households::create(
            &self.store,
            &Actor::system(),
            households::HouseholdInput {
                community: Some(community_slug.into()),
                code: Some(code.into()),
                address: Some(format!("Building 1, {code}")),
                ..Default::default()
            },
        )
        .await
        .expect("create household")
    }

    /// A user with `PASSWORD`.
    pub async fn user(&self, username: &str, role: &str, communities: &[&str]) -> hearth_core::entity::user::Model {
        users::create(
            &self.store,
            &Actor::system(),
            NewUser {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                communities: communities.iter().map(|s| s.to_string()).collect(),
                password: Some(PASSWORD.into()),
            },
        )
        .await
        .expect("create user")
    }

    /// A client whose requests come from another network address (for throttling tests).
    /// Pairs the user `username` (a volunteer) with a household, from 2016-04-01, so the
    /// volunteer may see it.
    pub async fn pair(&self, username: &str, household_id: i64) {
        use hearth_core::entity::helper;
        use hearth_core::pairs::{helpers, records};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let u = users::by_username(&self.store, username).await.unwrap().expect("user to pair");
        let h = household::Entity::find_by_id(household_id).one(self.store.conn()).await.unwrap().expect("household");
        let sys = Actor::system();
        let existing = helper::Entity::find()
            .filter(helper::Column::UserId.eq(u.id))
            .filter(helper::Column::CommunityId.eq(h.community_id))
            .one(self.store.conn())
            .await
            .unwrap();
        let helper_id = match existing {
            Some(x) => x.id,
            None => {
                let kind = if u.role == hearth_core::Role::Volunteer { "volunteer" } else { "team_member" };
                helpers::create(
                    &self.store,
                    &sys,
                    helpers::HelperInput {
                        community_id: Some(h.community_id),
                        kind: Some(kind.into()),
                        user_id: Some(u.id),
                        ..Default::default()
                    },
                )
                .await
                .expect("helper")
                .id
            }
        };
        records::create(
            &self.store,
            &sys,
            records::PairInput {
                household_id: Some(h.id),
                helper_id: Some(helper_id),
                cadence: Some("weekly".into()),
                started_on: Some("2016-04-01".into()),
                ..Default::default()
            },
        )
        .await
        .expect("pair");
    }

    /// Makes every session look idle for `idle_minutes` and `age_hours` old.
    pub async fn age_sessions(&self, idle_minutes: i64, age_hours: i64) {
        use hearth_core::entity::session;
        use sea_orm::EntityTrait;
        use sea_orm::sea_query::Expr;
        let now = chrono::Utc::now();
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now - chrono::TimeDelta::minutes(idle_minutes)))
            .col_expr(session::Column::CreatedAt, Expr::value(now - chrono::TimeDelta::hours(age_hours)))
            .exec(self.store.writer())
            .await
            .unwrap();
        // Written behind the application's back, as time passing would: what it remembers
        // of sessions must be forgotten as well.
        self.store.auth_changed();
    }

    pub fn client_from(&self, ip: [u8; 4]) -> TestClient {
        let router = hearth_web::router(self.state.clone()).layer(MockConnectInfo(SocketAddr::from((ip, 50000))));
        TestClient { router, cookies: HashMap::new(), bearer: None, csrf: None, headers: Vec::new() }
    }

    /// A client of a server started with `config`, connecting from `peer`.
    pub fn client_with(&self, config: AppConfig, peer: [u8; 4]) -> TestClient {
        let state = AppState::new(self.store.clone(), config);
        let router = hearth_web::router(state).layer(MockConnectInfo(SocketAddr::from((peer, 50000))));
        TestClient { router, cookies: HashMap::new(), bearer: None, csrf: None, headers: Vec::new() }
    }

    /// The database URL of this test's database (for running the CLI against it).
    /// The database URL of this test's database, for running the CLI against it (an
    /// `Option` so call sites read the same whichever backend the run uses).
    pub fn database_url(&self) -> Option<String> {
        Some(self.url.clone())
    }

    pub fn client(&self) -> TestClient {
        TestClient {
            router: self.router.clone(),
            cookies: HashMap::new(),
            bearer: None,
            csrf: None,
            headers: Vec::new(),
        }
    }

    /// A logged-in browser client for a new user with this role.
    pub async fn login_as(&self, username: &str, role: &str, communities: &[&str]) -> TestClient {
        self.user(username, role, communities).await;
        let mut c = self.client();
        let res = c.login(username, PASSWORD).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "login failed: {}", res.text);
        c
    }

    /// An API client authenticated by a fresh bearer token for a new user.
    pub async fn api_as(&self, username: &str, role: &str, communities: &[&str]) -> TestClient {
        let u = self.user(username, role, communities).await;
        let (_, secret) = hearth_core::auth::tokens::create(&self.store, &Actor::system(), u.id, "test").await.unwrap();
        let mut c = self.client();
        c.bearer = Some(secret);
        c
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    /// The body as sent (a spreadsheet, an archive).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
    pub fn location(&self) -> String {
        self.header("location").unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct TestClient {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub bearer: Option<String>,
    csrf: Option<String>,
    /// Sent with every request (as a proxy in front would add them).
    pub headers: Vec<(&'static str, String)>,
}

pub const HOST: &str = "hearth.test";

impl TestClient {
    pub async fn send(&mut self, mut req: Request<Body>) -> TestResponse {
        let h = req.headers_mut();
        h.insert(header::HOST, HOST.parse().unwrap());
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            h.insert(header::COOKIE, cookie.parse().unwrap());
        }
        if let Some(b) = &self.bearer {
            h.insert(header::AUTHORIZATION, format!("Bearer {b}").parse().unwrap());
        }
        for (name, value) in &self.headers {
            h.insert(*name, value.parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.expect("router");
        for v in res.headers().get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap_or_default();
            let (kv, attrs) = s.split_once(';').unwrap_or((s, ""));
            if let Some((k, val)) = kv.split_once('=') {
                if val.is_empty() || attrs.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), val.to_owned());
                }
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        if let Some(t) = extract_csrf(&bytes) {
            self.csrf = Some(t);
        }
        TestResponse { status, headers, text: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    /// The CSRF token the current session's pages carry (fetched from a page if needed).
    pub async fn csrf(&mut self) -> String {
        if self.csrf.is_none() {
            // Every HTML page carries the token in `data-csrf`; a 404 page does too, in
            // any login state.
            self.get("/no-such-page").await;
        }
        self.csrf.clone().unwrap_or_default()
    }

    /// Forgets the cached CSRF token (after login or logout it changes).
    pub fn reset_csrf(&mut self) {
        self.csrf = None;
    }

    /// A same-origin form post with the CSRF token added.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all, Some(&format!("http://{HOST}"))).await
    }

    /// A form post exactly as given (no CSRF token added), with an optional Origin.
    pub async fn post_form_raw(&mut self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> TestResponse {
        let body = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A JSON request. With a session cookie the CSRF header is added; with a bearer token none is needed.
    pub async fn json(&mut self, method: &str, path: &str, body: &serde_json::Value) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        if self.bearer.is_none() {
            let token = self.csrf().await;
            req = req.header("x-csrf-token", token).header(header::ORIGIN, format!("http://{HOST}"));
        }
        self.send(req.body(Body::from(body.to_string())).unwrap()).await
    }

    /// A JSON request exactly as given: no CSRF header, no Origin (a script or a client
    /// library, not a browser page).
    pub async fn json_raw(&mut self, method: &str, path: &str, body: &serde_json::Value) -> TestResponse {
        let req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        self.send(req.body(Body::from(body.to_string())).unwrap()).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> TestResponse {
        let res = self.post_form("/login", &[("username", username), ("password", password), ("next", "/")]).await;
        self.reset_csrf();
        res
    }
}

fn extract_csrf(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let marker = "data-csrf=\"";
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')? + start;
    let token = &text[start..end];
    (!token.is_empty()).then(|| token.to_owned())
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Small worlds with known answers (period: March 2016), shared by the indicator, report and
// shape tests.

use hearth_core::registry::{consent, residents};

pub const FROM: &str = "2016-03-01";
pub const TO: &str = "2016-03-31";

/// A household with move dates and `members` residents.
pub async fn hh(app: &TestApp, slug: &str, code: &str, moved_in: &str, moved_out: Option<&str>, members: usize) -> i64 {
    let sys = Actor::system();
    let h = households::create(
        &app.store,
        &sys,
        households::HouseholdInput {
            community: Some(slug.into()),
            code: Some(code.into()),
            address: Some(format!("Building 1, {code}")),
            moved_in_on: Some(moved_in.into()),
            moved_out_on: moved_out.map(str::to_owned),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for i in 0..members {
        residents::create(
            &app.store,
            &sys,
            residents::ResidentInput {
                household_id: Some(h.id),
                full_name: Some(format!("居民{code}-{i}")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    h.id
}

pub async fn consent_for(app: &TestApp, household: i64, given: &str, withdrawn: Option<&str>) {
    let sys = Actor::system();
    let c = consent::create(
        &app.store,
        &sys,
        household,
        consent::ConsentInput {
            given_by: Some("户主".into()),
            given_on: Some(given.into()),
            scope_services: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    if let Some(w) = withdrawn {
        consent::withdraw(&app.store, &sys, c.id, Some(w)).await.unwrap();
    }
}

/// Two communities whose March 2016 figures are known, with every boundary case.
/// north: households 4, residents 4, consent 2, moved in 2, moved out 2.
/// south: households 3, residents 3, consent 1, moved in 1, moved out 0.
pub async fn two_communities(app: &TestApp) -> (i64, i64) {
    let north = app.community("north").await.id;
    let south = app.community("south").await.id;
    let n1 = hh(app, "north", "N1", "2016-02-29", None, 2).await; // the day before: present, not moved in
    let n2 = hh(app, "north", "N2", "2016-03-01", None, 1).await; // first day: moved in
    let n3 = hh(app, "north", "N3", "2016-03-31", None, 0).await; // last day: moved in
    let n4 = hh(app, "north", "N4", "2016-04-01", None, 3).await; // the day after: not yet here
    hh(app, "north", "N5", "2016-01-10", Some("2016-03-15"), 1).await; // moved out inside
    let n6 = hh(app, "north", "N6", "2016-01-10", Some("2016-04-01"), 1).await; // moved out after
    hh(app, "north", "N7", "2016-01-10", Some("2016-03-31"), 2).await; // moved out on the last day
    hh(app, "north", "N8", "2016-01-10", Some("2016-02-29"), 1).await; // moved out before
    consent_for(app, n1, "2016-02-01", Some("2016-03-20")).await; // withdrawn before the end
    consent_for(app, n2, "2016-03-05", Some("2016-04-02")).await; // withdrawn after the end: in force
    consent_for(app, n3, "2016-04-01", None).await; // given after the end
    consent_for(app, n4, "2016-03-02", Some("2016-03-31")).await; // withdrawn on the last day
    consent_for(app, n6, "2016-01-15", None).await; // in force
    let s1 = hh(app, "south", "S1", "2016-03-10", None, 3).await;
    hh(app, "south", "S2", "2015-12-01", None, 0).await;
    hh(app, "south", "S3", "2016-01-01", None, 0).await;
    consent_for(app, s1, "2016-03-10", None).await;
    (north, south)
}

/// A `YYYY-MM-DD` date.
pub fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Undoes the HTML escaping of an attribute value: the named entities askama writes and
/// numeric ones (`&#38;`, `&#x27;`).
pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `name="…" value="…"` inputs of the form with `id` (a page as a browser would submit it).
pub fn form_fields(html: &str, id: &str) -> Vec<(String, String)> {
    let Some(start) = html.find(&format!("id=\"{id}\"")) else { return Vec::new() };
    let form = &html[start..html[start..].find("</form>").map_or(html.len(), |e| start + e)];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let marker = format!("{name}=\"");
        let i = tag.find(&marker)? + marker.len();
        Some(unescape(&tag[i..i + tag[i..].find('"')?]))
    };
    form.split("<input")
        .skip(1)
        .filter_map(|tag| Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default())))
        .collect()
}

/// `n` residents in one household each; their ids.
pub async fn people(app: &TestApp, slug: &str, n: usize) -> Vec<i64> {
    let mut out = Vec::new();
    for i in 0..n {
        let h = hh(app, slug, &format!("{slug}-P{i:02}"), "2016-01-10", None, 1).await;
        let r = hearth_core::registry::residents::list(
            &app.store,
            &Actor::system(),
            &hearth_core::registry::residents::ListQuery { household_id: Some(h), ..Default::default() },
        )
        .await
        .unwrap();
        out.push(r.items[0].id);
    }
    out
}
