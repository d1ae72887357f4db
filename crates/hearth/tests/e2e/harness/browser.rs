//! `Browser`: one headless Chromium session at one window size, with the few verbs a journey
//! needs. Every action that can change the page ends in [`Browser::settle`], which runs the
//! page checks once per document (and again after an htmx swap).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value as Json, json};

use super::checks::{self, Doc};
use super::procs::{App, PASSWORD, TempDir};
use super::{Res, Tools, bail};

/// How long `expect_*` and element look-ups wait before failing.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 360×740, a small Android phone.
    Phone,
    /// 1366×768, the old office PC.
    Desktop,
}

impl Size {
    pub const ALL: [Size; 2] = [Size::Phone, Size::Desktop];

    pub fn label(self) -> &'static str {
        match self {
            Size::Phone => "phone",
            Size::Desktop => "desktop",
        }
    }

    pub fn dims(self) -> (u32, u32) {
        match self {
            Size::Phone => (360, 740),
            Size::Desktop => (1366, 768),
        }
    }
}

/// A browser session; cheap to clone (journeys take it by value).
#[derive(Clone)]
pub struct Browser(Arc<Inner>);

struct Inner {
    client: Client,
    base: String,
    app: Option<Arc<App>>,
    axe: Arc<String>,
    size: Size,
    /// Documents checked so far (url, status), for failure reports.
    visited: Mutex<Vec<String>>,
    _profile: TempDir,
}

impl Browser {
    /// A new Chromium (fresh profile) through chromedriver at `driver_url`, sized `size`, with
    /// relative paths resolved against `base`.
    pub async fn open(driver_url: &str, tools: &Tools, size: Size, base: &str, app: Option<Arc<App>>) -> Res<Browser> {
        let profile = TempDir::new("hearth-e2e-chromium")?;
        let (w, h) = size.dims();
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-extensions".to_owned(),
            "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication".to_owned(),
            "--password-store=basic".to_owned(),
            "--lang=en-US".to_owned(),
            "--force-device-scale-factor=1".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={w},{h}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": tools.chromium.display().to_string(),
                "args": args,
                "prefs": { "intl.accept_languages": "en-US,en" },
            },
        });
        let Json::Object(caps) = caps else { bail!("capabilities are not an object") };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(driver_url)
            .await
            .map_err(|e| format!("cannot start Chromium through chromedriver: {e}"))?;
        let b = Browser(Arc::new(Inner {
            client,
            base: base.trim_end_matches('/').to_owned(),
            app,
            axe: tools.axe.clone(),
            size,
            visited: Mutex::new(Vec::new()),
            _profile: profile,
        }));
        // The viewport must really be the size we test; fix it if the window has chrome.
        let inner: Json = b.js("return [window.innerWidth, window.innerHeight];").await?;
        let (iw, ih) = (inner[0].as_u64().unwrap_or(0) as u32, inner[1].as_u64().unwrap_or(0) as u32);
        if (iw, ih) != (w, h) {
            b.client().set_window_size(w + (w.saturating_sub(iw)), h + h.saturating_sub(ih)).await?;
        }
        Ok(b)
    }

    /// Ends the WebDriver session (Chromium exits).
    pub async fn close(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(20), self.0.client.clone().close()).await;
    }

    pub fn client(&self) -> &Client {
        &self.0.client
    }

    #[allow(dead_code)] // journey API, not used by every journey set
    pub fn size(&self) -> Size {
        self.0.size
    }

    /// The server this browser talks to. Panics (failing the journey) in the harness self-test,
    /// which has none.
    pub fn app(&self) -> &App {
        self.0.app.as_deref().expect("this browser has no hearth server")
    }

    /// An absolute URL for a path (absolute URLs pass through).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") || path.starts_with("data:") {
            path.to_owned()
        } else {
            format!("{}/{}", self.0.base, path.trim_start_matches('/'))
        }
    }

    /// The documents checked so far, oldest first.
    pub fn visited(&self) -> Vec<String> {
        self.0.visited.lock().unwrap().clone()
    }

    // ---- the page checks ------------------------------------------------------------------

    /// Waits for the document to load, then: console errors since the last call, and, once per
    /// document (and after every htmx swap), HTTP status and axe-core; plus the server's log.
    pub async fn settle(&self) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self.js("return document.readyState;").await?;
            if state == "complete" {
                break;
            }
            if Instant::now() > deadline {
                bail!("page did not finish loading within {WAIT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let fresh = self.js("return !window.__e2eChecked;").await? == Json::Bool(true);
        let (doc, mut problems) = if fresh {
            let (doc, problems) = checks::check_page(self.client(), &self.0.axe).await?;
            self.0.visited.lock().unwrap().push(format!("{} ({})", doc.url, doc.status));
            self.js("window.__e2eChecked = true;\
                 document.addEventListener('htmx:afterSettle', function () { window.__e2eChecked = false; });\
                 return null;")
                .await?;
            (doc, problems)
        } else {
            let doc = checks::document(self.client()).await?;
            let problems = checks::console_errors(self.client(), &doc).await?;
            (doc, problems)
        };
        if let Some(app) = &self.0.app {
            problems.extend(app.take_server_errors().into_iter().map(|l| format!("server log: {l}")));
        }
        if !problems.is_empty() {
            bail!("page {} (HTTP {}) failed the checks:\n    - {}", doc.url, doc.status, problems.join("\n    - "));
        }
        Ok(())
    }

    // ---- navigation and input -------------------------------------------------------------

    /// Opens a path (or URL) and checks the page.
    pub async fn goto(&self, path: &str) -> Res {
        self.client().goto(&self.url(path)).await?;
        self.settle().await
    }

    /// Clicks the first element matching `selector` (waiting for it) and checks the page that
    /// follows.
    pub async fn click(&self, selector: &str) -> Res {
        let mut tries = 0;
        loop {
            let el = self.find(selector).await?;
            self.js("window.__e2eBeforeClick = true; return null;").await?;
            match el.click().await {
                Ok(()) => {
                    self.await_navigation().await?;
                    return self.settle().await;
                }
                // The page replaced the element between finding and clicking it (a load or
                // an htmx swap finishing): nothing was clicked, so find it again.
                Err(e) if is_stale(&e) && tries < 3 => tries += 1,
                Err(e) => bail!("click {selector}: {e}"),
            }
        }
    }

    /// A click that submits a form or follows a link replaces the document a moment later;
    /// the old one still says "complete". Wait briefly for the new document, so the next step
    /// does not act on (or navigate away from) the old one; a click that stays (htmx, a
    /// checkbox) costs half a second.
    async fn await_navigation(&self) -> Res {
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            match self.js("return window.__e2eBeforeClick === true;").await {
                Ok(Json::Bool(true)) => tokio::time::sleep(Duration::from_millis(25)).await,
                // A new document (or one between documents, which cannot run scripts).
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Clicks the first element matching `selector` whose text contains `text`.
    pub async fn click_text(&self, selector: &str, text: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            for el in self.client().find_all(Locator::Css(selector)).await? {
                if el.text().await.unwrap_or_default().contains(text) {
                    el.click().await.map_err(|e| format!("click {selector} \"{text}\": {e}"))?;
                    return self.settle().await;
                }
            }
            if Instant::now() > deadline {
                let texts = self.texts(selector).await.unwrap_or_default();
                bail!("no {selector} containing \"{text}\" on {}; found: {texts:?}", self.path().await?);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Submits a form by clicking its (first) submit button, as a person would.
    pub async fn submit(&self, form: &str) -> Res {
        self.click(&format!("{form} [type=submit]")).await
    }

    /// Sets a field: types into text inputs and textareas, picks an option of a `<select>` by
    /// value or by its visible label, and sets date/time inputs directly (typing into them
    /// depends on the browser's locale).
    pub async fn fill(&self, selector: &str, value: &str) -> Res {
        let mut tries = 0;
        loop {
            match self.fill_once(selector, value).await {
                Err(e) if e.to_string().contains("stale element") && tries < 3 => tries += 1,
                r => return r,
            }
        }
    }

    async fn fill_once(&self, selector: &str, value: &str) -> Res {
        let el = self.find(selector).await?;
        let tag = el.tag_name().await?.to_lowercase();
        let kind = el.attr("type").await?.unwrap_or_default().to_lowercase();
        match (tag.as_str(), kind.as_str()) {
            ("select", _) => {
                if el.select_by_value(value).await.is_err() && el.select_by_label(value).await.is_err() {
                    let options = self.texts(&format!("{selector} option")).await?;
                    bail!("{selector} has no option {value:?}; options: {options:?}");
                }
            }
            ("input", "date" | "time" | "datetime-local" | "month" | "week" | "color" | "range") => {
                self.client()
                    .execute(
                        "var el = arguments[0]; el.value = arguments[1];\
                         el.dispatchEvent(new Event('input', { bubbles: true }));\
                         el.dispatchEvent(new Event('change', { bubbles: true }));",
                        vec![serde_json::to_value(&el)?, json!(value)],
                    )
                    .await?;
            }
            ("input", "checkbox" | "radio") => bail!("{selector} is a {kind}: use check()/uncheck()"),
            _ => {
                el.clear().await?;
                if !value.is_empty() {
                    el.send_keys(value).await?;
                }
            }
        }
        Ok(())
    }

    /// Chooses a file for a file input, as picking it in the dialog would.
    pub async fn upload(&self, selector: &str, path: &std::path::Path) -> Res {
        let el = self.find(selector).await?;
        el.send_keys(&path.display().to_string()).await?;
        Ok(())
    }

    /// Ticks a checkbox (or picks a radio button) if it is not already.
    pub async fn check(&self, selector: &str) -> Res {
        let el = self.find(selector).await?;
        if !el.is_selected().await? {
            el.click().await?;
        }
        Ok(())
    }

    /// Clears a checkbox if it is ticked.
    #[allow(dead_code)] // journey API, not used by every journey set
    pub async fn uncheck(&self, selector: &str) -> Res {
        let el = self.find(selector).await?;
        if el.is_selected().await? {
            el.click().await?;
        }
        Ok(())
    }

    /// Logs in through `/login` and checks that it worked (the header has a logout button).
    pub async fn login(&self, username: &str, password: &str) -> Res {
        self.goto("/login").await?;
        self.fill("#f-username", username).await?;
        self.fill("#f-password", password).await?;
        self.submit("form[action='/login']").await?;
        if self.find("form[action='/logout']").await.is_err() {
            let msg = self.texts("[role=alert]").await?.join(" ");
            bail!("login as {username} failed (on {}): {msg}", self.path().await?);
        }
        Ok(())
    }

    /// Creates a user through the CLI (password [`PASSWORD`]) and logs in as them.
    pub async fn login_as_new(&self, username: &str, role: &str, communities: &[&str]) -> Res {
        self.app().add_user(username, role, communities).await?;
        self.login(username, PASSWORD).await
    }

    /// Logs out with the header button and checks that the login page follows.
    pub async fn logout(&self) -> Res {
        self.submit("form[action='/logout']").await?;
        self.expect_path("/login").await
    }

    // ---- reading the page -----------------------------------------------------------------

    /// Runs a script in the page and returns its value.
    pub async fn js(&self, script: &str) -> Res<Json> {
        Ok(self.client().execute(script, vec![]).await?)
    }

    /// Waits for an element to exist.
    pub async fn find(&self, selector: &str) -> Res<Element> {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.client().find(Locator::Css(selector)).await {
                Ok(el) => return Ok(el),
                Err(e) if e.is_no_such_element() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) if e.is_no_such_element() => {
                    let doc = checks::document(self.client()).await?;
                    let h1 = self.texts("h1").await.unwrap_or_default();
                    bail!("no element {selector} on {} (HTTP {}, h1 {h1:?})", doc.url, doc.status)
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Is there an element matching `selector` right now?
    pub async fn exists(&self, selector: &str) -> Res<bool> {
        Ok(!self.client().find_all(Locator::Css(selector)).await?.is_empty())
    }

    /// The visible text of the first match (waits for it).
    #[allow(dead_code)] // journey API, not used by every journey set
    pub async fn text(&self, selector: &str) -> Res<String> {
        Ok(self.find(selector).await?.text().await?)
    }

    /// The visible texts of all matches (no waiting).
    pub async fn texts(&self, selector: &str) -> Res<Vec<String>> {
        let mut out = Vec::new();
        for el in self.client().find_all(Locator::Css(selector)).await? {
            out.push(el.text().await?);
        }
        Ok(out)
    }

    /// The current value of a form field.
    pub async fn value(&self, selector: &str) -> Res<String> {
        Ok(self.find(selector).await?.prop("value").await?.unwrap_or_default())
    }

    /// An attribute of the first match.
    pub async fn attr(&self, selector: &str, name: &str) -> Res<Option<String>> {
        Ok(self.find(selector).await?.attr(name).await?)
    }

    /// The current document (URL and HTTP status).
    pub async fn doc(&self) -> Res<Doc> {
        checks::document(self.client()).await
    }

    /// The path (and query) of the current URL.
    /// The current path without its query (`?saved=1` after a save).
    pub async fn page_path(&self) -> Res<String> {
        Ok(self.client().current_url().await?.path().to_owned())
    }

    pub async fn path(&self) -> Res<String> {
        let u = self.client().current_url().await?;
        Ok(match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
    }

    /// `<html lang>` of the current page.
    pub async fn lang(&self) -> Res<String> {
        Ok(self.js("return document.documentElement.lang;").await?.as_str().unwrap_or_default().to_owned())
    }

    // ---- expectations ---------------------------------------------------------------------

    /// Waits until some element matching `selector` contains `text`.
    pub async fn expect_text(&self, selector: &str, text: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let texts = self.texts(selector).await?;
            if texts.iter().any(|t| t.contains(text)) {
                return self.settle().await;
            }
            if Instant::now() > deadline {
                let doc = self.doc().await?;
                bail!("expected {selector} containing {text:?} on {} (HTTP {}); found {texts:?}", doc.url, doc.status);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until no element matching `selector` contains `text` (e.g. after an htmx swap);
    /// fails if one still does after the wait.
    pub async fn expect_no_text(&self, selector: &str, text: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let texts = self.texts(selector).await?;
            if !texts.iter().any(|t| t.contains(text)) {
                return self.settle().await;
            }
            if Instant::now() > deadline {
                bail!("did not expect {selector} containing {text:?} on {}; found {texts:?}", self.path().await?);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the current path (without the query) equals `path`.
    pub async fn expect_path(&self, path: &str) -> Res {
        self.wait_path(|p| p.split('?').next() == Some(path), path).await
    }

    /// Waits until the current path starts with `prefix`.
    pub async fn expect_path_prefix(&self, prefix: &str) -> Res {
        self.wait_path(|p| p.starts_with(prefix), prefix).await
    }

    async fn wait_path(&self, ok: impl Fn(&str) -> bool, want: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let p = self.path().await?;
            if ok(&p) {
                return self.settle().await;
            }
            if Instant::now() > deadline {
                let h1 = self.texts("h1").await.unwrap_or_default();
                bail!("expected to be on {want}, but on {p} (h1 {h1:?})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The current document was served with this HTTP status.
    pub async fn expect_status(&self, status: u16) -> Res {
        self.settle().await?;
        let doc = self.doc().await?;
        if doc.status != status {
            bail!("expected HTTP {status} for {}, got {}", doc.url, doc.status);
        }
        Ok(())
    }

    /// Waits until `<html lang>` is `lang`.
    pub async fn expect_lang(&self, lang: &str) -> Res {
        let deadline = Instant::now() + WAIT;
        loop {
            let l = self.lang().await?;
            if l == lang {
                return self.settle().await;
            }
            if Instant::now() > deadline {
                bail!("expected <html lang={lang:?}>, got {l:?} on {}", self.path().await?);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // ---- screenshots ----------------------------------------------------------------------

    /// Saves a PNG of the whole page (the window is stretched to the page's height for the
    /// shot, up to 4000 px, then restored).
    pub async fn screenshot(&self, path: &std::path::Path) -> Res {
        let (w, h) = self.0.size.dims();
        let full = self
            .js("return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);")
            .await?
            .as_u64()
            .unwrap_or(0) as u32;
        let tall = full.clamp(h, 4000);
        if tall > h {
            self.client().set_window_size(w, tall).await?;
        }
        let png = self.client().screenshot().await;
        if tall > h {
            self.client().set_window_size(w, h).await?;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png?)?;
        Ok(())
    }
}

/// The element was replaced by a new document or an htmx swap after it was found.
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    e.to_string().contains("stale element")
}
