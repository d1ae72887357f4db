//! End-to-end tests: the real `hearth` binary, driven through a real headless Chromium over
//! WebDriver (chromedriver), at a phone-sized and a desktop-sized window.
//!
//! Every page a journey visits is checked: no browser console error, no HTTP 5xx (browser side
//! and server side), and no axe-core violation of impact "serious" or "critical". Each journey
//! leaves a PNG of its last screen in `target/e2e-screenshots/<journey>-<phone|desktop>.png`.
//!
//! Adding a journey: write an `async fn` taking a [`harness::Browser`] in a module under
//! `journeys/`, and list it in [`journeys::all`]. See `journeys/auth.rs` for examples.
//!
//! Without Chromium, chromedriver or `node_modules/axe-core` the suite prints
//! `SKIPPED e2e: …` and passes, unless `HEARTH_E2E_REQUIRED=1` (CI), where it fails.
//! `HEARTH_E2E_ONLY=login,language` runs only the named journeys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;
mod journeys;
mod selftest;

/// All journeys, in order, each at both window sizes (and some once more over PostgreSQL when
/// `HEARTH_TEST_POSTGRES_URL` is set). Reports every failing journey, not only the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys() {
    harness::run_journeys(journeys::all()).await;
}

/// The checks really catch broken pages: a console error, a serious axe violation, a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_catches_broken_pages() {
    selftest::run().await;
}
