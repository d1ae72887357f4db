//! Visits and follow-ups over HTTP: recording with needs, history, queues, resolving,
//! coverage figures on known data, bad input (named field, nothing stored), volunteer scope.

use axum::http::StatusCode;
use hearth_core::entity::{follow_up, follow_up_history, visit};
use hearth_core::indicators::{self, Scope};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::support::*;

async fn counts(app: &TestApp) -> (u64, u64, u64) {
    (
        visit::Entity::find().count(app.store.conn()).await.unwrap(),
        follow_up::Entity::find().count(app.store.conn()).await.unwrap(),
        follow_up_history::Entity::find().count(app.store.conn()).await.unwrap(),
    )
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_visit_with_two_needs_opens_two_follow_ups_with_history_and_audit() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 2).await;
    let mut cw = app.api_as("cwk", "caseworker", &["north"]).await;
    let other = app.user("other", "caseworker", &["north"]).await;
    let res = cw
        .json(
            "POST",
            "/api/v1/visits",
            &json!({
                "household_id": h, "visited_on": "2016-03-04", "purpose": "welcome",
                "visitor_ids": [other.id], "companions": "Property staff",
                "needs": [
                    {"description": "Needs a school place", "category": "schooling", "due_on": "2016-03-20"},
                    {"description": "Wants work", "category": "jobs", "due_on": "2016-04-01", "owner_user_id": other.id},
                ]
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let v = res.json();
    assert_eq!(v["visitor_ids"], json!([other.id]));
    let fus = v["follow_ups"].as_array().unwrap();
    assert_eq!(fus.len(), 2);
    assert_eq!(fus[0]["opened_on"], "2016-03-04");
    assert_eq!(fus[0]["status"], "open");
    assert_eq!(fus[1]["owner_user_id"], other.id);
    assert_ne!(fus[0]["owner_user_id"], other.id, "left out, the owner is the recording user");
    assert_eq!(counts(&app).await, (1, 2, 2));

    let got = cw.get(&format!("/api/v1/visits/{}", v["id"])).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["follow_ups"].as_array().unwrap().len(), 2);
    let f = cw.get(&format!("/api/v1/follow-ups/{}", fus[0]["id"])).await.json();
    assert_eq!(f["history"][0]["change"], "created");

    let audit = cw.get("/api/v1/visits").await;
    assert_eq!(ids(&audit.json()), vec![v["id"].as_i64().unwrap()]);
    use hearth_core::entity::audit_log;
    use sea_orm::{ColumnTrait, QueryFilter};
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq("visit"))
        .filter(audit_log::Column::Action.eq("create"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    // Made with an API token: the entry names it (no personal values either way).
    assert!(row.summary.starts_with("visitors: 1, needs: 2"), "{}", row.summary);
    assert!(!row.summary.contains("school"), "no personal values in the audit log");
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let hs = hh(&app, "south", "S-1", "2016-01-10", None, 1).await;
    let south_user = app.user("southie", "caseworker", &["south"]).await;
    let viewer = app.user("viewer", "viewer", &["north"]).await;
    let mut cw = app.api_as("cwk", "caseworker", &["north"]).await;
    let need = |extra: Value| {
        let mut n = json!({"description": "Needs help", "category": "health", "due_on": "2016-03-10"});
        for (k, v) in extra.as_object().unwrap() {
            n[k] = v.clone();
        }
        n
    };
    let visit = |extra: Value, n: Value| {
        let mut v = json!({"household_id": h, "visited_on": "2016-03-05", "purpose": "welcome", "needs": [n]});
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        v
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (visit(json!({}), need(json!({"due_on": "2016-03-01"}))), "needs[0].due_on", "date_before_visit"),
        (visit(json!({}), need(json!({"owner_user_id": 999999}))), "needs[0].owner_user_id", "unknown_owner"),
        (visit(json!({}), need(json!({"owner_user_id": south_user.id}))), "needs[0].owner_user_id", "unknown_owner"),
        (visit(json!({}), need(json!({"owner_user_id": viewer.id}))), "needs[0].owner_user_id", "unknown_owner"),
        (visit(json!({"visited_on": "2016-02-30"}), need(json!({}))), "visited_on", "no_such_date"),
        (visit(json!({"visited_on": "05/03/2016"}), need(json!({}))), "visited_on", "invalid_date"),
        (visit(json!({"visited_on": "2016-3-1"}), need(json!({}))), "visited_on", "invalid_date"),
        (visit(json!({"visited_on": "1850-03-01"}), need(json!({}))), "visited_on", "date_out_of_range"),
        (visit(json!({}), need(json!({"due_on": "next week"}))), "needs[0].due_on", "invalid_date"),
        (visit(json!({"purpose": "inspection"}), need(json!({}))), "purpose", "invalid_choice"),
        (visit(json!({}), need(json!({"category": "behaviour"}))), "needs[0].category", "invalid_choice"),
        (visit(json!({}), need(json!({"description": "  "}))), "needs[0].description", "required"),
        (visit(json!({"visitor_ids": [south_user.id]}), need(json!({}))), "visitors", "unknown_user"),
        (
            visit(json!({"visited_on": "2099-01-01"}), need(json!({"due_on": "2099-02-01"}))),
            "visited_on",
            "date_in_future",
        ),
    ];
    for (body, field, code) in cases {
        let res = cw.json("POST", "/api/v1/visits", &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert_eq!(res.json()["error"]["field_codes"][field], code, "{body}: {}", res.text);
        assert_eq!(counts(&app).await, (0, 0, 0), "{body} stored something");
    }
    // A household in another community is not found, and nothing is stored either.
    let mut body = visit(json!({}), need(json!({})));
    body["household_id"] = json!(hs);
    assert_eq!(cw.json("POST", "/api/v1/visits", &body).await.status, StatusCode::NOT_FOUND);
    // Direct follow-ups: the same rules.
    let direct = |extra: Value| {
        let mut v = json!({"household_id": h, "description": "Call back", "category": "documents",
            "due_on": "2016-03-10", "opened_on": "2016-03-05"});
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        v
    };
    for (body, field, code) in [
        (direct(json!({"due_on": "2016-03-01"})), "due_on", "date_before_opened"),
        (direct(json!({"owner_user_id": south_user.id})), "owner_user_id", "unknown_owner"),
        (direct(json!({"category": "nope"})), "category", "invalid_choice"),
        (direct(json!({"description": ""})), "description", "required"),
        (direct(json!({"opened_on": "2016-13-01"})), "opened_on", "no_such_date"),
    ] {
        let res = cw.json("POST", "/api/v1/follow-ups", &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert_eq!(res.json()["error"]["field_codes"][field], code, "{body}: {}", res.text);
        assert_eq!(counts(&app).await, (0, 0, 0), "{body} stored something");
    }
    // A wrong JSON type is a 400 naming the field.
    let res = cw.json("POST", "/api/v1/follow-ups", &direct(json!({"owner_user_id": "me"}))).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(counts(&app).await, (0, 0, 0));
}

/// A follow-up opened on 2016-03-05, due 2016-03-10 (long overdue today).
async fn overdue_follow_up(app: &TestApp, c: &mut TestClient, h: i64) -> Value {
    let res = c
        .json(
            "POST",
            "/api/v1/follow-ups",
            &json!({"household_id": h, "description": "Register at the clinic", "category": "health",
                "due_on": "2016-03-10", "opened_on": "2016-03-05"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let _ = app;
    res.json()
}

#[tokio::test]
async fn status_changes_are_kept_and_resolving_needs_a_note_and_a_date() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let mut cw = app.api_as("cwk", "caseworker", &["north"]).await;
    let other = app.user("other", "coordinator", &["north"]).await;
    let f = overdue_follow_up(&app, &mut cw, h).await;
    let path = format!("/api/v1/follow-ups/{}", f["id"]);

    let res = cw
        .json("PATCH", &path, &json!({"status": "in_progress", "owner_user_id": other.id, "due_on": "2016-04-30"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // Resolving without a note (or a date) is refused and changes nothing.
    let before = counts(&app).await;
    for (body, field) in [
        (json!({"status": "resolved", "resolved_on": "2016-04-02"}), "resolution_note"),
        (json!({"status": "resolved", "resolution_note": "  ", "resolved_on": "2016-04-02"}), "resolution_note"),
        (json!({"status": "resolved", "resolution_note": "Registered"}), "resolved_on"),
        (json!({"status": "resolved", "resolution_note": "Registered", "resolved_on": "2016-03-01"}), "resolved_on"),
        (json!({"status": "done"}), "status"),
        (json!({"due_on": "2016-03-01"}), "due_on"),
        (json!({"owner_user_id": 424242}), "owner_user_id"),
        (json!({"category": "nope"}), "category"),
    ] {
        let res = cw.json("PATCH", &path, &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert!(res.json()["error"]["field_codes"][field].is_string(), "{body}: {}", res.text);
        assert_eq!(counts(&app).await, before);
        let now = cw.get(&path).await.json();
        assert_eq!(now["status"], "in_progress");
        assert_eq!(now["due_on"], "2016-04-30");
    }
    let res = cw
        .json(
            "PATCH",
            &path,
            &json!({"status": "resolved", "resolution_note": "Registered", "resolved_on": "2016-04-02"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let done = res.json();
    assert_eq!(done["status"], "resolved");
    assert_eq!(done["resolved_on"], "2016-04-02");
    assert_eq!(done["resolution_note"], "Registered");
    let changes: Vec<(String, Value, Value)> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["change"].as_str().unwrap().to_owned(), h["from"].clone(), h["to"].clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("created".into(), Value::Null, json!("open")),
            ("owner".into(), json!(f["owner_user_id"].as_i64().unwrap().to_string()), json!(other.id.to_string())),
            ("due_on".into(), json!("2016-03-10"), json!("2016-04-30")),
            ("status".into(), json!("open"), json!("in_progress")),
            ("status".into(), json!("in_progress"), json!("resolved")),
        ]
    );
    assert_eq!(done["history"][4]["note"], "Registered");
    // Closed is closed to re-planning; it can be reopened, with a note saying why.
    let res = cw.json("PATCH", &path, &json!({"due_on": "2016-05-01"})).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(res.json()["error"]["field_codes"]["status"], "already_closed");
    let res = cw.json("PATCH", &path, &json!({"status": "open"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field_codes"]["note"], "reopen_needs_note");
    let res = cw.json("PATCH", &path, &json!({"status": "open", "note": "The school place fell through"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let open = res.json();
    assert_eq!((open["status"].as_str(), open["resolved_on"].as_str()), (Some("open"), None));
    let statuses: Vec<_> = open["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["change"] == "status")
        .map(|h| (h["from"].as_str().unwrap_or_default().to_owned(), h["to"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(statuses.last().map(|(f, t)| (f.as_str(), t.as_str())), Some(("resolved", "open")));
    assert_eq!(statuses.len(), 3, "the closing stays in the history");
    assert_eq!(open["history"][4]["note"], "Registered", "the old resolution is kept");
    assert_eq!(open["notes"][0]["body"], "The school place fell through");
}

#[tokio::test]
async fn the_overdue_queue_loses_a_follow_up_when_it_is_resolved() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let mut cw = app.api_as("cwk", "caseworker", &["north"]).await;
    let f = overdue_follow_up(&app, &mut cw, h).await;
    let id = f["id"].as_i64().unwrap();
    // One not yet due (due far ahead) stays out of the overdue queue.
    let later = cw
        .json(
            "POST",
            "/api/v1/follow-ups",
            &json!({"household_id": h, "description": "Later", "category": "jobs", "due_on": "2099-01-01"}),
        )
        .await
        .json();
    let later_id = later["id"].as_i64().unwrap();
    assert_eq!(ids(&cw.get("/api/v1/follow-ups?queue=overdue").await.json()), vec![id]);
    assert_eq!(ids(&cw.get("/api/v1/follow-ups?queue=mine").await.json()), vec![id, later_id]);
    assert_eq!(ids(&cw.get("/api/v1/follow-ups?queue=overdue&category=jobs").await.json()), Vec::<i64>::new());
    let res = cw.get("/api/v1/follow-ups?category=behaviour").await;
    assert_eq!(res.json()["error"]["field_codes"]["category"], "invalid_choice");

    // The navigation counts the same queues.
    let mut page = app.login_as("cwk2", "caseworker", &["north"]).await;
    let html = page.get("/follow-ups?queue=overdue").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.text.contains("data-overdue-count=\"1\""), "{}", html.text);

    let res = cw
        .json(
            "PATCH",
            &format!("/api/v1/follow-ups/{id}"),
            &json!({"status": "resolved", "resolution_note": "Done", "resolved_on": "2016-03-20"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(ids(&cw.get("/api/v1/follow-ups?queue=overdue").await.json()), Vec::<i64>::new());
    assert_eq!(ids(&cw.get("/api/v1/follow-ups?queue=mine").await.json()), vec![later_id]);
    assert_eq!(ids(&cw.get("/api/v1/follow-ups?status=resolved").await.json()), vec![id]);
    let html = page.get("/follow-ups?queue=overdue").await;
    assert!(html.text.contains("data-overdue-count=\"0\""), "{}", html.text);
}

#[tokio::test]
async fn a_volunteer_sees_and_works_only_follow_ups_they_own_on_paired_households() {
    let app = spawn_app().await;
    app.community("north").await;
    let h1 = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let h2 = hh(&app, "north", "N-2", "2016-01-10", None, 1).await;
    let mut cw = app.api_as("cwk", "caseworker", &["north"]).await;
    let mut vol = app.api_as("vol", "volunteer", &["north"]).await;
    let v = hearth_core::auth::users::by_username(&app.store, "vol").await.unwrap().unwrap();
    app.pair("vol", h1).await;
    let new = |h: i64, owner: i64| {
        json!({"household_id": h, "description": "Help with forms", "category": "documents",
            "due_on": "2016-05-01", "opened_on": "2016-04-02", "owner_user_id": owner})
    };
    // Not paired with N-2: cannot be its owner.
    let res = cw.json("POST", "/api/v1/follow-ups", &new(h2, v.id)).await;
    assert_eq!(res.json()["error"]["field_codes"]["owner_user_id"], "unknown_owner");
    let mine = cw.json("POST", "/api/v1/follow-ups", &new(h1, v.id)).await.json()["id"].as_i64().unwrap();
    let cw_id = hearth_core::auth::users::by_username(&app.store, "cwk").await.unwrap().unwrap().id;
    let theirs = cw.json("POST", "/api/v1/follow-ups", &new(h1, cw_id)).await.json()["id"].as_i64().unwrap();
    assert_eq!(ids(&vol.get("/api/v1/follow-ups").await.json()), vec![mine]);
    assert_eq!(vol.get(&format!("/api/v1/follow-ups/{theirs}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(vol.get("/api/v1/visits").await.status, StatusCode::FORBIDDEN);
    // They may move it along and resolve it, not reassign it.
    let p = format!("/api/v1/follow-ups/{mine}");
    assert_eq!(vol.json("PATCH", &p, &json!({"owner_user_id": cw_id})).await.status, StatusCode::FORBIDDEN);
    let res = vol
        .json("PATCH", &p, &json!({"status": "resolved", "resolution_note": "Forms sent", "resolved_on": "2016-04-20"}))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
}

#[tokio::test]
async fn coverage_figures_on_a_known_dataset_and_a_two_community_roll_up() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let mut cw = app.api_as("cwk", "coordinator", &["north", "south"]).await;
    // North: 4 households. N-1 visited twice in March, N-2 once in March, N-3 only in
    // February, N-4 never. South: 6 households, S-1 visited once in March.
    let mut north = Vec::new();
    for i in 1..=4 {
        north.push(hh(&app, "north", &format!("N-{i}"), "2016-01-10", None, 1).await);
    }
    let mut south = Vec::new();
    for i in 1..=6 {
        south.push(hh(&app, "south", &format!("S-{i}"), "2016-01-10", None, 1).await);
    }
    let visit = |h: i64, on: &str, needs: Value| json!({"household_id": h, "visited_on": on, "purpose": "welcome", "needs": needs});
    let need = |due: &str| json!({"description": "x", "category": "jobs", "due_on": due});
    for body in [
        visit(north[0], "2016-03-01", json!([need("2016-03-10"), need("2016-04-30")])),
        visit(north[0], "2016-03-31", json!([])),
        visit(north[1], "2016-03-15", json!([need("2016-03-20")])),
        visit(north[2], "2016-02-29", json!([need("2016-03-05")])),
        visit(south[0], "2016-03-02", json!([])),
    ] {
        let res = cw.json("POST", "/api/v1/visits", &body).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    // Resolve the N-2 need in March; the Feb need (due 2016-03-05) is closed only in April,
    // so it was overdue at the end of March.
    let all = cw.get("/api/v1/follow-ups?queue=all&limit=100").await.json();
    let by_due = |due: &str, h: i64| {
        all["items"].as_array().unwrap().iter().find(|f| f["due_on"] == due && f["household_id"] == h).unwrap()["id"]
            .clone()
    };
    let resolve = |on: &str| json!({"status": "resolved", "resolution_note": "ok", "resolved_on": on});
    let r = cw
        .json("PATCH", &format!("/api/v1/follow-ups/{}", by_due("2016-03-20", north[1])), &resolve("2016-03-18"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = cw
        .json("PATCH", &format!("/api/v1/follow-ups/{}", by_due("2016-03-05", north[2])), &resolve("2016-04-03"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let n_id = hearth_core::registry::communities::by_slug(&app.store, &hearth_core::Actor::system(), "north")
        .await
        .unwrap()
        .id;
    let s_id = hearth_core::registry::communities::by_slug(&app.store, &hearth_core::Actor::system(), "south")
        .await
        .unwrap()
        .id;
    let keys = [
        "visits",
        "households_visited",
        "households",
        "visit_coverage_pct",
        "follow_ups_opened",
        "follow_ups_resolved",
        "follow_ups_overdue",
    ];
    let figures = |scope: Scope| {
        let app = &app;
        async move {
            let f = indicators::evaluate(&app.store, &scope, Some(&keys)).await.unwrap();
            let get = |k: &str| f.iter().find(|x| x.key == k).unwrap().value.unwrap();
            // Every count's drill-down lists exactly the records that make it.
            for k in keys.iter().filter(|k| **k != "visit_coverage_pct") {
                let page = indicators::records(&app.store, &scope, k, &Default::default(), None, 1000).await.unwrap();
                assert_eq!(page.items.len() as f64, get(k), "{k} drill-down");
            }
            keys.iter().map(|k| get(k)).collect::<Vec<f64>>()
        }
    };
    let march = |c: Vec<i64>| Scope::new(c, d("2016-03-01"), d("2016-03-31")).unwrap();
    // visits, visited, households, pct, opened, resolved, overdue
    assert_eq!(figures(march(vec![n_id])).await, vec![3.0, 2.0, 4.0, 50.0, 3.0, 1.0, 2.0]);
    assert_eq!(figures(march(vec![s_id])).await, vec![1.0, 1.0, 6.0, 16.7, 0.0, 0.0, 0.0]);
    // The roll-up recomputes the ratio from the sums: 3 / 10, not the mean of 50% and 16.7%.
    assert_eq!(figures(march(vec![n_id, s_id])).await, vec![4.0, 3.0, 10.0, 30.0, 3.0, 1.0, 2.0]);
    // February: N-3 visited, its need opened; nothing overdue by the end of February.
    let feb = Scope::new(vec![n_id], d("2016-02-01"), d("2016-02-29")).unwrap();
    assert_eq!(figures(feb).await, vec![1.0, 1.0, 4.0, 25.0, 1.0, 0.0, 0.0]);

    // Planning list: not visited since 2016-03-01 in north → N-3 (last visit in Feb), N-4.
    let coord = hearth_core::auth::users::by_username(&app.store, "cwk").await.unwrap().unwrap();
    let actor = hearth_core::auth::users::actor_for(&app.store, &coord).await.unwrap();
    let plan = hearth_core::visits::coverage::not_visited_since(&app.store, &actor, n_id, d("2016-03-01"), None, None)
        .await
        .unwrap();
    let rows: Vec<(i64, Option<chrono::NaiveDate>)> =
        plan.items.iter().map(|r| (r.household_id, r.last_visited_on)).collect();
    assert_eq!(rows, vec![(north[2], Some(d("2016-02-29"))), (north[3], None)]);
}

#[tokio::test]
async fn the_demo_march_2016_round_visits_every_household_once() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let jiafu =
        hearth_core::registry::communities::by_slug(&app.store, &hearth_core::Actor::system(), "jiafu").await.unwrap();
    let march = Scope::new(vec![jiafu.id], d("2016-03-01"), d("2016-03-31")).unwrap();
    let f = indicators::evaluate(&app.store, &march, Some(&["visits", "households_visited", "visit_coverage_pct"]))
        .await
        .unwrap();
    let get = |k: &str| f.iter().find(|x| x.key == k).unwrap().clone();
    assert_eq!(get("visits").value, Some(1710.0), "exactly one visit per household");
    assert_eq!(get("households_visited").value, Some(1710.0));
    let pct = get("visit_coverage_pct");
    assert_eq!((pct.value, pct.numerator, pct.denominator), (Some(100.0), Some(1710), Some(1710)));
    // Nothing outside March.
    let rest = Scope::new(vec![jiafu.id], d("2016-04-01"), d("2016-12-31")).unwrap();
    let f = indicators::evaluate(&app.store, &rest, Some(&["visits"])).await.unwrap();
    assert_eq!(f[0].value, Some(0.0));
    // Follow-ups: most resolved, some still open and overdue at the end of the year.
    let year = Scope::new(vec![jiafu.id], d("2016-01-01"), d("2016-12-31")).unwrap();
    let f = indicators::evaluate(
        &app.store,
        &year,
        Some(&["follow_ups_opened", "follow_ups_resolved", "follow_ups_overdue"]),
    )
    .await
    .unwrap();
    let v = |k: &str| f.iter().find(|x| x.key == k).unwrap().value.unwrap();
    let (opened, resolved, overdue) = (v("follow_ups_opened"), v("follow_ups_resolved"), v("follow_ups_overdue"));
    assert!(opened >= 150.0 && resolved > opened * 0.7 && overdue > 0.0 && overdue < opened * 0.2, "{f:?}");
    // The coverage page says it in words, computed through the catalogue.
    let mut c = app.login_as("coord", "coordinator", &["jiafu"]).await;
    let page = c.get("/visits/coverage?community=jiafu&from=2016-03-01&to=2016-03-31&days=30").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("1710 of 1710 households visited from 2016-03-01 to 2016-03-31, 100%"), "{}", page.text);
}

#[tokio::test]
async fn record_a_visit_with_two_needs_and_resolve_one_through_the_pages() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let me = hearth_core::auth::users::by_username(&app.store, "cwk").await.unwrap().unwrap().id.to_string();
    let page = c.get(&format!("/households/{h}")).await;
    assert!(page.text.contains(&format!("href=\"/households/{h}/visits/new\"")), "a Record visit button");
    let form = c.get(&format!("/households/{h}/visits/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("name=\"needs[0].description\""));
    // "Add another need" gives a second row and saves nothing.
    let base = [("visited_on", "2016-03-04"), ("purpose", "welcome"), ("visitor", me.as_str())];
    let mut fields: Vec<(&str, &str)> = base.to_vec();
    fields.extend([("needs[0].description", "School place"), ("needs[0].category", "schooling")]);
    fields.extend([("needs[0].owner_user_id", me.as_str()), ("needs[0].due_on", "2016-03-20"), ("action", "add_need")]);
    let more = c.post_form(&format!("/households/{h}/visits"), &fields).await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.text.contains("name=\"needs[1].description\"") && more.text.contains("School place"));
    assert_eq!(counts(&app).await, (0, 0, 0));
    // A bad due date on the second need: named inline, nothing stored.
    fields.pop();
    fields.extend([("needs[1].description", "Wants work"), ("needs[1].category", "jobs")]);
    fields.extend([("needs[1].owner_user_id", me.as_str()), ("needs[1].due_on", "2016-03-01")]);
    let bad = c.post_form(&format!("/households/{h}/visits"), &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("The due date cannot be before the visit."), "{}", bad.text);
    assert_eq!(counts(&app).await, (0, 0, 0));
    fields.pop();
    fields.push(("needs[1].due_on", "2016-04-01"));
    let ok = c.post_form(&format!("/households/{h}/visits"), &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert_eq!(counts(&app).await, (1, 2, 2));
    // Both needs are in my queue, and overdue; resolve one through its page.
    let mine = c.get("/follow-ups").await;
    assert!(mine.text.contains("School place") && mine.text.contains("Wants work"));
    assert!(mine.text.contains("data-mine-count=\"2\"") && mine.text.contains("data-overdue-count=\"2\""));
    let id = follow_up::Entity::find().all(app.store.conn()).await.unwrap()[0].id;
    let page = c.get(&format!("/follow-ups/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let no_note =
        c.post_form(&format!("/follow-ups/{id}"), &[("status", "resolved"), ("resolved_on", "2016-03-18")]).await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c
        .post_form(
            &format!("/follow-ups/{id}"),
            &[("status", "resolved"), ("resolved_on", "2016-03-18"), ("note", "Place found")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let page = c.get(&format!("/follow-ups/{id}")).await;
    assert!(page.text.contains("Place found") && page.text.contains("Resolved"));
    let overdue = c.get("/follow-ups?queue=overdue").await;
    assert!(!overdue.text.contains("School place") && overdue.text.contains("Wants work"));
    assert!(overdue.text.contains("data-overdue-count=\"1\""));
    // The household timeline shows the visit and both follow-ups.
    let hp = c.get(&format!("/households/{h}")).await;
    assert!(
        hp.text.contains("Follow-up resolved") && hp.text.contains("Follow-up opened") && hp.text.contains(">Visit<")
    );
}

#[tokio::test]
async fn a_follow_up_opened_directly_through_its_form() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let form = c.get(&format!("/households/{h}/follow-ups/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    let path = format!("/households/{h}/follow-ups");
    let base =
        [("description", "Call about the residence permit"), ("category", "documents"), ("opened_on", "2016-03-05")];
    let mut bad = base.to_vec();
    bad.push(("due_on", "2016-03-01"));
    let res = c.post_form(&path, &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("This date cannot be before the day it was opened."), "{}", res.text);
    assert_eq!(counts(&app).await, (0, 0, 0));
    let mut good = base.to_vec();
    good.push(("due_on", "2016-03-15"));
    let res = c.post_form(&path, &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(counts(&app).await, (0, 1, 1));
    let page = c.get(&res.location()).await;
    assert!(page.text.contains("Call about the residence permit") && page.text.contains("Opened"));
}

#[tokio::test]
async fn a_follow_up_can_concern_one_member_of_the_household() {
    use hearth_core::registry::residents;
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 0).await;
    let other = hh(&app, "north", "N-2", "2016-01-10", None, 0).await;
    let sys = hearth_core::Actor::system();
    let member = |household_id: i64, name: &str| residents::ResidentInput {
        household_id: Some(household_id),
        full_name: Some(name.into()),
        ..Default::default()
    };
    let mine = residents::create(&app.store, &sys, member(h, "古丽娜尔·艾买提")).await.unwrap().id;
    let stranger = residents::create(&app.store, &sys, member(other, "李娜")).await.unwrap().id;
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let form = c.get(&format!("/households/{h}/follow-ups/new")).await;
    assert!(form.text.contains(&format!("<option value=\"{mine}\"")), "members are offered");
    assert!(!form.text.contains(&format!("<option value=\"{stranger}\"")), "other households' members are not");
    let path = format!("/households/{h}/follow-ups");
    let stranger_s = stranger.to_string();
    fn fields(rid: &str) -> Vec<(&'static str, &str)> {
        vec![
            ("description", "School enrolment for the youngest"),
            ("category", "schooling"),
            ("opened_on", "2016-03-05"),
            ("due_on", "2016-03-20"),
            ("resident_id", rid),
        ]
    }
    let res = c.post_form(&path, &fields(&stranger_s)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-resident_id\""), "the field is named: {}", res.text);
    assert_eq!(counts(&app).await, (0, 0, 0), "nothing stored");
    let mine_s = mine.to_string();
    let res = c.post_form(&path, &fields(&mine_s)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = c.get(&res.location()).await;
    assert!(page.text.contains(&format!("<a href=\"/residents/{mine}\">古丽娜尔·艾买提</a>")), "{}", page.text);
}

/// An overdue follow-up of one household, an API client (its author) and a page client.
async fn a_follow_up_and_two_clients() -> (TestApp, TestClient, i64, TestClient) {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let mut api = app.api_as("cwk-api", "caseworker", &["north"]).await;
    let f = overdue_follow_up(&app, &mut api, h).await;
    let id = f["id"].as_i64().unwrap_or_default();
    let page = app.login_as("cwk", "caseworker", &["north"]).await;
    (app, api, id, page)
}

/// Found on a phone: moving a follow-up to "in progress" with text in the note field saved
/// the status and dropped the text. Any update may carry a note; a note alone is an update.
#[tokio::test]
async fn progress_notes_are_kept_with_and_without_a_status_change() {
    let (_app, mut api, id, mut page) = a_follow_up_and_two_clients().await;
    let version = |v: &Value| v["updated_at"].as_str().unwrap_or_default().to_owned();

    // With a status change, through the page.
    let shown = page.get(&format!("/follow-ups/{id}")).await;
    assert!(shown.text.contains(r#"name="note""#), "the form has a note field");
    let res =
        page.post_form(&format!("/follow-ups/{id}"), &[("status", "in_progress"), ("note", "Called the clinic")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/follow-ups/{id}?saved=1"));
    let after_status = api.get(&format!("/api/v1/follow-ups/{id}")).await.json();
    // Without one, through the page: only the note.
    let res = page.post_form(&format!("/follow-ups/{id}"), &[("status", "in_progress"), ("note", "Form posted")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    // And through the API, a note alone.
    let res = api.json("PATCH", &format!("/api/v1/follow-ups/{id}"), &json!({"note": "Appointment on Friday"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    // A refused change keeps no note either.
    let res = api.json("PATCH", &format!("/api/v1/follow-ups/{id}"), &json!({"status": "done", "note": "lost?"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = api.json("PATCH", &format!("/api/v1/follow-ups/{id}"), &json!({"note": "x".repeat(2001)})).await;
    assert_eq!(res.json()["error"]["field_codes"]["note"], "too_long");

    let read = api.get(&format!("/api/v1/follow-ups/{id}")).await.json();
    let bodies: Vec<&str> = read["notes"].as_array().into_iter().flatten().filter_map(|n| n["body"].as_str()).collect();
    assert_eq!(bodies, ["Called the clinic", "Form posted", "Appointment on Friday"]);
    assert_eq!(read["notes"][0]["author"], "cwk");
    assert!(read["notes"][0]["written_at"].is_string());
    assert_eq!(read["status"], "in_progress");
    let status_changes = read["history"].as_array().into_iter().flatten().filter(|h| h["change"] == "status").count();
    assert_eq!(status_changes, 1, "the note-only saves changed no status");
    assert_eq!(version(&read), version(&after_status), "a note does not make others' open forms stale");

    let shown = page.get(&format!("/follow-ups/{id}?saved=1")).await;
    assert!(shown.text.contains(r#"id="saved""#), "the page says it was saved");
    for body in bodies {
        assert!(shown.text.contains(body), "{body} missing from the page");
    }
}

/// A resolved follow-up is reopened from its page with a note; its history keeps the closing.
#[tokio::test]
async fn a_resolved_follow_up_is_reopened_with_a_note() {
    let (_app, mut api, id, mut page) = a_follow_up_and_two_clients().await;
    let res = page
        .post_form(
            &format!("/follow-ups/{id}"),
            &[("status", "resolved"), ("resolved_on", "2016-03-18"), ("note", "Registered")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let closed = page.get(&format!("/follow-ups/{id}")).await;
    assert!(closed.text.contains(r#"id="reopen-form""#), "a closed follow-up offers reopening");

    let refused = page.post_form(&format!("/follow-ups/{id}"), &[("status", "open"), ("note", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains(r#"id="e-note""#), "the note is asked for");
    let res =
        page.post_form(&format!("/follow-ups/{id}"), &[("status", "open"), ("note", "Clinic lost the papers")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);

    let read = api.get(&format!("/api/v1/follow-ups/{id}")).await.json();
    assert_eq!(read["status"], "open");
    assert!(read["resolution_note"].is_null() && read["resolved_on"].is_null());
    let changes: Vec<(String, String)> = read["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["change"] == "status")
        .map(|h| (h["to"].as_str().unwrap_or_default().to_owned(), h["note"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(changes, [("resolved".to_owned(), "Registered".to_owned()), ("open".to_owned(), String::new())]);
    assert_eq!(read["notes"][0]["body"], "Clinic lost the papers");
    let shown = page.get(&format!("/follow-ups/{id}")).await;
    assert!(shown.text.contains("Clinic lost the papers") && shown.text.contains("Registered"));
    assert!(shown.text.contains(r#"id="follow-up-form""#), "open again: the update form is back");
}

/// Found on a phone: the first page after sign-in was an alphabetical list of 1,710
/// households, and the visit plan listed them by id, so a never-visited household sat on the
/// last page. The first page is now the worker's day; the plan puts never-visited first.
#[tokio::test]
async fn the_today_page_and_the_visit_plan_start_with_what_needs_doing() {
    use hearth_core::visits::coverage::{self, PlanQuery};
    let app = spawn_app().await;
    app.community("north").await;
    let long_ago = hh(&app, "north", "A-long-ago", "2015-06-01", None, 1).await;
    let never = hh(&app, "north", "B-never", "2015-06-01", None, 2).await;
    let lately = hh(&app, "north", "C-lately", "2015-06-01", None, 1).await;
    let _moved_out = hh(&app, "north", "D-moved-out", "2015-06-01", Some("2015-12-31"), 1).await;
    {
        use sea_orm::{ActiveModelTrait, Set};
        let h = hearth_core::entity::household::Entity::find_by_id(never).one(app.store.conn()).await.unwrap().unwrap();
        let mut a: hearth_core::entity::household::ActiveModel = h.into();
        a.building = Set(Some("3号楼".into()));
        a.phone = Set(Some("138 0013 8000".into()));
        a.update(app.store.writer()).await.unwrap();
    }
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let me = hearth_core::auth::users::by_username(&app.store, "cwk").await.unwrap().unwrap().id.to_string();
    for (h, on) in [(long_ago, "2016-01-05"), (lately, "2016-02-20")] {
        let res = c
            .post_form(
                &format!("/households/{h}/visits"),
                &[
                    ("visited_on", on),
                    ("purpose", "welcome"),
                    ("visitor", &me),
                    ("needs[0].description", if h == long_ago { "Register at the clinic" } else { "" }),
                    ("needs[0].category", "health"),
                    ("needs[0].owner_user_id", &me),
                    ("needs[0].due_on", "2016-03-01"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        assert!(res.location().contains("saved=1"));
    }

    let today = c.get("/").await;
    assert_eq!(today.status, StatusCode::OK, "{}", today.text);
    let section = |key: &str| {
        let start = today.text.find(&format!(r#"id="today-{key}""#)).unwrap_or_else(|| panic!("no {key} section"));
        let end = today.text[start..].find("</section>").map_or(today.text.len(), |e| start + e);
        today.text[start..end].to_owned()
    };
    let due = section("follow-ups");
    assert!(due.contains(r#"data-count="1""#) && due.contains("Register at the clinic"), "{due}");
    assert!(due.contains("late"), "overdue is marked");
    let plan = section("plan");
    assert!(plan.contains(r#"data-count="3""#), "three households still living here: {plan}");
    let pos = |text: &str, code: &str| text.find(code).unwrap_or_else(|| panic!("{code} missing"));
    assert!(pos(&plan, "B-never") < pos(&plan, "A-long-ago") && pos(&plan, "A-long-ago") < pos(&plan, "C-lately"));
    assert!(plan.contains(r#"href="tel:13800138000""#) && plan.contains("3号楼"), "{plan}");
    assert!(!plan.contains("D-moved-out"));
    let recent = section("recent");
    assert!(recent.contains("C-lately") && recent.contains("A-long-ago"), "{recent}");

    // The plan page: the same order, the members named, filtered by building.
    let page = c.get("/visits/coverage?days=30").await;
    let list = &page.text[page.text.find(r#"id="plan""#).expect("the plan list")..];
    assert!(pos(list, "B-never") < pos(list, "A-long-ago") && pos(list, "A-long-ago") < pos(list, "C-lately"));
    assert!(list.contains("居民B-never-0") && list.contains("居民B-never-1"));
    let one = c.get(&format!("/visits/coverage?days=30&building={}", enc("3号楼"))).await;
    assert!(one.text.contains("B-never") && !one.text.contains("A-long-ago"), "filtered by building");
    assert!(c.get("/visits/coverage").await.text.contains("coverage-figure"), "default period renders");
    // By owner: the households where I own an open follow-up (only A has one).
    let mine = c.get(&format!("/visits/coverage?days=30&owner={me}")).await;
    let mine = &mine.text[mine.text.find(r#"id="plan-total""#).expect("the plan")..];
    assert!(mine.contains("A-long-ago") && !mine.contains("B-never") && !mine.contains("C-lately"), "{mine}");
    assert_eq!(c.get("/visits/coverage?owner=nobody").await.status, StatusCode::OK, "a bad owner is a message");
    // Found on a phone: the coverage list said nothing but codes. It lists every household
    // with whether it was visited in the period and its last visit up to the period's end.
    let list = c.get("/reports/records?key=visit_coverage_pct&community=north&from=2016-01-01&to=2016-01-31").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let row = |code: &str| {
        let at = list.text.find(&format!(">{code}<")).unwrap_or_else(|| panic!("{code} not listed: {}", list.text));
        let end = list.text[at..].find("</tr>").map_or(list.text.len(), |e| at + e);
        list.text[at..end].to_owned()
    };
    assert!(list.text.contains("Counted") && list.text.contains("Last visit"), "the columns say what rows are");
    let a = row("A-long-ago");
    assert!(a.contains(">yes<") && a.contains("2016-01-05"), "{a}");
    let b = row("B-never");
    assert!(b.contains(">no<") && b.contains("—"), "{b}");
    let later = row("C-lately");
    assert!(
        later.contains(">no<") && !later.contains("2016-02-20"),
        "a visit after the period is not its last: {later}"
    );
    // The follow-up list says household, need, owner and dates.
    let fu = c.get("/reports/records?key=follow_ups_opened&community=north&from=2016-01-01&to=2016-01-31").await;
    assert!(fu.text.contains("Register at the clinic") && fu.text.contains("cwk") && fu.text.contains("2016-03-01"));
    let csv = c.get("/reports/records.csv?key=follow_ups_opened&community=north&from=2016-01-01&to=2016-01-31").await;
    assert!(csv.text.contains("Need") && csv.text.contains("Register at the clinic"), "{}", csv.text);

    // Page by page (keyset in plan order), nothing skipped or repeated.
    let actor = hearth_core::Actor::system();
    let mut seen = Vec::new();
    let mut q = PlanQuery { since: Some(d("2016-06-01")), limit: Some(1), ..Default::default() };
    loop {
        let p = coverage::plan(&app.store, &actor, &q).await.unwrap();
        assert_eq!(p.total, 3);
        seen.extend(p.items.iter().map(|e| e.household_id));
        match p.next {
            Some(n) => {
                assert_eq!(coverage::PlanCursor::parse(&n.to_param()), Some(n));
                q.after = Some(n);
            }
            None => break,
        }
    }
    assert_eq!(seen, [never, long_ago, lately]);
}

/// Found on a phone: open follow-ups showed only as lines in the household's timeline. They
/// now have their own section above it, with status, owner and due date; closed ones leave it.
#[tokio::test]
async fn the_household_page_lists_its_open_follow_ups_above_the_timeline() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let mut api = app.api_as("cwk-api", "caseworker", &["north"]).await;
    let open = overdue_follow_up(&app, &mut api, h).await;
    let done = overdue_follow_up(&app, &mut api, h).await;
    let res = api
        .json(
            "PATCH",
            &format!("/api/v1/follow-ups/{}", done["id"]),
            &json!({"status": "resolved", "resolution_note": "Done", "resolved_on": "2016-03-12"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let mut page = app.login_as("cwk", "caseworker", &["north"]).await;
    let shown = page.get(&format!("/households/{h}")).await;
    let at = |marker: &str| shown.text.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let section = &shown.text[at(r#"id="today-open-follow-ups""#)..at(r#"id="timeline""#)];
    assert!(section.contains(r#"data-count="1""#), "{section}");
    assert!(section.contains(&format!(r#"href="/follow-ups/{}""#, open["id"])));
    assert!(!section.contains(&format!(r#"href="/follow-ups/{}""#, done["id"])), "closed ones leave it");
    assert!(section.contains("Open") && section.contains("cwk-api") && section.contains("2016-03-10"), "{section}");
    assert!(section.contains("late"), "overdue is marked");
}

/// Found on a phone: with no visitor, the date 2016-02-30 and a 3,000-character need, only
/// the visitor error showed, and the date field was emptied. Every error now shows at once,
/// with every typed value kept (the impossible date too), and the owner picker offers only
/// people who may own the household's follow-ups.
#[tokio::test]
async fn a_bad_visit_form_shows_every_error_at_once_and_keeps_what_was_typed() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 1).await;
    let other = hh(&app, "north", "N-2", "2016-01-10", None, 1).await;
    let vera = app.user("vera", "volunteer", &["north"]).await;
    app.pair("vera", other).await;
    let paula = app.user("paula", "volunteer", &["north"]).await;
    app.pair("paula", h).await;
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let form = c.get(&format!("/households/{h}/visits/new")).await;
    let owners = &form.text[form.text.find(r#"name="needs[0].owner_user_id""#).unwrap()..];
    let owners = &owners[..owners.find("</select>").unwrap()];
    assert!(!owners.contains(&format!(r#"value="{}""#, vera.id)), "an unpaired volunteer is not offered: {owners}");
    assert!(owners.contains(&format!(r#"value="{}""#, paula.id)), "the paired volunteer is");

    let long = "需".repeat(3000);
    let res = c
        .post_form(
            &format!("/households/{h}/visits"),
            &[
                ("visited_on", "2016-02-30"),
                ("purpose", "welcome"),
                ("notes", "kept notes"),
                ("needs[0].description", &long),
                ("needs[0].category", "health"),
                ("needs[0].due_on", "2016-03-10"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", &res.text[..200]);
    for field in ["visitors", "visited_on"] {
        assert!(res.text.contains(&format!(r##"href="#f-{field}""##)), "{field} is in the summary");
    }
    assert!(res.text.contains("There is no such date."), "an impossible date says so");
    assert!(res.text.contains("At most") && res.text.contains("2000"), "the need is too long: named on its row");
    assert!(res.text.contains(r#"type="text" placeholder="YYYY-MM-DD" value="2016-02-30""#), "the typed date stays");
    assert!(res.text.contains(&long) && res.text.contains("kept notes"), "every typed value stays");
    let visits = hearth_core::entity::visit::Entity::find().count(app.store.conn()).await.unwrap();
    assert_eq!(visits, 0);
}
