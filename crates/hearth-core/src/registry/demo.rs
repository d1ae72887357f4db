//! The registry's part of the demo (shared/DEMO.md): Jiafu's 1,710 households and 4,815
//! residents, who all moved in during January and February 2016, and their consent (the demo
//! volunteer's pairs are the pairing practice's part).
//!
//! The people are generated deterministically (a fixed seed), so every deployment's demo holds
//! the same people and every report can be checked against known figures. They are written
//! with multi-row inserts in the demo's one transaction.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::demo::{COMMUNITY_ADDRESS, HOUSEHOLDS, RESIDENTS};
use crate::entity::{consent, household, resident};
use crate::error::{CoreError, CoreResult};
use crate::practice::{BoxFut, DemoContext};
use crate::registry::search;

#[path = "demo_names.rs"]
mod names;

const SEED: u64 = 20_160_301;
/// Buildings × units × floors × flats per floor = 19 × 3 × 15 × 2 = 1,710 homes.
const UNITS_PER_BUILDING: usize = 3;
const FLOORS: usize = 15;
const FLATS_PER_FLOOR: usize = 2;

fn ymd(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

/// The practice's demo step: the registry (pairing adds the volunteer's pairs). Fills
/// `ctx.household_ids` for the practices after it.
pub(crate) fn step<'a>(tx: &'a DatabaseTransaction, ctx: &'a mut DemoContext) -> BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let plan = plan()?;
        let stats = insert_registry(tx, ctx.community_id, ctx.coordinator, &plan).await?;
        ctx.household_ids = stats.household_ids;
        Ok(vec![
            format!("{} households", ctx.household_ids.len()),
            format!("{} residents", stats.residents),
            format!("{} consents", stats.consents),
        ])
    })
}

// ---------------------------------------------------------------------------------------
// The plan: who lives where, generated from the seed without touching the database.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct PlannedHousehold {
    pub code: String,
    pub address: String,
    pub building: String,
    pub unit: String,
    pub phone: Option<String>,
    pub moved_in_on: NaiveDate,
    pub members: Vec<PlannedResident>,
    pub consent: Option<PlannedConsent>,
}

#[derive(Clone, Debug, Default)]
pub struct PlannedResident {
    pub full_name: String,
    pub sex: Option<&'static str>,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub languages_spoken: Option<String>,
    pub languages_to_learn: Option<String>,
    pub education_level: Option<&'static str>,
    pub work_status: Option<&'static str>,
    pub skills: Option<String>,
    pub needs: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PlannedConsent {
    pub given_by: String,
    pub given_on: NaiveDate,
    pub scope_partners: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Naming {
    Han,
    Uyghur,
    Kazakh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Head,
    Spouse,
    Child,
    Grandparent,
}

/// Favours the front of a frequency-ordered list.
fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    let u: f64 = rng.random();
    let i = ((u * u) * list.len() as f64) as usize;
    list[i.min(list.len().saturating_sub(1))]
}

fn pick_uniform<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Household sizes 1–6 with a realistic spread, adjusted to sum to exactly `RESIDENTS`.
fn household_sizes(rng: &mut StdRng) -> Vec<usize> {
    // Percent of households by size 1..=6.
    const WEIGHTS: [u32; 6] = [13, 31, 29, 15, 8, 4];
    let mut sizes: Vec<usize> = (0..HOUSEHOLDS)
        .map(|_| {
            let mut roll = rng.random_range(0..100u32);
            let mut size = 6;
            for (i, w) in WEIGHTS.iter().enumerate() {
                if roll < *w {
                    size = i + 1;
                    break;
                }
                roll -= w;
            }
            size
        })
        .collect();
    let mut total: usize = sizes.iter().sum();
    while total != RESIDENTS {
        let i = rng.random_range(0..HOUSEHOLDS);
        if total < RESIDENTS && sizes[i] < 6 {
            sizes[i] += 1;
            total += 1;
        } else if total > RESIDENTS && sizes[i] > 1 {
            sizes[i] -= 1;
            total -= 1;
        }
    }
    sizes
}

fn phone(rng: &mut StdRng) -> String {
    const PREFIXES: [&str; 10] = ["138", "139", "135", "136", "150", "151", "158", "186", "187", "189"];
    format!(
        "{} {:04} {:04}",
        pick_uniform(rng, &PREFIXES),
        rng.random_range(0..10_000u32),
        rng.random_range(0..10_000u32)
    )
}

fn day_in_year(rng: &mut StdRng, year: i32) -> Option<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    start.checked_add_signed(TimeDelta::days(rng.random_range(0..365)))
}

fn given_name(rng: &mut StdRng, naming: Naming, female: bool) -> &'static str {
    match (naming, female) {
        (Naming::Han, false) => pick(rng, names::HAN_GIVEN_MALE),
        (Naming::Han, true) => pick(rng, names::HAN_GIVEN_FEMALE),
        (Naming::Uyghur, false) => pick(rng, names::UYGHUR_MALE),
        (Naming::Uyghur, true) => pick(rng, names::UYGHUR_FEMALE),
        (Naming::Kazakh, false) => pick(rng, names::KAZAKH_MALE),
        (Naming::Kazakh, true) => pick(rng, names::KAZAKH_FEMALE),
    }
}

fn male_name(rng: &mut StdRng, naming: Naming) -> &'static str {
    given_name(rng, naming, false)
}

/// One person before the optional facts are added.
struct Person {
    name: String,
    female: bool,
    birth_year: i32,
    speaks_chinese: bool,
}

fn members_for(rng: &mut StdRng, size: usize) -> Vec<Member> {
    let mut roles = vec![Member::Head];
    if size >= 3 || (size == 2 && rng.random_bool(0.7)) {
        roles.push(Member::Spouse);
    }
    let grandparents = match size {
        6 => 1 + usize::from(rng.random_bool(0.5)),
        5 => 1,
        4 => usize::from(rng.random_bool(0.2)),
        _ => 0,
    };
    while roles.len() + grandparents < size {
        roles.push(Member::Child);
    }
    roles.extend(std::iter::repeat_n(Member::Grandparent, grandparents));
    roles
}

fn people_of(rng: &mut StdRng, index: usize, size: usize) -> (Naming, Vec<Person>) {
    let naming = if index == 0 {
        Naming::Han
    } else {
        match rng.random_range(0..100) {
            0..55 => Naming::Han,
            55..85 => Naming::Uyghur,
            _ => Naming::Kazakh,
        }
    };
    let roles = members_for(rng, size);
    let has_grandparent = roles.contains(&Member::Grandparent);
    let head_female = index != 0 && rng.random_bool(0.35);
    let head_year = if has_grandparent { rng.random_range(1966..=1990) } else { rng.random_range(1952..=1991) };
    // Household 0 is headed by 张伟, so "zw" and "zhangwei" find somebody.
    let family = if index == 0 { "张" } else { pick(rng, names::HAN_FAMILY) };
    let head_given = if index == 0 { "伟" } else { given_name(rng, naming, head_female) };
    // Uyghur and Kazakh names carry the father's given name after a middle dot.
    let head_father = male_name(rng, naming);
    let speaks = |rng: &mut StdRng, p: f64| naming == Naming::Han || rng.random_bool(p);
    let mut father_of_children = (!head_female).then_some(head_given);
    // Han children take the father's family name when the father lives with them.
    let mut children_family = family;
    let mut people = Vec::with_capacity(size);
    let mut grandparents = 0;
    for role in roles {
        let person = match role {
            Member::Head => Person {
                name: match naming {
                    Naming::Han => format!("{family}{head_given}"),
                    _ => format!("{head_given}·{head_father}"),
                },
                female: head_female,
                birth_year: head_year,
                speaks_chinese: speaks(rng, 0.55),
            },
            Member::Spouse => {
                let female = !head_female;
                let given = given_name(rng, naming, female);
                let spouse_family = pick(rng, names::HAN_FAMILY);
                if !female {
                    father_of_children = Some(given);
                    children_family = spouse_family;
                }
                Person {
                    name: match naming {
                        Naming::Han => format!("{spouse_family}{given}"),
                        _ => format!("{given}·{}", male_name(rng, naming)),
                    },
                    female,
                    birth_year: (head_year + rng.random_range(-5..=5)).min(1994),
                    speaks_chinese: speaks(rng, 0.5),
                }
            }
            Member::Child => {
                let female = rng.random_bool(0.5);
                let father = match father_of_children {
                    Some(f) => f,
                    None => male_name(rng, naming),
                };
                let mut given = given_name(rng, naming, female);
                // A son is not named after his father.
                for _ in 0..4 {
                    if given != father {
                        break;
                    }
                    given = given_name(rng, naming, female);
                }
                let name = match naming {
                    Naming::Han => format!("{children_family}{given}"),
                    _ => format!("{given}·{father}"),
                };
                Person {
                    name,
                    female,
                    birth_year: rng.random_range((head_year + 20).min(2015)..=2015),
                    speaks_chinese: speaks(rng, 0.8),
                }
            }
            Member::Grandparent => {
                grandparents += 1;
                // With two grandparents, the first is the head's father, the second the mother.
                let female = grandparents == 2 || rng.random_bool(0.5);
                let name = match (naming, female) {
                    (Naming::Han, false) => format!("{family}{}", given_name(rng, naming, false)),
                    (Naming::Han, true) => format!("{}{}", pick(rng, names::HAN_FAMILY), given_name(rng, naming, true)),
                    (_, false) => format!("{head_father}·{}", male_name(rng, naming)),
                    (_, true) => format!("{}·{}", given_name(rng, naming, true), male_name(rng, naming)),
                };
                Person {
                    name,
                    female,
                    birth_year: rng.random_range(1930..=(head_year - 20).min(1955)),
                    speaks_chinese: speaks(rng, 0.25),
                }
            }
        };
        people.push(person);
    }
    (naming, people)
}

fn languages(naming: Naming, speaks_chinese: bool) -> String {
    let own = match naming {
        Naming::Han => return "汉语".to_owned(),
        Naming::Uyghur => "维吾尔语",
        Naming::Kazakh => "哈萨克语",
    };
    if speaks_chinese { format!("{own}、汉语") } else { own.to_owned() }
}

fn facts(rng: &mut StdRng, p: &Person, naming: Naming) -> PlannedResident {
    let age = 2016 - p.birth_year;
    let adult = age >= 18;
    let mut r = PlannedResident { full_name: p.name.clone(), ..Default::default() };
    if rng.random_bool(0.85) {
        r.sex = Some(if p.female { "female" } else { "male" });
    }
    if rng.random_bool(0.8) {
        r.birth_date = day_in_year(rng, p.birth_year);
    }
    if adult && rng.random_bool(0.35) {
        r.phone = Some(phone(rng));
    }
    if age >= 3 && rng.random_bool(0.6) {
        r.languages_spoken = Some(languages(naming, p.speaks_chinese));
    }
    if adult {
        if !p.speaks_chinese && rng.random_bool(0.5) {
            r.languages_to_learn = Some("汉语".to_owned());
        } else if naming == Naming::Han && rng.random_bool(0.06) {
            r.languages_to_learn = Some(pick_uniform(rng, &["维吾尔语", "哈萨克语"]).to_owned());
        } else if rng.random_bool(0.03) {
            r.languages_to_learn = Some("英语".to_owned());
        }
        if rng.random_bool(0.5) {
            r.education_level = Some(if age >= 55 {
                pick_uniform(rng, &["none", "primary", "primary", "lower_secondary"])
            } else {
                pick_uniform(
                    rng,
                    &["primary", "lower_secondary", "lower_secondary", "upper_secondary", "vocational", "tertiary"],
                )
            });
        }
        if rng.random_bool(0.55) {
            r.work_status = Some(if age >= 60 {
                pick_uniform(rng, &["retired", "retired", "not_seeking", "unable_to_work"])
            } else if age < 23 && rng.random_bool(0.5) {
                "student"
            } else {
                pick_uniform(
                    rng,
                    &[
                        "employed",
                        "employed",
                        "self_employed",
                        "seeking_work",
                        "seeking_work",
                        "not_seeking",
                        "unable_to_work",
                    ],
                )
            });
        }
        if age < 60 && rng.random_bool(0.15) {
            let a = pick_uniform(rng, names::SKILLS);
            let b = pick_uniform(rng, names::SKILLS);
            r.skills = Some(if a == b || rng.random_bool(0.6) { a.to_owned() } else { format!("{a}、{b}") });
        }
        if rng.random_bool(0.2) {
            let a = pick_uniform(rng, names::NEEDS);
            let b = pick_uniform(rng, names::NEEDS);
            r.needs = Some(if a == b || rng.random_bool(0.7) { a.to_owned() } else { format!("{a}、{b}") });
        }
    } else if (6..=17).contains(&age) && rng.random_bool(0.7) {
        r.work_status = Some("student");
        r.education_level = Some(if age <= 12 {
            "primary"
        } else if age <= 15 {
            "lower_secondary"
        } else {
            "upper_secondary"
        });
    }
    r
}

/// The whole registry, the same on every run.
pub fn plan() -> CoreResult<Vec<PlannedHousehold>> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let sizes = household_sizes(&mut rng);
    let first_day = ymd(2016, 1, 1)?;
    let per_building = UNITS_PER_BUILDING * FLOORS * FLATS_PER_FLOOR;
    let per_unit = FLOORS * FLATS_PER_FLOOR;
    let mut out = Vec::with_capacity(HOUSEHOLDS);
    for (i, size) in sizes.into_iter().enumerate() {
        let building = i / per_building + 1;
        let unit = (i % per_building) / per_unit + 1;
        let floor = (i % per_unit) / FLATS_PER_FLOOR + 1;
        let flat = i % FLATS_PER_FLOOR + 1;
        let room = floor * 100 + flat;
        // 2016-01-01 … 2016-02-29 (60 days; 2016 is a leap year).
        let moved_in_on = first_day + TimeDelta::days(rng.random_range(0..60));
        let (naming, people) = people_of(&mut rng, i, size);
        let members: Vec<PlannedResident> = people.iter().map(|p| facts(&mut rng, p, naming)).collect();
        let head = members.first().map(|m| m.full_name.clone()).unwrap_or_default();
        let phone = rng.random_bool(0.9).then(|| phone(&mut rng));
        let consent = match rng.random_range(0..100) {
            0..70 => {
                Some(PlannedConsent { given_by: head, given_on: moved_in_on, scope_partners: rng.random_bool(0.25) })
            }
            // Given on the first household visit, in March 2016.
            70..93 => Some(PlannedConsent {
                given_by: head,
                given_on: ymd(2016, 3, rng.random_range(1..=31))?,
                scope_partners: rng.random_bool(0.25),
            }),
            _ => None,
        };
        out.push(PlannedHousehold {
            code: format!("{building:02}-{unit}-{room}"),
            address: COMMUNITY_ADDRESS.to_owned(),
            building: format!("{building}号楼"),
            unit: format!("{unit}单元{room}室"),
            phone,
            moved_in_on,
            members,
            consent,
        });
    }
    Ok(out)
}

struct Stats {
    /// In plan order.
    household_ids: Vec<i64>,
    residents: usize,
    consents: usize,
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bound
/// parameters for the widest table (residents, 15 columns).
const CHUNK: usize = 1_000;

async fn insert_registry<C: ConnectionTrait>(
    conn: &C,
    community_id: i64,
    recorded_by: Option<i64>,
    plan: &[PlannedHousehold],
) -> CoreResult<Stats> {
    for chunk in plan.chunks(CHUNK) {
        let rows = chunk.iter().map(|h| household::ActiveModel {
            community_id: Set(community_id),
            code: Set(h.code.clone()),
            address: Set(h.address.clone()),
            building: Set(Some(h.building.clone())),
            unit: Set(Some(h.unit.clone())),
            phone: Set(h.phone.clone()),
            moved_in_on: Set(Some(h.moved_in_on)),
            moved_out_on: Set(None),
            notes: Set(None),
            // Recorded when they moved in (2016), so the timeline tells the demo's history.
            created_at: Set(historical(h.moved_in_on)),
            updated_at: Set(historical(h.moved_in_on)),
            ..Default::default()
        });
        household::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    let by_code: HashMap<String, i64> = household::Entity::find()
        .select_only()
        .column(household::Column::Code)
        .column(household::Column::Id)
        .filter(household::Column::CommunityId.eq(community_id))
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut household_ids = Vec::with_capacity(plan.len());
    for h in plan {
        household_ids.push(*by_code.get(&h.code).ok_or_else(|| CoreError::Internal("demo household missing".into()))?);
    }

    let people: Vec<(i64, usize, &PlannedResident, NaiveDate)> = plan
        .iter()
        .zip(&household_ids)
        .flat_map(|(h, id)| h.members.iter().enumerate().map(move |(i, m)| (*id, i, m, h.moved_in_on)))
        .collect();
    for chunk in people.chunks(CHUNK) {
        let rows = chunk.iter().map(|(hid, i, r, moved_in)| resident::ActiveModel {
            household_id: Set(*hid),
            community_id: Set(community_id),
            full_name: Set(r.full_name.clone()),
            sex: Set(r.sex.map(str::to_owned)),
            // The first member registered is the head; the demo's second is a spouse, the rest children.
            relationship: Set(Some(["head", "spouse"].get(*i).copied().unwrap_or("child").to_owned())),
            birth_date: Set(r.birth_date),
            phone: Set(r.phone.clone()),
            languages_spoken: Set(r.languages_spoken.clone()),
            languages_to_learn: Set(r.languages_to_learn.clone()),
            education_level: Set(r.education_level.map(str::to_owned)),
            work_status: Set(r.work_status.map(str::to_owned)),
            skills: Set(r.skills.clone()),
            needs: Set(r.needs.clone()),
            notes: Set(None),
            created_at: Set(historical(*moved_in)),
            updated_at: Set(historical(*moved_in)),
            ..Default::default()
        });
        resident::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }

    // Search terms for every resident, as `residents::index_name` writes them one by one.
    let stored: Vec<(i64, String)> = resident::Entity::find()
        .select_only()
        .column(resident::Column::Id)
        .column(resident::Column::FullName)
        .filter(resident::Column::CommunityId.eq(community_id))
        .order_by_asc(resident::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let stored: Vec<(i64, i64, String)> = stored.into_iter().map(|(id, name)| (id, community_id, name)).collect();
    search::index_residents(conn, &stored).await?;
    let households =
        household::Entity::find().filter(household::Column::CommunityId.eq(community_id)).all(conn).await?;
    search::index_households(conn, &households).await?;

    let consents: Vec<consent::ActiveModel> = plan
        .iter()
        .zip(&household_ids)
        .filter_map(|(h, id)| {
            h.consent.as_ref().map(|c| consent::ActiveModel {
                household_id: Set(*id),
                community_id: Set(community_id),
                given_by: Set(c.given_by.clone()),
                given_on: Set(c.given_on),
                scope_services: Set(true),
                scope_contact: Set(true),
                scope_partners: Set(c.scope_partners),
                withdrawn_on: Set(None),
                notes: Set(None),
                recorded_by: Set(recorded_by),
                created_at: Set(historical(c.given_on)),
                ..Default::default()
            })
        })
        .collect();
    let consent_count = consents.len();
    let mut consents = consents.into_iter().peekable();
    while consents.peek().is_some() {
        let chunk: Vec<_> = consents.by_ref().take(CHUNK).collect();
        consent::Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(Stats { household_ids, residents: stored.len(), consents: consent_count })
}

/// 09:00 UTC on `day`: when a demo record is said to have been made.
pub(crate) fn historical(day: NaiveDate) -> chrono::DateTime<Utc> {
    day.and_hms_opt(9, 0, 0).map(|t| t.and_utc()).unwrap_or_else(Utc::now)
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn plan_has_the_published_figures() {
        let plan = plan().unwrap_or_default();
        assert_eq!(plan.len(), HOUSEHOLDS);
        let residents: usize = plan.iter().map(|h| h.members.len()).sum();
        assert_eq!(residents, RESIDENTS);
        for size in 1..=6 {
            assert!(plan.iter().any(|h| h.members.len() == size), "no household of {size}");
        }
        assert!(plan.iter().all(|h| (1..=6).contains(&h.members.len())));
        let first = ymd(2016, 1, 1).unwrap_or_default();
        let last = ymd(2016, 2, 29).unwrap_or_default();
        assert!(plan.iter().all(|h| h.moved_in_on >= first && h.moved_in_on <= last));
        let mut codes: Vec<&str> = plan.iter().map(|h| h.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), HOUSEHOLDS, "household codes must be unique");
        let names: Vec<&str> = plan.iter().flat_map(|h| h.members.iter().map(|m| m.full_name.as_str())).collect();
        assert!(names.contains(&"张伟"));
        assert!(names.iter().any(|n| n.contains('·')));
        assert!(names.iter().filter(|n| !n.contains('·')).count() > 1000);
        let consents = plan.iter().filter(|h| h.consent.is_some()).count();
        assert!(consents > HOUSEHOLDS * 8 / 10 && consents < HOUSEHOLDS);
    }

    #[test]
    fn plan_is_deterministic_and_values_are_allowed() {
        let a = plan().unwrap_or_default();
        let b = plan().unwrap_or_default();
        let names = |p: &[PlannedHousehold]| {
            p.iter().flat_map(|h| h.members.iter().map(|m| m.full_name.clone())).collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        use crate::registry::residents::{EDUCATION_LEVELS, SEXES, WORK_STATUSES};
        for m in a.iter().flat_map(|h| &h.members) {
            assert!(m.sex.is_none_or(|s| SEXES.contains(&s)));
            assert!(m.education_level.is_none_or(|s| EDUCATION_LEVELS.contains(&s)));
            assert!(m.work_status.is_none_or(|s| WORK_STATUSES.contains(&s)));
            assert!(m.birth_date.is_none_or(|d| d.year() <= 2015));
        }
    }
}
