//! The registry's part of residents' data rights. Erasure replaces a person's name with
//! the tombstone and clears every other field about them (contact, birth date, languages,
//! skills, needs, notes, ledger id), and a household's code, address and contact, and
//! deletes their search terms and consent notes. The rows themselves stay, with the
//! community, the household link and the moving dates that the registry's figures count,
//! so every past report reads the same.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Value};
use serde_json::{Map, Value as Json, json};

use crate::entity::{consent, household, resident};
use crate::practice::{BoxFut, Erasure, SubjectSection};
use crate::store::Store;

/// What an erased name reads as.
pub const TOMBSTONE: &str = "—";

pub(super) fn erase<'a>(tx: &'a DatabaseTransaction, who: &'a Erasure) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let mut facts = Vec::new();
        let null = |v: Value| Expr::value(v);
        let mut people = 0u64;
        for chunk in who.residents.chunks(500) {
            people += resident::Entity::update_many()
                .col_expr(resident::Column::FullName, Expr::value(TOMBSTONE))
                .col_expr(resident::Column::Sex, null(Value::String(None)))
                .col_expr(resident::Column::Relationship, null(Value::String(None)))
                .col_expr(resident::Column::BirthDate, null(Value::ChronoDate(None)))
                .col_expr(resident::Column::Phone, null(Value::String(None)))
                .col_expr(resident::Column::LanguagesSpoken, null(Value::String(None)))
                .col_expr(resident::Column::LanguagesToLearn, null(Value::String(None)))
                .col_expr(resident::Column::EducationLevel, null(Value::String(None)))
                .col_expr(resident::Column::WorkStatus, null(Value::String(None)))
                .col_expr(resident::Column::Skills, null(Value::String(None)))
                .col_expr(resident::Column::Needs, null(Value::String(None)))
                .col_expr(resident::Column::Notes, null(Value::String(None)))
                .col_expr(resident::Column::ExternalId, null(Value::String(None)))
                .filter(resident::Column::Id.is_in(chunk.to_vec()))
                .exec(tx)
                .await?
                .rows_affected;
            tx.execute(
                &Query::delete()
                    .from_table("resident_search_terms")
                    .and_where(Expr::col("resident_id").is_in(chunk.to_vec()))
                    .to_owned(),
            )
            .await?;
        }
        crate::rights::count_fact(&mut facts, people, "residents");
        let mut homes = 0u64;
        for id in &who.households {
            homes += household::Entity::update_many()
                // Codes are unique in a community: the erased one keeps its own.
                .col_expr(household::Column::Code, Expr::value(format!("{TOMBSTONE}{id}")))
                .col_expr(household::Column::Address, Expr::value(TOMBSTONE))
                .col_expr(household::Column::Building, null(Value::String(None)))
                .col_expr(household::Column::Unit, null(Value::String(None)))
                .col_expr(household::Column::Phone, null(Value::String(None)))
                .col_expr(household::Column::Notes, null(Value::String(None)))
                .filter(household::Column::Id.eq(*id))
                .exec(tx)
                .await?
                .rows_affected;
        }
        for chunk in who.households.chunks(500) {
            tx.execute(
                &Query::delete()
                    .from_table("household_search_terms")
                    .and_where(Expr::col("household_id").is_in(chunk.to_vec()))
                    .to_owned(),
            )
            .await?;
            // Consent stays (the figures count it); who gave it and the notes go.
            consent::Entity::update_many()
                .col_expr(consent::Column::GivenBy, Expr::value(TOMBSTONE))
                .col_expr(consent::Column::Notes, null(Value::String(None)))
                .filter(consent::Column::HouseholdId.is_in(chunk.to_vec()))
                .exec(tx)
                .await?;
        }
        crate::rights::count_fact(&mut facts, homes, "households");
        Ok(facts)
    })
}

use crate::rights::json_date as date;

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();
        let mut me = Map::new();
        me.insert("id".into(), json!(r.id));
        me.insert("household_id".into(), json!(r.household_id));
        me.insert("full_name".into(), json!(r.full_name));
        me.insert("external_id".into(), json!(r.external_id));
        me.insert("sex".into(), json!(r.sex));
        me.insert("relationship".into(), json!(r.relationship));
        me.insert("birth_date".into(), date(r.birth_date));
        me.insert("phone".into(), json!(r.phone));
        me.insert("languages_spoken".into(), json!(r.languages_spoken));
        me.insert("languages_to_learn".into(), json!(r.languages_to_learn));
        me.insert("education_level".into(), json!(r.education_level));
        me.insert("work_status".into(), json!(r.work_status));
        me.insert("skills".into(), json!(r.skills));
        me.insert("needs".into(), json!(r.needs));
        me.insert("notes".into(), json!(r.notes));
        me.insert("created_at".into(), json!(r.created_at.to_rfc3339()));
        me.insert("updated_at".into(), json!(r.updated_at.to_rfc3339()));
        out.push(SubjectSection { key: "resident", records: vec![me] });
        if let Some(h) = household::Entity::find_by_id(r.household_id).one(store.conn()).await? {
            let mut m = Map::new();
            m.insert("id".into(), json!(h.id));
            m.insert("code".into(), json!(h.code));
            m.insert("address".into(), json!(h.address));
            m.insert("building".into(), json!(h.building));
            m.insert("unit".into(), json!(h.unit));
            m.insert("phone".into(), json!(h.phone));
            m.insert("moved_in_on".into(), date(h.moved_in_on));
            m.insert("moved_out_on".into(), date(h.moved_out_on));
            m.insert("notes".into(), json!(h.notes));
            out.push(SubjectSection { key: "household", records: vec![m] });
        }
        let members: Vec<Map<String, Json>> = resident::Entity::find()
            .filter(resident::Column::HouseholdId.eq(r.household_id))
            .filter(resident::Column::Id.ne(r.id))
            .order_by_asc(resident::Column::Id)
            .all(store.conn())
            .await?
            .into_iter()
            .map(|m| {
                let mut o = Map::new();
                o.insert("id".into(), json!(m.id));
                o.insert("full_name".into(), json!(m.full_name));
                o.insert("relationship".into(), json!(m.relationship));
                o
            })
            .collect();
        if !members.is_empty() {
            out.push(SubjectSection { key: "household_members", records: members });
        }
        let consents: Vec<Map<String, Json>> = consent::Entity::find()
            .filter(consent::Column::HouseholdId.eq(r.household_id))
            .order_by_asc(consent::Column::Id)
            .all(store.conn())
            .await?
            .into_iter()
            .map(|c| {
                let mut o = Map::new();
                o.insert("id".into(), json!(c.id));
                o.insert("given_by".into(), json!(c.given_by));
                o.insert("given_on".into(), json!(c.given_on.to_string()));
                o.insert("scope_services".into(), json!(c.scope_services));
                o.insert("scope_contact".into(), json!(c.scope_contact));
                o.insert("scope_partners".into(), json!(c.scope_partners));
                o.insert("withdrawn_on".into(), date(c.withdrawn_on));
                o.insert("notes".into(), json!(c.notes));
                o
            })
            .collect();
        if !consents.is_empty() {
            out.push(SubjectSection { key: "consent", records: consents });
        }
        Ok(out)
    })
}
