//! Partner employers, the team's contact log with each, and referral agreements (with an
//! optional scan, its type told by its content, never by its name).
//!
//! A change is the whole record again: what was not sent is kept, the result is checked as a
//! new record would be, so one set of rules holds for forms and the API alike.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::{community_field, load, referenced};
use crate::audit::{self, Action, Entry};
use crate::entity::{agreement, agreement_scan, employer, employer_contact, opening};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

/// The largest scan accepted, in bytes (5 MB).
pub const MAX_SCAN_BYTES: usize = 5 * 1024 * 1024;

/// An employer as submitted (`POST`: community and name needed; `PATCH`: absent keeps a
/// field, empty clears it).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerInput {
    /// The community (slug); only on creation.
    #[schema(value_type = Option<String>)]
    pub community: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 200)]
    pub sector: Option<String>,
    #[schema(max_length = 400)]
    pub address: Option<String>,
    #[schema(max_length = 200)]
    pub contact_person: Option<String>,
    #[schema(max_length = 40)]
    pub contact_phone: Option<String>,
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

struct ValidEmployer {
    name: String,
    sector: Option<String>,
    address: Option<String>,
    contact_person: Option<String>,
    contact_phone: Option<String>,
    notes: Option<String>,
}

fn check_employer(e: &mut FieldErrors, i: &EmployerInput) -> Option<ValidEmployer> {
    let name = validate::required_text(e, "name", i.name.as_deref(), 200);
    let sector = validate::text(e, "sector", i.sector.as_deref(), 200);
    let address = validate::text(e, "address", i.address.as_deref(), 400);
    let contact_person = validate::text(e, "contact_person", i.contact_person.as_deref(), 200);
    let contact_phone = validate::phone(e, "contact_phone", i.contact_phone.as_deref());
    let notes = validate::text(e, "notes", i.notes.as_deref(), 4000);
    Some(ValidEmployer { name: name?, sector, address, contact_person, contact_phone, notes })
}

/// Creates a partner employer.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: EmployerInput) -> CoreResult<employer::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    let c = community_field(store, actor, &mut e, input.community.as_deref()).await?;
    let v = check_employer(&mut e, &input);
    e.into_result()?;
    let (Some(c), Some(v)) = (c, v) else { return Err(CoreError::Internal("validated employer".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let m = employer::ActiveModel {
        community_id: Set(c.id),
        name: Set(v.name),
        sector: Set(v.sector),
        address: Set(v.address),
        contact_person: Set(v.contact_person),
        contact_phone: Set(v.contact_phone),
        notes: Set(v.notes),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(&tx, actor, Entry::new(Action::Create, EntityKind::Employer, Some(m.id)).community(m.community_id))
        .await?;
    tx.commit().await?;
    Ok(m)
}

/// Changes an employer's details.
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: EmployerInput) -> CoreResult<employer::Model> {
    let cur = load::<employer::Entity>(store, actor, id).await?;
    let mut e = FieldErrors::new();
    if input.community.is_some() {
        e.add("community", "cannot_change");
    }
    let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let merged = EmployerInput {
        community: None,
        name: input.name.clone().or(Some(cur.name.clone())),
        sector: keep(&input.sector, &cur.sector),
        address: keep(&input.address, &cur.address),
        contact_person: keep(&input.contact_person, &cur.contact_person),
        contact_phone: keep(&input.contact_phone, &cur.contact_phone),
        notes: keep(&input.notes, &cur.notes),
        version: None,
    };
    let v = check_employer(&mut e, &merged);
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated employer".into())) };
    let tx = store.write().await?;
    let row: employer::Model = store::locked::<employer::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let mut a = row.into_active_model();
    a.name = Set(v.name);
    a.sector = Set(v.sector);
    a.address = Set(v.address);
    a.contact_person = Set(v.contact_person);
    a.contact_phone = Set(v.contact_phone);
    a.notes = Set(v.notes);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(&tx, actor, Entry::new(Action::Update, EntityKind::Employer, Some(m.id)).community(m.community_id))
        .await?;
    tx.commit().await?;
    Ok(m)
}

/// The employers of the actor's communities (of one, by slug), by name.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, community: Option<&str>) -> CoreResult<Vec<employer::Model>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut q = employer::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(employer::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(slug) = community.map(str::trim).filter(|s| !s.is_empty()) {
        let c = crate::registry::communities::by_slug(store, actor, slug).await?;
        q = q.filter(employer::Column::CommunityId.eq(c.id));
    }
    Ok(q.order_by_asc(employer::Column::Name).order_by_asc(employer::Column::Id).all(store.conn()).await?)
}

/// One line of the contact log, as submitted.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[schema(required = true, value_type = String, format = Date)]
    pub contacted_on: Option<String>,
    /// What was discussed.
    #[schema(required = true, value_type = String, max_length = 2000)]
    pub summary: Option<String>,
}

/// Adds a line to an employer's contact log (by the actor; not in the future).
#[tracing::instrument(skip_all)]
pub async fn add_contact(
    store: &Store,
    actor: &Actor,
    employer_id: i64,
    input: ContactInput,
) -> CoreResult<employer_contact::Model> {
    let emp = load::<employer::Entity>(store, actor, employer_id).await?;
    let mut e = FieldErrors::new();
    let on = validate::required_date(&mut e, "contacted_on", input.contacted_on.as_deref());
    if on.is_some_and(|d| d > chrono::Local::now().date_naive()) {
        e.add("contacted_on", "date_in_future");
    }
    let summary = validate::required_text(&mut e, "summary", input.summary.as_deref(), 2000);
    e.into_result()?;
    let (Some(on), Some(summary)) = (on, summary) else { return Err(CoreError::Internal("validated contact".into())) };
    let tx = store.write().await?;
    let m = employer_contact::ActiveModel {
        community_id: Set(emp.community_id),
        employer_id: Set(emp.id),
        contacted_on: Set(on),
        by_user_id: Set(actor.user_id),
        summary: Set(summary),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::EmployerContact, Some(m.id))
            .community(emp.community_id)
            .summary(format!("employer {}", emp.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// A line of the contact log with who made the contact.
#[derive(Clone, Debug)]
pub struct Contact {
    pub contact: employer_contact::Model,
    pub by: Option<String>,
}

/// An employer's contact log, newest first.
pub async fn contacts_of(store: &Store, actor: &Actor, employer_id: i64) -> CoreResult<Vec<Contact>> {
    let emp = load::<employer::Entity>(store, actor, employer_id).await?;
    let rows = employer_contact::Entity::find()
        .filter(employer_contact::Column::EmployerId.eq(emp.id))
        .order_by_desc(employer_contact::Column::ContactedOn)
        .order_by_desc(employer_contact::Column::Id)
        .all(store.conn())
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.by_user_id).collect();
    let names = crate::auth::users::names_by_id(store, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|c| Contact { by: c.by_user_id.and_then(|u| names.get(&u).cloned()), contact: c })
        .collect())
}

/// An employer's openings, open first, newest first.
pub async fn openings_of(store: &Store, actor: &Actor, employer_id: i64) -> CoreResult<Vec<opening::Model>> {
    let emp = load::<employer::Entity>(store, actor, employer_id).await?;
    let mut rows = opening::Entity::find()
        .filter(opening::Column::EmployerId.eq(emp.id))
        .order_by_desc(opening::Column::PostedOn)
        .order_by_desc(opening::Column::Id)
        .all(store.conn())
        .await?;
    rows.sort_by_key(|o| o.status != super::OpeningStatus::Open);
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Referral agreements

/// Whether an agreement holds on a day: from its signing to its last valid day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementState {
    InForce,
    Expired,
    /// Signed for a later start.
    NotYet,
}

impl AgreementState {
    pub fn of(a: &agreement::Model, on: NaiveDate) -> AgreementState {
        if a.signed_on > on {
            AgreementState::NotYet
        } else if a.valid_until.is_some_and(|u| u < on) {
            AgreementState::Expired
        } else {
            AgreementState::InForce
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgreementState::InForce => "in_force",
            AgreementState::Expired => "expired",
            AgreementState::NotYet => "not_yet",
        }
    }
}

/// An agreement as submitted (`POST`: employer, title and signing date needed; `PATCH`:
/// absent keeps a field, empty clears it).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    /// Only on creation.
    #[schema(value_type = Option<i64>)]
    pub employer_id: Option<i64>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<String>,
    /// The last day it holds; none: until ended.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<String>,
    #[schema(max_length = 8000)]
    pub terms: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

struct ValidAgreement {
    title: String,
    signed_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    terms: Option<String>,
}

fn check_agreement(e: &mut FieldErrors, i: &AgreementInput) -> Option<ValidAgreement> {
    let title = validate::required_text(e, "title", i.title.as_deref(), 200);
    let signed_on = validate::required_date(e, "signed_on", i.signed_on.as_deref());
    let valid_until = validate::date(e, "valid_until", i.valid_until.as_deref());
    if let (Some(s), Some(u)) = (signed_on, valid_until)
        && u < s
    {
        e.add("valid_until", "date_before_start");
    }
    let terms = validate::text(e, "terms", i.terms.as_deref(), 8000);
    Some(ValidAgreement { title: title?, signed_on: signed_on?, valid_until, terms })
}

/// Records a referral agreement with an employer.
#[tracing::instrument(skip_all)]
pub async fn create_agreement(store: &Store, actor: &Actor, input: AgreementInput) -> CoreResult<agreement::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    if input.employer_id.is_none() {
        e.add("employer_id", "required");
    }
    let emp = referenced::<employer::Entity>(store, &mut e, "employer_id", "unknown_employer", input.employer_id, None)
        .await?
        .filter(|m| actor.sees_community(m.community_id));
    if input.employer_id.is_some() && emp.is_none() && !e.0.iter().any(|x| x.field == "employer_id") {
        e.add("employer_id", "unknown_employer");
    }
    let v = check_agreement(&mut e, &input);
    e.into_result()?;
    let (Some(emp), Some(v)) = (emp, v) else { return Err(CoreError::Internal("validated agreement".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let m = agreement::ActiveModel {
        community_id: Set(emp.community_id),
        employer_id: Set(emp.id),
        title: Set(v.title),
        signed_on: Set(v.signed_on),
        valid_until: Set(v.valid_until),
        terms: Set(v.terms),
        scan_name: Set(None),
        scan_type: Set(None),
        scan_size: Set(None),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Create, EntityKind::Agreement, Some(m.id))
            .community(m.community_id)
            .summary(format!("employer {}", emp.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Changes an agreement (title, dates, terms).
#[tracing::instrument(skip_all)]
pub async fn update_agreement(
    store: &Store,
    actor: &Actor,
    id: i64,
    input: AgreementInput,
) -> CoreResult<agreement::Model> {
    let cur = load::<agreement::Entity>(store, actor, id).await?;
    let mut e = FieldErrors::new();
    if input.employer_id.is_some_and(|x| x != cur.employer_id) {
        e.add("employer_id", "cannot_change");
    }
    let merged = AgreementInput {
        employer_id: None,
        title: input.title.clone().or(Some(cur.title.clone())),
        signed_on: input.signed_on.clone().or(Some(cur.signed_on.to_string())),
        valid_until: input.valid_until.clone().or(cur.valid_until.map(|d| d.to_string())),
        terms: input.terms.clone().or(cur.terms.clone()),
        version: None,
    };
    let v = check_agreement(&mut e, &merged);
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated agreement".into())) };
    let tx = store.write().await?;
    let row: agreement::Model = store::locked::<agreement::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let mut a = row.into_active_model();
    a.title = Set(v.title);
    a.signed_on = Set(v.signed_on);
    a.valid_until = Set(v.valid_until);
    a.terms = Set(v.terms);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(&tx, actor, Entry::new(Action::Update, EntityKind::Agreement, Some(m.id)).community(m.community_id))
        .await?;
    tx.commit().await?;
    Ok(m)
}

/// Agreements of the actor's communities, or of one employer; newest signed first.
#[tracing::instrument(skip_all)]
pub async fn agreements(store: &Store, actor: &Actor, employer_id: Option<i64>) -> CoreResult<Vec<agreement::Model>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut q = agreement::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(agreement::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(emp) = employer_id {
        q = q.filter(agreement::Column::EmployerId.eq(emp));
    }
    Ok(q.order_by_desc(agreement::Column::SignedOn).order_by_desc(agreement::Column::Id).all(store.conn()).await?)
}

/// The type of a scan by its first bytes: PDF, JPEG or PNG, else `None` (a renamed
/// program, a Word file, …).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// A file name safe to offer back in `Content-Disposition`: its last path part, printable
/// ASCII letters, digits, `.-_` only (others become `_`), at most 100 characters, and the
/// extension its type has.
pub(crate) fn safe_name(name: Option<&str>, content_type: &str) -> String {
    let ext = match content_type {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        _ => "png",
    };
    let base = name.unwrap_or_default().rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let clean: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(100)
        .collect();
    let clean = if clean.trim_matches('_').is_empty() { "agreement".to_owned() } else { clean };
    format!("{clean}.{ext}")
}

/// Attaches (or replaces) an agreement's scan. Nothing is stored unless it is a PDF, JPEG
/// or PNG by its content and at most 5 MB.
#[tracing::instrument(skip_all)]
pub async fn attach_scan(
    store: &Store,
    actor: &Actor,
    agreement_id: i64,
    file_name: Option<&str>,
    bytes: Vec<u8>,
) -> CoreResult<agreement::Model> {
    let cur = load::<agreement::Entity>(store, actor, agreement_id).await?;
    let mut e = FieldErrors::new();
    if bytes.is_empty() {
        e.add("scan", "required");
    } else if bytes.len() > MAX_SCAN_BYTES {
        e.add_arg("scan", "file_too_large", 5);
    }
    let kind = sniff(&bytes);
    if !bytes.is_empty() && bytes.len() <= MAX_SCAN_BYTES && kind.is_none() {
        e.add("scan", "file_type");
    }
    e.into_result()?;
    let Some(kind) = kind else { return Err(CoreError::Internal("validated scan".into())) };
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let now = Utc::now();
    let tx = store.write().await?;
    let row: agreement::Model = store::locked::<agreement::Entity>(&tx, cur.id).await?;
    agreement_scan::Entity::delete_by_id(row.id).exec(&tx).await?;
    agreement_scan::ActiveModel { agreement_id: Set(row.id), bytes: Set(bytes), uploaded_at: Set(now) }
        .insert(&tx)
        .await?;
    let mut a = row.into_active_model();
    a.scan_name = Set(Some(safe_name(file_name, kind)));
    a.scan_type = Set(Some(kind.to_owned()));
    a.scan_size = Set(Some(size));
    a.updated_at = Set(now);
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Agreement, Some(m.id))
            .community(m.community_id)
            .summary(format!("scan attached: {kind}, {size} bytes")),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// An agreement's scan: (file name, content type, bytes); the download is audited.
#[tracing::instrument(skip_all)]
pub async fn scan(store: &Store, actor: &Actor, agreement_id: i64) -> CoreResult<(String, String, Vec<u8>)> {
    let a = load::<agreement::Entity>(store, actor, agreement_id).await?;
    let (Some(name), Some(kind)) = (a.scan_name.clone(), a.scan_type.clone()) else {
        return Err(CoreError::NotFound);
    };
    let s = agreement_scan::Entity::find_by_id(a.id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Agreement, Some(a.id)).community(a.community_id).summary("scan"),
    )
    .await?;
    Ok((name, kind, s.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_known_by_content_and_named_safely() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
        assert_eq!(safe_name(Some("../../协议 scan.exe"), "application/pdf"), "___scan.pdf");
        assert_eq!(safe_name(Some("协议.png"), "image/png"), "agreement.png");
        assert_eq!(safe_name(None, "image/jpeg"), "agreement.jpg");
    }
}
