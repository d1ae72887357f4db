//! Handbook and partnership agreement pages: the handbook by category with search, a
//! document (its Markdown rendered safely), its form (a stale save is refused with what was
//! saved shown and the input kept), its history and the diff of any two versions, printing
//! one document or the whole handbook as a booklet, the categories; partnership agreements,
//! one agreement with its scan, and their form.

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use hearth_core::entity::{handbook_document, partnership};
use hearth_core::handbook::documents::{self, Change, DiffLine, DocumentInput, DocumentsQuery};
use hearth_core::handbook::partnerships::{self, PartnershipInput};
use hearth_core::handbook::{self, Category, CategoryInput, markdown};
use hearth_core::record::EntityKind;
use hearth_core::registry::communities;
use hearth_core::{CoreError, Permission};

use super::form::{FormState, form_errors, parse_id};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::practice::{NavEntry, Pages, TodayItem, TodaySection, WebFut, WebPractice};

/// The handbook and partnership agreements as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "handbook",
    pages,
    api: Some(crate::api::handbook::routes),
    api_tags: &[
        ("handbook", "The team's handbook: rules and written procedures, their versions and diffs"),
        ("partnerships", "Partnership agreements with other teams, organisations or between members, with scans"),
    ],
    nav: &[NavEntry::link("/handbook", "nav-handbook", Permission::ReadHandbook)],
    badges: None,
    links: &[
        (EntityKind::HandbookDocument, "/handbook/{id}"),
        (EntityKind::HandbookCategory, "/handbook/categories"),
        (EntityKind::Partnership, "/partnerships/{id}"),
    ],
    today: Some(today),
    household: None,
    resident: None,
    queues: None,
};

/// A scan and the form it came with: a little over the largest scan.
const UPLOAD_LIMIT: usize = hearth_core::jobs::employers::MAX_SCAN_BYTES + 256 * 1024;

fn pages() -> Pages {
    Pages::new()
        .get("/handbook", list_page)
        .post("/handbook", create)
        .get("/handbook/new", new_page)
        .get("/handbook/booklet", booklet_page)
        .get("/handbook/categories", categories_page)
        .post("/handbook/categories", add_category)
        .post("/handbook/categories/{id}", rename_category)
        .get("/handbook/{id}", document_page)
        .post("/handbook/{id}", update)
        .get("/handbook/{id}/edit", edit_page)
        .get("/handbook/{id}/history", history_page)
        .get("/handbook/{id}/diff", diff_page)
        .get("/handbook/{id}/print", print_page)
        .get("/partnerships", partnerships_page)
        .post("/partnerships", create_partnership)
        .get("/partnerships/new", new_partnership_page)
        .get("/partnerships/{id}", partnership_page)
        .post("/partnerships/{id}", update_partnership)
        .get("/partnerships/{id}/edit", edit_partnership_page)
        .post_with_limit("/partnerships/{id}/scan", upload_scan, UPLOAD_LIMIT)
        .get("/partnerships/{id}/scan", download_scan)
}

fn today_local() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn chinese(ctx: &Ctx) -> bool {
    ctx.lang == Lang::ZhCn
}

/// The Today page: handbook documents changed in the last seven days.
fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::ReadHandbook) {
            return Ok(Vec::new());
        }
        let since = chrono::Utc::now() - chrono::TimeDelta::days(7);
        let (count, rows) = documents::changed_since(&state.store, actor, since, 5).await?;
        Ok(vec![TodaySection {
            key: "handbook-changes",
            title: ctx.t("handbook-today-title"),
            count,
            href: "/handbook".into(),
            more: ctx.t("handbook-today-more"),
            empty: ctx.t("handbook-today-empty"),
            items: rows
                .into_iter()
                .map(|d| TodayItem {
                    href: format!("/handbook/{}", d.id),
                    detail: ctx.t1("handbook-changed-at", "at", ctx.local_time(&d.updated_at)),
                    label: d.title,
                    tel: None,
                    alert: false,
                })
                .collect(),
        }])
    })
}

/// The actor's communities as (slug, name) options.
async fn community_options(state: &AppState, ctx: &Ctx) -> Result<Vec<(String, String)>, WebError> {
    Ok(communities::list(&state.store, ctx.actor()?).await?.into_iter().map(|c| (c.slug, c.name)).collect())
}

/// The community a page is about: `?community=slug`, or the actor's first.
async fn chosen_community(
    state: &AppState,
    ctx: &Ctx,
    slug: Option<&str>,
) -> Result<hearth_core::entity::community::Model, WebError> {
    let actor = ctx.actor()?;
    if let Some(slug) = slug.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(communities::by_slug(&state.store, actor, slug).await?);
    }
    communities::list(&state.store, actor).await?.into_iter().next().ok_or(WebError::NotFound)
}

fn category_options(ctx: &Ctx, cats: &[Category]) -> Vec<(String, String)> {
    cats.iter().map(|c| (c.key.clone(), c.name(chinese(ctx)).to_owned())).collect()
}

fn category_name(ctx: &Ctx, cats: &[Category], key: &str) -> String {
    cats.iter().find(|c| c.key == key).map_or_else(|| key.to_owned(), |c| c.name(chinese(ctx)).to_owned())
}

// ---------------------------------------------------------------------------------------
// The handbook

struct DocRow {
    id: i64,
    title: String,
    published: String,
    draft: bool,
    notice_board: bool,
}

struct Group {
    key: String,
    name: String,
    docs: Vec<DocRow>,
}

#[derive(Template)]
#[template(path = "handbook/list.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    category: String,
    categories: Vec<(String, String)>,
    groups: Vec<Group>,
    total: usize,
    searched: bool,
}

#[derive(serde::Deserialize, Default)]
struct ListParams {
    q: Option<String>,
    category: Option<String>,
    community: Option<String>,
}

async fn list_page(State(state): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ReadHandbook)?;
    let community = chosen_community(&state, &ctx, p.community.as_deref()).await?;
    let cats = handbook::categories(&state.store, actor, community.id).await?;
    let q = p.q.clone().unwrap_or_default();
    let category = p.category.clone().unwrap_or_default();
    let docs = documents::list(
        &state.store,
        actor,
        &DocumentsQuery { community: Some(community.slug.clone()), q: p.q, category: p.category, published: None },
    )
    .await?;
    let total = docs.len();
    let today = today_local();
    let mut groups: Vec<Group> = cats
        .iter()
        .map(|c| Group { key: c.key.clone(), name: c.name(chinese(&ctx)).to_owned(), docs: Vec::new() })
        .collect();
    for d in docs {
        let row = DocRow {
            id: d.id,
            published: d.published_on.map(|x| x.to_string()).unwrap_or_default(),
            draft: d.published_on.is_none_or(|x| x > today),
            notice_board: d.on_notice_board,
            title: d.title,
        };
        if let Some(g) = groups.iter_mut().find(|g| g.key == d.category) {
            g.docs.push(row);
        }
    }
    groups.retain(|g| !g.docs.is_empty());
    let categories = category_options(&ctx, &cats);
    render(&ListPage {
        searched: !q.trim().is_empty() || !category.is_empty(),
        ctx,
        q,
        category,
        categories,
        groups,
        total,
    })
}

#[derive(Template)]
#[template(path = "handbook/document.html")]
struct DocumentPage {
    ctx: Ctx,
    d: handbook_document::Model,
    category: String,
    html: String,
    updated: String,
    author: String,
}

async fn document_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = documents::get(&state.store, actor, parse_id(&id)?).await?;
    let cats = handbook::categories(&state.store, actor, d.community_id).await?;
    let author = documents::versions(&state.store, actor, d.id)
        .await?
        .into_iter()
        .next()
        .and_then(|v| v.author)
        .unwrap_or_else(|| "—".into());
    render(&DocumentPage {
        category: category_name(&ctx, &cats, &d.category),
        html: markdown::render(&d.body),
        updated: ctx.local_time(&d.updated_at),
        author,
        ctx,
        d,
    })
}

#[derive(Template)]
#[template(path = "handbook/form.html")]
struct FormPage {
    ctx: Ctx,
    title: String,
    action: String,
    cancel: String,
    creating: bool,
    communities: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    form: FormState,
    /// After a stale save: what is saved now (title, body), shown above the kept input.
    saved_now: Option<(String, String)>,
}

fn document_input(form: &FormState, pairs: &[(String, String)], creating: bool) -> DocumentInput {
    let given = |f: &str| pairs.iter().any(|(k, _)| k == f);
    let g = |f: &str| if given(f) { Some(form.value(f).to_owned()) } else { None };
    DocumentInput {
        community: if creating { g("community") } else { None },
        category: g("category"),
        title: g("title"),
        body: g("body"),
        published_on: g("published_on"),
        // A form always says whether the box is ticked (its hidden field marks the form as sent).
        on_notice_board: if given("notice_board_shown") || given("on_notice_board") {
            Some(form.checked("on_notice_board"))
        } else {
            None
        },
        version: form.get("version"),
    }
}

async fn new_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditHandbook)?;
    let communities = community_options(&state, &ctx).await?;
    let c = chosen_community(&state, &ctx, None).await?;
    let cats = handbook::categories(&state.store, actor, c.id).await?;
    let mut form = FormState::new(ctx.lang);
    form.set("community", &c.slug);
    form.set("published_on", today_local());
    render(&FormPage {
        title: ctx.t("handbook-new"),
        action: "/handbook".into(),
        cancel: "/handbook".into(),
        creating: true,
        communities,
        categories: category_options(&ctx, &cats),
        form,
        saved_now: None,
        ctx,
    })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditHandbook)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match documents::create(&state.store, actor, document_input(&form, &pairs, true)).await {
        Ok(d) => Ok(Redirect::to(&format!("/handbook/{}?saved=1", d.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let communities = community_options(&state, &ctx).await?;
            let c = chosen_community(&state, &ctx, Some(form.value("community"))).await;
            let c = match c {
                Ok(c) => c,
                Err(_) => chosen_community(&state, &ctx, None).await?,
            };
            let cats = handbook::categories(&state.store, actor, c.id).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage {
                    title: ctx.t("handbook-new"),
                    action: "/handbook".into(),
                    cancel: "/handbook".into(),
                    creating: true,
                    communities,
                    categories: category_options(&ctx, &cats),
                    form,
                    saved_now: None,
                    ctx,
                },
            )
        }
    }
}

fn edit_form_page(ctx: Ctx, d: &handbook_document::Model, cats: &[Category], form: FormState) -> FormPage {
    FormPage {
        title: ctx.t1("handbook-edit-title", "title", d.title.as_str()),
        action: format!("/handbook/{}", d.id),
        cancel: format!("/handbook/{}", d.id),
        creating: false,
        communities: Vec::new(),
        categories: category_options(&ctx, cats),
        form,
        saved_now: None,
        ctx,
    }
}

async fn edit_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = documents::get(&state.store, actor, parse_id(&id)?).await?;
    actor.require(Permission::EditHandbook)?;
    let cats = handbook::categories(&state.store, actor, d.community_id).await?;
    let mut form = FormState::new(ctx.lang);
    form.set("category", &d.category);
    form.set("title", &d.title);
    form.set("body", &d.body);
    form.set_opt("published_on", d.published_on);
    if d.on_notice_board {
        form.set("on_notice_board", "on");
    }
    form.set("version", hearth_core::version::of(&d.updated_at));
    render(&edit_form_page(ctx, &d, &cats, form))
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match documents::update(&state.store, actor, id, document_input(&form, &pairs, false)).await {
        Ok(d) => Ok(Redirect::to(&format!("/handbook/{}?saved=1", d.id)).into_response()),
        Err(e) => {
            let stale = matches!(&e, CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            let d = documents::get(&state.store, actor, id).await?;
            let cats = handbook::categories(&state.store, actor, d.community_id).await?;
            let mut saved_now = None;
            if stale {
                // What the other person saved stays in view; this user's text stays in the
                // form, and saving again (with the version now current) keeps it.
                saved_now = Some((d.title.clone(), d.body.clone()));
                form.set("version", hearth_core::version::of(&d.updated_at));
            }
            let mut page = edit_form_page(ctx, &d, &cats, form);
            page.saved_now = saved_now;
            render_status(if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY }, &page)
        }
    }
}

struct VersionRow {
    no: i32,
    title: String,
    author: String,
    saved_at: String,
}

#[derive(Template)]
#[template(path = "handbook/history.html")]
struct HistoryPage {
    ctx: Ctx,
    d: handbook_document::Model,
    rows: Vec<VersionRow>,
    from: i32,
    to: i32,
}

async fn history_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = documents::get(&state.store, actor, parse_id(&id)?).await?;
    let rows: Vec<VersionRow> = documents::versions(&state.store, actor, d.id)
        .await?
        .into_iter()
        .map(|v| VersionRow {
            no: v.version.version_no,
            title: v.version.title,
            author: v.author.unwrap_or_else(|| "—".into()),
            saved_at: ctx.local_time(&v.version.saved_at),
        })
        .collect();
    let to = d.version_no;
    let from = (to - 1).max(1);
    render(&HistoryPage { ctx, d, rows, from, to })
}

#[derive(serde::Deserialize)]
struct DiffParams {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "handbook/diff.html")]
struct DiffPage {
    ctx: Ctx,
    d: handbook_document::Model,
    from: i32,
    to: i32,
    lines: Vec<DiffLine>,
    added: usize,
    removed: usize,
}

impl DiffPage {
    fn mark(&self, l: &DiffLine) -> &'static str {
        match l.change {
            Change::Same => "same",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

async fn diff_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<DiffParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = documents::get(&state.store, actor, parse_id(&id)?).await?;
    let num = |v: Option<&String>, default: i32| v.and_then(|s| s.trim().parse::<i32>().ok()).unwrap_or(default);
    let to = num(p.to.as_ref(), d.version_no);
    let from = num(p.from.as_ref(), (to - 1).max(1));
    let diff = documents::diff(&state.store, actor, d.id, from, to).await?;
    let added = diff.lines.iter().filter(|l| l.change == Change::Added).count();
    let removed = diff.lines.iter().filter(|l| l.change == Change::Removed).count();
    render(&DiffPage { ctx, d, from, to, lines: diff.lines, added, removed })
}

#[derive(Template)]
#[template(path = "handbook/print.html")]
struct PrintPage {
    ctx: Ctx,
    d: handbook_document::Model,
    category: String,
    html: String,
    community: String,
}

async fn print_page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let d = documents::get(&state.store, actor, parse_id(&id)?).await?;
    let cats = handbook::categories(&state.store, actor, d.community_id).await?;
    let community = communities::list(&state.store, actor)
        .await?
        .into_iter()
        .find(|c| c.id == d.community_id)
        .map(|c| c.name)
        .unwrap_or_default();
    render(&PrintPage {
        category: category_name(&ctx, &cats, &d.category),
        html: markdown::render(&d.body),
        community,
        ctx,
        d,
    })
}

struct BookletDoc {
    id: i64,
    title: String,
    published: String,
    html: String,
}

struct BookletPart {
    key: String,
    name: String,
    docs: Vec<BookletDoc>,
}

#[derive(Template)]
#[template(path = "handbook/booklet.html")]
struct BookletPage {
    ctx: Ctx,
    community: String,
    parts: Vec<BookletPart>,
    today: String,
}

#[derive(serde::Deserialize, Default)]
struct CommunityParam {
    community: Option<String>,
}

async fn booklet_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CommunityParam>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ReadHandbook)?;
    let c = chosen_community(&state, &ctx, p.community.as_deref()).await?;
    let parts = documents::booklet(&state.store, actor, c.id)
        .await?
        .into_iter()
        .map(|(cat, docs)| BookletPart {
            key: cat.key.clone(),
            name: cat.name(chinese(&ctx)).to_owned(),
            docs: docs
                .into_iter()
                .map(|d| BookletDoc {
                    id: d.id,
                    published: d.published_on.map(|x| x.to_string()).unwrap_or_default(),
                    html: markdown::render(&d.body),
                    title: d.title,
                })
                .collect(),
        })
        .collect();
    render(&BookletPage { ctx, community: c.name, parts, today: today_local().to_string() })
}

#[derive(Template)]
#[template(path = "handbook/categories.html")]
struct CategoriesPage {
    ctx: Ctx,
    community: String,
    categories: Vec<Category>,
    form: FormState,
    /// The category whose rename was sent (its errors are shown there); 0: the new one.
    sent: i64,
}

async fn categories_view(
    state: &AppState,
    ctx: Ctx,
    slug: Option<&str>,
    form: FormState,
    sent: i64,
) -> Result<CategoriesPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditHandbook)?;
    let c = chosen_community(state, &ctx, slug).await?;
    let categories = handbook::categories(&state.store, actor, c.id).await?;
    Ok(CategoriesPage { ctx, community: c.slug, categories, form, sent })
}

async fn categories_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<CommunityParam>,
) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&categories_view(&state, ctx, p.community.as_deref(), form, -1).await?)
}

async fn add_category(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditHandbook)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let input =
        CategoryInput { community: form.get("community"), name_en: form.get("name_en"), name_zh: form.get("name_zh") };
    match handbook::add_category(&state.store, actor, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/handbook/categories?community={}&saved=1", form.value("community")))
            .into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let slug = form.get("community");
            let page = categories_view(&state, ctx, slug.as_deref(), form, 0).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn rename_category(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let input = CategoryInput { community: None, name_en: form.get("name_en"), name_zh: form.get("name_zh") };
    match handbook::rename_category(&state.store, actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/handbook/categories?community={}&saved=1", form.value("community")))
            .into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let slug = form.get("community");
            let page = categories_view(&state, ctx, slug.as_deref(), form, id).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Partnership agreements

struct PartnershipRow {
    id: i64,
    title: String,
    parties: String,
    signed_on: String,
    valid_until: String,
    state: String,
    state_key: &'static str,
}

fn state_of(ctx: &Ctx, p: &partnership::Model) -> (String, &'static str) {
    let st = partnerships::state(p, today_local());
    (ctx.t(&format!("partnership-state-{}", st.as_str().replace('_', "-"))), st.as_str())
}

#[derive(Template)]
#[template(path = "handbook/partnerships.html")]
struct PartnershipsPage {
    ctx: Ctx,
    rows: Vec<PartnershipRow>,
}

async fn partnerships_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let rows = partnerships::list(&state.store, actor)
        .await?
        .into_iter()
        .map(|p| {
            let (state, state_key) = state_of(&ctx, &p);
            PartnershipRow {
                id: p.id,
                parties: p.parties.lines().collect::<Vec<_>>().join(" · "),
                signed_on: p.signed_on.to_string(),
                valid_until: p.valid_until.map(|d| d.to_string()).unwrap_or_default(),
                title: p.title,
                state,
                state_key,
            }
        })
        .collect();
    render(&PartnershipsPage { ctx, rows })
}

#[derive(Template)]
#[template(path = "handbook/partnership.html")]
struct PartnershipPage {
    ctx: Ctx,
    p: partnership::Model,
    parties: Vec<String>,
    state: String,
    state_key: &'static str,
    form: FormState,
}

async fn partnership_view(state: &AppState, ctx: Ctx, id: i64, form: FormState) -> Result<PartnershipPage, WebError> {
    let p = partnerships::get(&state.store, ctx.actor()?, id).await?;
    let (st, state_key) = state_of(&ctx, &p);
    Ok(PartnershipPage { parties: p.parties.lines().map(str::to_owned).collect(), state: st, state_key, ctx, p, form })
}

async fn partnership_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&partnership_view(&state, ctx, id, form).await?)
}

#[derive(Template)]
#[template(path = "handbook/partnership_form.html")]
struct PartnershipForm {
    ctx: Ctx,
    title: String,
    action: String,
    cancel: String,
    creating: bool,
    communities: Vec<(String, String)>,
    form: FormState,
}

fn partnership_input(form: &FormState, pairs: &[(String, String)], creating: bool) -> PartnershipInput {
    let g = |f: &str| if pairs.iter().any(|(k, _)| k == f) { Some(form.value(f).to_owned()) } else { None };
    PartnershipInput {
        community: if creating { g("community") } else { None },
        title: g("title"),
        parties: g("parties"),
        signed_on: g("signed_on"),
        valid_until: g("valid_until"),
        text: g("text"),
        version: form.get("version"),
    }
}

async fn new_partnership_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::EditPartnerships)?;
    let communities = community_options(&state, &ctx).await?;
    let mut form = FormState::new(ctx.lang);
    if let Some((slug, _)) = communities.first() {
        form.set("community", slug);
    }
    form.set("signed_on", today_local());
    render(&PartnershipForm {
        title: ctx.t("partnership-new"),
        action: "/partnerships".into(),
        cancel: "/partnerships".into(),
        creating: true,
        communities,
        form,
        ctx,
    })
}

async fn create_partnership(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPartnerships)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match partnerships::create(&state.store, actor, partnership_input(&form, &pairs, true)).await {
        Ok(p) => Ok(Redirect::to(&format!("/partnerships/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let communities = community_options(&state, &ctx).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PartnershipForm {
                    title: ctx.t("partnership-new"),
                    action: "/partnerships".into(),
                    cancel: "/partnerships".into(),
                    creating: true,
                    communities,
                    form,
                    ctx,
                },
            )
        }
    }
}

fn edit_partnership_form(ctx: Ctx, p: &partnership::Model, form: FormState) -> PartnershipForm {
    PartnershipForm {
        title: ctx.t1("partnership-edit-title", "title", p.title.as_str()),
        action: format!("/partnerships/{}", p.id),
        cancel: format!("/partnerships/{}", p.id),
        creating: false,
        communities: Vec::new(),
        form,
        ctx,
    }
}

async fn edit_partnership_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let p = partnerships::get(&state.store, actor, parse_id(&id)?).await?;
    actor.require(Permission::EditPartnerships)?;
    let mut form = FormState::new(ctx.lang);
    form.set("title", &p.title);
    form.set("parties", &p.parties);
    form.set("signed_on", p.signed_on);
    form.set_opt("valid_until", p.valid_until);
    form.set_opt("text", p.text.as_deref());
    form.set("version", hearth_core::version::of(&p.updated_at));
    render(&edit_partnership_form(ctx, &p, form))
}

async fn update_partnership(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Form(pairs): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match partnerships::update(&state.store, actor, id, partnership_input(&form, &pairs, false)).await {
        Ok(p) => Ok(Redirect::to(&format!("/partnerships/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            let stale = matches!(&e, CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            let p = partnerships::get(&state.store, actor, id).await?;
            if stale {
                form.set("version", hearth_core::version::of(&p.updated_at));
            }
            render_status(
                if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY },
                &edit_partnership_form(ctx, &p, form),
            )
        }
    }
}

async fn upload_scan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?.clone();
    let p = partnerships::get(&state.store, &actor, id).await?;
    actor.require(Permission::EditPartnerships)?;
    let (pairs, file_name, bytes, too_large) = super::jobs::read_upload(req, &state).await?;
    if !too_large && !crate::csrf::multipart_token_ok(&ctx, &pairs) {
        return Err(WebError::CsrfRejected);
    }
    let result = if too_large {
        let mut e = hearth_core::FieldErrors::new();
        e.add_arg("scan", "file_too_large", 5);
        Err(CoreError::Invalid(e))
    } else {
        partnerships::attach_scan(&state.store, &actor, p.id, file_name.as_deref(), bytes).await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/partnerships/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            let mut form = FormState::from_pairs(ctx.lang, &pairs);
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &partnership_view(&state, ctx, p.id, form).await?)
        }
    }
}

/// The scan, always as a download (never shown inline, whatever it holds).
async fn download_scan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (name, kind, bytes) = partnerships::scan(&state.store, ctx.actor()?, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
