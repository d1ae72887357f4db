//! Pairing: window boundaries (a contact on the Sunday and on the Monday after), attempts
//! against reached contacts, a pair ended mid-window, every figure with a known answer; a
//! coordinator pairs a volunteer through the pages; the volunteer sees the due contact on
//! Today and records it with a need (a follow-up they own), and may record a visit to the
//! household; a volunteer reaches no other pair's household by id, list, search, report
//! drill-down or API; bad input is refused by field with nothing stored; reassigning keeps
//! each helper's contacts; the demo's figure.

use axum::http::StatusCode;
use hearth_core::Actor;
use hearth_core::entity::{follow_up, pair, pair_contact};
use hearth_core::indicators::{self, Scope};
use hearth_core::pairs::{contacts, helpers, records};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::support::*;

async fn figure(app: &TestApp, community: i64, from: &str, to: &str, key: &str) -> Option<f64> {
    let scope = Scope::new(vec![community], d(from), d(to)).unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&[key])).await.unwrap();
    f.iter().find(|x| x.key == key).and_then(|x| x.value)
}

async fn helper(app: &TestApp, community: i64, kind: &str, user: Option<i64>, name: Option<&str>) -> i64 {
    helpers::create(
        &app.store,
        &Actor::system(),
        helpers::HelperInput {
            community_id: Some(community),
            kind: Some(kind.into()),
            user_id: user,
            name: name.map(Into::into),
            organisation: (kind == "partner_member").then(|| "Fangcao Homes team".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

async fn pair_of(app: &TestApp, household: i64, helper: i64, cadence: &str, started: &str) -> i64 {
    records::create(
        &app.store,
        &Actor::system(),
        records::PairInput {
            household_id: Some(household),
            helper_id: Some(helper),
            cadence: Some(cadence.into()),
            started_on: Some(started.into()),
            purpose: Some("Keeping in touch".into()),
        },
    )
    .await
    .unwrap()
    .id
}

async fn contact(app: &TestApp, pair: i64, on: &str, reached: bool) {
    contacts::record(
        &app.store,
        &Actor::system(),
        pair,
        contacts::ContactInput {
            contacted_on: Some(on.into()),
            mode: Some("phone".into()),
            reached: Some(reached),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Weekly windows are Monday–Sunday: a contact on Sunday 10 April keeps the week of 4–10
/// April, one on Monday 11 April the next. Attempts count as contacts made, not as kept
/// windows. A pair ended on Wednesday 20 April counts its two whole weeks (not the partial
/// one it ended in), and what it missed before ending stays in the figures.
#[tokio::test]
async fn windows_attempts_and_an_ended_pair_give_known_figures() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let h1 = hh(&app, "north", "N1", "2016-01-10", None, 2).await;
    let h2 = hh(&app, "north", "N2", "2016-01-10", None, 1).await;
    let h3 = hh(&app, "north", "N3", "2016-01-10", None, 1).await;
    let partner = helper(&app, north, "partner_member", None, Some("王丽")).await;
    let neighbour = helpers::create(
        &app.store,
        &Actor::system(),
        helpers::HelperInput { kind: Some("neighbour".into()), household_id: Some(h3), ..Default::default() },
    )
    .await
    .unwrap()
    .id;
    // Weekly from Monday 4 April.
    let weekly = pair_of(&app, h1, partner, "weekly", "2016-04-04").await;
    contact(&app, weekly, "2016-04-10", true).await; // Sunday: week of 4 April kept
    contact(&app, weekly, "2016-04-11", false).await; // Monday: an attempt in the week of 11 April
    contact(&app, weekly, "2016-04-12", true).await; // … then reached: kept
    // weeks of 18 and 25 April: nothing.
    // Weekly from Friday 1 April, ended on Wednesday 20 April, by the neighbour.
    let ended = pair_of(&app, h2, neighbour, "weekly", "2016-04-01").await;
    contact(&app, ended, "2016-04-02", true).await; // the partial first week: made, not a window
    contact(&app, ended, "2016-04-13", true).await; // week of 11 April kept; week of 4 April missed
    contact(&app, ended, "2016-04-19", true).await; // the partial last week: made, not a window
    records::end(
        &app.store,
        &Actor::system(),
        ended,
        records::EndInput { on: Some("2016-04-20".into()), reason: Some("moved".into()), ..Default::default() },
    )
    .await
    .unwrap();

    let f = |from: &'static str, to: &'static str, key: &'static str| figure(&app, north, from, to, key);
    // April: weekly pair windows 4–10, 11–17, 18–24 (25 April–1 May ends in May); ended pair 4–10, 11–17.
    assert_eq!(f("2016-04-01", "2016-04-30", "contact_windows").await, Some(5.0));
    assert_eq!(f("2016-04-01", "2016-04-30", "contact_windows_kept").await, Some(3.0));
    assert_eq!(f("2016-04-01", "2016-04-30", "contact_windows_kept_pct").await, Some(60.0));
    assert_eq!(f("2016-04-01", "2016-04-30", "contacts_made").await, Some(6.0));
    assert_eq!(f("2016-04-01", "2016-04-30", "contacts_reached").await, Some(5.0));
    assert_eq!(f("2016-04-01", "2016-04-30", "pairs_active").await, Some(2.0));
    assert_eq!(f("2016-04-01", "2016-04-30", "households_paired").await, Some(2.0));
    // The window that ends on Sunday 10 April belongs to a period ending that day, not the next.
    assert_eq!(f("2016-04-01", "2016-04-10", "contact_windows").await, Some(2.0));
    assert_eq!(f("2016-04-11", "2016-04-17", "contact_windows").await, Some(2.0));
    assert_eq!(f("2016-04-11", "2016-04-17", "contact_windows_kept").await, Some(2.0));
    // The Monday attempt is in the week of 11 April.
    assert_eq!(f("2016-04-11", "2016-04-11", "contacts_made").await, Some(1.0));
    assert_eq!(f("2016-04-11", "2016-04-11", "contacts_reached").await, Some(0.0));
    // After the pair ended, only the weekly pair is active; May's windows are the weekly pair's.
    assert_eq!(f("2016-05-01", "2016-05-31", "pairs_active").await, Some(1.0));
    assert_eq!(f("2016-05-01", "2016-05-31", "contact_windows").await, Some(5.0));
    assert_eq!(f("2016-05-01", "2016-05-31", "contact_windows_kept").await, Some(0.0));
    // Before any pair: nothing, and a ratio of nothing has no value.
    assert_eq!(f("2016-03-01", "2016-03-31", "pairs_active").await, Some(0.0));
    assert_eq!(f("2016-03-01", "2016-03-31", "contact_windows_kept_pct").await, None);

    // The weekly pair has missed every week since 18 April: escalated to the coordinator.
    let mut coord = app.api_as("coord", "coordinator", &["north"]).await;
    let behind = coord.get("/api/v1/pairs?missed=2").await;
    assert_eq!(behind.status, StatusCode::OK, "{}", behind.text);
    let ids: Vec<i64> = behind.json().as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![weekly]);
    assert!(behind.json()[0]["standing"]["missed"].as_u64().unwrap() > 2);
    assert_eq!(behind.json()[0]["standing"]["due"], true);
    assert_eq!(behind.json()[0]["contacts_attempted"], 1);
    // The ended pair keeps its contacts and is never due.
    let ended_now = coord.get(&format!("/api/v1/pairs/{ended}")).await.json();
    assert_eq!(ended_now["ended_on"], "2016-04-20");
    assert_eq!(ended_now["standing"]["due"], false);
    assert_eq!(ended_now["contacts_reached"], 3);
    // The drill-down behind the windows lists the pairs with their windows.
    let mut web = app.login_as("coord-web", "coordinator", &["north"]).await;
    let page = web.get("/reports/records?key=contact_windows&community=north&from=2016-04-01&to=2016-04-30").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("N1") && page.text.contains("N2"), "{}", page.text);
}

/// A coordinator adds a volunteer as a helper and pairs them with a household through the
/// pages; the volunteer sees the contact due on Today, records it with a need (which becomes
/// a follow-up they own) and the pair is no longer due; the volunteer records a visit there.
#[tokio::test]
async fn a_coordinator_pairs_a_volunteer_who_records_a_contact_with_a_need() {
    let app = spawn_app().await;
    app.community("north").await;
    let h = hh(&app, "north", "N1", "2016-01-10", None, 2).await;
    let vol = app.user("vol", "volunteer", &["north"]).await;
    let mut coord = app.login_as("coord", "coordinator", &["north"]).await;
    let res = coord.post_form("/helpers", &[("kind", "volunteer"), ("user_id", &vol.id.to_string())]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = coord.get(&format!("/pairs/new?household={h}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let helper_id = hearth_core::entity::helper::Entity::find().one(app.store.conn()).await.unwrap().unwrap().id;
    assert!(page.text.contains(&format!("value=\"{helper_id}\"")), "{}", page.text);
    let today = chrono::Local::now().date_naive().to_string();
    let res = coord
        .post_form(
            "/pairs",
            &[
                ("household_id", &h.to_string()),
                ("helper_id", &helper_id.to_string()),
                ("cadence", "weekly"),
                ("started_on", &today),
                ("purpose", "Weekly call"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let pair_url = res.location().split('?').next().unwrap().to_owned();
    let pair_id: i64 = pair_url.trim_start_matches("/pairs/").parse().unwrap();
    // The household page shows the pair.
    let hp = coord.get(&format!("/households/{h}")).await;
    assert!(hp.text.contains("id=\"today-pairs\"") && hp.text.contains("vol"), "{}", hp.text);

    let mut v = app.client();
    assert_eq!(v.login("vol", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let home = v.get("/").await;
    assert!(home.text.contains("id=\"today-contacts-due\""), "{}", home.text);
    assert!(home.text.contains(&format!("/pairs/{pair_id}#contact")), "{}", home.text);
    let res = v
        .post_form(
            &format!("/pairs/{pair_id}/contacts"),
            &[
                ("contacted_on", &today),
                ("mode", "visit"),
                ("reached", "yes"),
                ("note", "The grandmother needs her medicine collected"),
                ("need_description", "Collect the medicine every month"),
                ("need_category", "health"),
                ("need_due_on", &today),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let fu = follow_up::Entity::find().one(app.store.conn()).await.unwrap().expect("a follow-up");
    assert_eq!(fu.owner_user_id, vol.id);
    assert_eq!(fu.household_id, h);
    let shown = v.get(&pair_url).await;
    assert!(shown.text.contains("The grandmother needs her medicine collected"), "{}", shown.text);
    let home = v.get("/").await;
    assert!(!home.text.contains(&format!("/pairs/{pair_id}#contact")), "still due: {}", home.text);
    // The household timeline shows the contact.
    let hp = v.get(&format!("/households/{h}")).await;
    assert!(hp.text.contains("Contact by the helper"), "{}", hp.text);
    // A volunteer records a visit to the paired household, as its only visitor.
    let form = v.get(&format!("/households/{h}/visits/new")).await;
    assert_eq!(form.status, StatusCode::OK);
    let res = v
        .post_form(
            &format!("/households/{h}/visits"),
            &[("visited_on", &today), ("purpose", "welcome"), ("visitor", &vol.id.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let coord_user = hearth_core::auth::users::by_username(&app.store, "coord").await.unwrap().unwrap();
    let res = v
        .post_form(
            &format!("/households/{h}/visits"),
            &[("visited_on", &today), ("purpose", "welcome"), ("visitor", &coord_user.id.to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A volunteer reaches only the households of their own pairs: another pair's household is
/// not found by id, list, search, report drill-down or API, nor the pair itself.
#[tokio::test]
async fn a_volunteer_cannot_reach_another_pairs_household() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let mine = hh(&app, "north", "N1", "2016-01-10", None, 1).await;
    let theirs = hh(&app, "north", "N2", "2016-01-10", None, 1).await;
    let vol = app.user("vol", "volunteer", &["north"]).await;
    let other = app.user("other", "volunteer", &["north"]).await;
    let hv = helper(&app, north, "volunteer", Some(vol.id), None).await;
    let ho = helper(&app, north, "volunteer", Some(other.id), None).await;
    let my_pair = pair_of(&app, mine, hv, "weekly", "2016-04-01").await;
    let their_pair = pair_of(&app, theirs, ho, "weekly", "2016-04-01").await;
    contact(&app, their_pair, "2016-04-05", true).await;
    let their_contact = pair_contact::Entity::find().one(app.store.conn()).await.unwrap().unwrap().id;
    let resident = hearth_core::entity::resident::Entity::find()
        .all(app.store.conn())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.household_id == theirs)
        .unwrap();

    let mut v = app.client();
    assert_eq!(v.login("vol", PASSWORD).await.status, StatusCode::SEE_OTHER);
    for path in [
        format!("/households/{theirs}"),
        format!("/residents/{}", resident.id),
        format!("/pairs/{their_pair}"),
        format!("/pairs/contacts/{their_contact}"),
    ] {
        assert_eq!(v.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(v.get(&format!("/pairs/{my_pair}")).await.status, StatusCode::OK);
    let list = v.get("/pairs").await;
    assert!(list.text.contains("N1") && !list.text.contains("N2"), "{}", list.text);
    let search = v.get("/households?q=N").await;
    assert!(search.text.contains("N1") && !search.text.contains("N2"), "{}", search.text);
    assert_eq!(
        v.get("/reports/records?key=households_paired&community=north&from=2016-04-01&to=2016-04-30").await.status,
        StatusCode::FORBIDDEN
    );
    let res = v.post_form(&format!("/pairs/{their_pair}/contacts"), &[("mode", "phone"), ("reached", "yes")]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let mut api = app.api_as("vol-api", "volunteer", &["north"]).await;
    let u = hearth_core::auth::users::by_username(&app.store, "vol-api").await.unwrap().unwrap();
    let h_api = helper(&app, north, "volunteer", Some(u.id), None).await;
    pair_of(&app, mine, h_api, "monthly", "2016-04-01").await;
    for path in [
        format!("/api/v1/households/{theirs}"),
        format!("/api/v1/pairs/{their_pair}"),
        format!("/api/v1/pairs/{their_pair}/contacts"),
        format!("/api/v1/residents/{}", resident.id),
    ] {
        assert_eq!(api.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let listed = api.get("/api/v1/pairs").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["household_id"], mine);
    let res = api
        .json("POST", &format!("/api/v1/pairs/{their_pair}/contacts"), &json!({"mode": "phone", "reached": true}))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let households = api.get("/api/v1/households").await.json();
    assert!(households["items"].as_array().unwrap().iter().all(|h| h["id"] != theirs), "{households}");
    assert_eq!(pair_contact::Entity::find().count(app.store.conn()).await.unwrap(), 1);
}

/// Every write refuses bad input by field, and stores nothing.
#[tokio::test]
async fn bad_input_is_refused_by_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    app.community("south").await;
    let h = hh(&app, "north", "N1", "2016-01-10", None, 1).await;
    let hs = hh(&app, "south", "S1", "2016-01-10", None, 1).await;
    let gone = hh(&app, "north", "N9", "2016-01-10", Some("2016-02-01"), 1).await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let field_codes = |r: &TestResponse| -> Vec<(String, String)> {
        r.json()["error"]["field_codes"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect())
            .unwrap_or_default()
    };
    // Helpers.
    let r = api.json("POST", "/api/v1/helpers", &json!({"kind": "partner_member", "name": "王丽"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_codes(&r), vec![("organisation".into(), "required".into())]);
    let r = api.json("POST", "/api/v1/helpers", &json!({"kind": "team_member"})).await;
    assert_eq!(field_codes(&r), vec![("user_id".into(), "required".into())]);
    let r = api.json("POST", "/api/v1/helpers", &json!({"kind": "neighbour", "household_id": hs})).await;
    assert_eq!(field_codes(&r), vec![("household_id".into(), "unknown_household".into())]);
    let r = api.json("POST", "/api/v1/helpers", &json!({"kind": "robot"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_codes(&r).iter().any(|(f, _)| f == "kind"));
    assert_eq!(hearth_core::entity::helper::Entity::find().count(app.store.conn()).await.unwrap(), 0);
    let r = api
        .json("POST", "/api/v1/helpers", &json!({"kind": "volunteer", "name": "马秀兰", "phone": "138 0991 2201"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let helper_id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["name"], "马秀兰");
    // Pairs.
    let r = api
        .json("POST", "/api/v1/pairs", &json!({"household_id": h, "helper_id": helper_id, "cadence": "daily"}))
        .await;
    assert_eq!(field_codes(&r), vec![("cadence".into(), "invalid_choice".into())]);
    let r = api
        .json("POST", "/api/v1/pairs", &json!({"household_id": hs, "helper_id": helper_id, "cadence": "weekly"}))
        .await;
    assert_eq!(field_codes(&r), vec![("household_id".into(), "unknown_household".into())]);
    let r = api
        .json("POST", "/api/v1/pairs", &json!({"household_id": gone, "helper_id": helper_id, "cadence": "weekly"}))
        .await;
    assert_eq!(field_codes(&r), vec![("household_id".into(), "unknown_household".into())]);
    let r = api
        .json(
            "POST",
            "/api/v1/pairs",
            &json!({"household_id": h, "helper_id": 999_999, "cadence": "weekly", "started_on": "2016-02-30"}),
        )
        .await;
    let codes = field_codes(&r);
    assert!(codes.contains(&("helper_id".into(), "unknown_helper".into())), "{codes:?}");
    assert!(codes.iter().any(|(f, _)| f == "started_on"), "{codes:?}");
    assert_eq!(pair::Entity::find().count(app.store.conn()).await.unwrap(), 0);
    let r = api
        .json(
            "POST",
            "/api/v1/pairs",
            &json!({"household_id": h, "helper_id": helper_id, "cadence": "weekly", "started_on": "2016-04-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let p = r.json()["id"].as_i64().unwrap();
    let again = api
        .json("POST", "/api/v1/pairs", &json!({"household_id": h, "helper_id": helper_id, "cadence": "weekly"}))
        .await;
    assert_eq!(field_codes(&again), vec![("helper_id".into(), "already_paired".into())]);
    // Contacts.
    let future = (chrono::Local::now().date_naive() + chrono::TimeDelta::days(2)).to_string();
    for (body, field, code) in [
        (json!({"contacted_on": future, "mode": "phone", "reached": true}), "contacted_on", "date_in_future"),
        (json!({"contacted_on": "2016-03-31", "mode": "phone", "reached": true}), "contacted_on", "outside_pair"),
        (json!({"contacted_on": "2016-04-05", "reached": true}), "mode", "required"),
        (json!({"contacted_on": "2016-04-05", "mode": "phone"}), "reached", "required"),
        (
            json!({"contacted_on": "2016-04-05", "mode": "phone", "reached": true,
                   "needs": [{"description": "School place", "category": "schooling", "due_on": "2016-04-01"}]}),
            "needs[0].due_on",
            "date_before_contact",
        ),
    ] {
        let r = api.json("POST", &format!("/api/v1/pairs/{p}/contacts"), &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(field_codes(&r), vec![(field.to_owned(), code.to_owned())], "{body}");
    }
    assert_eq!(pair_contact::Entity::find().count(app.store.conn()).await.unwrap(), 0);
    assert_eq!(follow_up::Entity::find().count(app.store.conn()).await.unwrap(), 0);
    // The page form names the field in the worker's language and keeps what was typed.
    let mut web = app.login_as("coord-web", "coordinator", &["north"]).await;
    let r = web
        .post_form(
            &format!("/pairs/{p}/contacts"),
            &[("contacted_on", "2016-03-31"), ("mode", "phone"), ("reached", "yes"), ("note", "kept text")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("The pair was not active on this date.") && r.text.contains("kept text"), "{}", r.text);
    // Ending: before the start, and a stale version.
    let r = api.json("POST", &format!("/api/v1/pairs/{p}/end"), &json!({"on": "2016-03-01"})).await;
    assert_eq!(field_codes(&r), vec![("on".into(), "before_pair_started".into())]);
    let mut stale = api.clone();
    let r = stale
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri(format!("/api/v1/pairs/{p}/end"))
                .header("content-type", "application/json")
                .header("if-match", "\"stale\"")
                .body(axum::body::Body::from(json!({"on": "2016-05-01"}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text);
    assert!(pair::Entity::find_by_id(p).one(app.store.conn()).await.unwrap().unwrap().ended_on.is_none());
    let _ = north;
}

/// Handing a pair to another helper ends it and starts a new one the same day with the same
/// purpose and cadence; each helper's contacts stay on their own pair. Ending asks once more.
#[tokio::test]
async fn reassigning_keeps_each_helpers_contacts() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let h = hh(&app, "north", "N1", "2016-01-10", None, 1).await;
    let a = helper(&app, north, "volunteer", None, Some("马秀兰")).await;
    let b = helper(&app, north, "partner_member", None, Some("王丽")).await;
    let p = pair_of(&app, h, a, "fortnightly", "2016-04-01").await;
    contact(&app, p, "2016-04-05", true).await;
    let mut web = app.login_as("coord", "coordinator", &["north"]).await;
    let page = web.get(&format!("/pairs/{p}")).await;
    let version = form_fields(&page.text, "reassign-form").into_iter().find(|(k, _)| k == "version").unwrap().1;
    let r = web
        .post_form(
            &format!("/pairs/{p}/end"),
            &[("action", "reassign"), ("helper_id", &b.to_string()), ("on", "2016-05-02"), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let new_id: i64 = r.location().split('?').next().unwrap().trim_start_matches("/pairs/").parse().unwrap();
    assert_ne!(new_id, p);
    let old = pair::Entity::find_by_id(p).one(app.store.conn()).await.unwrap().unwrap();
    let new = pair::Entity::find_by_id(new_id).one(app.store.conn()).await.unwrap().unwrap();
    assert_eq!(old.ended_on, Some(d("2016-05-02")));
    assert_eq!((new.started_on, new.helper_id, new.cadence), (d("2016-05-02"), b, old.cadence));
    assert_eq!(new.purpose, old.purpose);
    let d_old = records::get(&app.store, &Actor::system(), p).await.unwrap();
    let d_new = records::get(&app.store, &Actor::system(), new_id).await.unwrap();
    assert_eq!((d_old.contacts.len(), d_new.contacts.len()), (1, 0));
    // The same version again is stale now.
    let r = web
        .post_form(
            &format!("/pairs/{p}/end"),
            &[("action", "end"), ("on", "2016-05-03"), ("version", &version), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // Ending asks once more, then ends.
    let r = web.post_form(&format!("/pairs/{new_id}/end"), &[("action", "end"), ("on", "2016-06-01")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("id=\"confirm-form\""), "{}", r.text);
    assert!(pair::Entity::find_by_id(new_id).one(app.store.conn()).await.unwrap().unwrap().ended_on.is_none());
    let r = web
        .post_form(&format!("/pairs/{new_id}/end"), &[("action", "end"), ("on", "2016-06-01"), ("confirmed", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        pair::Entity::find_by_id(new_id).one(app.store.conn()).await.unwrap().unwrap().ended_on,
        Some(d("2016-06-01"))
    );
}

/// The demo (shared/DEMO.md): 150 households paired from 2016-04-01.
#[tokio::test]
async fn the_demo_pairs_150_households() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let c = hearth_core::registry::communities::by_slug(&app.store, &Actor::system(), "jiafu").await.unwrap().id;
    assert_eq!(figure(&app, c, "2016-04-01", "2016-06-30", "households_paired").await, Some(150.0));
    assert_eq!(figure(&app, c, "2016-04-01", "2016-06-30", "pairs_active").await, Some(150.0));
    assert_eq!(figure(&app, c, "2016-01-01", "2016-03-31", "households_paired").await, Some(0.0));
    // Every pair kept its windows in 2016 (one contact reached in each).
    let kept = figure(&app, c, "2016-04-01", "2016-12-31", "contact_windows_kept_pct").await.unwrap();
    assert!((kept - 100.0).abs() < 1e-9, "{kept}");
    let made = figure(&app, c, "2016-04-01", "2016-12-31", "contacts_made").await.unwrap();
    let reached = figure(&app, c, "2016-04-01", "2016-12-31", "contacts_reached").await.unwrap();
    assert!(made > reached && reached > 1000.0, "{made} {reached}");
}

/// Found by schemathesis: OpenAPI components are named by type, and two types of one name
/// (pairing's contacts and an employer's contact log) silently replaced each other in the
/// document, so one operation was checked against the other's schema. Each keeps its own.
#[tokio::test]
async fn the_api_document_keeps_same_named_types_apart() {
    let app = spawn_app().await;
    let doc = app.client().get("/api/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["Contact"]["properties"]["summary"].is_object(), "{}", schemas["Contact"]);
    assert!(schemas["ContactInput"]["properties"]["summary"].is_object(), "{}", schemas["ContactInput"]);
    assert!(schemas["PairContact"]["properties"]["reached"].is_object());
    assert!(schemas["PairContactInput"]["properties"]["reached"].is_object());
    assert!(schemas["Category"]["enum"].is_array(), "{}", schemas["Category"]);
}
