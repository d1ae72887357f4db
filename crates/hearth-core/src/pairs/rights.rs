//! The pairs practice's part of residents' data rights. Erasure clears what was written
//! about their households: a pair's purpose and end reason, the notes of its contacts, and —
//! where their household helps a neighbour — the name, organisation and phone typed in on
//! that helper. Every pair, contact and helper stays with its dates, cadence, mode, reached
//! flag and kind — all that the pairing and contact figures count — so every past report
//! reads the same.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Value};
use serde_json::{Map, Value as Json, json};

use crate::entity::{helper, pair, pair_contact, resident};
use crate::practice::{BoxFut, Erasure, SubjectSection};
use crate::record::EntityKind;
use crate::store::Store;
use crate::word::Word;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

pub(super) fn erase<'a>(tx: &'a DatabaseTransaction, who: &'a Erasure) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let mut facts = Vec::new();
        let now = Utc::now();
        let (mut pairs, mut notes, mut helpers) = (0u64, 0u64, 0u64);
        for chunk in who.households.chunks(CHUNK) {
            pairs += pair::Entity::update_many()
                .col_expr(pair::Column::Purpose, Expr::value(Value::String(None)))
                .col_expr(pair::Column::EndReason, Expr::value(Value::String(None)))
                // A change: a form opened before the erasure must not save over it.
                .col_expr(pair::Column::UpdatedAt, Expr::value(now))
                .filter(pair::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(
                    Condition::any()
                        .add(pair::Column::Purpose.is_not_null())
                        .add(pair::Column::EndReason.is_not_null()),
                )
                .exec(tx)
                .await?
                .rows_affected;
            let contacts: Vec<i64> = pair_contact::Entity::find()
                .select_only()
                .column(pair_contact::Column::Id)
                .filter(pair_contact::Column::HouseholdId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(tx)
                .await?;
            notes += crate::notes::blank(tx, EntityKind::PairContact, &contacts).await?;
            // Their household as a neighbour helper: the kind and the pairs stay.
            helpers += helper::Entity::update_many()
                .col_expr(helper::Column::Name, Expr::value(Value::String(None)))
                .col_expr(helper::Column::Organisation, Expr::value(Value::String(None)))
                .col_expr(helper::Column::Phone, Expr::value(Value::String(None)))
                .col_expr(helper::Column::UpdatedAt, Expr::value(now))
                .filter(helper::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(
                    Condition::any()
                        .add(helper::Column::Name.is_not_null())
                        .add(helper::Column::Organisation.is_not_null())
                        .add(helper::Column::Phone.is_not_null()),
                )
                .exec(tx)
                .await?
                .rows_affected;
        }
        crate::rights::count_fact(&mut facts, pairs, "pairs cleared");
        crate::rights::count_fact(&mut facts, notes, "contact notes cleared");
        crate::rights::count_fact(&mut facts, helpers, "helpers cleared");
        Ok(facts)
    })
}

use crate::rights::json_date as date;

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();

        let rows = pair::Entity::find()
            .filter(pair::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(pair::Column::StartedOn)
            .order_by_asc(pair::Column::Id)
            .all(store.conn())
            .await?;
        let mut helper_ids: Vec<i64> = rows.iter().map(|p| p.helper_id).collect();
        helper_ids.sort_unstable();
        helper_ids.dedup();
        let mut kinds: HashMap<i64, String> = HashMap::new();
        for chunk in helper_ids.chunks(CHUNK) {
            for h in helper::Entity::find().filter(helper::Column::Id.is_in(chunk.to_vec())).all(store.conn()).await? {
                kinds.insert(h.id, h.kind.word());
            }
        }
        // The helper by id, kind and login only: their name is theirs, not the household's.
        let records: Vec<Map<String, Json>> = rows
            .into_iter()
            .map(|p| {
                let mut m = Map::new();
                m.insert("id".into(), json!(p.id));
                m.insert("household_id".into(), json!(p.household_id));
                m.insert("helper_id".into(), json!(p.helper_id));
                m.insert("helper_kind".into(), json!(kinds.get(&p.helper_id)));
                m.insert("helper_user_id".into(), json!(p.helper_user_id));
                m.insert("purpose".into(), json!(p.purpose));
                m.insert("cadence".into(), json!(p.cadence.word()));
                m.insert("started_on".into(), json!(p.started_on.to_string()));
                m.insert("ended_on".into(), date(p.ended_on));
                m.insert("end_reason".into(), json!(p.end_reason));
                m.insert("created_by".into(), json!(p.created_by));
                m.insert("updated_at".into(), json!(p.updated_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "pairs", records });
        }

        let contacts = pair_contact::Entity::find()
            .filter(pair_contact::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(pair_contact::Column::ContactedOn)
            .order_by_asc(pair_contact::Column::Id)
            .all(store.conn())
            .await?;
        let ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
        let mut notes = crate::notes::copies(store.conn(), EntityKind::PairContact, &ids).await?;
        let records: Vec<Map<String, Json>> = contacts
            .into_iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("id".into(), json!(c.id));
                m.insert("pair_id".into(), json!(c.pair_id));
                m.insert("contacted_on".into(), json!(c.contacted_on.to_string()));
                m.insert("mode".into(), json!(c.mode.word()));
                m.insert("reached".into(), json!(c.reached));
                m.insert("recorded_by".into(), json!(c.recorded_by));
                m.insert("created_at".into(), json!(c.created_at.to_rfc3339()));
                m.insert("notes".into(), Json::Array(notes.remove(&c.id).unwrap_or_default()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "pair_contacts", records });
        }

        // Their household as a neighbour who helps others.
        let records: Vec<Map<String, Json>> = helper::Entity::find()
            .filter(helper::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(helper::Column::Id)
            .all(store.conn())
            .await?
            .into_iter()
            .map(|h| {
                let mut m = Map::new();
                m.insert("id".into(), json!(h.id));
                m.insert("kind".into(), json!(h.kind.word()));
                m.insert("name".into(), json!(h.name));
                m.insert("organisation".into(), json!(h.organisation));
                m.insert("phone".into(), json!(h.phone));
                m.insert("active".into(), json!(h.active));
                m.insert("updated_at".into(), json!(h.updated_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "helpers", records });
        }
        Ok(out)
    })
}
