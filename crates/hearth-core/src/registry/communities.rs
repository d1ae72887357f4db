//! Communities: the unit a team serves and the key every record carries.

use crate::audit::Action;
use crate::record::EntityKind;
use chrono::Utc;
use std::collections::HashMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::audit::{self, Entry};
use crate::entity::{community, household};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::store::{Store, map_unique};
use crate::validate;

/// A community as submitted (the API's create body and the admin form).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommunityInput {
    #[schema(required = true, value_type = String, max_length = 200)]
    pub name: Option<String>,
    /// 2–40 lower-case letters, digits and dashes; unique.
    #[schema(required = true, value_type = String, example = "north-gate")]
    pub slug: Option<String>,
    #[schema(max_length = 300)]
    pub address: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(value_type = Option<String>, format = Date, example = "2016-03-01")]
    pub established_on: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<community::Model>> {
    let mut q = community::Entity::find().order_by_asc(community::Column::Name);
    if let Some(ids) = actor.community_filter() {
        q = q.filter(community::Column::Id.is_in(ids.to_vec()));
    }
    Ok(q.all(store.conn()).await?)
}

#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<community::Model> {
    let c = community::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if actor.sees_community(c.id) { Ok(c) } else { Err(CoreError::NotFound) }
}

/// A community by slug, only if the actor may see it.
#[tracing::instrument(skip_all)]
pub async fn by_slug(store: &Store, actor: &Actor, slug: &str) -> CoreResult<community::Model> {
    let c = community::Entity::find()
        .filter(community::Column::Slug.eq(slug.trim()))
        .one(store.conn())
        .await?
        .ok_or(CoreError::NotFound)?;
    if actor.sees_community(c.id) { Ok(c) } else { Err(CoreError::NotFound) }
}

#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: CommunityInput) -> CoreResult<community::Model> {
    actor.require(Permission::ManageCommunities)?;
    let mut e = FieldErrors::new();
    let name = validate::required_text(&mut e, "name", input.name.as_deref(), 200);
    let slug = validate::slug(&mut e, "slug", input.slug.as_deref());
    let address = validate::text(&mut e, "address", input.address.as_deref(), 300);
    let established_on = validate::date(&mut e, "established_on", input.established_on.as_deref());
    e.into_result()?;
    let tx = store.write().await?;
    let c = community::ActiveModel {
        name: Set(name.unwrap_or_default()),
        slug: Set(slug.unwrap_or_default()),
        address: Set(address),
        established_on: Set(established_on),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(map_unique)?;
    crate::requests::kinds::seed(&tx, c.id).await?;
    audit::append(&tx, actor, Entry::new(Action::Create, EntityKind::Community, Some(c.id)).community(c.id)).await?;
    tx.commit().await?;
    Ok(c)
}

/// Households per visible community, in one grouped query (not one per row).
#[tracing::instrument(skip_all)]
pub async fn household_counts(store: &Store, actor: &Actor) -> CoreResult<HashMap<i64, i64>> {
    let mut q = household::Entity::find()
        .select_only()
        .column(household::Column::CommunityId)
        .column_as(household::Column::Id.count(), "n")
        .group_by(household::Column::CommunityId);
    if let Some(ids) = actor.community_filter() {
        q = q.filter(household::Column::CommunityId.is_in(ids.to_vec()));
    }
    Ok(q.into_tuple::<(i64, i64)>().all(store.conn()).await?.into_iter().collect())
}
