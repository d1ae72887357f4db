//! Reports over HTTP and the command line: the page and its drill-down, the API, CSV and
//! XLSX exports carrying the JSON's numbers, suppression for viewers, and bad input.

use std::collections::BTreeMap;
use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use hearth_core::{Actor, audit};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::*;

/// A GET whose body is kept as bytes (XLSX is binary), with the client's cookies.
async fn get_bytes(app: &TestApp, client: &TestClient, path: &str) -> (StatusCode, Vec<u8>) {
    let mut req = Request::get(path).header(header::HOST, HOST);
    let cookie = client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    if let Some(b) = &client.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    let res = app.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    (status, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

/// Page text with askama's entity escapes undone, to look for links and "<5".
fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&").replace("&#60;", "<").replace("&lt;", "<")
}

type Figures = BTreeMap<(String, String), (Option<f64>, String)>;

/// (community, key) → (value, unit) from the report JSON; the total's community is `a+b`.
fn json_figures(v: &serde_json::Value) -> Figures {
    let mut out = Figures::new();
    let total = match v["community"].as_str() {
        Some(c) => c.to_owned(),
        None => v["communities"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect::<Vec<_>>().join("+"),
    };
    let mut add = |community: &str, list: &serde_json::Value| {
        for f in list.as_array().unwrap() {
            assert!(f["dims"].as_object().unwrap().is_empty() || f["dims"].is_object());
            let key = format!("{}{}", f["key"].as_str().unwrap(), f["dims"]);
            out.insert((community.to_owned(), key), (f["value"].as_f64(), f["unit"].as_str().unwrap().to_owned()));
        }
    };
    add(&total, &v["indicators"]);
    if let Some(parts) = v["by_community"].as_array() {
        for p in parts {
            add(p["community"].as_str().unwrap(), &p["indicators"]);
        }
    }
    out
}

fn dims_json(dims: &str) -> String {
    let map: serde_json::Map<String, serde_json::Value> = dims
        .split("; ")
        .filter(|s| !s.is_empty())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
        .collect();
    serde_json::Value::Object(map).to_string()
}

fn csv_figures(bytes: &[u8]) -> Figures {
    let bytes = bytes.strip_prefix("\u{FEFF}".as_bytes()).expect("a UTF-8 byte-order mark for Excel and WPS");
    let mut r = csv::Reader::from_reader(bytes);
    let headers = r.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["Key", "Indicator", "Dimensions", "Value", "Note", "Unit", "Community"]
    );
    r.records()
        .map(|row| {
            let row = row.unwrap();
            // Numbers only in the value column; what stands for a missing one is in the note.
            let value = if row[3].is_empty() {
                assert!(!row[4].is_empty(), "an empty value says why");
                None
            } else {
                Some(row[3].parse::<f64>().unwrap())
            };
            ((row[6].to_owned(), format!("{}{}", &row[0], dims_json(&row[2]))), (value, row[5].to_owned()))
        })
        .collect()
}

/// XLSX back into the JSON's units: money ×100 (sheet shows CNY), percent ×100, hours ×60.
fn xlsx_figures(bytes: Vec<u8>, units: &Figures) -> Figures {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let mut out = Figures::new();
    let names = wb.sheet_names();
    assert!(!names.is_empty());
    for name in names {
        let range = wb.worksheet_range(&name).unwrap();
        let mut rows = range.rows().skip_while(|r| r.first() != Some(&Data::String("Key / 键".into())));
        let header = rows.next().unwrap_or_else(|| panic!("sheet {name} has no bilingual header"));
        assert_eq!(header[5], Data::String("Value / 数值".into()));
        for row in rows {
            let key = format!("{}{}", row[0], dims_json(&row[3].to_string()));
            let community = row[4].to_string();
            let unit = units.get(&(community.clone(), key.clone())).map(|u| u.1.clone()).unwrap_or_default();
            let value = match &row[5] {
                Data::Float(f) => Some(match unit.as_str() {
                    "pct" | "CNY_minor" => (f * 100.0 * 10.0).round() / 10.0,
                    "minutes" => (f * 60.0).round(),
                    _ => *f,
                }),
                Data::Int(i) => Some(*i as f64),
                // Suppressed, or a ratio of nothing (no referrals: no placement rate).
                Data::String(s) if s.starts_with('<') || s == "—" => None,
                other => panic!("unexpected cell {other:?}"),
            };
            out.insert((community, key), (value, unit));
        }
    }
    out
}

const BOTH: &str = "/api/v1/reports?community=north,south&from=2016-03-01&to=2016-03-31";

#[tokio::test]
async fn json_csv_and_xlsx_exports_carry_the_same_numbers() {
    let app = spawn_app().await;
    two_communities(&app).await;
    let mut c = app.login_as("coord", "coordinator", &["north", "south"]).await;
    let res = c.get(BOTH).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let json = res.json();
    assert_eq!(json["communities"], serde_json::json!(["north", "south"]));
    assert_eq!(json["from"], FROM);
    assert_eq!(json["to"], TO);
    let figures = json_figures(&json);
    let v = |c: &str, k: &str| figures[&(c.to_owned(), format!("{k}{{}}"))].0;
    assert_eq!(v("north+south", "households"), Some(7.0));
    assert_eq!(v("north", "households"), Some(4.0));
    assert_eq!(v("south", "residents"), Some(3.0));
    // Counts are JSON integers, not floats.
    let households = json["indicators"].as_array().unwrap().iter().find(|f| f["key"] == "households").unwrap();
    assert!(households["value"].is_i64(), "{households}");

    let qs = "community=north,south&from=2016-03-01&to=2016-03-31";
    let (status, csv) = get_bytes(&app, &c, &format!("/reports.csv?{qs}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv_figures(&csv), figures, "CSV differs from JSON");

    let (status, xlsx) = get_bytes(&app, &c, &format!("/reports.xlsx?{qs}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(xlsx_figures(xlsx, &figures), figures, "XLSX differs from JSON");

    // One community: the same keys at the top level, "community" singular.
    let one = c.get("/api/v1/reports?community=south&from=2016-03-01&to=2016-03-31").await.json();
    assert_eq!(one["community"], "south");
    assert!(one.get("by_community").is_none());
    assert_eq!(json_figures(&one)[&("south".into(), "households{}".into())].0, Some(3.0));
}

#[tokio::test]
async fn the_page_links_each_figure_to_records_that_add_up_to_it() {
    let app = spawn_app().await;
    two_communities(&app).await;
    let mut c = app.login_as("coord", "coordinator", &["north", "south"]).await;
    let mut page = c.get("/reports?community=north&from=2016-03-01&to=2016-03-31").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.text = unescape(&page.text);
    assert!(page.text.contains("/reports.csv?community=north&from=2016-03-01&to=2016-03-31"), "{}", page.text);
    assert!(page.text.contains("/reports.xlsx?"));
    assert!(page.text.contains("/reports/print?"));
    let figures = c.get("/api/v1/reports?community=north&from=2016-03-01&to=2016-03-31").await.json();
    let before = audit::count(&app.store).await.unwrap();
    for f in figures["indicators"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        let href = format!("/reports/records?key={key}&community=north&from=2016-03-01&to=2016-03-31");
        if f["value"].is_null() {
            // A ratio of nothing has no value and so nothing to list.
            assert!(!page.text.contains(&href), "{key} has no value but a drill-down");
            continue;
        }
        assert!(page.text.contains(&href), "no drill-down link for {key}");
        let records = c.get(&href).await;
        assert_eq!(records.status, StatusCode::OK, "{}", records.text);
        let listed = hearth_core::indicators::find(key).map(|i| hearth_core::indicators::listed(i).unwrap());
        let marks = listed.is_some_and(|(_, counted_by)| counted_by.is_some());
        let expected =
            if marks { f["denominator"].as_i64() } else { f["numerator"].as_i64().or(f["value"].as_i64()) }.unwrap();
        let word = if expected == 1 { "record" } else { "records" };
        assert!(records.text.contains(&format!("{expected} {word}")), "{key}: {}", records.text);
        let rows = records.text.matches("<td><a href=\"/").count() as i64;
        assert_eq!(rows, expected, "{key}: listed rows");
        // The CSV of the records has one line per record.
        let (_, csv) = get_bytes(&app, &c, &href.replace("/reports/records?", "/reports/records.csv?")).await;
        assert_eq!(csv::Reader::from_reader(csv.as_slice()).records().count() as i64, expected, "{key}: CSV");
    }
    // Opening records is a read of personal data: audited.
    assert!(audit::count(&app.store).await.unwrap() > before);
    let log = audit::list(
        &app.store,
        &audit::Filter { entity: Some("report_records".into()), limit: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(!log.is_empty());
    // The API drill-down pages by keyset and its total equals the figure.
    let mut api = app.api_as("worker", "caseworker", &["north"]).await;
    let first =
        api.get("/api/v1/reports/records?key=households&community=north&from=2016-03-01&to=2016-03-31&limit=3").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let first = first.json();
    assert_eq!(first["total"], 4);
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let after = first["next_after"].as_i64().unwrap();
    let second = api
        .get(&format!(
            "/api/v1/reports/records?key=households&community=north&from=2016-03-01&to=2016-03-31&limit=3&after={after}"
        ))
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_after"].is_null());
    // Print version: no navigation, both languages in the title.
    let print = c.get("/reports/print?community=north&from=2016-03-01&to=2016-03-31").await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.text.contains("Report / 报表"), "{}", print.text);
    assert!(!print.text.contains("class=\"nav\""));
    // Found on a phone: the print view had no way to print or go back, and said UTC.
    assert!(print.text.contains("data-print") && print.text.contains("data-back"));
    assert!(!print.text.contains(" UTC"), "generated in local time");
}

#[tokio::test]
async fn viewers_get_small_counts_suppressed_and_no_records() {
    let app = spawn_app().await;
    two_communities(&app).await;
    let mut viewer = app.api_as("funder", "viewer", &["north", "south"]).await;
    let res = viewer.get(BOTH).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let json = res.json();
    assert_eq!(json["suppressed"], true);
    let north = json["by_community"].as_array().unwrap().iter().find(|p| p["community"] == "north").unwrap();
    let households = north["indicators"].as_array().unwrap().iter().find(|f| f["key"] == "households").unwrap();
    assert!(households["value"].is_null(), "{households}");
    assert_eq!(households["suppressed"], true);
    // The total (7) is not small: shown, rounded to a multiple of 5 (sharing.rs tests the
    // rounding).
    let total = json["indicators"].as_array().unwrap().iter().find(|f| f["key"] == "households").unwrap();
    assert!([5, 10].contains(&total["value"].as_i64().unwrap()), "{total}");
    let records =
        viewer.get("/api/v1/reports/records?key=households&community=north&from=2016-03-01&to=2016-03-31").await;
    assert_eq!(records.status, StatusCode::FORBIDDEN);

    let mut page_viewer = app.login_as("viewer2", "viewer", &["north"]).await;
    let mut page = page_viewer.get("/reports?community=north&from=2016-03-01&to=2016-03-31").await;
    assert_eq!(page.status, StatusCode::OK);
    page.text = unescape(&page.text);
    assert!(page.text.contains(">&lt;5<") || page.text.contains("><5<"), "{}", page.text);
    assert!(!page.text.contains("/reports/records"), "viewer sees drill-down links");
    assert_eq!(page_viewer.get("/reports/records?key=households&community=north").await.status, StatusCode::FORBIDDEN);
    let (_, csv) = get_bytes(&app, &page_viewer, "/reports.csv?community=north&from=2016-03-01&to=2016-03-31").await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("households,Households,,,<5,count,north"), "{csv}");

    // Secondary suppression: north's 4 is hidden, so east's 5 cannot be shown beside the
    // total of 9, or 9 − 5 would give north away.
    app.community("east").await;
    for i in 0..5 {
        hh(&app, "east", &format!("E{i}"), "2016-01-01", None, 0).await;
    }
    let mut district = app.api_as("district", "viewer", &["north", "east"]).await;
    let res = district.get("/api/v1/reports?community=north,east&from=2016-03-01&to=2016-03-31").await.json();
    let households = |part: &serde_json::Value| {
        part["indicators"].as_array().unwrap().iter().find(|f| f["key"] == "households").unwrap()["value"].clone()
    };
    assert!([5, 10].contains(&households(&res).as_i64().unwrap()), "the total of 9, rounded: {res}");
    for part in res["by_community"].as_array().unwrap() {
        assert!(households(part).is_null(), "{part}");
    }

    // A coordinator's export marked for outside the team is suppressed too.
    let mut coord = app.api_as("coord", "coordinator", &["north"]).await;
    let inside = coord.get("/api/v1/reports?community=north&from=2016-03-01&to=2016-03-31").await.json();
    assert_eq!(inside["indicators"][0]["value"], 4);
    let outside = coord.get("/api/v1/reports?community=north&from=2016-03-01&to=2016-03-31&outside=1").await.json();
    assert!(outside["indicators"][0]["value"].is_null());
}

#[tokio::test]
async fn bad_report_input_names_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    two_communities(&app).await;
    let mut c = app.login_as("coord", "coordinator", &["north"]).await;
    let mut api = app.api_as("coord2", "coordinator", &["north"]).await;
    let reads = || async {
        let f = audit::Filter { entity: Some("report_records".into()), limit: 100, ..Default::default() };
        audit::list(&app.store, &f).await.unwrap().len()
    };
    let households_before =
        hearth_core::registry::communities::household_counts(&app.store, &Actor::system()).await.unwrap();
    for (qs, field) in [
        ("community=north&from=2016-13-01&to=2016-03-31", "from"),
        ("community=north&from=2016-03-01&to=31.03.2016", "to"),
        ("community=north&from=2016-03-31&to=2016-03-01", "to"),
        ("community=south&from=2016-03-01&to=2016-03-31", "community"),
        ("community=nowhere&from=2016-03-01&to=2016-03-31", "community"),
    ] {
        let page = c.get(&format!("/reports?{qs}")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{qs}");
        assert!(page.text.contains(&format!("id=\"e-{field}\"")), "{qs}: no inline error on {field}");
        let res = api.get(&format!("/api/v1/reports?{qs}")).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{qs}");
        assert!(res.json()["error"]["field_codes"][field].is_string(), "{qs}: {}", res.text);
        let rec = api.get(&format!("/api/v1/reports/records?key=households&{qs}")).await;
        assert_eq!(rec.status, StatusCode::UNPROCESSABLE_ENTITY, "{qs}");
        assert!(rec.json()["error"]["field_codes"][field].is_string(), "{qs}");
    }
    let page = c.get("/reports?community=north&from=2016-03-31&to=2016-03-01").await;
    assert!(page.text.contains("The end date cannot be before the start date."));
    let rec = api.get("/api/v1/reports/records?key=nope&community=north&from=2016-03-01&to=2016-03-31").await;
    assert_eq!(rec.json()["error"]["field_codes"]["key"], "unknown_indicator");
    let rec = api.get("/api/v1/reports/records?key=households&community=north&after=x").await;
    assert_eq!(rec.status, StatusCode::BAD_REQUEST);
    // Nothing was read out (no drill-down audited) and nothing changed.
    assert_eq!(reads().await, 0, "a refused drill-down was recorded as a read");
    let after = hearth_core::registry::communities::household_counts(&app.store, &Actor::system()).await.unwrap();
    assert_eq!(after, households_before);
}

#[tokio::test]
async fn the_catalogue_is_served_in_the_request_language() {
    let app = spawn_app().await;
    app.community("north").await;
    let api = app.api_as("watcher", "viewer", &["north"]).await;
    let req = Request::get("/api/v1/indicators")
        .header(header::HOST, HOST)
        .header(header::ACCEPT_LANGUAGE, "zh-CN")
        .header(header::AUTHORIZATION, format!("Bearer {}", api.bearer.clone().unwrap()))
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), hearth_core::indicators::catalogue().len());
    let h = list.iter().find(|i| i["key"] == "households").unwrap();
    assert_eq!(h["name"], "住户数");
    assert_eq!(h["rollup"]["kind"], "sum");
    assert_eq!(h["timing"], "as_of_end");
    assert_eq!(h["unit"], "count");
    for i in list {
        if i["rollup"]["kind"] == "ratio" {
            assert!(i["rollup"]["numerator"].is_string() && i["rollup"]["denominator"].is_string(), "{i}");
        }
    }
}

fn hearth(url: &str, args: &[&str]) -> std::process::Output {
    hearth_cli().arg("--database-url").arg(url).args(["report"]).args(args).env("HEARTH_LOG", "error").output().unwrap()
}

#[tokio::test]
async fn hearth_report_prints_the_demo_figures() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    // On the page, the 1,710 households behind the figure come 100 at a time.
    let mut c = app.login_as("lead", "coordinator", &["jiafu"]).await;
    let href = "/reports/records?key=households&community=jiafu&from=2016-03-01&to=2016-03-31";
    let (mut next, mut rows, mut pages) = (Some(href.to_owned()), 0, 0);
    while let Some(h) = next.take() {
        let res = c.get(&h).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.text.contains("1710 records") || res.text.contains("1,710 records"), "{}", res.text);
        let n = res.text.matches("<td><a href=\"/households/").count();
        assert!(n <= 100);
        rows += n;
        pages += 1;
        let text = unescape(&res.text);
        next = text
            .split("rel=\"next\"")
            .next()
            .filter(|_| text.contains("rel=\"next\""))
            .and_then(|before| before.rsplit("href=\"").next().map(|h| h.trim_end_matches(['"', ' ']).to_owned()));
    }
    assert_eq!((rows, pages), (1710, 18));
    // With no period given, the page shows the current month.
    let month = chrono::Utc::now().date_naive().format("%Y-%m-01").to_string();
    let page = c.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&format!("value=\"{month}\"")), "default period");
    // The CLI runs against a file: on PostgreSQL this test covers the report in-process only.
    let Some(url) = app.database_url() else {
        let jiafu = hearth_core::reports::ReportQuery {
            communities: vec!["jiafu".into()],
            from: Some("2016-03-01".into()),
            to: Some("2016-03-31".into()),
            outside: false,
        };
        let r = hearth_core::reports::build(&app.store, &Actor::system(), &jiafu).await.unwrap();
        let v = hearth_web::export::report_json(&r);
        assert_eq!(v["indicators"][0]["value"], 1710);
        return;
    };
    let out = hearth(&url, &["--community", "jiafu", "--from", "2016-03-01", "--to", "2016-03-31", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["community"], "jiafu");
    assert_eq!(json["from"], "2016-03-01");
    assert_eq!(json["to"], "2016-03-31");
    let value = |k: &str| json["indicators"].as_array().unwrap().iter().find(|f| f["key"] == k).unwrap().clone();
    assert_eq!(value("households")["value"], 1710);
    assert_eq!(value("residents")["value"], 4815);
    assert_eq!(value("households")["unit"], "count");
    assert_eq!(value("households")["dims"], serde_json::json!({}));
    assert!(value("households")["value"].is_i64());

    let text = hearth(&url, &["--community", "jiafu", "--from", "2016-03-01", "--to", "2016-03-31"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("1,710") && text.contains("4,815"), "{text}");

    let csv = hearth(&url, &["--community", "jiafu", "--from", "2016-03-01", "--to", "2016-03-31", "--format", "csv"]);
    assert_eq!(csv_figures(&csv.stdout), json_figures(&json));

    let file = std::env::temp_dir().join(format!("hearth-report-{}.xlsx", rand::random::<u64>()));
    let path = file.display().to_string();
    let args =
        ["--community", "jiafu", "--from", "2016-03-01", "--to", "2016-03-31", "--format", "xlsx", "--out", &path];
    let out = hearth(&url, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let figures = json_figures(&json);
    assert_eq!(xlsx_figures(bytes, &figures), figures);
}

#[tokio::test]
async fn hearth_report_names_the_bad_argument() {
    let app = spawn_app().await;
    app.community("north").await;
    let Some(url) = app.database_url() else { return };
    for (args, named) in [
        (vec!["--community", "north", "--from", "2016-13-01", "--to", "2016-03-31"], "--from"),
        (vec!["--community", "north", "--from", "2016-03-31", "--to", "2016-03-01"], "--to"),
        (vec!["--community", "nowhere", "--from", "2016-03-01", "--to", "2016-03-31"], "--community"),
        (vec!["--community", "north", "--from", "2016-03-01", "--to", "2016-03-31", "--format", "pdf"], "--format"),
        (vec!["--community", "north", "--from", "2016-03-01", "--to", "2016-03-31", "--format", "xlsx"], "--out"),
    ] {
        let out = hearth(&url, &args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
    }
}

/// Found on Chinese Windows: a CSV export opened as mojibake (no byte-order mark), and a
/// household code typed like a formula would run in the spreadsheet. Now text that starts
/// like a formula stays text, in CSV and XLSX, headers are in the worker's language, and
/// links are absolute.
#[tokio::test]
async fn exports_open_in_excel_and_never_run_a_formula() {
    let app = spawn_app().await;
    app.community("north").await;
    let codes = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "@SUM(A1)", "-3", "A-1"];
    for code in codes {
        hh(&app, "north", code, "2016-01-10", None, 0).await;
    }
    let mut c = app.login_as("coord", "coordinator", &["north"]).await;
    let path = "/reports/records.csv?key=households&community=north&from=2016-03-01&to=2016-03-31";
    let (status, bytes) = get_bytes(&app, &c, path).await;
    assert_eq!(status, StatusCode::OK);
    let body = bytes.strip_prefix("\u{FEFF}".as_bytes()).expect("a byte-order mark");
    let mut r = csv::Reader::from_reader(body);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Id", "Record", "Date", "Community", "Link", "Address"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), codes.len());
    for row in &rows {
        let label = &row[1];
        let bare = label.trim_start_matches('\'');
        assert!(codes.contains(&bare), "{label}");
        assert_eq!(label.starts_with('\''), bare.starts_with(['=', '+', '-', '@']), "{label}");
        assert!(row[4].starts_with(&format!("http://{HOST}/households/")), "absolute link: {}", &row[4]);
    }
    // The figures CSV in Chinese.
    c.cookies.insert("hearth_lang".into(), "zh-CN".into());
    let (_, bytes) = get_bytes(&app, &c, "/reports.csv?community=north&from=2016-03-01&to=2016-03-31").await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("\u{FEFF}键,指标,维度,数值,说明,单位,社区"), "{}", &text[..80.min(text.len())]);
}
