//! Service requests: every figure with a known answer over periods with boundary days
//! (coverage with households moving in and out), bulk opening by building and by list, one
//! bad or foreign household storing nothing and named by its place, 2,000 households in one
//! transaction, bulk resolve from a filter with its confirm step, bad input on every write,
//! the demo's figures, and who may reach what.

use axum::http::StatusCode;
use hearth_core::Actor;
use hearth_core::entity::{household, request};
use hearth_core::indicators::{self, Scope};
use hearth_core::requests::records;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::support::*;

async fn figure(app: &TestApp, community: i64, from: &str, to: &str, key: &str, kind: Option<&str>) -> Option<f64> {
    let scope = Scope::new(vec![community], d(from), d(to)).unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&[key])).await.unwrap();
    f.iter()
        .find(|x| x.key == key && kind.is_none_or(|k| x.dims.get("request_kind").map(String::as_str) == Some(k)))
        .and_then(|x| x.value)
}

async fn requests_in(app: &TestApp) -> u64 {
    request::Entity::find().count(app.store.conn()).await.unwrap()
}

/// A household of `slug` in `building`, moved in on 2016-01-10.
async fn in_building(app: &TestApp, slug: &str, code: &str, building: &str) -> i64 {
    hearth_core::registry::households::create(
        &app.store,
        &Actor::system(),
        hearth_core::registry::households::HouseholdInput {
            community: Some(slug.into()),
            code: Some(code.into()),
            address: Some("Jiafu Road".into()),
            building: Some(building.into()),
            moved_in_on: Some("2016-01-10".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// `n` households of `community` made in a few multi-row inserts (the bulk test's setup,
/// not what it measures).
async fn many_households(app: &TestApp, community: i64, n: usize) -> Vec<i64> {
    let tx = app.store.write().await.unwrap();
    let now = chrono::Utc::now();
    let codes: Vec<String> = (0..n).map(|i| format!("B-{i:05}")).collect();
    for chunk in codes.chunks(500) {
        let rows = chunk.iter().map(|c| household::ActiveModel {
            community_id: Set(community),
            code: Set(c.clone()),
            address: Set("Jiafu Road".into()),
            building: Set(Some("9".into())),
            moved_in_on: Set(Some(d("2016-01-10"))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        household::Entity::insert_many(rows).exec_without_returning(&tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut ids: Vec<i64> = household::Entity::find()
        .filter(household::Column::CommunityId.eq(community))
        .filter(household::Column::Code.starts_with("B-"))
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn open(api: &mut TestClient, household: i64, kind: &str, on: &str) -> i64 {
    let r = api
        .json(
            "POST",
            "/api/v1/requests",
            &json!({"household_id": household, "kind": kind, "description": "Hookup", "provider": "Cable Co", "opened_on": on}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

async fn set_status(api: &mut TestClient, id: i64, status: &str, on: &str) {
    let r = api
        .json("POST", &format!("/api/v1/requests/{id}/status"), &json!({"status": status, "on": on, "note": "called"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

fn report_value(report: &Value, key: &str, kind: Option<&str>) -> Value {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key && kind.is_none_or(|k| f["dims"]["request_kind"] == k))
        .map(|f| f["value"].clone())
        .unwrap_or(Value::Null)
}

/// Opened and resolved counts, the median and coverage by kind, with households moving in
/// and out around the period's ends.
#[tokio::test]
async fn figures_have_known_answers_with_boundary_days_and_moves() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let h1 = hh(&app, "north", "H1", "2016-01-10", None, 1).await;
    let h2 = hh(&app, "north", "H2", "2016-01-10", Some("2016-03-15"), 1).await; // moved out before the end
    let h3 = hh(&app, "north", "H3", "2016-04-02", None, 1).await; // moved in after the end
    let h4 = hh(&app, "north", "H4", "2016-01-10", None, 1).await;
    let h5 = hh(&app, "north", "H5", "2016-01-10", None, 1).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let r1 = open(&mut api, h1, "cable", "2016-01-01").await; // first day
    set_status(&mut api, r1, "passed_to_provider", "2016-01-03").await;
    set_status(&mut api, r1, "resolved", "2016-01-11").await; // 10 days
    let r2 = open(&mut api, h2, "cable", "2016-01-20").await;
    set_status(&mut api, r2, "resolved", "2016-02-01").await; // 12 days; its household moves out
    let r3 = open(&mut api, h4, "cable", "2016-03-31").await; // last day
    set_status(&mut api, r3, "resolved", "2016-04-01").await; // the day after: not in Q1
    let r4 = open(&mut api, h3, "cable", "2016-04-02").await;
    set_status(&mut api, r4, "resolved", "2016-04-03").await;
    let r5 = open(&mut api, h5, "internet", "2015-12-31").await; // the day before
    set_status(&mut api, r5, "resolved", "2016-03-31").await; // last day: 91 days
    let r6 = open(&mut api, h4, "repairs", "2016-02-10").await;
    set_status(&mut api, r6, "cannot_resolve", "2016-02-20").await; // never "resolved"

    let f = |key: &'static str, kind: Option<&'static str>| figure(&app, north, "2016-01-01", "2016-03-31", key, kind);
    assert_eq!(f("requests_opened", None).await, Some(4.0));
    assert_eq!(f("requests_resolved", None).await, Some(3.0));
    assert_eq!(f("request_days_to_resolve", None).await, Some(12.0));
    // Present on 31 March: H1, H4, H5 (H2 moved out, H3 not yet in). Cable resolved by then
    // and still living there: H1 only; internet: H5.
    assert_eq!(f("households_with_request_resolved", Some("cable")).await, Some(1.0));
    let third = Some(100.0 / 3.0);
    let close = |a: Option<f64>, b: Option<f64>| (a.unwrap() - b.unwrap()).abs() < 0.1;
    assert!(close(f("request_coverage_pct", Some("cable")).await, third));
    assert!(close(f("request_coverage_pct", Some("internet")).await, third));

    let g = |key: &'static str, kind: Option<&'static str>| figure(&app, north, "2016-04-01", "2016-06-30", key, kind);
    assert_eq!(g("requests_opened", None).await, Some(1.0));
    assert_eq!(g("requests_resolved", None).await, Some(2.0));
    assert_eq!(g("request_days_to_resolve", None).await, Some(1.0));
    // Present on 30 June: H1, H3, H4, H5; cable by then: H1, H3, H4.
    assert_eq!(g("request_coverage_pct", Some("cable")).await, Some(75.0));

    // The same through the reports API.
    let mut coord = app.api_as("coord2", "coordinator", &["north"]).await;
    let report = coord.get("/api/v1/reports?community=north&from=2016-01-01&to=2016-03-31").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let report = report.json();
    assert_eq!(report_value(&report, "requests_opened", None), json!(4));
    assert_eq!(report_value(&report, "requests_resolved", None), json!(3));
    assert_eq!(report_value(&report, "request_days_to_resolve", None), json!(12));
    assert!((report_value(&report, "request_coverage_pct", Some("cable")).as_f64().unwrap() - 33.33).abs() < 0.1);

    // The drill-down lists every household present with "counted": the team's to-do list.
    let records = coord
        .get("/api/v1/reports/records?key=request_coverage_pct&community=north&from=2016-01-01&to=2016-03-31&request_kind=cable")
        .await;
    assert_eq!(records.status, StatusCode::OK, "{}", records.text);
    let records = records.json();
    assert_eq!(records["total"], 3, "{records}");
    let counted: Vec<(String, String)> = records["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["label"].as_str().unwrap().to_owned(), i["details"]["counted"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        counted,
        vec![("H1".into(), "yes".into()), ("H4".into(), "no".into()), ("H5".into(), "no".into())],
        "{records}"
    );
}

#[tokio::test]
async fn bulk_open_by_building_and_by_list() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let a1 = in_building(&app, "north", "1-101", "1号楼").await;
    let a2 = in_building(&app, "north", "1-102", "1号楼").await;
    let b1 = in_building(&app, "north", "2-101", "2号楼").await;
    let gone = hh(&app, "north", "1-103", "2016-01-10", Some("2016-02-01"), 0).await;
    let mut api = app.api_as("worker", "caseworker", &["north"]).await;
    let body = json!({"building": "1号楼", "kind": "cable", "description": "Hookup", "provider": "有线电视公司", "opened_on": "2016-01-15"});
    let r = api.json("POST", "/api/v1/requests/bulk", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["count"], 2);
    let listed = api.get("/api/v1/requests?building=1%E5%8F%B7%E6%A5%BC&status=open").await.json();
    let mut hs: Vec<i64> =
        listed["items"].as_array().unwrap().iter().map(|i| i["household_id"].as_i64().unwrap()).collect();
    hs.sort_unstable();
    assert_eq!(hs, vec![a1, a2]);
    assert_eq!(listed["total"], 2);

    // A list by codes (duplicates once), and one by ids.
    let r = api
        .json(
            "POST",
            "/api/v1/requests/bulk",
            &json!({"household_codes": ["2-101", "1-101", "2-101"], "kind": "internet", "description": "Line"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["count"], 2);
    let r = api
        .json("POST", "/api/v1/requests/bulk", &json!({"household_ids": [b1], "kind": "repairs", "description": "Tap"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(requests_in(&app).await, 5);
    // "All present": the three living there, not the one that moved out.
    let r = api
        .json("POST", "/api/v1/requests/bulk", &json!({"all": true, "kind": "documents", "description": "ID"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["count"], 3);
    let of_gone = records::of_household(
        &app.store,
        &Actor::system(),
        &household::Entity::find_by_id(gone).one(app.store.conn()).await.unwrap().unwrap(),
        false,
    )
    .await
    .unwrap();
    assert!(of_gone.is_empty());
    // One audit row per bulk action, listing its records.
    let log = hearth_core::audit::list(
        &app.store,
        &hearth_core::audit::Filter { entity: Some("service_request".into()), limit: 50, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(log.iter().filter(|e| e.summary.starts_with("bulk:")).count(), 4);

    // The page: by building, then read back from the list.
    let mut page = app.login_as("coord", "coordinator", &["north"]).await;
    let res = page
        .post_form(
            "/requests/bulk",
            &[
                ("by", "building"),
                ("building", "2号楼"),
                ("kind", "school"),
                ("description", "School place"),
                ("opened_on", "2016-02-01"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let list = page.get(&res.location()).await;
    assert!(list.text.contains("data-total=\"1\""), "{}", list.text);
}

#[tokio::test]
async fn one_bad_or_foreign_household_stores_nothing_and_is_named() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    app.community("south").await;
    let ids = many_households(&app, north, 20).await;
    let foreign = hh(&app, "south", "S-1", "2016-01-10", None, 0).await;
    let moved = hh(&app, "north", "N-gone", "2016-01-10", Some("2016-02-01"), 0).await;
    let mut api = app.api_as("worker", "caseworker", &["north"]).await;
    for (bad, code) in [(foreign, "unknown_household"), (987_654, "unknown_household"), (moved, "household_moved_out")]
    {
        let mut list = ids.clone();
        list.insert(17, bad);
        let r = api
            .json(
                "POST",
                "/api/v1/requests/bulk",
                &json!({"household_ids": list, "kind": "cable", "description": "Hookup"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let err = r.json();
        assert_eq!(err["error"]["field_codes"]["household_ids[17]"], code, "{err}");
        assert_eq!(requests_in(&app).await, 0);
    }
    // By code, on the page: the bad line is named, nothing stored.
    let mut page = app.login_as("coord", "coordinator", &["north"]).await;
    let res = page
        .post_form(
            "/requests/bulk",
            &[
                ("by", "list"),
                ("household_codes", "B-00001\nNO-SUCH\nB-00002"),
                ("kind", "cable"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"bad-codes\"") && res.text.contains("NO-SUCH"), "{}", res.text);
    assert_eq!(requests_in(&app).await, 0);
}

/// 2,000 households: one transaction, one audit row, well under a second or two even in a
/// debug build; a bad household at the end stores none of them.
#[tokio::test]
async fn a_bulk_request_for_2000_households_is_one_transaction() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let ids = many_households(&app, north, 2_000).await;
    let mut api = app.api_as("worker", "caseworker", &["north"]).await;
    let mut bad = ids.clone();
    bad.push(-5);
    let r = api
        .json("POST", "/api/v1/requests/bulk", &json!({"household_ids": bad, "kind": "cable", "description": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field_codes"]["household_ids[2000]"], "unknown_household");
    assert_eq!(requests_in(&app).await, 0);
    let audit_before = hearth_core::audit::count(&app.store).await.unwrap();
    let started = std::time::Instant::now();
    let r = api
        .json(
            "POST",
            "/api/v1/requests/bulk",
            &json!({"household_ids": ids, "kind": "cable", "description": "Hookup", "opened_on": "2016-01-15"}),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["count"], 2_000);
    assert_eq!(r.json()["request_ids"].as_array().unwrap().len(), 2_000);
    assert_eq!(requests_in(&app).await, 2_000);
    // One audit row for the action (the API token's read of nothing else in between).
    assert_eq!(hearth_core::audit::count(&app.store).await.unwrap(), audit_before + 1);
    assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
}

#[tokio::test]
async fn bulk_resolve_from_a_filter_with_a_confirm_step() {
    let app = spawn_app().await;
    app.community("north").await;
    for i in 0..3 {
        in_building(&app, "north", &format!("1-{i}"), "1号楼").await;
    }
    let other = in_building(&app, "north", "2-1", "2号楼").await;
    let mut api = app.api_as("worker", "caseworker", &["north"]).await;
    let r = api
        .json(
            "POST",
            "/api/v1/requests/bulk",
            &json!({"building": "1号楼", "kind": "cable", "description": "Hookup", "opened_on": "2016-01-15"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    open(&mut api, other, "cable", "2016-01-15").await;
    // A day before they were opened: refused, nothing changes.
    let r = api
        .json(
            "POST",
            "/api/v1/requests/bulk-resolve",
            &json!({"building": "1号楼", "kind": "cable", "resolved_on": "2016-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field_codes"]["resolved_on"], "before_some_opened");
    // The count the worker saw no longer holds: nothing changes.
    let r = api
        .json(
            "POST",
            "/api/v1/requests/bulk-resolve",
            &json!({"building": "1号楼", "resolved_on": "2016-02-01", "expected_count": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The page: the first POST asks again; the confirming one resolves the three shown.
    let mut page = app.login_as("coord", "coordinator", &["north"]).await;
    let list = page.get("/requests?building=1%E5%8F%B7%E6%A5%BC").await;
    assert!(list.text.contains("data-resolvable=\"3\""), "{}", list.text);
    let ask = page
        .post_form(
            "/requests/resolve",
            &[("building", "1号楼"), ("resolved_on", "2016-02-01"), ("note", "Connected by the company")],
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    let fields = form_fields(&ask.text, "confirm-form");
    assert!(fields.iter().any(|(k, v)| k == "expected_count" && v == "3"), "{fields:?}");
    assert_eq!(open_in(&app).await, 4);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let done = page.post_form("/requests/resolve", &pairs).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert!(done.location().contains("resolved=3"));
    assert_eq!(open_in(&app).await, 1);
    // Each has the note in its log, and a resolved request does not change status again.
    let one = request::Entity::find()
        .filter(request::Column::Status.eq("resolved"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    let got = api.get(&format!("/api/v1/requests/{}", one.id)).await.json();
    assert_eq!(got["notes"][0]["body"], "Connected by the company");
    assert_eq!(got["resolved_on"], "2016-02-01");
    let r = api
        .json("POST", &format!("/api/v1/requests/{}/status", one.id), &json!({"status": "cannot_resolve", "note": "x"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

async fn open_in(app: &TestApp) -> u64 {
    request::Entity::find()
        .filter(request::Column::Status.is_in(["open", "passed_to_provider"]))
        .count(app.store.conn())
        .await
        .unwrap()
}

/// Every write refuses bad input by field, with nothing stored.
#[tokio::test]
async fn bad_input_is_refused_by_field_with_nothing_stored() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 0).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let cases: Vec<(&str, &str, Value, &str, &str)> = vec![
        ("POST", "/api/v1/requests", json!({"kind": "cable", "description": "x"}), "household_id", "required"),
        (
            "POST",
            "/api/v1/requests",
            json!({"household_id": h, "kind": "nope", "description": "x"}),
            "kind",
            "unknown_kind",
        ),
        (
            "POST",
            "/api/v1/requests",
            json!({"household_id": h, "kind": "cable", "description": " "}),
            "description",
            "required",
        ),
        (
            "POST",
            "/api/v1/requests",
            json!({"household_id": h, "kind": "cable", "description": "x", "opened_on": "2016-02-30"}),
            "opened_on",
            "no_such_date",
        ),
        (
            "POST",
            "/api/v1/requests",
            json!({"household_id": h, "kind": "cable", "description": "x", "opened_on": "2099-01-01"}),
            "opened_on",
            "date_in_future",
        ),
        (
            "POST",
            "/api/v1/requests/bulk",
            json!({"kind": "cable", "description": "x"}),
            "households",
            "choose_households",
        ),
        (
            "POST",
            "/api/v1/requests/bulk",
            json!({"all": true, "building": "1", "kind": "cable", "description": "x"}),
            "households",
            "choose_one_way",
        ),
        (
            "POST",
            "/api/v1/requests/bulk",
            json!({"building": "no such", "kind": "cable", "description": "x"}),
            "building",
            "no_households",
        ),
        ("POST", "/api/v1/requests/bulk-resolve", json!({"status": "resolved"}), "status", "already_closed"),
        ("POST", "/api/v1/requests/bulk-resolve", json!({"kind": "cable"}), "requests", "nothing_to_resolve"),
        (
            "POST",
            "/api/v1/request-kinds",
            json!({"key": "Bad Key", "name_en": "x", "name_zh": "x"}),
            "key",
            "invalid_key",
        ),
        ("POST", "/api/v1/request-kinds", json!({"key": "gas", "name_zh": "燃气"}), "name_en", "required"),
    ];
    for (method, path, body, field, code) in cases {
        let r = api.json(method, path, &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {}", r.text);
        assert_eq!(r.json()["error"]["field_codes"][field], code, "{path} {body}: {}", r.text);
    }
    assert_eq!(requests_in(&app).await, 0);
    // A wrong JSON type and an unknown field are named too.
    let r = api.json("POST", "/api/v1/requests", &json!({"household_id": "x"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["error"]["field_codes"]["household_id"], "wrong_type");
    let r = api.json("POST", "/api/v1/requests", &json!({"household": 1})).await;
    assert_eq!(r.json()["error"]["field_codes"]["household"], "unknown_field", "{}", r.text);
    // A kind's key is unique in its community.
    let r = api.json("POST", "/api/v1/request-kinds", &json!({"key": "cable", "name_en": "x", "name_zh": "x"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // A request's status and details.
    let id = open(&mut api, h, "cable", "2016-03-01").await;
    let status_cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "status", "required"),
        (json!({"status": "open"}), "status", "invalid_choice"),
        (json!({"status": "done"}), "status", "invalid_choice"),
        (json!({"status": "resolved", "on": "2016-02-01"}), "on", "date_before_opened"),
        (json!({"status": "cannot_resolve", "on": "2016-03-02"}), "note", "required"),
    ];
    for (body, field, code) in status_cases {
        let r = api.json("POST", &format!("/api/v1/requests/{id}/status"), &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.text);
        assert_eq!(r.json()["error"]["field_codes"][field], code, "{body}: {}", r.text);
    }
    let got = api.get(&format!("/api/v1/requests/{id}")).await;
    let etag = got.header("etag").unwrap();
    assert_eq!(got.json()["status"], "open");
    assert_eq!(got.json()["notes"], json!([]));
    let r = api.json("PATCH", &format!("/api/v1/requests/{id}"), &json!({"kind": "nope"})).await;
    assert_eq!(r.json()["error"]["field_codes"]["kind"], "unknown_kind");
    // A stale version: 412, nothing written.
    let r = api.json("PATCH", &format!("/api/v1/requests/{id}"), &json!({"provider": "Cable Co 2"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut req = axum::http::Request::builder()
        .method("PATCH")
        .uri(format!("/api/v1/requests/{id}"))
        .header("content-type", "application/json")
        .header("if-match", etag)
        .body(axum::body::Body::from(json!({"provider": "Stale"}).to_string()))
        .unwrap();
    req.headers_mut().insert("accept", "application/json".parse().unwrap());
    let r = api.send(req).await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text);

    // The page forms: named errors, nothing stored.
    let mut page = app.login_as("coord2", "coordinator", &["north"]).await;
    let res = page.post_form("/requests", &[("household_id", &h.to_string()), ("kind", ""), ("description", "")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-kind\"") && res.text.contains("id=\"e-description\""), "{}", res.text);
    let res = page.post_form("/requests/bulk", &[("by", "building"), ("kind", "cable"), ("description", "x")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-building\""));
    let res = page.post_form(&format!("/requests/{id}/status"), &[("status", "resolved"), ("on", "2016-01-01")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-on\""));
    let res = page.post_form("/request-kinds", &[("key", "x y"), ("name_en", ""), ("name_zh", "")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-key\"") && res.text.contains("id=\"e-name_en\""));
    assert_eq!(requests_in(&app).await, 1);
}

/// Kinds: the standard seven per community; a new one, renamed, retired (no longer offered).
#[tokio::test]
async fn kinds_are_each_communitys_own() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let h = hh(&app, "north", "N-1", "2016-01-10", None, 0).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let kinds = api.get("/api/v1/request-kinds").await.json();
    let keys: Vec<&str> = kinds.as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["cable", "internet", "utilities", "repairs", "documents", "school", "other"]);
    let r =
        api.json("POST", "/api/v1/request-kinds", &json!({"key": "gas", "name_en": "Gas", "name_zh": "燃气"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let gas = r.json()["id"].as_i64().unwrap();
    open(&mut api, h, "gas", "2016-03-01").await;
    let r = api
        .json("PATCH", &format!("/api/v1/request-kinds/{gas}"), &json!({"name_en": "Piped gas", "retired": true}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["key"], "gas");
    let r = api.json("POST", "/api/v1/requests", &json!({"household_id": h, "kind": "gas", "description": "x"})).await;
    assert_eq!(r.json()["error"]["field_codes"]["kind"], "unknown_kind");
    let r = api.json("PATCH", &format!("/api/v1/request-kinds/{gas}"), &json!({"key": "gas2"})).await;
    assert_eq!(r.json()["error"]["field_codes"]["key"], "cannot_change");
    // A caseworker uses kinds, does not edit them.
    let mut worker = app.api_as("worker", "caseworker", &["north"]).await;
    let r = worker.json("PATCH", &format!("/api/v1/request-kinds/{gas}"), &json!({"retired": false})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Volunteers and viewers have no part in requests (403); another community's are 404.
#[tokio::test]
async fn access_by_role_and_community() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let hn = hh(&app, "north", "N-1", "2016-01-10", None, 0).await;
    let hs = hh(&app, "south", "S-1", "2016-01-10", None, 0).await;
    let mut south = app.api_as("south-worker", "caseworker", &["south"]).await;
    let rs = open(&mut south, hs, "cable", "2016-03-01").await;
    let mut north = app.api_as("north-worker", "caseworker", &["north"]).await;
    let rn = open(&mut north, hn, "cable", "2016-03-01").await;
    assert_eq!(north.get(&format!("/api/v1/requests/{rs}")).await.status, StatusCode::NOT_FOUND);
    let r = north.json("POST", &format!("/api/v1/requests/{rs}/status"), &json!({"status": "resolved"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A foreign household is unknown to a single opening too.
    let r =
        north.json("POST", "/api/v1/requests", &json!({"household_id": hs, "kind": "cable", "description": "x"})).await;
    assert_eq!(r.json()["error"]["field_codes"]["household_id"], "unknown_household");
    // The list shows only one's own communities'.
    let list = north.get("/api/v1/requests").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], rn);
    for role in ["volunteer", "viewer"] {
        let mut c = app.api_as(role, role, &["north"]).await;
        assert_eq!(c.get(&format!("/api/v1/requests/{rn}")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.get("/api/v1/requests").await.status, StatusCode::FORBIDDEN);
        let r =
            c.json("POST", "/api/v1/requests/bulk", &json!({"all": true, "kind": "cable", "description": "x"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // The household page shows its open requests; the timeline the request.
    let mut page = app.login_as("north-page", "caseworker", &["north"]).await;
    let h = page.get(&format!("/households/{hn}")).await;
    assert!(h.text.contains(&format!("/requests/{rn}")), "{}", h.text);
    assert!(h.text.contains("Service request opened"), "{}", h.text);
    let today = page.get("/").await;
    assert!(today.text.contains("id=\"today-requests-waiting\""), "{}", today.text);
}

/// The demo's figures (shared/DEMO.md): the first quarter of 2016.
#[tokio::test]
async fn the_demo_reproduces_its_request_figures() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let c = hearth_core::registry::communities::by_slug(&app.store, &Actor::system(), "jiafu").await.unwrap().id;
    let f = |key: &'static str, kind: Option<&'static str>| figure(&app, c, "2016-01-01", "2016-03-31", key, kind);
    assert_eq!(f("requests_opened", None).await, Some(1710.0));
    assert_eq!(f("requests_resolved", None).await, Some(1710.0));
    assert_eq!(f("request_coverage_pct", Some("cable")).await, Some(100.0));
    assert!(f("request_days_to_resolve", None).await.is_some_and(|d| (3.0..=20.0).contains(&d)));
    // In January alone, far from everyone.
    let jan = figure(&app, c, "2016-01-01", "2016-01-31", "request_coverage_pct", Some("cable")).await.unwrap();
    assert!(jan < 100.0);
}

/// Kinds seeded by the migration for communities already there carry the database's own
/// `CURRENT_TIMESTAMP`: they read back, and their version works, on both backends.
#[tokio::test]
async fn kinds_stamped_by_the_database_read_back_and_version() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    app.community("north").await;
    let tx = app.store.write().await.unwrap();
    tx.execute_unprepared("UPDATE request_kinds SET updated_at = CURRENT_TIMESTAMP").await.unwrap();
    tx.commit().await.unwrap();
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let kinds = api.get("/api/v1/request-kinds").await;
    assert_eq!(kinds.status, StatusCode::OK, "{}", kinds.text);
    let id = kinds.json()[0]["id"].as_i64().unwrap();
    let r = api.json("PATCH", &format!("/api/v1/request-kinds/{id}"), &json!({"name_en": "Cable television"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.header("etag").is_some());
}
