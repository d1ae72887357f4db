//! The registry's spreadsheets: households (one row each, matched on their code) and
//! residents (one row each, in a household named by its code, matched on the team's own id
//! for them or, without one, on name and birth date within the household). Rows are
//! checked by the same rules as the forms (`households::validate_input`,
//! `residents::validate_input`), so an import can store nothing a form would refuse.
//!
//! A ledger with one row per person repeats the household's details on every member's row:
//! imported as households, the repeated rows are one household (`import` skips a row equal
//! to an earlier one); imported as residents, each row is a person.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use super::households::{self, HouseholdInput};
use super::residents::{self, EDUCATION_LEVELS, RELATIONSHIPS, ResidentInput, SEXES, WORK_STATUSES};
use super::search;
use crate::entity::{household, resident};
use crate::error::{CoreError, CoreResult};
use crate::import::{Context, Field, FieldKind, Outcome, Row, Template, problem, text_field};
use crate::policy::Permission;
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};

const HOUSEHOLD_FIELDS: [Field; 8] = [
    text_field("code", 50, true, &["户号", "房号", "门牌号", "户编号", "household code", "house number"]),
    text_field("address", 300, true, &["住址", "家庭住址", "地址", "详细地址", "address"]),
    text_field("building", 50, false, &["楼栋", "楼号", "栋", "幢", "building"]),
    text_field("unit", 50, false, &["单元", "单元号", "unit"]),
    Field {
        key: "phone",
        required: false,
        kind: FieldKind::Phone,
        aliases: &["联系电话", "电话", "手机", "手机号", "telephone", "mobile"],
    },
    Field {
        key: "moved_in_on",
        required: false,
        kind: FieldKind::Date,
        aliases: &["入住时间", "入住日期", "迁入日期", "迁入时间", "moved in"],
    },
    Field {
        key: "moved_out_on",
        required: false,
        kind: FieldKind::Date,
        aliases: &["迁出时间", "迁出日期", "moved out"],
    },
    text_field("notes", 4000, false, &["备注", "说明", "notes", "remarks"]),
];

pub const HOUSEHOLDS: Template = Template {
    key: "households",
    names: "household-field-",
    fields: &HOUSEHOLD_FIELDS,
    key_of: household_key,
    entity: EntityKind::Household,
    permission: Permission::EditPeople,
    batch: households_batch,
};

const RESIDENT_FIELDS: [Field; 14] = [
    text_field("household_code", 50, true, &["户号", "房号", "门牌号", "所属户号", "household code", "household"]),
    text_field(
        "external_id",
        50,
        false,
        &["编号", "居民编号", "人员编号", "序号id", "id", "resident id", "external id"],
    ),
    text_field("full_name", 200, true, &["姓名", "名字", "name", "full name"]),
    Field {
        key: "sex",
        required: false,
        kind: FieldKind::Choice { values: &SEXES, names: "resident-sex-" },
        aliases: &["性别", "sex", "gender"],
    },
    Field {
        key: "relationship",
        required: false,
        kind: FieldKind::Choice { values: &RELATIONSHIPS, names: "resident-relationship-" },
        aliases: &["与户主关系", "关系", "relationship"],
    },
    Field {
        key: "birth_date",
        required: false,
        kind: FieldKind::Date,
        aliases: &["出生日期", "出生年月", "生日", "date of birth", "birthday", "dob"],
    },
    Field {
        key: "phone",
        required: false,
        kind: FieldKind::Phone,
        aliases: &["联系电话", "电话", "手机", "手机号", "telephone", "mobile"],
    },
    text_field("languages_spoken", 200, false, &["语言", "会说的语言", "languages"]),
    text_field("languages_to_learn", 200, false, &["想学的语言"]),
    Field {
        key: "education_level",
        required: false,
        kind: FieldKind::Choice { values: &EDUCATION_LEVELS, names: "resident-education-level-" },
        aliases: &["文化程度", "学历", "education"],
    },
    Field {
        key: "work_status",
        required: false,
        kind: FieldKind::Choice { values: &WORK_STATUSES, names: "resident-work-status-" },
        aliases: &["就业状况", "就业情况", "work", "employment"],
    },
    text_field("skills", 2000, false, &["技能", "特长", "skills"]),
    text_field("needs", 2000, false, &["需求", "困难需求", "needs"]),
    text_field("notes", 4000, false, &["备注", "说明", "notes", "remarks"]),
];

pub const RESIDENTS: Template = Template {
    key: "residents",
    names: "resident-field-",
    fields: &RESIDENT_FIELDS,
    key_of: resident_key,
    entity: EntityKind::Resident,
    permission: Permission::EditPeople,
    batch: residents_batch,
};

fn household_key(r: &Row) -> Option<String> {
    r.owned("code")
}

/// The team's id when given; else the person within their household by name and birth date.
fn resident_key(r: &Row) -> Option<String> {
    match r.get("external_id") {
        Some(id) => Some(format!("id:{id}")),
        None => Some(format!(
            "{}\u{1f}{}\u{1f}{}",
            r.get("household_code").unwrap_or_default(),
            r.get("full_name").unwrap_or_default(),
            r.get("birth_date").unwrap_or_default()
        )),
    }
}

fn invalid(e: CoreError) -> CoreResult<Outcome> {
    match e {
        CoreError::Invalid(fe) => Ok(Outcome::Invalid(fe.0)),
        other => Err(other),
    }
}

fn households_batch<'a>(
    ctx: &'a Context<'a>,
    tx: &'a DatabaseTransaction,
    rows: &'a [Row],
) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        let mut valid = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let input = HouseholdInput {
                community: None,
                code: r.owned("code"),
                address: r.owned("address"),
                building: r.owned("building"),
                unit: r.owned("unit"),
                phone: r.owned("phone"),
                moved_in_on: r.owned("moved_in_on"),
                moved_out_on: r.owned("moved_out_on"),
                notes: r.owned("notes"),
                expected_version: None,
            };
            match households::validate_input(&input, true, None) {
                Ok(v) => valid.push((i, v)),
                Err(e) => out[i] = Some(invalid(e)?),
            }
        }
        let codes: Vec<String> = valid.iter().filter_map(|(_, v)| v.code.clone()).collect();
        let existing: HashMap<String, household::Model> = household::Entity::find()
            .filter(household::Column::CommunityId.eq(ctx.community.id))
            .filter(household::Column::Code.is_in(codes))
            .all(tx)
            .await?
            .into_iter()
            .map(|h| (h.code.clone(), h))
            .collect();
        let now = Utc::now();
        let mut fresh = Vec::new();
        let mut fresh_at: HashMap<String, usize> = HashMap::new();
        for (i, v) in valid {
            let code = v.code.clone().unwrap_or_default();
            let model = household::Model {
                id: 0,
                community_id: ctx.community.id,
                code: code.clone(),
                address: v.address.clone().unwrap_or_default(),
                building: v.building.clone().flatten(),
                unit: v.unit.clone().flatten(),
                phone: v.phone.clone().flatten(),
                moved_in_on: v.moved_in_on.flatten(),
                moved_out_on: v.moved_out_on.flatten(),
                notes: v.notes.clone().flatten(),
                created_at: now,
                updated_at: now,
            };
            out[i] = Some(match existing.get(&code) {
                Some(h) => {
                    let same =
                        household::Model { id: h.id, created_at: h.created_at, updated_at: h.updated_at, ..model }
                            == *h;
                    if same { Outcome::Unchanged } else { Outcome::Invalid(vec![problem("code", "exists_differs")]) }
                }
                None => {
                    fresh_at.insert(code, i);
                    fresh.push(model);
                    Outcome::New(RecordRef::new(EntityKind::Household, 0))
                }
            });
        }
        if ctx.write && !fresh.is_empty() {
            crate::import::before_writes(tx).await?;
            let models = fresh.into_iter().map(|m| household::ActiveModel {
                community_id: Set(m.community_id),
                code: Set(m.code),
                address: Set(m.address),
                building: Set(m.building),
                unit: Set(m.unit),
                phone: Set(m.phone),
                moved_in_on: Set(m.moved_in_on),
                moved_out_on: Set(m.moved_out_on),
                notes: Set(m.notes),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            let stored = household::Entity::insert_many(models)
                .exec_with_returning(tx)
                .await
                .map_err(crate::store::map_unique)?;
            search::index_households(tx, &stored).await?;
            for h in stored {
                if let Some(i) = fresh_at.get(&h.code) {
                    out[*i] = Some(Outcome::New(RecordRef::new(EntityKind::Household, h.id)));
                }
            }
        }
        Ok(out.into_iter().map(|o| o.unwrap_or(Outcome::Unchanged)).collect())
    })
}

fn residents_batch<'a>(ctx: &'a Context<'a>, tx: &'a DatabaseTransaction, rows: &'a [Row]) -> BoxFut<'a, Vec<Outcome>> {
    Box::pin(async move {
        let community = ctx.community.id;
        let codes: Vec<String> = rows.iter().filter_map(|r| r.owned("household_code")).collect();
        let homes: HashMap<String, i64> = household::Entity::find()
            .filter(household::Column::CommunityId.eq(community))
            .filter(household::Column::Code.is_in(codes))
            .all(tx)
            .await?
            .into_iter()
            .map(|h| (h.code, h.id))
            .collect();
        let ids: Vec<String> = rows.iter().filter_map(|r| r.owned("external_id")).collect();
        let home_ids: Vec<i64> = homes.values().copied().collect();
        // Who is there already: by the team's id, and by household (for rows without one).
        let by_id: HashMap<String, resident::Model> = resident::Entity::find()
            .filter(resident::Column::CommunityId.eq(community))
            .filter(resident::Column::ExternalId.is_in(ids))
            .all(tx)
            .await?
            .into_iter()
            .filter_map(|r| r.external_id.clone().map(|k| (k, r)))
            .collect();
        let mut by_home: HashMap<(i64, String, Option<chrono::NaiveDate>), resident::Model> = HashMap::new();
        if rows.iter().any(|r| r.get("external_id").is_none()) {
            for chunk in home_ids.chunks(500) {
                for r in
                    resident::Entity::find().filter(resident::Column::HouseholdId.is_in(chunk.to_vec())).all(tx).await?
                {
                    by_home.insert((r.household_id, r.full_name.clone(), r.birth_date), r);
                }
            }
        }
        let now = Utc::now();
        let mut out: Vec<Option<Outcome>> = vec![None; rows.len()];
        let mut fresh: Vec<(usize, resident::Model)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let input = ResidentInput {
                household_id: None,
                full_name: r.owned("full_name"),
                sex: r.owned("sex"),
                relationship: r.owned("relationship"),
                birth_date: r.owned("birth_date"),
                phone: r.owned("phone"),
                languages_spoken: r.owned("languages_spoken"),
                languages_to_learn: r.owned("languages_to_learn"),
                education_level: r.owned("education_level"),
                work_status: r.owned("work_status"),
                skills: r.owned("skills"),
                needs: r.owned("needs"),
                notes: r.owned("notes"),
            };
            let v = match residents::validate_input(&input, true) {
                Ok(v) => v,
                Err(e) => {
                    out[i] = Some(invalid(e)?);
                    continue;
                }
            };
            let Some(&home) = r.get("household_code").and_then(|c| homes.get(c)) else {
                out[i] = Some(Outcome::Invalid(vec![problem("household_code", "unknown_household")]));
                continue;
            };
            let model = resident::Model {
                id: 0,
                household_id: home,
                community_id: community,
                full_name: v.full_name.clone().unwrap_or_default(),
                sex: v.sex.clone().flatten(),
                relationship: v.relationship.clone().flatten(),
                birth_date: v.birth_date.flatten(),
                phone: v.phone.clone().flatten(),
                languages_spoken: v.languages_spoken.clone().flatten(),
                languages_to_learn: v.languages_to_learn.clone().flatten(),
                education_level: v.education_level.clone().flatten(),
                work_status: v.work_status.clone().flatten(),
                skills: v.skills.clone().flatten(),
                needs: v.needs.clone().flatten(),
                notes: v.notes.clone().flatten(),
                created_at: now,
                updated_at: now,
                external_id: r.owned("external_id"),
            };
            let stored = match &model.external_id {
                Some(k) => by_id.get(k),
                None => by_home.get(&(home, model.full_name.clone(), model.birth_date)),
            };
            out[i] = Some(match stored {
                Some(s) => {
                    let same =
                        resident::Model { id: s.id, created_at: s.created_at, updated_at: s.updated_at, ..model } == *s;
                    let field = if s.external_id.is_some() { "external_id" } else { "full_name" };
                    if same { Outcome::Unchanged } else { Outcome::Invalid(vec![problem(field, "exists_differs")]) }
                }
                None => {
                    fresh.push((i, model));
                    Outcome::New(RecordRef::new(EntityKind::Resident, 0))
                }
            });
        }
        if ctx.write && !fresh.is_empty() {
            crate::import::before_writes(tx).await?;
            let key = |m: &resident::Model| (m.household_id, m.full_name.clone(), m.birth_date, m.external_id.clone());
            let at: HashMap<_, usize> = fresh.iter().map(|(i, m)| (key(m), *i)).collect();
            let models = fresh.into_iter().map(|(_, m)| resident::ActiveModel {
                household_id: Set(m.household_id),
                community_id: Set(m.community_id),
                full_name: Set(m.full_name),
                sex: Set(m.sex),
                relationship: Set(m.relationship),
                birth_date: Set(m.birth_date),
                phone: Set(m.phone),
                languages_spoken: Set(m.languages_spoken),
                languages_to_learn: Set(m.languages_to_learn),
                education_level: Set(m.education_level),
                work_status: Set(m.work_status),
                skills: Set(m.skills),
                needs: Set(m.needs),
                notes: Set(m.notes),
                created_at: Set(now),
                updated_at: Set(now),
                external_id: Set(m.external_id),
                ..Default::default()
            });
            let stored = resident::Entity::insert_many(models)
                .exec_with_returning(tx)
                .await
                .map_err(crate::store::map_unique)?;
            let names: Vec<(i64, i64, String)> =
                stored.iter().map(|r| (r.id, r.community_id, r.full_name.clone())).collect();
            search::index_new_residents(tx, &names).await?;
            for r in &stored {
                if let Some(i) = at.get(&key(r)) {
                    out[*i] = Some(Outcome::New(RecordRef::new(EntityKind::Resident, r.id)));
                }
            }
        }
        Ok(out.into_iter().map(|o| o.unwrap_or(Outcome::Unchanged)).collect())
    })
}
