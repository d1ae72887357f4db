//! The kinds of service request a community uses. Each community has its own list (seeded
//! with the standard seven when it is created), so a team can add the services of its
//! district, rename them and retire those it no longer handles; the key never changes, so
//! figures grouped by `request_kind` stay comparable over the years.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, Action, Entry};
use crate::entity::request_kind;
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

/// The standard kinds every community starts with: (key, English, Chinese). The migration
/// seeds the same list for communities that existed before it.
pub const STANDARD: [(&str, &str, &str); 7] = [
    ("cable", "Cable TV", "有线电视"),
    ("internet", "Internet", "宽带网络"),
    ("utilities", "Water or power", "水电"),
    ("repairs", "Repairs", "维修"),
    ("documents", "Documents", "证件办理"),
    ("school", "School enrolment", "入学"),
    ("other", "Other", "其他"),
];

/// Gives a new community the standard kinds, inside the transaction that creates it.
pub async fn seed<C: ConnectionTrait>(conn: &C, community_id: i64) -> CoreResult<()> {
    let now = Utc::now();
    let rows = STANDARD.iter().enumerate().map(|(n, (key, en, zh))| request_kind::ActiveModel {
        community_id: Set(community_id),
        key: Set((*key).to_owned()),
        name_en: Set((*en).to_owned()),
        name_zh: Set((*zh).to_owned()),
        position: Set(i32::try_from(n).unwrap_or(0)),
        retired: Set(false),
        updated_at: Set(now),
        ..Default::default()
    });
    request_kind::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// A community's kinds in their order (retired ones too). Names of services, no personal
/// data: not audited.
pub async fn of_community<C: ConnectionTrait>(conn: &C, community_id: i64) -> CoreResult<Vec<request_kind::Model>> {
    Ok(request_kind::Entity::find()
        .filter(request_kind::Column::CommunityId.eq(community_id))
        .order_by_asc(request_kind::Column::Position)
        .order_by_asc(request_kind::Column::Id)
        .all(conn)
        .await?)
}

/// The kinds of every community the actor works in, in community and list order.
pub async fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<request_kind::Model>> {
    actor.require(Permission::TrackRequests)?;
    let mut q = request_kind::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(request_kind::Column::CommunityId.is_in(ids.to_vec()));
    }
    Ok(q.order_by_asc(request_kind::Column::CommunityId)
        .order_by_asc(request_kind::Column::Position)
        .order_by_asc(request_kind::Column::Id)
        .all(store.conn())
        .await?)
}

/// A kind as submitted: on creation the community (slug; the actor's only community when
/// left out), key and both names; on a change, absent keeps.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindInput {
    /// Only on creation.
    pub community: Option<String>,
    /// Lower-case letters, digits and `_`; only on creation (it never changes).
    #[schema(max_length = 40, pattern = "^[a-z][a-z0-9_]*$")]
    pub key: Option<String>,
    #[schema(max_length = 100)]
    pub name_en: Option<String>,
    #[schema(max_length = 100)]
    pub name_zh: Option<String>,
    /// A retired kind is offered for no new request.
    pub retired: Option<bool>,
    #[serde(skip)]
    pub version: Option<String>,
}

fn key_ok(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && k.len() <= 40
}

/// The community a write names (slug), or the actor's only one.
pub(crate) async fn community_for(
    store: &Store,
    actor: &Actor,
    e: &mut FieldErrors,
    slug: Option<&str>,
) -> CoreResult<Option<i64>> {
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => match crate::registry::communities::by_slug(store, actor, s).await {
            Ok(c) => Ok(Some(c.id)),
            Err(CoreError::NotFound) => {
                e.add("community", "unknown_community");
                Ok(None)
            }
            Err(x) => Err(x),
        },
        None => match actor.community_filter() {
            Some([one]) => Ok(Some(*one)),
            _ => {
                e.add("community", "required");
                Ok(None)
            }
        },
    }
}

/// Adds a kind to a community.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, i: KindInput) -> CoreResult<request_kind::Model> {
    actor.require(Permission::EditRequestKinds)?;
    let mut e = FieldErrors::new();
    let community = community_for(store, actor, &mut e, i.community.as_deref()).await?;
    let key = validate::required_text(&mut e, "key", i.key.as_deref(), 40);
    if key.as_deref().is_some_and(|k| !key_ok(k)) {
        e.add("key", "invalid_key");
    }
    let name_en = validate::required_text(&mut e, "name_en", i.name_en.as_deref(), 100);
    let name_zh = validate::required_text(&mut e, "name_zh", i.name_zh.as_deref(), 100);
    e.into_result()?;
    let (Some(community), Some(key), Some(name_en), Some(name_zh)) = (community, key, name_en, name_zh) else {
        return Err(CoreError::Internal("validated kind".into()));
    };
    let tx = store.write().await?;
    let position = of_community(&tx, community).await?.iter().map(|k| k.position).max().unwrap_or(0) + 1;
    let k = request_kind::ActiveModel {
        community_id: Set(community),
        key: Set(key),
        name_en: Set(name_en),
        name_zh: Set(name_zh),
        position: Set(position),
        retired: Set(i.retired.unwrap_or(false)),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(store::map_unique)?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::RequestKind, Some(k.id)).community(k.community_id).summary("kind"),
    )
    .await?;
    tx.commit().await?;
    Ok(k)
}

/// One kind (the actor's communities only).
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<request_kind::Model> {
    actor.require(Permission::TrackRequests)?;
    let k = request_kind::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(k.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(k)
}

/// Renames a kind or retires it (or brings it back). Its key stays.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, i: KindInput) -> CoreResult<request_kind::Model> {
    let cur = get(store, actor, id).await?;
    actor.require(Permission::EditRequestKinds)?;
    let mut e = FieldErrors::new();
    if i.key.as_deref().is_some_and(|k| k.trim() != cur.key) {
        e.add("key", "cannot_change");
    }
    if i.community.is_some() {
        e.add("community", "cannot_change");
    }
    let name_en = match i.name_en.as_deref() {
        None => Some(cur.name_en.clone()),
        v => validate::required_text(&mut e, "name_en", v, 100),
    };
    let name_zh = match i.name_zh.as_deref() {
        None => Some(cur.name_zh.clone()),
        v => validate::required_text(&mut e, "name_zh", v, 100),
    };
    e.into_result()?;
    let (Some(name_en), Some(name_zh)) = (name_en, name_zh) else {
        return Err(CoreError::Internal("validated kind".into()));
    };
    let tx = store.write().await?;
    let row: request_kind::Model = store::locked::<request_kind::Entity>(&tx, cur.id).await?;
    crate::version::check(i.version.as_deref(), &row.updated_at)?;
    let mut a = row.clone().into_active_model();
    a.name_en = Set(name_en);
    a.name_zh = Set(name_zh);
    if let Some(r) = i.retired {
        a.retired = Set(r);
    }
    a.updated_at = Set(Utc::now());
    let k = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::RequestKind, Some(k.id))
            .community(k.community_id)
            .summary(if k.retired { "kind: retired" } else { "kind" }),
    )
    .await?;
    tx.commit().await?;
    Ok(k)
}
