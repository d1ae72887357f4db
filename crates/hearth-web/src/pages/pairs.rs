//! Pairing pages: the pairs a worker may see with where each stands in its contact cadence
//! (a volunteer: their own), pairing a helper with a household, a pair's page with its
//! contacts and a form to record one in seconds on a phone (with a need found, which opens a
//! follow-up), ending and reassigning a pair, and the helpers.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::entity::household;
use hearth_core::pairs::contacts::{self, ContactInput};
use hearth_core::pairs::helpers::{self, HelperInput};
use hearth_core::pairs::records::{self, EndInput, PairInput, PairLine};
use hearth_core::pairs::{Cadence, ContactMode, HelperKind};
use hearth_core::record::EntityKind;
use hearth_core::visits::{Category, NeedInput};
use hearth_core::word::Word;
use hearth_core::{Actor, FieldErrors, Permission, Store};

use super::form::{FormState, confirm_page, confirmed, form_errors, non_blank, number, parse_id, resend, word_options};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::practice::{BoxFut, NavEntry, Pages, QueueCount, TodayItem, TodaySection, WebFut, WebPractice};

/// Pairing as a practice on the web.
pub const PRACTICE: WebPractice = WebPractice {
    key: "pairs",
    pages,
    api: Some(crate::api::pairs::routes),
    api_tags: &[("pairs", "Pairing: helpers, pairs with their contact cadence, contacts made")],
    nav: &[NavEntry::link("/pairs", "nav-pairs", Permission::ContactPairs)],
    badges: None,
    links: &[(EntityKind::Pair, "/pairs/{id}"), (EntityKind::PairContact, "/pairs/contacts/{id}")],
    today: Some(today),
    household: Some(household_sections),
    resident: None,
    queues: Some(queues),
};

fn pages() -> Pages {
    Pages::new()
        .get("/pairs", list)
        .get("/pairs/new", new_form)
        .post("/pairs", create)
        .get("/pairs/{id}", show)
        .post("/pairs/{id}/contacts", add_contact)
        .post("/pairs/{id}/end", end)
        .get("/pairs/contacts/{id}", contact_redirect)
        .get("/helpers", helpers_page)
        .post("/helpers", add_helper)
}

fn today_local() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// "Due this week", "1 window missed", … in the reader's words.
fn standing_text(ctx: &Ctx, l: &PairLine) -> String {
    if l.pair.ended_on.is_some() {
        return ctx.t("pair-ended");
    }
    let mut parts = Vec::new();
    if l.standing.missed > 0 {
        parts.push(ctx.t1("pair-missed", "count", i64::from(l.standing.missed)));
    }
    if l.standing.due {
        parts.push(ctx.t(&format!("pair-due-{}", l.pair.cadence.word())));
    } else {
        parts.push(ctx.t("pair-kept"));
    }
    parts.join(" · ")
}

/// The Today page: my pairs due a contact in this window; for coordinators, pairs that
/// missed two windows or more.
/// The dashboard: pairs due a contact in this window.
fn queues<'a>(store: &'a Store, actor: &'a Actor) -> BoxFut<'a, Vec<QueueCount>> {
    Box::pin(async move {
        if !hearth_core::policy::allows(actor.role, Permission::ContactPairs) {
            return Ok(Vec::new());
        }
        let count = records::due_count(store, actor).await?;
        Ok(vec![QueueCount {
            key: "contacts-due",
            label: "queue-contacts-due",
            count,
            href: "/pairs?due=true",
            alert: false,
        }])
    })
}

fn today<'a>(state: &'a AppState, ctx: &'a Ctx) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::ContactPairs) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let due = records::due_for_me(&state.store, actor).await?;
        if !due.is_empty() || actor.is_volunteer() {
            out.push(TodaySection {
                key: "contacts-due",
                title: ctx.t("today-contacts-due"),
                count: due.len() as u64,
                href: "/pairs?mine=true".into(),
                more: ctx.t("today-all-my-pairs"),
                empty: ctx.t("today-contacts-due-empty"),
                items: due
                    .iter()
                    .take(8)
                    .map(|l| TodayItem {
                        href: format!("/pairs/{}#contact", l.pair.id),
                        label: l.household_code.clone(),
                        detail: standing_text(ctx, l),
                        tel: None,
                        alert: l.standing.missed > 0,
                    })
                    .collect(),
            });
        }
        if ctx.can(Permission::ManagePairs) {
            let behind = records::escalated(&state.store, actor).await?;
            out.push(TodaySection {
                key: "pairs-behind",
                title: ctx.t("today-pairs-behind"),
                count: behind.len() as u64,
                href: "/pairs?missed=2".into(),
                more: ctx.t("today-all-pairs-behind"),
                empty: ctx.t("today-pairs-behind-empty"),
                items: behind
                    .iter()
                    .take(5)
                    .map(|l| TodayItem {
                        href: format!("/pairs/{}", l.pair.id),
                        label: format!("{} · {}", l.household_code, l.helper),
                        detail: standing_text(ctx, l),
                        tel: None,
                        alert: true,
                    })
                    .collect(),
            });
        }
        Ok(out)
    })
}

/// A household's page: its pairs, and pairing it with a helper.
fn household_sections<'a>(state: &'a AppState, ctx: &'a Ctx, h: &'a household::Model) -> WebFut<'a, Vec<TodaySection>> {
    Box::pin(async move {
        let actor = ctx.actor()?;
        if !ctx.can(Permission::ContactPairs) {
            return Ok(Vec::new());
        }
        let pairs = records::of_household(&state.store, actor, h.id).await?;
        let manage = ctx.can(Permission::ManagePairs);
        Ok(vec![TodaySection {
            key: "pairs",
            title: ctx.t("household-pairs"),
            count: pairs.iter().filter(|l| l.pair.ended_on.is_none()).count() as u64,
            href: if manage { format!("/pairs/new?household={}", h.id) } else { String::new() },
            more: if manage { ctx.t("pair-new") } else { String::new() },
            empty: ctx.t("household-pairs-empty"),
            items: pairs
                .iter()
                .map(|l| TodayItem {
                    href: format!("/pairs/{}", l.pair.id),
                    label: l.helper.clone(),
                    detail: format!("{} · {}", ctx.t(&l.pair.cadence.fluent_key()), standing_text(ctx, l)),
                    tel: None,
                    alert: l.standing.missed > 0 && l.pair.ended_on.is_none(),
                })
                .collect(),
        }])
    })
}

// ---------------------------------------------------------------------------------------
// The list

struct Row {
    id: i64,
    household_code: String,
    helper: String,
    cadence: String,
    standing: String,
    last: String,
    behind: bool,
}

#[derive(Template)]
#[template(path = "pairs/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    filter: String,
    manage: bool,
}

#[derive(serde::Deserialize, Default)]
struct ListParams {
    status: Option<String>,
    missed: Option<String>,
    mine: Option<String>,
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let missed = match non_blank(p.missed.clone()) {
        None => None,
        Some(m) => {
            Some(m.trim().parse::<u32>().map_err(|_| hearth_core::CoreError::invalid("missed", "invalid_choice"))?)
        }
    };
    let mine = p.mine.as_deref() == Some("true");
    let q = records::ListQuery { status: non_blank(p.status.clone()), missed, mine: Some(mine), ..Default::default() };
    let lines = records::list(&state.store, actor, &q).await?;
    let filter = if missed.is_some() {
        "behind"
    } else if mine {
        "mine"
    } else {
        match p.status.as_deref() {
            Some("ended") => "ended",
            Some("all") => "all",
            _ => "active",
        }
    };
    let rows = lines
        .iter()
        .map(|l| Row {
            id: l.pair.id,
            household_code: l.household_code.clone(),
            helper: l.helper.clone(),
            cadence: ctx.t(&l.pair.cadence.fluent_key()),
            standing: standing_text(&ctx, l),
            last: l.standing.last_reached.map(|d| d.to_string()).unwrap_or_default(),
            behind: l.standing.missed > 0 && l.pair.ended_on.is_none(),
        })
        .collect();
    let manage = ctx.can(Permission::ManagePairs);
    render(&ListPage { ctx, rows, filter: filter.into(), manage })
}

// ---------------------------------------------------------------------------------------
// Pairing a helper with a household

#[derive(Template)]
#[template(path = "pairs/new.html")]
struct NewPage {
    ctx: Ctx,
    h: household::Model,
    helpers: Vec<(String, String)>,
    cadences: Vec<(String, String)>,
    form: FormState,
}

#[derive(serde::Deserialize, Default)]
struct NewParams {
    household: Option<String>,
}

async fn new_page(state: &AppState, ctx: Ctx, household_id: i64, form: FormState) -> Result<NewPage, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ManagePairs)?;
    let h = hearth_core::registry::households::get(&state.store, actor, household_id).await?;
    let mut helpers = vec![(String::new(), ctx.t("pair-choose-helper"))];
    helpers.extend(
        helpers::list(&state.store, actor, true)
            .await?
            .into_iter()
            .filter(|l| l.helper.community_id == h.community_id && l.helper.household_id != Some(h.id))
            .map(|l| (l.helper.id.to_string(), format!("{} · {}", l.name, ctx.t(&l.helper.kind.fluent_key())))),
    );
    let cadences = word_options::<Cadence>(&ctx);
    Ok(NewPage { ctx, h, helpers, cadences, form })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(p): Query<NewParams>) -> Result<Response, WebError> {
    let id = parse_id(p.household.as_deref().unwrap_or_default())?;
    let mut form = FormState::new(ctx.lang);
    form.set("started_on", today_local());
    form.set("cadence", "weekly");
    render(&new_page(&state, ctx, id, form).await?)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let household_id = number(form.value("household_id")).unwrap_or(-1);
    let input = PairInput {
        household_id: Some(household_id),
        helper_id: number(form.value("helper_id")).or_else(|| form.get("helper_id").map(|_| -1)),
        purpose: form.get("purpose"),
        cadence: form.get("cadence"),
        started_on: Some(form.value("started_on").to_owned()),
    };
    match records::create(&state.store, ctx.actor()?, input).await {
        Ok(p) => Ok(Redirect::to(&format!("/pairs/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&state, ctx, household_id, form).await?)
        }
    }
}

// ---------------------------------------------------------------------------------------
// A pair's page

struct ContactRow {
    on: String,
    mode: String,
    reached: bool,
    note: String,
    by: String,
}

#[derive(Template)]
#[template(path = "pairs/show.html")]
struct ShowPage {
    ctx: Ctx,
    l: PairLine,
    standing: String,
    cadence: String,
    window: String,
    version: String,
    contacts: Vec<ContactRow>,
    modes: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    helpers: Vec<(String, String)>,
    manage: bool,
    sent: String,
    form: FormState,
}

async fn show_page(state: &AppState, ctx: Ctx, id: i64, sent: &str, form: FormState) -> Result<ShowPage, WebError> {
    let actor = ctx.actor()?;
    let d = records::get(&state.store, actor, id).await?;
    let contacts = d
        .contacts
        .iter()
        .map(|(c, note, by)| ContactRow {
            on: c.contacted_on.to_string(),
            mode: ctx.t(&c.mode.fluent_key()),
            reached: c.reached,
            note: note.clone().unwrap_or_default(),
            by: by.clone(),
        })
        .collect();
    let manage = ctx.can(Permission::ManagePairs);
    let mut helpers = vec![(String::new(), ctx.t("pair-choose-helper"))];
    if manage {
        helpers.extend(
            helpers::list(&state.store, actor, true)
                .await?
                .into_iter()
                .filter(|l| {
                    l.helper.community_id == d.line.pair.community_id
                        && l.helper.id != d.line.pair.helper_id
                        && l.helper.household_id != Some(d.line.pair.household_id)
                })
                .map(|l| (l.helper.id.to_string(), format!("{} · {}", l.name, ctx.t(&l.helper.kind.fluent_key())))),
        );
    }
    let mut categories = vec![(String::new(), ctx.t("pair-need-none"))];
    categories.extend(word_options::<Category>(&ctx));
    Ok(ShowPage {
        standing: standing_text(&ctx, &d.line),
        cadence: ctx.t(&d.line.pair.cadence.fluent_key()),
        window: format!("{} – {}", d.line.standing.window.start, d.line.standing.window.end),
        version: hearth_core::version::of(&d.line.pair.updated_at),
        l: d.line,
        contacts,
        modes: word_options::<ContactMode>(&ctx),
        categories,
        helpers,
        manage,
        sent: sent.into(),
        form,
        ctx,
    })
}

fn contact_defaults(ctx: &Ctx) -> FormState {
    let mut form = FormState::new(ctx.lang);
    form.set("contacted_on", today_local());
    form.set("mode", "phone");
    form.set("reached", "yes");
    form.set("need_due_on", today_local() + chrono::TimeDelta::days(14));
    form.set("on", today_local());
    form
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let form = contact_defaults(&ctx);
    render(&show_page(&state, ctx, parse_id(&id)?, "", form).await?)
}

async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let need = non_blank(form.get("need_description"));
    let input = ContactInput {
        contacted_on: Some(form.value("contacted_on").to_owned()),
        mode: form.get("mode"),
        reached: match form.value("reached") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        note: form.get("note"),
        needs: need
            .map(|d| NeedInput {
                description: Some(d),
                category: form.get("need_category"),
                owner_user_id: None,
                due_on: form.get("need_due_on"),
                resident_id: None,
            })
            .into_iter()
            .collect(),
    };
    match contacts::record(&state.store, ctx.actor()?, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/pairs/{id}?saved=1#contacts")).into_response()),
        Err(e) => {
            let mut errors = FieldErrors::new();
            for err in form_errors(e)?.0 {
                let field = match err.field.strip_prefix("needs[0].") {
                    Some(f) => format!("need_{f}"),
                    None => err.field.clone(),
                };
                errors.0.push(hearth_core::FieldError { field, ..err });
            }
            form.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, ctx, id, "contact", form).await?)
        }
    }
}

/// Ending a pair (asked once more) or handing it to another helper.
async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let actor = ctx.actor()?;
    actor.require(Permission::ManagePairs)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let reassign = form.value("action") == "reassign";
    let input = EndInput {
        on: Some(form.value("on").to_owned()),
        reason: form.get("reason"),
        helper_id: if reassign { Some(number(form.value("helper_id")).unwrap_or(-1)) } else { None },
        version: form.get("version"),
    };
    if !reassign && !confirmed(&pairs) {
        let l = records::get(&state.store, actor, id).await?.line;
        let step = super::form::ConfirmStep {
            title: ctx.t("pair-end-title"),
            what_happens: vec![ctx.t1("pair-end-effect", "household", l.household_code.as_str())],
            action: format!("/pairs/{id}/end"),
            pairs: resend(&pairs),
            confirm_label: ctx.t("pair-end"),
            cancel_href: format!("/pairs/{id}"),
        };
        return confirm_page(ctx, step);
    }
    match records::end(&state.store, actor, id, input).await {
        Ok(p) => Ok(Redirect::to(&format!("/pairs/{}?saved=1", p.id)).into_response()),
        Err(e) => {
            // Changed meanwhile (ended or handed over by someone else): 409, and the page
            // shows the pair as it is now.
            let stale = matches!(&e, hearth_core::CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            let sent = if reassign { "reassign" } else { "end" };
            let status = if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            render_status(status, &show_page(&state, ctx, id, sent, form).await?)
        }
    }
}

/// A contact's page is its pair's.
async fn contact_redirect(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let pair_id = contacts::pair_of(&state.store, ctx.actor()?, parse_id(&id)?).await?;
    Ok(Redirect::to(&format!("/pairs/{pair_id}#contacts")).into_response())
}

// ---------------------------------------------------------------------------------------
// Helpers

struct HelperRow {
    name: String,
    kind: String,
    phone: String,
    pairs: usize,
}

#[derive(Template)]
#[template(path = "pairs/helpers.html")]
struct HelpersPage {
    ctx: Ctx,
    rows: Vec<HelperRow>,
    kinds: Vec<(String, String)>,
    users: Vec<(String, String)>,
    manage: bool,
    form: FormState,
}

async fn helpers_page_with(state: &AppState, ctx: Ctx, form: FormState) -> Result<HelpersPage, WebError> {
    let actor = ctx.actor()?;
    let lines = helpers::list(&state.store, actor, false).await?;
    let active = records::list(&state.store, actor, &records::ListQuery::default()).await?;
    let rows = lines
        .into_iter()
        .map(|l| HelperRow {
            pairs: active.iter().filter(|p| p.pair.helper_id == l.helper.id).count(),
            kind: ctx.t(&l.helper.kind.fluent_key()),
            phone: l.helper.phone.clone().unwrap_or_default(),
            name: l.name,
        })
        .collect();
    let manage = ctx.can(Permission::ManagePairs);
    let mut users = vec![(String::new(), ctx.t("helper-no-login"))];
    if manage {
        for c in actor.community_filter().map(<[i64]>::to_vec).unwrap_or_default() {
            for (id, name, role) in hearth_core::visits::people_of(&state.store, c).await? {
                if role != "viewer" && !users.iter().any(|(k, _)| *k == id.to_string()) {
                    users.push((id.to_string(), name));
                }
            }
        }
    }
    let mut kinds = vec![(String::new(), ctx.t("helper-choose-kind"))];
    kinds.extend(word_options::<HelperKind>(&ctx));
    Ok(HelpersPage { ctx, rows, kinds, users, manage, form })
}

async fn helpers_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let form = FormState::new(ctx.lang);
    render(&helpers_page_with(&state, ctx, form).await?)
}

async fn add_helper(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let input = HelperInput {
        community_id: None,
        kind: form.get("kind"),
        user_id: non_blank(form.get("user_id")).map(|v| v.trim().parse().unwrap_or(-1)),
        name: form.get("name"),
        organisation: form.get("organisation"),
        phone: form.get("phone"),
        household_id: non_blank(form.get("household_code")).map(|_| -1),
    };
    // A neighbour is named by its household code.
    let input = match non_blank(form.get("household_code")) {
        Some(code) => {
            let found = hearth_core::registry::households::list(
                &state.store,
                ctx.actor()?,
                &hearth_core::registry::households::ListQuery {
                    q: Some(code.clone()),
                    limit: Some(5),
                    ..Default::default()
                },
            )
            .await?
            .items
            .into_iter()
            .find(|h| h.household.code.eq_ignore_ascii_case(code.trim()))
            .map(|h| h.household.id);
            HelperInput { household_id: found.or(Some(-1)), ..input }
        }
        None => input,
    };
    match helpers::create(&state.store, ctx.actor()?, input).await {
        Ok(_) => Ok(Redirect::to("/helpers?saved=1").into_response()),
        Err(e) => {
            let mut errors = form_errors(e)?;
            for err in &mut errors.0 {
                if err.field == "household_id" {
                    err.field = "household_code".into();
                }
            }
            form.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &helpers_page_with(&state, ctx, form).await?)
        }
    }
}
