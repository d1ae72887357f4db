//! Residents' rights over their data, one mechanism for every practice:
//!
//! - **A copy of their data** (subject access): everything hearth holds about one resident
//!   — registry, consent, and each practice's records about them or their household
//!   (`Practice::subject`) — and who viewed or changed their record (the audit trail). A
//!   coordinator produces it on the resident's request; each copy is audited.
//! - **Erasure** on request: personal fields become the tombstone and free text about them
//!   goes (`Practice::erase`), attachments are deleted, uploads that held them are
//!   cleared; the rows aggregates count stay, so every past report figure is unchanged.
//!   The audit log keeps that it happened, by whom and why, and no personal value. It needs
//!   a coordinator and a reason, and cannot be undone.
//!
//! On SQLite the writer deletes securely (`secure_delete`) and the erasure ends with a WAL
//! checkpoint, so the erased values are gone from the database file itself.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

use crate::audit::{self, Action, Entry};
use crate::entity::{audit_log, audit_record, community, household, import, note, resident};
use crate::error::{CoreError, CoreResult};
use crate::policy::{Actor, Permission};
use crate::practice::{Erasure, PRACTICES, SubjectSection};
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;

pub use crate::registry::rights::TOMBSTONE;

/// A date in a copy of someone's data: ISO, or null.
pub fn json_date(d: Option<chrono::NaiveDate>) -> serde_json::Value {
    d.map(|d| serde_json::json!(d.to_string())).unwrap_or(serde_json::Value::Null)
}

/// One fact of an erasure for its audit entry ("3 visit notes cleared"), when there is one.
pub fn count_fact(facts: &mut Vec<String>, n: u64, what: &str) {
    if n > 0 {
        facts.push(format!("{n} {what}"));
    }
}

/// One line of the audit trail in a copy: when, who, what.
#[derive(Clone, Debug, Serialize)]
pub struct Trail {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
}

/// A resident's copy of their data.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectCopy {
    pub made_at: String,
    pub community: String,
    pub sections: Vec<SubjectSection>,
    /// Who viewed or changed their record (and their household's), oldest first.
    pub trail: Vec<Trail>,
}

/// The copy of everything hearth holds about resident `id`, audited as an export of them.
pub async fn subject_copy(store: &Store, actor: &Actor, id: i64) -> CoreResult<SubjectCopy> {
    actor.require(Permission::HandleDataRequests)?;
    let r = resident::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(r.community_id) {
        return Err(CoreError::NotFound);
    }
    let c = community::Entity::find_by_id(r.community_id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let mut sections = Vec::new();
    for p in PRACTICES {
        if let Some(f) = p.subject {
            sections.extend(f(store, &r).await?);
        }
    }
    let notes = note::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(note::Column::Entity.eq("resident"))
                        .add(note::Column::EntityId.eq(r.id)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(note::Column::Entity.eq("household"))
                        .add(note::Column::EntityId.eq(r.household_id)),
                ),
        )
        .order_by_asc(note::Column::Id)
        .all(store.conn())
        .await?;
    if !notes.is_empty() {
        let records = notes
            .into_iter()
            .map(|n| {
                let mut m = serde_json::Map::new();
                m.insert("id".into(), serde_json::json!(n.id));
                m.insert("about".into(), serde_json::json!(n.entity));
                m.insert("written_at".into(), serde_json::json!(n.written_at.to_rfc3339()));
                m.insert("body".into(), serde_json::json!(n.body));
                m
            })
            .collect();
        sections.push(SubjectSection { key: "notes", records });
    }
    let trail = trail(store, &r).await?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Export, EntityKind::Resident, Some(r.id))
            .community(r.community_id)
            .summary("copy of their data, on their request"),
    )
    .await?;
    Ok(SubjectCopy { made_at: Utc::now().to_rfc3339(), community: c.name, sections, trail })
}

/// Entries naming the resident or their household, directly or among what a list showed.
async fn trail(store: &Store, r: &resident::Model) -> CoreResult<Vec<Trail>> {
    let refs = [("resident", r.id), ("household", r.household_id)];
    let mut ids: Vec<i64> = Vec::new();
    let mut shown: Vec<(i64, i64)> = Vec::new();
    for (entity, id) in refs {
        ids.extend(
            audit_log::Entity::find()
                .select_only()
                .column(audit_log::Column::Id)
                .filter(audit_log::Column::Entity.eq(entity))
                .filter(audit_log::Column::EntityId.eq(id))
                .into_tuple::<i64>()
                .all(store.conn())
                .await?,
        );
        shown.extend(
            audit_record::Entity::find()
                .select_only()
                .column(audit_record::Column::Chain)
                .column(audit_record::Column::Seq)
                .filter(audit_record::Column::Entity.eq(entity))
                .filter(audit_record::Column::EntityId.eq(id))
                .into_tuple::<(i64, i64)>()
                .all(store.conn())
                .await?,
        );
    }
    let mut by_chain: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
    for (chain, seq) in shown {
        by_chain.entry(chain).or_default().push(seq);
    }
    for (chain, seqs) in by_chain {
        for chunk in seqs.chunks(500) {
            ids.extend(
                audit_log::Entity::find()
                    .select_only()
                    .column(audit_log::Column::Id)
                    .filter(audit_log::Column::Chain.eq(chain))
                    .filter(audit_log::Column::Seq.is_in(chunk.to_vec()))
                    .into_tuple::<i64>()
                    .all(store.conn())
                    .await?,
            );
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        for e in audit_log::Entity::find()
            .filter(audit_log::Column::Id.is_in(chunk.to_vec()))
            .order_by_asc(audit_log::Column::Id)
            .all(store.conn())
            .await?
        {
            out.push(Trail {
                at: e.at.to_rfc3339(),
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
            });
        }
    }
    Ok(out)
}

/// What to erase: one resident, or a household with everyone in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Resident(i64),
    Household(i64),
}

/// The community of what would be erased, if the actor may erase there (else 403 or 404).
pub async fn check_target(store: &Store, actor: &Actor, target: Target) -> CoreResult<i64> {
    actor.require(Permission::HandleDataRequests)?;
    let community = match target {
        Target::Resident(id) => resident::Entity::find_by_id(id).one(store.conn()).await?.map(|r| r.community_id),
        Target::Household(id) => household::Entity::find_by_id(id).one(store.conn()).await?.map(|h| h.community_id),
    };
    match community {
        Some(c) if actor.sees_community(c) => Ok(c),
        _ => Err(CoreError::NotFound),
    }
}

/// Erases `target` for `reason` (required). Irreversible: the caller has asked the worker
/// to confirm. Returns the facts recorded in the audit entry.
pub async fn erase(store: &Store, actor: &Actor, target: Target, reason: &str) -> CoreResult<Vec<String>> {
    check_target(store, actor, target).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::invalid("reason", "required"));
    }
    if reason.chars().count() > 500 {
        let mut e = crate::FieldErrors::new();
        e.add_arg("reason", "too_long", 500);
        return Err(CoreError::Invalid(e));
    }
    let (community_id, who, entity, id) = match target {
        Target::Resident(id) => {
            let r = resident::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
            (r.community_id, Erasure { households: vec![], residents: vec![r.id] }, EntityKind::Resident, id)
        }
        Target::Household(id) => {
            let h = household::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
            let members: Vec<i64> = resident::Entity::find()
                .select_only()
                .column(resident::Column::Id)
                .filter(resident::Column::HouseholdId.eq(h.id))
                .into_tuple()
                .all(store.conn())
                .await?;
            (h.community_id, Erasure { households: vec![h.id], residents: members }, EntityKind::Household, id)
        }
    };
    if !actor.sees_community(community_id) {
        return Err(CoreError::NotFound);
    }
    let names: Vec<String> = resident::Entity::find()
        .select_only()
        .column(resident::Column::FullName)
        .filter(resident::Column::Id.is_in(who.residents.clone()))
        .into_tuple()
        .all(store.conn())
        .await?;
    let tx = store.write().await?;
    let mut facts = Vec::new();
    for p in PRACTICES {
        if let Some(f) = p.erase {
            facts.extend(f(&tx, &who).await?);
        }
    }
    // Notes written about them.
    let mut notes = 0u64;
    for (kind, ids) in [("resident", &who.residents), ("household", &who.households)] {
        for chunk in ids.chunks(500) {
            notes += note::Entity::delete_many()
                .filter(note::Column::Entity.eq(kind))
                .filter(note::Column::EntityId.is_in(chunk.to_vec()))
                .exec(&tx)
                .await?
                .rows_affected;
        }
    }
    if notes > 0 {
        facts.push(format!("{notes} notes deleted"));
    }
    // Uploads still holding a ledger with their name (in any encoding hearth reads) lose
    // the file and its report.
    let uploads = import::Entity::find().filter(import::Column::CommunityId.eq(community_id)).all(&tx).await?;
    let mut cleared = 0u64;
    for u in uploads {
        let holds = names.iter().filter(|n| n.chars().count() >= 2 && n.as_str() != TOMBSTONE).any(|n| {
            let utf8 = n.as_bytes();
            let (gbk, _, _) = encoding_rs::GB18030.encode(n);
            let utf16: Vec<u8> = n.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let report = u.report.as_deref().unwrap_or_default().as_bytes();
            [utf8, &gbk[..], &utf16[..]].iter().any(|needle| contains(&u.content, needle)) || contains(report, utf8)
        });
        if holds {
            let mut a: import::ActiveModel = u.into();
            a.content = Set(Vec::new());
            a.report = Set(None);
            a.status = Set(crate::import::uploads::FAILED.to_owned());
            a.updated_at = Set(Utc::now());
            sea_orm::ActiveModelTrait::update(a, &tx).await?;
            cleared += 1;
        }
    }
    if cleared > 0 {
        facts.push(format!("{cleared} uploads cleared"));
    }
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Erase, entity, Some(id))
            .community(community_id)
            .summary(format!("erased on request ({}): {}", reason_note(reason), facts.join(", ")))
            .showed(who.residents.iter().map(|r| RecordRef::new(EntityKind::Resident, *r))),
    )
    .await?;
    tx.commit().await?;
    // The old values must not linger in the write-ahead log either.
    if store.backend() == sea_orm::DbBackend::Sqlite {
        store.writer().execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    Ok(facts)
}

/// The reason as the audit log keeps it. It is the worker's words; the form asks them not
/// to write personal details there.
fn reason_note(reason: &str) -> String {
    reason.chars().take(500).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Retention: how long a community keeps the records of households that moved out, the
/// review list of those past it, and erasing them after review. The setting is the
/// coordinator's; nothing is erased until someone has looked at the list and confirmed.
pub mod retention {
    use chrono::{Datelike, NaiveDate, Utc};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

    use super::{TOMBSTONE, Target};
    use crate::audit::{self, Action, Entry};
    use crate::entity::{community, household, retention};
    use crate::error::{CoreError, CoreResult};
    use crate::policy::{Actor, Permission};
    use crate::record::EntityKind;
    use crate::store::Store;

    /// A household past the retention period.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Due {
        pub household_id: i64,
        pub code: String,
        pub moved_out_on: NaiveDate,
    }

    async fn community(store: &Store, actor: &Actor, slug: &str) -> CoreResult<community::Model> {
        actor.require(Permission::HandleDataRequests)?;
        crate::registry::communities::by_slug(store, actor, slug)
            .await
            .map_err(|_| CoreError::invalid("community", "unknown_community"))
    }

    /// The community's period in years, if it has set one.
    pub async fn years(store: &Store, actor: &Actor, slug: &str) -> CoreResult<(community::Model, Option<i32>)> {
        let c = community(store, actor, slug).await?;
        let years = retention::Entity::find_by_id(c.id).one(store.conn()).await?.map(|r| r.years);
        Ok((c, years))
    }

    /// Sets (1–50 years) or clears the period; audited.
    pub async fn set(store: &Store, actor: &Actor, slug: &str, years: Option<&str>) -> CoreResult<Option<i32>> {
        let c = community(store, actor, slug).await?;
        let years = match years.map(str::trim).filter(|y| !y.is_empty()) {
            None => None,
            Some(y) => match y.parse::<i32>() {
                Ok(n) if (1..=50).contains(&n) => Some(n),
                _ => return Err(CoreError::invalid("years", "invalid_years")),
            },
        };
        let tx = store.write().await?;
        retention::Entity::delete_by_id(c.id).exec(&tx).await?;
        if let Some(n) = years {
            retention::Entity::insert(retention::ActiveModel {
                community_id: Set(c.id),
                years: Set(n),
                updated_by: Set(actor.user_id),
                updated_at: Set(Utc::now()),
            })
            .exec(&tx)
            .await?;
        }
        let what = years.map(|n| format!("retention: {n} years after moving out")).unwrap_or("retention: none".into());
        audit::append(
            &tx,
            actor,
            Entry::new(Action::Update, EntityKind::Community, Some(c.id)).community(c.id).summary(what),
        )
        .await?;
        tx.commit().await?;
        Ok(years)
    }

    /// The last day a household that moved out on `moved_out` is kept: `years` whole years
    /// later (29 February counts to 28 February in a common year).
    pub fn kept_until(moved_out: NaiveDate, years: i32) -> NaiveDate {
        let y = moved_out.year() + years;
        NaiveDate::from_ymd_opt(y, moved_out.month(), moved_out.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, moved_out.month(), 28))
            .unwrap_or(moved_out)
    }

    /// Households of the community that moved out more than its period before `today`, and
    /// are not erased yet, oldest first. Empty when no period is set. The list shows codes,
    /// not people: no audit row.
    pub async fn review(store: &Store, actor: &Actor, slug: &str, today: NaiveDate) -> CoreResult<Vec<Due>> {
        let (c, years) = years(store, actor, slug).await?;
        let Some(years) = years else { return Ok(Vec::new()) };
        let rows = household::Entity::find()
            .filter(household::Column::CommunityId.eq(c.id))
            .filter(household::Column::MovedOutOn.is_not_null())
            .filter(household::Column::MovedOutOn.lt(today))
            .order_by_asc(household::Column::MovedOutOn)
            .order_by_asc(household::Column::Id)
            .all(store.conn())
            .await?;
        Ok(rows
            .into_iter()
            .filter(|h| !h.code.starts_with(TOMBSTONE))
            .filter_map(|h| {
                let out = h.moved_out_on?;
                (kept_until(out, years) < today).then_some(Due { household_id: h.id, code: h.code, moved_out_on: out })
            })
            .collect())
    }

    /// Erases every household on today's review list (each as a household erasure, with the
    /// reason naming the retention period). The number erased.
    pub async fn erase_due(store: &Store, actor: &Actor, slug: &str, today: NaiveDate) -> CoreResult<usize> {
        let (_, years) = years(store, actor, slug).await?;
        let due = review(store, actor, slug, today).await?;
        let reason = format!("retention period of {} years after moving out", years.unwrap_or_default());
        for d in &due {
            super::erase(store, actor, Target::Household(d.household_id), &reason).await?;
        }
        Ok(due.len())
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used)]
        use super::*;

        #[test]
        fn kept_until_counts_whole_years() {
            let d = |s: &str| s.parse::<NaiveDate>().unwrap();
            assert_eq!(kept_until(d("2010-03-31"), 6), d("2016-03-31"));
            assert_eq!(kept_until(d("2016-02-29"), 6), d("2022-02-28"));
            assert_eq!(kept_until(d("2016-02-29"), 4), d("2020-02-29"));
        }
    }
}
