//! Notes on a record: a running log a worker keeps ("called the clinic; the form is in the
//! post"), each kept with its author and time and never edited or removed by a worker.
//!
//! One mechanism for every practice that keeps a log (follow-ups now; pair contacts and
//! hardship cases next): the practice's service writes a note inside its own transaction,
//! beside the change it makes and under its own audit row, and reads them when it shows the
//! record (its audited read covers them). Notes are keyed by `RecordRef`, so export-my-data
//! and erasure find a household's notes in one table.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::note;
use crate::error::{CoreResult, FieldErrors};
use crate::policy::Actor;
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use crate::validate;

/// The longest note, in characters.
pub const MAX_CHARS: usize = 2000;

/// A note as shown: the row and its author's display name.
#[derive(Clone, Debug)]
pub struct Note {
    pub note: note::Model,
    pub author: Option<String>,
}

/// A submitted note, checked: `None` when blank (no note), an error on `field` when too long
/// or holding characters hearth refuses.
pub fn check(errors: &mut FieldErrors, field: &str, body: Option<&str>) -> Option<String> {
    validate::text(errors, field, body, MAX_CHARS)
}

/// Writes a checked note on `record` of `community_id`, inside the caller's transaction.
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    record: RecordRef,
    community_id: i64,
    body: String,
) -> CoreResult<note::Model> {
    let row = note::ActiveModel {
        community_id: Set(community_id),
        entity: Set(record.kind.as_str().to_owned()),
        entity_id: Set(record.id),
        author_user_id: Set(actor.user_id),
        written_at: Set(Utc::now()),
        body: Set(body),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// The notes on `record`, oldest first. The caller has read the record itself (and so
/// audited the read) before it shows them.
pub async fn of(store: &Store, record: RecordRef) -> CoreResult<Vec<Note>> {
    let rows = note::Entity::find()
        .filter(note::Column::Entity.eq(record.kind.as_str()))
        .filter(note::Column::EntityId.eq(record.id))
        .order_by_asc(note::Column::Id)
        .all(store.conn())
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.author_user_id).collect();
    let names = crate::auth::users::names_by_id(store, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|n| Note { author: n.author_user_id.and_then(|a| names.get(&a).cloned()), note: n })
        .collect())
}

/// Writes the same checked note on many records of `community_id` (a bulk action's one
/// reason), in multi-row inserts inside the caller's transaction.
pub async fn add_many<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    records: &[RecordRef],
    community_id: i64,
    body: &str,
) -> CoreResult<()> {
    let now = Utc::now();
    for chunk in records.chunks(500) {
        let rows = chunk.iter().map(|r| note::ActiveModel {
            community_id: Set(community_id),
            entity: Set(r.kind.as_str().to_owned()),
            entity_id: Set(r.id),
            author_user_id: Set(actor.user_id),
            written_at: Set(now),
            body: Set(body.to_owned()),
            ..Default::default()
        });
        note::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// The notes on these records (all of one kind) as a resident's copy of their data shows
/// them, by record: id, when, by whom, the words.
pub async fn copies<C: sea_orm::ConnectionTrait>(
    conn: &C,
    kind: EntityKind,
    ids: &[i64],
) -> CoreResult<std::collections::HashMap<i64, Vec<serde_json::Value>>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut out: std::collections::HashMap<i64, Vec<serde_json::Value>> = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for n in note::Entity::find()
            .filter(note::Column::Entity.eq(kind.as_str()))
            .filter(note::Column::EntityId.is_in(chunk.to_vec()))
            .order_by_asc(note::Column::Id)
            .all(conn)
            .await?
        {
            out.entry(n.entity_id).or_default().push(serde_json::json!({
                "id": n.id,
                "written_at": n.written_at.to_rfc3339(),
                "author_user_id": n.author_user_id,
                "body": n.body,
            }));
        }
    }
    Ok(out)
}

/// Blanks the words of the notes on these records (an erasure): each entry stays — who
/// wrote when — so the log keeps its shape; what it said about the person goes. The count
/// of notes that had words.
pub async fn blank<C: sea_orm::ConnectionTrait>(conn: &C, kind: EntityKind, ids: &[i64]) -> CoreResult<u64> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let tombstone = crate::registry::rights::TOMBSTONE;
    let mut n = 0;
    for chunk in ids.chunks(500) {
        n += note::Entity::update_many()
            .col_expr(note::Column::Body, Expr::value(tombstone))
            .filter(note::Column::Entity.eq(kind.as_str()))
            .filter(note::Column::EntityId.is_in(chunk.to_vec()))
            .filter(note::Column::Body.ne(tombstone))
            .exec(conn)
            .await?
            .rows_affected;
    }
    Ok(n)
}
