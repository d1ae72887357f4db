//! The JSON API under /api/v1: create-read-update, keyset pages, filters, bad input, auth
//! and scope rules, token auditing, and the OpenAPI document with its Swagger UI.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hearth_core::Actor;
use hearth_core::audit;
use hearth_core::registry::residents;
use serde_json::{Value, json};

use crate::support::*;

/// Ids of every household a client can list (walking all pages).
async fn all_household_ids(c: &mut TestClient) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let path = match after {
            Some(a) => format!("/api/v1/households?limit=500&after={a}"),
            None => "/api/v1/households?limit=500".to_owned(),
        };
        let res = c.get(&path).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text);
        let body = res.json();
        ids.extend(body["items"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()));
        match body["next_after"].as_i64() {
            Some(n) => after = Some(n),
            None => return ids,
        }
    }
}

async fn resident_count(app: &TestApp) -> usize {
    residents::list(&app.store, &Actor::system(), &residents::ListQuery { limit: Some(500), ..Default::default() })
        .await
        .unwrap()
        .items
        .len()
}

/// The `error.fields` keys of an API error answer.
fn error_fields(res: &TestResponse) -> BTreeSet<String> {
    res.json()["error"]["fields"]
        .as_object()
        .unwrap_or_else(|| panic!("no error.fields: {}", res.text))
        .keys()
        .cloned()
        .collect()
}

fn field_code(res: &TestResponse, field: &str) -> String {
    res.json()["error"]["field_codes"][field].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn household_create_read_update() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;

    let res = c
        .json(
            "POST",
            "/api/v1/households",
            &json!({
                "community": "north",
                "code": "3-2-401",
                "address": "Building 3, Harmony Road",
                "phone": "138 0000 1111",
                "moved_in_on": "2016-03-01",
                "notes": "Prefers visits after 6pm",
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let created = res.json();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(res.location(), format!("/api/v1/households/{id}"));
    assert_eq!(created["community"], "north");
    assert_eq!(created["moved_in_on"], "2016-03-01");
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));

    let got = c.get(&res.location()).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    let got = got.json();
    assert_eq!(got["code"], "3-2-401");
    assert_eq!(got["phone"], "138 0000 1111");
    assert_eq!(got["member_names"], json!([]));

    // Partial update: a missing field is kept, null clears.
    let res = c
        .json(
            "PATCH",
            &format!("/api/v1/households/{id}"),
            &json!({"phone": "139 1111 2222", "notes": null, "moved_out_on": "2024-12-31"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let upd = c.get(&format!("/api/v1/households/{id}")).await.json();
    assert_eq!(upd["phone"], "139 1111 2222");
    assert_eq!(upd["notes"], Value::Null);
    assert_eq!(upd["moved_out_on"], "2024-12-31");
    assert_eq!(upd["address"], "Building 3, Harmony Road");
    assert_eq!(upd["code"], "3-2-401");

    // The same code twice in one community is a conflict naming the field.
    let dup =
        c.json("POST", "/api/v1/households", &json!({"community": "north", "code": "3-2-401", "address": "x"})).await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.text);
    assert_eq!(error_fields(&dup), BTreeSet::from(["code".to_owned()]));
}

#[tokio::test]
async fn resident_create_read_update() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "1-1-101").await;
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;

    let res = c
        .json(
            "POST",
            "/api/v1/residents",
            &json!({
                "household_id": h.id,
                "full_name": "张伟",
                "sex": "male",
                "birth_date": "1988-07-14",
                "languages_spoken": "Mandarin, Uyghur",
                "work_status": "seeking_work",
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    assert_eq!(res.location(), format!("/api/v1/residents/{id}"));

    let got = c.get(&format!("/api/v1/residents/{id}")).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    let got = got.json();
    assert_eq!(got["full_name"], "张伟");
    assert_eq!(got["birth_date"], "1988-07-14");
    assert_eq!(got["household_id"], h.id);
    assert_eq!(got["education_level"], Value::Null);

    let res = c
        .json(
            "PATCH",
            &format!("/api/v1/residents/{id}"),
            &json!({"full_name": "李娜", "work_status": "employed", "languages_spoken": null}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let upd = res.json();
    assert_eq!(upd["full_name"], "李娜");
    assert_eq!(upd["work_status"], "employed");
    assert_eq!(upd["languages_spoken"], Value::Null);
    assert_eq!(upd["birth_date"], "1988-07-14");

    // The name index follows the new name.
    let found = c.get("/api/v1/residents?q=ln").await.json();
    assert_eq!(found["items"][0]["id"], id);
    let old = c.get("/api/v1/residents?q=zw").await.json();
    assert_eq!(old["items"], json!([]));
    // And the household lists its member.
    let hh = c.get(&format!("/api/v1/households/{}", h.id)).await.json();
    assert_eq!(hh["member_names"], json!(["李娜"]));
}

#[tokio::test]
async fn consent_create_read_withdraw() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "1-1-101").await;
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;
    let base = format!("/api/v1/households/{}/consents", h.id);

    let res = c
        .json(
            "POST",
            &base,
            &json!({
                "given_by": "Wang Fang",
                "given_on": "2024-05-01",
                "scope_services": true,
                "scope_contact": true,
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let consent = res.json();
    let id = consent["id"].as_i64().unwrap();
    assert_eq!(res.location(), format!("/api/v1/consents/{id}"));
    assert_eq!(consent["scope_partners"], false);
    assert_eq!(consent["withdrawn_on"], Value::Null);

    let list = c.get(&base).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json()["items"][0]["id"], id);
    let one = c.get(&format!("/api/v1/consents/{id}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["given_by"], "Wang Fang");

    // Withdrawal before the consent was given is refused, naming the field.
    let early =
        c.json("POST", &format!("/api/v1/consents/{id}/withdraw"), &json!({"withdrawn_on": "2024-04-01"})).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&early, "withdrawn_on"), "date_before_given");

    let res = c.json("POST", &format!("/api/v1/consents/{id}/withdraw"), &json!({"withdrawn_on": "2025-01-31"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["withdrawn_on"], "2025-01-31");
    let again =
        c.json("POST", &format!("/api/v1/consents/{id}/withdraw"), &json!({"withdrawn_on": "2025-02-01"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "the consent's state is at fault, not the input");
    assert_eq!(field_code(&again, "withdrawn_on"), "already_withdrawn");
    let after = c.get(&format!("/api/v1/consents/{id}")).await.json();
    assert_eq!(after["withdrawn_on"], "2025-01-31");
}

#[tokio::test]
async fn keyset_pagination_walks_every_page_once() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(app.household("north", &format!("P-{i}")).await.id);
    }
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;
    let mut seen = Vec::new();
    let mut after: Option<i64> = None;
    let mut sizes = Vec::new();
    for _ in 0..10 {
        let path = match after {
            Some(a) => format!("/api/v1/households?limit=3&after={a}"),
            None => "/api/v1/households?limit=3".to_owned(),
        };
        let page = c.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let page = page.json();
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(items.iter().map(|h| h["id"].as_i64().unwrap()));
        match page["next_after"].as_i64() {
            Some(n) => {
                assert_eq!(Some(n), seen.last().copied());
                after = Some(n);
            }
            None => break,
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, made, "every household once, in id order");

    // Default and maximum page sizes; a non-number is a 400 naming the parameter.
    let all = c.get("/api/v1/households").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 7);
    assert_eq!(all["next_after"], Value::Null);
    let bad = c.get("/api/v1/households?limit=many").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(error_fields(&bad), BTreeSet::from(["limit".to_owned()]));
    let bad = c.get("/api/v1/residents?household_id=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(error_fields(&bad), BTreeSet::from(["household_id".to_owned()]));
}

#[tokio::test]
async fn list_filters_by_community_and_name() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let n1 = app.household("north", "N-1").await;
    let n2 = app.household("north", "N-2").await;
    let s1 = app.household("south", "S-1").await;
    let mut c = app.api_as("boss", "admin", &[]).await;
    for (hid, name) in [(n1.id, "张伟"), (n2.id, "Ahmed Karimi"), (s1.id, "王芳")] {
        let res = c.json("POST", "/api/v1/residents", &json!({"household_id": hid, "full_name": name})).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }

    let ids =
        |v: &Value| -> Vec<i64> { v["items"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect() };
    let north = c.get("/api/v1/households?community=north").await.json();
    assert_eq!(ids(&north), [n1.id, n2.id]);
    let south = c.get("/api/v1/households?community=south").await.json();
    assert_eq!(ids(&south), [s1.id]);
    let zw = c.get("/api/v1/households?q=zw").await.json();
    assert_eq!(ids(&zw), [n1.id]);
    assert_eq!(zw["items"][0]["member_names"], json!(["张伟"]));
    let pinyin = c.get("/api/v1/households?q=zhangwei").await.json();
    assert_eq!(ids(&pinyin), [n1.id]);
    let latin = c.get("/api/v1/households?q=AHMED").await.json();
    assert_eq!(ids(&latin), [n2.id]);
    let none = c.get("/api/v1/households?q=wf&community=north").await.json();
    assert_eq!(ids(&none), Vec::<i64>::new());

    let res = c.get("/api/v1/residents?q=zw").await.json();
    assert_eq!(res["items"].as_array().unwrap().len(), 1);
    assert_eq!(res["items"][0]["full_name"], "张伟");
    let res = c.get(&format!("/api/v1/residents?household_id={}", s1.id)).await.json();
    assert_eq!(res["items"][0]["full_name"], "王芳");
    let res = c.get("/api/v1/residents?community=south").await.json();
    assert_eq!(res["items"].as_array().unwrap().len(), 1);

    let unknown = c.get("/api/v1/households?community=nowhere").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "1-1-101").await;
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;
    let before = all_household_ids(&mut c).await;

    // (body, expected status, expected fields)
    let cases: Vec<(Value, StatusCode, &[&str])> = vec![
        (json!({"community": "north"}), StatusCode::UNPROCESSABLE_ENTITY, &["code", "address"]),
        (
            json!({"community": "north", "code": "X", "address": "a", "moved_in_on": "1/3/2016"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["moved_in_on"],
        ),
        (
            json!({"community": "north", "code": "X", "address": "a", "moved_in_on": "2016-02-30"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["moved_in_on"],
        ),
        (
            json!({"community": "north", "code": "X", "address": "a", "notes": "n".repeat(4001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["notes"],
        ),
        (
            json!({"community": "north", "code": "X".repeat(51), "address": "a"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["code"],
        ),
        (json!({"community": "north", "code": 5, "address": "a"}), StatusCode::BAD_REQUEST, &["code"]),
        (json!({"community": "north", "code": "X", "address": ["a"]}), StatusCode::BAD_REQUEST, &["address"]),
        (
            json!({"community": "north", "code": "X", "address": "a", "moved_in": "2016-03-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["moved_in"],
        ),
        (
            json!({"community": "nowhere", "code": "X", "address": "a"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["community"],
        ),
    ];
    for (body, status, fields) in cases {
        let res = c.json("POST", "/api/v1/households", &body).await;
        assert_eq!(res.status, status, "{body}: {}", res.text);
        let expected: BTreeSet<String> = fields.iter().map(|f| f.to_string()).collect();
        assert_eq!(error_fields(&res), expected, "{body}");
        assert!(!res.json()["error"]["code"].as_str().unwrap().is_empty());
        assert!(!res.json()["error"]["request_id"].as_str().unwrap().is_empty());
    }
    let res = c.json("POST", "/api/v1/households", &json!({"community": "north", "code": 5})).await;
    assert_eq!(field_code(&res, "code"), "wrong_type");

    // A patch with a bad value changes nothing.
    let res = c
        .json(
            "PATCH",
            &format!("/api/v1/households/{}", h.id),
            &json!({"address": "New address", "moved_out_on": "2015-13-01"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(error_fields(&res), BTreeSet::from(["moved_out_on".into()]));
    let res = c.json("PATCH", &format!("/api/v1/households/{}", h.id), &json!({"code": null})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(field_code(&res, "code"), "required");
    let same = c.get(&format!("/api/v1/households/{}", h.id)).await.json();
    assert_eq!(same["address"], h.address);
    assert_eq!(same["code"], "1-1-101");

    // Residents: unknown household, empty name, wrong types, bad choices.
    let resident_cases: Vec<(Value, StatusCode, &[&str], &str)> = vec![
        (
            json!({"household_id": 999_999, "full_name": "A"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["household_id"],
            "unknown_household",
        ),
        (json!({"full_name": "A"}), StatusCode::UNPROCESSABLE_ENTITY, &["household_id"], "required"),
        (
            json!({"household_id": h.id, "full_name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["full_name"],
            "required",
        ),
        (json!({"household_id": "one", "full_name": "A"}), StatusCode::BAD_REQUEST, &["household_id"], "wrong_type"),
        (
            json!({"household_id": h.id, "full_name": "A", "birth_date": "2099-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["birth_date"],
            "date_in_future",
        ),
        (
            json!({"household_id": h.id, "full_name": "A", "sex": "unknown"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["sex"],
            "invalid_choice",
        ),
        (
            json!({"household_id": h.id, "full_name": "A", "ethnicity": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["ethnicity"],
            "unknown_field",
        ),
    ];
    for (body, status, fields, code) in resident_cases {
        let res = c.json("POST", "/api/v1/residents", &body).await;
        assert_eq!(res.status, status, "{body}: {}", res.text);
        let expected: BTreeSet<String> = fields.iter().map(|f| f.to_string()).collect();
        assert_eq!(error_fields(&res), expected, "{body}");
        assert_eq!(field_code(&res, fields[0]), code, "{body}");
    }

    // Consent: wrong type for a scope, no scope, bad date.
    let url = format!("/api/v1/households/{}/consents", h.id);
    let res = c.json("POST", &url, &json!({"given_by": "W", "given_on": "2024-05-01", "scope_services": "yes"})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(error_fields(&res), BTreeSet::from(["scope_services".into()]));
    let res = c.json("POST", &url, &json!({"given_by": "", "given_on": "May 1st"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(error_fields(&res), BTreeSet::from(["given_by".into(), "given_on".into(), "scope".into()]));
    let consents = c.get(&url).await.json();
    assert_eq!(consents["items"], json!([]));

    // Not JSON at all, malformed JSON, and an oversized body.
    let res = c
        .send(
            Request::post("/api/v1/households")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("code=X"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", res.text);
    assert_eq!(res.json()["error"]["code"], "unsupported_media_type");
    let res = c
        .send(
            Request::post("/api/v1/households")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"code\": \"X\","))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
    assert_eq!(res.json()["error"]["code"], "bad_request");
    let huge = json!({"community": "north", "code": "X", "address": "a", "notes": "n".repeat(300_000)});
    let res = c.json("POST", "/api/v1/households", &huge).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text);

    // Nothing was stored.
    assert_eq!(all_household_ids(&mut c).await, before);
    assert_eq!(resident_count(&app).await, 0);
}

#[tokio::test]
async fn authentication_is_required_and_checked() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "1-1-101").await;

    let mut anon = app.client();
    let res = anon.get("/api/v1/households").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    assert_eq!(res.json()["error"]["code"], "unauthenticated");
    let res = anon
        .send(
            Request::post("/api/v1/households")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, "Bearer hth_not-a-real-token")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    assert_eq!(res.json()["error"]["code"], "bad_token");

    // A revoked token stops working at once.
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;
    assert_eq!(c.get("/api/v1/households").await.status, StatusCode::OK);
    let mine = c.get("/api/v1/tokens").await.json();
    let token_id = mine["items"][0]["id"].as_i64().unwrap();
    let res = c.send(Request::delete(format!("/api/v1/tokens/{token_id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    let res = c.get("/api/v1/households").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
    assert_eq!(res.json()["error"]["code"], "bad_token");

    // A browser session may use the API, but writes need the CSRF header.
    let mut browser = app.login_as("lina", "caseworker", &["north"]).await;
    let res = browser
        .send(
            Request::post("/api/v1/households")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ORIGIN, format!("http://{HOST}"))
                .body(Body::from(json!({"code": "C-1", "address": "a"}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    assert_eq!(res.json()["error"]["code"], "csrf_rejected");
    let res = browser.json("POST", "/api/v1/households", &json!({"code": "C-1", "address": "a"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let got = browser.get(&format!("/api/v1/households/{}", h.id)).await;
    assert_eq!(got.status, StatusCode::OK);
}

#[tokio::test]
async fn other_communities_are_not_found() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let h = app.household("north", "1-1-101").await;
    let mut admin = app.api_as("boss", "admin", &[]).await;
    let r = admin.json("POST", "/api/v1/residents", &json!({"household_id": h.id, "full_name": "张伟"})).await.json();
    let rid = r["id"].as_i64().unwrap();
    let consent = admin
        .json(
            "POST",
            &format!("/api/v1/households/{}/consents", h.id),
            &json!({"given_by": "W", "given_on": "2024-05-01", "scope_services": true}),
        )
        .await
        .json();
    let cid = consent["id"].as_i64().unwrap();

    let mut c = app.api_as("sam", "caseworker", &["south"]).await;
    for path in [
        format!("/api/v1/households/{}", h.id),
        format!("/api/v1/residents/{rid}"),
        format!("/api/v1/households/{}/consents", h.id),
        format!("/api/v1/consents/{cid}"),
        "/api/v1/communities/north".to_owned(),
        "/api/v1/households?community=north".to_owned(),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.text);
        assert_eq!(res.json()["error"]["code"], "not_found");
    }
    for (method, path, body) in [
        ("PATCH", format!("/api/v1/households/{}", h.id), json!({"notes": "x"})),
        ("PATCH", format!("/api/v1/residents/{rid}"), json!({"notes": "x"})),
        (
            "POST",
            format!("/api/v1/households/{}/consents", h.id),
            json!({"given_by": "W", "given_on": "2024-05-01", "scope_services": true}),
        ),
        ("POST", format!("/api/v1/consents/{cid}/withdraw"), json!({"withdrawn_on": "2024-06-01"})),
    ] {
        let res = c.json(method, &path, &body).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {}", res.text);
    }
    // A resident cannot be added to another community's household.
    let res = c.json("POST", "/api/v1/residents", &json!({"household_id": h.id, "full_name": "X"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&res, "household_id"), "unknown_household");
    // Lists hold only the caller's communities.
    let list = c.get("/api/v1/households").await.json();
    assert_eq!(list["items"], json!([]));
    let list = c.get("/api/v1/residents").await.json();
    assert_eq!(list["items"], json!([]));
    let communities = c.get("/api/v1/communities").await.json();
    assert_eq!(communities["items"].as_array().unwrap().len(), 1);
    assert_eq!(communities["items"][0]["slug"], "south");
    // Nothing changed.
    let after = admin.get(&format!("/api/v1/households/{}", h.id)).await.json();
    assert_eq!(after["notes"], Value::Null);
    let after = admin.get(&format!("/api/v1/consents/{cid}")).await.json();
    assert_eq!(after["withdrawn_on"], Value::Null);
}

#[tokio::test]
async fn volunteer_and_viewer_rules() {
    let app = spawn_app().await;
    app.community("north").await;
    let paired = app.household("north", "1-1-101").await;
    let other = app.household("north", "1-1-102").await;
    let mut admin = app.api_as("boss", "admin", &[]).await;
    let mut rid = 0;
    for (hid, name) in [(paired.id, "张伟"), (other.id, "王芳")] {
        let r = admin
            .json(
                "POST",
                "/api/v1/residents",
                &json!({"household_id": hid, "full_name": name, "phone": "138 0000 1111",
                        "needs": "Help with school enrolment", "birth_date": "1990-01-01"}),
            )
            .await
            .json();
        if hid == paired.id {
            rid = r["id"].as_i64().unwrap();
        }
    }

    let mut vol = app.api_as("vera", "volunteer", &["north"]).await;
    app.pair("vera", paired.id).await;

    // The paired household only; residents without the fields volunteers may not see.
    let list = vol.get("/api/v1/households").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], paired.id);
    assert_eq!(vol.get(&format!("/api/v1/households/{}", other.id)).await.status, StatusCode::NOT_FOUND);
    let r = vol.get(&format!("/api/v1/residents/{rid}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = r.json();
    assert_eq!(r["full_name"], "张伟");
    assert_eq!(r["phone"], "138 0000 1111");
    for hidden in ["needs", "birth_date", "sex", "notes", "work_status"] {
        assert!(r.get(hidden).is_none(), "{hidden} shown to a volunteer: {r}");
    }
    let rs = vol.get("/api/v1/residents").await.json();
    assert_eq!(rs["items"].as_array().unwrap().len(), 1);
    assert!(rs["items"][0].get("needs").is_none());
    // A caseworker sees those fields.
    let full = admin.get(&format!("/api/v1/residents/{rid}")).await.json();
    assert_eq!(full["needs"], "Help with school enrolment");

    // Volunteers may not write.
    let res = vol.json("POST", "/api/v1/households", &json!({"code": "V-1", "address": "a"})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    let res = vol.json("PATCH", &format!("/api/v1/residents/{rid}"), &json!({"full_name": "X"})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);

    // Viewers see no people at all, only their communities; nobody but admins adds one.
    let mut viewer = app.api_as("vic", "viewer", &["north"]).await;
    for path in
        ["/api/v1/households".to_owned(), "/api/v1/residents".to_owned(), format!("/api/v1/households/{}", paired.id)]
    {
        let res = viewer.get(&path).await;
        assert!(res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND, "{path}: {}", res.status);
    }
    assert_eq!(viewer.get("/api/v1/households").await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.get("/api/v1/communities").await.status, StatusCode::OK);
    let new = json!({"name": "East", "slug": "east"});
    let res = viewer.json("POST", "/api/v1/communities", &new).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    let mut coord = app.api_as("cora", "coordinator", &["north"]).await;
    let res = coord.json("POST", "/api/v1/communities", &new).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.text);
    let res = admin.json("POST", "/api/v1/communities", &new).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    assert_eq!(res.location(), "/api/v1/communities/east");
    let east = admin.get("/api/v1/communities/east").await.json();
    assert_eq!(east["name"], "East");
}

#[tokio::test]
async fn a_tokens_use_is_named_in_the_requests_audit_entries_without_a_write_of_its_own() {
    use hearth_core::entity::api_token;
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;
    let token = api_token::Entity::find().one(app.store.conn()).await.unwrap().unwrap();
    let entries = || async {
        audit::list(&app.store, &audit::Filter { actor: Some("maria".into()), limit: 500, ..Default::default() })
            .await
            .unwrap()
    };
    let before = entries().await.len();
    assert_eq!(c.get("/api/v1/households").await.status, StatusCode::OK);
    let created = c.json("POST", "/api/v1/households", &json!({"code": "A-1", "address": "a"})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let rows = entries().await;
    assert_eq!(rows.len(), before + 2, "the list read and the create, nothing else: {rows:?}");
    let via = format!("via token {}", token.id);
    assert!(rows.iter().take(2).all(|r| r.summary.contains(&via)), "{rows:?}");
    // The token's last use is kept to the minute: a second read writes nothing for it.
    let first = api_token::Entity::find_by_id(token.id).one(app.store.conn()).await.unwrap().unwrap().last_used_at;
    assert!(first.is_some());
    c.get("/api/v1/households").await;
    let again = api_token::Entity::find_by_id(token.id).one(app.store.conn()).await.unwrap().unwrap().last_used_at;
    assert_eq!(first, again);
}

#[tokio::test]
async fn tokens_api_create_list_revoke() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.api_as("maria", "caseworker", &["north"]).await;

    let bad = c.json("POST", "/api/v1/tokens", &json!({"name": ""})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(error_fields(&bad), BTreeSet::from(["name".into()]));

    let res = c.json("POST", "/api/v1/tokens", &json!({"name": "nightly export"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let made = res.json();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("hth_"));
    assert!(secret.starts_with(made["prefix"].as_str().unwrap()));

    let list = c.get("/api/v1/tokens").await;
    assert!(!list.text.contains(&secret), "a secret was listed");
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|t| t.get("secret").is_none()));

    let mut other = app.client();
    other.bearer = Some(secret.clone());
    assert_eq!(other.get("/api/v1/households").await.status, StatusCode::OK);
    let id = made["id"].as_i64().unwrap();

    // Someone else's token is not theirs to see or revoke.
    let mut sam = app.api_as("sam", "caseworker", &["north"]).await;
    let res = sam.send(Request::delete(format!("/api/v1/tokens/{id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text);
    assert_eq!(sam.get("/api/v1/tokens").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(other.get("/api/v1/households").await.status, StatusCode::OK);

    let res = c.send(Request::delete(format!("/api/v1/tokens/{id}")).body(Body::empty()).unwrap()).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text);
    assert_eq!(other.get("/api/v1/households").await.status, StatusCode::UNAUTHORIZED);
    let list = c.get("/api/v1/tokens").await.json();
    let revoked = list["items"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    assert!(revoked["revoked_at"].is_string());
}

#[tokio::test]
async fn openapi_document_and_swagger_ui() {
    let app = spawn_app().await;
    let mut c = app.client();
    let res = c.get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let doc = res.json();
    // Which paths and methods are documented is checked against the one route table
    // (roles.rs, both ways); here, what the document says about them.
    assert!(doc["paths"]["/api/v1/households/{id}"]["patch"].is_object());
    assert!(doc["paths"]["/api/v1/tokens/{id}"]["delete"].is_object());
    let params = doc["paths"]["/api/v1/households"]["get"]["parameters"].as_array().unwrap();
    let names: BTreeSet<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, BTreeSet::from(["after", "before", "building", "community", "limit", "q", "unit"]));
    assert!(doc["components"]["schemas"]["ApiError"].is_object());
    assert!(doc["components"]["schemas"]["Household"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");

    let res = c.get("/api/docs").await;
    assert!(res.status.is_redirection(), "{}", res.status);
    let res = c.get("/api/docs/").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.header("content-type").unwrap_or_default().starts_with("text/html"),
        "{:?}",
        res.header("content-type")
    );
    assert!(res.text.contains("swagger"), "{}", res.text);
    // Everything the page loads comes from this server.
    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(!res.text.contains(attr), "external asset: {}", res.text);
    }
    let init = c.get("/api/docs/swagger-initializer.js").await;
    assert_eq!(init.status, StatusCode::OK);
    assert!(init.text.contains("/api/openapi.json"), "{}", init.text);
    // No call to swagger.io's online validator.
    assert!(
        init.text.contains("\"validatorUrl\": \"none\"") || init.text.contains("\"validatorUrl\":\"none\""),
        "{}",
        init.text
    );
    let bundle = c.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
}

/// Local forms ask each member's relationship to the head of household; it is optional,
/// one of a fixed list, and shown on the resident's page.
#[tokio::test]
async fn a_resident_has_an_optional_relationship_to_the_head_of_household() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1").await;
    let mut c = app.api_as("cwk", "caseworker", &["north"]).await;
    let res = c
        .json(
            "POST",
            "/api/v1/residents",
            &json!({"household_id": h.id, "full_name": "李娜", "relationship": "spouse"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    let id = res.json()["id"].as_i64().unwrap();
    assert_eq!(c.get(&format!("/api/v1/residents/{id}")).await.json()["relationship"], "spouse");
    let bad = c.json("PATCH", &format!("/api/v1/residents/{id}"), &json!({"relationship": "boss"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&bad, "relationship"), "invalid_choice");
    let cleared = c.json("PATCH", &format!("/api/v1/residents/{id}"), &json!({"relationship": null})).await;
    assert!(cleared.json()["relationship"].is_null(), "{}", cleared.text);
    let none = c.json("POST", "/api/v1/residents", &json!({"household_id": h.id, "full_name": "王芳"})).await;
    assert_eq!(none.status, StatusCode::CREATED, "optional");

    let mut page = app.login_as("cwk2", "caseworker", &["north"]).await;
    let form = page.get(&format!("/households/{}/residents/new", h.id)).await;
    assert!(form.text.contains(r#"name="relationship""#) && form.text.contains("Head of household"));
    c.json("PATCH", &format!("/api/v1/residents/{id}"), &json!({"relationship": "head"})).await;
    let shown = page.get(&format!("/residents/{id}")).await;
    assert!(shown.text.contains("Relationship to the head of household") && shown.text.contains("Head of household"));
}
