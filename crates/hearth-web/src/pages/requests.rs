//! Service request pages: the filtered list with "resolve all shown" (asked once more, since
//! it changes many records), opening one request from a household's page, opening the same
//! request for a building, a list of households or everyone present, a request's page (its
//! status with a note, its details, its log), and the community's kinds of request.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::entity::{household, request, request_kind};
use hearth_core::record::EntityKind;
use hearth_core::requests::RequestStatus;
use hearth_core::requests::kinds::{self, KindInput};
use hearth_core::requests::records::{
    self, BulkInput, BulkResolveInput, Filter, ListQuery, RequestInput, RequestLine, StatusInput,
};
use hearth_core::word::Word;
use hearth_core::{Actor, CoreError, Permission, Store};

use super::form::{FormState, confirm_page, confirmed, form_errors, parse_id, resend};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::practice::{BoxFut, NavEntry, Pages, TodayItem, TodaySection, WebFut, WebPractice};

/// Service requests as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "requests",
    pages,
    api: Some(crate::api::requests::routes),
    api_tags: &[(
        "requests",
        "Service requests to utilities and services: one household's or many at once, status changes with notes, bulk resolve, the community's kinds",
    )],
    nav: &[NavEntry {
        href: "/requests",
        label: "nav-requests-open",
        permission: Permission::TrackRequests,
        badge: Some("open-requests"),
        plain_label: "nav-requests",
        alert: false,
    }],
    badges: Some(badges),
    links: &[(EntityKind::ServiceRequest, "/requests/{id}"), (EntityKind::RequestKind, "/request-kinds#kind-{id}")],
    today: Some(today),
    household: Some(household_sections),
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/requests", list)
        .post("/requests", open)
        .get("/requests/new", new_form)
        .get("/requests/bulk", bulk_form)
        .post("/requests/bulk", bulk_open)
        .post("/requests/resolve", bulk_resolve)
        .get("/requests/{id}", show)
        .post("/requests/{id}", change)
        .post("/requests/{id}/status", change_status)
        .get("/request-kinds", kinds_page)
        .post("/request-kinds", add_kind)
        .post("/request-kinds/{id}", change_kind)
}

/// Open requests (open or with their provider) for the menu.
fn badges<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<(&'static str, u64)>> {
    Box::pin(async move { Ok(vec![("open-requests", records::open_count(store, actor).await?)]) })
}

fn today_local() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A kind's name in the reader's language (its key if the community has no such kind).
fn kind_name(ctx: &Ctx, kinds: &[request_kind::Model], community: i64, key: &str) -> String {
    kinds
        .iter()
        .find(|k| k.community_id == community && k.key == key)
        .map(|k| if ctx.lang == Lang::ZhCn { k.name_zh.clone() } else { k.name_en.clone() })
        .unwrap_or_else(|| key.to_owned())
}

/// The kinds a new request may take in `community`: (key, name), with a "choose" first.
fn kind_options(ctx: &Ctx, kinds: &[request_kind::Model], community: Option<i64>) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), ctx.t("request-choose-kind"))];
    let mut seen = Vec::new();
    for k in kinds.iter().filter(|k| !k.retired && community.is_none_or(|c| k.community_id == c)) {
        if !seen.contains(&k.key) {
            seen.push(k.key.clone());
            out.push((k.key.clone(), kind_name(ctx, kinds, k.community_id, &k.key)));
        }
    }
    out
}

/// The Today page: requests passed to a provider and still waiting, longest first.
fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::TrackRequests) {
            return Ok(Vec::new());
        }
        let (count, rows) = records::waiting(&state.store, actor, 5).await?;
        let kinds = kinds::list(&state.store, actor).await?;
        Ok(vec![TodaySection {
            key: "requests-waiting",
            title: ctx.t("today-requests-waiting"),
            count,
            href: "/requests?status=passed_to_provider".into(),
            more: ctx.t("today-all-requests"),
            empty: ctx.t("today-requests-waiting-empty"),
            items: rows
                .into_iter()
                .map(|l| TodayItem {
                    href: format!("/requests/{}", l.request.id),
                    label: format!(
                        "{} · {}",
                        l.household_code,
                        kind_name(ctx, &kinds, l.request.community_id, &l.request.kind)
                    ),
                    detail: ctx.t1(
                        "request-waiting-since",
                        "date",
                        l.request.passed_on.map(|d| d.to_string()).unwrap_or_default(),
                    ),
                    tel: None,
                    alert: false,
                })
                .collect(),
        }])
    })
}

/// A household's page: its open requests, and opening one.
fn household_sections<'a>(state: &'a AppState, ctx: &'a Ctx, h: &'a household::Model) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::TrackRequests) {
            return Ok(Vec::new());
        }
        let rows = records::of_household(&state.store, actor, h, true).await?;
        let kinds = kinds::of_community(state.store.conn(), h.community_id).await?;
        Ok(vec![TodaySection {
            key: "requests",
            title: ctx.t("household-requests"),
            count: rows.len() as u64,
            href: format!("/requests/new?household={}", h.id),
            more: ctx.t("request-open"),
            empty: ctx.t("household-requests-empty"),
            items: rows
                .into_iter()
                .map(|r| TodayItem {
                    href: format!("/requests/{}", r.id),
                    label: kind_name(ctx, &kinds, r.community_id, &r.kind),
                    detail: format!("{} · {}", r.opened_on, ctx.t(&r.status.fluent_key())),
                    tel: None,
                    alert: false,
                })
                .collect(),
        }])
    })
}

// ---------------------------------------------------------------------------------------
// The list, and resolving what it shows

struct Row {
    id: i64,
    household_id: i64,
    household_code: String,
    kind: String,
    description: String,
    provider: String,
    opened_on: String,
    status: String,
    closed: bool,
}

#[derive(Template)]
#[template(path = "requests/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    total: u64,
    resolvable: u64,
    next: Option<String>,
    kinds: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    /// The filter as a query string (for the form's hidden fields and links).
    filter_pairs: Vec<(String, String)>,
    resolved: Option<String>,
    count_text: String,
    /// "Resolve all 12", or empty when nothing is left to resolve.
    resolve_label: String,
    form: FormState,
}

#[derive(serde::Deserialize, Default)]
struct ListParams {
    kind: Option<String>,
    status: Option<String>,
    building: Option<String>,
    after: Option<String>,
    resolved: Option<String>,
}

fn blank_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn list_page(state: &AppState, ctx: Ctx, p: ListParams, form: FormState) -> Result<ListPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::TrackRequests)?;
    let filter = Filter {
        kind: blank_none(p.kind),
        status: blank_none(p.status),
        building: blank_none(p.building),
        ..Default::default()
    };
    let q = ListQuery {
        kind: filter.kind.clone(),
        status: filter.status.clone(),
        building: filter.building.clone(),
        after: p.after.as_deref().and_then(|a| a.parse().ok()),
        limit: Some(200),
        ..Default::default()
    };
    let mut form = form;
    let all_kinds = kinds::list(&state.store, actor).await?;
    let (total, page, resolvable) = match records::list(&state.store, actor, &q).await {
        Ok((total, page)) => (total, page, records::count_resolvable(&state.store, actor, &filter).await?),
        Err(CoreError::Invalid(e)) => {
            form.errors.0.extend(e.0);
            (0, hearth_core::registry::Page { items: Vec::new(), next_after: None }, 0)
        }
        Err(e) => return Err(e.into()),
    };
    let mut filter_pairs = Vec::new();
    for (k, v) in [("kind", &filter.kind), ("status", &filter.status), ("building", &filter.building)] {
        if let Some(v) = v {
            filter_pairs.push((k.to_owned(), v.clone()));
            if form.value(k).is_empty() {
                form.set(k, v);
            }
        }
    }
    if form.value("resolved_on").is_empty() {
        form.set("resolved_on", today_local());
    }
    let next = page.next_after.map(|a| {
        let mut q: Vec<String> = filter_pairs.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
        q.push(format!("after={a}"));
        format!("/requests?{}", q.join("&"))
    });
    let rows = page
        .items
        .into_iter()
        .map(|l: RequestLine| Row {
            id: l.request.id,
            household_id: l.request.household_id,
            kind: kind_name(&ctx, &all_kinds, l.request.community_id, &l.request.kind),
            description: l.request.description,
            provider: l.request.provider.unwrap_or_default(),
            opened_on: l.request.opened_on.to_string(),
            status: ctx.t(&l.request.status.fluent_key()),
            closed: l.request.status.is_closed(),
            household_code: l.household_code,
        })
        .collect();
    let mut kinds_opts = vec![(String::new(), ctx.t("request-any-kind"))];
    kinds_opts.extend(kind_options(&ctx, &all_kinds, None).into_iter().skip(1));
    let mut statuses = vec![(String::new(), ctx.t("request-any-status"))];
    statuses.extend(super::form::word_options::<RequestStatus>(&ctx));
    let count_text = format!(
        "{} · {}",
        ctx.t1("requests-count", "count", total as i64),
        ctx.t1("requests-resolvable", "count", resolvable as i64)
    );
    let resolve_label =
        if resolvable > 0 { ctx.t1("requests-resolve-all", "count", resolvable as i64) } else { String::new() };
    Ok(ListPage {
        count_text,
        resolve_label,
        rows,
        total,
        resolvable,
        next,
        kinds: kinds_opts,
        statuses,
        filter_pairs,
        resolved: blank_none(p.resolved),
        form,
        ctx,
    })
}

use crate::error::urlencode;

async fn list(State(state): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&list_page(&state, ctx, p, form).await?)
}

/// "Resolve all shown": the first POST asks once more (how many, that it cannot be undone),
/// carrying the count the worker saw; the confirming one resolves exactly those or nothing.
async fn bulk_resolve(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::TrackRequests)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let filter = Filter {
        kind: blank_none(form.get("kind")),
        status: blank_none(form.get("status")),
        building: blank_none(form.get("building")),
        ..Default::default()
    };
    let params = || ListParams {
        kind: filter.kind.clone(),
        status: filter.status.clone(),
        building: filter.building.clone(),
        ..Default::default()
    };
    let back = {
        let q: Vec<String> = [("kind", &filter.kind), ("status", &filter.status), ("building", &filter.building)]
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencode(v))))
            .collect();
        if q.is_empty() { "/requests".to_owned() } else { format!("/requests?{}", q.join("&")) }
    };
    if !confirmed(&pairs) {
        let n = match records::count_resolvable(&state.store, actor, &filter).await {
            Ok(n) => n,
            Err(e) => {
                let mut f = form;
                f.errors = form_errors(e)?;
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&state, ctx, params(), f).await?);
            }
        };
        let mut again = resend(&pairs);
        again.retain(|(k, _)| k != "expected_count");
        again.push(("expected_count".into(), n.to_string()));
        let step = super::form::ConfirmStep {
            title: ctx.t1("requests-resolve-confirm-title", "count", n as i64),
            what_happens: vec![ctx.t("requests-resolve-confirm-effect")],
            action: "/requests/resolve".into(),
            pairs: again,
            confirm_label: ctx.t1("requests-resolve-all", "count", n as i64),
            cancel_href: back,
        };
        return confirm_page(ctx, step);
    }
    let input = BulkResolveInput {
        community: None,
        kind: filter.kind.clone(),
        status: filter.status.clone(),
        building: filter.building.clone(),
        resolved_on: form.get("resolved_on"),
        note: blank_none(form.get("note")),
        expected_count: form.value("expected_count").trim().parse().ok(),
    };
    match records::bulk_resolve(&state.store, actor, input).await {
        Ok(out) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            Ok(Redirect::to(&format!("{back}{sep}resolved={}&saved=1", out.count)).into_response())
        }
        Err(e) => {
            let mut f = form;
            f.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &list_page(&state, ctx, params(), f).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Opening one request, and many

#[derive(Template)]
#[template(path = "requests/new.html")]
struct NewPage {
    ctx: Ctx,
    h: household::Model,
    kinds: Vec<(String, String)>,
    form: FormState,
}

#[derive(serde::Deserialize, Default)]
struct NewParams {
    household: Option<String>,
}

async fn new_page(state: &AppState, ctx: Ctx, household_id: i64, form: FormState) -> Result<NewPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::TrackRequests)?;
    let h = hearth_core::registry::households::get(&state.store, actor, household_id).await?;
    let all = kinds::of_community(state.store.conn(), h.community_id).await?;
    let kinds = kind_options(&ctx, &all, Some(h.community_id));
    Ok(NewPage { ctx, h, kinds, form })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(p): Query<NewParams>) -> Result<Response, WebError> {
    let id = parse_id(p.household.as_deref().unwrap_or_default())?;
    let mut form = FormState::new(ctx.lang);
    form.set("opened_on", today_local());
    render(&new_page(&state, ctx, id, form).await?)
}

async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let household_id = super::form::number(form.value("household_id")).unwrap_or(-1);
    let input = RequestInput {
        household_id: Some(household_id),
        kind: form.get("kind"),
        description: form.get("description"),
        provider: form.get("provider"),
        opened_on: form.get("opened_on"),
        version: None,
    };
    match records::open(&state.store, ctx.actor()?, input).await {
        Ok(r) => Ok(Redirect::to(&format!("/requests/{}?saved=1", r.id)).into_response()),
        Err(e) => {
            let mut form = form;
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&state, ctx, household_id, form).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "requests/bulk.html")]
struct BulkPage {
    ctx: Ctx,
    communities: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    buildings: Vec<String>,
    /// The listed codes the core refused: (line, code, why).
    bad_codes: Vec<(i64, String, String)>,
    form: FormState,
}

async fn bulk_page(state: &AppState, ctx: Ctx, form: FormState) -> Result<BulkPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::TrackRequests)?;
    let mut communities: Vec<(String, String)> = hearth_core::registry::communities::list(&state.store, actor)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.name))
        .collect();
    let community_id = match communities.as_slice() {
        [(slug, _)] => Some(hearth_core::registry::communities::by_slug(&state.store, actor, slug).await?.id),
        _ => None,
    };
    if communities.len() > 1 {
        communities.insert(0, (String::new(), ctx.t("request-choose-community")));
    }
    let all = kinds::list(&state.store, actor).await?;
    let kinds = kind_options(&ctx, &all, community_id);
    let buildings = match community_id {
        Some(c) => buildings_of(&state.store, c).await?,
        None => Vec::new(),
    };
    let mut form = form;
    let codes: Vec<String> = split_codes(form.value("household_codes"));
    let mut bad_codes = Vec::new();
    let mut kept = Vec::new();
    for err in std::mem::take(&mut form.errors.0) {
        match err
            .field
            .strip_prefix("household_codes[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => bad_codes.push((
                n as i64 + 1,
                codes.get(n).cloned().unwrap_or_default(),
                crate::error::field_message(ctx.lang, &err),
            )),
            None => kept.push(err),
        }
    }
    if !bad_codes.is_empty() {
        kept.push(hearth_core::FieldError {
            field: "household_codes".into(),
            code: "bad_households",
            arg: Some(bad_codes.len() as i64),
        });
    }
    form.errors.0 = kept;
    Ok(BulkPage { ctx, communities, kinds, buildings, bad_codes, form })
}

/// The buildings of a community's present households (the bulk form's suggestions).
async fn buildings_of(store: &Store, community: i64) -> Result<Vec<String>, WebError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(household::Entity::find()
        .select_only()
        .column(household::Column::Building)
        .distinct()
        .filter(household::Column::CommunityId.eq(community))
        .filter(household::Column::MovedOutOn.is_null())
        .filter(household::Column::Building.is_not_null())
        .order_by_asc(household::Column::Building)
        .into_tuple::<Option<String>>()
        .all(store.conn())
        .await
        .map_err(CoreError::from)?
        .into_iter()
        .flatten()
        .collect())
}

/// Household codes typed one per line (or separated by commas or spaces).
fn split_codes(v: &str) -> Vec<String> {
    v.split(|c: char| c == ',' || c == '，' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

async fn bulk_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let mut form = FormState::new(ctx.lang);
    form.set("opened_on", today_local());
    form.set("by", "building");
    render(&bulk_page(&state, ctx, form).await?)
}

async fn bulk_open(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let by = form.value("by").to_owned();
    let input = BulkInput {
        community: blank_none(form.get("community")),
        building: (by == "building").then(|| form.value("building").to_owned()),
        household_ids: None,
        household_codes: (by == "list").then(|| split_codes(form.value("household_codes"))),
        all: (by == "all").then_some(true),
        kind: form.get("kind"),
        description: form.get("description"),
        provider: form.get("provider"),
        opened_on: form.get("opened_on"),
    };
    let mut input = input;
    if by == "building" && form.value("building").trim().is_empty() {
        // Chosen "by building" with none typed: the building is what is missing.
        let mut form = form;
        let mut e = hearth_core::FieldErrors::new();
        e.add("building", "required");
        form.errors = e;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &bulk_page(&state, ctx, form).await?);
    }
    if by == "list" && input.household_codes.as_ref().is_some_and(Vec::is_empty) {
        input.household_codes = None;
        let mut form = form;
        let mut e = hearth_core::FieldErrors::new();
        e.add("household_codes", "required");
        form.errors = e;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &bulk_page(&state, ctx, form).await?);
    }
    let kind = form.value("kind").to_owned();
    let building = form.value("building").trim().to_owned();
    match records::bulk_open(&state.store, ctx.actor()?, input).await {
        Ok(out) => {
            let mut q = format!("/requests?kind={}&status=open", urlencode(&kind));
            if by == "building" {
                q.push_str(&format!("&building={}", urlencode(&building)));
            }
            Ok(Redirect::to(&format!("{q}&opened={}&saved=1", out.count)).into_response())
        }
        Err(e) => {
            let mut form = form;
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &bulk_page(&state, ctx, form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// A request's page

#[derive(Template)]
#[template(path = "requests/show.html")]
struct ShowPage {
    ctx: Ctx,
    r: request::Model,
    household_code: String,
    kind: String,
    status: String,
    closed: bool,
    version: String,
    kinds: Vec<(String, String)>,
    next_statuses: Vec<(String, String)>,
    notes: Vec<hearth_core::notes::Note>,
    /// Which form was sent (its errors are shown there).
    sent: String,
    form: FormState,
}

async fn show_page(state: &AppState, ctx: Ctx, id: i64, sent: &str, form: FormState) -> Result<ShowPage, WebError> {
    let actor = ctx.actor()?;
    let r = records::get(&state.store, actor, id).await?;
    let notes = records::notes_of(&state.store, actor, id).await?;
    let household_code = hearth_core::registry::households::codes(&state.store, actor, &[r.household_id])
        .await?
        .into_iter()
        .next()
        .map(|(_, c)| c)
        .unwrap_or_default();
    let all = kinds::of_community(state.store.conn(), r.community_id).await?;
    let mut kinds = kind_options(&ctx, &all, Some(r.community_id));
    if !kinds.iter().any(|(k, _)| *k == r.kind) {
        kinds.push((r.kind.clone(), kind_name(&ctx, &all, r.community_id, &r.kind)));
    }
    let next_statuses: Vec<(String, String)> = RequestStatus::all()
        .into_iter()
        .filter(|s| match s {
            RequestStatus::Open => false,
            RequestStatus::PassedToProvider => r.status == RequestStatus::Open,
            _ => true,
        })
        .map(|s| (s.word(), ctx.t(&s.fluent_key())))
        .collect();
    let mut form = form;
    if sent != "details" {
        form.set("kind", &r.kind);
        form.set("description", &r.description);
        form.set_opt("provider", r.provider.clone());
        form.set("opened_on", r.opened_on);
    }
    if form.value("on").is_empty() {
        form.set("on", today_local());
    }
    Ok(ShowPage {
        kind: kind_name(&ctx, &all, r.community_id, &r.kind),
        status: ctx.t(&r.status.fluent_key()),
        closed: r.status.is_closed(),
        version: hearth_core::version::of(&r.updated_at),
        household_code,
        kinds,
        next_statuses,
        notes,
        sent: sent.to_owned(),
        form,
        r,
        ctx,
    })
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::new(ctx.lang);
    render(&show_page(&state, ctx, id, "", form).await?)
}

async fn request_errors(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    sent: &str,
    form: FormState,
    e: CoreError,
) -> Result<Response, WebError> {
    let mut form = form;
    form.errors = form_errors(e)?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(state, ctx, id, sent, form).await?)
}

async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = RequestInput {
        household_id: None,
        kind: form.get("kind"),
        description: form.get("description"),
        provider: form.get("provider"),
        opened_on: form.get("opened_on"),
        version: form.get("version"),
    };
    match records::update(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{id}?saved=1")).into_response()),
        Err(e) => request_errors(&state, ctx, id, "details", form, e).await,
    }
}

async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = StatusInput {
        status: form.get("status"),
        on: form.get("on"),
        note: blank_none(form.get("note")),
        version: form.get("version"),
    };
    match records::change_status(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/requests/{id}?saved=1#status-h")).into_response()),
        Err(e) => request_errors(&state, ctx, id, "status", form, e).await,
    }
}

// ---------------------------------------------------------------------------------------
// Kinds

struct KindRow {
    k: request_kind::Model,
    community: String,
    version: String,
}

#[derive(Template)]
#[template(path = "requests/kinds.html")]
struct KindsPage {
    ctx: Ctx,
    rows: Vec<KindRow>,
    communities: Vec<(String, String)>,
    can_edit: bool,
    sent: String,
    form: FormState,
}

async fn kinds_page_of(state: &AppState, ctx: Ctx, sent: &str, form: FormState) -> Result<KindsPage, WebError> {
    let actor = ctx.actor()?;
    let list = kinds::list(&state.store, actor).await?;
    let comms = hearth_core::registry::communities::list(&state.store, actor).await?;
    let name_of = |id: i64| comms.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default();
    let rows = list
        .into_iter()
        .map(|k| KindRow { community: name_of(k.community_id), version: hearth_core::version::of(&k.updated_at), k })
        .collect();
    let mut communities: Vec<(String, String)> = comms.iter().map(|c| (c.slug.clone(), c.name.clone())).collect();
    if communities.len() > 1 {
        communities.insert(0, (String::new(), ctx.t("request-choose-community")));
    }
    Ok(KindsPage {
        can_edit: ctx.can(Permission::EditRequestKinds),
        rows,
        communities,
        sent: sent.to_owned(),
        form,
        ctx,
    })
}

async fn kinds_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&kinds_page_of(&state, ctx, "", form).await?)
}

async fn add_kind(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = KindInput {
        community: blank_none(form.get("community")),
        key: form.get("key"),
        name_en: form.get("name_en"),
        name_zh: form.get("name_zh"),
        retired: None,
        version: None,
    };
    match kinds::create(&state.store, ctx.actor()?, input).await {
        Ok(k) => Ok(Redirect::to(&format!("/request-kinds?saved=1#kind-{}", k.id)).into_response()),
        Err(e) => {
            let mut form = form;
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &kinds_page_of(&state, ctx, "add", form).await?)
        }
    }
}

async fn change_kind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let input = KindInput {
        community: None,
        key: None,
        name_en: form.get("name_en"),
        name_zh: form.get("name_zh"),
        retired: form.get("retired_sent").map(|_| form.checked("retired")),
        version: form.get("version"),
    };
    match kinds::update(&state.store, ctx.actor()?, id, input).await {
        Ok(k) => Ok(Redirect::to(&format!("/request-kinds?saved=1#kind-{}", k.id)).into_response()),
        Err(e) => {
            let mut form = form;
            form.errors = form_errors(e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &kinds_page_of(&state, ctx, &format!("kind-{id}"), form).await?,
            )
        }
    }
}
