//! Issue 9: a server killed with SIGKILL while serving reads and writes restarts with its
//! audit chain whole, every acknowledged write stored, and an audit entry for every read
//! whose answer was sent (entries are durable before the answer leaves).

use std::time::{Duration, Instant};

use hearth_core::entity::{audit_log, household};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// SIGKILLs per run (issue 10: at least 20).
const KILLS: usize = 20;

/// One request on its own connection; the status, or `None` if the server went away.
async fn request(port: u16, raw: String) -> Option<u16> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.write_all(raw.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1)?.parse().ok()
}

async fn wait_healthy(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let raw = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".to_owned();
        if request(port, raw).await == Some(200) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_server_killed_mid_load_restarts_with_every_answered_read_audited_and_every_write_kept() {
    let app = spawn_app().await;
    let Some(url) = app.database_url() else { return };
    app.community("north").await;
    let h = app.household("north", "N-1").await.id;
    let c = app.api_as("cwk", "caseworker", &["north"]).await;
    let token = c.bearer.clone().unwrap();
    let (mut reads_answered, mut writes_acknowledged) = (0usize, Vec::new());
    for round in 0..KILLS {
        let port = free_port();
        let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_hearth"))
            .args(["--database-url", &url, "serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("HEARTH_AUDIT_KEY", audit_key_hex())
            .env("HEARTH_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start hearth serve");
        assert!(wait_healthy(port).await, "server did not come up in round {round}");
        let mut clients = Vec::new();
        for k in 0..8 {
            let token = token.clone();
            clients.push(tokio::spawn(async move {
                let (mut reads, mut writes) = (0usize, Vec::new());
                for n in 0..10_000 {
                    let auth = format!("Authorization: Bearer {token}\r\n");
                    if n % 5 == 0 {
                        let code = format!("K-{round}-{k}-{n}");
                        let body = format!("{{\"code\": \"{code}\", \"address\": \"Jiafu Rd\"}}");
                        let raw = format!(
                            "POST /api/v1/households HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\
                             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        match request(port, raw).await {
                            Some(201) => writes.push(code),
                            Some(_) => {}
                            None => break,
                        }
                    } else {
                        let raw = format!(
                            "GET /api/v1/households/{h} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
                        );
                        match request(port, raw).await {
                            Some(200) => reads += 1,
                            Some(_) => {}
                            None => break,
                        }
                    }
                }
                (reads, writes)
            }));
        }
        // Let the load run a moment, then kill the server where it stands.
        // At a different moment each round (150–550 ms in), spread over the load's phases.
        tokio::time::sleep(Duration::from_millis(150 + (137 * round as u64) % 400)).await;
        server.start_kill().expect("SIGKILL");
        let _ = server.wait().await;
        for t in clients {
            let (r, w) = t.await.unwrap();
            reads_answered += r;
            writes_acknowledged.extend(w);
        }
    }
    assert!(reads_answered > 0 && !writes_acknowledged.is_empty(), "the load never ran");
    // Every acknowledged write is there.
    for code in &writes_acknowledged {
        let found = household::Entity::find().filter(household::Column::Code.eq(code.as_str())).count(app.store.conn());
        assert_eq!(found.await.unwrap(), 1, "acknowledged write {code} lost");
    }
    // Every answered read has its entry (a read may be audited and then killed before its
    // answer left, so there may be more entries, never fewer).
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("read"))
        .filter(audit_log::Column::Entity.eq("household"))
        .filter(audit_log::Column::EntityId.eq(h))
        .count(app.store.conn())
        .await
        .unwrap();
    assert!(audited as usize >= reads_answered, "{audited} entries for {reads_answered} answered reads");
    assert!(matches!(
        hearth_core::audit::verify(&app.store).await.unwrap(),
        hearth_core::audit::Verdict::Intact { .. }
    ));
    if app.store.backend() == sea_orm::DbBackend::Sqlite {
        use sea_orm::ConnectionTrait;
        let row = app
            .store
            .conn()
            .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA integrity_check"));
        let ok: String = row.await.unwrap().unwrap().try_get_by_index(0).unwrap();
        assert_eq!(ok, "ok");
    }
    eprintln!(
        "{KILLS} kills survived: {reads_answered} answered reads audited, {} acknowledged writes, 0 lost",
        writes_acknowledged.len()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}
