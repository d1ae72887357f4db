//! The visits practice's part of residents' data rights. Erasure clears what was written
//! about the people: a visit's notes and companions, a follow-up's description (to the
//! tombstone, as it is required) and resolution note, the notes in its history and its
//! running log. Every row stays with its dates, purpose, category, status and owner — all
//! that the visit and follow-up figures count — so every past report reads the same.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Value};
use serde_json::{Map, Value as Json, json};

use crate::entity::{follow_up, follow_up_history, resident, visit, visit_visitor};
use crate::error::CoreResult;
use crate::practice::{BoxFut, Erasure, SubjectSection};
use crate::record::EntityKind;
use crate::rights::TOMBSTONE;
use crate::store::Store;
use crate::word::Word;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

pub(super) fn erase<'a>(tx: &'a DatabaseTransaction, who: &'a Erasure) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let mut facts = Vec::new();
        let now = Utc::now();

        let mut visits = 0u64;
        for chunk in who.households.chunks(CHUNK) {
            visits += visit::Entity::update_many()
                .col_expr(visit::Column::Notes, Expr::value(Value::String(None)))
                .col_expr(visit::Column::Companions, Expr::value(Value::String(None)))
                .filter(visit::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(
                    Condition::any()
                        .add(visit::Column::Notes.is_not_null())
                        .add(visit::Column::Companions.is_not_null()),
                )
                .exec(tx)
                .await?
                .rows_affected;
        }
        crate::rights::count_fact(&mut facts, visits, "visit notes cleared");

        // Follow-ups of their households, and those about one of them in another household.
        let mut ids: Vec<i64> = Vec::new();
        for chunk in who.households.chunks(CHUNK) {
            ids.extend(
                follow_up::Entity::find()
                    .select_only()
                    .column(follow_up::Column::Id)
                    .filter(follow_up::Column::HouseholdId.is_in(chunk.to_vec()))
                    .into_tuple::<i64>()
                    .all(tx)
                    .await?,
            );
        }
        for chunk in who.residents.chunks(CHUNK) {
            ids.extend(
                follow_up::Entity::find()
                    .select_only()
                    .column(follow_up::Column::Id)
                    .filter(follow_up::Column::ResidentId.is_in(chunk.to_vec()))
                    .into_tuple::<i64>()
                    .all(tx)
                    .await?,
            );
        }
        ids.sort_unstable();
        ids.dedup();

        let (mut follow_ups, mut history, mut notes) = (0u64, 0u64, 0u64);
        for chunk in ids.chunks(CHUNK) {
            follow_ups += follow_up::Entity::update_many()
                .col_expr(follow_up::Column::Description, Expr::value(TOMBSTONE))
                .col_expr(follow_up::Column::ResolutionNote, Expr::value(Value::String(None)))
                // A change: a form opened before the erasure must not save over it.
                .col_expr(follow_up::Column::UpdatedAt, Expr::value(now))
                .filter(follow_up::Column::Id.is_in(chunk.to_vec()))
                .filter(
                    Condition::any()
                        .add(follow_up::Column::Description.ne(TOMBSTONE))
                        .add(follow_up::Column::ResolutionNote.is_not_null()),
                )
                .exec(tx)
                .await?
                .rows_affected;
            history += follow_up_history::Entity::update_many()
                .col_expr(follow_up_history::Column::Note, Expr::value(Value::String(None)))
                .filter(follow_up_history::Column::FollowUpId.is_in(chunk.to_vec()))
                .filter(follow_up_history::Column::Note.is_not_null())
                .exec(tx)
                .await?
                .rows_affected;
            notes += crate::notes::blank(tx, EntityKind::FollowUp, chunk).await?;
        }
        crate::rights::count_fact(&mut facts, follow_ups, "follow-ups cleared");
        crate::rights::count_fact(&mut facts, history, "follow-up history notes cleared");
        crate::rights::count_fact(&mut facts, notes, "follow-up notes cleared");
        Ok(facts)
    })
}

use crate::rights::json_date as date;

/// The running log on these follow-ups, by follow-up id, oldest first.
async fn notes_of(store: &Store, ids: &[i64]) -> CoreResult<HashMap<i64, Vec<Json>>> {
    crate::notes::copies(store.conn(), EntityKind::FollowUp, ids).await
}

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();

        let rows = visit::Entity::find()
            .filter(visit::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(visit::Column::VisitedOn)
            .order_by_asc(visit::Column::Id)
            .all(store.conn())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|v| v.id).collect();
        let mut visitors: HashMap<i64, Vec<i64>> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            for vv in visit_visitor::Entity::find()
                .filter(visit_visitor::Column::VisitId.is_in(chunk.to_vec()))
                .order_by_asc(visit_visitor::Column::UserId)
                .all(store.conn())
                .await?
            {
                visitors.entry(vv.visit_id).or_default().push(vv.user_id);
            }
        }
        let visits: Vec<Map<String, Json>> = rows
            .into_iter()
            .map(|v| {
                let mut m = Map::new();
                m.insert("id".into(), json!(v.id));
                m.insert("household_id".into(), json!(v.household_id));
                m.insert("visited_on".into(), json!(v.visited_on.to_string()));
                m.insert("purpose".into(), json!(v.purpose.word()));
                m.insert("companions".into(), json!(v.companions));
                m.insert("notes".into(), json!(v.notes));
                m.insert("visitor_user_ids".into(), json!(visitors.remove(&v.id).unwrap_or_default()));
                m.insert("recorded_by".into(), json!(v.recorded_by));
                m.insert("created_at".into(), json!(v.created_at.to_rfc3339()));
                m
            })
            .collect();
        if !visits.is_empty() {
            out.push(SubjectSection { key: "visits", records: visits });
        }

        let rows = follow_up::Entity::find()
            .filter(
                Condition::any()
                    .add(follow_up::Column::HouseholdId.eq(r.household_id))
                    .add(follow_up::Column::ResidentId.eq(r.id)),
            )
            .order_by_asc(follow_up::Column::Id)
            .all(store.conn())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
        let mut history: HashMap<i64, Vec<Json>> = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            for h in follow_up_history::Entity::find()
                .filter(follow_up_history::Column::FollowUpId.is_in(chunk.to_vec()))
                .order_by_asc(follow_up_history::Column::Id)
                .all(store.conn())
                .await?
            {
                history.entry(h.follow_up_id).or_default().push(json!({
                    "id": h.id,
                    "at": h.at.to_rfc3339(),
                    "actor_user_id": h.actor_user_id,
                    "change": h.change,
                    "from_value": h.from_value,
                    "to_value": h.to_value,
                    "note": h.note,
                }));
            }
        }
        let mut notes = notes_of(store, &ids).await?;
        let follow_ups: Vec<Map<String, Json>> = rows
            .into_iter()
            .map(|f| {
                let mut m = Map::new();
                m.insert("id".into(), json!(f.id));
                m.insert("household_id".into(), json!(f.household_id));
                m.insert("resident_id".into(), json!(f.resident_id));
                m.insert("visit_id".into(), json!(f.visit_id));
                m.insert("description".into(), json!(f.description));
                m.insert("category".into(), json!(f.category.word()));
                m.insert("owner_user_id".into(), json!(f.owner_user_id));
                m.insert("opened_on".into(), json!(f.opened_on.to_string()));
                m.insert("due_on".into(), json!(f.due_on.to_string()));
                m.insert("status".into(), json!(f.status.word()));
                m.insert("resolution_note".into(), json!(f.resolution_note));
                m.insert("resolved_on".into(), date(f.resolved_on));
                m.insert("created_by".into(), json!(f.created_by));
                m.insert("created_at".into(), json!(f.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(f.updated_at.to_rfc3339()));
                m.insert("history".into(), Json::Array(history.remove(&f.id).unwrap_or_default()));
                m.insert("notes".into(), Json::Array(notes.remove(&f.id).unwrap_or_default()));
                m
            })
            .collect();
        if !follow_ups.is_empty() {
            out.push(SubjectSection { key: "follow_ups", records: follow_ups });
        }
        Ok(out)
    })
}
