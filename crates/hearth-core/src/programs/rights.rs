//! The programs practice's part of residents' data rights. Its records of a person —
//! enrolments, attendance, certificates — hold no free text about them: only dates,
//! minutes, outcome codes and certificate numbers, which the program figures count and a
//! certificate's verification needs. Erasure therefore clears nothing here (the person's
//! name, which verification matches, goes with the registry's part); the rows stay so every
//! past report reads the same. The programs' own texts (descriptions, session topics) are
//! about the program, not the person.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value as Json, json};

use super::schedule::program_names;
use crate::entity::{attendance, certificate, enrolment, program_session, resident};
use crate::practice::{BoxFut, Erasure, SubjectSection};
use crate::store::Store;
use crate::word::Word;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

pub(super) fn erase<'a>(_tx: &'a DatabaseTransaction, _who: &'a Erasure) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move { Ok(Vec::new()) })
}

use crate::rights::json_date as date;

pub(super) fn subject<'a>(store: &'a Store, r: &'a resident::Model) -> BoxFut<'a, Vec<SubjectSection>> {
    Box::pin(async move {
        let mut out = Vec::new();

        let enrolments = enrolment::Entity::find()
            .filter(enrolment::Column::ResidentId.eq(r.id))
            .order_by_asc(enrolment::Column::JoinedOn)
            .order_by_asc(enrolment::Column::Id)
            .all(store.conn())
            .await?;
        let certificates = certificate::Entity::find()
            .filter(certificate::Column::ResidentId.eq(r.id))
            .order_by_asc(certificate::Column::IssuedOn)
            .order_by_asc(certificate::Column::Id)
            .all(store.conn())
            .await?;
        let mut marks = attendance::Entity::find()
            .filter(attendance::Column::ResidentId.eq(r.id))
            .order_by_asc(attendance::Column::Id)
            .all(store.conn())
            .await?;
        let session_ids: Vec<i64> = marks.iter().map(|a| a.session_id).collect();
        let mut sessions: HashMap<i64, program_session::Model> = HashMap::new();
        for chunk in session_ids.chunks(CHUNK) {
            for s in program_session::Entity::find()
                .filter(program_session::Column::Id.is_in(chunk.to_vec()))
                .all(store.conn())
                .await?
            {
                sessions.insert(s.id, s);
            }
        }
        let mut program_ids: Vec<i64> = enrolments
            .iter()
            .map(|e| e.program_id)
            .chain(certificates.iter().map(|c| c.program_id))
            .chain(sessions.values().map(|s| s.program_id))
            .collect();
        program_ids.sort_unstable();
        program_ids.dedup();
        let mut names: HashMap<i64, String> = HashMap::new();
        for chunk in program_ids.chunks(CHUNK) {
            names.extend(program_names(store, chunk).await?);
        }
        let program = |id: i64| json!(names.get(&id));

        let records: Vec<Map<String, Json>> = enrolments
            .into_iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("id".into(), json!(e.id));
                m.insert("program_id".into(), json!(e.program_id));
                m.insert("program".into(), program(e.program_id));
                m.insert("joined_on".into(), json!(e.joined_on.to_string()));
                m.insert("ended_on".into(), date(e.ended_on));
                m.insert("outcome".into(), json!(e.outcome.map(|o| o.word())));
                m.insert("created_at".into(), json!(e.created_at.to_rfc3339()));
                m.insert("updated_at".into(), json!(e.updated_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "enrolments", records });
        }

        // Oldest session first.
        marks.sort_by_key(|a| (sessions.get(&a.session_id).map(|s| s.held_on), a.id));
        let records: Vec<Map<String, Json>> = marks
            .into_iter()
            .map(|a| {
                let s = sessions.get(&a.session_id);
                let mut m = Map::new();
                m.insert("id".into(), json!(a.id));
                m.insert("session_id".into(), json!(a.session_id));
                m.insert("program_id".into(), json!(s.map(|s| s.program_id)));
                m.insert("program".into(), s.map(|s| program(s.program_id)).unwrap_or(Json::Null));
                m.insert("held_on".into(), date(s.map(|s| s.held_on)));
                m.insert("starts_at".into(), json!(s.map(|s| s.starts_at.clone())));
                m.insert("topic".into(), json!(s.and_then(|s| s.topic.clone())));
                m.insert("minutes".into(), json!(a.minutes));
                m.insert("marked_by".into(), json!(a.marked_by));
                m.insert("marked_at".into(), json!(a.marked_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "attendance", records });
        }

        let records: Vec<Map<String, Json>> = certificates
            .into_iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("id".into(), json!(c.id));
                m.insert("program_id".into(), json!(c.program_id));
                m.insert("program".into(), program(c.program_id));
                m.insert("number".into(), json!(c.number));
                m.insert("code".into(), json!(c.code));
                m.insert("sessions".into(), json!(c.sessions));
                m.insert("minutes".into(), json!(c.minutes));
                m.insert("issued_on".into(), json!(c.issued_on.to_string()));
                m.insert("issued_by".into(), json!(c.issued_by));
                m.insert("created_at".into(), json!(c.created_at.to_rfc3339()));
                m
            })
            .collect();
        if !records.is_empty() {
            out.push(SubjectSection { key: "certificates", records });
        }
        Ok(out)
    })
}
