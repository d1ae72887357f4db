//! Household pages: the searchable list, the household page (facts, members, consent,
//! timeline), the create/edit form, and the consent forms that live on the household page.
//!
//! Handlers only translate between HTTP and `hearth_core`: every permission, scope and
//! validation rule is decided by the core function they call, so the API and these pages
//! cannot disagree.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use hearth_core::entity::{community, household, resident};
use hearth_core::registry::{communities, consent, households, residents};
use hearth_core::{FieldErrors, Permission, timeline};

use super::form::{FormState, form_errors, non_blank, parse_id, wants_partial};
use super::{render, render_status};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, field_message, urlencode};
use crate::practice::{NavEntry, Pages, WebPractice};
use hearth_core::record::EntityKind;

/// The registry as a practice on the web: households, residents and consent pages, their
/// API, the "Households" entry, and where its records are shown.
pub const PRACTICE: WebPractice = WebPractice {
    key: "registry",
    pages,
    api: Some(crate::api::registry_routes),
    api_tags: &[
        ("communities", "The communities a team serves"),
        ("households", "The household registry"),
        ("residents", "People in a household"),
        ("consents", "Consent per household: given, scoped, withdrawable"),
    ],
    nav: &[NavEntry::link("/households", "nav-households", Permission::ViewPeople)],
    badges: None,
    links: &[
        (EntityKind::Household, "/households/{id}"),
        (EntityKind::Resident, "/residents/{id}"),
        (EntityKind::Consent, "#consent-{id}"),
        (EntityKind::Community, "/admin/communities"),
    ],
    today: None,
    household: None,
    resident: None,
    queues: None,
};

fn pages() -> Pages {
    Pages::new()
        .get("/households", list)
        .get("/households.xlsx", list_xlsx)
        .post("/households", create)
        .get("/households/new", new_form)
        .get("/households/{id}", show)
        .post("/households/{id}", update)
        .get("/households/{id}/edit", edit_form)
        .post("/households/{id}/consents", add_consent)
        .post("/consents/{id}/withdraw", withdraw_consent)
        .merge(super::residents::pages())
}

// ---------------------------------------------------------------------------------------
// List

#[derive(serde::Deserialize, Default)]
struct ListParams {
    q: Option<String>,
    community: Option<String>,
    building: Option<String>,
    unit: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

/// Where the list is in building → unit → flat: the filter, and links one level down.
struct Browse {
    building: String,
    unit: String,
    /// (name, households, link) of the buildings, or of the chosen building's units.
    places: Vec<(String, u64, String)>,
    /// The link up to all buildings / to the whole building.
    all_href: String,
    building_href: String,
}

struct ListRow {
    id: i64,
    code: String,
    community: String,
    address: String,
    members: String,
}

#[derive(Template)]
#[template(path = "households/list.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    community: String,
    communities: Vec<community::Model>,
    can_edit: bool,
    show_community: bool,
    rows: Vec<ListRow>,
    /// "12 households".
    count: String,
    prev_href: Option<String>,
    first_href: Option<String>,
    next_href: Option<String>,
    browse: Browse,
    /// The same list, every page of it, as a spreadsheet.
    xlsx_href: String,
}

#[derive(Template)]
#[template(path = "households/results.html")]
struct ListResults {
    ctx: Ctx,
    show_community: bool,
    rows: Vec<ListRow>,
    /// "12 households".
    count: String,
    prev_href: Option<String>,
    first_href: Option<String>,
    next_href: Option<String>,
}

/// Address, building and unit on one line, as a worker would write it on an envelope.
fn full_address(h: &household::Model) -> String {
    [Some(h.address.as_str()), h.building.as_deref(), h.unit.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A page of the list: `("after", id)` or `("before", id)`, or the first page.
fn list_href(q: &str, community: &str, place: (&str, &str), at: Option<(&str, i64)>) -> String {
    let mut href = format!("/households?q={}", urlencode(q));
    for (name, v) in [("community", community), ("building", place.0), ("unit", place.1)] {
        if !v.is_empty() {
            href.push_str(&format!("&{name}={}", urlencode(v)));
        }
    }
    if let Some((side, id)) = at {
        href.push_str(&format!("&{side}={id}"));
    }
    href
}

/// The list with the same filters as a spreadsheet: every household it finds (not one
/// page), up to 50,000, each page read through the core as the list reads it (audited).
async fn list_xlsx(State(state): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewPeople)?;
    let building = non_blank(p.building);
    let mut query = households::ListQuery {
        community: non_blank(p.community),
        q: non_blank(p.q),
        unit: non_blank(p.unit).filter(|_| building.is_some()),
        building,
        after: None,
        before: None,
        limit: Some(hearth_core::registry::MAX_LIMIT),
    };
    let communities = communities::list(&state.store, actor).await?;
    let mut rows = Vec::new();
    loop {
        let page = households::list(&state.store, actor, &query).await?;
        for r in page.items {
            let h = r.household;
            rows.push(vec![
                h.code.clone(),
                communities.iter().find(|c| c.id == h.community_id).map(|c| c.name.clone()).unwrap_or(r.community_slug),
                h.address.clone(),
                h.building.clone().unwrap_or_default(),
                h.unit.clone().unwrap_or_default(),
                h.phone.clone().unwrap_or_default(),
                h.moved_in_on.map(|d| d.to_string()).unwrap_or_default(),
                h.moved_out_on.map(|d| d.to_string()).unwrap_or_default(),
                r.members.join(", "),
            ]);
        }
        match page.next_after {
            Some(a) if rows.len() < 50_000 => query.after = Some(a),
            _ => break,
        }
    }
    const COLUMNS: [&str; 9] = [
        "household-field-code",
        "household-field-community",
        "household-field-address",
        "household-field-building",
        "household-field-unit",
        "household-field-phone",
        "household-field-moved-in-on",
        "household-field-moved-out-on",
        "household-members",
    ];
    crate::export::xlsx_download("households", "Households 住户", &COLUMNS, rows).await
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::ViewPeople)?;
    let q = non_blank(p.q).unwrap_or_default();
    let community = non_blank(p.community).unwrap_or_default();
    let building = non_blank(p.building).unwrap_or_default();
    // A unit is a part of a building: without one it means nothing.
    let unit = non_blank(p.unit).filter(|_| !building.is_empty()).unwrap_or_default();
    let place = (building.as_str(), unit.as_str());
    let after = p.after.and_then(|a| a.trim().parse::<i64>().ok());
    let before = p.before.and_then(|a| a.trim().parse::<i64>().ok());
    let query = households::ListQuery {
        community: Some(community.clone()).filter(|c| !c.is_empty()),
        q: Some(q.clone()).filter(|q| !q.is_empty()),
        building: Some(building.clone()).filter(|b| !b.is_empty()),
        unit: Some(unit.clone()).filter(|u| !u.is_empty()),
        after,
        before,
        limit: None,
    };
    let page = households::list(&state.store, actor, &query).await?;
    // How many in all, and whether any come before this page (for "previous").
    let total = households::count(&state.store, actor, &query).await?;
    let first_id = page.items.first().map(|r| r.household.id);
    let earlier = match first_id {
        Some(id) if after.is_some() || before.is_some() => {
            households::any_before(&state.store, actor, &query, id).await?
        }
        _ => false,
    };
    let communities = communities::list(&state.store, actor).await?;
    let show_community = communities.len() > 1 && community.is_empty();
    let rows = page
        .items
        .into_iter()
        .map(|r| ListRow {
            id: r.household.id,
            code: r.household.code.clone(),
            community: communities
                .iter()
                .find(|c| c.id == r.household.community_id)
                .map(|c| c.name.clone())
                .unwrap_or(r.community_slug),
            address: full_address(&r.household),
            members: r.members.join(", "),
        })
        .collect();
    let next_href = page.next_after.map(|a| list_href(&q, &community, place, Some(("after", a))));
    let prev_href = first_id.filter(|_| earlier).map(|id| list_href(&q, &community, place, Some(("before", id))));
    let first_href = prev_href.as_ref().map(|_| list_href(&q, &community, place, None));
    let count = ctx.t1("households-count", "count", total);
    if wants_partial(&headers) {
        return render(&ListResults { ctx, show_community, rows, count, first_href, prev_href, next_href });
    }
    let can_edit = ctx.can(Permission::EditPeople);
    // One level down from where the list is: the buildings, or the chosen building's units.
    let comm = Some(community.as_str()).filter(|c| !c.is_empty());
    let places = if unit.is_empty() {
        households::places(&state.store, actor, comm, Some(place.0).filter(|b| !b.is_empty()))
            .await?
            .into_iter()
            .map(|(name, n)| {
                let href = match place.0 {
                    "" => list_href("", &community, (&name, ""), None),
                    b => list_href("", &community, (b, &name), None),
                };
                (name, n, href)
            })
            .collect()
    } else {
        Vec::new()
    };
    let xlsx_href = list_href(&q, &community, place, None).replacen("/households?", "/households.xlsx?", 1);
    let browse = Browse {
        all_href: list_href("", &community, ("", ""), None),
        building_href: list_href("", &community, (place.0, ""), None),
        building,
        unit,
        places,
    };
    render(&ListPage {
        xlsx_href,
        browse,
        ctx,
        q,
        community,
        communities,
        can_edit,
        show_community,
        rows,
        count,
        first_href,
        prev_href,
        next_href,
    })
}

// ---------------------------------------------------------------------------------------
// Create and edit

#[derive(Template)]
#[template(path = "households/form.html")]
struct HouseholdForm {
    ctx: Ctx,
    title: String,
    action: String,
    cancel: String,
    creating: bool,
    communities: Vec<(String, String)>,
    form: FormState,
    /// After a save refused because someone else changed the household meanwhile: what is
    /// stored now, field by field where it differs from what this user typed.
    changed: Vec<(String, String)>,
}

/// A submitted household form as the core's input (public for the form-decoding fuzz target).
pub fn input_from(form: &FormState, creating: bool) -> households::HouseholdInput {
    households::HouseholdInput {
        community: if creating { form.get("community") } else { None },
        code: form.get("code"),
        address: form.get("address"),
        building: form.get("building"),
        unit: form.get("unit"),
        phone: form.get("phone"),
        moved_in_on: form.get("moved_in_on"),
        moved_out_on: form.get("moved_out_on"),
        notes: form.get("notes"),
        expected_version: if creating { None } else { form.get("version") },
    }
}

/// The new-household form, with the community preselected when the user has only one.
async fn create_form(state: &AppState, ctx: Ctx, mut form: FormState) -> Result<HouseholdForm, WebError> {
    let actor = ctx.actor()?;
    let visible = communities::list(&state.store, actor).await?;
    if let [only] = visible.as_slice()
        && form.value("community").is_empty()
    {
        form.set("community", &only.slug);
    }
    let mut options = vec![(String::new(), ctx.t("household-choose-community"))];
    options.extend(visible.into_iter().map(|c| (c.slug, c.name)));
    Ok(HouseholdForm {
        title: ctx.t("household-new-title"),
        action: "/households".into(),
        cancel: "/households".into(),
        creating: true,
        communities: options,
        form,
        changed: Vec::new(),
        ctx,
    })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    ctx.actor()?.require(Permission::EditPeople)?;
    let form = FormState::new(ctx.lang);
    render(&create_form(&state, ctx, form).await?)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match households::create(&state.store, actor, input_from(&form, true)).await {
        Ok(h) => Ok(Redirect::to(&format!("/households/{}?saved=1", h.id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let page = create_form(&state, ctx, form).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

fn edit_page(ctx: Ctx, h: &household::Model, form: FormState) -> HouseholdForm {
    HouseholdForm {
        title: ctx.t1("household-edit-title", "code", h.code.as_str()),
        action: format!("/households/{}", h.id),
        cancel: format!("/households/{}", h.id),
        creating: false,
        communities: Vec::new(),
        form,
        changed: Vec::new(),
        ctx,
    }
}

async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let h = households::get(&state.store, actor, parse_id(&id)?).await?;
    let mut form = FormState::new(ctx.lang);
    form.set("code", &h.code);
    form.set("address", &h.address);
    form.set_opt("building", h.building.as_deref());
    form.set_opt("unit", h.unit.as_deref());
    form.set_opt("phone", h.phone.as_deref());
    form.set_opt("moved_in_on", h.moved_in_on);
    form.set_opt("moved_out_on", h.moved_out_on);
    form.set_opt("notes", h.notes.as_deref());
    form.set("version", hearth_core::version::of(&h.updated_at));
    render(&edit_page(ctx, &h, form))
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    match households::update(&state.store, actor, id, input_from(&form, false)).await {
        Ok(h) => Ok(Redirect::to(&format!("/households/{}?saved=1", h.id)).into_response()),
        Err(e) => {
            let stale = matches!(&e, hearth_core::CoreError::Conflict { field, .. } if field == "version");
            form.errors = form_errors(e)?;
            let h = households::load(&state.store, actor, id).await?;
            let mut changed = Vec::new();
            if stale {
                // What the other person saved, where it differs from what this user typed
                // (which stays in the form); saving again keeps this user's version.
                let now = [
                    ("code", "household-field-code", Some(h.code.clone())),
                    ("address", "household-field-address", Some(h.address.clone())),
                    ("building", "household-field-building", h.building.clone()),
                    ("unit", "household-field-unit", h.unit.clone()),
                    ("phone", "household-field-phone", h.phone.clone()),
                    ("moved_in_on", "household-field-moved-in-on", h.moved_in_on.map(|d| d.to_string())),
                    ("moved_out_on", "household-field-moved-out-on", h.moved_out_on.map(|d| d.to_string())),
                    ("notes", "household-field-notes", h.notes.clone()),
                ];
                for (field, label, stored) in now {
                    let stored = stored.unwrap_or_default();
                    if form.value(field).trim() != stored.trim() {
                        changed.push((ctx.t(label), stored));
                    }
                }
                form.set("version", hearth_core::version::of(&h.updated_at));
            }
            let mut page = edit_page(ctx, &h, form);
            page.changed = changed;
            render_status(if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY }, &page)
        }
    }
}

// ---------------------------------------------------------------------------------------
// The household page

struct ConsentRow {
    id: i64,
    given_by: String,
    given_on: String,
    scopes: Vec<String>,
    notes: Option<String>,
    withdrawn_on: Option<String>,
    /// What the withdraw form's date shows: today, or what the user just submitted.
    withdraw_value: String,
    /// The withdraw form's error, when this record's form was the one submitted.
    error: Option<String>,
}

struct TimelineItem {
    on: String,
    kind: &'static str,
    label: String,
    summary: String,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "households/show.html")]
struct ShowPage {
    ctx: Ctx,
    h: household::Model,
    facts: Vec<(String, String)>,
    members: Vec<resident::Model>,
    can_edit: bool,
    show_consent: bool,
    consents: Vec<ConsentRow>,
    consent_form: FormState,
    timeline: Vec<TimelineItem>,
    /// What practices show of this household above the timeline (open follow-ups, …).
    sections: Vec<crate::practice::TodaySection>,
    /// A failed withdrawal of a record whose form is no longer shown (already withdrawn).
    alert: Option<String>,
}

/// A failed withdrawal: which record, what was submitted, what was wrong.
struct Withdrawal {
    consent_id: i64,
    value: String,
    errors: FieldErrors,
}

/// Renders the household page. The caller has loaded `h` (and so checked scope and
/// recorded the read); consent and withdraw failures come back here with their errors.
async fn show_page(
    state: &AppState,
    ctx: Ctx,
    h: household::Model,
    consent_form: Option<FormState>,
    withdrawal: Option<Withdrawal>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    let community = communities::get(&state.store, actor, h.community_id).await?;
    let members = residents::of_household(&state.store, actor, &h).await?;
    let today = Utc::now().date_naive().to_string();
    // `None`: this reader's view of people leaves consent out (the core decides).
    let visible_consents = consent::visible(&state.store, actor, &h).await?;
    let show_consent = visible_consents.is_some();
    let consents: Vec<ConsentRow> = visible_consents
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let mine = withdrawal.as_ref().filter(|w| w.consent_id == c.id);
            let scopes = [
                (c.scope_services, "consent-scope-services"),
                (c.scope_contact, "consent-scope-contact"),
                (c.scope_partners, "consent-scope-partners"),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, key)| ctx.t(key))
            .collect();
            ConsentRow {
                id: c.id,
                given_by: c.given_by,
                given_on: c.given_on.to_string(),
                scopes,
                notes: c.notes,
                withdrawn_on: c.withdrawn_on.map(|d| d.to_string()),
                withdraw_value: mine.map(|w| w.value.clone()).unwrap_or(today.clone()),
                error: mine.and_then(|w| w.errors.0.first()).map(|e| field_message(ctx.lang, e)),
            }
        })
        .collect();
    let timeline = timeline::for_household(&state.store, actor, &h)
        .await?
        .into_iter()
        .map(|e| TimelineItem {
            on: e.on.to_string(),
            kind: e.kind,
            label: ctx.t(&format!("timeline-{}", e.kind.replace('_', "-"))),
            summary: e.summary,
            link: e.record.and_then(crate::practice::link),
        })
        .collect();
    let consent_form = consent_form.unwrap_or_else(|| {
        let mut f = FormState::new(ctx.lang);
        f.set("given_on", &today);
        f
    });
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let date = |v: Option<chrono::NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    let mut facts = vec![
        (ctx.t("household-field-community"), community.name),
        (ctx.t("household-field-address"), h.address.clone()),
        (ctx.t("household-field-building"), opt(&h.building)),
        (ctx.t("household-field-unit"), opt(&h.unit)),
        (ctx.t("household-field-phone"), opt(&h.phone)),
        (ctx.t("household-field-moved-in-on"), date(h.moved_in_on)),
        (ctx.t("household-field-moved-out-on"), date(h.moved_out_on)),
    ];
    if !households::hidden_fields(actor).contains(&"notes") {
        facts.push((ctx.t("household-field-notes"), opt(&h.notes)));
    }
    let alert = withdrawal.as_ref().and_then(|w| {
        let shown = consents.iter().any(|c: &ConsentRow| c.id == w.consent_id && c.withdrawn_on.is_none());
        if shown { None } else { w.errors.0.first().map(|e| field_message(ctx.lang, e)) }
    });
    let can_edit = ctx.can(Permission::EditPeople);
    let sections = crate::practice::household_sections(state, &ctx, &h).await?;
    render_status(
        status,
        &ShowPage { ctx, h, facts, members, can_edit, show_consent, consents, consent_form, timeline, sections, alert },
    )
}

async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let h = households::get(&state.store, ctx.actor()?, parse_id(&id)?).await?;
    show_page(&state, ctx, h, None, None, StatusCode::OK).await
}

async fn add_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let id = parse_id(&id)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let input = consent::ConsentInput {
        given_by: form.get("given_by"),
        given_on: form.get("given_on"),
        scope_services: form.checked("scope_services"),
        scope_contact: form.checked("scope_contact"),
        scope_partners: form.checked("scope_partners"),
        notes: form.get("notes"),
    };
    match consent::create(&state.store, actor, id, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/households/{}?saved=1", c.household_id)).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            let h = households::get(&state.store, actor, id).await?;
            show_page(&state, ctx, h, Some(form), None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Withdrawing consent cannot be undone, so it is asked once more, saying what happens.
async fn withdraw_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = ctx.actor()?;
    actor.require(Permission::EditPeople)?;
    let id = parse_id(&id)?;
    let form = FormState::from_pairs(ctx.lang, &pairs);
    let withdrawn_on = non_blank(form.get("withdrawn_on"));
    if !super::form::confirmed(&pairs) {
        let c = consent::get(&state.store, actor, id).await?;
        let on = withdrawn_on.clone().unwrap_or_else(|| chrono::Local::now().date_naive().to_string());
        let what = ctx.lang.t_args(
            "consent-withdraw-what",
            &[
                ("date", on.as_str().into()),
                ("given_by", c.given_by.as_str().into()),
                ("given_on", c.given_on.to_string().into()),
            ],
        );
        let step = super::form::ConfirmStep {
            title: ctx.t("consent-withdraw-title"),
            what_happens: vec![what, ctx.t("consent-withdraw-effect")],
            action: format!("/consents/{id}/withdraw"),
            pairs: super::form::resend(&pairs),
            confirm_label: ctx.t("consent-withdraw"),
            cancel_href: format!("/households/{}#consent-h", c.household_id),
        };
        return super::form::confirm_page(ctx, step);
    }
    let f = Withdrawal { consent_id: id, value: withdrawn_on.clone().unwrap_or_default(), errors: FieldErrors::new() };
    match consent::withdraw(&state.store, actor, id, withdrawn_on.as_deref()).await {
        Ok(c) => Ok(Redirect::to(&format!("/households/{}?saved=1", c.household_id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            let c = consent::get(&state.store, actor, id).await?;
            let h = households::get(&state.store, actor, c.household_id).await?;
            let withdrawal = Withdrawal { errors, ..f };
            show_page(&state, ctx, h, None, Some(withdrawal), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
