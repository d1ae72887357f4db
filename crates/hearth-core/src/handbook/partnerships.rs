//! Partnership agreements: with another team, an organisation, or between members. Each has
//! its parties (one a line), title, signing day, last valid day, text, and an optional scan
//! handled exactly as the jobs agreements' scans are (`jobs::employers::sniff`: PDF, JPEG or
//! PNG by content, at most 5 MB, stored in its own table, offered back as an attachment under
//! a cleaned name).

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::community_field;
use crate::audit::{self, Action, Entry};
use crate::entity::{partnership, partnership_scan};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::jobs::employers::{MAX_SCAN_BYTES, safe_name, sniff};
use crate::policy::{Actor, Permission};
use crate::record::EntityKind;
use crate::store::{self, Store};
use crate::validate;

pub use crate::jobs::employers::AgreementState as PartnershipState;

/// Whether an agreement holds on a day: from its signing to its last valid day.
pub fn state(p: &partnership::Model, on: NaiveDate) -> PartnershipState {
    if p.signed_on > on {
        PartnershipState::NotYet
    } else if p.valid_until.is_some_and(|u| u < on) {
        PartnershipState::Expired
    } else {
        PartnershipState::InForce
    }
}

/// An agreement as submitted (`POST`: community, parties, title and signing day needed;
/// `PATCH`: absent keeps a field, empty clears it).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnershipInput {
    /// The community (slug); only on creation.
    #[schema(value_type = Option<String>)]
    pub community: Option<String>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// The parties, one a line (another team, an organisation, members).
    #[schema(max_length = 2000)]
    pub parties: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub signed_on: Option<String>,
    /// The last day it holds; none: until ended.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<String>,
    #[schema(max_length = 20000)]
    pub text: Option<String>,
    #[serde(skip)]
    pub version: Option<String>,
}

struct Valid {
    title: String,
    parties: String,
    signed_on: NaiveDate,
    valid_until: Option<NaiveDate>,
    text: Option<String>,
}

fn check(e: &mut FieldErrors, i: &PartnershipInput) -> Option<Valid> {
    let title = validate::required_text(e, "title", i.title.as_deref(), 200);
    let parties = validate::required_text(e, "parties", i.parties.as_deref(), 2000)
        .map(|p| p.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n"));
    let signed_on = validate::required_date(e, "signed_on", i.signed_on.as_deref());
    let valid_until = validate::date(e, "valid_until", i.valid_until.as_deref());
    if let (Some(s), Some(u)) = (signed_on, valid_until)
        && u < s
    {
        e.add("valid_until", "date_before_start");
    }
    let text = validate::text(e, "text", i.text.as_deref(), 20000).map(|t| super::documents::unix_lines(&t));
    Some(Valid { title: title?, parties: parties?, signed_on: signed_on?, valid_until, text })
}

/// One agreement, if the actor may read its community's agreements.
pub async fn get(store: &Store, actor: &Actor, id: i64) -> CoreResult<partnership::Model> {
    actor.require(Permission::ReadPartnerships)?;
    let m = partnership::Entity::find_by_id(id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    if !actor.sees_community(m.community_id) {
        return Err(CoreError::NotFound);
    }
    Ok(m)
}

/// Records an agreement.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: PartnershipInput) -> CoreResult<partnership::Model> {
    actor.require(Permission::EditPartnerships)?;
    let mut e = FieldErrors::new();
    let c = community_field(store, actor, &mut e, input.community.as_deref()).await?;
    let v = check(&mut e, &input);
    e.into_result()?;
    let (Some(c), Some(v)) = (c, v) else { return Err(CoreError::Internal("validated partnership".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let m = partnership::ActiveModel {
        community_id: Set(c.id),
        title: Set(v.title),
        parties: Set(v.parties),
        signed_on: Set(v.signed_on),
        valid_until: Set(v.valid_until),
        text: Set(v.text),
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
    audit::append(&tx, actor, Entry::new(Action::Create, EntityKind::Partnership, Some(m.id)).community(c.id)).await?;
    tx.commit().await?;
    Ok(m)
}

/// Changes an agreement (its scan is attached separately).
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: PartnershipInput) -> CoreResult<partnership::Model> {
    let cur = get(store, actor, id).await?;
    actor.require(Permission::EditPartnerships)?;
    let mut e = FieldErrors::new();
    if input.community.is_some() {
        e.add("community", "cannot_change");
    }
    let merged = PartnershipInput {
        community: None,
        title: input.title.clone().or(Some(cur.title.clone())),
        parties: input.parties.clone().or(Some(cur.parties.clone())),
        signed_on: input.signed_on.clone().or(Some(cur.signed_on.to_string())),
        valid_until: input.valid_until.clone().or(cur.valid_until.map(|d| d.to_string())),
        text: input.text.clone().or(cur.text.clone()),
        version: None,
    };
    let v = check(&mut e, &merged);
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated partnership".into())) };
    let tx = store.write().await?;
    let row: partnership::Model = store::locked::<partnership::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let mut a = row.into_active_model();
    a.title = Set(v.title);
    a.parties = Set(v.parties);
    a.signed_on = Set(v.signed_on);
    a.valid_until = Set(v.valid_until);
    a.text = Set(v.text);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Partnership, Some(m.id)).community(m.community_id),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// The agreements of the actor's communities, newest signed first.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor) -> CoreResult<Vec<partnership::Model>> {
    actor.require(Permission::ReadPartnerships)?;
    let mut q = partnership::Entity::find();
    if let Some(ids) = actor.community_filter() {
        q = q.filter(partnership::Column::CommunityId.is_in(ids.to_vec()));
    }
    Ok(q.order_by_desc(partnership::Column::SignedOn).order_by_desc(partnership::Column::Id).all(store.conn()).await?)
}

/// What is wrong with a scan, before anything is stored (`None`: a PDF, JPEG or PNG by its
/// content, and at most 5 MB).
pub fn scan_errors(bytes: &[u8]) -> FieldErrors {
    let mut e = FieldErrors::new();
    if bytes.is_empty() {
        e.add("scan", "required");
    } else if bytes.len() > MAX_SCAN_BYTES {
        e.add_arg("scan", "file_too_large", 5);
    } else if sniff(bytes).is_none() {
        e.add("scan", "file_type");
    }
    e
}

/// Attaches (or replaces) an agreement's scan. Nothing is stored unless it is a PDF, JPEG or
/// PNG by its content and at most 5 MB.
#[tracing::instrument(skip_all)]
pub async fn attach_scan(
    store: &Store,
    actor: &Actor,
    id: i64,
    file_name: Option<&str>,
    bytes: Vec<u8>,
) -> CoreResult<partnership::Model> {
    let cur = get(store, actor, id).await?;
    actor.require(Permission::EditPartnerships)?;
    scan_errors(&bytes).into_result()?;
    let Some(kind) = sniff(&bytes) else { return Err(CoreError::Internal("validated scan".into())) };
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let now = Utc::now();
    let tx = store.write().await?;
    let row: partnership::Model = store::locked::<partnership::Entity>(&tx, cur.id).await?;
    partnership_scan::Entity::delete_by_id(row.id).exec(&tx).await?;
    partnership_scan::ActiveModel { partnership_id: Set(row.id), bytes: Set(bytes), uploaded_at: Set(now) }
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
        Entry::new(Action::Update, EntityKind::Partnership, Some(m.id))
            .community(m.community_id)
            .summary(format!("scan attached: {kind}, {size} bytes")),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// An agreement's scan: (file name, content type, bytes); the download is audited.
#[tracing::instrument(skip_all)]
pub async fn scan(store: &Store, actor: &Actor, id: i64) -> CoreResult<(String, String, Vec<u8>)> {
    let p = get(store, actor, id).await?;
    let (Some(name), Some(kind)) = (p.scan_name.clone(), p.scan_type.clone()) else {
        return Err(CoreError::NotFound);
    };
    let s = partnership_scan::Entity::find_by_id(p.id).one(store.conn()).await?.ok_or(CoreError::NotFound)?;
    audit::record(
        store,
        actor,
        Entry::new(Action::Read, EntityKind::Partnership, Some(p.id)).community(p.community_id).summary("scan"),
    )
    .await?;
    Ok((name, kind, s.bytes))
}
