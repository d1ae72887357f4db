//! The dashboard and the district dashboard: figures month by month through the catalogue,
//! the district roll-up equal to the sum of the communities for counts and to the recomputed
//! ratio for ratios, queue counts linking to their queues, sorting, suppression for readers
//! outside the team, and bad input.

use axum::http::StatusCode;
use hearth_core::Actor;
use hearth_core::indicators::{Dims, Unit};
use hearth_core::reports::dashboard::{self, DashboardQuery};
use hearth_core::{Role, Scope};

use crate::support::*;

async fn visit(app: &TestApp, household_id: i64, on: &str, user: i64) {
    use hearth_core::visits::{VisitInput, records};
    records::record(
        &app.store,
        &Actor::system(),
        VisitInput {
            household_id: Some(household_id),
            visited_on: Some(on.into()),
            purpose: Some("welcome".into()),
            visitors: vec![user],
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// north and south (see `two_communities`), with visits in February and March 2016.
async fn world(app: &TestApp) -> (i64, i64) {
    let ids = two_communities(app).await;
    let worker = app.user("dash-worker", "coordinator", &["north", "south"]).await.id;
    for (code, on) in [
        ("N1", "2016-03-02"),
        ("N2", "2016-03-03"),
        ("N1", "2016-02-10"),
        ("S1", "2016-03-12"),
        ("S2", "2016-03-13"),
        ("S3", "2016-03-14"),
    ] {
        use hearth_core::entity::household;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let h = household::Entity::find().filter(household::Column::Code.eq(code)).one(app.store.conn()).await;
        visit(app, h.unwrap().unwrap().id, on, worker).await;
    }
    ids
}

fn q(communities: &[&str], month: &str) -> DashboardQuery {
    DashboardQuery {
        communities: communities.iter().map(|s| (*s).to_owned()).collect(),
        month: Some(month.into()),
        outside: false,
    }
}

#[tokio::test]
async fn the_district_roll_up_adds_counts_and_recomputes_ratios() {
    let app = spawn_app().await;
    world(&app).await;
    let today = d("2026-12-03");
    let sys = Actor::system();
    let district = dashboard::build(&app.store, &sys, &q(&["north", "south"], "2016-03"), today).await.unwrap();
    assert_eq!(district.month, d("2016-03-01"));
    assert_eq!(district.by_community.len(), 2);
    let trend = |key: &str| district.trends.iter().find(|t| t.key == key && t.dims == Dims::new()).unwrap();
    // Twelve months, the chosen one last.
    let households = trend("households");
    assert_eq!(households.points.len(), 12);
    assert_eq!(households.points[0].month, d("2015-04-01"));
    assert_eq!(households.this_month().unwrap().value, Some(7.0)); // north 4 + south 3
    // At the end of February: north N1, N5, N6, N7 (N8 left on the 29th) and south S2, S3.
    assert_eq!(households.last_month().unwrap().value, Some(6.0));
    assert_eq!(households.change(), Some(1.0));
    let part = |slug: &str, key: &str| {
        let s = district.by_community.iter().find(|s| s.community.as_ref().unwrap().slug == slug).unwrap();
        s.lines.iter().find(|l| l.key == key && l.dims.is_empty()).unwrap().clone()
    };
    // Counts: the district is the sum of its communities.
    let counts: Vec<&str> =
        district.trends.iter().filter(|t| t.unit == Unit::Count && t.dims.is_empty()).map(|t| t.key).collect();
    assert!(counts.contains(&"households"));
    for key in counts {
        let sum = part("north", key).value.unwrap() + part("south", key).value.unwrap();
        assert_eq!(trend(key).this_month().unwrap().value, Some(sum), "{key}");
    }
    // Ratios: recomputed from the summed parts, never the mean of the communities' ratios.
    let (n, s) = (part("north", "visit_coverage_pct"), part("south", "visit_coverage_pct"));
    assert_eq!((n.numerator, n.denominator), (Some(2), Some(4)));
    assert_eq!((s.numerator, s.denominator), (Some(3), Some(3)));
    let coverage = trend("visit_coverage_pct").this_month().unwrap().value;
    assert_eq!(coverage, hearth_core::indicators::percent(2 + 3, 4 + 3));
    assert_ne!(coverage, Some((50.0 + 100.0) / 2.0));
    // One community alone has no breakdown, and agrees with its column in the district.
    let north = dashboard::build(&app.store, &sys, &q(&["north"], "2016-03"), today).await.unwrap();
    assert!(north.by_community.is_empty());
    let h = north.trends.iter().find(|t| t.key == "households").unwrap();
    assert_eq!(h.this_month().unwrap().value, part("north", "households").value);
    assert!(north.trends.iter().all(|t| hearth_core::indicators::find(t.key).is_some_and(|i| i.headline)));
}

#[tokio::test]
async fn readers_outside_the_team_get_the_shared_figures() {
    let app = spawn_app().await;
    let (north, south) = world(&app).await;
    let viewer = Actor {
        user_id: None,
        username: "viewer".into(),
        role: Role::Viewer,
        scope: Scope::Communities(vec![north, south]),
        via_token: None,
    };
    let today = d("2026-12-03");
    let shared = dashboard::build(&app.store, &viewer, &q(&[], "2016-03"), today).await.unwrap();
    assert!(shared.suppressed);
    let exact =
        dashboard::build(&app.store, &Actor::system(), &q(&["north", "south"], "2016-03"), today).await.unwrap();
    assert!(!exact.suppressed);
    // Each shared month is `reports::share` of the exact one: compare against it directly.
    let mut expected = hearth_core::reports::compute(
        &app.store,
        shared.communities.clone(),
        d("2016-03-01"),
        d("2016-03-31"),
        Some(&dashboard::headline_keys()),
        true,
        false,
    )
    .await
    .unwrap();
    hearth_core::reports::share(&mut expected);
    for t in &shared.trends {
        let line = expected.total.lines.iter().find(|l| l.key == t.key && l.dims == t.dims);
        if let Some(l) = line {
            assert_eq!(t.this_month().unwrap().value, l.value, "{}", t.key);
            assert_eq!(t.this_month().unwrap().suppressed, l.suppressed, "{}", t.key);
        }
    }
    // Small counts never leave exactly: north's coverage, 2 of 4 households, is hidden.
    let north = shared.by_community.iter().find(|s| s.community.as_ref().unwrap().slug == "north").unwrap();
    let coverage = north.lines.iter().find(|l| l.key == "visit_coverage_pct").unwrap();
    assert!(coverage.suppressed && coverage.value.is_none());
    // A team member may mark a dashboard for sharing.
    let marked = DashboardQuery { outside: true, ..q(&["north", "south"], "2016-03") };
    assert!(dashboard::build(&app.store, &Actor::system(), &marked, today).await.unwrap().suppressed);
    assert!(shared.trends.iter().any(|t| t.unit == Unit::Count));
}

#[tokio::test]
async fn the_dashboard_page_shows_queues_charts_and_a_sortable_district_table() {
    let app = spawn_app().await;
    world(&app).await;
    let mut c = app.login_as("dash-coord", "coordinator", &["north", "south"]).await;
    let res = c.get("/dashboard?month=2016-03").await;
    assert_eq!(res.status, StatusCode::OK);
    let html = unescape(&res.text);
    for id in ["dashboard-queues", "queue-follow-ups-open", "queue-follow-ups-overdue", "dashboard-trends", "district"]
    {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // Each queue count links to its queue.
    assert!(html.contains("href=\"/follow-ups?queue=overdue\""));
    // Charts are SVG with a title and their numbers as a table; no script.
    assert!(html.contains("<svg viewBox=\"0 0 240 100\" role=\"img\""));
    assert!(html.contains("class=\"chart-data\""));
    assert!(!html.contains("<script src=\"http"));
    // The district table: both communities, sorted by a column when asked.
    let row_order = |html: &str| {
        let n = html.find("data-community=\"north\"").unwrap();
        let s = html.find("data-community=\"south\"").unwrap();
        if n < s { "north,south" } else { "south,north" }
    };
    assert_eq!(row_order(&html), "north,south"); // by name
    // Column 0 is the registry's households: north 4, south 3.
    let desc = unescape(&c.get("/dashboard?community=north,south&month=2016-03&sort=c0&dir=desc").await.text);
    assert_eq!(row_order(&desc), "north,south");
    assert!(desc.contains("aria-sort=\"descending\""));
    let asc = unescape(&c.get("/dashboard?community=north,south&month=2016-03&sort=c0&dir=asc").await.text);
    assert_eq!(row_order(&asc), "south,north");
    // The Today page carries the dashboard without the district table.
    let today = unescape(&c.get("/").await.text);
    assert!(today.contains("id=\"today-dashboard\""));
    assert!(today.contains("id=\"queue-follow-ups-open\""));
    assert!(!today.contains("id=\"district\""));
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let app = spawn_app().await;
    world(&app).await;
    let mut c = app.login_as("dash-coord2", "coordinator", &["north"]).await;
    let res = c.get("/dashboard?month=2016-13").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-month\""));
    assert!(res.text.contains("value=\"2016-13\""), "what was typed stays");
    let res = c.get("/dashboard?community=south").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-community\""));
    // Volunteers have their own day; viewers land on the dashboard.
    let mut v = app.login_as("dash-viewer", "viewer", &["north"]).await;
    let res = v.get("/").await;
    assert_eq!(res.location(), "/dashboard");
    assert_eq!(v.get("/dashboard").await.status, StatusCode::OK);
}
