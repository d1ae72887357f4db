//! Certificates of hours: issued only when a resident's attended minutes reach the program's
//! threshold, one per resident and program, with a unique number and a short verification
//! code. `/verify` answers an employer who has the number, the code and the holder's name,
//! and nothing else.

use chrono::Utc;
use rand::Rng;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::roll_call::totals;
use super::schedule::{load, program_names};
use crate::audit::{self, Action, Entry};
use crate::entity::{certificate, community, program, resident};
use crate::error::{CoreError, CoreResult};
use crate::policy::Actor;
use crate::record::{EntityKind, RecordRef};
use crate::store::{self, Store, map_unique};

/// Letters and digits that cannot be misread for one another on paper (no 0/O, 1/I/L).
const CODE_CHARS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..6).map(|_| char::from(CODE_CHARS[rng.random_range(0..CODE_CHARS.len())])).collect()
}

/// Issues the certificate of `resident_id` for `program_id`: refused (`below_threshold`,
/// with the minutes needed) until their attended minutes reach the threshold, and when the
/// program gives none. A second issue is a conflict (one per resident and program).
#[tracing::instrument(skip_all)]
pub async fn issue(
    store: &Store,
    actor: &Actor,
    program_id: i64,
    resident_id: Option<i64>,
) -> CoreResult<certificate::Model> {
    let p = load(store, actor, program_id).await?;
    let rid = resident_id.ok_or_else(|| CoreError::invalid("resident_id", "required"))?;
    let Some(threshold) = p.certificate_minutes else {
        return Err(CoreError::invalid("program_id", "no_certificates"));
    };
    let r = match crate::registry::residents::load(store, actor, rid).await {
        Ok(r) if r.community_id == p.community_id => r,
        Ok(_) | Err(CoreError::NotFound) => return Err(CoreError::invalid("resident_id", "no_such_resident")),
        Err(other) => return Err(other),
    };
    let tx = store.write().await?;
    let p: program::Model = store::locked::<program::Entity>(&tx, p.id).await?;
    let attended = totals(store, p.id).await?.into_iter().find(|x| x.resident_id == r.id);
    let (sessions, minutes) = attended.map_or((0, 0), |a| (a.sessions, a.minutes));
    if minutes < i64::from(threshold) {
        return Err(CoreError::Invalid(crate::error::FieldErrors(vec![crate::error::FieldError {
            field: "resident_id".into(),
            code: "below_threshold",
            arg: Some(i64::from(threshold)),
        }])));
    }
    if certificate::Entity::find()
        .filter(certificate::Column::ProgramId.eq(p.id))
        .filter(certificate::Column::ResidentId.eq(r.id))
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(CoreError::Conflict { field: "resident_id".into(), code: "certificate_exists" });
    }
    let slug = community::Entity::find_by_id(p.community_id).one(&tx).await?.map(|c| c.slug).unwrap_or_default();
    let today = chrono::Local::now().date_naive();
    // The number is made from the row's id, so it is unique without a counter to race on.
    let c = certificate::ActiveModel {
        community_id: Set(p.community_id),
        program_id: Set(p.id),
        resident_id: Set(r.id),
        number: Set(format!("pending-{}", uuid_like())),
        code: Set(new_code()),
        sessions: Set(i32::try_from(sessions).unwrap_or(i32::MAX)),
        minutes: Set(i32::try_from(minutes).unwrap_or(i32::MAX)),
        issued_on: Set(today),
        issued_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await
    .map_err(map_unique)?;
    let number = format!("{}-{}-{:05}", slug.to_uppercase(), today.format("%Y"), c.id);
    let mut a: certificate::ActiveModel = c.into();
    a.number = Set(number);
    let c = a.update(&tx).await.map_err(map_unique)?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Certificate, Some(c.id))
            .community(c.community_id)
            .summary(format!("program {}", p.id))
            .showed([RecordRef::new(EntityKind::Resident, r.id)]),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

fn uuid_like() -> String {
    let mut rng = rand::rng();
    format!("{:016x}", rng.random::<u64>())
}

/// A certificate with what its printed form shows.
#[derive(Clone, Debug)]
pub struct Printed {
    pub certificate: certificate::Model,
    pub program: program::Model,
    pub resident_name: String,
    pub community_name: String,
}

/// Reads a certificate (to print it); audited.
#[tracing::instrument(skip_all)]
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<Printed> {
    let c = certificate::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    let p = load(store, actor, c.program_id).await?;
    let r = crate::registry::residents::load(store, actor, c.resident_id).await?;
    let community_name =
        community::Entity::find_by_id(c.community_id).one(store.conn()).await?.map(|x| x.name).unwrap_or_default();
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Certificate, Some(c.id))
            .community(c.community_id)
            .showed([RecordRef::new(EntityKind::Resident, r.id)]),
    )
    .await?;
    Ok(Printed { certificate: c, program: p, resident_name: r.full_name, community_name })
}

/// The certificates of a program (for its page).
pub async fn of_program(store: &Store, program_id: i64) -> CoreResult<Vec<certificate::Model>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::ProgramId.eq(program_id))
        .order_by_asc(certificate::Column::Id)
        .all(store.conn())
        .await?)
}

/// A certificate with its holder's and program's names.
#[derive(Clone, Debug)]
pub struct Held {
    pub certificate: certificate::Model,
    pub resident_name: String,
    pub program_name: String,
}

async fn held(store: &Store, rows: Vec<certificate::Model>) -> CoreResult<Vec<Held>> {
    let names = program_names(store, &rows.iter().map(|c| c.program_id).collect::<Vec<_>>()).await?;
    let people =
        super::schedule::residents_by_id(store, &rows.iter().map(|c| c.resident_id).collect::<Vec<_>>()).await?;
    Ok(rows
        .into_iter()
        .map(|c| Held {
            resident_name: people.get(&c.resident_id).map(|p| p.0.clone()).unwrap_or_default(),
            program_name: names.get(&c.program_id).cloned().unwrap_or_default(),
            certificate: c,
        })
        .collect())
}

/// The certificates of a household's members (the caller checked the household's scope).
pub async fn of_household(store: &Store, household_id: i64) -> CoreResult<Vec<Held>> {
    let ids: Vec<i64> = resident::Entity::find()
        .filter(resident::Column::HouseholdId.eq(household_id))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = certificate::Entity::find().filter(certificate::Column::ResidentId.is_in(ids)).all(store.conn()).await?;
    held(store, rows).await
}

/// A resident's certificates (their page).
pub async fn of_resident(store: &Store, actor: &Actor, resident_id: i64) -> CoreResult<Vec<Held>> {
    if !crate::policy::allows(actor.role, crate::policy::Permission::RunPrograms) {
        return Ok(Vec::new());
    }
    let r = crate::registry::residents::load(store, actor, resident_id).await?;
    let rows = certificate::Entity::find().filter(certificate::Column::ResidentId.eq(r.id)).all(store.conn()).await?;
    held(store, rows).await
}

/// What `/verify` may say of a valid certificate: nothing about the holder beyond the name
/// the asker already typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub program_name: String,
    pub minutes: i32,
    pub issued_on: chrono::NaiveDate,
}

/// Names compared as people type them: case, spaces and the middle dot of transliterated
/// names do not matter.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    !a.trim().is_empty() && norm(a) == norm(b)
}

/// The public check: `Some` only when the number, the code and the holder's name all match.
/// Throttled like login by the caller's address (`auth::throttle`), so codes cannot be
/// guessed; a miss and a wrong name look the same. Audited as a read of the certificate.
#[tracing::instrument(skip_all)]
pub async fn verify(store: &Store, client: &str, number: &str, code: &str, name: &str) -> CoreResult<Option<Verified>> {
    // The sign-in throttle's counters, keyed by the certificate number: guessing the code of
    // one certificate is slowed wherever it comes from, and one address guessing many
    // numbers by its address counter (shared with sign-in).
    let key = format!("certificate:{}", number.trim().to_uppercase().chars().take(40).collect::<String>());
    crate::auth::throttle::check(store, &key, client).await?;
    let attempt = crate::auth::throttle::reserve(store, &key, client, false).await?;
    let found = certificate::Entity::find()
        .filter(certificate::Column::Number.eq(number.trim().to_uppercase()))
        .one(store.conn())
        .await?;
    let hit = match found {
        Some(c) if constant_eq(c.code.as_bytes(), code.trim().to_uppercase().as_bytes()) => {
            let holder = resident::Entity::find_by_id(c.resident_id).one(store.conn()).await?;
            holder.filter(|r| same_name(&r.full_name, name)).map(|_| c)
        }
        _ => None,
    };
    let Some(c) = hit else {
        return Ok(None);
    };
    crate::auth::throttle::succeeded(store, attempt).await?;
    let p = program::Entity::find_by_id(c.program_id).one(store.conn()).await?;
    audit::record(
        store,
        &Actor::anonymous(),
        Entry::new(Action::Read, EntityKind::Certificate, Some(c.id)).community(c.community_id).summary("verified"),
    )
    .await?;
    Ok(Some(Verified {
        program_name: p.map(|p| p.name).unwrap_or_default(),
        minutes: c.minutes,
        issued_on: c.issued_on,
    }))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
