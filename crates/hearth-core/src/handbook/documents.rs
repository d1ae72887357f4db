//! Handbook documents: create, change (every save a new version with its author), read,
//! list with search and category filter, versions and the line diff between any two, and
//! the booklet (every published document, by category).
//!
//! Search is a substring match on `search_text` (title and body, lower-cased): Chinese has no
//! spaces between words, so word indexes find nothing in 值班制度 for 值班, while a substring
//! does; a community's handbook is a few hundred short documents, so a scan of its rows is
//! cheap (see ARCHITECTURE.md, "Handbook and partnership agreements").

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::{Category, categories_of, community_field, markdown, seed_categories};
use crate::audit::{self, Action, Entry};
use crate::entity::{handbook_document as doc, handbook_version as ver};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

/// The longest body accepted, in characters.
pub const MAX_BODY: usize = 100_000;

/// A document as submitted (`POST`: community, category, title and body needed; `PATCH`:
/// absent keeps a field, an empty `published_on` clears it).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// The community (slug); only on creation.
    #[schema(value_type = Option<String>)]
    pub community: Option<String>,
    /// The category's key (`team_rules`, `admin_rules`, `procedures`, `other`, or one the
    /// community added).
    #[schema(max_length = 100)]
    pub category: Option<String>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// Markdown. Raw HTML is shown as text; links only to http(s), mailto or relative.
    #[schema(max_length = 100000)]
    pub body: Option<String>,
    /// The day it took effect; empty: not published (a draft).
    #[schema(value_type = Option<String>, format = Date)]
    pub published_on: Option<String>,
    /// Posted on the notice board.
    pub on_notice_board: Option<bool>,
    #[serde(skip)]
    pub version: Option<String>,
}

struct Valid {
    category: String,
    title: String,
    body: String,
    published_on: Option<NaiveDate>,
    on_notice_board: bool,
}

fn check(e: &mut FieldErrors, i: &DocumentInput, cats: &[Category]) -> Option<Valid> {
    let category = validate::required_text(e, "category", i.category.as_deref(), 100);
    let category = category.and_then(|c| {
        if cats.iter().any(|k| k.key == c) {
            Some(c)
        } else {
            e.add("category", "unknown_category");
            None
        }
    });
    let title = validate::required_text(e, "title", i.title.as_deref(), 200);
    // Browsers send a textarea's lines ending in CRLF: stored with LF, so a save from a form
    // and one from the API differ only where the text does.
    let body = validate::required_text(e, "body", i.body.as_deref(), MAX_BODY).map(|b| unix_lines(&b));
    let published_on = validate::date(e, "published_on", i.published_on.as_deref());
    Some(Valid {
        category: category?,
        title: title?,
        body: body?,
        published_on,
        on_notice_board: i.on_notice_board.unwrap_or(false),
    })
}

/// Text with every line ending as `\n`.
pub fn unix_lines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// One of the handbook's documents, if the actor may read its community's handbook.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<doc::Model> {
    actor.require(Permission::ReadHandbook)?;
    let m = doc::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(m.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(m)
}

async fn save_version(tx: &sea_orm::DatabaseTransaction, m: &doc::Model, author: Option<i64>) -> CoreResult<()> {
    ver::ActiveModel {
        community_id: Set(m.community_id),
        document_id: Set(m.id),
        version_no: Set(m.version_no),
        category: Set(m.category.clone()),
        title: Set(m.title.clone()),
        body: Set(m.body.clone()),
        published_on: Set(m.published_on),
        on_notice_board: Set(m.on_notice_board),
        author_id: Set(author),
        saved_at: Set(m.updated_at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// Writes a new document and its first version.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: DocumentInput) -> CoreResult<doc::Model> {
    actor.require(Permission::EditHandbook)?;
    let mut e = FieldErrors::new();
    let c = community_field(store, actor, &mut e, input.community.as_deref()).await?;
    let cats = match &c {
        Some(c) => categories_of(store.conn(), c.id).await?,
        None => Vec::new(),
    };
    let v = check(&mut e, &input, &cats);
    e.into_result()?;
    let (Some(c), Some(v)) = (c, v) else { return Err(CoreError::Internal("validated document".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    seed_categories(&tx, c.id).await?;
    let m = doc::ActiveModel {
        community_id: Set(c.id),
        search_text: Set(markdown::plain(&v.title, &v.body)),
        category: Set(v.category),
        title: Set(v.title),
        body: Set(v.body),
        published_on: Set(v.published_on),
        on_notice_board: Set(v.on_notice_board),
        version_no: Set(1),
        created_by: Set(actor.user_id),
        updated_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    save_version(&tx, &m, actor.user_id).await?;
    audit::append(&tx, actor, Entry::new(Action::Create, EntityKind::HandbookDocument, Some(m.id)).community(c.id))
        .await?;
    tx.commit().await?;
    Ok(m)
}

/// Saves a change as a new version. Refused (`changed_meanwhile`) if the document changed
/// since the version the form or `If-Match` carried.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: DocumentInput) -> CoreResult<doc::Model> {
    let cur = get(store, actor, id).await?;
    actor.require(Permission::EditHandbook)?;
    let mut e = FieldErrors::new();
    if input.community.is_some() {
        e.add("community", "cannot_change");
    }
    let cats = categories_of(store.conn(), cur.community_id).await?;
    let merged = DocumentInput {
        community: None,
        category: input.category.clone().or(Some(cur.category.clone())),
        title: input.title.clone().or(Some(cur.title.clone())),
        body: input.body.clone().or(Some(cur.body.clone())),
        published_on: input.published_on.clone().or(cur.published_on.map(|d| d.to_string())),
        on_notice_board: input.on_notice_board.or(Some(cur.on_notice_board)),
        version: None,
    };
    let v = check(&mut e, &merged, &cats);
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated document".into())) };
    let tx = store.write().await?;
    let row: doc::Model = store::locked::<doc::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let changed: Vec<&str> = [
        ("category", row.category != v.category),
        ("title", row.title != v.title),
        ("body", row.body != v.body),
        ("published_on", row.published_on != v.published_on),
        ("on_notice_board", row.on_notice_board != v.on_notice_board),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect();
    if changed.is_empty() {
        // Saving what is already there makes no new version.
        tx.commit().await?;
        return Ok(row);
    }
    let next = row.version_no + 1;
    let mut a = row.into_active_model();
    a.search_text = Set(markdown::plain(&v.title, &v.body));
    a.category = Set(v.category);
    a.title = Set(v.title);
    a.body = Set(v.body);
    a.published_on = Set(v.published_on);
    a.on_notice_board = Set(v.on_notice_board);
    a.version_no = Set(next);
    a.updated_by = Set(actor.user_id);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    save_version(&tx, &m, actor.user_id).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::HandbookDocument, Some(m.id))
            .community(m.community_id)
            .summary(format!("version {next}: {}", changed.join(", "))),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// What a list of documents is narrowed to.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentsQuery {
    /// Only this community's (slug).
    pub community: Option<String>,
    /// Words to find in the title or body (any language; matched as typed, ignoring case).
    pub q: Option<String>,
    /// Only this category (its key).
    pub category: Option<String>,
    /// Only documents published on or before today (`true`), or drafts too (default).
    pub published: Option<bool>,
}

/// `%text%` with LIKE's own wildcards escaped, so `50%` or `a_b` match only themselves.
fn contains_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The documents of the actor's communities, by category key then title.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, q: &DocumentsQuery) -> CoreResult<Vec<doc::Model>> {
    actor.require(Permission::ReadHandbook)?;
    let mut find = doc::Entity::find();
    if let Some(ids) = actor.community_filter() {
        find = find.filter(doc::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(slug) = q.community.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let c = crate::registry::communities::by_slug(store, actor, slug).await?;
        find = find.filter(doc::Column::CommunityId.eq(c.id));
    }
    if let Some(cat) = q.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        find = find.filter(doc::Column::Category.eq(cat));
    }
    if q.published == Some(true) {
        find = find.filter(doc::Column::PublishedOn.lte(chrono::Local::now().date_naive()));
    }
    // Every word must appear (in any order); each word is a plain substring.
    for word in q.q.as_deref().unwrap_or_default().split_whitespace().take(8) {
        let pattern = contains_pattern(&word.to_lowercase());
        find = find.filter(Expr::col(doc::Column::SearchText).like(LikeExpr::new(pattern).escape('\\')));
    }
    Ok(find.order_by_asc(doc::Column::Title).order_by_asc(doc::Column::Id).all(store.conn()).await?)
}

/// A version as listed: its number, who saved it, when.
#[derive(Clone, Debug)]
pub struct Version {
    pub version: ver::Model,
    pub author: Option<String>,
}

/// A document's versions, newest first.
pub async fn versions(store: &Store, actor: &Actor, id: i64) -> CoreResult<Vec<Version>> {
    let d = get(store, actor, id).await?;
    let rows = ver::Entity::find()
        .filter(ver::Column::DocumentId.eq(d.id))
        .order_by_desc(ver::Column::VersionNo)
        .all(store.conn())
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.author_id).collect();
    let names = crate::auth::users::names_by_id(store, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|v| Version { author: v.author_id.and_then(|u| names.get(&u).cloned()), version: v })
        .collect())
}

/// Whether a line of a diff was kept, added or removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Same,
    Added,
    Removed,
}

/// One line of a diff.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DiffLine {
    pub change: Change,
    pub text: String,
}

/// The diff between two versions of a document: its title's and its body's lines.
#[derive(Clone, Debug)]
pub struct Diff {
    pub from: ver::Model,
    pub to: ver::Model,
    pub lines: Vec<DiffLine>,
}

/// The line diff of two texts.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    // Every line ends with a newline, so a last line is the same as that line followed by more.
    let ended = |s: &str| if s.ends_with('\n') { s.to_owned() } else { format!("{s}\n") };
    let (old, new) = (ended(old), ended(new));
    let diff = similar::TextDiff::from_lines(&old, &new);
    diff.iter_all_changes()
        .map(|c| DiffLine {
            change: match c.tag() {
                similar::ChangeTag::Equal => Change::Same,
                similar::ChangeTag::Insert => Change::Added,
                similar::ChangeTag::Delete => Change::Removed,
            },
            text: c.value().trim_end_matches(['\n', '\r']).to_owned(),
        })
        .collect()
}

/// Compares two versions of a document (by number; either order): the title and category as
/// lines first, then the body.
pub async fn diff(store: &Store, actor: &Actor, id: i64, from: i32, to: i32) -> CoreResult<Diff> {
    let d = get(store, actor, id).await?;
    let one = |n: i32| async move {
        ver::Entity::find()
            .filter(ver::Column::DocumentId.eq(d.id))
            .filter(ver::Column::VersionNo.eq(n))
            .one(store.conn())
            .await
    };
    let mut e = FieldErrors::new();
    let a = one(from).await?;
    if a.is_none() {
        e.add("from", "no_such_version");
    }
    let b = one(to).await?;
    if b.is_none() {
        e.add("to", "no_such_version");
    }
    e.into_result()?;
    let (Some(a), Some(b)) = (a, b) else { return Err(CoreError::Internal("validated diff".into())) };
    let head = |v: &ver::Model| format!("# {}\n[{}]\n\n{}", v.title, v.category, v.body);
    let lines = line_diff(&head(&a), &head(&b));
    Ok(Diff { from: a, to: b, lines })
}

/// A booklet: every document published by today of a community, grouped by category in the
/// category's order, by title within it.
pub async fn booklet(store: &Store, actor: &Actor, community_id: i64) -> CoreResult<Vec<(Category, Vec<doc::Model>)>> {
    let cats = super::categories(store, actor, community_id).await?;
    let docs = doc::Entity::find()
        .filter(doc::Column::CommunityId.eq(community_id))
        .filter(doc::Column::PublishedOn.lte(chrono::Local::now().date_naive()))
        .order_by_asc(doc::Column::Title)
        .order_by_asc(doc::Column::Id)
        .all(store.conn())
        .await?;
    let mut out: Vec<(Category, Vec<doc::Model>)> = cats.into_iter().map(|c| (c, Vec::new())).collect();
    for d in docs {
        if let Some(slot) = out.iter_mut().find(|(c, _)| c.key == d.category) {
            slot.1.push(d);
        }
    }
    out.retain(|(_, ds)| !ds.is_empty());
    Ok(out)
}

/// Documents saved since `since` in the actor's communities, newest first (the Today page).
pub async fn changed_since(
    store: &Store,
    actor: &Actor,
    since: chrono::DateTime<Utc>,
    limit: u64,
) -> CoreResult<(u64, Vec<doc::Model>)> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    actor.require(Permission::ReadHandbook)?;
    let mut find = doc::Entity::find().filter(doc::Column::UpdatedAt.gte(since));
    if let Some(ids) = actor.community_filter() {
        find = find.filter(doc::Column::CommunityId.is_in(ids.to_vec()));
    }
    let count = find.clone().count(store.conn()).await?;
    let rows = find.order_by_desc(doc::Column::UpdatedAt).limit(limit).all(store.conn()).await?;
    Ok((count, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_only_themselves_and_lines_diff() {
        assert_eq!(contains_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
        let d = line_diff("a\nb\nc", "a\nB\nc\n");
        let changed: Vec<_> =
            d.iter().filter(|l| l.change != Change::Same).map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(changed, vec![(Change::Removed, "b"), (Change::Added, "B")]);
    }
}
