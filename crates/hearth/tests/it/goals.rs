//! Yearly goals: setting, changing and withdrawing them (pages and API, version-checked),
//! bad input named by field, who may do what, and progress against the straight line
//! through the year at the days that matter (before the year, its first day, 29 February,
//! mid-year, its last day, after it).

use axum::http::StatusCode;
use hearth_core::entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::support::*;

fn fields(res: &TestResponse) -> Value {
    res.json()["error"]["field_codes"].clone()
}

/// The goals of north's 2016 on `as_of`, by indicator.
async fn progress_on(api: &mut TestClient, as_of: &str) -> Vec<Value> {
    let res = api.get(&format!("/api/v1/goals?community=north&year=2016&as_of={as_of}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    res.json().as_array().cloned().unwrap_or_default()
}

async fn goal_count(app: &TestApp) -> usize {
    hearth_core::goals::list(&app.store, &hearth_core::Actor::system(), None, None).await.unwrap().len()
}

#[tokio::test]
async fn a_goal_is_set_changed_and_withdrawn_over_the_api_with_versions_and_audit() {
    let app = spawn_app().await;
    app.community("north").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let res = api
        .json(
            "POST",
            "/api/v1/goals",
            &json!({"community": "north", "year": 2016, "indicator": "person_times",
                    "dims": {"program_kind": "language"}, "target": "310", "owner_user_id": owner,
                    "note": "每周一次普通话课"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let g = res.json();
    let id = g["id"].as_i64().unwrap();
    assert_eq!(res.location(), format!("/api/v1/goals/{id}"));
    assert_eq!(
        (g["target"].as_i64(), g["unit"].as_str(), g["owner"].as_str()),
        (Some(310), Some("count"), Some("wang"))
    );
    assert_eq!(g["dims"], json!({"program_kind": "language"}));

    let res = api.get(&format!("/api/v1/goals/{id}?as_of=2016-07-01")).await;
    assert_eq!(res.status, StatusCode::OK);
    let etag = res.header("etag").unwrap();
    assert_eq!(res.json()["expected"], 155, "310 × 183 / 366");
    assert_eq!(res.json()["actual"], 0);
    assert_eq!(res.json()["status"], "behind");
    // A year sent blank is named; a community not the caller's is a field to correct.
    let res = api.get("/api/v1/goals?year=").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["error"]["field_codes"].get("year").is_some(), "{}", res.text);
    let res = api.get("/api/v1/goals?community=nowhere").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field_codes"]["community"], "unknown_community");
    // A date sent blank or not a date is named, never taken as "today" (found by schemathesis).
    for bad in ["", "soon"] {
        let res = api.get(&format!("/api/v1/goals/{id}?as_of={bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "as_of={bad}");
        assert!(res.json()["error"]["field_codes"].get("as_of").is_some(), "{}", res.text);
    }

    // A percentage target is stored in tenths.
    let res = api
        .json(
            "POST",
            "/api/v1/goals",
            &json!({"year": 2016, "indicator": "visit_coverage_pct", "target": "99.5", "owner_user_id": owner}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!((res.json()["target"].as_i64(), res.json()["target_text"].as_str()), (Some(995), Some("99.5")));

    // A change made from a stale version is refused, and nothing changes.
    api.headers.push(("if-match", "\"1\"".into()));
    let res = api.json("PATCH", &format!("/api/v1/goals/{id}"), &json!({"target": "320"})).await;
    api.headers.clear();
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED, "{}", res.text);
    assert_eq!(api.get(&format!("/api/v1/goals/{id}")).await.json()["target"], 310);
    api.headers.push(("if-match", etag.clone()));
    let res = api.json("PATCH", &format!("/api/v1/goals/{id}"), &json!({"target": "320"})).await;
    api.headers.clear();
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["target"], 320);
    // What a goal is for does not change.
    let res =
        api.json("PATCH", &format!("/api/v1/goals/{id}"), &json!({"indicator": "placements", "year": 2017})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&res), json!({"indicator": "cannot_change", "year": "cannot_change"}));

    // Withdrawing needs the version read: without it, or with the old one, nothing goes.
    let res = api.json("DELETE", &format!("/api/v1/goals/{id}"), &json!({})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(fields(&res), json!({"version": "required"}));
    api.headers.push(("if-match", etag));
    let res = api.json("DELETE", &format!("/api/v1/goals/{id}"), &json!({})).await;
    api.headers.clear();
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED);
    let fresh = api.get(&format!("/api/v1/goals/{id}")).await.header("etag").unwrap();
    api.headers.push(("if-match", fresh));
    let res = api.json("DELETE", &format!("/api/v1/goals/{id}"), &json!({})).await;
    api.headers.clear();
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    assert_eq!(api.get(&format!("/api/v1/goals/{id}")).await.status, StatusCode::NOT_FOUND);

    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Entity.eq("goal"))
        .filter(audit_log::Column::EntityId.eq(id))
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["create", "update", "withdraw"]);
}

#[tokio::test]
async fn bad_goals_are_refused_naming_each_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id;
    let stranger = app.user("lisi", "caseworker", &["south"]).await.id;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let res = api.json("POST", "/api/v1/goals", &json!({})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&res),
        json!({"year": "required", "indicator": "required", "target": "required", "owner_user_id": "required"})
    );
    let cases = [
        (
            json!({"year": 216, "indicator": "placements", "target": "5", "owner_user_id": owner}),
            json!({"year": "invalid_year"}),
        ),
        (
            json!({"year": 2016, "indicator": "smiles", "target": "5", "owner_user_id": owner}),
            json!({"indicator": "unknown_indicator"}),
        ),
        (
            json!({"year": 2016, "indicator": "person_times", "dims": {"colour": "red"}, "target": "5", "owner_user_id": owner}),
            json!({"dims.colour": "unknown_dimension"}),
        ),
        // A distinct count cannot be added up over kinds: its kind is needed.
        (
            json!({"year": 2016, "indicator": "participants_by_kind", "target": "5", "owner_user_id": owner}),
            json!({"dims.program_kind": "required"}),
        ),
        (
            json!({"year": 2016, "indicator": "placements", "target": "4.5", "owner_user_id": owner}),
            json!({"target": "invalid_target"}),
        ),
        (
            json!({"year": 2016, "indicator": "placements", "target": "0", "owner_user_id": owner}),
            json!({"target": "target_not_positive"}),
        ),
        (
            json!({"year": 2016, "indicator": "visit_coverage_pct", "target": "99.55", "owner_user_id": owner}),
            json!({"target": "invalid_target"}),
        ),
        (
            json!({"year": 2016, "indicator": "placements", "target": "5", "owner_user_id": stranger}),
            json!({"owner_user_id": "not_in_team"}),
        ),
        (
            json!({"community": "south", "year": 2016, "indicator": "placements", "target": "5", "owner_user_id": owner}),
            json!({"community": "unknown_community"}),
        ),
    ];
    for (body, want) in cases {
        let res = api.json("POST", "/api/v1/goals", &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert_eq!(fields(&res), want, "{body}");
    }
    assert_eq!(goal_count(&app).await, 0);
    // A wrong JSON type names its field too.
    let res = api.json("POST", "/api/v1/goals", &json!({"year": "soon"})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json()["error"]["field_codes"]["year"], "wrong_type");

    // One goal per indicator and dims a year.
    let ok = json!({"year": 2016, "indicator": "person_times", "dims": {"program_kind": "language"}, "target": "310", "owner_user_id": owner});
    assert_eq!(api.json("POST", "/api/v1/goals", &ok).await.status, StatusCode::CREATED);
    let res = api.json("POST", "/api/v1/goals", &ok).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(fields(&res), json!({"indicator": "goal_exists"}));
    // Another kind, or all kinds together, is another goal.
    let legal = json!({"year": 2016, "indicator": "person_times", "dims": {"program_kind": "legal"}, "target": "200", "owner_user_id": owner});
    assert_eq!(api.json("POST", "/api/v1/goals", &legal).await.status, StatusCode::CREATED);
    let all = json!({"year": 2016, "indicator": "person_times", "target": "510", "owner_user_id": owner});
    assert_eq!(api.json("POST", "/api/v1/goals", &all).await.status, StatusCode::CREATED);
    assert_eq!(goal_count(&app).await, 3);
}

/// Twelve households move in over 2016 (one on 29 February, one on 1 July, one on
/// 31 December); a goal of 12 expects day × 12 / 366 by each day.
#[tokio::test]
async fn progress_follows_a_straight_line_through_a_leap_year() {
    let app = spawn_app().await;
    app.community("north").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id;
    let days = [
        "2016-01-01",
        "2016-02-29",
        "2016-03-15",
        "2016-04-10",
        "2016-05-20",
        "2016-07-01",
        "2016-08-01",
        "2016-09-01",
        "2016-10-01",
        "2016-11-01",
        "2016-12-01",
        "2016-12-31",
    ];
    for (i, day) in days.iter().enumerate() {
        hh(&app, "north", &format!("N-{i}"), day, None, 0).await;
    }
    // A household of the year before counts for no 2016 goal.
    hh(&app, "north", "OLD", "2015-12-31", None, 0).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    for (key, target) in [("households_moved_in", "12"), ("households", "13")] {
        let res = api
            .json(
                "POST",
                "/api/v1/goals",
                &json!({"year": 2016, "indicator": key, "target": target, "owner_user_id": owner}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    // (as_of, actual, expected, status, pct) for the goal of 12 households moved in.
    type Row = (&'static str, Option<i64>, i64, &'static str, Option<f64>);
    let table: [Row; 9] = [
        ("2015-12-31", None, 0, "not_started", None),
        ("2016-01-01", Some(1), 1, "on_track", Some(8.3)),
        ("2016-02-28", Some(1), 2, "behind", Some(8.3)),
        ("2016-02-29", Some(2), 2, "on_track", Some(16.7)),
        ("2016-06-30", Some(5), 6, "behind", Some(41.7)),
        ("2016-07-01", Some(6), 6, "on_track", Some(50.0)),
        ("2016-12-30", Some(11), 12, "behind", Some(91.7)),
        ("2016-12-31", Some(12), 12, "on_track", Some(100.0)),
        ("2017-03-01", Some(12), 12, "met", Some(100.0)),
    ];
    for (as_of, actual, expected, status, pct) in table {
        let rows = progress_on(&mut api, as_of).await;
        let g = rows.iter().find(|g| g["indicator"] == "households_moved_in").unwrap();
        assert_eq!(g["actual"].as_i64(), actual, "actual on {as_of}");
        assert_eq!(g["expected"].as_i64(), Some(expected), "expected on {as_of}");
        assert_eq!(g["status"], status, "status on {as_of}");
        assert_eq!(g["pct"].as_f64(), pct, "pct on {as_of}");
        let through = if as_of < "2016-01-01" { Value::Null } else { json!(as_of.min("2016-12-31")) };
        assert_eq!(g["through"], through, "through on {as_of}");
    }
    // A state indicator is its state on the day: 13 households live there on 31 December
    // (the one of 2015 too) — met. The day before, 12 live there, below the line's 13.
    let rows = progress_on(&mut api, "2017-01-01").await;
    let present = rows.iter().find(|g| g["indicator"] == "households").unwrap();
    assert_eq!((present["actual"].as_i64(), present["status"].as_str()), (Some(13), Some("met")));
    let rows = progress_on(&mut api, "2016-12-30").await;
    let present = rows.iter().find(|g| g["indicator"] == "households").unwrap();
    assert_eq!((present["actual"].as_i64(), present["status"].as_str()), (Some(12), Some("behind")));
}

#[tokio::test]
async fn a_ratio_goal_compares_the_ratio_and_has_no_figure_over_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let res = api
        .json(
            "POST",
            "/api/v1/goals",
            &json!({"year": 2016, "indicator": "visit_coverage_pct", "target": "100", "owner_user_id": owner}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    // No households yet: no coverage at all, never 0%.
    let g = progress_on(&mut api, "2016-03-01").await.remove(0);
    assert_eq!(
        (g["actual"].clone(), g["pct"].clone(), g["status"].clone()),
        (Value::Null, Value::Null, json!("no_figure"))
    );
    assert_eq!((g["numerator"].as_i64(), g["denominator"].as_i64()), (Some(0), Some(0)));
    // Households but no visits: 0% of 100%, behind a line that expects 16.4% by day 60.
    hh(&app, "north", "N-1", "2016-01-01", None, 0).await;
    let g = progress_on(&mut api, "2016-02-29").await.remove(0);
    assert_eq!(
        (g["actual"].as_i64(), g["expected"].as_i64(), g["status"].as_str()),
        (Some(0), Some(164), Some("behind"))
    );
}

#[tokio::test]
async fn readers_of_aggregates_see_small_figures_hidden() {
    let app = spawn_app().await;
    app.community("north").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id;
    for (i, day) in ["2016-01-05", "2016-01-06"].iter().enumerate() {
        hh(&app, "north", &format!("N-{i}"), day, None, 0).await;
    }
    let mut coord = app.api_as("coord", "coordinator", &["north"]).await;
    let res = coord
        .json(
            "POST",
            "/api/v1/goals",
            &json!({"year": 2016, "indicator": "households_moved_in", "target": "12", "owner_user_id": owner}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let g = progress_on(&mut coord, "2016-03-01").await.remove(0);
    assert_eq!((g["actual"].as_i64(), g["status"].as_str()), (Some(2), Some("on_track")));
    let mut viewer = app.api_as("viewer", "viewer", &["north"]).await;
    let g = progress_on(&mut viewer, "2016-03-01").await.remove(0);
    assert_eq!(
        (g["actual"].clone(), g["pct"].clone(), g["status"].as_str()),
        (Value::Null, Value::Null, Some("suppressed"))
    );
    assert_eq!(g["target"], 12, "the target is the team's commitment, not a count of people");
    // Viewers may read goals, never set them.
    let res = viewer
        .json(
            "POST",
            "/api/v1/goals",
            &json!({"year": 2016, "indicator": "placements", "target": "5", "owner_user_id": owner}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_goal_form_keeps_what_was_typed_refuses_stale_saves_and_withdraws() {
    let app = spawn_app().await;
    app.community("north").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id.to_string();
    let mut web = app.login_as("coord", "coordinator", &["north"]).await;
    let res = web.get("/goals/new?year=2016").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.text.contains("name=\"dims.program_kind\""));
    let typed = [
        ("community", "north"),
        ("year", "2016"),
        ("indicator", "person_times"),
        ("dims.program_kind", "language"),
        ("target", "three hundred"),
        ("owner_user_id", owner.as_str()),
        ("note", "每周一次"),
    ];
    let res = web.post_form("/goals", &typed).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-target\""), "{}", res.text);
    assert!(res.text.contains("value=\"three hundred\"") && res.text.contains("每周一次"));
    assert_eq!(goal_count(&app).await, 0);
    let mut good = typed.to_vec();
    good[4] = ("target", "310");
    let res = web.post_form("/goals", &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), "/goals?community=north&year=2016&saved=1");
    let page = web.get("/goals?community=north&year=2016&as_of=2016-03-01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("data-status=\"behind\""), "{}", page.text);
    assert!(page.text.contains("<progress"));
    let id = hearth_core::goals::list(&app.store, &hearth_core::Actor::system(), None, None).await.unwrap()[0].id;

    let edit = web.get(&format!("/goals/{id}/edit")).await;
    let form = form_fields(&edit.text, "goal-form");
    let version = form.iter().find(|(k, _)| k == "version").unwrap().1.clone();
    let save = |target: &'static str, version: String| {
        vec![
            ("version".to_owned(), version),
            ("target".to_owned(), target.to_owned()),
            ("owner_user_id".to_owned(), owner.clone()),
            ("note".to_owned(), String::new()),
        ]
    };
    let first = save("320", version.clone());
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(web.post_form(&format!("/goals/{id}"), &first).await.status, StatusCode::SEE_OTHER);
    // The same form saved again, from the version it was opened at: refused, input kept.
    let second = save("330", version.clone());
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = web.post_form(&format!("/goals/{id}"), &second).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.text.contains("value=\"330\""));
    let stored = hearth_core::goals::get(&app.store, &hearth_core::Actor::system(), id).await.unwrap();
    assert_eq!(stored.target, 320);
    // Withdrawing from the stale version is refused too; from the current one it goes.
    let res = web.post_form(&format!("/goals/{id}/delete"), &[("version", version.as_str())]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let now = hearth_core::version::of(&stored.updated_at);
    let res = web.post_form(&format!("/goals/{id}/delete"), &[("version", now.as_str())]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(goal_count(&app).await, 0);

    // A caseworker reads goals but does not set them.
    let mut cw = app.login_as("worker", "caseworker", &["north"]).await;
    assert_eq!(cw.get("/goals").await.status, StatusCode::OK);
    assert_eq!(cw.get("/goals/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(cw.post_form("/goals", &good).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_goal_letter_is_bilingual_whatever_the_language_and_has_signature_lines() {
    let app = spawn_app().await;
    app.community("north").await;
    let owner = app.user("wang", "caseworker", &["north"]).await.id;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    for (key, dims, target) in
        [("person_times", json!({"program_kind": "language"}), "310"), ("visit_coverage_pct", json!({}), "100")]
    {
        let res = api
            .json(
                "POST",
                "/api/v1/goals",
                &json!({"year": 2016, "indicator": key, "dims": dims, "target": target, "owner_user_id": owner}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let mut web = app.login_as("reader", "viewer", &["north"]).await;
    let res = web.get("/goals/letter?community=north&year=2016").await;
    assert_eq!(res.status, StatusCode::OK);
    let t = unescape(&res.text);
    for want in ["Goal letter", "目标责任书", "Team leader", "队长", "wang", "310", "100%", "signature-line"] {
        assert!(t.contains(want), "{want} missing from the letter");
    }
    assert_eq!(t.matches("class=\"signature-line\"").count(), 3, "leader, wang, and a blank member line");
    // Another community's letter is not found.
    app.community("south").await;
    assert_eq!(web.get("/goals/letter?community=south&year=2016").await.status, StatusCode::NOT_FOUND);
}
