//! The handbook and partnership agreements: Markdown rendered inert, versions and their
//! diff, a stale edit refused with the input kept, printing one document and the booklet,
//! search in Chinese and English, an agreement's scan and its state, bad input refused with
//! the field named and nothing stored, figures with known answers, the demo's figures, and
//! who may do what.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hearth_core::Actor;
use hearth_core::indicators::{self, Scope};
use serde_json::{Value, json};

use crate::support::*;

async fn post(api: &mut TestClient, path: &str, body: Value) -> Value {
    let res = api.json("POST", path, &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{path}: {}", res.text);
    res.json()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn doc(api: &mut TestClient, category: &str, title: &str, body: &str, published: Option<&str>) -> i64 {
    id(&post(
        api,
        "/api/v1/handbook",
        json!({"community": "north", "category": category, "title": title, "body": body, "published_on": published}),
    )
    .await)
}

async fn figure(app: &TestApp, community: i64, from: &str, to: &str, key: &str) -> Option<f64> {
    let scope = Scope::new(vec![community], d(from), d(to)).unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&[key])).await.unwrap();
    f.iter().find(|x| x.key == key && x.dims.is_empty()).and_then(|x| x.value)
}

/// `handbook_documents` by category over a period.
async fn by_category(app: &TestApp, community: i64, from: &str, to: &str) -> BTreeMap<String, i64> {
    let scope = Scope::new(vec![community], d(from), d(to)).unwrap();
    let f = indicators::evaluate(&app.store, &scope, Some(&["handbook_documents"])).await.unwrap();
    f.iter()
        .filter(|x| x.key == "handbook_documents")
        .filter_map(|x| Some((x.dims.get("category")?.clone(), x.value? as i64)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

fn error_field(res: &TestResponse) -> Vec<String> {
    res.json()["error"]["fields"].as_object().map_or_else(Vec::new, |o| o.keys().cloned().collect())
}

#[tokio::test]
async fn markdown_is_rendered_inert() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut web = app.login_as("coord", "coordinator", &["north"]).await;
    let body = "# 值班制度\n\n**重要**：每天有人值班。\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n\
                [x](javascript:alert(1)) and [y](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n\n\
                <a href=\"javascript:alert(2)\">click</a> [ok](https://example.org/rules)\n";
    let res = web
        .post_form(
            "/handbook",
            &[
                ("community", "north"),
                ("category", "team_rules"),
                ("title", "值班制度"),
                ("body", body),
                ("published_on", "2016-03-01"),
                ("notice_board_shown", "1"),
                ("on_notice_board", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = web.get(&res.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.text.find("id=\"document-body\"").unwrap();
    let html = &page.text[start..start + page.text[start..].find("</article>").unwrap()];
    assert!(html.contains("<strong>重要</strong>"), "Markdown is rendered: {html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "no image element at all: {html}");
    // The text `onerror=` may be shown, but only as escaped text, never as an attribute.
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    assert!(!html.to_lowercase().contains("href=\"javascript:"), "{html}");
    assert!(!html.contains("href=\"data:"), "{html}");
    assert!(html.contains("href=\"https://example.org/rules\""), "{html}");
    assert!(page.text.contains(">On the notice board<"));
    // The API's rendering is the same.
    let mut api = app.api_as("coordapi", "coordinator", &["north"]).await;
    let list = api.get("/api/v1/handbook").await.json();
    let got = api.get(&format!("/api/v1/handbook/{}", list[0]["id"])).await.json();
    assert!(!got["html"].as_str().unwrap().contains("<script"));
    assert_eq!(got["body"].as_str().unwrap(), body.trim());
}

#[tokio::test]
async fn versions_keep_who_changed_what_and_any_two_can_be_compared() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let v1 = "## 步骤\n\n1. 登记\n2. 入户\n3. 回访\n";
    let id = doc(&mut api, "procedures", "入户走访工作规程", v1, Some("2016-01-05")).await;
    let patch = |body: &'static str, etag: String| {
        Request::builder()
            .method("PATCH")
            .uri(format!("/api/v1/handbook/{id}"))
            .header("content-type", "application/json")
            .header("if-match", etag)
            .body(Body::from(json!({ "body": body }).to_string()))
            .unwrap()
    };
    let etag = api.get(&format!("/api/v1/handbook/{id}")).await.header("etag").unwrap();
    // From a form, lines end in CRLF: stored as LF, so only the changed line differs.
    let res = api.send(patch("## 步骤\r\n\r\n1. 登记\r\n2. 两人入户\r\n3. 回访\r\n", etag.clone())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let etag2 = res.header("etag").unwrap();
    // The first ETag is stale now: 412, nothing saved.
    let res = api.send(patch("stale", etag)).await;
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED, "{}", res.text);
    let res = api.send(patch("## 步骤\n\n1. 登记\n2. 两人入户\n3. 回访\n4. 归档\n", etag2)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(res.json()["version_no"], 3);

    let versions = api.get(&format!("/api/v1/handbook/{id}/versions")).await.json();
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0]["version_no"], 3);
    assert!(versions.iter().all(|v| v["author"].is_string() && v["saved_at"].is_string()));
    assert_eq!(versions[2]["body"].as_str().unwrap().trim(), v1.trim());

    let diff = api.get(&format!("/api/v1/handbook/{id}/diff?from=1&to=3")).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.text);
    let lines = diff.json()["lines"].as_array().unwrap().clone();
    let changed: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["change"] != "same")
        .map(|l| (l["change"].as_str().unwrap().to_owned(), l["text"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        changed,
        vec![
            ("removed".to_owned(), "2. 入户".to_owned()),
            ("added".to_owned(), "2. 两人入户".to_owned()),
            ("added".to_owned(), "4. 归档".to_owned()),
        ]
    );
    let res = api.get(&format!("/api/v1/handbook/{id}/diff?from=1&to=9")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&res), vec!["to"]);

    // The pages: the history lists every version; the diff marks lines with text, not only colour.
    let mut web = app.login_as("coord2", "coordinator", &["north"]).await;
    let history = web.get(&format!("/handbook/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(history.text.matches("data-version=").count(), 3);
    let page = web.get(&format!("/handbook/{id}/diff?from=2&to=3")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<ins><span class=\"diff-mark\" aria-hidden=\"true\">+ </span>"), "{}", page.text);
    assert!(page.text.contains("4. 归档</ins>"));
    assert!(!page.text.contains("<del>"), "nothing removed between 2 and 3");
    let page = web.get(&format!("/handbook/{id}/diff?from=1&to=2")).await;
    assert!(page.text.contains("2. 入户</del>") && page.text.contains("2. 两人入户</ins>"));
}

#[tokio::test]
async fn a_stale_edit_is_refused_with_what_was_saved_shown_and_the_input_kept() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let id = doc(&mut api, "team_rules", "例会制度", "每周一上午开例会。", Some("2016-01-05")).await;
    let mut web = app.login_as("coord2", "coordinator", &["north"]).await;
    let form = web.get(&format!("/handbook/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    let fields = form_fields(&form.text, "handbook-form");
    let version = fields.iter().find(|(k, _)| k == "version").unwrap().1.clone();
    // Someone else saves first.
    let res = api.json("PATCH", &format!("/api/v1/handbook/{id}"), &json!({"body": "每周二上午开例会。"})).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = web
        .post_form(
            &format!("/handbook/{id}"),
            &[
                ("version", &version),
                ("category", "team_rules"),
                ("title", "例会制度"),
                ("body", "每周一下午开例会，全员参加。"),
                ("published_on", "2016-01-05"),
                ("notice_board_shown", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text);
    assert!(res.text.contains("每周一下午开例会，全员参加。"), "the input is kept");
    assert!(res.text.contains("id=\"saved-body\">每周二上午开例会。"), "what was saved is shown");
    let now = api.get(&format!("/api/v1/handbook/{id}")).await.json();
    assert_eq!(now["body"], "每周二上午开例会。");
    assert_eq!(now["version_no"], 2);
    // Saving again from that page keeps this user's text.
    let again = form_fields(&res.text, "handbook-form");
    let version = again.iter().find(|(k, _)| k == "version").unwrap().1.clone();
    let res = web
        .post_form(
            &format!("/handbook/{id}"),
            &[
                ("version", &version),
                ("category", "team_rules"),
                ("title", "例会制度"),
                ("body", "每周一下午开例会，全员参加。"),
                ("published_on", "2016-01-05"),
                ("notice_board_shown", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(api.get(&format!("/api/v1/handbook/{id}")).await.json()["version_no"], 3);
}

#[tokio::test]
async fn one_document_prints_and_the_booklet_lists_every_published_one_by_category() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let a = doc(&mut api, "team_rules", "值班制度", "每天有人值班。", Some("2016-01-05")).await;
    let b = doc(&mut api, "team_rules", "例会制度", "每周一开例会。", Some("2016-01-06")).await;
    let c = doc(&mut api, "admin_rules", "居民信息保密制度", "信息保密。", Some("2016-02-01")).await;
    let e = doc(&mut api, "procedures", "入户走访工作规程", "1. 登记", Some("2016-03-01")).await;
    let draft = doc(&mut api, "procedures", "草稿流程", "还没定。", None).await;
    let mut web = app.login_as("vol", "volunteer", &["north"]).await;
    let page = web.get(&format!("/handbook/{a}/print")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<h1>值班制度</h1>") && page.text.contains("data-print"));
    let booklet = web.get("/handbook/booklet").await;
    assert_eq!(booklet.status, StatusCode::OK, "{}", booklet.text);
    let toc_start = booklet.text.find("id=\"toc\"").unwrap();
    let toc = &booklet.text[toc_start..toc_start + booklet.text[toc_start..].find("</nav>").unwrap()];
    // Grouped by category in the categories' order, by title within one.
    let parts: Vec<&str> = toc.split("class=\"toc-part\"").skip(1).collect();
    assert_eq!(parts.len(), 3, "{toc}");
    assert!(parts[0].contains("data-category=\"team_rules\"") || toc.contains("data-category=\"team_rules\""));
    assert!(parts[0].contains(&format!("#doc-{b}")) && parts[0].contains(&format!("#doc-{a}")));
    assert!(parts[0].find("例会制度") < parts[0].find("值班制度"), "by title within a category");
    assert!(parts[1].contains(&format!("#doc-{c}")));
    assert!(parts[2].contains(&format!("#doc-{e}")));
    assert!(!booklet.text.contains(&format!("doc-{draft}")), "a draft is not in the booklet");
    for d in [a, b, c, e] {
        assert!(booklet.text.contains(&format!("<article class=\"handbook-doc\" id=\"doc-{d}\"")));
    }
}

#[tokio::test]
async fn search_finds_chinese_and_english_words() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let duty = doc(&mut api, "team_rules", "值班制度", "值班人员须按时到岗。", Some("2016-01-05")).await;
    let meet =
        doc(&mut api, "team_rules", "Weekly Meeting rules", "We meet on Monday; 100% attendance.", Some("2016-01-06"))
            .await;
    let other = doc(&mut api, "admin_rules", "档案管理制度", "档案按年归档。", Some("2016-01-07")).await;
    let found = |v: Value| -> Vec<i64> { v.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect() };
    assert_eq!(found(api.get(&format!("/api/v1/handbook?q={}", enc("值班"))).await.json()), vec![duty]);
    assert_eq!(found(api.get(&format!("/api/v1/handbook?q={}", enc("到岗"))).await.json()), vec![duty]);
    assert_eq!(found(api.get("/api/v1/handbook?q=MEETING").await.json()), vec![meet]);
    assert_eq!(found(api.get(&format!("/api/v1/handbook?q={}", enc("monday 100%"))).await.json()), vec![meet]);
    // A wildcard is itself: `%` alone matches only text with a percent sign.
    assert_eq!(found(api.get(&format!("/api/v1/handbook?q={}", enc("%"))).await.json()), vec![meet]);
    assert_eq!(found(api.get(&format!("/api/v1/handbook?q={}", enc("_"))).await.json()), Vec::<i64>::new());
    assert_eq!(found(api.get("/api/v1/handbook?category=admin_rules").await.json()), vec![other]);
    let mut web = app.login_as("caseworker1", "caseworker", &["north"]).await;
    let page = web.get(&format!("/handbook?q={}", enc("值班"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&format!("href=\"/handbook/{duty}\"")));
    assert!(!page.text.contains(&format!("href=\"/handbook/{other}\"")));
}

#[tokio::test]
async fn a_partnership_agreement_keeps_its_scan_and_knows_whether_it_is_in_force() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let old = post(
        &mut api,
        "/api/v1/partnerships",
        json!({"community": "north", "title": "活动场地共用协议", "parties": "佳福团队\n芳草家园 Fangcao Homes team",
               "signed_on": "2016-01-08", "valid_until": "2016-12-31"}),
    )
    .await;
    assert_eq!(old["state"], "expired");
    assert_eq!(old["parties"], json!(["佳福团队", "芳草家园 Fangcao Homes team"]));
    let p = post(
        &mut api,
        "/api/v1/partnerships",
        json!({"community": "north", "title": "值班互换协议", "parties": "王丽\n陈明", "signed_on": "2016-02-01"}),
    )
    .await;
    assert_eq!(p["state"], "in_force");
    let p = id(&p);
    let put = |bytes: Vec<u8>| {
        Request::builder()
            .method("PUT")
            .uri(format!("/api/v1/partnerships/{p}/scan?file_name={}", enc("../协议 scan.pdf")))
            .header("content-type", "application/pdf")
            .body(Body::from(bytes))
            .unwrap()
    };
    let res = api.send(put(b"MZ\x90\x00\x03 a renamed program".to_vec())).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert_eq!(error_field(&res), vec!["scan"]);
    assert!(api.get(&format!("/api/v1/partnerships/{p}")).await.json()["scan_type"].is_null());
    assert_eq!(api.get(&format!("/api/v1/partnerships/{p}/scan")).await.status, StatusCode::NOT_FOUND);
    let res = api.send(put(b"%PDF-1.4\n%%EOF\n".to_vec())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    let res = api.get(&format!("/api/v1/partnerships/{p}/scan")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-disposition").as_deref(), Some("attachment; filename=\"___scan.pdf\""));
    assert_eq!(res.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(res.header("content-type").as_deref(), Some("application/pdf"));

    // The page's upload form refuses a renamed program, naming the field.
    let mut web = app.login_as("coord2", "coordinator", &["north"]).await;
    let page = web.get(&format!("/partnerships/{p}")).await;
    assert!(page.text.contains("data-state=\"in_force\""));
    let token = web.csrf().await;
    let boundary = "XyZhearthBoundary";
    let multipart = |content: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"scan\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n{content}\r\n\
             --{boundary}--\r\n"
        )
    };
    let req = |body: String| {
        Request::builder()
            .method("POST")
            .uri(format!("/partnerships/{p}/scan"))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .header("origin", format!("http://{HOST}"))
            .body(Body::from(body))
            .unwrap()
    };
    let res = web.send(req(multipart("MZ\x00\x01not a pdf"))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.text);
    assert!(res.text.contains("id=\"e-scan\""));
    let res = web.send(req(multipart("%PDF-1.7\nhello"))).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let list = web.get("/partnerships").await;
    assert!(list.text.contains("data-state=\"expired\"") && list.text.contains("data-state=\"in_force\""));
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_nothing_stored() {
    let app = spawn_app().await;
    app.community("north").await;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"community": "north", "category": "team_rules", "body": "x"}), "title"),
        (json!({"community": "north", "category": "team_rules", "title": "t", "body": "  "}), "body"),
        (json!({"community": "north", "category": "recipes", "title": "t", "body": "x"}), "category"),
        (
            json!({"community": "north", "category": "team_rules", "title": "t", "body": "x", "published_on": "2016-02-30"}),
            "published_on",
        ),
        (json!({"community": "nowhere", "category": "team_rules", "title": "t", "body": "x"}), "community"),
        (json!({"category": "team_rules", "title": "t\u{202E}", "body": "x"}), "community"),
    ];
    for (body, field) in cases {
        let res = api.json("POST", "/api/v1/handbook", &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert!(error_field(&res).contains(&field.to_owned()), "{body}: {}", res.text);
    }
    let res = api
        .json("POST", "/api/v1/handbook", &json!({"community": "north", "title": "t", "body": "x", "colour": 1}))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused: {}", res.text);
    assert_eq!(api.get("/api/v1/handbook").await.json().as_array().unwrap().len(), 0);
    let p_cases: Vec<(Value, &str)> = vec![
        (json!({"community": "north", "title": "t", "signed_on": "2016-01-01"}), "parties"),
        (
            json!({"community": "north", "title": "t", "parties": "a", "signed_on": "2016-01-01", "valid_until": "2015-12-31"}),
            "valid_until",
        ),
        (json!({"community": "north", "parties": "a", "signed_on": "2016-01-01"}), "title"),
        (json!({"community": "north", "title": "t", "parties": "a"}), "signed_on"),
    ];
    for (body, field) in p_cases {
        let res = api.json("POST", "/api/v1/partnerships", &body).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.text);
        assert_eq!(error_field(&res), vec![field.to_owned()], "{body}");
    }
    assert_eq!(api.get("/api/v1/partnerships").await.json().as_array().unwrap().len(), 0);
    // A change that would be wrong is refused whole.
    let id = doc(&mut api, "team_rules", "值班制度", "x", None).await;
    let res = api.json("PATCH", &format!("/api/v1/handbook/{id}"), &json!({"title": "", "body": "changed"})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_field(&res), vec!["title"]);
    let now = api.get(&format!("/api/v1/handbook/{id}")).await.json();
    assert_eq!((now["body"].as_str(), now["version_no"].as_i64()), (Some("x"), Some(1)));
    // The page form names the field and keeps what was typed.
    let mut web = app.login_as("coord2", "coordinator", &["north"]).await;
    let res = web
        .post_form(
            "/handbook",
            &[("community", "north"), ("category", "team_rules"), ("title", ""), ("body", "我的正文")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-title\"") && res.text.contains("我的正文"));
    let res = web.post_form("/partnerships", &[("community", "north"), ("title", "协议"), ("parties", "")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-parties\"") && res.text.contains("id=\"e-signed_on\""));
    let res = web.post_form("/handbook/categories", &[("community", "north"), ("name_en", "Forms")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text.contains("id=\"e-name_zh\""));
    let res = web
        .post_form("/handbook/categories", &[("community", "north"), ("name_en", "Forms"), ("name_zh", "表格")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = web.get("/handbook/new").await;
    assert!(page.text.contains(">Forms<"), "a new category is offered");
}

/// North: documents published 2016-01-05 (team), 2016-02-10 (team), 2016-02-20 (admin),
/// 2016-04-02 (procedure) and one draft; agreements signed 2015-06-01 (until 2016-01-31),
/// 2016-02-15 (open-ended) and 2016-05-01 (until 2016-12-31).
#[tokio::test]
async fn handbook_figures_have_a_known_answer() {
    let app = spawn_app().await;
    let north = app.community("north").await.id;
    let mut api = app.api_as("coord", "coordinator", &["north"]).await;
    doc(&mut api, "team_rules", "A", "x", Some("2016-01-05")).await;
    doc(&mut api, "team_rules", "B", "x", Some("2016-02-10")).await;
    doc(&mut api, "admin_rules", "C", "x", Some("2016-02-20")).await;
    doc(&mut api, "procedures", "D", "x", Some("2016-04-02")).await;
    doc(&mut api, "procedures", "E", "x", None).await;
    for (signed, until) in
        [("2015-06-01", Some("2016-01-31")), ("2016-02-15", None), ("2016-05-01", Some("2016-12-31"))]
    {
        post(
            &mut api,
            "/api/v1/partnerships",
            json!({"community": "north", "title": "t", "parties": "a\nb", "signed_on": signed, "valid_until": until}),
        )
        .await;
    }
    let m = |pairs: &[(&str, i64)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>();
    assert_eq!(by_category(&app, north, "2016-01-01", "2016-01-31").await, m(&[("team_rules", 1)]));
    assert_eq!(by_category(&app, north, "2016-01-01", "2016-03-31").await, m(&[("admin_rules", 1), ("team_rules", 2)]));
    assert_eq!(
        by_category(&app, north, "2016-04-01", "2016-06-30").await,
        m(&[("admin_rules", 1), ("procedures", 1), ("team_rules", 2)])
    );
    let f = |from: &'static str, to: &'static str| figure(&app, north, from, to, "partnership_agreements");
    assert_eq!(f("2016-01-01", "2016-01-31").await, Some(1.0), "the first still holds on its last day");
    assert_eq!(f("2016-01-01", "2016-03-31").await, Some(1.0), "the first has expired");
    assert_eq!(f("2016-04-01", "2016-06-30").await, Some(2.0));
    assert_eq!(f("2017-01-01", "2017-03-31").await, Some(1.0));
    assert_eq!(f("2015-01-01", "2015-03-31").await, Some(0.0));
}

/// The demo's figures (shared/DEMO.md): Q1 2016.
#[tokio::test]
async fn the_demo_reproduces_its_handbook_figures() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let c = hearth_core::registry::communities::by_slug(&app.store, &Actor::system(), "jiafu").await.unwrap().id;
    let got = by_category(&app, c, "2016-01-01", "2016-03-31").await;
    let want: BTreeMap<String, i64> = [("admin_rules", 38), ("procedures", 15), ("team_rules", 18)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    assert_eq!(got, want);
    assert_eq!(figure(&app, c, "2016-01-01", "2016-03-31", "partnership_agreements").await, Some(9.0));
    // Two documents have more than one version, so history and diff show something.
    let mut api = app.api_as("coorddemo", "coordinator", &["jiafu"]).await;
    let duty = api.get(&format!("/api/v1/handbook?q={}", enc("值班制度"))).await.json();
    let duty = duty.as_array().unwrap().iter().find(|d| d["title"] == "值班制度").unwrap()["id"].as_i64().unwrap();
    let diff = api.get(&format!("/api/v1/handbook/{duty}/diff?from=1&to=2")).await.json();
    assert!(diff["lines"].as_array().unwrap().iter().any(|l| l["change"] == "added"));
}

#[tokio::test]
async fn who_may_read_and_write_the_handbook_and_agreements() {
    let app = spawn_app().await;
    two_communities(&app).await;
    let mut south = app.api_as("coordsouth", "coordinator", &["south"]).await;
    let sd = id(&post(
        &mut south,
        "/api/v1/handbook",
        json!({"community": "south", "category": "team_rules", "title": "South rule", "body": "x"}),
    )
    .await);
    let sp = id(&post(
        &mut south,
        "/api/v1/partnerships",
        json!({"community": "south", "title": "t", "parties": "a", "signed_on": "2016-01-01"}),
    )
    .await);
    let mut north = app.api_as("coordnorth", "coordinator", &["north"]).await;
    let nd = id(&post(
        &mut north,
        "/api/v1/handbook",
        json!({"community": "north", "category": "team_rules", "title": "North rule", "body": "x"}),
    )
    .await);
    // Another community's records do not exist for north.
    assert_eq!(north.get(&format!("/api/v1/handbook/{sd}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(north.get(&format!("/api/v1/partnerships/{sp}")).await.status, StatusCode::NOT_FOUND);
    let res = north.json("PATCH", &format!("/api/v1/handbook/{sd}"), &json!({"title": "mine"})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let titles: Vec<String> = north
        .get("/api/v1/handbook")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, vec!["North rule"]);
    // Viewers: 403; volunteers read the handbook but not agreements; caseworkers read both, change neither.
    let mut viewer = app.login_as("viewer", "viewer", &["north"]).await;
    assert_eq!(viewer.get("/handbook").await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.get(&format!("/handbook/{nd}")).await.status, StatusCode::FORBIDDEN);
    let mut vol = app.login_as("vol", "volunteer", &["north"]).await;
    assert_eq!(vol.get(&format!("/handbook/{nd}")).await.status, StatusCode::OK);
    assert_eq!(vol.get("/partnerships").await.status, StatusCode::FORBIDDEN);
    assert_eq!(vol.get(&format!("/handbook/{nd}/edit")).await.status, StatusCode::FORBIDDEN);
    let mut cw = app.api_as("caseworker1", "caseworker", &["north"]).await;
    assert_eq!(cw.get("/api/v1/partnerships").await.status, StatusCode::OK);
    let res = cw.json("PATCH", &format!("/api/v1/handbook/{nd}"), &json!({"title": "mine"})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = cw
        .json(
            "POST",
            "/api/v1/partnerships",
            &json!({"community": "north", "title": "t", "parties": "a", "signed_on": "2016-01-01"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The Today page shows this week's changes to those who read the handbook.
    let mut coord = app.login_as("coordweb", "coordinator", &["north"]).await;
    let today = coord.get("/").await;
    assert!(today.text.contains("id=\"today-handbook-changes\""), "{}", today.text);
    assert!(today.text.contains("North rule"));
    let today = viewer.get("/").await;
    assert!(!today.text.contains("today-handbook-changes"));
}
