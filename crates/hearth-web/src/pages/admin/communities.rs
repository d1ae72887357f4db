//! Communities: the list (with household counts) and the form to add one.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_core::Permission;
use hearth_core::registry::communities::{self, CommunityInput};

use super::require;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{WebError, urlencode};
use crate::pages::form::FormState;
use crate::pages::form::form_errors;
use crate::pages::{render, render_status};
use crate::practice::Pages;

pub(super) fn pages() -> Pages {
    Pages::new()
        .get("/admin/communities", list)
        .get("/admin/communities/new", new_form)
        .post("/admin/communities/new", create)
}

struct Row {
    name: String,
    slug: String,
    address: String,
    established: String,
    households: i64,
}

#[derive(Template)]
#[template(path = "admin/communities.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct ListParams {
    created: Option<String>,
}

async fn list(State(state): State<AppState>, ctx: Ctx, Query(p): Query<ListParams>) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageCommunities)?;
    let all = communities::list(&state.store, actor).await?;
    let counts: HashMap<i64, i64> = communities::household_counts(&state.store, actor).await?;
    let rows = all
        .into_iter()
        .map(|c| Row {
            households: counts.get(&c.id).copied().unwrap_or(0),
            name: c.name,
            slug: c.slug,
            address: c.address.unwrap_or_default(),
            established: c.established_on.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let notice = p.created.filter(|s| !s.is_empty()).map(|s| ctx.t1("admin-community-created", "slug", s));
    render(&ListPage { ctx, rows, notice })
}

#[derive(Template)]
#[template(path = "admin/community_new.html")]
struct NewPage {
    ctx: Ctx,
    form: FormState,
}

async fn new_form(ctx: Ctx) -> Result<Response, WebError> {
    require(&ctx, Permission::ManageCommunities)?;
    let form = FormState::new(ctx.lang);
    render(&NewPage { ctx, form })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let actor = require(&ctx, Permission::ManageCommunities)?;
    let mut form = FormState::from_pairs(ctx.lang, &pairs);
    let input = CommunityInput {
        name: form.get("name"),
        slug: form.get("slug"),
        address: form.get("address"),
        established_on: form.get("established_on"),
    };
    match communities::create(&state.store, actor, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/admin/communities?created={}", urlencode(&c.slug))).into_response()),
        Err(e) => {
            form.errors = form_errors(e)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &NewPage { ctx, form })
        }
    }
}
