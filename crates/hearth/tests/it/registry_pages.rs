//! The registry's HTML pages driven like a browser: households, residents, consent and the
//! household timeline — create/read/update through the forms, bad input (422, the field
//! named, nothing stored), injection strings, name search, scope and role rules, audit rows.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::audit;
use hearth_core::entity::{consent, household, resident};
use hearth_core::registry::residents;
use hearth_core::{Actor, timeline};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::*;

/// The id at the end of a redirect such as `/households/12`.
fn id_from_location(res: &TestResponse) -> i64 {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    res.location()
        .split(['?', '#'])
        .next()
        .and_then(|s| s.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in location {:?}", res.location()))
}

/// Every `/residents/{id}` link on a page, in order.
fn resident_links(html: &str) -> Vec<i64> {
    html.split("href=\"/residents/").skip(1).filter_map(|s| s.split('"').next()?.parse().ok()).collect()
}

async fn households_count(app: &TestApp) -> u64 {
    household::Entity::find().count(app.store.conn()).await.unwrap()
}

async fn residents_count(app: &TestApp) -> u64 {
    resident::Entity::find().count(app.store.conn()).await.unwrap()
}

async fn consents_count(app: &TestApp) -> u64 {
    consent::Entity::find().count(app.store.conn()).await.unwrap()
}

async fn htmx_get(c: &mut TestClient, path: &str) -> TestResponse {
    c.send(Request::get(path).header("hx-request", "true").body(Body::empty()).unwrap()).await
}

/// Adds a resident through the form and returns their id.
async fn add_resident(c: &mut TestClient, household_id: i64, name: &str) -> i64 {
    let res = c.post_form(&format!("/households/{household_id}/residents"), &[("full_name", name)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/households/{household_id}?saved=1"));
    let page = c.get(&format!("/households/{household_id}")).await;
    // The newest member has the highest id.
    resident_links(&page.text).into_iter().max().expect("a member link")
}

fn assert_translated(page: &TestResponse) {
    assert!(!page.text.contains("Unknown localization"), "untranslated key on page: {}", page.text);
}

#[tokio::test]
async fn household_create_read_update_through_the_forms() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;

    let form = c.get("/households/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("id=\"household-form\""));
    // The only community is preselected.
    assert!(form.text.contains("<option value=\"north\" selected>"));
    assert_translated(&form);

    let res = c
        .post_form(
            "/households",
            &[
                ("community", "north"),
                ("code", "N-0101"),
                ("address", "12 Linden Road"),
                ("building", "B3"),
                ("unit", "2-401"),
                ("phone", "+86 138 0000 1111"),
                ("moved_in_on", "2016-03-01"),
                ("moved_out_on", ""),
                ("notes", "Prefers visits after 6 pm"),
            ],
        )
        .await;
    let id = id_from_location(&res);
    assert_eq!(res.location(), format!("/households/{id}?saved=1"));

    let page = c.get(&format!("/households/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "N-0101",
        "12 Linden Road",
        "B3",
        "2-401",
        "+86 138 0000 1111",
        "2016-03-01",
        "Prefers visits after 6 pm",
        "north community",
    ] {
        assert!(page.text.contains(shown), "missing {shown}");
    }
    assert!(page.text.contains(&format!("href=\"/households/{id}/edit\"")));
    assert!(page.text.contains(&format!("href=\"/households/{id}/residents/new\"")));
    assert!(page.text.contains("<section class=\"card\" id=\"timeline\""));
    assert!(page.text.contains("Moved in"));
    assert_translated(&page);

    let edit = c.get(&format!("/households/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text.contains("id=\"household-form\""));
    assert!(edit.text.contains("value=\"12 Linden Road\""));
    assert!(edit.text.contains("value=\"2016-03-01\""));

    let res = c
        .post_form(
            &format!("/households/{id}"),
            &[
                ("code", "N-0102"),
                ("address", "14 Linden Road"),
                ("building", ""),
                ("unit", "2-402"),
                ("phone", ""),
                ("moved_in_on", "2016-03-01"),
                ("moved_out_on", "2023-08-31"),
                ("notes", "Moved to another city"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/households/{id}?saved=1"));

    let stored = household::Entity::find_by_id(id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.code, "N-0102");
    assert_eq!(stored.building, None, "an emptied field is cleared");
    assert_eq!(stored.phone, None);
    let page = c.get(&format!("/households/{id}")).await;
    for shown in ["N-0102", "14 Linden Road", "2-402", "2023-08-31", "Moved out"] {
        assert!(page.text.contains(shown), "missing {shown}");
    }
    assert!(!page.text.contains("12 Linden Road"));

    let list = c.get("/households").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains(&format!("<a href=\"/households/{id}\">N-0102</a>")));
    assert!(list.text.contains("href=\"/households/new\""));
    assert!(list.text.contains("<div id=\"results\""));
    assert_translated(&list);
}

#[tokio::test]
async fn resident_create_read_update_through_the_forms() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-0201").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;

    let form = c.get(&format!("/households/{}/residents/new", h.id)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("id=\"resident-form\""));
    assert!(form.text.contains("<option value=\"lower_secondary\">"));
    assert_translated(&form);

    let res = c
        .post_form(
            &format!("/households/{}/residents", h.id),
            &[
                ("full_name", "Amina Yusuf"),
                ("sex", "female"),
                ("birth_date", "1988-07-14"),
                ("phone", "139 1234 5678"),
                ("languages_spoken", "Somali, Arabic"),
                ("languages_to_learn", "Mandarin"),
                ("education_level", "upper_secondary"),
                ("work_status", "seeking_work"),
                ("skills", "Tailoring"),
                ("needs", "Childcare during classes"),
                ("notes", "Evening classes suit her"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/households/{}?saved=1", h.id));

    let household_page = c.get(&format!("/households/{}", h.id)).await;
    assert!(household_page.text.contains("Amina Yusuf"));
    assert!(household_page.text.contains("Member added"));
    let rid = resident_links(&household_page.text)[0];

    let page = c.get(&format!("/residents/{rid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "Amina Yusuf",
        "Female",
        "1988-07-14",
        "139 1234 5678",
        "Somali, Arabic",
        "Mandarin",
        "Upper secondary school",
        "Looking for work",
        "Tailoring",
        "Childcare during classes",
        "Evening classes suit her",
        "N-0201",
    ] {
        assert!(page.text.contains(shown), "missing {shown}");
    }
    assert!(page.text.contains(&format!("href=\"/residents/{rid}/edit\"")));
    assert_translated(&page);

    let edit = c.get(&format!("/residents/{rid}/edit")).await;
    assert!(edit.text.contains("id=\"resident-form\""));
    assert!(edit.text.contains("<option value=\"seeking_work\" selected>"));

    let res = c
        .post_form(
            &format!("/residents/{rid}"),
            &[
                ("full_name", "Amina Yusuf Ali"),
                ("sex", "female"),
                ("birth_date", "1988-07-14"),
                ("phone", ""),
                ("languages_spoken", "Somali, Arabic"),
                ("languages_to_learn", "Mandarin"),
                ("education_level", "vocational"),
                ("work_status", "employed"),
                ("skills", "Tailoring"),
                ("needs", ""),
                ("notes", "Evening classes suit her"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/residents/{rid}?saved=1"));
    let stored = resident::Entity::find_by_id(rid).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.full_name, "Amina Yusuf Ali");
    assert_eq!(stored.work_status.as_deref(), Some("employed"));
    assert_eq!(stored.phone, None);
    assert_eq!(stored.needs, None);
    let page = c.get(&format!("/residents/{rid}")).await;
    for shown in ["Amina Yusuf Ali", "Vocational training", "Employed"] {
        assert!(page.text.contains(shown), "missing {shown}");
    }
    assert!(!page.text.contains("Childcare during classes"));
    // The new name is searchable at once.
    let found = c.get("/residents?q=amina%20yusuf%20ali").await;
    assert!(found.text.contains(&format!("href=\"/residents/{rid}\"")));
}

#[tokio::test]
async fn consent_given_shown_and_withdrawn_through_the_forms() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-0301").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;

    let page = c.get(&format!("/households/{}", h.id)).await;
    assert!(page.text.contains("id=\"consent-form\""));
    let res = c
        .post_form(
            &format!("/households/{}/consents", h.id),
            &[
                ("given_by", "Li Mei"),
                ("given_on", "2024-03-05"),
                ("scope_services", "on"),
                ("scope_partners", "on"),
                ("notes", "Signed paper form kept in office"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/households/{}?saved=1", h.id));

    let stored = consent::Entity::find().all(app.store.conn()).await.unwrap();
    assert_eq!(stored.len(), 1);
    let cid = stored[0].id;
    assert!(stored[0].scope_services && stored[0].scope_partners && !stored[0].scope_contact);

    let page = c.get(&format!("/households/{}", h.id)).await;
    for shown in [
        "Li Mei",
        "2024-03-05",
        "Receiving services",
        "Sharing with partner organisations",
        "Signed paper form kept in office",
        "In force",
        "Consent given",
    ] {
        assert!(page.text.contains(shown), "missing {shown}");
    }
    assert!(!page.text.contains("<span class=\"pill\">Being contacted</span>"));
    assert!(page.text.contains(&format!("action=\"/consents/{cid}/withdraw\"")));

    // Found on a phone: one tap withdrew consent, with no confirmation and no undo. The
    // first tap now asks, saying what happens, and changes nothing.
    let ask = c.post_form(&format!("/consents/{cid}/withdraw"), &[("withdrawn_on", "2024-09-30")]).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.text);
    assert!(ask.text.contains(r#"id="confirm-form""#) && ask.text.contains("cannot be undone"), "{}", ask.text);
    assert!(ask.text.contains("2024-09-30"), "the date it will take effect");
    let fields = form_fields(&ask.text, "confirm-form");
    assert!(fields.contains(&("withdrawn_on".to_owned(), "2024-09-30".to_owned())));
    let stored = consent::Entity::find_by_id(cid).one(app.store.conn()).await.unwrap().unwrap();
    assert!(stored.withdrawn_on.is_none(), "asking changed nothing");
    let refs: Vec<(&str, &str)> =
        fields.iter().filter(|(k, _)| k != "csrf_token").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = c.post_form(&format!("/consents/{cid}/withdraw"), &refs).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), format!("/households/{}?saved=1", h.id));
    let stored = consent::Entity::find_by_id(cid).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.withdrawn_on.map(|d| d.to_string()).as_deref(), Some("2024-09-30"));

    let page = c.get(&format!("/households/{}", h.id)).await;
    assert!(page.text.contains("Withdrawn on 2024-09-30"));
    assert!(page.text.contains("Consent withdrawn"));
    assert!(!page.text.contains(&format!("action=\"/consents/{cid}/withdraw\"")));

    // The timeline is newest first: withdrawn (2024-09) before given (2024-03).
    let tl = &page.text[page.text.find("id=\"timeline\"").unwrap()..];
    let withdrawn = tl.find("Consent withdrawn").unwrap();
    let given = tl.find("Consent given").unwrap();
    assert!(withdrawn < given, "timeline not newest first");

    // Withdrawing twice is refused and changes nothing.
    let again = c
        .post_form(&format!("/consents/{cid}/withdraw"), &[("withdrawn_on", "2024-10-01"), ("confirmed", "yes")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("already been withdrawn"), "the reason is shown");
    let stored = consent::Entity::find_by_id(cid).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.withdrawn_on.map(|d| d.to_string()).as_deref(), Some("2024-09-30"));
}

#[tokio::test]
async fn household_form_rejects_bad_input_and_stores_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let long = "x".repeat(5000);
    let good = [("community", "north"), ("code", "N-0401"), ("address", "3 Birch Lane"), ("moved_in_on", "2016-03-01")];
    let cases: Vec<(&str, &str, &str)> = vec![
        ("code", "", "code"),
        ("code", "   ", "code"),
        ("address", "", "address"),
        ("code", long.as_str(), "code"),
        ("address", long.as_str(), "address"),
        ("notes", long.as_str(), "notes"),
        ("moved_in_on", "2016-13-40", "moved_in_on"),
        ("moved_in_on", "01/03/2016", "moved_in_on"),
        ("moved_out_on", "2015-12-31", "moved_out_on"),
        ("phone", "call me maybe", "phone"),
        ("community", "atlantis", "community"),
    ];
    for (field, value, error_field) in cases {
        let mut fields: Vec<(&str, &str)> = good.iter().copied().filter(|(k, _)| *k != field).collect();
        fields.push((field, value));
        let res = c.post_form("/households", &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value:.20}: {}", res.text);
        assert!(
            res.text.contains(&format!("id=\"e-{error_field}\"")),
            "{field}={value:.20}: no inline error for {error_field}"
        );
        assert!(res.text.contains("id=\"household-form\""));
        // What the user typed is still there.
        if field != "address" {
            assert!(res.text.contains("value=\"3 Birch Lane\""), "{field}: address lost");
        }
        assert_translated(&res);
    }
    assert_eq!(households_count(&app).await, 0, "nothing stored");

    // Several problems are all reported at once.
    let res = c
        .post_form(
            "/households",
            &[("community", "north"), ("code", ""), ("address", ""), ("moved_in_on", "2016-02-30")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["code", "address", "moved_in_on"] {
        assert!(res.text.contains(&format!("id=\"e-{f}\"")), "missing e-{f}");
    }

    // A duplicate code is named too.
    let ok = c.post_form("/households", &good).await;
    let id = id_from_location(&ok);
    let dup = c.post_form("/households", &good).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dup.text);
    assert!(dup.text.contains("id=\"e-code\""));
    assert_eq!(households_count(&app).await, 1);

    // Bad edits leave the stored household as it was.
    for (field, value) in
        [("code", ""), ("moved_in_on", "2016-13-40"), ("moved_out_on", "2010-01-01"), ("address", long.as_str())]
    {
        let mut fields: Vec<(&str, &str)> =
            vec![("code", "N-0401"), ("address", "3 Birch Lane"), ("moved_in_on", "2016-03-01"), ("moved_out_on", "")];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let res = c.post_form(&format!("/households/{id}"), &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(res.text.contains(&format!("id=\"e-{field}\"")), "{field}");
    }
    let stored = household::Entity::find_by_id(id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.code, "N-0401");
    assert_eq!(stored.address, "3 Birch Lane");
    assert_eq!(stored.moved_out_on, None);
}

#[tokio::test]
async fn resident_form_rejects_bad_input_and_stores_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-0501").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let long = "名".repeat(5000);
    let cases: Vec<(&str, &str)> = vec![
        ("full_name", ""),
        ("full_name", "  "),
        ("full_name", long.as_str()),
        ("birth_date", "2016-13-40"),
        ("birth_date", "01/03/2016"),
        ("birth_date", "2999-01-01"),
        ("sex", "unknown"),
        ("education_level", "phd"),
        ("work_status", "idle"),
        ("phone", "no phone"),
        ("needs", long.as_str()),
    ];
    let path = format!("/households/{}/residents", h.id);
    for (field, value) in &cases {
        let mut fields = vec![("full_name", "Omar Haddad"), ("languages_spoken", "Arabic")];
        fields.retain(|(k, _)| k != field);
        fields.push((field, value));
        let res = c.post_form(&path, &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value:.20}: {}", res.text);
        assert!(res.text.contains(&format!("id=\"e-{field}\"")), "{field}={value:.20}: no inline error");
        assert!(res.text.contains("id=\"resident-form\""));
        assert!(res.text.contains("value=\"Arabic\""), "{field}: values lost");
        assert_translated(&res);
    }
    assert_eq!(residents_count(&app).await, 0, "nothing stored");

    let rid = add_resident(&mut c, h.id, "Omar Haddad").await;
    for (field, value) in &cases {
        let mut fields = vec![("full_name", "Omar Haddad")];
        fields.retain(|(k, _)| k != field);
        fields.push((field, value));
        let res = c.post_form(&format!("/residents/{rid}"), &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(res.text.contains(&format!("id=\"e-{field}\"")), "{field}");
    }
    let stored = resident::Entity::find_by_id(rid).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.full_name, "Omar Haddad");
    assert_eq!(stored.birth_date, None);
    assert_eq!(residents_count(&app).await, 1);

    // A household that does not exist is a 404, not a form.
    let res = c.post_form("/households/999999/residents", &[("full_name", "Nobody")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = c.get("/households/not-a-number/residents/new").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(residents_count(&app).await, 1);
}

#[tokio::test]
async fn consent_forms_reject_bad_input_and_store_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-0601").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let path = format!("/households/{}/consents", h.id);
    let long = "y".repeat(5000);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("given_by", "Li Mei"), ("given_on", "2024-03-05")], "scope"),
        (vec![("given_by", ""), ("given_on", "2024-03-05"), ("scope_contact", "on")], "given_by"),
        (vec![("given_by", long.as_str()), ("given_on", "2024-03-05"), ("scope_contact", "on")], "given_by"),
        (vec![("given_by", "Li Mei"), ("given_on", "2016-13-40"), ("scope_contact", "on")], "given_on"),
        (vec![("given_by", "Li Mei"), ("given_on", "01/03/2016"), ("scope_contact", "on")], "given_on"),
        (vec![("given_by", "Li Mei"), ("given_on", ""), ("scope_contact", "on")], "given_on"),
        (vec![("given_by", "Li Mei"), ("given_on", "2999-01-01"), ("scope_contact", "on")], "given_on"),
    ];
    for (fields, error_field) in &cases {
        let res = c.post_form(&path, fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{error_field}: {}", res.text);
        assert!(res.text.contains(&format!("id=\"e-{error_field}\"")), "{error_field}: no inline error");
        // The household page is shown again, with the form and what was typed.
        assert!(res.text.contains("id=\"consent-form\""));
        assert!(res.text.contains("N-0601"));
        assert_translated(&res);
    }
    let res = c.post_form(&path, &cases[0].0).await;
    assert!(res.text.contains("value=\"Li Mei\""), "submitted values kept");
    assert_eq!(consents_count(&app).await, 0, "nothing stored");

    let ok = c.post_form(&path, &[("given_by", "Li Mei"), ("given_on", "2024-03-05"), ("scope_contact", "on")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cid = consent::Entity::find().all(app.store.conn()).await.unwrap()[0].id;
    for value in ["", "2016-13-40", "01/03/2016", "2024-01-01", "2999-01-01"] {
        let res =
            c.post_form(&format!("/consents/{cid}/withdraw"), &[("withdrawn_on", value), ("confirmed", "yes")]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{value}");
        assert!(res.text.contains("id=\"e-withdrawn_on\""), "{value}: no inline error");
        assert!(res.text.contains("id=\"consent-form\""));
    }
    let stored = consent::Entity::find_by_id(cid).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(stored.withdrawn_on, None, "not withdrawn by bad input");
    assert_eq!(consents_count(&app).await, 1);
}

#[tokio::test]
async fn injection_strings_are_stored_as_is_and_rendered_inert() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let res = c
        .post_form(
            "/households",
            &[
                ("community", "north"),
                ("code", "<b>N-0701</b>"),
                ("address", "1' OR '1'='1"),
                ("notes", "\"><img src=x onerror=alert(2)>"),
            ],
        )
        .await;
    let hid = id_from_location(&res);
    let script = "<script>alert(1)</script>";
    let sql = "Robert'); DROP TABLE residents;--";
    let r1 = add_resident(&mut c, hid, script).await;
    let r2 = add_resident(&mut c, hid, sql).await;

    let stored: Vec<String> =
        resident::Entity::find().all(app.store.conn()).await.unwrap().into_iter().map(|r| r.full_name).collect();
    assert_eq!(stored, vec![script.to_owned(), sql.to_owned()], "stored as typed");

    let page = c.get(&format!("/households/{hid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains(script), "raw script tag rendered");
    assert!(!page.text.contains("<img src=x"), "raw img tag rendered");
    assert!(!page.text.contains("<b>N-0701"));
    assert!(page.text.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(page.text.contains("Robert&#39;); DROP TABLE residents;--"));
    assert!(page.text.contains("1&#39; OR &#39;1&#39;=&#39;1"));

    for rid in [r1, r2] {
        let page = c.get(&format!("/residents/{rid}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains(script));
        let edit = c.get(&format!("/residents/{rid}/edit")).await;
        assert!(!edit.text.contains(script), "form value escaped");
    }
    let list = c.get("/households").await;
    assert!(!list.text.contains(script) && !list.text.contains("<b>N-0701"));
    assert!(list.text.contains("&#60;script&#62;"));

    // The table is still there and still searchable, by the odd names too.
    assert_eq!(residents_count(&app).await, 2);
    let found = c.get("/residents?q=robert").await;
    assert!(found.text.contains(&format!("href=\"/residents/{r2}\"")));
    assert!(!found.text.contains(&format!("href=\"/residents/{r1}\"")));
    let found = c.get(&format!("/residents?q={}", enc("Robert');"))).await;
    assert_eq!(found.status, StatusCode::OK);
}

#[tokio::test]
async fn name_search_matches_han_full_pinyin_and_initials() {
    let app = spawn_app().await;
    app.community("north").await;
    let h1 = app.household("north", "N-0801").await;
    let h2 = app.household("north", "N-0802").await;
    let h3 = app.household("north", "N-0803").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let zhang = add_resident(&mut c, h1.id, "张伟").await;
    let wang = add_resident(&mut c, h2.id, "王芳").await;
    let li = add_resident(&mut c, h3.id, "李娜").await;

    for q in ["zw", "zhangwei", "zhang", "ZW", enc("张").as_str(), enc("张伟").as_str()] {
        let res = c.get(&format!("/residents?q={q}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains(&format!("<a href=\"/residents/{zhang}\">张伟</a>")), "{q} did not find 张伟");
        assert!(res.text.contains("N-0801"), "{q}: household code shown");
        for other in [wang, li] {
            assert!(!res.text.contains(&format!("href=\"/residents/{other}\"")), "{q}");
        }

        let res = c.get(&format!("/households?q={q}")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.text.contains(&format!("<a href=\"/households/{}\">N-0801</a>", h1.id)),
            "{q} did not find the household of 张伟"
        );
        assert!(res.text.contains("张伟"));
        for other in [&h2, &h3] {
            assert!(!res.text.contains(&format!("href=\"/households/{}\"", other.id)), "{q}");
        }
    }
    let res = c.get("/residents?q=wf").await;
    assert!(res.text.contains(&format!("href=\"/residents/{wang}\"")));
    assert!(!res.text.contains(&format!("href=\"/residents/{zhang}\"")));
    // Household codes are searchable by prefix.
    let res = c.get("/households?q=n-0803").await;
    assert!(res.text.contains(&format!("href=\"/households/{}\"", h3.id)));
    assert!(!res.text.contains(&format!("href=\"/households/{}\"", h1.id)));

    // The full page carries the live-search wiring; htmx gets only the results.
    let full = c.get("/households?q=zw").await;
    assert!(full.text.contains("<html"));
    assert!(full.text.contains("id=\"f-q\""));
    assert!(full.text.contains("hx-get=\"/households\""));
    assert!(full.text.contains("value=\"zw\""));
    let partial = htmx_get(&mut c, "/households?q=zw").await;
    assert_eq!(partial.status, StatusCode::OK);
    assert!(!partial.text.contains("<html"), "htmx got a whole page");
    assert!(!partial.text.contains("id=\"results\""));
    assert!(partial.text.contains(&format!("href=\"/households/{}\"", h1.id)));
    assert!(!partial.text.contains(&format!("href=\"/households/{}\"", h2.id)));
    let partial = htmx_get(&mut c, "/residents?q=zhangwei").await;
    assert!(!partial.text.contains("<html"));
    assert!(partial.text.contains(&format!("href=\"/residents/{zhang}\"")));
    // Restoring history after "back" needs the whole page.
    let restore = c
        .send(
            Request::get("/households?q=zw")
                .header("hx-request", "true")
                .header("hx-history-restore-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(restore.text.contains("<html"));
    let none = c.get("/residents?q=qqqq").await;
    assert!(none.text.contains("No residents found."));
}

#[tokio::test]
async fn household_list_pages_and_filters_by_community() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    for i in 0..52 {
        app.household("north", &format!("N-{i:04}")).await;
    }
    let s = app.household("south", "S-0001").await;
    let mut admin = app.login_as("boss", "admin", &[]).await;

    let first = admin.get("/households").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text.contains("name=\"community\""), "filter shown for >1 community");
    assert!(first.text.contains("N-0000") && first.text.contains("N-0049"));
    assert!(!first.text.contains("N-0050"));
    let next = first
        .text
        .split("href=\"")
        .find(|s| s.contains("after="))
        .and_then(|s| s.split('"').next())
        .expect("a next-page link")
        .replace("&#38;", "&");
    let second = admin.get(&next).await;
    assert!(second.text.contains("N-0050") && second.text.contains("N-0051"));
    assert!(second.text.contains("S-0001"));
    assert!(!second.text.contains(">N-0049<"));

    let south = admin.get("/households?community=south").await;
    assert!(south.text.contains(&format!("href=\"/households/{}\"", s.id)));
    assert!(!south.text.contains("N-0000"));
    assert!(south.text.contains("<option value=\"south\" selected>"));

    // One community: no filter to choose from.
    let mut cw = app.login_as("worker", "caseworker", &["north"]).await;
    let page = cw.get("/households").await;
    assert!(!page.text.contains("name=\"community\""));
    assert!(!page.text.contains("S-0001"));
    // Garbage paging input is ignored rather than an error.
    let page = cw.get("/households?after=abc&q=").await;
    assert_eq!(page.status, StatusCode::OK);
}

#[tokio::test]
async fn records_of_another_community_are_not_found() {
    let app = spawn_app().await;
    app.community("north").await;
    app.community("south").await;
    let theirs = app.household("south", "S-0901").await;
    let mut admin = app.login_as("boss", "admin", &[]).await;
    let rid = add_resident(&mut admin, theirs.id, "Hidden Person").await;
    admin
        .post_form(
            &format!("/households/{}/consents", theirs.id),
            &[("given_by", "Hidden Person"), ("given_on", "2024-01-02"), ("scope_services", "on")],
        )
        .await;
    let cid = consent::Entity::find().all(app.store.conn()).await.unwrap()[0].id;

    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    for path in [
        format!("/households/{}", theirs.id),
        format!("/households/{}/edit", theirs.id),
        format!("/households/{}/residents/new", theirs.id),
        format!("/residents/{rid}"),
        format!("/residents/{rid}/edit"),
        "/households/999999".to_owned(),
        "/residents/999999".to_owned(),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
        assert!(!res.text.contains("Hidden Person"));
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("/households/{}", theirs.id), vec![("code", "X"), ("address", "Y")]),
        (format!("/households/{}/residents", theirs.id), vec![("full_name", "Intruder")]),
        (format!("/residents/{rid}"), vec![("full_name", "Renamed")]),
        (
            format!("/households/{}/consents", theirs.id),
            vec![("given_by", "X"), ("given_on", "2024-01-01"), ("scope_services", "on")],
        ),
        (format!("/consents/{cid}/withdraw"), vec![("withdrawn_on", "2024-02-01")]),
    ];
    for (path, fields) in &posts {
        let res = c.post_form(path, fields).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let list = c.get("/households?q=hidden").await;
    assert!(!list.text.contains("S-0901"));
    let list = c.get("/residents?q=hidden").await;
    assert!(!list.text.contains("Hidden Person"));
    // The south community's slug is not even accepted as a filter.
    assert_eq!(c.get("/households?community=south").await.status, StatusCode::NOT_FOUND);

    let h = household::Entity::find_by_id(theirs.id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(h.code, "S-0901");
    assert_eq!(residents_count(&app).await, 1);
    assert_eq!(consents_count(&app).await, 1);
    let c0 = consent::Entity::find_by_id(cid).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(c0.withdrawn_on, None);
}

#[tokio::test]
async fn volunteers_see_only_paired_households_and_change_nothing() {
    let app = spawn_app().await;
    app.community("north").await;
    let paired = app.household("north", "N-1001").await;
    let other = app.household("north", "N-1002").await;
    let mut cw = app.login_as("worker", "caseworker", &["north"]).await;
    let member = add_resident(&mut cw, paired.id, "Fatima Noor").await;
    cw.post_form(&format!("/households/{}/residents", other.id), &[("full_name", "Other Person")]).await;
    cw.post_form(
        &format!("/households/{}/consents", paired.id),
        &[("given_by", "Fatima Noor"), ("given_on", "2024-01-02"), ("scope_contact", "on")],
    )
    .await;
    cw.post_form(
        &format!("/residents/{member}"),
        &[("full_name", "Fatima Noor"), ("phone", "137 0000 2222"), ("needs", "Private need")],
    )
    .await;

    let mut vol = app.login_as("vol", "volunteer", &["north"]).await;
    assert_eq!(vol.get(&format!("/households/{}", paired.id)).await.status, StatusCode::NOT_FOUND, "not paired yet");
    app.pair("vol", paired.id).await;

    let page = vol.get(&format!("/households/{}", paired.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Fatima Noor") && page.text.contains("137 0000 2222"));
    assert!(!page.text.contains("/edit\""), "no edit link for volunteers");
    assert!(!page.text.contains("/residents/new\""));
    assert!(!page.text.contains("id=\"consent-form\""));
    assert!(!page.text.contains("Consent given"), "consent is not for volunteers");
    assert!(page.text.contains("id=\"timeline\""));
    let person = vol.get(&format!("/residents/{member}")).await;
    assert_eq!(person.status, StatusCode::OK);
    assert!(person.text.contains("137 0000 2222"));
    assert!(!person.text.contains("Private need"), "contact-only view");

    assert_eq!(vol.get(&format!("/households/{}", other.id)).await.status, StatusCode::NOT_FOUND);
    let list = vol.get("/households").await;
    assert!(list.text.contains("N-1001") && !list.text.contains("N-1002"));
    assert!(!list.text.contains("href=\"/households/new\""));
    for path in
        ["/households/new".to_owned(), format!("/households/{}/edit", paired.id), format!("/residents/{member}/edit")]
    {
        assert_eq!(vol.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let res =
        vol.post_form(&format!("/households/{}/residents", paired.id), &[("full_name", "Added by volunteer")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(residents_count(&app).await, 2);
}

#[tokio::test]
async fn viewers_may_not_open_people_pages() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1101").await;
    let mut v = app.login_as("viewer", "viewer", &["north"]).await;
    for path in [
        "/households".to_owned(),
        "/households/new".to_owned(),
        "/residents".to_owned(),
        format!("/households/{}", h.id),
        format!("/households/{}/edit", h.id),
        format!("/households/{}/residents/new", h.id),
    ] {
        let res = v.get(&path).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!res.text.contains("N-1101"));
    }
    let res = v.post_form("/households", &[("community", "north"), ("code", "V-1"), ("address", "x")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(households_count(&app).await, 1);
}

#[tokio::test]
async fn viewing_a_household_records_a_read_in_the_audit_log() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1201").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let hid = h.id;
    let reads = move |app: &TestApp| {
        let store = app.store.clone();
        async move {
            audit::list(
                &store,
                &audit::Filter {
                    entity: Some("household".into()),
                    entity_id: Some(hid),
                    action: Some("read".into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
        }
    };
    assert!(reads(&app).await.is_empty());
    let page = c.get(&format!("/households/{}", h.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = reads(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "worker");
    assert_eq!(rows[0].community_id, Some(h.community_id));
    assert!(!rows[0].summary.contains("Building 1"), "no personal values in the summary");

    // Reading a resident is recorded too; a refused read is not.
    let rid = add_resident(&mut c, h.id, "Audit Person").await;
    c.get(&format!("/residents/{rid}")).await;
    let resident_reads = audit::list(
        &app.store,
        &audit::Filter {
            entity: Some("resident".into()),
            entity_id: Some(rid),
            action: Some("read".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(resident_reads.len(), 1);
    let before = reads(&app).await.len();
    app.community("south").await;
    let mut stranger = app.login_as("other", "caseworker", &["south"]).await;
    assert_eq!(stranger.get(&format!("/households/{}", h.id)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(reads(&app).await.len(), before);
}

#[tokio::test]
async fn pages_are_complete_in_chinese() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = app.household("north", "N-1301").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let res = c.post_form("/lang", &[("lang", "zh-CN"), ("next", "/")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let rid = add_resident(&mut c, h.id, "陈静").await;
    c.post_form(
        &format!("/households/{}/consents", h.id),
        &[("given_by", "陈静"), ("given_on", "2024-01-02"), ("scope_services", "on")],
    )
    .await;
    c.post_form(&format!("/residents/{rid}"), &[("full_name", "陈静"), ("sex", "female"), ("work_status", "retired")])
        .await;
    let household_page = c.get(&format!("/households/{}", h.id)).await;
    assert!(household_page.text.contains("<html lang=\"zh-CN\""));
    for shown in ["家庭成员", "时间线", "新增成员", "签署同意", "接受服务", "有效"] {
        assert!(household_page.text.contains(shown), "missing {shown}");
    }
    let resident_page = c.get(&format!("/residents/{rid}")).await;
    assert!(resident_page.text.contains("女") && resident_page.text.contains("退休"));
    let bad = c.post_form(&format!("/households/{}/consents", h.id), &[("given_by", "陈静")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for page in [
        household_page,
        resident_page,
        bad,
        c.get("/households").await,
        c.get("/households/new").await,
        c.get(&format!("/households/{}/edit", h.id)).await,
        c.get(&format!("/households/{}/residents/new", h.id)).await,
        c.get(&format!("/residents/{rid}/edit")).await,
        c.get("/residents?q=cj").await,
    ] {
        assert_translated(&page);
        assert!(page.text.contains("lang=\"zh-CN\""));
    }
}

#[tokio::test]
async fn timeline_gathers_registry_events_newest_first() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut c = app.login_as("worker", "caseworker", &["north"]).await;
    let res = c
        .post_form(
            "/households",
            &[
                ("community", "north"),
                ("code", "N-1401"),
                ("address", "9 Elm Court"),
                ("moved_in_on", "2016-03-01"),
                ("moved_out_on", "2020-06-30"),
            ],
        )
        .await;
    let hid = id_from_location(&res);
    let rid = add_resident(&mut c, hid, "Sara Haile").await;
    c.post_form(
        &format!("/households/{hid}/consents"),
        &[("given_by", "Sara Haile"), ("given_on", "2017-05-02"), ("scope_services", "on")],
    )
    .await;
    let h = household::Entity::find_by_id(hid).one(app.store.conn()).await.unwrap().unwrap();
    let events = timeline::for_household(&app.store, &Actor::system(), &h).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
    // The member was added today, after every other date here.
    assert_eq!(kinds, vec!["resident_added", "household_moved_out", "consent_given", "household_moved_in"]);
    let link = events[0].record.and_then(hearth_web::practice::link);
    assert_eq!(link.as_deref(), Some(format!("/residents/{rid}").as_str()));
    assert_eq!(events[0].summary, "Sara Haile");
    assert!(events.windows(2).all(|w| w[0].on >= w[1].on));

    let page = c.get(&format!("/households/{hid}")).await;
    let tl = &page.text[page.text.find("id=\"timeline\"").unwrap()..];
    let order: Vec<usize> = ["Member added", "Moved out", "Consent given", "Moved in"]
        .iter()
        .map(|k| tl.find(k).unwrap_or_else(|| panic!("{k} missing")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(tl.contains(&format!("href=\"/residents/{rid}\"")));
    assert!(tl.contains("2017-05-02"));

    // Scope is checked again: a caseworker of another community gets nothing.
    app.community("south").await;
    let stranger =
        hearth_core::auth::users::actor_for(&app.store, &app.user("stranger", "caseworker", &["south"]).await)
            .await
            .unwrap();
    assert!(timeline::for_household(&app.store, &stranger, &h).await.is_err());
    // The resident list function agrees the member exists.
    let page = residents::list(&app.store, &Actor::system(), &Default::default()).await.unwrap();
    assert_eq!(page.items.len(), 1);
}

/// Found on a phone: search found households only by code prefix and names only by full
/// pinyin or initials. It now finds a household by its flat number, building, unit and
/// phone (digits, any spacing), and 薛丽华 by the mixed forms people type (xuelh, xlihua).
#[tokio::test]
async fn search_finds_households_by_flat_phone_and_mixed_pinyin() {
    use hearth_core::registry::households::{self, HouseholdInput};
    use hearth_core::registry::residents::{self as res, ResidentInput};
    let app = spawn_app().await;
    app.community("north").await;
    let sys = hearth_core::Actor::system();
    let h = households::create(
        &app.store,
        &sys,
        HouseholdInput {
            community: Some("north".into()),
            code: Some("3-2-401".into()),
            address: Some("Jiafu Road 1".into()),
            building: Some("3号楼".into()),
            unit: Some("2单元".into()),
            phone: Some("138 0013 8000".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    res::create(
        &app.store,
        &sys,
        ResidentInput { household_id: Some(h.id), full_name: Some("薛丽华".into()), ..Default::default() },
    )
    .await
    .unwrap();
    let decoy = app.household("north", "5-1-102").await;
    let mut c = app.api_as("cwk", "caseworker", &["north"]).await;
    for q in [
        "401",
        "3-2-401",
        "3号楼",
        "2单元",
        "13800138000",
        "138 0013 8000",
        "138-0013",
        "xuelh",
        "xlihua",
        "薛丽华",
        "xlh",
    ] {
        assert_eq!(found_by(&mut c, q).await, [h.id], "{q}");
    }
    assert_eq!(found_by(&mut c, "102").await, [decoy.id]);

    // Terms built by an older release are rebuilt at start.
    use sea_orm::ConnectionTrait;
    app.store.writer().execute_unprepared("DELETE FROM household_search_terms").await.unwrap();
    app.store.writer().execute_unprepared("UPDATE derived_versions SET version = 1").await.unwrap();
    assert!(found_by(&mut c, "401").await.is_empty());
    app.store.migrate().await.unwrap();
    assert_eq!(found_by(&mut c, "401").await, [h.id], "rebuilt");
}

/// The ids of the households the API search for `q` returns.
async fn found_by(c: &mut TestClient, q: &str) -> Vec<i64> {
    let page = c.get(&format!("/api/v1/households?q={}", enc(q))).await.json();
    page["items"].as_array().into_iter().flatten().filter_map(|i| i["id"].as_i64()).collect()
}

/// The household list says how many it found, and pages back as well as forward.
#[tokio::test]
async fn the_household_list_counts_its_results_and_pages_both_ways() {
    let app = spawn_app().await;
    app.community("north").await;
    for i in 0..60 {
        app.household("north", &format!("P-{i:03}")).await;
    }
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let first = c.get("/households?q=P-").await;
    assert!(first.text.contains("60 households"), "the count");
    assert!(!first.text.contains(r#"rel="prev""#), "nothing before the first page");
    let next = first.text.split(r#"href=""#).find(|s| s.contains("after=")).and_then(|s| s.split('"').next()).unwrap();
    let second = c.get(&unescape(next)).await;
    assert!(second.text.contains("P-050") && !second.text.contains("P-049"), "the second page");
    let prev = second.text.split(r#"<a href=""#).find(|s| s.contains("before=")).and_then(|s| s.split('"').next());
    let back = c.get(&unescape(prev.expect("a previous link"))).await;
    assert!(
        back.text.contains("P-000") && back.text.contains("P-049") && !back.text.contains("P-050"),
        "back to the first 50"
    );
    let zh = c.get("/households?q=P-0").await;
    assert!(zh.text.contains("60 households"));
}

/// Found on a phone: grid workers walk building → unit → flat, and the list could only be
/// searched. The household list now offers the buildings (with how many households each),
/// then a building's units, and lists the households there; the follow-up queue filters by
/// building too.
#[tokio::test]
async fn households_are_browsed_by_building_then_unit_and_queues_filter_by_building() {
    use hearth_core::registry::households::{self, HouseholdInput};
    let app = spawn_app().await;
    app.community("north").await;
    let sys = hearth_core::Actor::system();
    let mut ids = Vec::new();
    for (code, building, unit) in [
        ("2-1-101", "2号楼", "1单元"),
        ("2-2-101", "2号楼", "2单元"),
        ("2-2-102", "2号楼", "2单元"),
        ("10-1-101", "10号楼", "1单元"),
    ] {
        let h = households::create(
            &app.store,
            &sys,
            HouseholdInput {
                community: Some("north".into()),
                code: Some(code.into()),
                address: Some("Jiafu Road 1".into()),
                building: Some(building.into()),
                unit: Some(unit.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(h.id);
    }
    let mut c = app.login_as("cwk", "caseworker", &["north"]).await;
    let all = c.get("/households").await;
    let places = &all.text[all.text.find(r#"class="places""#).expect("the buildings")..];
    let (two, ten) = (places.find("2号楼").unwrap(), places.find("10号楼").unwrap());
    assert!(two < ten, "building 2 before building 10");
    assert!(places.contains("3 households") && places.contains("1 household"), "{places}");

    let building = c.get(&format!("/households?building={}", enc("2号楼"))).await;
    assert!(building.text.contains("3 households") && !building.text.contains("10-1-101"));
    let units = &building.text[building.text.find(r#"class="places""#).expect("the units")..];
    assert!(units.contains("1单元") && units.contains("2单元"));
    let unit = c.get(&format!("/households?building={}&unit={}", enc("2号楼"), enc("2单元"))).await;
    assert!(unit.text.contains("2-2-101") && unit.text.contains("2-2-102") && !unit.text.contains("2-1-101"));
    assert!(unit.text.contains("2 households"));
    // Searching inside a building stays inside it.
    let inside = c.get(&format!("/households?q=101&building={}", enc("2号楼"))).await;
    assert!(inside.text.contains("2-1-101") && inside.text.contains("2-2-101") && !inside.text.contains("10-1-101"));
    // A unit without a building means nothing; an unknown building finds nobody.
    let loose = c.get(&format!("/households?unit={}", enc("2单元"))).await;
    assert!(loose.text.contains("4 households"), "{}", loose.text);
    assert!(c.get("/households?building=99").await.text.contains("0 households"));

    // The follow-up queue by building.
    let mut api = app.api_as("cwk-api", "caseworker", &["north"]).await;
    let me = hearth_core::auth::users::by_username(&app.store, "cwk-api").await.unwrap().unwrap().id;
    for h in [ids[0], ids[3]] {
        let res = api
            .json(
                "POST",
                "/api/v1/follow-ups",
                &serde_json::json!({"household_id": h, "description": format!("Need of {h}"), "category": "health",
                    "owner_user_id": me, "due_on": "2030-01-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text);
    }
    let queue = c.get(&format!("/follow-ups?queue=all&building={}", enc("10号楼"))).await;
    assert!(
        queue.text.contains(&format!("Need of {}", ids[3])) && !queue.text.contains(&format!("Need of {}", ids[0]))
    );
    let api_queue = api.get(&format!("/api/v1/follow-ups?building={}", enc("2号楼"))).await.json();
    let found: Vec<i64> =
        api_queue["items"].as_array().unwrap().iter().filter_map(|i| i["household_id"].as_i64()).collect();
    assert_eq!(found, [ids[0]]);
}
