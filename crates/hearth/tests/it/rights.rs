//! Issue 17: residents' rights. A resident's copy of their data lists what each practice
//! holds about them and who saw their record; erasing a household keeps every figure of
//! the demo's reports while the person's name is gone from the database file itself.

use hearth_core::entity::{audit_log, community, resident};
use hearth_core::rights::{self, Target};
use hearth_core::{Actor, Store};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use crate::support::*;

async fn figures(store: &Store) -> Vec<String> {
    let comms = community::Entity::find().all(store.conn()).await.unwrap();
    let mut out = Vec::new();
    for (from, to) in [("2016-01-01", "2016-12-31"), ("2016-03-01", "2016-03-31"), ("2015-01-01", "2026-12-31")] {
        let r = hearth_core::reports::compute(store, comms.clone(), d(from), d(to), None, true, false).await.unwrap();
        out.push(format!("{from}..{to}: {:?}", r.total.lines));
    }
    out
}

/// A demo resident whose name no one else has, in a household with records in several
/// practices (a class, a job, a case or a pair), so the erasure has something to do.
async fn someone(store: &Store) -> resident::Model {
    let backend = store.backend();
    let sql = "SELECT r.id FROM residents r \
               WHERE (SELECT COUNT(*) FROM residents o WHERE o.full_name = r.full_name) = 1 \
               AND LENGTH(r.full_name) >= 2 \
               ORDER BY (SELECT COUNT(*) FROM attendance a WHERE a.resident_id = r.id) \
                      + (SELECT COUNT(*) FROM visits v WHERE v.household_id = r.household_id) DESC, r.id \
               LIMIT 1";
    let row = store.conn().query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
    let id: i64 = row.try_get_by_index(0).unwrap();
    resident::Entity::find_by_id(id).one(store.conn()).await.unwrap().unwrap()
}

fn file_holds(path: &std::path::Path, needle: &[u8]) -> bool {
    ["", "-wal"].iter().any(|suffix| {
        let p = format!("{}{suffix}", path.display());
        std::fs::read(&p).map(|bytes| bytes.windows(needle.len()).any(|w| w == needle)).unwrap_or(false)
    })
}

#[tokio::test]
async fn erasing_a_household_keeps_every_report_figure_and_leaves_no_trace_of_the_name() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let person = someone(&app.store).await;
    let before = figures(&app.store).await;
    let sqlite = app.database_url().and_then(|u| u.strip_prefix("sqlite://").map(std::path::PathBuf::from));
    if let Some(path) = &sqlite {
        assert!(file_holds(path, person.full_name.as_bytes()), "the check can fail: the name is there before");
    }
    // A reason is required.
    let none = rights::erase(&app.store, &Actor::system(), Target::Household(person.household_id), "  ").await;
    assert!(matches!(none, Err(hearth_core::CoreError::Invalid(_))));
    let facts =
        rights::erase(&app.store, &Actor::system(), Target::Household(person.household_id), "request of 3 March")
            .await
            .unwrap();
    assert!(facts.iter().any(|f| f.contains("residents")), "{facts:?}");
    assert_eq!(figures(&app.store).await, before, "every past figure is unchanged");
    let after = resident::Entity::find_by_id(person.id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(after.full_name, rights::TOMBSTONE);
    assert_eq!((after.phone, after.birth_date, after.notes), (None, None, None));
    let erased = resident::Entity::find()
        .filter(resident::Column::FullName.eq(person.full_name.clone()))
        .all(app.store.conn())
        .await
        .unwrap();
    assert!(erased.is_empty());
    if let Some(path) = &sqlite {
        assert!(!file_holds(path, person.full_name.as_bytes()), "the name is nowhere in the database file");
    }
    // The log says an erasure happened, and not whom by name.
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("erase"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((entry.entity.as_str(), entry.entity_id), ("household", Some(person.household_id)));
    assert!(!entry.summary.contains(&person.full_name));
    let verify =
        hearth_cli().args(["--database-url", &app.database_url().unwrap(), "audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
}

#[tokio::test]
async fn a_coordinator_gives_a_resident_a_copy_of_their_data_and_erases_them_through_a_confirm_step() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let person = someone(&app.store).await;
    let slug = community::Entity::find_by_id(person.community_id).one(app.store.conn()).await.unwrap().unwrap().slug;
    let mut caseworker = app.login_as("rights-cw", "caseworker", &[&slug]).await;
    assert_eq!(caseworker.get(&format!("/residents/{}/data", person.id)).await.status, 403);
    let mut coordinator = app.login_as("rights-co", "coordinator", &[&slug]).await;
    // Someone saw the record: the copy says so.
    assert_eq!(coordinator.get(&format!("/residents/{}", person.id)).await.status, 200);
    let page = coordinator.get(&format!("/residents/{}/data", person.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(&person.full_name));
    assert!(page.text.contains("id=\"subject-resident\"") && page.text.contains("id=\"subject-trail\""));
    assert!(page.text.contains("Copy of a resident") && page.text.contains("居民个人数据副本"), "both languages");
    let json = coordinator.get(&format!("/residents/{}/data.json", person.id)).await;
    assert_eq!(json.status, 200);
    let copy = json.json();
    let keys: Vec<&str> = copy["sections"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"resident") && keys.contains(&"household"), "{keys:?}");
    assert!(copy["trail"].as_array().unwrap().iter().any(|t| t["actor"] == "rights-co" && t["action"] == "read"));
    let exports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export"))
        .filter(audit_log::Column::Entity.eq("resident"))
        .filter(audit_log::Column::EntityId.eq(person.id))
        .all(app.store.conn())
        .await
        .unwrap();
    assert_eq!(exports.len(), 2, "each copy (page and file) is audited");

    // Erasure: no reason is refused; a reason asks once more; the confirmation erases.
    let path = format!("/residents/{}/erase", person.id);
    assert_eq!(coordinator.get(&path).await.status, 200);
    let blank = coordinator.post_form(&path, &[("reason", "")]).await;
    assert_eq!(blank.status, 422);
    let ask = coordinator.post_form(&path, &[("reason", "their request")]).await;
    assert_eq!(ask.status, 200);
    assert!(ask.text.contains("id=\"confirm-form\""));
    let still = resident::Entity::find_by_id(person.id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(still.full_name, person.full_name, "nothing is erased before the confirmation");
    let done = coordinator.post_form(&path, &[("reason", "their request"), ("confirmed", "yes")]).await;
    assert_eq!(done.status, 303);
    let gone = resident::Entity::find_by_id(person.id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(gone.full_name, rights::TOMBSTONE);
    let page = coordinator.get(&format!("/residents/{}", person.id)).await;
    assert!(!page.text.contains(&person.full_name));
}

#[tokio::test]
async fn households_past_the_retention_period_are_listed_and_erased_only_after_review() {
    let app = spawn_app().await;
    app.community("ret").await;
    let old = hh(&app, "ret", "R-1", "2005-01-01", Some("2010-03-31"), 2).await;
    let recent = hh(&app, "ret", "R-2", "2018-01-01", Some("2022-06-30"), 1).await;
    let living = hh(&app, "ret", "R-3", "2016-03-01", None, 1).await;
    let mut web = app.login_as("keeper", "coordinator", &["ret"]).await;
    let page = web.get("/retention?community=ret").await;
    assert!(page.text.contains("No retention period is set"));
    let bad = web.post_form("/retention", &[("community", "ret"), ("years", "six")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text.contains("id=\"e-years\""));
    assert_eq!(web.post_form("/retention", &[("community", "ret"), ("years", "6")]).await.status, 303);
    let page = web.get("/retention?community=ret").await;
    assert!(
        page.text.contains(">R-1<") && !page.text.contains(">R-2<") && !page.text.contains(">R-3<"),
        "{}",
        page.text
    );
    // Asked once more; nothing erased before the confirmation.
    let ask = web.post_form("/retention/erase", &[("community", "ret")]).await;
    assert!(ask.text.contains("id=\"confirm-form\""));
    let h = |id: i64| {
        let conn = app.store.conn().clone();
        async move { hearth_core::entity::household::Entity::find_by_id(id).one(&conn).await.unwrap().unwrap() }
    };
    assert_eq!(h(old).await.code, "R-1");
    let done = web.post_form("/retention/erase", &[("community", "ret"), ("confirmed", "yes")]).await;
    assert_eq!(done.status, 303);
    assert!(h(old).await.code.starts_with(rights::TOMBSTONE));
    assert_eq!(h(recent).await.code, "R-2");
    assert_eq!(h(living).await.code, "R-3");
    let members =
        resident::Entity::find().filter(resident::Column::HouseholdId.eq(old)).all(app.store.conn()).await.unwrap();
    assert!(members.iter().all(|r| r.full_name == rights::TOMBSTONE));
    assert!(web.get("/retention?community=ret").await.text.contains("id=\"retention-none\""));
    // A caseworker does not handle data requests.
    let mut cw = app.login_as("keeper-cw", "caseworker", &["ret"]).await;
    assert_eq!(cw.get("/retention").await.status, 403);
}
