//! `hearth bench http`: the real server on loopback under C concurrent keep-alive
//! connections for D seconds per workload, beside, in the same run, a trivial axum handler
//! (what the machine and the HTTP stack can do at all) and the raw indexed SELECT through
//! the same pool (what the database can do at all). Numbers go to docs/PERFORMANCE.md.
//!
//! The load generator is in process and deliberately small: HTTP/1.1 keep-alive over a
//! `TcpStream`, bounded in connections, requests and time, and it only ever connects to
//! the loopback addresses it bound itself.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use hearth_core::auth::{sessions, tokens, users};
use hearth_core::entity::{follow_up, household, program_session, resident};
use hearth_core::visits::FollowUpStatus;
use hearth_core::{Actor, Store};
use hearth_web::{AppConfig, AppState};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const MAX_CONNECTIONS: usize = 512;
const MAX_SECONDS: u64 = 120;
/// Per connection and workload: a hard stop whatever the clock says.
const MAX_REQUESTS: usize = 2_000_000;

/// What one connection sends: a request built from the connection and request numbers.
type MakeRequest = dyn Fn(usize, usize) -> Vec<u8> + Send + Sync;

struct Outcome {
    label: &'static str,
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    rss_kib: Option<u64>,
}

impl Outcome {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        f64::from(self.latencies_us[i.min(self.latencies_us.len() - 1)]) / 1000.0
    }
}

/// Resident set size of this process (server and load generator together), from /proc.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Reads one HTTP/1.1 response (Content-Length or chunked body); returns the status.
async fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (mut length, mut chunked) = (0usize, false);
    loop {
        line.clear();
        r.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut buf = vec![0u8; size + 2];
            r.read_exact(&mut buf).await?;
            if size == 0 {
                break;
            }
        }
    } else {
        let mut buf = vec![0u8; length];
        r.read_exact(&mut buf).await?;
    }
    Ok(status)
}

/// C connections to `addr` (loopback only) sending `make(conn, n)` until `for_how_long`.
async fn drive(
    label: &'static str,
    addr: SocketAddr,
    connections: usize,
    for_how_long: Duration,
    make: std::sync::Arc<MakeRequest>,
) -> Result<Outcome, String> {
    if !addr.ip().is_loopback() {
        return Err(format!("{addr} is not a loopback address"));
    }
    if let Some(out) = skipped(label) {
        return Ok(out);
    }
    let start = Instant::now();
    let deadline = start + for_how_long;
    let mut tasks = Vec::with_capacity(connections);
    for c in 0..connections {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let Ok(stream) = TcpStream::connect(addr).await else {
                return (lat, 1usize);
            };
            let _ = stream.set_nodelay(true);
            let mut r = BufReader::new(stream);
            for n in 0..MAX_REQUESTS {
                if Instant::now() >= deadline {
                    break;
                }
                let req = make(c, n);
                let t = Instant::now();
                if r.get_mut().write_all(&req).await.is_err() {
                    errors += 1;
                    break;
                }
                match read_response(&mut r).await {
                    Ok(status) if status < 400 => lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.map_err(|e| e.to_string())?;
        latencies_us.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies_us.sort_unstable();
    Ok(Outcome { label, requests: latencies_us.len(), errors, elapsed, latencies_us, rss_kib: rss_kib() })
}

/// For profiling one workload: `HEARTH_BENCH_ONLY=<part of a label>` runs only the
/// workloads it names (the trivial handler and the raw SELECT always run, for the ratios).
fn skipped(label: &'static str) -> Option<Outcome> {
    let only = std::env::var("HEARTH_BENCH_ONLY").ok()?;
    let always = label.starts_with("trivial") || label.starts_with("raw SELECT");
    (!always && !label.contains(only.as_str())).then(|| Outcome {
        label,
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
        rss_kib: None,
    })
}

/// `connections` tasks each running `step(store, id, task, n)` against the database until
/// `for_how_long`, ids taken from `ids` spread by `stride`: the baselines with no HTTP.
async fn raw_loop<F, Fut>(
    label: &'static str,
    store: &Store,
    ids: &[i64],
    (connections, stride): (usize, usize),
    for_how_long: Duration,
    step: F,
) -> Result<Outcome, String>
where
    F: Fn(Store, i64, usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send,
{
    if let Some(out) = skipped(label) {
        return Ok(out);
    }
    let start = Instant::now();
    let deadline = start + for_how_long;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (store, ids, step) = (store.clone(), ids.to_vec(), step.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            for n in 0..MAX_REQUESTS {
                if Instant::now() >= deadline {
                    break;
                }
                let id = ids[(c * stride + n) % ids.len()];
                let t = Instant::now();
                match step(store.clone(), id, c, n).await {
                    Ok(()) => lat.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32),
                    Err(_) => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let (mut latencies_us, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.map_err(|e| e.to_string())?;
        latencies_us.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies_us.sort_unstable();
    Ok(Outcome { label, requests: latencies_us.len(), errors, elapsed, latencies_us, rss_kib: rss_kib() })
}

/// The baseline for writes: a raw single-row transaction (`UPDATE follow_ups SET due_on`)
/// through the same writer, with the same journal and sync settings, C at a time.
async fn raw_write(store: &Store, ids: &[i64], connections: usize, for_how_long: Duration) -> Result<Outcome, String> {
    let label = "raw single-row write transaction (same writer)";
    raw_loop(label, store, ids, (connections, 131), for_how_long, |store: Store, id: i64, c, n| async move {
        let sql = match store.backend() {
            sea_orm::DbBackend::Postgres => "UPDATE follow_ups SET due_on = $1 WHERE id = $2",
            _ => "UPDATE follow_ups SET due_on = ? WHERE id = ?",
        };
        let due = chrono::NaiveDate::from_ymd_opt(2031, 1, 1 + ((c + n) % 28) as u32);
        let tx = store.write().await.map_err(|e| e.to_string())?;
        let stmt = Statement::from_sql_and_values(store.backend(), sql, [due.into(), id.into()]);
        tx.execute_raw(stmt).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())
    })
    .await
}

/// The baseline for a roll-call mark: a raw single-row upsert into `attendance` in its own
/// write transaction through the same writer, C at a time (task c marks at session c).
async fn raw_mark(
    store: &Store,
    sessions: &[(i64, i64)],
    residents: &[i64],
    connections: usize,
    for_how_long: Duration,
) -> Result<Outcome, String> {
    let label = "raw single-row attendance upsert (same writer)";
    let sessions = std::sync::Arc::new(sessions.to_vec());
    let people = std::sync::Arc::new(residents.to_vec());
    raw_loop(label, store, residents, (connections, 40), for_how_long, move |store: Store, _, c, n| {
        let (sessions, people) = (sessions.clone(), people.clone());
        async move {
            // As the HTTP workload: connection c's class of 40 at session c.
            let (sid, cid) = sessions[c % sessions.len()];
            let rid = people[(c * 40 + n % 40) % people.len()];
            let sql = match store.backend() {
                sea_orm::DbBackend::Postgres => {
                    "INSERT INTO attendance (community_id, session_id, resident_id, minutes, marked_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (session_id, resident_id) DO UPDATE SET minutes = excluded.minutes, marked_at = excluded.marked_at"
                }
                _ => {
                    "INSERT INTO attendance (community_id, session_id, resident_id, minutes, marked_at) VALUES (?, ?, ?, ?, ?) \
                     ON CONFLICT (session_id, resident_id) DO UPDATE SET minutes = excluded.minutes, marked_at = excluded.marked_at"
                }
            };
            // Within every demo session's length (the legal sessions are 90 minutes).
            let minutes = 30 + (n % 60) as i32;
            let tx = store.write().await.map_err(|e| e.to_string())?;
            let stmt = Statement::from_sql_and_values(
                store.backend(),
                sql,
                [cid.into(), sid.into(), rid.into(), minutes.into(), chrono::Utc::now().into()],
            );
            tx.execute_raw(stmt).await.map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())
        }
    })
    .await
}

/// The raw indexed SELECT of a household by id through the same read pool, C at a time.
async fn raw_select(store: &Store, ids: &[i64], connections: usize, for_how_long: Duration) -> Result<Outcome, String> {
    let label = "raw SELECT household by id (same pool)";
    raw_loop(label, store, ids, (connections, 7919), for_how_long, |store: Store, id: i64, _, _| async move {
        let sql = match store.backend() {
            sea_orm::DbBackend::Postgres => "SELECT id, code, address, phone FROM households WHERE id = $1",
            _ => "SELECT id, code, address, phone FROM households WHERE id = ?",
        };
        let stmt = Statement::from_sql_and_values(store.backend(), sql, [id.into()]);
        store.conn().query_one_raw(stmt).await.map(|_| ()).map_err(|e| e.to_string())
    })
    .await
}

fn get_req(path: &str, auth: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n").into_bytes()
}

fn json_req(method: &str, path: &str, auth: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Runs every workload against the demo community (loaded if missing) in `store`.
pub async fn run(store: &Store, seconds: u64, connections: usize) -> Result<String, String> {
    let e = |e: hearth_core::CoreError| e.to_string();
    let connections = connections.clamp(1, MAX_CONNECTIONS);
    let d = Duration::from_secs(seconds.clamp(1, MAX_SECONDS));
    hearth_core::demo::ensure(store).await.map_err(e)?;
    let coordinator = users::by_username(store, hearth_core::demo::COORDINATOR_USER)
        .await
        .map_err(e)?
        .ok_or("demo coordinator missing")?;
    let (_, secret) = tokens::create(store, &Actor::system(), coordinator.id, "bench http").await.map_err(e)?;
    let session = sessions::create(store, coordinator.id).await.map_err(e)?;
    let ids: Vec<i64> = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .into_tuple()
        .all(store.conn())
        .await
        .map_err(|e| e.to_string())?;
    let open: Vec<i64> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::Id)
        .filter(follow_up::Column::Status.is_in([FollowUpStatus::Open, FollowUpStatus::InProgress]))
        .into_tuple()
        .all(store.conn())
        .await
        .map_err(|e| e.to_string())?;
    if ids.is_empty() || open.is_empty() {
        return Err("the demo has no households or open follow-ups".into());
    }
    // The demo's held class sessions and the residents of its community, for roll-call marks.
    let held: Vec<(i64, i64)> = program_session::Entity::find()
        .select_only()
        .column(program_session::Column::Id)
        .column(program_session::Column::CommunityId)
        .filter(program_session::Column::Status.eq(hearth_core::programs::SessionStatus::Held))
        .into_tuple()
        .all(store.conn())
        .await
        .map_err(|e| e.to_string())?;
    let community = held.first().map(|(_, c)| *c).ok_or("the demo has no class sessions")?;
    let people: Vec<i64> = resident::Entity::find()
        .select_only()
        .column(resident::Column::Id)
        .filter(resident::Column::CommunityId.eq(community))
        .into_tuple()
        .all(store.conn())
        .await
        .map_err(|e| e.to_string())?;

    // hearth, served as `hearth serve` serves it.
    let state = AppState::new(store.clone(), AppConfig::default());
    let app = hearth_web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    // The trivial handler: the same HTTP stack, no database.
    let trivial = Router::new().route("/", get(|| async { axum::Json(serde_json::json!({"ok": true})) }));
    let tl = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let taddr = tl.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(tl, trivial).await;
    });

    let bearer = format!("Authorization: Bearer {secret}\r\n");
    let cookie = format!("Cookie: hearth_session={}\r\n", session.token);
    let ids = std::sync::Arc::new(ids);
    let open = std::sync::Arc::new(open);
    let pick = |ids: &std::sync::Arc<Vec<i64>>, c: usize, n: usize| ids[(c * 7919 + n * 31) % ids.len()];
    let mut out = Vec::new();
    out.push(
        drive("trivial axum JSON handler", taddr, connections, d, std::sync::Arc::new(|_, _| get_req("/", ""))).await?,
    );
    out.push(raw_select(store, &ids, connections, d).await?);
    let (i, b) = (ids.clone(), bearer.clone());
    out.push(
        drive(
            "1. household JSON by id (audited read)",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |c, n| get_req(&format!("/api/v1/households/{}", pick(&i, c, n)), &b)),
        )
        .await?,
    );
    let (i, k) = (ids.clone(), cookie.clone());
    out.push(
        drive(
            "2. household page HTML (audited read)",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |c, n| get_req(&format!("/households/{}", pick(&i, c, n)), &k)),
        )
        .await?,
    );
    let b = bearer.clone();
    out.push(
        drive(
            "3. resident search q=zw (API)",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |_, _| get_req("/api/v1/residents?q=zw", &b)),
        )
        .await?,
    );
    let k = cookie.clone();
    out.push(
        drive(
            "4. overdue follow-up queue page",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |_, _| get_req("/follow-ups?queue=overdue", &k)),
        )
        .await?,
    );
    let write = move |open: &std::sync::Arc<Vec<i64>>, b: &str, c: usize, n: usize| {
        // A real change every time (the due date moves), so every request writes its row,
        // its history and its audit entry.
        let id = open[(c * 131 + n) % open.len()];
        let body = format!("{{\"due_on\": \"2030-01-{:02}\"}}", 1 + (c + n) % 28);
        json_req("PATCH", &format!("/api/v1/follow-ups/{id}"), b, &body)
    };
    out.push(raw_write(store, &open, connections, d).await?);
    let (o, b) = (open.clone(), bearer.clone());
    out.push(
        drive(
            "5. write: follow-up change + history + audit",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |c, n| write(&o, &b, c, n)),
        )
        .await?,
    );
    let (i, o, b) = (ids.clone(), open.clone(), bearer.clone());
    out.push(
        drive(
            "6. mix: 90% household JSON, 10% writes",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |c, n| {
                if (c + n) % 10 == 0 {
                    write(&o, &b, c, n)
                } else {
                    get_req(&format!("/api/v1/households/{}", pick(&i, c, n)), &b)
                }
            }),
        )
        .await?,
    );
    out.push(raw_mark(store, &held, &people, connections, d).await?);
    let (h, p, b) = (std::sync::Arc::new(held.clone()), std::sync::Arc::new(people.clone()), bearer.clone());
    out.push(
        drive(
            "7. roll-call mark (POST /api/v1/attendance)",
            addr,
            connections,
            d,
            std::sync::Arc::new(move |c, n| {
                // Connection c takes the roll at session c for a class of 40 of its own; the
                // minutes change every time, so every request writes its row and its audit
                // entry.
                let (sid, _) = h[c % h.len()];
                let rid = p[(c * 40 + n % 40) % p.len()];
                let body = format!(
                    "{{\"session_id\": {sid}, \"marks\": [{{\"resident_id\": {rid}, \"minutes\": {}}}]}}",
                    30 + n % 60
                );
                json_req("POST", "/api/v1/attendance", &b, &body)
            }),
        )
        .await?,
    );
    out.retain(|o| o.requests > 0 || o.errors > 0);
    let rate = |label: &str| out.iter().find(|o| o.label.starts_with(label)).map(Outcome::rate);
    let marks = match (rate("7. roll-call"), rate("raw single-row attendance")) {
        (Some(h), Some(r)) => format!(
            "\nroll-call marks over HTTP: {h:.0}/s, {:.1}% of the raw single-row upsert loop ({r:.0}/s)",
            100.0 * h / r.max(1e-9)
        ),
        _ => String::new(),
    };
    let verified = match hearth_core::audit::verify(store).await.map_err(e)? {
        hearth_core::audit::Verdict::Intact { rows, chains } => {
            format!("audit chains intact: {rows} rows in {chains} chains")
        }
        hearth_core::audit::Verdict::Broken { chain, seq, reason } => {
            format!("audit chain {chain} BROKEN at entry {seq}: {reason}")
        }
    };
    Ok(format!("{}{marks}", table(&out, store, connections, d, &verified)))
}

fn table(out: &[Outcome], store: &Store, connections: usize, d: Duration, verified: &str) -> String {
    let trivial = out.first().map(Outcome::rate).unwrap_or(0.0);
    let raw = out.get(1).map(Outcome::rate).unwrap_or(0.0);
    let mut s = format!(
        "hearth bench http: {} backend, {connections} connections, {} s per workload, loopback\n\n\
         | workload | req/s | p50 ms | p99 ms | vs trivial | vs raw SELECT | errors | RSS MiB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
        match store.backend() {
            sea_orm::DbBackend::Postgres => "PostgreSQL",
            _ => "SQLite",
        },
        d.as_secs()
    );
    for o in out {
        s.push_str(&format!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.1}% | {:.1}% | {} | {} |\n",
            o.label,
            o.rate(),
            o.percentile(0.5),
            o.percentile(0.99),
            100.0 * o.rate() / trivial.max(1e-9),
            100.0 * o.rate() / raw.max(1e-9),
            o.errors,
            o.rss_kib.map(|k| format!("{:.0}", k as f64 / 1024.0)).unwrap_or_else(|| "—".into()),
        ));
    }
    s.push('\n');
    s.push_str(verified);
    s
}
