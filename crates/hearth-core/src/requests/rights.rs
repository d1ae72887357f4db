//! The requests practice's part of residents' data rights. Erasure clears what was written
//! about their households' service requests: the description (to the tombstone, as it is
//! required) and the notes of each request's running log. Every request stays with its
//! kind, provider, status and dates — all that the request figures count and group by — so
//! every past report reads the same.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Map, Value as Json, json};

use crate::entity::{request, resident};
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
        let (mut requests, mut notes) = (0u64, 0u64);
        for chunk in who.households.chunks(CHUNK) {
            let ids: Vec<i64> = request::Entity::find()
                .select_only()
                .column(request::Column::Id)
                .filter(request::Column::HouseholdId.is_in(chunk.to_vec()))
                .into_tuple()
                .all(tx)
                .await?;
            requests += request::Entity::update_many()
                .col_expr(request::Column::Description, Expr::value(TOMBSTONE))
                // A change: a form opened before the erasure must not save over it.
                .col_expr(request::Column::UpdatedAt, Expr::value(now))
                .filter(request::Column::HouseholdId.is_in(chunk.to_vec()))
                .filter(request::Column::Description.ne(TOMBSTONE))
                .exec(tx)
                .await?
                .rows_affected;
            notes += crate::notes::blank(tx, EntityKind::ServiceRequest, &ids).await?;
        }
        crate::rights::count_fact(&mut facts, requests, "service requests cleared");
        crate::rights::count_fact(&mut facts, notes, "request notes cleared");
        Ok(facts)
    })
}

use crate::rights::json_date as date;

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();
        let rows = request::Entity::find()
            .filter(request::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(request::Column::OpenedOn)
            .order_by_asc(request::Column::Id)
            .all(store.conn())
            .await?;
        let ids: Vec<i64> = rows.iter().map(|x| x.id).collect();
        let mut notes = crate::notes::copies(store.conn(), EntityKind::ServiceRequest, &ids).await?;
        let records: Vec<Map<String, Json>> = rows
            .into_iter()
            .map(|x| {
                let mut m = Map::new();
                m.insert("id".into(), json!(x.id));
                m.insert("household_id".into(), json!(x.household_id));
                m.insert("kind".into(), json!(x.kind));
                m.insert("description".into(), json!(x.description));
                m.insert("provider".into(), json!(x.provider));
                m.insert("opened_on".into(), json!(x.opened_on.to_string()));
                m.insert("status".into(), json!(x.status.word()));
                m.insert("passed_on".into(), date(x.passed_on));
                m.insert("resolved_on".into(), date(x.resolved_on));
                m.insert("created_by".into(), json!(x.created_by));
                m.insert("created_at".into(), json!(x.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(x.updated_at.to_rfc3339()));
                m.insert("notes".into(), Json::Array(notes.remove(&x.id).unwrap_or_default()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "service_requests", records });
        }
        Ok(out)
    })
}
