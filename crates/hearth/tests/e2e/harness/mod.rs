//! The end-to-end harness: processes ([`procs`]), the browser wrapper ([`browser`]), the page
//! checks ([`checks`]) and the runner that plays every journey at both window sizes.

pub mod browser;
pub mod checks;
pub mod procs;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use browser::{Browser, Size};
pub use procs::{App, Backend, Chromedriver, PASSWORD};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Res<T = ()> = Result<T, Error>;

/// `bail!("…", args)`: return an error with this message.
macro_rules! bail {
    ($($t:tt)*) => { return Err(format!($($t)*).into()) };
}
pub(crate) use bail;

/// One journey may take this long (at one size) before it counts as failed.
const JOURNEY_TIMEOUT: Duration = Duration::from_secs(180);

/// Only one browser at a time in this process (two cores; the tests of this binary would
/// otherwise run in parallel).
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn exclusive() -> tokio::sync::MutexGuard<'static, ()> {
    ONE_BROWSER.lock().await
}

type Run = Arc<dyn Fn(Browser) -> Pin<Box<dyn Future<Output = Res> + Send>> + Send + Sync>;

/// A named path through the UI, played on a fresh server and a fresh browser.
pub struct Journey {
    pub name: &'static str,
    postgres: bool,
    /// Extra `hearth serve` arguments (e.g. a short session idle limit).
    serve_args: &'static [&'static str],
    run: Run,
}

/// `journey("record-visit", |b| async move { b.goto("/").await?; …; Ok(()) })`
pub fn journey<F, Fut>(name: &'static str, f: F) -> Journey
where
    F: Fn(Browser) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Res> + Send + 'static,
{
    Journey { name, postgres: false, serve_args: &[], run: Arc::new(move |b| Box::pin(f(b))) }
}

impl Journey {
    /// Also play this journey once (desktop size) over PostgreSQL when
    /// `HEARTH_TEST_POSTGRES_URL` is set.
    pub fn also_on_postgres(mut self) -> Journey {
        self.postgres = true;
        self
    }

    /// Serve this journey's server with extra arguments.
    pub fn serving_with(mut self, args: &'static [&'static str]) -> Journey {
        self.serve_args = args;
        self
    }
}

/// What the suite needs from the machine.
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// The text of `node_modules/axe-core/axe.min.js`.
    pub axe: Arc<String>,
}

pub fn workspace_root() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    p.canonicalize().unwrap_or(p)
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// A tool named by an environment variable (if set, it must exist), else found on the PATH.
fn tool(var: &str, names: &[&str]) -> Option<PathBuf> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => which(names),
    }
}

/// Finds Chromium, chromedriver (or the ones `HEARTH_CHROMIUM` / `HEARTH_CHROMEDRIVER` name) and
/// axe-core. When something is missing: with
/// `HEARTH_E2E_REQUIRED=1` this panics; otherwise it prints `SKIPPED e2e: …` and returns None.
/// Looked up once per test binary, so the SKIPPED line is printed once.
pub fn tools() -> Option<&'static Tools> {
    static TOOLS: std::sync::OnceLock<Option<Tools>> = std::sync::OnceLock::new();
    TOOLS.get_or_init(find_tools).as_ref()
}

fn find_tools() -> Option<Tools> {
    let chromium = tool("HEARTH_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = tool("HEARTH_CHROMEDRIVER", &["chromedriver"]);
    let axe_path = workspace_root().join("node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe_path).ok();
    let mut missing = Vec::new();
    if chromium.is_none() {
        missing.push("chromium (apt-get install chromium)".to_owned());
    }
    if chromedriver.is_none() {
        missing.push("chromedriver (apt-get install chromium-driver)".to_owned());
    }
    if axe.is_none() {
        missing.push(format!("{} (npm ci)", axe_path.display()));
    }
    match (chromium, chromedriver, axe) {
        (Some(chromium), Some(chromedriver), Some(axe)) => Some(Tools { chromium, chromedriver, axe: Arc::new(axe) }),
        _ => {
            let what = missing.join(", ");
            if std::env::var("HEARTH_E2E_REQUIRED").is_ok_and(|v| v == "1") {
                panic!("e2e: HEARTH_E2E_REQUIRED=1 but missing: {what}");
            }
            println!("SKIPPED e2e: {what}");
            None
        }
    }
}

pub fn screenshot_dir() -> PathBuf {
    workspace_root().join("target").join("e2e-screenshots")
}

/// Plays every journey at both sizes on SQLite, then the PostgreSQL ones once. Prints one line
/// per run, and panics at the end listing every failed run.
pub async fn run_journeys(journeys: Vec<Journey>) {
    let _one = exclusive().await;
    let Some(tools) = tools() else { return };
    let only: Option<Vec<String>> = std::env::var("HEARTH_E2E_ONLY")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split(',').map(|x| x.trim().to_owned()).collect());
    let selected: Vec<Journey> =
        journeys.into_iter().filter(|j| only.as_ref().is_none_or(|o| o.iter().any(|n| n == j.name))).collect();
    let mut runs: Vec<(&Journey, Size, Backend)> = Vec::new();
    for j in &selected {
        for size in Size::ALL {
            runs.push((j, size, Backend::Sqlite));
        }
    }
    if let Ok(server) = std::env::var("HEARTH_TEST_POSTGRES_URL")
        && !server.is_empty()
    {
        for j in selected.iter().filter(|j| j.postgres) {
            runs.push((j, Size::Desktop, Backend::Postgres(server.clone())));
        }
    }

    let driver = Chromedriver::start(tools).await.unwrap_or_else(|e| panic!("e2e: {e}"));
    let started = Instant::now();
    let mut failures = Vec::new();
    for (j, size, backend) in &runs {
        let t = Instant::now();
        let shot = screenshot_dir().join(match backend {
            Backend::Sqlite => format!("{}-{}.png", j.name, size.label()),
            Backend::Postgres(_) => format!("{}-{}-postgres.png", j.name, size.label()),
        });
        let label = format!("{} @ {} on {}", j.name, size.label(), backend.name());
        match run_one(&driver, tools, j, *size, backend, &shot).await {
            Ok(()) => println!("e2e ok     {label} ({:.1} s)", t.elapsed().as_secs_f64()),
            Err(e) => {
                println!("e2e FAILED {label} ({:.1} s)\n{e}\n", t.elapsed().as_secs_f64());
                failures.push(format!("{label}: {}", e.lines().next().unwrap_or_default().trim()));
            }
        }
    }
    println!(
        "e2e: {} of {} journey runs passed in {:.0} s; screenshots in {}",
        runs.len() - failures.len(),
        runs.len(),
        started.elapsed().as_secs_f64(),
        screenshot_dir().display()
    );
    if !failures.is_empty() {
        panic!("{} e2e journey run(s) failed:\n  {}", failures.len(), failures.join("\n  "));
    }
}

/// One journey at one size on a fresh server and a fresh browser. The error text includes the
/// pages visited and the end of the server's output.
async fn run_one(
    driver: &Chromedriver,
    tools: &Tools,
    j: &Journey,
    size: Size,
    backend: &Backend,
    shot: &std::path::Path,
) -> Result<(), String> {
    let app = Arc::new(App::start(backend, j.serve_args).await.map_err(|e| format!("  server: {e}"))?);
    let b = Browser::open(&driver.url, tools, size, &app.base, Some(app.clone()))
        .await
        .map_err(|e| format!("  browser: {e}"))?;
    let task = tokio::spawn((j.run)(b.clone()));
    let abort = task.abort_handle();
    let mut result = match tokio::time::timeout(JOURNEY_TIMEOUT, task).await {
        Err(_) => {
            abort.abort();
            Err(format!("timed out after {JOURNEY_TIMEOUT:?}"))
        }
        Ok(Err(join)) => Err(format!("panicked: {join}")),
        Ok(Ok(r)) => r.map_err(|e| e.to_string()),
    };
    if result.is_ok() {
        // The last screen is checked too, even if the journey did not act on it.
        result = b.settle().await.map_err(|e| e.to_string());
    }
    let shot_result = b.screenshot(shot).await;
    b.close().await;
    let mut result = result.map_err(|e| {
        format!(
            "  error: {e}\n  pages: {}\n  screenshot: {}\n  server output (last 15 lines):\n    {}",
            b.visited().join(" → "),
            shot.display(),
            app.output_tail(15).replace('\n', "\n    ")
        )
    });
    if let (Ok(()), Err(e)) = (&result, shot_result) {
        result = Err(format!("  screenshot {}: {e}", shot.display()));
    }
    result
}
