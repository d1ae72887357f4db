//! `hearth` — serve, migrate, manage users and tokens, verify the audit chain, load the demo.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hearth_core::auth::{setup, tokens, users};
use hearth_core::{Actor, Store, audit};
use hearth_web::{AppConfig, AppState};

#[derive(Parser, Debug)]
#[command(name = "hearth", version, about = "Case management for community service teams")]
pub struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: DATA_DIR/hearth.db.
    #[arg(long, global = true, env = "HEARTH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where the default SQLite database lives.
    #[arg(long, global = true, env = "HEARTH_DATA_DIR", default_value = "hearth-data")]
    pub data_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run migrations and serve the web UI and API.
    Serve {
        #[arg(long, env = "HEARTH_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo community (Jiafu) if it is not there yet, and print demo logins.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (use when serving over HTTPS or behind a TLS proxy).
        #[arg(long, env = "HEARTH_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Behind one proxy of yours: take the client address from the entry it adds to
        /// X-Forwarded-For (the rightmost). Same as --trusted-proxies 1.
        #[arg(long, env = "HEARTH_TRUST_PROXY")]
        trust_proxy: bool,
        /// The number of proxies of yours in front of hearth (e.g. 2 for a CDN and nginx);
        /// the client address is the entry the outermost one added to X-Forwarded-For.
        #[arg(long, env = "HEARTH_TRUSTED_PROXIES", value_parser = clap::value_parser!(u8).range(0..=8))]
        trusted_proxies: Option<u8>,
        /// Append the head of every audit chain to this file at start and once a day (it
        /// always goes to the log too); keep the file where the database's writers cannot.
        #[arg(long, env = "HEARTH_ANCHOR_FILE")]
        anchor_file: Option<PathBuf>,
        /// End sessions unused for this many seconds (10–1800; default 1800, the most). For a
        /// shared kiosk, or a test that waits for a session to expire.
        #[arg(long, env = "HEARTH_SESSION_IDLE_SECONDS", value_parser = clap::value_parser!(u16).range(10..=1800))]
        session_idle_seconds: Option<u16>,
        /// Reports shared outside the team show counts below this as "<N" (1–100; default 5).
        /// Counts in them are rounded to multiples of 5 (of N when N is larger).
        #[arg(long, env = "HEARTH_SUPPRESS_BELOW", default_value_t = hearth_core::reports::SUPPRESS_BELOW,
              value_parser = hearth_core::reports::sharing::parse_suppress_below)]
        suppress_below: i64,
        /// Back the database up into this directory at start and every 24 hours
        /// (`hearth-YYYYMMDD-HHMMSS.db`, or `.zip` on PostgreSQL).
        #[arg(long, env = "HEARTH_BACKUP_DIR")]
        backup_dir: Option<PathBuf>,
        /// How many scheduled backups to keep (the oldest go first).
        #[arg(long, env = "HEARTH_BACKUP_KEEP", default_value_t = 14, value_parser = clap::value_parser!(u16).range(1..=3650))]
        backup_keep: u16,
    },
    /// A consistent backup of the database while it serves: a SQLite copy (VACUUM INTO,
    /// integrity-checked), or on PostgreSQL the export archive.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Load a backup or an export archive into a new, empty database (SQLite or PostgreSQL).
    Restore {
        file: PathBuf,
        /// The archive's passphrase, first line of this file (or HEARTH_EXPORT_PASSPHRASE).
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Import a spreadsheet (CSV in any common encoding, or XLSX): households or residents.
    /// All rows or none unless --valid-only; --dry-run checks and stores nothing.
    Import(crate::import::ImportArgs),
    /// Everything in the database as a ZIP of CSV files with a manifest (schema version,
    /// row counts, SHA-256), AES-256 encrypted when a passphrase is given.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// Encrypt with the first line of this file (or HEARTH_EXPORT_PASSPHRASE), 12+ characters.
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Only this community (its slug): its records, its audit chain and the accounts
        /// that worked on them, loadable into an empty database of its own.
        #[arg(long)]
        community: Option<String>,
    },
    /// Every table's row count and checksum (equal for equal data on either backend).
    Checksums,
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo community and print demo logins.
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// A community's figures for a period, as text, JSON, CSV or XLSX.
    Report(ReportArgs),
    /// Benchmarks whose numbers go into docs/PERFORMANCE.md.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password is read from the prompt, or from stdin with --password-stdin.
    Add {
        username: String,
        #[arg(long)]
        role: String,
        /// Community slug (repeat for several). Not needed for admins.
        #[arg(long = "community")]
        communities: Vec<String>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (prompt or --password-stdin); ends their sessions.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for USERNAME; it is printed once.
    Create {
        username: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Community slug (repeat for several); all communities when omitted.
    #[arg(long = "community")]
    pub communities: Vec<String>,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long)]
    pub from: String,
    /// Last day of the period (YYYY-MM-DD), inclusive.
    #[arg(long)]
    pub to: String,
    /// text, json, csv or xlsx.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Write to this file instead of standard output (required for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report language for names and headers (en or zh-CN); xlsx is bilingual regardless.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Name search and household lists on a synthetic community. Use an empty database:
    /// it loads a community `bench` of this many residents.
    Search {
        #[arg(long, default_value_t = 500_000)]
        residents: usize,
        #[arg(long, default_value_t = 50)]
        iterations: u32,
    },
    /// Visit coverage and follow-up queues on a synthetic community of this many households.
    Visits {
        #[arg(long, default_value_t = 170_000)]
        households: usize,
        #[arg(long, default_value_t = 20)]
        iterations: u32,
    },
    /// The class figures of a community over a synthetic year of roll-calls (a million
    /// attendance rows by default), against the raw SQL in the same run.
    Programs {
        #[arg(long, default_value_t = 1_000_000)]
        attendance: usize,
        /// Communities the rows are spread over (1–40).
        #[arg(long, default_value_t = 20)]
        communities: usize,
        #[arg(long, default_value_t = 10)]
        iterations: u32,
    },
    /// A bulk service request for this many households through the core, against a raw
    /// multi-row insert of the same rows in the same run.
    Requests {
        #[arg(long, default_value_t = 2_000)]
        households: usize,
        #[arg(long, default_value_t = 5)]
        iterations: u32,
    },
    /// The dashboard of the demo community and the district dashboard over this many
    /// synthetic communities (twelve months of headline figures, the month by community),
    /// against the raw SQL of its heaviest parts in the same run. Use an empty database.
    Dashboard {
        #[arg(long, default_value_t = 500)]
        communities: usize,
        /// Households per synthetic community, each visited once in 2016.
        #[arg(long, default_value_t = 300)]
        households: usize,
        #[arg(long, default_value_t = 10)]
        iterations: u32,
    },
    /// Residents from a CSV ledger through the real import path, against a raw load of the
    /// same rows in the same run (PostgreSQL: COPY), with the import's peak memory. Use an
    /// empty database.
    Import {
        #[arg(long, default_value_t = 500_000)]
        residents: usize,
    },
    /// The real server on loopback under concurrent connections, against a trivial handler
    /// and the raw SELECT in the same run. Loads the demo community if it is missing.
    Http {
        /// Seconds per workload (1–120).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent keep-alive connections (1–512).
        #[arg(long, default_value_t = 64)]
        connections: usize,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Re-compute every chain, then every frozen monthly report's hash (against its stored
    /// figures and the hash its close recorded in the chain); exit non-zero naming the chain
    /// and the first bad entry, or the community, month and version of a changed report.
    Verify {
        /// Also check that each chain still extends the heads in this file (lines printed
        /// by `audit anchor`), so a log cut back to an earlier state is found too.
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
    /// Print the head of every chain (chain, entry, hash, time), to keep somewhere the
    /// database's writers cannot reach.
    Anchor,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HEARTH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// At start and every 24 hours: the head of every audit chain, to the log and (if given)
/// appended to `file`. A failure is logged and retried the next day; serving goes on.
async fn daily_anchors(store: Store, file: Option<PathBuf>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        match audit::anchors(&store).await {
            Ok(anchors) => {
                let lines: Vec<String> = anchors.iter().map(audit::Anchor::line).collect();
                for line in &lines {
                    tracing::info!(target: "hearth::audit", anchor = %line, "audit anchor");
                }
                if let Some(path) = &file {
                    let written = std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| {
                        f.write_all(lines.iter().map(|l| format!("{l}\n")).collect::<String>().as_bytes())
                    });
                    if let Err(e) = written {
                        tracing::error!(error = %e, path = %path.display(), "cannot append the audit anchor");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the audit chain heads"),
        }
    }
}

/// The audit key: `HEARTH_AUDIT_KEY` (64 hex digits; every instance of a PostgreSQL
/// deployment needs the same one), else `DATA_DIR/audit.key`, created with mode 0600 on
/// first run. Without it `audit verify` cannot check the log: back it up apart from the
/// database (a copy beside the database would let whoever holds both rewrite history).
fn load_audit_key(data_dir: &std::path::Path) -> Result<[u8; 32], String> {
    if let Ok(v) = std::env::var("HEARTH_AUDIT_KEY") {
        return audit::parse_key(&v).ok_or_else(|| "HEARTH_AUDIT_KEY must be 64 hexadecimal digits".to_owned());
    }
    let path = data_dir.join("audit.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            audit::parse_key(&text).ok_or_else(|| format!("{} does not hold a 64-digit hex key", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let key = audit::new_key();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            f.write_all(format!("{}\n", audit::key_to_hex(&key)).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "created the audit key {}: keep a copy apart from the database; without it the audit log cannot be verified",
                path.display()
            );
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn database_url(cli: &Cli) -> Result<String, String> {
    match &cli.database_url {
        Some(u) => Ok(u.clone()),
        None => Store::sqlite_url_in(&cli.data_dir).map_err(|e| e.to_string()),
    }
}

async fn open(cli: &Cli) -> Result<Store, String> {
    if !audit::set_key(load_audit_key(&cli.data_dir)?) {
        return Err("a different audit key is already in use".into());
    }
    let url = database_url(cli)?;
    let store = Store::connect(&url).await.map_err(|e| format!("cannot open the database: {e}"))?;
    store.migrate().await.map_err(|e| format!("migration failed: {e}"))?;
    Ok(store)
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    let stdin = std::io::stdin();
    if !from_stdin && stdin.is_terminal() {
        eprint!("Password (input is shown; use --password-stdin to pipe it): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn describe(e: hearth_core::CoreError) -> String {
    match e {
        hearth_core::CoreError::Invalid(f) => {
            f.0.iter().map(|x| format!("{}: {}", x.field, x.code)).collect::<Vec<_>>().join("; ")
        }
        hearth_core::CoreError::Conflict { field, code } => format!("{field}: {code}"),
        other => other.to_string(),
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let url = database_url(&cli)?;
    // A restore must see the target before anything creates or migrates it.
    if let Command::Restore { file, passphrase_file } = &cli.command {
        let passphrase = crate::backup::passphrase(passphrase_file.as_deref())?;
        let line = crate::backup::restore(&url, file, passphrase.as_deref(), || open(&cli)).await?;
        println!("{line}");
        return Ok(ExitCode::SUCCESS);
    }
    let store = open(&cli).await?;
    let actor = Actor::system();
    match cli.command {
        Command::Migrate => {
            println!("migrations applied");
        }
        Command::Demo => {
            print_demo(&store).await?;
        }
        Command::Serve {
            addr,
            demo,
            secure_cookies,
            trust_proxy,
            trusted_proxies,
            anchor_file,
            session_idle_seconds,
            suppress_below,
            backup_dir,
            backup_keep,
        } => {
            hearth_core::reports::set_suppress_below(suppress_below)?;
            let store = match session_idle_seconds {
                Some(s) => store.with_session_idle(chrono::TimeDelta::seconds(i64::from(s))),
                None => store,
            };
            tokio::spawn(daily_anchors(store.clone(), anchor_file));
            if let Some(dir) = backup_dir {
                tokio::spawn(crate::backup::daily(store.clone(), url.clone(), dir, usize::from(backup_keep)));
            }
            if demo {
                print_demo(&store).await?;
            }
            if let Some(token) = setup::first_run_link(&store).await.map_err(describe)? {
                println!("No users yet. Open this one-time link to create the first administrator:");
                println!("  http://{addr}/setup/{token}");
            }
            let trusted_proxies = trusted_proxies.unwrap_or(u8::from(trust_proxy));
            let state = AppState::new(store, AppConfig { secure_cookies, trusted_proxies });
            let app = hearth_web::router(state);
            let listener =
                tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            println!("hearth is serving on http://{local}");
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|e| e.to_string())?;
            println!("hearth stopped");
        }
        Command::User { command } => match command {
            UserCommand::Add { username, role, communities, display_name, password_stdin } => {
                let password = read_password(password_stdin)?;
                let u = users::create(
                    &store,
                    &actor,
                    users::NewUser {
                        display_name: display_name.unwrap_or_else(|| username.clone()),
                        username,
                        role,
                        communities,
                        password: Some(password),
                    },
                )
                .await
                .map_err(describe)?;
                println!("user {} added (id {}, role {})", u.username, u.id, u.role.as_str());
            }
            UserCommand::Passwd { username, password_stdin } => {
                let u = users::by_username(&store, &username).await.map_err(describe)?.ok_or("no such user")?;
                let password = read_password(password_stdin)?;
                users::set_password(&store, &actor, u.id, &password).await.map_err(describe)?;
                println!("password changed for {}; their sessions were ended", u.username);
            }
        },
        Command::Token { command } => match command {
            TokenCommand::Create { username, name } => {
                let u = users::by_username(&store, &username).await.map_err(describe)?.ok_or("no such user")?;
                let (_, secret) = tokens::create(&store, &actor, u.id, &name).await.map_err(describe)?;
                println!("{secret}");
                eprintln!("This token is shown once. Store it safely; revoke it from the account page.");
            }
        },
        Command::Report(args) => crate::report::run(&store, args).await?,
        Command::Backup { out } => println!("{}", crate::backup::backup(&store, &url, &out, &actor).await?),
        Command::Export { out, passphrase_file, community } => {
            let passphrase = crate::backup::passphrase(passphrase_file.as_deref())?;
            let community = community.as_deref();
            println!("{}", crate::backup::export(&store, &out, passphrase.as_deref(), community, &actor).await?);
        }
        Command::Import(args) => return crate::import::run(&store, args).await,
        Command::Checksums => crate::backup::checksums(&store, &mut std::io::stdout().lock()).await?,
        Command::Restore { .. } => {}
        Command::Bench { command } => match command {
            BenchCommand::Search { residents, iterations } => {
                println!("{}", crate::bench::run(&store, residents, iterations).await?);
            }
            BenchCommand::Visits { households, iterations } => {
                println!("{}", crate::bench_visits::run(&store, households, iterations).await?);
            }
            BenchCommand::Programs { attendance, communities, iterations } => {
                println!("{}", crate::bench_programs::run(&store, attendance, communities, iterations).await?);
            }
            BenchCommand::Dashboard { communities, households, iterations } => {
                println!("{}", crate::bench_dashboard::run(&store, communities, households, iterations).await?);
            }
            BenchCommand::Requests { households, iterations } => {
                println!("{}", crate::bench_requests::run(&store, households, iterations).await?);
            }
            BenchCommand::Import { residents } => {
                println!("{}", crate::bench_import::run(&store, residents).await?);
            }
            BenchCommand::Http { seconds, connections } => {
                println!("{}", crate::bench_http::run(&store, seconds, connections).await?);
            }
        },
        Command::Audit { command } => match command {
            AuditCommand::Verify { anchor } => {
                let verdict = match anchor {
                    Some(path) => {
                        let text = std::fs::read_to_string(&path)
                            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                        let mut anchors = Vec::new();
                        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                            anchors.push(
                                audit::Anchor::parse(line)
                                    .ok_or_else(|| format!("{}:{}: not an anchor line", path.display(), n + 1))?,
                            );
                        }
                        audit::verify_against(&store, &anchors).await.map_err(describe)?
                    }
                    None => audit::verify(&store).await.map_err(describe)?,
                };
                match verdict {
                    audit::Verdict::Intact { rows, chains } => {
                        println!("audit chains intact: {rows} rows in {chains} chains");
                        // The chains are intact, so the hashes they recorded for frozen
                        // reports can be trusted: each report must still give its own.
                        let (checked, faults) = hearth_core::reports::months::verify(&store).await.map_err(describe)?;
                        if !faults.is_empty() {
                            for f in &faults {
                                eprintln!("frozen report BROKEN: {f}");
                            }
                            return Ok(ExitCode::from(2));
                        }
                        println!("frozen reports intact: {checked} versions");
                    }
                    audit::Verdict::Broken { chain, seq, reason } => {
                        let which = match chain {
                            audit::DEPLOYMENT_CHAIN => "the deployment chain".to_owned(),
                            c => format!("the chain of community {c}"),
                        };
                        eprintln!("audit chain BROKEN: {which}, entry {seq}: {reason}");
                        if reason == "hash_mismatch" && seq == 1 {
                            eprintln!("(or the audit key is not the one this log was written with)");
                        }
                        return Ok(ExitCode::from(2));
                    }
                }
            }
            AuditCommand::Anchor => {
                for a in audit::anchors(&store).await.map_err(describe)? {
                    println!("{}", a.line());
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

async fn print_demo(store: &Store) -> Result<(), String> {
    let report = hearth_core::demo::ensure(store).await.map_err(describe)?;
    println!("{report}");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
