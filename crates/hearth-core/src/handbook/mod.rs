//! The handbook and partnership agreements: the team's own rules and written procedures
//! (Markdown, rendered safely; every save kept as a version with its author, so any two can
//! be compared), filed under categories each community names, printable one by one or as a
//! booklet; and the agreements the team makes with another team, an organisation or between
//! its members, in force or expired as of a day, with an optional scan checked by content.
//!
//! Handbook documents hold no personal data: reads are not audited, every write is.
//! Partnership agreements name parties (organisations, sometimes members): their scans'
//! downloads are audited as the jobs agreements' are.

pub mod demo;
pub mod documents;
pub mod indicators;
pub mod markdown;
pub mod partnerships;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::audit::{self, Action, Entry};
use crate::entity::{community, handbook_category};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::practice::Practice;
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

/// The handbook as a practice: figures and its demo part; it has no household timeline (it is
/// about the team, not about households).
pub const PRACTICE: Practice = Practice {
    key: "handbook",
    indicators: indicators::indicators,
    timeline: None,
    demo: Some(demo::step),
    importers: &[],
    erase: None,
    subject: None,
};

/// The categories every community starts with: (stable key, English name, Chinese name).
/// The keys are the figures' `category` dimension and never change; the names may.
pub const DEFAULT_CATEGORIES: [(&str, &str, &str); 4] = [
    ("team_rules", "Team rules", "团队规则"),
    ("admin_rules", "Administrative rules", "管理制度"),
    ("procedures", "Work procedures", "工作规程"),
    ("other", "Other", "其他"),
];

/// A category as shown: its key and both names (`id` 0 for a default not yet stored).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = HandbookCategory)]
pub struct Category {
    pub id: i64,
    pub key: String,
    pub name_en: String,
    pub name_zh: String,
}

impl Category {
    /// Its name in the reader's language (Chinese for `zh-CN`, else English).
    pub fn name(&self, chinese: bool) -> &str {
        if chinese { &self.name_zh } else { &self.name_en }
    }
}

impl From<handbook_category::Model> for Category {
    fn from(m: handbook_category::Model) -> Category {
        Category { id: m.id, key: m.key, name_en: m.name_en, name_zh: m.name_zh }
    }
}

fn defaults() -> Vec<Category> {
    DEFAULT_CATEGORIES
        .iter()
        .map(|(k, en, zh)| Category {
            id: 0,
            key: (*k).to_owned(),
            name_en: (*en).to_owned(),
            name_zh: (*zh).to_owned(),
        })
        .collect()
}

/// A community's categories in their order. A community whose categories were never stored
/// (no handbook write yet) has the defaults, so reads never need to write.
pub(crate) async fn categories_of(conn: &impl ConnectionTrait, community_id: i64) -> CoreResult<Vec<Category>> {
    let rows = handbook_category::Entity::find()
        .filter(handbook_category::Column::CommunityId.eq(community_id))
        .order_by_asc(handbook_category::Column::Position)
        .order_by_asc(handbook_category::Column::Id)
        .all(conn)
        .await?;
    Ok(if rows.is_empty() { defaults() } else { rows.into_iter().map(Category::from).collect() })
}

/// Stores the default categories of a community the first time its handbook is written
/// (inside that write's transaction).
pub(crate) async fn seed_categories(conn: &impl ConnectionTrait, community_id: i64) -> CoreResult<()> {
    let n = handbook_category::Entity::find()
        .filter(handbook_category::Column::CommunityId.eq(community_id))
        .count(conn)
        .await?;
    if n > 0 {
        return Ok(());
    }
    let now = Utc::now();
    for (i, (key, en, zh)) in DEFAULT_CATEGORIES.iter().enumerate() {
        handbook_category::ActiveModel {
            community_id: Set(community_id),
            key: Set((*key).to_owned()),
            name_en: Set((*en).to_owned()),
            name_zh: Set((*zh).to_owned()),
            position: Set(i32::try_from(i).unwrap_or(0)),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The categories of one of the actor's communities.
pub async fn categories(store: &Store, actor: &Actor, community_id: i64) -> CoreResult<Vec<Category>> {
    actor.require(Permission::ReadHandbook)?;
    if !actor.sees_community(community_id) {
        return Err(CoreError::NotFound);
    }
    categories_of(store.conn(), community_id).await
}

/// A category as submitted: both names (the community only when adding).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    #[schema(value_type = Option<String>)]
    pub community: Option<String>,
    #[schema(max_length = 100)]
    pub name_en: Option<String>,
    #[schema(max_length = 100)]
    pub name_zh: Option<String>,
}

fn check_names(e: &mut FieldErrors, i: &CategoryInput) -> Option<(String, String)> {
    let en = validate::required_text(e, "name_en", i.name_en.as_deref(), 100);
    let zh = validate::required_text(e, "name_zh", i.name_zh.as_deref(), 100);
    Some((en?, zh?))
}

/// Adds a category to a community's handbook (after the ones it has).
#[tracing::instrument(skip_all)]
pub async fn add_category(store: &Store, actor: &Actor, input: CategoryInput) -> CoreResult<Category> {
    actor.require(Permission::EditHandbook)?;
    let mut e = FieldErrors::new();
    let c = community_field(store, actor, &mut e, input.community.as_deref()).await?;
    let names = check_names(&mut e, &input);
    e.into_result()?;
    let (Some(c), Some((en, zh))) = (c, names) else { return Err(CoreError::Internal("validated category".into())) };
    let tx = store.write().await?;
    seed_categories(&tx, c.id).await?;
    let n =
        handbook_category::Entity::find().filter(handbook_category::Column::CommunityId.eq(c.id)).count(&tx).await?;
    let now = Utc::now();
    let m = handbook_category::ActiveModel {
        community_id: Set(c.id),
        key: Set(format!("custom_{}", now.timestamp_micros())),
        name_en: Set(en),
        name_zh: Set(zh),
        position: Set(i32::try_from(n).unwrap_or(i32::MAX)),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(&tx, actor, Entry::new(Action::Create, EntityKind::HandbookCategory, Some(m.id)).community(c.id))
        .await?;
    tx.commit().await?;
    Ok(m.into())
}

/// Renames a category (its key, and so the figures, stay).
#[tracing::instrument(skip_all)]
pub async fn rename_category(store: &Store, actor: &Actor, id: i64, input: CategoryInput) -> CoreResult<Category> {
    actor.require(Permission::EditHandbook)?;
    let cur = handbook_category::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(cur.community_id) {
        return Err(CoreError::NotFound);
    }
    let mut e = FieldErrors::new();
    if input.community.is_some() {
        e.add("community", "cannot_change");
    }
    let names = check_names(&mut e, &input);
    e.into_result()?;
    let Some((en, zh)) = names else { return Err(CoreError::Internal("validated category".into())) };
    let tx = store.write().await?;
    let row: handbook_category::Model = store::locked::<handbook_category::Entity>(&tx, cur.id).await?;
    let mut a = row.into_active_model();
    a.name_en = Set(en);
    a.name_zh = Set(zh);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::HandbookCategory, Some(m.id)).community(m.community_id),
    )
    .await?;
    tx.commit().await?;
    Ok(m.into())
}

/// The community a new record goes to, by slug, among the actor's; with none given and one
/// community, that one.
pub(crate) async fn community_field(
    store: &Store,
    actor: &Actor,
    e: &mut FieldErrors,
    slug: Option<&str>,
) -> CoreResult<Option<community::Model>> {
    match slug.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => match crate::registry::communities::by_slug(store, actor, slug).await {
            Ok(c) => Ok(Some(c)),
            Err(CoreError::NotFound) => {
                e.add("community", "unknown_community");
                Ok(None)
            }
            Err(other) => Err(other),
        },
        None => {
            e.add("community", "required");
            Ok(None)
        }
    }
}
