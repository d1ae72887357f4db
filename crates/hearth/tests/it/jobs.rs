//! Employment help: every figure with a known answer (a resident placed twice, a placement
//! that ends before its 6-month check-in, check-ins from a start on 31 January, "could not
//! reach" counted in neither, an offer declined by the resident), bad input refused with
//! the field named and nothing stored, a referral placed once and a check-in recorded once
//! under simultaneous requests, the scan's upload and download, and the demo's figures.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::indicators::{self, Scope};
use serde_json::{Value, json};

use crate::support::*;

async fn post(api: &mut TestClient, path: &str, body: Value) -> Value {
    let res = api.json("POST", path, &body).await;
    assert!(res.status == StatusCode::CREATED || res.status == StatusCode::OK, "{path}: {}", res.text);
    res.json()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn figure(app: &TestApp, community: i64, from: &str, to: &str, key: &str) -> Option<f64> {
    let scope = Scope::new(vec![community], d(from), d(to)).unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&[key])).await.unwrap();
    f.iter().find(|x| x.key == key).and_then(|x| x.value)
}

/// Records a check-in through the API; returns the status.
async fn check_in(api: &mut TestClient, id: i64, result: &str, on: &str) -> StatusCode {
    api.json("POST", &format!("/api/v1/check-ins/{id}"), &json!({"result": result, "on": on})).await.status
}

fn check_in_of(p: &Value, months: i64) -> i64 {
    p["check_ins"].as_array().unwrap().iter().find(|c| c["months"] == months).unwrap()["id"].as_i64().unwrap()
}

/// North, March–June 2016 (and July–December for the 6-month check-ins):
/// - employers E1 (agreement signed 2016-03-01, valid to year end) and E2 (signed
///   2016-02-01, expired 2016-03-15); openings O1 (E1, 5 positions, posted 03-02) and O2
///   (E2, 3 positions, posted 04-01);
/// - fair F1 on 2016-03-12 with both employers, roll-call a, b, c; fair F2 on 2016-07-02;
/// - referrals R1 a→O1 and R2 b→O1 on 03-13 (from F1), R3 c→O2 04-02, R4 a→O2 05-01;
///   R2 declined by b after an offer ("too far"), R3 not selected;
/// - placements P1 a via R1 from 03-20 (ended 07-15, resident left), P2 a via R4 from
///   06-01 (a placed twice), P3 e at F1 from 03-25, P4 d by own search from 2016-01-31;
/// - 3-month check-ins: P4 (due 04-30) could not reach, P1 (06-20) still employed, P3
///   (06-25) not employed; 6-month: P4 (07-31) still employed, P1 settled by its end, P2
///   (12-01) could not reach.
#[tokio::test]
async fn job_figures_have_a_known_answer() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let r = people(&app, "north", 5).await;
    let (a, b, c, dd, e) = (r[0], r[1], r[2], r[3], r[4]);
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let e1 =
        id(&post(&mut api, "/api/v1/employers", json!({"community": "north", "name": "丰华物业 Fenghua Property"}))
            .await);
    let e2 = id(&post(&mut api, "/api/v1/employers", json!({"community": "north", "name": "Sanlian"})).await);
    post(
        &mut api,
        "/api/v1/agreements",
        json!({"employer_id": e1, "title": "Referral", "signed_on": "2016-03-01", "valid_until": "2016-12-31"}),
    )
    .await;
    let old = post(
        &mut api,
        "/api/v1/agreements",
        json!({"employer_id": e2, "title": "Old", "signed_on": "2016-02-01", "valid_until": "2016-03-15"}),
    )
    .await;
    assert_eq!(old["state"], "expired");
    let o1 = id(&post(&mut api, "/api/v1/openings", json!({"employer_id": e1, "title": "Cleaner", "positions": 5, "wage_min": 180000, "wage_max": 220000, "posted_on": "2016-03-02"})).await);
    let o2 = id(&post(
        &mut api,
        "/api/v1/openings",
        json!({"employer_id": e2, "title": "Gardener", "positions": 3, "posted_on": "2016-04-01"}),
    )
    .await);
    let f1 = post(&mut api, "/api/v1/fairs", json!({"community": "north", "held_on": "2016-03-12", "place": "Square", "employer_ids": [e1, e2], "opening_ids": [o1, o2], "interviews_agreed": 4, "offers_made": 2})).await;
    post(
        &mut api,
        "/api/v1/fairs",
        json!({"community": "north", "held_on": "2016-07-02", "place": "Hall", "employer_ids": [e1]}),
    )
    .await;
    // The fair's roll-call is the classes' roll-call, at the fair's session.
    let marks = json!([{"resident_id": a}, {"resident_id": b}, {"resident_id": c}]);
    let res = api.json("POST", "/api/v1/attendance", &json!({"session_id": f1["session_id"], "marks": marks})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let f1_id = id(&f1);
    let got = api.get(&format!("/api/v1/fairs/{f1_id}")).await.json();
    assert_eq!(got["attendees"], 3);

    let refer = |resident: i64, opening: i64, on: &str, fair: Option<i64>| json!({"resident_id": resident, "opening_id": opening, "referred_on": on, "fair_id": fair});
    let r1 = id(&post(&mut api, "/api/v1/referrals", refer(a, o1, "2016-03-13", Some(f1_id))).await);
    let r2 = id(&post(&mut api, "/api/v1/referrals", refer(b, o1, "2016-03-13", Some(f1_id))).await);
    let r3 = id(&post(&mut api, "/api/v1/referrals", refer(c, o2, "2016-04-02", None)).await);
    let r4 = id(&post(&mut api, "/api/v1/referrals", refer(a, o2, "2016-05-01", None)).await);
    for (step, on) in [("interview", "2016-03-15"), ("offer", "2016-03-18")] {
        post(&mut api, &format!("/api/v1/referrals/{r2}/steps"), json!({"step": step, "happened_on": on})).await;
    }
    let declined = post(
        &mut api,
        &format!("/api/v1/referrals/{r2}/steps"),
        json!({"step": "declined", "happened_on": "2016-03-20", "reason": "too far"}),
    )
    .await;
    assert_eq!(declined["outcome"], "declined");
    post(
        &mut api,
        &format!("/api/v1/referrals/{r3}/steps"),
        json!({"step": "not_selected", "happened_on": "2016-04-09"}),
    )
    .await;
    // A declined referral takes no further step, and cannot be placed.
    let res = api
        .json(
            "POST",
            &format!("/api/v1/referrals/{r2}/steps"),
            &json!({"step": "interview", "happened_on": "2016-03-21"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    let res = api
        .json(
            "POST",
            "/api/v1/placements",
            &json!({"resident_id": b, "via": "referral", "referral_id": r2, "started_on": "2016-03-25"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);

    let place = |body: Value| body;
    let p1 = post(
        &mut api,
        "/api/v1/placements",
        place(json!({"resident_id": a, "via": "referral", "referral_id": r1, "started_on": "2016-03-20"})),
    )
    .await;
    assert_eq!(p1["job_title"], "Cleaner", "the opening's title by default");
    assert_eq!(p1["employer_id"], e1);
    let p2 = post(
        &mut api,
        "/api/v1/placements",
        place(json!({"resident_id": a, "via": "referral", "referral_id": r4, "started_on": "2016-06-01"})),
    )
    .await;
    let p3 = post(&mut api, "/api/v1/placements", place(json!({"resident_id": e, "via": "fair", "fair_id": f1_id, "employer_id": e2, "job_title": "Gardener", "started_on": "2016-03-25"}))).await;
    let p4 = post(&mut api, "/api/v1/placements", place(json!({"resident_id": dd, "via": "own_search", "employer_id": e1, "job_title": "Porter", "started_on": "2016-01-31"}))).await;
    // Check-ins from a start on 31 January: the month's last day when it is shorter.
    let dues: Vec<&str> = p4["check_ins"].as_array().unwrap().iter().map(|c| c["due_on"].as_str().unwrap()).collect();
    assert_eq!(dues, ["2016-04-30", "2016-07-31"]);
    assert_eq!(p1["check_ins"][0]["due_on"], "2016-06-20");
    let referral = api.get(&format!("/api/v1/referrals/{r1}")).await.json();
    assert_eq!(referral["outcome"], "placed");
    assert_eq!(referral["outcome_on"], "2016-03-20");

    // 3-month check-ins.
    assert_eq!(check_in(&mut api, check_in_of(&p4, 3), "not_reached", "2016-05-02").await, StatusCode::OK);
    assert_eq!(check_in(&mut api, check_in_of(&p1, 3), "still_employed", "2016-06-21").await, StatusCode::OK);
    assert_eq!(check_in(&mut api, check_in_of(&p3, 3), "not_employed", "2016-06-27").await, StatusCode::OK);
    // Recorded once.
    assert_eq!(check_in(&mut api, check_in_of(&p1, 3), "not_employed", "2016-06-22").await, StatusCode::CONFLICT);
    let unreached = api.get(&format!("/api/v1/check-ins/{}", check_in_of(&p4, 3))).await.json();
    assert_eq!(unreached["attempts"], 1);
    assert!(unreached.get("still_employed").is_none(), "an attempt is not a result: {unreached}");
    // P1 ends before its 6-month check-in (and after the 3-month one).
    let p1_id = id(&p1);
    let res = api
        .json(
            "PATCH",
            &format!("/api/v1/placements/{p1_id}"),
            &json!({"ended_on": "2016-07-15", "end_reason": "resident_left"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let ended = res.json();
    let six = ended["check_ins"].as_array().unwrap().iter().find(|c| c["months"] == 6).unwrap().clone();
    assert_eq!(six["still_employed"], false);
    assert_eq!(six["by_end"], true);
    assert_eq!(ended["check_ins"][0]["still_employed"], true, "the 3-month result stays");
    assert_eq!(
        check_in(&mut api, six["id"].as_i64().unwrap(), "still_employed", "2016-09-21").await,
        StatusCode::CONFLICT
    );
    assert_eq!(check_in(&mut api, check_in_of(&p4, 6), "still_employed", "2016-08-01").await, StatusCode::OK);
    assert_eq!(check_in(&mut api, check_in_of(&p2, 6), "not_reached", "2016-12-02").await, StatusCode::OK);

    let spring = |key: &'static str| figure(&app, north, "2016-03-01", "2016-06-30", key);
    assert_eq!(spring("job_fairs").await, Some(1.0));
    assert_eq!(spring("fair_attendees").await, Some(3.0));
    assert_eq!(spring("employers_participating").await, Some(2.0));
    assert_eq!(spring("agreements_signed").await, Some(1.0));
    assert_eq!(spring("agreements_in_force").await, Some(1.0), "E2's expired on 03-15");
    assert_eq!(spring("openings").await, Some(2.0));
    assert_eq!(spring("positions").await, Some(8.0));
    assert_eq!(spring("referrals_made").await, Some(4.0));
    assert_eq!(spring("referrals_placed").await, Some(2.0));
    assert_eq!(spring("placement_rate").await, Some(50.0));
    assert_eq!(spring("placements").await, Some(3.0), "P4 started in January");
    assert_eq!(spring("residents_placed").await, Some(2.0), "a placed twice counts once");
    assert_eq!(spring("check_ins_3m").await, Some(2.0), "could not reach is in neither");
    assert_eq!(spring("employed_3m").await, Some(1.0));
    assert_eq!(spring("retention_3m").await, Some(50.0));
    // Classes' figures do not count the fair's roll-call.
    assert_eq!(spring("sessions_held").await.unwrap_or(0.0), 0.0);
    assert_eq!(spring("person_times").await.unwrap_or(0.0), 0.0);
    let autumn = |key: &'static str| figure(&app, north, "2016-07-01", "2016-12-31", key);
    assert_eq!(autumn("job_fairs").await, Some(1.0));
    assert_eq!(autumn("check_ins_6m").await, Some(2.0), "P4 reached, P1 settled by its end; P2 not reached");
    assert_eq!(autumn("employed_6m").await, Some(1.0));
    assert_eq!(autumn("retention_6m").await, Some(50.0));

    // Taking the end back reopens the 6-month check-in.
    let res = api.json("PATCH", &format!("/api/v1/placements/{p1_id}"), &json!({"ended_on": ""})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert!(res.json()["check_ins"][1].get("still_employed").is_none());
    assert_eq!(autumn("check_ins_6m").await, Some(1.0));

    // The drill-down of the placement rate lists every referral with whether it was placed.
    let scope = Scope::new(vec![north], d("2016-03-01"), d("2016-06-30")).unwrap();
    let page = indicators::records(&app.store, &scope, "placement_rate", &Default::default(), None, 100).await.unwrap();
    assert_eq!(page.items.len(), 4);
    // The resident's page and the household timeline show the work.
    let mut web = app.login_as("coord2", "coordinator", &["north"]).await;
    let page = web.get(&format!("/residents/{a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"today-placements\"") && page.text.contains("丰华物业"), "{}", page.text);
    let _ = (r3, c);
}

/// Bad input names its field and stores nothing.
#[tokio::test]
async fn bad_job_input_is_refused_with_the_field_named() {
    let app = spawn_app().await;
    app.community("north").await;
    let r = people(&app, "north", 1).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let e1 = id(&post(&mut api, "/api/v1/employers", json!({"community": "north", "name": "Ronghui"})).await);
    let field_of = |res: &TestResponse| {
        res.json()["error"]["fields"].as_object().and_then(|f| f.keys().next().cloned()).unwrap_or_default()
    };
    for (body, field) in [
        (json!({"employer_id": e1, "title": "X", "positions": 2, "wage_min": 300000, "wage_max": 200000}), "wage_max"),
        (json!({"employer_id": e1, "title": "X", "positions": -1}), "positions"),
        (json!({"employer_id": e1, "title": "X", "positions": 0}), "positions"),
        (json!({"employer_id": e1, "title": "X", "positions": 1, "wage_min": -5}), "wage_min"),
    ] {
        let res = api.json("POST", "/api/v1/openings", &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
        assert_eq!(field_of(&res), field, "{}", res.text);
    }
    assert_eq!(api.get("/api/v1/openings").await.json().as_array().unwrap().len(), 0);
    let o =
        id(&post(&mut api, "/api/v1/openings", json!({"employer_id": e1, "title": "Cleaner", "positions": 2})).await);
    let rf = id(&post(
        &mut api,
        "/api/v1/referrals",
        json!({"resident_id": r[0], "opening_id": o, "referred_on": "2016-04-10"}),
    )
    .await);
    let res = api
        .json(
            "POST",
            "/api/v1/placements",
            &json!({"resident_id": r[0], "via": "referral", "referral_id": rf, "started_on": "2016-04-09"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(field_of(&res), "started_on");
    assert_eq!(api.get("/api/v1/placements").await.json().as_array().unwrap().len(), 0);
    assert!(api.get(&format!("/api/v1/referrals/{rf}")).await.json().get("outcome").is_none());

    // Scans: a renamed program and a file over 5 MB are refused; a PDF is kept and served as
    // an attachment.
    let a = id(&post(
        &mut api,
        "/api/v1/agreements",
        json!({"employer_id": e1, "title": "Referral", "signed_on": "2016-03-01"}),
    )
    .await);
    let put = |bytes: Vec<u8>| {
        Request::builder()
            .method("PUT")
            .uri(format!("/api/v1/agreements/{a}/scan?file_name=agreement.pdf"))
            .header("content-type", "application/pdf")
            .body(Body::from(bytes))
            .unwrap()
    };
    let res = api.send(put(b"MZ\x90\x00\x03 this is an exe".to_vec())).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("\"scan\"") && res.text.contains("file_type"), "{}", res.text);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let res = api.send(put(big)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("file_too_large"), "{}", res.text);
    let got = api.get(&format!("/api/v1/agreements/{a}")).await.json();
    assert!(got["scan_type"].is_null(), "nothing stored: {got}");
    let res = api.send(put(b"%PDF-1.4\n%%EOF\n".to_vec())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["scan_type"], "application/pdf");
    let res = api.get(&format!("/api/v1/agreements/{a}/scan")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-disposition").as_deref(), Some("attachment; filename=\"agreement.pdf\""));
    assert!(res.text.starts_with("%PDF-"));

    // The same refusals from the page's upload form: the agreement is not made.
    let mut web = app.login_as("coord2", "coordinator", &["north"]).await;
    let token = web.csrf().await;
    let boundary = "XyZhearthBoundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nSecond\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"signed_on\"\r\n\r\n2016-04-01\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"scan\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\nMZ\x00\x01not a pdf\r\n\
         --{boundary}--\r\n"
    );
    let req = Request::builder()
        .method("POST")
        .uri(format!("/employers/{e1}/agreements"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let res = web.send(req).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("id=\"e-scan\""), "the field is named on the form");
    assert!(res.text.contains("value=\"Second\""), "what was typed is kept");
    assert_eq!(api.get(&format!("/api/v1/agreements?employer_id={e1}")).await.json().as_array().unwrap().len(), 1);
}

/// A referral is placed once, and a check-in recorded once, however many ask at once.
#[tokio::test]
async fn a_referral_is_placed_once_under_simultaneous_requests() {
    let app = spawn_app().await;
    app.community("north").await;
    let r = people(&app, "north", 1).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let e1 = id(&post(&mut api, "/api/v1/employers", json!({"community": "north", "name": "Fenghua"})).await);
    let o =
        id(&post(&mut api, "/api/v1/openings", json!({"employer_id": e1, "title": "Cleaner", "positions": 2})).await);
    let rf = id(&post(
        &mut api,
        "/api/v1/referrals",
        json!({"resident_id": r[0], "opening_id": o, "referred_on": "2016-04-10"}),
    )
    .await);
    let body = json!({"resident_id": r[0], "via": "referral", "referral_id": rf, "started_on": "2016-04-20"});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut c = api.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move { c.json("POST", "/api/v1/placements", &body).await.status }));
    }
    let mut created = 0;
    for t in tasks {
        let s = t.await.unwrap();
        assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{s}");
        created += usize::from(s == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
    let ps = api.get("/api/v1/placements").await.json();
    assert_eq!(ps.as_array().unwrap().len(), 1);
    let ci = check_in_of(&ps[0], 3);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let mut c = api.clone();
        let result = if i % 2 == 0 { "still_employed" } else { "not_employed" };
        tasks.push(tokio::spawn(async move { check_in(&mut c, ci, result, "2016-07-20").await }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap() == StatusCode::OK);
    }
    assert_eq!(ok, 1);
}

/// The demo's figures (shared/DEMO.md): 4 job fairs and 47 placements from March to June
/// 2016, with three partner employers, each with an agreement.
#[tokio::test]
async fn the_demo_reproduces_its_job_figures() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let c = hearth_core::registry::communities::by_slug(&app.store, &hearth_core::Actor::system(), "jiafu")
        .await
        .unwrap()
        .id;
    let f = |key: &'static str| figure(&app, c, "2016-03-01", "2016-06-30", key);
    assert_eq!(f("job_fairs").await, Some(4.0));
    assert_eq!(f("placements").await, Some(47.0));
    assert_eq!(f("residents_placed").await, Some(47.0));
    assert_eq!(f("employers_participating").await, Some(3.0));
    assert_eq!(f("agreements_in_force").await, Some(3.0));
    assert_eq!(f("referrals_made").await, Some(65.0));
    assert_eq!(f("referrals_placed").await, Some(30.0));
    // The classes' figures are untouched by the fairs' roll-calls.
    assert_eq!(figure(&app, c, "2016-03-04", "2016-05-31", "person_times").await.map(|v| v >= 310.0), Some(true));
}
