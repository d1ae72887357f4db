//! The processes a journey needs: a real `hearth serve` over a fresh database, and chromedriver.
//! Both are killed when dropped; temporary directories are removed when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use super::{Res, Tools, bail};

/// The password of every user a journey creates through the CLI.
pub const PASSWORD: &str = "correct horse battery staple";

/// Which database a journey's server runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    /// The server URL from `HEARTH_TEST_POSTGRES_URL`; each app gets a new database on it.
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// A directory under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Res<TempDir> {
        let p = std::env::temp_dir().join(format!("{prefix}-{}-{:x}", std::process::id(), rand::random::<u64>()));
        std::fs::create_dir_all(&p)?;
        Ok(TempDir(p))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free port on loopback (the OS picks it; we release it and hand it to the child).
pub fn free_port() -> Res<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// Output lines of a child process, kept for scanning and for failure reports.
#[derive(Clone, Default)]
pub struct Output(Arc<Mutex<Vec<String>>>);

impl Output {
    fn follow<R: AsyncRead + Unpin + Send + 'static>(&self, stream: R) {
        let lines = self.0.clone();
        tokio::spawn(async move {
            let mut r = BufReader::new(stream).lines();
            while let Ok(Some(line)) = r.next_line().await {
                lines.lock().unwrap().push(strip_ansi(&line));
            }
        });
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A running `hearth serve` on a fresh database.
pub struct App {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The one-time first-admin link the server printed (`http://…/setup/<token>`).
    pub setup_url: Option<String>,
    data_dir: TempDir,
    database_url: Option<String>,
    output: Output,
    /// How many output lines were already scanned for server errors.
    scanned: Mutex<usize>,
    _child: Child,
}

impl App {
    /// Starts the binary on a free loopback port and waits until it serves.
    pub async fn start(backend: &Backend, extra: &[&str]) -> Res<App> {
        let data_dir = TempDir::new("hearth-e2e-data")?;
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres(server) => Some(create_postgres_database(server).await?),
        };
        let mut last_err = String::new();
        for _attempt in 0..3 {
            let port = free_port()?;
            let mut cmd = hearth_command(data_dir.path(), database_url.as_deref());
            cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}")])
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true);
            let mut child = cmd.spawn()?;
            let output = Output::default();
            if let Some(s) = child.stdout.take() {
                output.follow(s);
            }
            if let Some(s) = child.stderr.take() {
                output.follow(s);
            }
            let deadline = Instant::now() + Duration::from_secs(90);
            loop {
                let lines = output.lines();
                if lines.iter().any(|l| l.starts_with("hearth is serving on")) {
                    let setup_url = lines
                        .iter()
                        .map(|l| l.trim())
                        .find(|l| l.starts_with("http://") && l.contains("/setup/"))
                        .map(str::to_owned);
                    let scanned = Mutex::new(0);
                    return Ok(App {
                        base: format!("http://127.0.0.1:{port}"),
                        setup_url,
                        data_dir,
                        database_url,
                        scanned,
                        output,
                        _child: child,
                    });
                }
                if let Some(status) = child.try_wait()? {
                    // Let the readers drain what the process wrote before it ended.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    last_err = format!("hearth serve exited with {status}:\n{}", output.lines().join("\n"));
                    break;
                }
                if Instant::now() > deadline {
                    bail!("hearth serve did not report serving within 90 s:\n{}", output.lines().join("\n"));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // Most likely the port was taken between our probe and its bind: try another.
            if !last_err.contains("cannot listen") {
                break;
            }
        }
        Err(last_err.into())
    }

    /// Runs the CLI against this app's database (the server keeps running), e.g.
    /// `app.cli(&["user", "add", "--role", "volunteer", "vera", "--password-stdin"], Some(pw))`.
    pub async fn cli(&self, args: &[&str], stdin: Option<&str>) -> Res<String> {
        let mut cmd = hearth_command(self.data_dir.path(), self.database_url.as_deref());
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child = cmd.spawn()?;
        if let Some(mut w) = child.stdin.take() {
            if let Some(input) = stdin {
                w.write_all(input.as_bytes()).await?;
                w.write_all(b"\n").await?;
            }
            drop(w);
        }
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await??;
        if !out.status.success() {
            bail!(
                "hearth {} failed ({}): {}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Adds a user with [`PASSWORD`] through `hearth user add`.
    pub async fn add_user(&self, username: &str, role: &str, communities: &[&str]) -> Res {
        let mut args = vec!["user", "add", "--role", role];
        for c in communities {
            args.extend(["--community", c]);
        }
        args.extend([username, "--password-stdin"]);
        self.cli(&args, Some(PASSWORD)).await.map(|_| ())
    }

    /// Server-side errors logged since the last call: ERROR lines (5xx answers, internal and
    /// database errors) and panics.
    pub fn take_server_errors(&self) -> Vec<String> {
        let lines = self.output.lines();
        let mut scanned = self.scanned.lock().unwrap();
        let new = lines.get(*scanned..).unwrap_or_default();
        *scanned = lines.len();
        new.iter()
            .filter(|l| l.contains(" ERROR ") || l.contains("response failed") || l.contains("panicked at"))
            .cloned()
            .collect()
    }

    /// The last `n` lines the server wrote, for failure reports.
    pub fn output_tail(&self, n: usize) -> String {
        let lines = self.output.lines();
        let from = lines.len().saturating_sub(n);
        lines[from..].join("\n")
    }
}

fn hearth_command(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth"));
    for var in [
        "HEARTH_DATABASE_URL",
        "HEARTH_ADDR",
        "HEARTH_DATA_DIR",
        "HEARTH_SECURE_COOKIES",
        "HEARTH_TRUST_PROXY",
        "HEARTH_TRUSTED_PROXIES",
        "HEARTH_AUDIT_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HEARTH_LOG", "info,sqlx=warn,sea_orm=warn").env("NO_COLOR", "1");
    cmd.arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd
}

/// A new, empty database on the PostgreSQL server at `server`; returns its URL.
async fn create_postgres_database(server: &str) -> Res<String> {
    let admin = Database::connect(server).await.map_err(|e| format!("connect to HEARTH_TEST_POSTGRES_URL: {e}"))?;
    let name = format!("hearth_e2e_{:x}{:x}", std::process::id(), rand::random::<u64>());
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    let _ = admin.close().await;
    let base = server.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or_else(|| server.to_owned());
    Ok(format!("{base}/{name}"))
}

/// chromedriver on a free loopback port.
pub struct Chromedriver {
    /// `http://127.0.0.1:PORT/`
    pub url: String,
    _child: Child,
}

impl Chromedriver {
    pub async fn start(tools: &Tools) -> Res<Chromedriver> {
        let port = free_port()?;
        let mut child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(Chromedriver { url: format!("http://127.0.0.1:{port}/"), _child: child });
            }
            if let Some(status) = child.try_wait()? {
                bail!("chromedriver exited with {status} before listening on port {port}");
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not listen on port {port} within 30 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
