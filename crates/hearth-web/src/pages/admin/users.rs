//! Users: list, create (with a one-time setup link), edit role and communities, disable
//! and enable, reset password.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::auth::{setup, users};
use hearth_core::entity::user;
use hearth_core::registry::communities;
use hearth_core::{Actor, Permission, Role};

use super::{all_values, require, utc};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, field_message};
use crate::pages::form::FormState;
use crate::pages::form::{form_errors, parse_id};
use crate::pages::{render, render_status};
use crate::practice::Pages;

pub(super) fn pages() -> Pages {
    Pages::new()
        .get("/admin/users", list)
        .get("/admin/users/new", new_form)
        .post("/admin/users/new", create)
        .get("/admin/users/{id}", show)
        .post("/admin/users/{id}", update)
        .post("/admin/users/{id}/disable", disable)
        .post("/admin/users/{id}/enable", enable)
        .post("/admin/users/{id}/reset", reset)
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: String,
}

pub struct CommunityOption {
    pub slug: String,
    pub name: String,
    pub checked: bool,
}

fn role_label(ctx: &Ctx, role: &str) -> String {
    ctx.t(&format!("admin-role-{role}"))
}

fn role_options(ctx: &Ctx) -> Vec<RoleOption> {
    Role::ALL.iter().map(|r| RoleOption { value: r.as_str(), label: role_label(ctx, r.as_str()) }).collect()
}

async fn community_options(
    state: &AppState,
    actor: &Actor,
    checked: &[String],
) -> Result<Vec<CommunityOption>, WebError> {
    Ok(communities::list(&state.store, actor)
        .await?
        .into_iter()
        .map(|c| CommunityOption { checked: checked.contains(&c.slug), slug: c.slug, name: c.name })
        .collect())
}

// ---------------------------------------------------------------------------------------
// List

struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    communities: String,
    disabled: bool,
    password_changed: Option<String>,
    has_password: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    rows: Vec<UserRow>,
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageUsers)?;
    // Communities by the names workers know them by, not their slugs.
    let names: std::collections::HashMap<String, String> =
        communities::list(&state.store, actor).await?.into_iter().map(|c| (c.slug, c.name)).collect();
    let sep = if ctx.lang == crate::i18n::Lang::ZhCn { "、" } else { ", " };
    let rows = users::list(&state.store, actor)
        .await?
        .into_iter()
        .map(|(u, slugs)| UserRow {
            id: u.id,
            communities: if u.role == Role::Admin {
                ctx.t("admin-all-communities")
            } else {
                slugs.iter().map(|s| names.get(s).cloned().unwrap_or_else(|| s.clone())).collect::<Vec<_>>().join(sep)
            },
            role: role_label(&ctx, u.role.as_str()),
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            password_changed: u.password_changed_at.as_ref().map(utc),
            has_password: u.password_hash.is_some(),
        })
        .collect();
    render(&UsersPage { ctx, rows })
}

// ---------------------------------------------------------------------------------------
// Create

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    ctx: Ctx,
    form: FormState,
    roles: Vec<RoleOption>,
    communities: Vec<CommunityOption>,
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageUsers)?;
    let communities = community_options(&state, actor, &[]).await?;
    let form = FormState::new(ctx.lang);
    render(&NewUserPage { roles: role_options(&ctx), ctx, form, communities })
}

/// The page that shows a one-time setup link after a user is created or reset.
#[derive(Template)]
#[template(path = "admin/setup_link.html")]
struct SetupLinkPage {
    ctx: Ctx,
    user_id: i64,
    message: String,
    intro: String,
    link: String,
}

/// The link as the user will open it: absolute when the request said which host it was
/// made to (the admin's own browser), else the path.
fn setup_url(ctx: &Ctx, headers: &HeaderMap, token: &str) -> String {
    crate::pages::absolute(ctx, headers, &format!("/setup/{token}"))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageUsers)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let chosen = all_values(&pairs, "communities");
    let new = users::NewUser {
        username: form.value("username").to_owned(),
        display_name: form.value("display_name").to_owned(),
        role: form.value("role").to_owned(),
        communities: chosen.clone(),
        password: None,
    };
    let created = users::create(&state.store, actor, new).await;
    let u = match created {
        Ok(u) => u,
        Err(e) => {
            form.errors = form_errors(e)?;
            let communities = community_options(&state, actor, &chosen).await?;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewUserPage { roles: role_options(&ctx), ctx, form, communities },
            );
        }
    };
    let token = setup::issue_for_new_user(&state.store, actor, u.id).await?;
    let link = setup_url(&ctx, &headers, &token);
    render_status(
        StatusCode::CREATED,
        &SetupLinkPage {
            message: ctx.t1("admin-user-created", "username", u.username.as_str()),
            intro: ctx.t1("admin-setup-link-intro", "username", u.username.as_str()),
            ctx,
            user_id: u.id,
            link,
        },
    )
}

// ---------------------------------------------------------------------------------------
// Show and edit

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    ctx: Ctx,
    user: user::Model,
    form: FormState,
    roles: Vec<RoleOption>,
    communities: Vec<CommunityOption>,
    is_self: bool,
    created: String,
    password_changed: Option<String>,
    notice: Option<String>,
    /// A failed disable/enable, shown next to those buttons.
    action_error: Option<String>,
}

async fn current_slugs(state: &AppState, actor: &Actor, id: i64) -> Result<Vec<String>, WebError> {
    Ok(users::list(&state.store, actor)
        .await?
        .into_iter()
        .find(|(u, _)| u.id == id)
        .map(|(_, s)| s)
        .unwrap_or_default())
}

async fn user_page(
    state: &AppState,
    ctx: Ctx,
    u: user::Model,
    form: Option<FormState>,
    chosen: Option<Vec<String>>,
) -> Result<UserPage, WebError> {
    let actor = require(&ctx, Permission::ManageUsers)?;
    let chosen = match chosen {
        Some(c) => c,
        None => current_slugs(state, actor, u.id).await?,
    };
    let communities = community_options(state, actor, &chosen).await?;
    let form = form.unwrap_or_else(|| {
        let mut f = FormState::new(ctx.lang);
        f.set("display_name", &u.display_name);
        f.set("role", u.role.as_str());
        f
    });
    Ok(UserPage {
        roles: role_options(&ctx),
        is_self: actor.user_id == Some(u.id),
        created: utc(&u.created_at),
        password_changed: u.password_changed_at.as_ref().map(utc),
        communities,
        form,
        user: u,
        ctx,
        notice: None,
        action_error: None,
    })
}

#[derive(serde::Deserialize, Default)]
struct ShowParams {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query<ShowParams>,
) -> Result<Response, WebError> {
    require(&ctx, Permission::ManageUsers)?;
    let u = users::get(&state.store, parse_id(&id)?).await?;
    let notice = match p.saved.as_deref() {
        Some("disabled") => Some(ctx.t("admin-user-disabled-notice")),
        Some("enabled") => Some(ctx.t("admin-user-enabled-notice")),
        Some(_) => Some(ctx.t("admin-user-saved")),
        None => None,
    };
    let mut page = user_page(&state, ctx, u, None, None).await?;
    page.notice = notice;
    render(&page)
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageUsers)?;
    let id = parse_id(&id)?;
    let u = users::get(&state.store, id).await?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let chosen = all_values(&pairs, "communities");
    let role = form.value("role").trim().to_owned();
    let mut current = current_slugs(&state, actor, id).await?;
    current.sort();
    let mut wanted = chosen.clone();
    wanted.sort();
    wanted.dedup();
    if Role::parse(&role).is_some_and(|r| r != Role::Admin) && wanted.is_empty() {
        form.errors.add("communities", "required");
    }
    if form.errors.is_empty() {
        let upd = users::UserUpdate {
            display_name: Some(form.value("display_name").to_owned()),
            role: Some(role),
            // Only a real change of communities ends the user's sessions.
            communities: (wanted != current).then_some(wanted),
            disabled: None,
        };
        match users::update(&state.store, actor, id, upd).await {
            Ok(_) => return Ok(Redirect::to(&format!("/admin/users/{id}?saved=1")).into_response()),
            Err(e) => form.errors = form_errors(e)?,
        }
    }
    let page = user_page(&state, ctx, u, Some(form), Some(chosen)).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn set_disabled(state: AppState, ctx: Ctx, id: String, disabled: bool) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageUsers)?;
    let id = parse_id(&id)?;
    let u = users::get(&state.store, id).await?;
    let upd = users::UserUpdate { disabled: Some(disabled), ..Default::default() };
    match users::update(&state.store, actor, id, upd).await {
        Ok(_) => {
            let what = if disabled { "disabled" } else { "enabled" };
            Ok(Redirect::to(&format!("/admin/users/{id}?saved={what}")).into_response())
        }
        Err(e) => {
            let errors = form_errors(e)?;
            let message = errors.0.iter().map(|f| field_message(ctx.lang, f)).collect::<Vec<_>>().join(" ");
            let mut page = user_page(&state, ctx, u, None, None).await?;
            page.action_error = Some(message);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// Disabling signs the person out everywhere, so it is asked once more.
async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !crate::pages::form::confirmed(&pairs) {
        return confirm_for(&state, ctx, &id, "disable").await;
    }
    set_disabled(state, ctx, id, true).await
}

/// The confirm step of disabling (`disable`) or resetting (`reset`) a user.
async fn confirm_for(state: &AppState, ctx: Ctx, id: &str, what: &str) -> Result<Response, WebError> {
    require(&ctx, Permission::ManageUsers)?;
    let u = users::get(&state.store, parse_id(id)?).await?;
    let name = u.username.as_str();
    let step = crate::pages::form::ConfirmStep {
        title: ctx.t1(&format!("admin-user-{what}-title"), "username", name),
        what_happens: vec![ctx.t1(&format!("admin-user-{what}-effect"), "username", name)],
        action: format!("/admin/users/{}/{what}", u.id),
        pairs: Vec::new(),
        confirm_label: ctx.t(&format!("admin-user-{what}")),
        cancel_href: format!("/admin/users/{}", u.id),
    };
    crate::pages::form::confirm_page(ctx, step)
}

async fn enable(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    set_disabled(state, ctx, id, false).await
}

/// Resetting ends the person's sessions and revokes their tokens, so it is asked once more.
async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !crate::pages::form::confirmed(&pairs) {
        return confirm_for(&state, ctx, &id, "reset").await;
    }
    let actor = require(&ctx, Permission::ManageUsers)?;
    let id = parse_id(&id)?;
    let u = users::get(&state.store, id).await?;
    let token = setup::issue_reset(&state.store, actor, id).await?;
    let link = setup_url(&ctx, &headers, &token);
    render(&SetupLinkPage {
        message: ctx.t1("admin-reset-done", "username", u.username.as_str()),
        intro: ctx.t1("admin-setup-link-intro", "username", u.username.as_str()),
        ctx,
        user_id: u.id,
        link,
    })
}
