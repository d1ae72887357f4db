//! The web side of each practice, registered in one place.
//!
//! A practice's web module (`pages/<word>.rs`, `api/<word>.rs`, `templates/<word>/`) exports
//! one `WebPractice`: its pages (through `Pages`, which records every route so the role ×
//! route test can check that each page has a row), its API routes and their OpenAPI tags, its
//! navigation entries with their badge counts, and the pages of its kinds of record. The
//! router, the OpenAPI document, the navigation and record links iterate `PRACTICES` (and the
//! platform's own areas in `PLATFORM`); adding a practice is one line there.

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use hearth_core::record::{EntityKind, RecordRef};
use hearth_core::{Actor, CoreResult, Permission, Store};
use utoipa_axum::router::OpenApiRouter;

use crate::{AppState, pages};

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = CoreResult<T>> + Send + 'a>>;

/// Badge counts for the navigation: (badge name, count). Cheap (indexed counts), no
/// personal data, so no audit row.
pub type BadgesFn = for<'a> fn(&'a Store, &'a Actor) -> BoxFut<'a, Vec<(&'static str, u64)>>;

/// One entry in the navigation bar.
#[derive(Clone, Copy, Debug)]
pub struct NavEntry {
    pub href: &'static str,
    /// Fluent key of the label. With a badge, the key takes `$count`.
    pub label: &'static str,
    /// Shown to roles the policy allows this.
    pub permission: Permission,
    /// The badge (from the practice's `badges`) whose count the label shows.
    pub badge: Option<&'static str>,
    /// Fluent key of the label when the badge count is unknown.
    pub plain_label: &'static str,
    /// Mark the entry (e.g. overdue work) while its count is above 0.
    pub alert: bool,
}

impl NavEntry {
    pub const fn link(href: &'static str, label: &'static str, permission: Permission) -> NavEntry {
        NavEntry { href, label, permission, badge: None, plain_label: label, alert: false }
    }
}

/// One practice (or platform area) as the web layer sees it.
#[derive(Clone, Copy)]
pub struct WebPractice {
    pub key: &'static str,
    pub pages: fn() -> Pages,
    pub api: Option<fn(OpenApiRouter<AppState>) -> OpenApiRouter<AppState>>,
    /// OpenAPI tags of its API: (name, description).
    pub api_tags: &'static [(&'static str, &'static str)],
    pub nav: &'static [NavEntry],
    pub badges: Option<BadgesFn>,
    /// Where each of its kinds of record is shown: `{id}` is replaced by the id.
    pub links: &'static [(EntityKind, &'static str)],
    /// Its sections of the Today page (the home page), for the signed-in worker.
    pub today: Option<TodayFn>,
    /// Its sections of a household's page, above the timeline (the same section shape).
    pub household: Option<HouseholdFn>,
    /// Its sections of a resident's page (classes attended, certificates, …).
    pub resident: Option<ResidentFn>,
    /// The team's work waiting in its queues, counted for the dashboard.
    pub queues: Option<QueuesFn>,
}

/// A practice's queues counted for the dashboard (open follow-ups, contacts due, …). Cheap
/// counts, no personal data, so no audit row; a practice the actor's role has no part in
/// returns none.
pub type QueuesFn = for<'a> fn(&'a Store, &'a Actor) -> BoxFut<'a, Vec<QueueCount>>;

/// One queue's count on the dashboard, linking to the queue.
#[derive(Clone, Debug)]
pub struct QueueCount {
    /// A stable name (`id="queue-<key>"`), for tests and scripts.
    pub key: &'static str,
    /// Fluent key of the label; it takes `$count`.
    pub label: &'static str,
    pub count: u64,
    pub href: &'static str,
    /// Late work: marked while the count is above 0.
    pub alert: bool,
}

/// Every practice's queue counts, in navigation order.
pub async fn queues(store: &Store, actor: &Actor) -> CoreResult<Vec<QueueCount>> {
    let mut out = Vec::new();
    for p in all() {
        if let Some(f) = p.queues {
            out.extend(f(store, actor).await?);
        }
    }
    Ok(out)
}

/// A practice's sections of a resident's page. The resident has been read (scope checked,
/// read audited); each section reads through the core.
pub type ResidentFn =
    for<'a> fn(&'a AppState, &'a crate::Ctx, &'a hearth_core::entity::resident::Model) -> WebFut<'a, Vec<TodaySection>>;

/// A resident page's sections, practice by practice.
pub async fn resident_sections(
    state: &AppState,
    ctx: &crate::Ctx,
    r: &hearth_core::entity::resident::Model,
) -> Result<Vec<TodaySection>, crate::WebError> {
    let mut out = Vec::new();
    for p in all() {
        if let Some(f) = p.resident {
            out.extend(f(state, ctx, r).await?);
        }
    }
    Ok(out)
}

/// A practice's sections of a household's page. The household has been read (scope checked,
/// read audited); each section reads through the core.
pub type HouseholdFn = for<'a> fn(
    &'a AppState,
    &'a crate::Ctx,
    &'a hearth_core::entity::household::Model,
) -> WebFut<'a, Vec<TodaySection>>;

/// A household page's sections, practice by practice.
pub async fn household_sections(
    state: &AppState,
    ctx: &crate::Ctx,
    h: &hearth_core::entity::household::Model,
) -> Result<Vec<TodaySection>, crate::WebError> {
    let mut out = Vec::new();
    for p in all() {
        if let Some(f) = p.household {
            out.extend(f(state, ctx, h).await?);
        }
    }
    Ok(out)
}

/// A future of the web layer (its errors are `WebError`s).
pub type WebFut<'a, T> = Pin<Box<dyn Future<Output = Result<T, crate::WebError>> + Send + 'a>>;

/// A practice's sections of the Today page. Each reads through the core (policy, audit) and
/// returns only what the worker may see; a practice the worker's role has no part in
/// returns none.
pub type TodayFn = for<'a> fn(&'a AppState, &'a crate::Ctx) -> WebFut<'a, Vec<TodaySection>>;

/// One section of the Today page: its title with a count, the first few items, and a link
/// to the whole queue.
#[derive(Clone, Debug)]
pub struct TodaySection {
    /// A stable name (`id="today-<key>"`), for tests and scripts.
    pub key: &'static str,
    pub title: String,
    pub count: u64,
    /// The full queue or list.
    pub href: String,
    pub more: String,
    /// What it says when there is nothing.
    pub empty: String,
    pub items: Vec<TodayItem>,
}

#[derive(Clone, Debug)]
pub struct TodayItem {
    pub href: String,
    pub label: String,
    pub detail: String,
    /// A phone number to tap and call: (shown, dialled).
    pub tel: Option<(String, String)>,
    /// Late (overdue): marked.
    pub alert: bool,
}

/// The Today page's sections, practice by practice in navigation order.
pub async fn today(state: &AppState, ctx: &crate::Ctx) -> Result<Vec<TodaySection>, crate::WebError> {
    let mut out = Vec::new();
    for p in all() {
        if let Some(f) = p.today {
            out.extend(f(state, ctx).await?);
        }
    }
    Ok(out)
}

/// The practices, in navigation order. One line per practice.
pub const PRACTICES: &[WebPractice] = &[
    pages::households::PRACTICE,
    pages::visits::PRACTICE,
    pages::programs::PRACTICE,
    pages::jobs::PRACTICE,
    pages::cases::PRACTICE,
    pages::pairs::PRACTICE,
    pages::requests::PRACTICE,
    pages::handbook::PRACTICE,
    pages::goals::PRACTICE,
    pages::reports::PRACTICE,
    pages::months::PRACTICE,
];

/// What every deployment has besides practices: sign-in, the account page, administration.
pub const PLATFORM: &[WebPractice] =
    &[pages::auth::AREA, pages::account::AREA, pages::imports::AREA, pages::rights::AREA, pages::admin::AREA];

/// Practices first, then the platform (for routes, API, navigation).
pub fn all() -> impl Iterator<Item = &'static WebPractice> {
    PRACTICES.iter().chain(PLATFORM)
}

/// The page of a record, from the practice that registered its kind.
pub fn link(r: RecordRef) -> Option<String> {
    all()
        .flat_map(|p| p.links)
        .find(|(k, _)| *k == r.kind)
        .map(|(_, pattern)| pattern.replace("{id}", &r.id.to_string()))
}

/// The API of every practice and area, in one OpenAPI router.
pub fn api_routes(mut r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    for p in all() {
        if let Some(add) = p.api {
            r = add(r);
        }
    }
    r
}

/// The tags the OpenAPI document lists, in order.
pub fn api_tags() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    all().flat_map(|p| p.api_tags)
}

/// A page router that remembers its routes, so tests can list them (axum's `Router` can't).
#[derive(Default)]
pub struct Pages {
    router: Router<AppState>,
    routes: Vec<(Method, &'static str)>,
}

impl Pages {
    pub fn new() -> Pages {
        Pages::default()
    }

    fn add(mut self, method: Method, path: &'static str, mr: MethodRouter<AppState>) -> Pages {
        self.routes.push((method, path));
        // Routing the same path again merges the method routers.
        self.router = self.router.route(path, mr);
        self
    }

    pub fn get<H, T>(self, path: &'static str, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, routing::get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, handler: H) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, routing::post(handler))
    }

    /// A POST whose body may be larger than a form's (a file upload), up to `limit` bytes.
    pub fn post_with_limit<H, T>(self, path: &'static str, handler: H, limit: usize) -> Pages
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, routing::post(handler).layer(axum::extract::DefaultBodyLimit::max(limit)))
    }

    pub fn merge(mut self, other: Pages) -> Pages {
        self.routes.extend(other.routes);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn routes(&self) -> &[(Method, &'static str)] {
        &self.routes
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Every page route of every practice and area: (method, path template).
pub fn page_routes() -> Vec<(Method, &'static str)> {
    all().flat_map(|p| (p.pages)().routes.into_iter()).collect()
}

/// Every page of every practice and area, as one router.
pub fn pages_router() -> Router<AppState> {
    all().fold(Router::new(), |r, p| r.merge((p.pages)().into_router()))
}
