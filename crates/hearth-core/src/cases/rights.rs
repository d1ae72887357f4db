//! The cases practice's part of residents' data rights. Erasure clears what was written
//! about the people in the cases of their households or that concern them: a case's
//! summary (to the tombstone, as it is required) and resolution note, its running log, and
//! the free text of its ledger entries — the note, and the party named (a donor, recipient
//! or other case, typed in: whether it names the erased person cannot be known) — also on
//! the other side of a transfer. Every case, entry and relief application stays with its
//! category, status, dates, stream, amounts, receipt number and decision — all that the
//! case and money figures count — so every past report and every balance reads the same.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Value};
use serde_json::{Map, Value as Json, json};

use crate::entity::{case, case_follow_up, case_resident, case_worker, ledger_entry, relief_application, resident};
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

        // The cases of their households, and those that concern one of them.
        let mut ids: Vec<i64> = Vec::new();
        for chunk in who.households.chunks(CHUNK) {
            ids.extend(
                case::Entity::find()
                    .select_only()
                    .column(case::Column::Id)
                    .filter(case::Column::HouseholdId.is_in(chunk.to_vec()))
                    .into_tuple::<i64>()
                    .all(tx)
                    .await?,
            );
        }
        for chunk in who.residents.chunks(CHUNK) {
            ids.extend(
                case_resident::Entity::find()
                    .select_only()
                    .column(case_resident::Column::CaseId)
                    .filter(case_resident::Column::ResidentId.is_in(chunk.to_vec()))
                    .into_tuple::<i64>()
                    .all(tx)
                    .await?,
            );
        }
        ids.sort_unstable();
        ids.dedup();

        let (mut cases, mut entries, mut notes) = (0u64, 0u64, 0u64);
        for chunk in ids.chunks(CHUNK) {
            cases += case::Entity::update_many()
                .col_expr(case::Column::Summary, Expr::value(TOMBSTONE))
                .col_expr(case::Column::ResolutionNote, Expr::value(Value::String(None)))
                // A change: a form opened before the erasure must not save over it.
                .col_expr(case::Column::UpdatedAt, Expr::value(now))
                .filter(case::Column::Id.is_in(chunk.to_vec()))
                .filter(
                    Condition::any()
                        .add(case::Column::Summary.ne(TOMBSTONE))
                        .add(case::Column::ResolutionNote.is_not_null()),
                )
                .exec(tx)
                .await?
                .rows_affected;
            // Amounts, streams, dates and receipt numbers stay: balances and figures are
            // unchanged. A transfer's receiving row repeats the sender's text, so both go.
            entries += ledger_entry::Entity::update_many()
                .col_expr(ledger_entry::Column::Note, Expr::value(Value::String(None)))
                .col_expr(ledger_entry::Column::Party, Expr::value(Value::String(None)))
                .filter(
                    Condition::any()
                        .add(ledger_entry::Column::CaseId.is_in(chunk.to_vec()))
                        .add(ledger_entry::Column::OtherCaseId.is_in(chunk.to_vec())),
                )
                .filter(
                    Condition::any()
                        .add(ledger_entry::Column::Note.is_not_null())
                        .add(ledger_entry::Column::Party.is_not_null()),
                )
                .exec(tx)
                .await?
                .rows_affected;
            notes += crate::notes::blank(tx, EntityKind::Case, chunk).await?;
        }
        crate::rights::count_fact(&mut facts, cases, "cases cleared");
        crate::rights::count_fact(&mut facts, entries, "ledger entry texts cleared");
        crate::rights::count_fact(&mut facts, notes, "case notes cleared");
        Ok(facts)
    })
}

use crate::rights::json_date as date;

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();

        let concerning: Vec<i64> = case_resident::Entity::find()
            .select_only()
            .column(case_resident::Column::CaseId)
            .filter(case_resident::Column::ResidentId.eq(r.id))
            .into_tuple()
            .all(store.conn())
            .await?;
        let mut rows = case::Entity::find()
            .filter(case::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(case::Column::Id)
            .all(store.conn())
            .await?;
        let mut other: Vec<i64> = concerning.into_iter().filter(|id| !rows.iter().any(|c| c.id == *id)).collect();
        other.sort_unstable();
        other.dedup();
        for chunk in other.chunks(CHUNK) {
            rows.extend(case::Entity::find().filter(case::Column::Id.is_in(chunk.to_vec())).all(store.conn()).await?);
        }
        rows.sort_by_key(|c| c.id);
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();

        let mut residents: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut workers: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut follow_ups: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut notes: HashMap<i64, Vec<Json>> = HashMap::new();
        let mut entries: Vec<ledger_entry::Model> = Vec::new();
        let mut relief: Vec<relief_application::Model> = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            for x in case_resident::Entity::find()
                .filter(case_resident::Column::CaseId.is_in(chunk.to_vec()))
                .order_by_asc(case_resident::Column::ResidentId)
                .all(store.conn())
                .await?
            {
                residents.entry(x.case_id).or_default().push(x.resident_id);
            }
            for x in case_worker::Entity::find()
                .filter(case_worker::Column::CaseId.is_in(chunk.to_vec()))
                .order_by_asc(case_worker::Column::UserId)
                .all(store.conn())
                .await?
            {
                workers.entry(x.case_id).or_default().push(x.user_id);
            }
            for x in case_follow_up::Entity::find()
                .filter(case_follow_up::Column::CaseId.is_in(chunk.to_vec()))
                .order_by_asc(case_follow_up::Column::FollowUpId)
                .all(store.conn())
                .await?
            {
                follow_ups.entry(x.case_id).or_default().push(x.follow_up_id);
            }
            notes.extend(crate::notes::copies(store.conn(), EntityKind::Case, chunk).await?);
            entries.extend(
                ledger_entry::Entity::find()
                    .filter(ledger_entry::Column::CaseId.is_in(chunk.to_vec()))
                    .all(store.conn())
                    .await?,
            );
            relief.extend(
                relief_application::Entity::find()
                    .filter(relief_application::Column::CaseId.is_in(chunk.to_vec()))
                    .all(store.conn())
                    .await?,
            );
        }

        let records: Vec<Map<String, Json>> = rows
            .into_iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("id".into(), json!(c.id));
                m.insert("household_id".into(), json!(c.household_id));
                m.insert("category".into(), json!(c.category.word()));
                m.insert("summary".into(), json!(c.summary));
                m.insert("opened_on".into(), json!(c.opened_on.to_string()));
                m.insert("status".into(), json!(c.status.word()));
                m.insert("resolved_on".into(), date(c.resolved_on));
                m.insert("closed_on".into(), date(c.closed_on));
                m.insert("resolution_note".into(), json!(c.resolution_note));
                m.insert("currency".into(), json!(c.currency));
                m.insert("visit_every_days".into(), json!(c.visit_every_days));
                m.insert("resident_ids".into(), json!(residents.remove(&c.id).unwrap_or_default()));
                m.insert("worker_user_ids".into(), json!(workers.remove(&c.id).unwrap_or_default()));
                m.insert("follow_up_ids".into(), json!(follow_ups.remove(&c.id).unwrap_or_default()));
                m.insert("created_by".into(), json!(c.created_by));
                m.insert("created_at".into(), json!(c.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(c.updated_at.to_rfc3339()));
                m.insert("notes".into(), Json::Array(notes.remove(&c.id).unwrap_or_default()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "cases", records });
        }

        entries.sort_by_key(|e| (e.case_id, e.on_date, e.id));
        let records: Vec<Map<String, Json>> = entries
            .into_iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("id".into(), json!(e.id));
                m.insert("case_id".into(), json!(e.case_id));
                m.insert("stream".into(), json!(e.stream.word()));
                // In minor units of the case's currency.
                m.insert("amount".into(), json!(e.amount));
                m.insert("held_delta".into(), json!(e.held_delta));
                m.insert("on_date".into(), json!(e.on_date.to_string()));
                m.insert("method".into(), json!(e.method.map(|x| x.word())));
                m.insert("party".into(), json!(e.party));
                m.insert("anonymous".into(), json!(e.anonymous));
                m.insert("handled_by".into(), json!(e.handled_by));
                m.insert("family_signed".into(), json!(e.family_signed));
                m.insert("receipt_number".into(), json!(e.receipt_number));
                m.insert("reverses_id".into(), json!(e.reverses_id));
                m.insert("relief_id".into(), json!(e.relief_id));
                m.insert("other_case_id".into(), json!(e.other_case_id));
                m.insert("pair_id".into(), json!(e.pair_id));
                m.insert("note".into(), json!(e.note));
                m.insert("created_by".into(), json!(e.created_by));
                m.insert("created_at".into(), json!(e.created_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "case_ledger", records });
        }

        relief.sort_by_key(|a| (a.case_id, a.applied_on, a.id));
        let records: Vec<Map<String, Json>> = relief
            .into_iter()
            .map(|a| {
                let mut m = Map::new();
                m.insert("id".into(), json!(a.id));
                m.insert("case_id".into(), json!(a.case_id));
                m.insert("scheme".into(), json!(a.scheme));
                m.insert("agency".into(), json!(a.agency));
                m.insert("requested".into(), json!(a.requested));
                m.insert("applied_on".into(), json!(a.applied_on.to_string()));
                m.insert("decision".into(), json!(a.decision.word()));
                m.insert("approved".into(), json!(a.approved));
                m.insert("decided_on".into(), date(a.decided_on));
                m.insert("created_by".into(), json!(a.created_by));
                m.insert("created_at".into(), json!(a.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(a.updated_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "relief_applications", records });
        }
        Ok(out)
    })
}
