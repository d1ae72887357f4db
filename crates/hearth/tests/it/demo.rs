//! The demo community (shared/DEMO.md): exact figures, mixed-script names that search by
//! pinyin, consent and pairs, working printed logins, and no duplication on a second run.

use axum::http::StatusCode;
use chrono::NaiveDate;
use hearth_core::auth::users;
use hearth_core::entity::{audit_log, community, consent, household, pair, resident, user};
use hearth_core::registry::{households, residents};
use hearth_core::{Actor, audit, demo};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::*;

/// The `(username, role, password)` lines of the printed report.
fn printed_logins(report: &str) -> Vec<(String, String, String)> {
    report
        .lines()
        .filter_map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            match parts.as_slice() {
                [u, r, p] if u.starts_with("demo") => Some((u.to_string(), r.to_string(), p.to_string())),
                _ => None,
            }
        })
        .collect()
}

async fn jiafu(app: &TestApp) -> community::Model {
    community::Entity::find()
        .filter(community::Column::Slug.eq("jiafu"))
        .one(app.store.conn())
        .await
        .unwrap()
        .expect("community jiafu exists")
}

async fn counts(app: &TestApp, cid: i64) -> (u64, u64) {
    let h = household::Entity::find().filter(household::Column::CommunityId.eq(cid)).count(app.store.conn()).await;
    let r = resident::Entity::find().filter(resident::Column::CommunityId.eq(cid)).count(app.store.conn()).await;
    (h.unwrap(), r.unwrap())
}

async fn search(app: &TestApp, q: &str) -> Vec<String> {
    let page = residents::list(
        &app.store,
        &Actor::system(),
        &residents::ListQuery {
            community: Some("jiafu".into()),
            q: Some(q.into()),
            limit: Some(500),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    page.items.into_iter().map(|r| r.full_name).collect()
}

#[tokio::test]
async fn demo_loads_the_reference_community_exactly_once() {
    let app = spawn_app().await;
    let report = demo::ensure(&app.store).await.unwrap();
    assert!(report.contains("Jiafu Community"), "{report}");
    assert!(report.contains("1,710 households, 4,815 residents"), "{report}");
    assert!(report.contains("/login"), "login hint missing: {report}");

    // The published figures, as of 2016-03-01.
    let c = jiafu(&app).await;
    assert_eq!(c.established_on, NaiveDate::from_ymd_opt(2016, 1, 1));
    assert_eq!(counts(&app, c.id).await, (1_710, 4_815));
    let outside = household::Entity::find()
        .filter(household::Column::CommunityId.eq(c.id))
        .filter(
            household::Column::MovedInOn
                .is_null()
                .or(household::Column::MovedInOn.lt(NaiveDate::from_ymd_opt(2016, 1, 1).unwrap()))
                .or(household::Column::MovedInOn.gt(NaiveDate::from_ymd_opt(2016, 2, 29).unwrap()))
                .or(household::Column::MovedOutOn.is_not_null()),
        )
        .count(app.store.conn())
        .await
        .unwrap();
    assert_eq!(outside, 0, "every household moved in during Jan–Feb 2016 and is still there");

    // Household sizes vary from 1 to 6.
    let members: Vec<i64> = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(c.id))
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.household_id)
        .collect();
    let mut sizes = std::collections::HashMap::<i64, usize>::new();
    for h in members {
        *sizes.entry(h).or_default() += 1;
    }
    assert_eq!(sizes.len(), 1_710, "every household has members");
    for n in 1..=6 {
        assert!(sizes.values().any(|s| *s == n), "no household of {n}");
    }
    assert!(sizes.values().all(|s| (1..=6).contains(s)));

    // Mixed-script names: Han and Uyghur/Kazakh transliterations with the middle dot.
    let dotted = resident::Entity::find()
        .filter(resident::Column::CommunityId.eq(c.id))
        .filter(resident::Column::FullName.contains("·"))
        .count(app.store.conn())
        .await
        .unwrap();
    assert!(dotted > 500 && dotted < 4_000, "{dotted} transliterated names");

    // Every resident has search terms (nothing to search for is a resident nobody finds).
    let unindexed =
        resident::Entity::find()
            .filter(resident::Column::CommunityId.eq(c.id))
            .filter(resident::Column::Id.not_in_subquery(
                Query::select().expr(Expr::col("resident_id")).from("resident_search_terms").to_owned(),
            ))
            .count(app.store.conn())
            .await
            .unwrap();
    assert_eq!(unindexed, 0);
    assert!(search(&app, "zw").await.contains(&"张伟".to_string()));
    assert!(search(&app, "zhangwei").await.contains(&"张伟".to_string()));
    let by_father = search(&app, "maimaiti").await;
    assert!(by_father.iter().any(|n| n.contains("买买提")), "{by_father:?}");

    // Consent for most households, on the move-in or visit date, services and contact.
    let consents =
        consent::Entity::find().filter(consent::Column::CommunityId.eq(c.id)).all(app.store.conn()).await.unwrap();
    assert!(consents.len() > 1_400 && consents.len() < 1_710, "{} consents", consents.len());
    assert!(consents.iter().all(|k| k.scope_services && k.scope_contact && k.withdrawn_on.is_none()));
    assert!(consents.iter().any(|k| k.scope_partners));
    assert!(consents.iter().all(|k| k.given_on >= NaiveDate::from_ymd_opt(2016, 1, 1).unwrap()));

    // One audit row for the whole load, and the chain is intact.
    let loads = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("demo_load"))
        .all(app.store.conn())
        .await
        .unwrap();
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0].entity_id, Some(c.id));
    // One summary row, the four closed months and the late call: not one row per record.
    assert!(audit::count(&app.store).await.unwrap() < 12, "one summary row, not one per record");
    assert!(matches!(audit::verify(&app.store).await.unwrap(), audit::Verdict::Intact { .. }));

    // The printed logins work, with the roles they claim.
    let logins = printed_logins(&report);
    let names: Vec<&str> = logins.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(names, ["demo-admin", "demo", "demo-volunteer"], "{report}");
    for (username, role, password) in &logins {
        assert!(password.chars().filter(|c| *c != '-').count() >= 12, "{password}");
        let u = users::login(&app.store, username, password, "10.9.9.9", None).await.expect("printed password logs in");
        assert_eq!(u.user.role.as_str(), role);
    }

    // The volunteer is paired with about five households and sees exactly those.
    let vol = users::by_username(&app.store, "demo-volunteer").await.unwrap().unwrap();
    let pairs = pair::Entity::find().filter(pair::Column::HelperUserId.eq(vol.id)).all(app.store.conn()).await.unwrap();
    assert_eq!(pairs.len(), 5);
    assert!(pairs.iter().all(|p| p.started_on == NaiveDate::from_ymd_opt(2016, 4, 1).unwrap()));
    let vol_actor = users::actor_for(&app.store, &vol).await.unwrap();
    let seen =
        households::list(&app.store, &vol_actor, &households::ListQuery { limit: Some(500), ..Default::default() })
            .await
            .unwrap();
    assert_eq!(seen.items.len(), 5);

    // A second run adds nothing, and replaces the passwords.
    let again = demo::ensure(&app.store).await.unwrap();
    assert!(again.contains("1,710 households, 4,815 residents"), "{again}");
    assert_eq!(counts(&app, c.id).await, (1_710, 4_815));
    assert_eq!(community::Entity::find().count(app.store.conn()).await.unwrap(), 1);
    assert_eq!(user::Entity::find().count(app.store.conn()).await.unwrap(), 3);
    assert_eq!(pair::Entity::find().count(app.store.conn()).await.unwrap(), 150);
    assert_eq!(consent::Entity::find().count(app.store.conn()).await.unwrap(), consents.len() as u64);
    let new_logins = printed_logins(&again);
    assert_eq!(new_logins.len(), 3);
    for ((u, _, old), (_, _, new)) in logins.iter().zip(&new_logins) {
        assert_ne!(old, new, "{u} keeps its password");
        assert!(users::login(&app.store, u, old, "10.9.9.8", None).await.is_err(), "{u}: old password still works");
        assert!(users::login(&app.store, u, new, "10.9.9.8", None).await.is_ok(), "{u}: new password fails");
    }
    assert!(matches!(audit::verify(&app.store).await.unwrap(), audit::Verdict::Intact { .. }));
}

#[tokio::test]
async fn demo_login_works_in_the_browser_and_search_finds_zhang_wei() {
    let app = spawn_app().await;
    let report = demo::ensure(&app.store).await.unwrap();
    let logins = printed_logins(&report);
    let (_, _, pw) = logins.iter().find(|l| l.0 == "demo").expect("coordinator login printed");
    let mut c = app.client();
    let res = c.login("demo", pw).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = c.get("/households?q=zw").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("张伟"), "search for zw lists 张伟's household");
    let admin = logins.iter().find(|l| l.0 == "demo-admin").expect("admin login printed");
    let mut a = app.client();
    assert_eq!(a.login("demo-admin", &admin.2).await.status, StatusCode::SEE_OTHER);
    let communities = a.get("/admin/communities").await;
    assert_eq!(communities.status, StatusCode::OK);
    assert!(communities.text.contains("1710"), "household count shown");
}

#[tokio::test]
async fn demo_next_to_existing_data_leaves_it_alone() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1").await;
    // Other communities, households and users are not touched.
    app.user("maria", "caseworker", &["north"]).await;
    let report = demo::ensure(&app.store).await.unwrap();
    assert!(report.contains("4,815 residents"), "{report}");
    let north_households = household::Entity::find()
        .filter(household::Column::CommunityId.eq(h.community_id))
        .count(app.store.conn())
        .await
        .unwrap();
    assert_eq!(north_households, 1);
    assert!(users::login(&app.store, "maria", PASSWORD, "10.9.9.7", None).await.is_ok());
    let search_north = residents::list(
        &app.store,
        &Actor::system(),
        &residents::ListQuery { community: Some("north".into()), q: Some("zw".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert!(search_north.items.is_empty(), "demo residents stay in jiafu");
}

/// Found on a phone: demo households' timelines showed "新增成员 2026-12-01" for records
/// loaded today, and follow-ups in English in a Chinese community. Demo records carry their
/// 2016 dates, and the follow-ups are in Chinese.
#[tokio::test]
async fn demo_records_carry_their_history_and_speak_chinese() {
    use hearth_core::entity::follow_up;
    let app = spawn_app().await;
    demo::ensure(&app.store).await.unwrap();
    let recent = chrono::Utc::now() - chrono::TimeDelta::days(365);
    let new_households =
        household::Entity::find().filter(household::Column::CreatedAt.gt(recent)).count(app.store.conn());
    assert_eq!(new_households.await.unwrap(), 0, "households made in 2016");
    let new_residents = resident::Entity::find().filter(resident::Column::CreatedAt.gt(recent)).count(app.store.conn());
    assert_eq!(new_residents.await.unwrap(), 0, "residents made in 2016");
    let f = follow_up::Entity::find().one(app.store.conn()).await.unwrap().unwrap();
    assert!(f.description.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}", f.description);
    let heads = resident::Entity::find().filter(resident::Column::Relationship.eq("head")).count(app.store.conn());
    assert_eq!(heads.await.unwrap(), 1_710, "one head per household");
}
