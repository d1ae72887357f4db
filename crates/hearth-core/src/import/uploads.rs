//! Uploads on their way in: a file a worker sent from the import page, kept (with its
//! column mapping and last report) across the pages of mapping, checking and importing.
//! Once imported, the file is dropped and only the rows it refused are kept, to be
//! downloaded, fixed and sent again.
//!
//! An import runs in the background so the page can show its progress; the progress lives
//! in this process (a worker of the store), the outcome in the `imports` row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use super::sheet::Source;
use super::{Column, Mode, Names, Progress, Report};
use crate::audit::{self, Action, Entry};
use crate::entity::{community, import};
use crate::error::{CoreError, CoreResult};
use crate::policy::{Actor, Permission};
use crate::record::EntityKind;
use crate::store::Store;

/// The web upload's limit. A team's ledger of a few thousand households is well under 1 MB;
/// a bigger file goes through `hearth import`, which streams it.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

pub const UPLOADED: &str = "uploaded";
pub const CHECKED: &str = "checked";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// Progress of the imports running in this process, by upload id.
#[derive(Default)]
struct Running(Mutex<HashMap<i64, Progress>>);

fn running(store: &Store) -> Arc<Running> {
    store.worker(|_| Running::default())
}

/// How far a running import is (None when it is not running here).
pub fn progress(store: &Store, id: i64) -> Option<Progress> {
    running(store).0.lock().unwrap_or_else(PoisonError::into_inner).get(&id).copied()
}

/// Stores an upload. The template must exist and the actor must be able to add people in
/// the community.
pub async fn create(
    store: &Store,
    actor: &Actor,
    community_slug: &str,
    template: &str,
    file_name: &str,
    content: Vec<u8>,
) -> CoreResult<import::Model> {
    let mut errors = crate::FieldErrors::new();
    if super::template(template).is_none_or(|t| !crate::policy::allows(actor.role, t.permission)) {
        errors.add("template", "invalid_choice");
    }
    if content.is_empty() {
        errors.add("file", "required");
    } else if content.len() > MAX_UPLOAD_BYTES {
        errors.add_arg("file", "file_too_large", (MAX_UPLOAD_BYTES / (1024 * 1024)) as i64);
    }
    let community = if community_slug.trim().is_empty() {
        errors.add("community", "required");
        None
    } else {
        match super::community_for(store, actor, community_slug).await {
            Ok(c) => Some(c),
            Err(CoreError::Invalid(_)) | Err(CoreError::NotFound) => {
                errors.add("community", "unknown_community");
                None
            }
            Err(e) => return Err(e),
        }
    };
    actor.require(Permission::EditPeople)?;
    // An upload belongs to a signed-in worker (the command line imports files directly).
    let created_by = actor.user_id.ok_or(CoreError::Forbidden)?;
    errors.into_result()?;
    let Some(community) = community else { return Err(CoreError::invalid("community", "required")) };
    let now = Utc::now();
    let tx = store.write().await?;
    let row = import::ActiveModel {
        community_id: Set(community.id),
        template: Set(template.to_owned()),
        file_name: Set(file_name.chars().take(200).collect()),
        sha256: Set(hex::encode(Sha256::digest(&content))),
        content: Set(content),
        mapping: Set(None),
        status: Set(UPLOADED.to_owned()),
        valid_only: Set(false),
        rows_done: Set(0),
        report: Set(None),
        created_by: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Import, Some(row.id)).community(community.id).summary(format!(
            "upload for {template}: {} bytes, sha256 {}",
            row.content.len(),
            row.sha256
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// An upload the actor may work on (its community, and adding people there).
pub async fn load(store: &Store, actor: &Actor, id: i64) -> CoreResult<(import::Model, community::Model)> {
    actor.require(Permission::EditPeople)?;
    let row = import::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(row.community_id) {
        return Err(CoreError::NotFound);
    }
    let c = community::Entity::find_by_id(row.community_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    Ok((row, c))
}

/// Recent uploads of the actor's communities, newest first (without their files).
pub async fn recent(
    store: &Store,
    actor: &Actor,
    limit: u64,
) -> CoreResult<Vec<(i64, String, String, String, String, chrono::DateTime<Utc>)>> {
    actor.require(Permission::EditPeople)?;
    let mut q = import::Entity::find()
        .select_only()
        .column(import::Column::Id)
        .column(import::Column::Template)
        .column(import::Column::FileName)
        .column(import::Column::Status)
        .column(import::Column::CommunityId)
        .column(import::Column::CreatedAt)
        .order_by_desc(import::Column::Id)
        .limit(limit);
    if let Some(ids) = actor.community_filter() {
        q = q.filter(import::Column::CommunityId.is_in(ids.to_vec()));
    }
    let rows: Vec<(i64, String, String, String, i64, chrono::DateTime<Utc>)> = q.into_tuple().all(store.conn()).await?;
    let slugs: HashMap<i64, String> =
        community::Entity::find().all(store.conn()).await?.into_iter().map(|c| (c.id, c.slug)).collect();
    Ok(rows
        .into_iter()
        .map(|(id, t, f, s, c, at)| (id, t, f, s, slugs.get(&c).cloned().unwrap_or_default(), at))
        .collect())
}

pub fn mapping_of(row: &import::Model) -> Option<Vec<Column>> {
    row.mapping.as_deref().and_then(|m| serde_json::from_str(m).ok())
}

pub fn report_of(row: &import::Model) -> Option<Report> {
    row.report.as_deref().and_then(|m| serde_json::from_str(m).ok())
}

fn to_json<T: serde::Serialize>(v: &T) -> CoreResult<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Internal(e.to_string()))
}

/// Keeps the worker's mapping (checked against the template: a column goes to a field at
/// most once) and checks every row with it: the report is stored and returned.
pub async fn check(
    store: &Store,
    actor: &Actor,
    id: i64,
    columns: Option<Vec<Column>>,
    names: &dyn Names,
) -> CoreResult<Report> {
    let (row, community) = load(store, actor, id).await?;
    if row.status == RUNNING || row.status == DONE {
        return Err(CoreError::Conflict { field: "status".into(), code: "import_started" });
    }
    let t = super::template(&row.template).ok_or(CoreError::NotFound)?;
    if let Some(cols) = &columns {
        let mut seen = std::collections::HashSet::new();
        let mut e = crate::FieldErrors::new();
        for c in cols {
            if let Some(f) = &c.field {
                if t.field(f).is_none() {
                    e.add(&format!("column-{}", c.index), "invalid_choice");
                } else if !seen.insert(f.clone()) {
                    e.add(&format!("column-{}", c.index), "mapped_twice");
                }
            }
        }
        e.into_result()?;
    }
    let columns = columns.or_else(|| mapping_of(&row));
    let source = Source::Bytes(Arc::new(row.content.clone()));
    let (report, _) = super::run(
        store,
        actor,
        super::Job { community: &community, template: t, source: &source, columns, mode: Mode::Check },
        names,
        &|_| {},
    )
    .await?;
    let mut active = row.into_active_model();
    active.mapping = Set(Some(to_json(&report.columns)?));
    active.report = Set(Some(to_json(&report)?));
    active.status = Set(CHECKED.to_owned());
    active.updated_at = Set(Utc::now());
    let tx = store.write().await?;
    active.update(&tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// Starts the import of a checked upload in the background; its page follows `progress`.
/// All rows or none, unless `valid_only`.
pub async fn start(
    store: &Store,
    actor: &Actor,
    id: i64,
    valid_only: bool,
    names: &'static dyn Names,
) -> CoreResult<()> {
    let (row, community) = load(store, actor, id).await?;
    let t = super::template(&row.template).ok_or(CoreError::NotFound)?;
    // Claimed once, in the database: of two presses (two tabs, or two instances of a
    // PostgreSQL deployment) exactly one moves the upload from checked to running. One left
    // running for half an hour was cut off (a restart) and may be started again.
    let now = Utc::now();
    let stale = now - chrono::TimeDelta::minutes(30);
    let claimed = {
        let tx = store.write().await?;
        let n =
            import::Entity::update_many()
                .col_expr(import::Column::Status, Expr::value(RUNNING))
                .col_expr(import::Column::UpdatedAt, Expr::value(now))
                .filter(import::Column::Id.eq(id))
                .filter(Condition::any().add(import::Column::Status.eq(CHECKED)).add(
                    Condition::all().add(import::Column::Status.eq(RUNNING)).add(import::Column::UpdatedAt.lt(stale)),
                ))
                .exec(&tx)
                .await?
                .rows_affected;
        tx.commit().await?;
        n == 1
    };
    if !claimed {
        let code = if row.status == RUNNING || row.status == DONE { "import_started" } else { "import_not_checked" };
        return Err(CoreError::Conflict { field: "status".into(), code });
    }
    running(store).0.lock().unwrap_or_else(PoisonError::into_inner).insert(id, Progress::default());
    let (store, actor) = (store.clone(), actor.clone());
    tokio::spawn(async move {
        let source = Source::Bytes(Arc::new(row.content.clone()));
        let mode = if valid_only { Mode::ValidOnly } else { Mode::AllOrNothing };
        let tracker = running(&store);
        let report = |p: Progress| {
            tracker.0.lock().unwrap_or_else(PoisonError::into_inner).insert(id, p);
        };
        let outcome = super::run(
            &store,
            &actor,
            super::Job { community: &community, template: t, source: &source, columns: mapping_of(&row), mode },
            names,
            &report,
        )
        .await;
        let mut active = row.clone().into_active_model();
        active.valid_only = Set(valid_only);
        active.updated_at = Set(Utc::now());
        match &outcome {
            Ok((r, _)) => {
                active.status = Set(if r.committed || r.ok() { DONE } else { CHECKED }.to_owned());
                active.rows_done = Set(r.rows as i64);
                active.report = Set(serde_json::to_string(r).ok());
            }
            Err(e) => {
                tracing::error!(error = %e, import = id, "import failed");
                active.status = Set(FAILED.to_owned());
            }
        }
        if let Ok((r, rejected)) = outcome
            && (r.committed || r.ok())
        {
            // Imported: the file goes; what it refused stays to be fixed.
            active.content = Set(rejected.into_bytes().unwrap_or_default());
        }
        let saved = async {
            let tx = store.write().await?;
            active.update(&tx).await?;
            tx.commit().await?;
            Ok::<_, CoreError>(())
        }
        .await;
        if let Err(e) = saved {
            tracing::error!(error = %e, import = id, "cannot record the import's outcome");
        }
        tracker.0.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    });
    Ok(())
}

/// The rows an import refused, as CSV (after a "valid rows only" import), audited as a read.
pub async fn rejected(store: &Store, actor: &Actor, id: i64) -> CoreResult<Vec<u8>> {
    let (row, community) = load(store, actor, id).await?;
    if row.status != DONE || row.content.is_empty() {
        return Err(CoreError::NotFound);
    }
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Import, Some(row.id)).community(community.id).summary("refused rows"),
    )
    .await?;
    Ok(row.content)
}
