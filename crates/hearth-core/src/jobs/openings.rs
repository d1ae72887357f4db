//! Job openings, and the matching aid: for an opening, the residents who said they seek work
//! and whose languages or skills fit, each with the reason they are listed. It is a filtered
//! list in name order for the caseworker, never a score or a rank, and never leaves the team
//! (only roles that do employment help can ask for it, and every list is audited with the
//! residents it showed).

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};

use super::{OpeningStatus, items, load, referenced, whole};
use crate::audit::{self, Action, Entry};
use crate::entity::{employer, opening, resident};
use crate::error::{CoreError, CoreResult, FieldErrors};
use crate::policy::{Actor, Permission};
use crate::record::{EntityKind, RecordRef};
use crate::store::{self, Store};
use crate::validate;
use crate::word::Word;

/// The highest monthly wage accepted, in minor units (1,000,000.00).
pub const MAX_WAGE: i64 = 100_000_000;

/// An opening as submitted (`POST`: employer, title and positions needed; `PATCH`: absent
/// keeps a field, empty clears it).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningInput {
    /// Only on creation.
    #[schema(value_type = Option<i64>)]
    pub employer_id: Option<i64>,
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    pub positions: Option<i64>,
    /// Monthly wage, lowest, in minor units (fen).
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100000000)]
    pub wage_min: Option<i64>,
    /// Monthly wage, highest, in minor units; at least `wage_min`.
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100000000)]
    pub wage_max: Option<i64>,
    /// Languages asked for, as a list ("汉语、维吾尔语").
    #[schema(max_length = 400)]
    pub languages: Option<String>,
    /// Skills asked for, as a list.
    #[schema(max_length = 400)]
    pub skills: Option<String>,
    #[schema(max_length = 4000)]
    pub requirements: Option<String>,
    /// Working hours ("8:00–17:00, 6 days").
    #[schema(max_length = 200)]
    pub hours: Option<String>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    #[schema(value_type = Option<OpeningStatus>)]
    pub status: Option<String>,
    /// When it was posted; default today.
    #[schema(value_type = Option<String>, format = Date)]
    pub posted_on: Option<String>,
    /// `true` on a change clears the wage range.
    #[serde(default)]
    pub clear_wage: bool,
    #[serde(skip)]
    pub version: Option<String>,
}

struct Valid {
    title: String,
    positions: i32,
    wage_min: Option<i64>,
    wage_max: Option<i64>,
    languages: Option<String>,
    skills: Option<String>,
    requirements: Option<String>,
    hours: Option<String>,
    location: Option<String>,
    status: OpeningStatus,
    posted_on: NaiveDate,
}

fn check(e: &mut FieldErrors, i: &OpeningInput) -> Option<Valid> {
    let title = validate::required_text(e, "title", i.title.as_deref(), 200);
    let positions = whole(e, "positions", i.positions, 1, 10_000, true).and_then(|p| i32::try_from(p).ok());
    let wage = |e: &mut FieldErrors, field: &str, v: Option<i64>| match v {
        Some(w) if !(0..=MAX_WAGE).contains(&w) => {
            e.add(field, "wage_out_of_range");
            None
        }
        w => w,
    };
    let wage_min = wage(e, "wage_min", i.wage_min);
    let wage_max = wage(e, "wage_max", i.wage_max);
    if let (Some(lo), Some(hi)) = (wage_min, wage_max)
        && lo > hi
    {
        e.add("wage_max", "wage_below_min");
    }
    let languages = validate::text(e, "languages", i.languages.as_deref(), 400);
    let skills = validate::text(e, "skills", i.skills.as_deref(), 400);
    let requirements = validate::text(e, "requirements", i.requirements.as_deref(), 4000);
    let hours = validate::text(e, "hours", i.hours.as_deref(), 200);
    let location = validate::text(e, "location", i.location.as_deref(), 200);
    let status = match i.status.as_deref() {
        None => Some(OpeningStatus::Open),
        s => validate::word::<OpeningStatus>(e, "status", s),
    };
    if i.status.as_deref().is_some_and(|s| s.trim().is_empty()) {
        e.add("status", "required");
    }
    let posted_on = match i.posted_on.as_deref() {
        None => Some(chrono::Local::now().date_naive()),
        v => validate::required_date(e, "posted_on", v),
    };
    Some(Valid {
        title: title?,
        positions: positions?,
        wage_min,
        wage_max,
        languages,
        skills,
        requirements,
        hours,
        location,
        status: status?,
        posted_on: posted_on?,
    })
}

/// Posts an opening of a partner employer.
#[tracing::instrument(skip_all)]
pub async fn create(store: &Store, actor: &Actor, input: OpeningInput) -> CoreResult<opening::Model> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    if input.employer_id.is_none() {
        e.add("employer_id", "required");
    }
    let emp = referenced::<employer::Entity>(store, &mut e, "employer_id", "unknown_employer", input.employer_id, None)
        .await?;
    let emp = match emp {
        Some(m) if actor.sees_community(m.community_id) => Some(m),
        Some(_) => {
            e.add("employer_id", "unknown_employer");
            None
        }
        None => None,
    };
    let v = check(&mut e, &input);
    e.into_result()?;
    let (Some(emp), Some(v)) = (emp, v) else { return Err(CoreError::Internal("validated opening".into())) };
    let now = Utc::now();
    let tx = store.write().await?;
    let m = opening::ActiveModel {
        community_id: Set(emp.community_id),
        employer_id: Set(emp.id),
        title: Set(v.title),
        positions: Set(v.positions),
        wage_min: Set(v.wage_min),
        wage_max: Set(v.wage_max),
        languages: Set(v.languages),
        skills: Set(v.skills),
        requirements: Set(v.requirements),
        hours: Set(v.hours),
        location: Set(v.location),
        status: Set(v.status),
        posted_on: Set(v.posted_on),
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
        Entry::new(Action::Create, EntityKind::Opening, Some(m.id))
            .community(m.community_id)
            .summary(format!("employer {}, {} positions", emp.id, m.positions)),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Changes an opening (closing it is `status: closed`).
#[tracing::instrument(skip_all)]
pub async fn update(store: &Store, actor: &Actor, id: i64, input: OpeningInput) -> CoreResult<opening::Model> {
    let cur = load::<opening::Entity>(store, actor, id).await?;
    let mut e = FieldErrors::new();
    if input.employer_id.is_some_and(|x| x != cur.employer_id) {
        e.add("employer_id", "cannot_change");
    }
    let keep = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let (wmin, wmax) = if input.clear_wage { (None, None) } else { (cur.wage_min, cur.wage_max) };
    let merged = OpeningInput {
        employer_id: None,
        title: input.title.clone().or(Some(cur.title.clone())),
        positions: input.positions.or(Some(i64::from(cur.positions))),
        wage_min: input.wage_min.or(wmin),
        wage_max: input.wage_max.or(wmax),
        languages: keep(&input.languages, &cur.languages),
        skills: keep(&input.skills, &cur.skills),
        requirements: keep(&input.requirements, &cur.requirements),
        hours: keep(&input.hours, &cur.hours),
        location: keep(&input.location, &cur.location),
        status: input.status.clone().or(Some(cur.status.word())),
        posted_on: input.posted_on.clone().or(Some(cur.posted_on.to_string())),
        clear_wage: false,
        version: None,
    };
    let v = check(&mut e, &merged);
    e.into_result()?;
    let Some(v) = v else { return Err(CoreError::Internal("validated opening".into())) };
    let tx = store.write().await?;
    let row: opening::Model = store::locked::<opening::Entity>(&tx, cur.id).await?;
    crate::version::check(input.version.as_deref(), &row.updated_at)?;
    let mut a = row.into_active_model();
    a.title = Set(v.title);
    a.positions = Set(v.positions);
    a.wage_min = Set(v.wage_min);
    a.wage_max = Set(v.wage_max);
    a.languages = Set(v.languages);
    a.skills = Set(v.skills);
    a.requirements = Set(v.requirements);
    a.hours = Set(v.hours);
    a.location = Set(v.location);
    a.status = Set(v.status);
    a.posted_on = Set(v.posted_on);
    a.updated_at = Set(Utc::now());
    let m = a.update(&tx).await?;
    audit::append(
        &tx,
        actor,
        Entry::new(Action::Update, EntityKind::Opening, Some(m.id))
            .community(m.community_id)
            .summary(format!("status: {}", m.status.word())),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Which openings a list asks for.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpeningsQuery {
    /// Only this employer's.
    pub employer_id: Option<i64>,
    /// `open` or `closed`.
    #[param(value_type = Option<OpeningStatus>)]
    pub status: Option<String>,
}

/// The openings of the actor's communities, open first, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(store: &Store, actor: &Actor, q: &OpeningsQuery) -> CoreResult<Vec<opening::Model>> {
    actor.require(Permission::HelpIntoWork)?;
    let mut e = FieldErrors::new();
    let status = match q.status.as_deref() {
        None => None,
        s => validate::word::<OpeningStatus>(&mut e, "status", s).or_else(|| {
            if !e.0.iter().any(|x| x.field == "status") {
                e.add("status", "invalid_choice");
            }
            None
        }),
    };
    e.into_result()?;
    let mut sel = opening::Entity::find();
    if let Some(ids) = actor.community_filter() {
        sel = sel.filter(opening::Column::CommunityId.is_in(ids.to_vec()));
    }
    if let Some(emp) = q.employer_id {
        sel = sel.filter(opening::Column::EmployerId.eq(emp));
    }
    if let Some(s) = status {
        sel = sel.filter(opening::Column::Status.eq(s));
    }
    let mut rows =
        sel.order_by_desc(opening::Column::PostedOn).order_by_desc(opening::Column::Id).all(store.conn()).await?;
    rows.sort_by_key(|o| o.status != OpeningStatus::Open);
    Ok(rows)
}

/// One resident the matching aid lists, and why: the languages and skills asked for that
/// the resident gave (as the resident's record words them).
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Match {
    pub resident_id: i64,
    pub household_id: i64,
    pub name: String,
    /// Languages of the opening the resident speaks.
    pub languages: Vec<String>,
    /// Skills of the opening the resident has.
    pub skills: Vec<String>,
}

/// Whether a resident's item fits one asked for: the same word, or one containing the other
/// ("cleaning" and "cleaning work", "汉语" and "汉语（普通话）").
fn fits(asked: &str, given: &str) -> bool {
    let (asked, given) = (asked.to_lowercase(), given.to_lowercase());
    let (asked, given) = (asked.as_str(), given.as_str());
    asked == given
        || (asked.chars().count() >= 2 && given.contains(asked))
        || (given.chars().count() >= 2 && asked.contains(given))
}

/// The matching aid for an opening: residents of its community whose work status says they
/// seek work and who speak one of its languages or have one of its skills, in name order,
/// each with what fits. An opening that asks for no language or skill lists no one (there is
/// nothing to match on). Audited with the residents it shows.
#[tracing::instrument(skip_all)]
pub async fn matches(store: &Store, actor: &Actor, opening_id: i64) -> CoreResult<Vec<Match>> {
    let o = load::<opening::Entity>(store, actor, opening_id).await?;
    let langs = items(o.languages.as_deref());
    let skills = items(o.skills.as_deref());
    let mut out = Vec::new();
    if !langs.is_empty() || !skills.is_empty() {
        let seekers = resident::Entity::find()
            .filter(resident::Column::CommunityId.eq(o.community_id))
            .filter(resident::Column::WorkStatus.eq("seeking_work"))
            .order_by_asc(resident::Column::FullName)
            .order_by_asc(resident::Column::Id)
            .all(store.conn())
            .await?;
        for r in seekers {
            let theirs = items(r.languages_spoken.as_deref());
            let their_skills = items(r.skills.as_deref());
            let pick = |asked: &[String], given: &[String]| -> Vec<String> {
                given.iter().filter(|g| asked.iter().any(|a| fits(a, g))).cloned().collect()
            };
            let l = pick(&langs, &theirs);
            let s = pick(&skills, &their_skills);
            if !l.is_empty() || !s.is_empty() {
                out.push(Match {
                    resident_id: r.id,
                    household_id: r.household_id,
                    name: r.full_name,
                    languages: l,
                    skills: s,
                });
            }
        }
    }
    audit::record(
        store,
        actor,
        Entry::new(Action::List, EntityKind::Resident, None)
            .community(o.community_id)
            .summary(format!("matching aid for opening {}", o.id))
            .showed(out.iter().map(|m| RecordRef::new(EntityKind::Resident, m.resident_id))),
    )
    .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_fit_as_words_not_letters() {
        assert!(fits("cleaning", "Cleaning work"));
        assert!(fits("汉语", "汉语"));
        assert!(!fits("a", "mandarin"));
        assert_eq!(items(Some("Uyghur, Mandarin、 汉语")), vec!["Uyghur", "Mandarin", "汉语"]);
    }
}
