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
    },
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
    /// Re-compute the hash chain; exit non-zero naming the first bad row.
    Verify,
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

async fn open(cli: &Cli) -> Result<Store, String> {
    let url = match &cli.database_url {
        Some(u) => u.clone(),
        None => Store::sqlite_url_in(&cli.data_dir).map_err(|e| e.to_string())?,
    };
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
    let store = open(&cli).await?;
    let actor = Actor::system();
    match cli.command {
        Command::Migrate => {
            println!("migrations applied");
        }
        Command::Demo => {
            print_demo(&store).await?;
        }
        Command::Serve { addr, demo, secure_cookies, trust_proxy, trusted_proxies } => {
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
        Command::Bench { command } => match command {
            BenchCommand::Search { residents, iterations } => {
                println!("{}", crate::bench::run(&store, residents, iterations).await?);
            }
            BenchCommand::Visits { households, iterations } => {
                println!("{}", crate::bench_visits::run(&store, households, iterations).await?);
            }
            BenchCommand::Http { seconds, connections } => {
                println!("{}", crate::bench_http::run(&store, seconds, connections).await?);
            }
        },
        Command::Audit { command } => match command {
            AuditCommand::Verify => match audit::verify(&store).await.map_err(describe)? {
                audit::Verdict::Intact { rows, chains } => {
                    println!("audit chains intact: {rows} rows in {chains} chains")
                }
                audit::Verdict::Broken { chain, seq, reason } => {
                    let which = match chain {
                        audit::DEPLOYMENT_CHAIN => "the deployment chain".to_owned(),
                        c => format!("the chain of community {c}"),
                    };
                    eprintln!("audit chain BROKEN: {which}, entry {seq}: {reason}");
                    return Ok(ExitCode::from(2));
                }
            },
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
