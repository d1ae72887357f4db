//! The shape every practice shares: reads through core (volunteers never see consent), the
//! API's tri-state PATCH and typed path ids, ratios of nothing, htmx answers, and the
//! grouped report queries.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::Actor;
use hearth_core::indicators::{self, Scope};
use hearth_core::registry::{consent, residents};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::support::*;

async fn household_with_consent(app: &TestApp) -> (i64, i64) {
    app.community("north").await;
    let h = app.household("north", "N-1").await.id;
    let sys = Actor::system();
    residents::create(
        &app.store,
        &sys,
        residents::ResidentInput { household_id: Some(h), full_name: Some("张伟".into()), ..Default::default() },
    )
    .await
    .unwrap();
    let c = consent::create(
        &app.store,
        &sys,
        h,
        consent::ConsentInput {
            given_by: Some("张伟".into()),
            given_on: Some("2016-03-01".into()),
            scope_services: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (h, c.id)
}

#[tokio::test]
async fn a_volunteer_finds_no_consent_record_by_any_route() {
    let app = spawn_app().await;
    let (h, cid) = household_with_consent(&app).await;
    let mut api = app.api_as("vola", "volunteer", &["north"]).await;
    app.pair("vola", h).await;
    let mut page = app.login_as("volb", "volunteer", &["north"]).await;
    app.pair("volb", h).await;

    // The household itself is theirs to see…
    assert_eq!(api.get(&format!("/api/v1/households/{h}")).await.status, StatusCode::OK);
    // …its consent records are not, by any route.
    for path in [format!("/api/v1/households/{h}/consents"), format!("/api/v1/consents/{cid}")] {
        let res = api.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.text);
        assert_eq!(res.json()["error"]["code"], "not_found");
    }
    let res =
        api.json("POST", &format!("/api/v1/consents/{cid}/withdraw"), &json!({"withdrawn_on": "2016-04-01"})).await;
    assert!(matches!(res.status.as_u16(), 403 | 404), "{}", res.status);
    let shown = page.get(&format!("/households/{h}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("张伟"), "members are shown");
    assert!(!shown.text.contains("consent-"), "no consent section or timeline entry: {}", shown.text);
    // In the core too: no consent for them, and none in the timeline.
    let vol = hearth_core::auth::users::by_username(&app.store, "vola").await.unwrap().unwrap();
    let actor = hearth_core::auth::users::actor_for(&app.store, &vol).await.unwrap();
    assert!(matches!(consent::list(&app.store, &actor, h).await, Err(hearth_core::CoreError::NotFound)));
    assert!(matches!(consent::get(&app.store, &actor, cid).await, Err(hearth_core::CoreError::NotFound)));
    let hh = hearth_core::registry::households::load(&app.store, &actor, h).await.unwrap();
    assert_eq!(consent::visible(&app.store, &actor, &hh).await.unwrap(), None);
    let events = hearth_core::timeline::for_household(&app.store, &actor, &hh).await.unwrap();
    assert!(events.iter().all(|e| !e.kind.starts_with("consent")), "{events:?}");
    // A caseworker does see them.
    let mut cw = app.api_as("cwk", "caseworker", &["north"]).await;
    assert_eq!(cw.get(&format!("/api/v1/consents/{cid}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_patch_with_null_clears_and_an_absent_field_keeps() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.api_as("cwk", "caseworker", &["north"]).await;
    let h = c
        .json(
            "POST",
            "/api/v1/households",
            &json!({"code": "1-1-101", "address": "Jiafu Rd 1", "phone": "138 0000 0000", "notes": "Call first"}),
        )
        .await
        .json();
    let path = format!("/api/v1/households/{}", h["id"]);
    // Absent: kept.
    let same = c.json("PATCH", &path, &json!({"unit": "2"})).await.json();
    assert_eq!((same["notes"].as_str(), same["phone"].as_str()), (Some("Call first"), Some("138 0000 0000")));
    // null: cleared.
    let cleared = c.json("PATCH", &path, &json!({"notes": null})).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    let cleared = cleared.json();
    assert!(cleared["notes"].is_null(), "{cleared}");
    assert_eq!(cleared["phone"], "138 0000 0000", "other fields kept");
    // A required field cannot be cleared: the field is named, nothing changes.
    let res = c.json("PATCH", &path, &json!({"address": null})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field_codes"]["address"], "required");
    assert_eq!(c.get(&path).await.json()["address"], "Jiafu Rd 1");
    // The same tri-state on follow-ups: a required owner cannot be cleared.
    let me = hearth_core::auth::users::by_username(&app.store, "cwk").await.unwrap().unwrap();
    let f = c
        .json(
            "POST",
            "/api/v1/follow-ups",
            &json!({"household_id": h["id"], "description": "School place", "category": "schooling",
                    "owner_user_id": me.id, "due_on": "2030-01-01"}),
        )
        .await;
    assert_eq!(f.status, StatusCode::CREATED, "{}", f.text);
    let fpath = format!("/api/v1/follow-ups/{}", f.json()["id"]);
    let res = c.json("PATCH", &fpath, &json!({"owner_user_id": null})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(res.json()["error"]["field_codes"]["owner_user_id"], "required");
    let res = c.json("PATCH", &fpath, &json!({"status": "in_progress"})).await.json();
    assert_eq!((res["status"].as_str(), res["owner_user_id"].as_i64()), (Some("in_progress"), Some(me.id)));
}

#[tokio::test]
async fn a_non_numeric_path_id_is_a_400_naming_the_parameter() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.api_as("cwk", "caseworker", &["north"]).await;
    for (method, path) in [
        ("GET", "/api/v1/households/abc"),
        ("PATCH", "/api/v1/households/1x"),
        ("GET", "/api/v1/residents/%20"),
        ("GET", "/api/v1/consents/-"),
        ("GET", "/api/v1/follow-ups/99999999999999999999"),
        ("GET", "/api/v1/visits/1.5"),
    ] {
        let res = if method == "GET" { c.get(path).await } else { c.json(method, path, &json!({})).await };
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{method} {path}: {}", res.text);
        let body = res.json();
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(body["error"]["field_codes"]["id"], "wrong_type", "{body}");
    }
    // A well-formed id that does not exist is still not found.
    assert_eq!(c.get("/api/v1/households/424242").await.status, StatusCode::NOT_FOUND);
    // `424242.0` is that same integer to JSON Schema (schemathesis sends ids so).
    assert_eq!(c.get("/api/v1/households/424242.0").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/api/v1/residents?household_id=424242.0").await.status, StatusCode::OK);
    // Query parameters are typed the same way, from the documented parameter structs.
    for (path, param) in [
        ("/api/v1/households?limit=ten", "limit"),
        ("/api/v1/residents?household_id=x", "household_id"),
        ("/api/v1/visits?after=1e3", "after"),
        ("/api/v1/follow-ups?queue=someday", "queue"),
    ] {
        let res = c.get(path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.text);
        assert_eq!(res.json()["error"]["field_codes"][param], "wrong_type", "{path}");
    }
    // An empty number is not a number (the document types it; schemathesis holds us to it);
    // empty text is no filter; an unknown parameter is ignored.
    let res = c.get("/api/v1/households?limit=&colour=red").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json()["error"]["field_codes"]["limit"], "wrong_type");
    assert_eq!(c.get("/api/v1/households?q=&colour=red").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_ratio_with_a_zero_denominator_is_null_not_zero_percent() {
    let app = spawn_app().await;
    let empty = app.community("empty").await;
    let scope = Scope::new(
        vec![empty.id],
        chrono::NaiveDate::from_ymd_opt(2016, 3, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2016, 3, 31).unwrap(),
    )
    .unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&["visit_coverage_pct"])).await.unwrap();
    assert_eq!((f[0].value, f[0].numerator, f[0].denominator), (None, Some(0), Some(0)));

    let mut c = app.api_as("coord", "coordinator", &["empty"]).await;
    let r = c.get("/api/v1/reports?community=empty&from=2016-03-01&to=2016-03-31").await.json();
    let cov = r["indicators"].as_array().unwrap().iter().find(|l| l["key"] == "visit_coverage_pct").unwrap().clone();
    assert!(cov["value"].is_null(), "{cov}");
    assert!(cov.get("suppressed").is_none_or(|s| s == &json!(false)), "no value is not a hidden value: {cov}");
    let mut page = app.login_as("coord2", "coordinator", &["empty"]).await;
    let csv = page.get("/reports.csv?community=empty&from=2016-03-01&to=2016-03-31").await;
    let line = csv.text.lines().find(|l| l.contains("visit_coverage_pct")).unwrap_or_default().to_owned();
    assert!(line.contains('—') && !line.contains("0.0"), "{line}");
    let html = page.get("/reports?community=empty&from=2016-03-01&to=2016-03-31").await;
    assert!(!html.text.contains("0.0%"), "never 0% of nothing");
    let cov_page = page.get("/visits/coverage?community=empty&from=2016-03-01&to=2016-03-31").await;
    assert!(cov_page.text.contains("0 of 0 households visited") && cov_page.text.contains('—'), "{}", cov_page.text);
}

#[tokio::test]
async fn an_htmx_request_with_an_expired_session_is_redirected_to_login() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let htmx_get = |path: &str| {
        Request::get(path)
            .header("hx-request", "true")
            .header("hx-current-url", format!("http://{HOST}/households?q=zw"))
            .body(Body::empty())
            .unwrap()
    };
    // While signed in, the fragment comes back.
    let res = c.send(htmx_get("/households?q=zhang")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.text.contains("<html"), "a fragment, not a page");
    // Expired: no login page swapped into the fragment; the whole page goes to sign in,
    // and back to the page the worker was on.
    app.age_sessions(31, 1).await;
    let res = c.send(htmx_get("/households?q=zhang")).await;
    assert_eq!(res.header("hx-redirect").as_deref(), Some("/login?next=/households%3Fq%3Dzw"), "{}", res.status);
    assert!(!res.text.contains("<form"), "{}", res.text);
    // A plain request still gets the ordinary redirect.
    let res = c.get("/households").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login?next="));
}

#[tokio::test]
async fn an_htmx_error_is_shown_where_the_user_is_looking() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let req = Request::get("/households/424242").header("hx-request", "true").body(Body::empty()).unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.header("hx-retarget").as_deref(), Some("#htmx-error"));
    assert!(res.text.contains("role=\"alert\"") && res.text.contains("does not exist"), "{}", res.text);
    assert!(!res.text.contains("<html"), "a fragment for the message area");
    // Every page has the message area it is aimed at.
    assert!(c.get("/households").await.text.contains("id=\"htmx-error\""));
}

#[tokio::test]
async fn a_report_over_many_communities_groups_by_community_in_one_query_each() {
    let app = spawn_app().await;
    let (north, south) = two_communities(&app).await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let both = Scope::new(vec![north, south], d(FROM), d(TO)).unwrap();
    let grouped = indicators::evaluate_grouped(&app.store, &both, None, true).await.unwrap();
    // Each community's figures from the grouped queries equal its own evaluation…
    for id in [north, south] {
        let alone = Scope::new(vec![id], both.from, both.to).unwrap();
        let own = indicators::evaluate(&app.store, &alone, None).await.unwrap();
        assert_eq!(grouped.by_community[&id], own, "community {id}");
    }
    // …and the total equals the evaluation over the whole scope.
    assert_eq!(grouped.total, indicators::evaluate(&app.store, &both, None).await.unwrap());
    let households = grouped.total.iter().find(|f| f.key == "households").unwrap();
    assert_eq!(households.value, Some(7.0), "4 in north + 3 in south");
}

#[tokio::test]
async fn a_check_and_the_write_it_guards_are_one_transaction() {
    use hearth_core::patch::Patch;
    use hearth_core::visits::follow_ups::{self, FollowUpInput, FollowUpUpdate};
    let app = spawn_app().await;
    let (h, cid) = household_with_consent(&app).await;
    let owner = app.user("owner", "caseworker", &["north"]).await;
    let sys = Actor::system();
    let f = follow_ups::create(
        &app.store,
        &sys,
        FollowUpInput {
            household_id: Some(h),
            description: Some("Residence registration".into()),
            category: Some("documents".into()),
            owner_user_id: Some(owner.id),
            due_on: Some("2030-01-01".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Ten people close the same follow-up at once: exactly one closes it.
    let today = chrono::Utc::now().date_naive().to_string();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (store, today) = (app.store.clone(), today.clone());
        tasks.push(tokio::spawn(async move {
            let close = FollowUpUpdate {
                status: Patch::Set("resolved".into()),
                resolution_note: Patch::Set(format!("done by {i}")),
                resolved_on: Patch::Set(today),
                ..Default::default()
            };
            follow_ups::update(&store, &Actor::system(), f.id, close).await
        }));
    }
    let mut closed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => closed += 1,
            Err(hearth_core::CoreError::Conflict { field, code }) => {
                assert_eq!((field.as_str(), code), ("status", "already_closed"))
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(closed, 1);
    let history = follow_ups::history_of(&app.store, &sys, f.id).await.unwrap();
    assert_eq!(history.iter().filter(|(r, _)| r.change == "status").count(), 1, "one closing in the history");
    // Ten withdrawals of one consent at once: one wins, the others are told it is withdrawn.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = app.store.clone();
        tasks.push(tokio::spawn(
            async move { consent::withdraw(&store, &Actor::system(), cid, Some("2016-04-01")).await },
        ));
    }
    let mut withdrawn = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => withdrawn += 1,
            Err(hearth_core::CoreError::Conflict { field, code }) => {
                assert_eq!((field.as_str(), code), ("withdrawn_on", "already_withdrawn"))
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(withdrawn, 1);
}

/// Issue 9: on SQLite every write goes through one writer connection, so many clients
/// mixing reads and writes never meet a busy database. Every request answers as it should,
/// every write is there, and every audited read and write left its entry in the chain.
#[tokio::test]
async fn sixty_four_clients_mixing_reads_and_writes_never_meet_a_busy_database() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1").await.id;
    let c = app.api_as("cwk", "caseworker", &["north"]).await;
    let token = c.bearer.clone().unwrap();
    let before = hearth_core::audit::count(&app.store).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let mut client = app.client();
        client.bearer = Some(token.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for j in 0..5 {
                let res = if (i + j) % 10 == 0 {
                    let body = json!({"code": format!("C-{i}-{j}"), "address": "Jiafu Rd"});
                    client.json("POST", "/api/v1/households", &body).await
                } else {
                    client.get(&format!("/api/v1/households/{h}")).await
                };
                statuses.push((res.status, res.text));
            }
            statuses
        }));
    }
    let (mut reads, mut writes) = (0, 0);
    for t in tasks {
        for (status, text) in t.await.unwrap() {
            match status {
                StatusCode::OK => reads += 1,
                StatusCode::CREATED => writes += 1,
                other => panic!("{other}: {text}"),
            }
        }
    }
    assert_eq!((reads + writes, writes), (320, 31));
    let created = hearth_core::entity::household::Entity::find().count(app.store.conn()).await.unwrap();
    assert_eq!(created, 1 + 31);
    // One entry per audited read and per write, and the chain is whole.
    assert_eq!(hearth_core::audit::count(&app.store).await.unwrap(), before + 320);
    assert!(matches!(
        hearth_core::audit::verify(&app.store).await.unwrap(),
        hearth_core::audit::Verdict::Intact { .. }
    ));
}
