//! Helpers: the people (and neighbour households) who keep in touch with paired households.
//! A team member or a volunteer with a login is a user of the community; a volunteer without
//! a login, and a partner unit's member, are a name (and an organisation) with a phone; a
//! neighbour is a household of the registry.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::HelperKind;
use crate::audit::{self, Action, Entry};
use crate::auth::users;
use crate::entity::{helper, household, pair, user};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission, Role};
use crate::record::EntityKind;
use crate::store::Store;
use crate::validate;
use crate::word::Word;

/// A helper as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelperInput {
    /// Needed when the actor works in several communities (a neighbour's is its household's).
    pub community_id: Option<i64>,
    #[schema(required = true, value_type = HelperKind)]
    pub kind: Option<String>,
    /// A team member's login (required for `team_member`), or a volunteer's (optional).
    pub user_id: Option<i64>,
    /// The name of a helper without a login (a volunteer, a partner member, a neighbour's
    /// contact person).
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// A partner member's unit (required for `partner_member`).
    #[schema(max_length = 200)]
    pub organisation: Option<String>,
    #[schema(max_length = 40)]
    pub phone: Option<String>,
    /// A neighbour household (required for `neighbour`).
    pub household_id: Option<i64>,
}

/// A helper as listed: the row and the name a worker knows them by.
#[derive(Clone, Debug)]
pub struct HelperLine {
    pub helper: helper::Model,
    pub name: String,
}

/// Adds a helper. Coordinators only.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, i: HelperInput) -> CoreResult<helper::Model> {
    actor.require(Permission::ManagePairs)?;
    let mut e = FieldErrors::new();
    let kind = match i.kind.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("kind", "required");
            None
        }
        k => validate::word::<HelperKind>(&mut e, "kind", k),
    };
    let name = validate::text(&mut e, "name", i.name.as_deref(), 200);
    let organisation = validate::text(&mut e, "organisation", i.organisation.as_deref(), 200);
    let phone = validate::phone(&mut e, "phone", i.phone.as_deref());
    // The community: the neighbour household's, the one given, or the actor's only one.
    let mut community = i.community_id;
    let mut neighbour = None;
    if kind == Some(HelperKind::Neighbour) {
        match i.household_id {
            None => e.add("household_id", "required"),
            Some(id) => match household::Entity::find_by_id(id).one(store.conn()).await? {
                Some(h) if actor.sees_community(h.community_id) && h.moved_out_on.is_none() => {
                    community = Some(h.community_id);
                    neighbour = Some(h.id);
                }
                _ => e.add("household_id", "unknown_household"),
            },
        }
    } else if i.household_id.is_some() {
        e.add("household_id", "only_for_neighbours");
    }
    let community = match community {
        Some(c) if actor.sees_community(c) => Some(c),
        Some(_) => {
            e.add("community_id", "unknown_community");
            None
        }
        None => match actor.community_filter() {
            Some([only]) => Some(*only),
            _ => {
                e.add("community_id", "required");
                None
            }
        },
    };
    let mut login = None;
    match (kind, i.user_id) {
        (Some(HelperKind::TeamMember | HelperKind::Volunteer), Some(uid)) => {
            let u = user::Entity::find_by_id(uid).one(store.conn()).await?;
            let ok = match (&u, community) {
                (Some(u), Some(c)) if !u.disabled => {
                    let a = users::actor_for(store, u).await?;
                    let role_fits = if kind == Some(HelperKind::Volunteer) {
                        u.role == Role::Volunteer
                    } else {
                        matches!(u.role, Role::Admin | Role::Coordinator | Role::Caseworker)
                    };
                    role_fits && a.sees_community(c)
                }
                _ => false,
            };
            if ok {
                login = Some(uid);
            } else {
                e.add("user_id", "unknown_user");
            }
        }
        (Some(HelperKind::TeamMember), None) => e.add("user_id", "required"),
        (Some(HelperKind::PartnerMember | HelperKind::Neighbour), Some(_)) => e.add("user_id", "no_login_for_kind"),
        _ => {}
    }
    if matches!(kind, Some(HelperKind::Volunteer | HelperKind::PartnerMember)) && login.is_none() && name.is_none() {
        e.add("name", "required");
    }
    if kind == Some(HelperKind::PartnerMember) && organisation.is_none() {
        e.add("organisation", "required");
    }
    if let (Some(c), Some(u)) = (community, login)
        && helper::Entity::find()
            .filter(helper::Column::CommunityId.eq(c))
            .filter(helper::Column::UserId.eq(u))
            .one(store.conn())
            .await?
            .is_some()
    {
        e.add("user_id", "already_a_helper");
    }
    e.into_result()?;
    let (Some(kind), Some(community)) = (kind, community) else {
        return Err(CoreError::Internal("validated helper".into()));
    };
    let tx = store.write().await?;
    let h = helper::ActiveModel {
        community_id: Set(community),
        kind: Set(kind),
        user_id: Set(login),
        name: Set(if login.is_some() { None } else { name }),
        organisation: Set(organisation),
        phone: Set(phone),
        household_id: Set(neighbour),
        active: Set(true),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Helper, Some(h.id))
            .community(h.community_id)
            .summary(format!("kind: {}", h.kind.word())),
    )
    .await?;
    tx.commit().await?;
    Ok(h)
}

/// The name a worker knows each helper by: a login's display name, the helper's own name, or
/// for a neighbour the household's code (with the contact person's name).
pub async fn names(store: &Store, helpers: &[helper::Model]) -> CoreResult<HashMap<i64, String>> {
    let uids: Vec<i64> = helpers.iter().filter_map(|h| h.user_id).collect();
    let users = users::names_by_id(store, &uids).await?;
    let codes = crate::registry::households::code_map(store, helpers.iter().filter_map(|h| h.household_id)).await?;
    Ok(helpers
        .iter()
        .map(|h| {
            let own = h.name.clone().unwrap_or_default();
            let n = match (h.user_id, h.household_id) {
                (Some(u), _) => users.get(&u).cloned().unwrap_or(own),
                (None, Some(hh)) => {
                    let code = codes.get(&hh).cloned().unwrap_or_default();
                    if own.is_empty() { code } else { format!("{code} · {own}") }
                }
                _ => match &h.organisation {
                    Some(o) if !o.is_empty() => format!("{own} ({o})"),
                    _ => own,
                },
            };
            (h.id, n)
        })
        .collect())
}

/// Helper names by pair id.
pub async fn names_of_pairs(store: &Store, pairs: &[pair::Model]) -> CoreResult<HashMap<i64, String>> {
    let ids: Vec<i64> = pairs.iter().map(|p| p.helper_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let hs = helper::Entity::find().filter(helper::Column::Id.is_in(ids)).all(store.conn()).await?;
    let by_helper = names(store, &hs).await?;
    Ok(pairs.iter().map(|p| (p.id, by_helper.get(&p.helper_id).cloned().unwrap_or_default())).collect())
}

/// The helpers of the actor's communities, by name. Volunteers see only themselves.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, active_only: bool) -> CoreResult<Vec<HelperLine>> {
    actor.require(Permission::ContactPairs)?;
    let mut find = helper::Entity::find();
    if let Some(ids) = actor.community_filter() {
        find = find.filter(helper::Column::CommunityId.is_in(ids.to_vec()));
    }
    if actor.is_volunteer() {
        find = find.filter(helper::Column::UserId.eq(actor.user_id.unwrap_or(-1)));
    }
    if active_only {
        find = find.filter(helper::Column::Active.eq(true));
    }
    let rows = find.order_by_asc(helper::Column::Id).all(store.conn()).await?;
    let names = names(store, &rows).await?;
    let mut out: Vec<HelperLine> = rows
        .into_iter()
        .map(|h| HelperLine { name: names.get(&h.id).cloned().unwrap_or_default(), helper: h })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.helper.id.cmp(&b.helper.id)));
    Ok(out)
}

/// A helper the actor may see, or `NotFound`.
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<helper::Model> {
    actor.require(Permission::ContactPairs)?;
    let h = helper::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(h.community_id) || (actor.is_volunteer() && h.user_id != actor.user_id) {
        return Err(CoreError::NotFound);
    }
    Ok(h)
}
