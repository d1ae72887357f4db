//! Frozen monthly reports: a closed month keeps its figures while later records change the
//! live ones, and shows the exact difference ("revised"); closing again adds a version and
//! keeps the old; only coordinators close; two closes at once are versions 1 and 2; the
//! stored figures are append-only, and `hearth audit verify` finds one changed anyway.

use axum::http::StatusCode;
use hearth_core::entity::{closed_month, closed_month_line};
use hearth_core::reports::months;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::{Value, json};

use crate::support::*;

const CLOSE: &str = "/api/v1/reports/months";

fn close_body(month: &str) -> Value {
    json!({"community": "north", "month": month})
}

/// The value of `key` (no dimensions) in a report's JSON `indicators`.
fn value(report: &Value, key: &str) -> Value {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == key && l["dims"].as_object().is_none_or(|d| d.is_empty()))
        .unwrap_or_else(|| panic!("no {key} in {report}"))["value"]
        .clone()
}

fn difference<'a>(month: &'a Value, key: &str) -> Option<&'a Value> {
    month["differences"].as_array().unwrap().iter().find(|d| d["key"] == key)
}

async fn stored_lines(app: &TestApp) -> Vec<closed_month_line::Model> {
    closed_month_line::Entity::find().order_by_asc(closed_month_line::Column::Id).all(app.store.conn()).await.unwrap()
}

async fn versions(app: &TestApp) -> u64 {
    closed_month::Entity::find().count(app.store.conn()).await.unwrap()
}

/// North (made by the caller, before its users) with three households (moved in in January) and two visits in March, one of which
/// found a need due on 2016-03-20.
async fn north_with_march(app: &TestApp, api: &mut TestClient) -> [i64; 3] {
    let mut h = [0; 3];
    for (i, code) in ["N-1", "N-2", "N-3"].iter().enumerate() {
        h[i] = hh(app, "north", code, "2016-01-10", None, 2).await;
    }
    for (household, on, needs) in [
        (
            h[0],
            "2016-03-04",
            json!([{"description": "Needs a school place", "category": "schooling", "due_on": "2016-03-20"}]),
        ),
        (h[1], "2016-03-09", json!([])),
    ] {
        let res = api
            .json(
                "POST",
                "/api/v1/visits",
                &json!({"household_id": household, "visited_on": on, "purpose": "welcome", "needs": needs}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    h
}

#[tokio::test]
async fn a_frozen_month_keeps_its_figures_and_shows_the_exact_revision() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let h = north_with_march(&app, &mut api).await;

    let res = api.json("POST", CLOSE, &close_body("2016-03")).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let v1 = res.json();
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["closed_by"], "coord");
    assert_eq!(v1["hash"].as_str().unwrap().len(), 64);
    assert_eq!(res.location(), "/api/v1/reports/months/north/2016-03?version=1");
    let month = api.get("/api/v1/reports/months/north/2016-03").await.json();
    assert_eq!(month["revised"], false, "{month}");
    assert_eq!(value(&month["frozen"], "visits"), 2);
    assert_eq!(value(&month["frozen"], "households_visited"), 2);
    let frozen_before = stored_lines(&app).await;
    assert!(frozen_before.len() > 20, "every indicator of the catalogue is stored");

    // A visit on 15 March written up late, and March's need resolved on the 18th.
    let late = api
        .json(
            "POST",
            "/api/v1/visits",
            &json!({"household_id": h[2], "visited_on": "2016-03-15", "purpose": "welcome"}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{}", late.text);
    let visit_id = late.json()["id"].as_i64().unwrap();
    let fus = api.get("/api/v1/follow-ups?queue=all&limit=10").await.json();
    let fu = fus["items"][0]["id"].as_i64().unwrap();
    let r = api
        .json(
            "PATCH",
            &format!("/api/v1/follow-ups/{fu}"),
            &json!({"status": "resolved", "resolution_note": "school found", "resolved_on": "2016-03-18"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // The frozen report is unchanged, row for row; the month shows the exact difference.
    assert_eq!(stored_lines(&app).await, frozen_before);
    let month = api.get("/api/v1/reports/months/north/2016-03").await.json();
    assert_eq!(month["revised"], true, "{month}");
    assert_eq!(month["version"], 1);
    assert_eq!(value(&month["frozen"], "visits"), 2);
    assert_eq!(value(&month["live"], "visits"), 3);
    let d = difference(&month, "visits").unwrap();
    assert_eq!((d["frozen"].clone(), d["live"].clone(), d["difference"].clone()), (json!(2), json!(3), json!(1)));
    let d = difference(&month, "households_visited").unwrap();
    assert_eq!(d["difference"], 1);
    let d = difference(&month, "visit_coverage_pct").unwrap();
    assert_eq!(
        (d["frozen"].clone(), d["live"].clone(), d["difference"].clone()),
        (json!(66.7), json!(100.0), json!(33.3))
    );
    let d = difference(&month, "follow_ups_resolved").unwrap();
    assert_eq!((d["frozen"].clone(), d["live"].clone(), d["difference"].clone()), (json!(0), json!(1), json!(1)));
    assert!(difference(&month, "households").is_none(), "unchanged figures are not listed: {month}");
    // The records changed since the close link to their pages.
    let changes = month["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["entity"] == "visit" && c["id"] == visit_id && c["link"] == format!("/visits/{visit_id}")),
        "{month}"
    );
    assert!(changes.iter().any(|c| c["entity"] == "follow_up" && c["id"] == fu), "{month}");

    // The page says "revised" with the difference, and links the live figure to its records.
    let mut web = app.login_as("coord-web", "coordinator", &["north"]).await;
    let page = web.get("/reports/months/north/2016-03").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("revised"), "{}", page.text);
    assert!(page.text.contains("+1"), "{}", page.text);
    assert!(page.text.contains("/reports/records?key=visits"), "{}", page.text);
    let list = web.get("/reports/months?community=north").await;
    assert!(list.text.contains("Closed, version 1 · revised"), "{}", list.text);

    // Closing again: version 2 is today's figures; version 1 is kept, still revised.
    let res = api.json("POST", CLOSE, &close_body("2016-03")).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.json()["version"], 2);
    let latest = api.get("/api/v1/reports/months/north/2016-03").await.json();
    assert_eq!((latest["version"].clone(), latest["revised"].clone()), (json!(2), json!(false)));
    assert_eq!(latest["versions"].as_array().unwrap().len(), 2);
    assert_eq!(value(&latest["frozen"], "visits"), 3);
    let first = api.get("/api/v1/reports/months/north/2016-03?version=1").await.json();
    assert_eq!((first["revised"].clone(), value(&first["frozen"], "visits")), (json!(true), json!(2)));
    assert_eq!(api.get("/api/v1/reports/months/north/2016-03?version=3").await.status, StatusCode::NOT_FOUND);
    let list = api.get("/api/v1/reports/months?community=north").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!((list[0]["versions"].clone(), list[0]["revised"].clone()), (json!(2), json!(false)));

    // Exports say which version they are.
    let csv = web.get("/reports/months/north/2016-03/frozen.csv?version=1").await;
    assert_eq!(csv.status, StatusCode::OK);
    let first_line = csv.text.trim_start_matches('\u{feff}').lines().next().unwrap().to_owned();
    assert!(first_line.contains("version 1 of 2"), "{first_line}");
    assert!(first_line.contains(v1["hash"].as_str().unwrap()), "{first_line}");
    assert!(first_line.contains("by coord"), "{first_line}");
    let print = web.get("/reports/months/north/2016-03/print").await;
    assert!(print.text.contains("version 2 of 2"), "{}", print.text);
    let xlsx = web.get("/reports/months/north/2016-03/frozen.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);

    assert!(matches!(
        hearth_core::audit::verify(&app.store).await.unwrap(),
        hearth_core::audit::Verdict::Intact { .. }
    ));
    assert_eq!(months::verify(&app.store).await.unwrap(), (2, Vec::new()));
}

#[tokio::test]
async fn only_coordinators_close_bad_input_is_named_and_viewers_get_it_suppressed() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut coord = app.api_as("coord", "coordinator", &["north"]).await;
    north_with_march(&app, &mut coord).await;
    app.community("south").await;
    for role in ["caseworker", "volunteer", "viewer"] {
        let mut c = app.api_as(&format!("a-{role}"), role, &["north"]).await;
        assert_eq!(c.json("POST", CLOSE, &close_body("2016-03")).await.status, StatusCode::FORBIDDEN, "{role}");
    }
    for (body, field, code) in [
        (json!({"community": "north", "month": "2016-13"}), "month", "invalid_month"),
        (json!({"community": "north", "month": ""}), "month", "required"),
        (json!({"community": "north"}), "month", "required"),
        (json!({"community": "north", "month": "2999-01"}), "month", "month_not_over"),
        (json!({"community": "nowhere", "month": "2016-03"}), "community", "unknown_community"),
        // Another team's community is not theirs to close, nor to know of.
        (json!({"community": "south", "month": "2016-03"}), "community", "unknown_community"),
    ] {
        let res = coord.json("POST", CLOSE, &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert_eq!(res.json()["error"]["field_codes"][field], code, "{body}: {}", res.text);
        assert!(res.json()["error"]["fields"][field].is_string());
    }
    let res = coord.json("POST", CLOSE, &json!({"community": "north", "month": "2016-03", "colour": "red"})).await;
    assert!(res.status.is_client_error(), "{}", res.text);
    assert_eq!(versions(&app).await, 0, "nothing stored");

    // The page asks once more; the confirming post closes.
    let mut web = app.login_as("coord-web", "coordinator", &["north"]).await;
    let ask = web.post_form("/reports/months/close", &[("community", "north"), ("month", "2016-03")]).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text.contains("confirmed"), "{}", ask.text);
    assert_eq!(versions(&app).await, 0);
    let bad = web
        .post_form("/reports/months/close", &[("community", "north"), ("month", "March"), ("confirmed", "yes")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("YYYY-MM"), "{}", bad.text);
    let done = web
        .post_form("/reports/months/close", &[("community", "north"), ("month", "2016-03"), ("confirmed", "yes")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.location(), "/reports/months/north/2016-03?version=1&saved=1");
    assert_eq!(versions(&app).await, 1);

    // A viewer reads the frozen report, with small counts hidden on both sides.
    let mut viewer = app.api_as("view", "viewer", &["north"]).await;
    let month = viewer.get("/api/v1/reports/months/north/2016-03").await;
    assert_eq!(month.status, StatusCode::OK, "{}", month.text);
    let month = month.json();
    assert_eq!(month["frozen"]["suppressed"], true);
    assert_eq!(value(&month["frozen"], "visits"), Value::Null);
    assert!(month["changes"].as_array().unwrap().is_empty(), "no record links for viewers");
    let mut viewer_web = app.login_as("view-web", "viewer", &["north"]).await;
    let csv = viewer_web.get("/reports/months/north/2016-03/frozen.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.contains("<5"), "{}", csv.text);
    assert!(!csv.text.contains(",2,"), "an exact small count leaked: {}", csv.text);
}

#[tokio::test]
async fn two_closes_at_once_are_versions_one_and_two() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut a = app.api_as("coord-a", "coordinator", &["north"]).await;
    north_with_march(&app, &mut a).await;
    let mut b = app.api_as("coord-b", "coordinator", &["north"]).await;
    let body = close_body("2016-04");
    let (ra, rb) = tokio::join!(a.json("POST", CLOSE, &body), b.json("POST", CLOSE, &body));
    assert_eq!((ra.status, rb.status), (StatusCode::CREATED, StatusCode::CREATED), "{} {}", ra.text, rb.text);
    let mut got = [ra.json()["version"].as_i64().unwrap(), rb.json()["version"].as_i64().unwrap()];
    got.sort();
    assert_eq!(got, [1, 2]);
    assert_eq!(months::verify(&app.store).await.unwrap(), (2, Vec::new()));
}

#[tokio::test]
async fn frozen_figures_are_append_only_and_audit_verify_finds_a_changed_one() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    north_with_march(&app, &mut api).await;
    assert_eq!(api.json("POST", CLOSE, &close_body("2016-03")).await.status, StatusCode::CREATED);
    if let Some(url) = app.database_url() {
        let ok = hearth_cli().args(["--database-url", &url, "audit", "verify"]).output().unwrap();
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        assert!(String::from_utf8_lossy(&ok.stdout).contains("frozen reports intact: 1 versions"));
    }
    let writer = app.store.writer();
    // The database itself refuses to change or remove a frozen figure.
    for sql in [
        "UPDATE closed_month_lines SET value = 99 WHERE key = 'visits'",
        "DELETE FROM closed_month_lines",
        "UPDATE closed_months SET version = 5",
    ] {
        assert!(writer.execute_unprepared(sql).await.is_err(), "{sql} was allowed");
    }
    // Someone with the database's owner rights drops the guard and changes a value.
    let drops: &[&str] = match app.store.backend() {
        DbBackend::Postgres => &[
            "DROP TRIGGER closed_month_lines_append_only ON closed_month_lines",
            "DROP TRIGGER closed_months_append_only ON closed_months",
        ],
        _ => &["DROP TRIGGER closed_month_lines_no_update", "DROP TRIGGER closed_months_no_update"],
    };
    for sql in drops {
        writer.execute_unprepared(sql).await.unwrap();
    }
    writer.execute_unprepared("UPDATE closed_month_lines SET value = 3 WHERE key = 'visits'").await.unwrap();
    let fault = months::FrozenFault {
        community: "north".into(),
        month: "2016-03".into(),
        version: 1,
        reason: "values_changed",
    };
    assert_eq!(months::verify(&app.store).await.unwrap(), (1, vec![fault]));
    if let Some(url) = app.database_url() {
        let bad = hearth_cli().args(["--database-url", &url, "audit", "verify"]).output().unwrap();
        assert_eq!(bad.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(
            stderr.contains("frozen report BROKEN: community north, month 2016-03, version 1: values_changed"),
            "{stderr}"
        );
    }
    // Rewriting the row's hash to match does not help: the audit chain holds the original.
    let row = closed_month::Entity::find().one(app.store.conn()).await.unwrap().unwrap();
    let lines =
        months::frozen(&app.store, &hearth_core::Actor::system(), "north", "2016-03", Some(1)).await.unwrap().0.lines;
    let forged = months::hash_of(&row, &lines);
    writer
        .execute_unprepared(&format!("UPDATE closed_months SET hash = '{forged}' WHERE id = {}", row.id))
        .await
        .unwrap();
    let (_, faults) = months::verify(&app.store).await.unwrap();
    assert_eq!(faults.iter().map(|f| f.reason).collect::<Vec<_>>(), ["audit_hash_mismatch"]);
    // The page still shows the month, and the audit chain itself is intact.
    assert!(matches!(
        hearth_core::audit::verify(&app.store).await.unwrap(),
        hearth_core::audit::Verdict::Intact { .. }
    ));
}

#[tokio::test]
async fn the_demo_closes_march_to_june_and_may_is_revised_by_a_late_call() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let mut api = app.api_as("lead", "coordinator", &["jiafu"]).await;
    let list = api.get("/api/v1/reports/months?community=jiafu").await.json();
    let state: Vec<(String, i64, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["month"].as_str().unwrap().to_owned(), m["versions"].as_i64().unwrap(), m["revised"] == true))
        .collect();
    let expected = [("2016-06", 1, false), ("2016-05", 1, true), ("2016-04", 1, false), ("2016-03", 1, false)];
    assert_eq!(state, expected.map(|(m, v, r)| (m.to_owned(), v, r)));
    let may = api.get("/api/v1/reports/months/jiafu/2016-05").await.json();
    let keys: Vec<&str> = may["differences"].as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["contacts_made", "contacts_reached"], "{may}");
    assert!(may["differences"].as_array().unwrap().iter().all(|d| d["difference"] == 1));
    // A second run adds no version.
    hearth_core::demo::ensure(&app.store).await.unwrap();
    assert_eq!(versions(&app).await, 4);
    assert_eq!(months::verify(&app.store).await.unwrap(), (4, Vec::new()));
}
