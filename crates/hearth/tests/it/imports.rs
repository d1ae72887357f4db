//! Issue 17: spreadsheet import. Messy ledgers (mixed date shapes, full-width digits, a
//! missing field on row 37, a duplicate code, GBK and UTF-16 text, XLSX with a title row
//! and typed cells) give a report naming each bad row and field, and store nothing unless
//! every row is good (or the worker chose the valid rows only); importing the same file
//! again changes nothing; an import killed mid-way leaves the database as it was.

use std::sync::Arc;

use hearth_core::Actor;
use hearth_core::archive;
use hearth_core::entity::{household, resident};
use hearth_core::import::{self, Mode, Report, sheet::Source};
use hearth_web::i18n::AllLanguages;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::*;

async fn run(app: &TestApp, slug: &str, template: &str, bytes: &[u8], mode: Mode) -> Report {
    run_with_refused(app, slug, template, bytes, mode).await.0
}

/// An import as the command line runs it: the report and the refused rows.
async fn run_with_refused(
    app: &TestApp,
    slug: &str,
    template: &str,
    bytes: &[u8],
    mode: Mode,
) -> (Report, import::Rejected) {
    let community = import::community_for(&app.store, &Actor::system(), slug).await.unwrap();
    let t = import::template(template).unwrap();
    let source = Source::Bytes(Arc::new(bytes.to_vec()));
    import::run(
        &app.store,
        &Actor::system(),
        import::Job { community: &community, template: t, source: &source, columns: None, mode },
        &AllLanguages,
        &|_| {},
    )
    .await
    .unwrap()
}

async fn households_in(app: &TestApp, community: i64) -> u64 {
    household::Entity::find()
        .filter(household::Column::CommunityId.eq(community))
        .count(app.store.conn())
        .await
        .unwrap()
}

/// 40 households in the shapes a hand-kept ledger has: a title row, Chinese headers with
/// "(必填)", dates as 2016/3/4, 2016年3月4日, 04.03.2016, an Excel serial and ISO, full-width
/// digits, phone numbers with spaces and dashes, stray and non-breaking spaces.
fn ledger(missing_on_37: bool, duplicate: bool) -> String {
    let mut s = String::from("嘉福社区住户台账,,,,\n户号（必填）, 地址 ,楼栋,联系电话,入住日期\n");
    let dates = ["2016/3/4", "2016年3月5日", "06.03.2016", "42436", "2016-03-08", "２０１６－０３－０９"];
    for i in 1..=40u32 {
        let line = i + 2; // the spreadsheet row: after the title and header rows
        let code = if duplicate && i == 40 { "A-1".to_owned() } else { format!("A-{i}") };
        let address = if missing_on_37 && line == 37 { String::new() } else { format!("\u{a0}嘉福路{i}号 ") };
        let phone = match i % 3 {
            0 => format!("138 1234 {:04}", i),
            1 => format!("138-1234-{:04}", i),
            _ => format!("１３８１２３４{:04}", i),
        };
        s.push_str(&format!("{code},{address},{},{phone},{}\n", i % 5 + 1, dates[i as usize % dates.len()]));
    }
    s
}

#[tokio::test]
async fn a_messy_ledger_imports_with_every_shape_of_date_and_digit_read_right() {
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    let r = run(&app, "jiafu", "households", ledger(false, false).as_bytes(), Mode::AllOrNothing).await;
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.header_line, r.rows, r.new, r.rejected), (2, 40, 40, 0));
    assert!(r.committed);
    assert_eq!(households_in(&app, c.id).await, 40);
    let get = |code: &'static str| {
        let conn = app.store.conn().clone();
        async move {
            household::Entity::find()
                .filter(household::Column::CommunityId.eq(c.id))
                .filter(household::Column::Code.eq(code))
                .one(&conn)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let h1 = get("A-1").await; // 2016年3月5日 (i=1 → dates[1]), phone 138-1234-0001
    assert_eq!(h1.address, "嘉福路1号");
    assert_eq!(h1.moved_in_on, Some(d("2016-03-05")));
    assert_eq!(h1.phone.as_deref(), Some("13812340001"));
    assert_eq!(get("A-2").await.moved_in_on, Some(d("2016-03-06"))); // 06.03.2016, day first
    assert_eq!(get("A-3").await.moved_in_on, Some(d("2016-03-07"))); // Excel serial 42436
    assert_eq!(get("A-5").await.moved_in_on, Some(d("2016-03-09"))); // full-width digits
    assert_eq!(get("A-6").await.moved_in_on, Some(d("2016-03-04"))); // 2016/3/4
    assert_eq!(get("A-2").await.phone.as_deref(), Some("13812340002")); // full-width digits

    // Re-importing the same file changes nothing.
    let before = archive::checksums(&app.store).await.unwrap();
    let again = run(&app, "jiafu", "households", ledger(false, false).as_bytes(), Mode::AllOrNothing).await;
    assert_eq!((again.new, again.unchanged, again.rejected, again.committed), (0, 40, 0, false));
    let after = archive::checksums(&app.store).await.unwrap();
    assert_eq!(before, after, "not even an audit row: nothing happened");
}

#[tokio::test]
async fn bad_rows_are_named_by_row_and_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    let r = run(&app, "jiafu", "households", ledger(true, true).as_bytes(), Mode::AllOrNothing).await;
    assert!(!r.ok() && !r.committed);
    assert_eq!(r.rejected, 2, "{:?}", r.errors);
    let missing = r.errors.iter().find(|e| e.line == 37).expect("row 37 is reported");
    assert_eq!((missing.field.as_str(), missing.code.as_str()), ("address", "required"));
    assert_eq!(missing.column.as_deref(), Some(" 地址 "));
    let dup = r.errors.iter().find(|e| e.line == 42).expect("the repeated code is reported");
    assert_eq!(dup.code, "duplicate_in_file");
    assert_eq!(dup.arg, Some(3), "it names the row that has the code first");
    assert_eq!(households_in(&app, c.id).await, 0, "all or nothing: nothing");

    // A check stores nothing either, and says the same.
    let checked = run(&app, "jiafu", "households", ledger(true, true).as_bytes(), Mode::Check).await;
    assert_eq!(checked.errors, r.errors);
    assert_eq!(households_in(&app, c.id).await, 0);

    // On the explicit choice, the valid rows go in and the refused ones come back.
    let (valid, rejected) =
        run_with_refused(&app, "jiafu", "households", ledger(true, true).as_bytes(), Mode::ValidOnly).await;
    assert_eq!((valid.new, valid.rejected, valid.committed), (38, 2, true));
    assert_eq!(households_in(&app, c.id).await, 38);
    let text = String::from_utf8(rejected.into_bytes().unwrap()).unwrap();
    assert_eq!(text.lines().count(), 3, "header and the two refused rows: {text}");
    assert!(text.contains("address: required") && text.contains("duplicate_in_file"), "{text}");
}

#[tokio::test]
async fn encodings_a_chinese_desktop_saves_are_read_and_others_are_named() {
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    let csv = "户号,地址,入住日期\n3-2-401,嘉福路8号,2016/3/4\n3-2-402,嘉福路8号,2016/3/5\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    let r = run(&app, "jiafu", "households", &gbk, Mode::AllOrNothing).await;
    assert!(r.format.contains("GB18030"), "{}", r.format);
    assert_eq!(r.new, 2, "{r:?}");
    let h = household::Entity::find()
        .filter(household::Column::Code.eq("3-2-401"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.address, "嘉福路8号");

    // "Unicode text" from Excel: UTF-16 with a BOM, tab-separated.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("户号\t地址\r\n3-2-403\t嘉福路8号\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(run(&app, "jiafu", "households", &utf16, Mode::AllOrNothing).await.new, 1);

    let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode("Code,Address\nMüller,Köln Straße 1\n");
    let r = run(&app, "jiafu", "households", &latin1, Mode::AllOrNothing).await;
    assert_eq!(r.fatal.as_ref().map(|f| f.0.as_str()), Some("unknown_encoding"));
    assert!(r.fatal.as_ref().unwrap().1.contains("Latin-1"), "{:?}", r.fatal);

    for (bytes, code) in [(&b""[..], "empty_file"), (&b"\n\n"[..], "empty_file")] {
        let r = run(&app, "jiafu", "households", bytes, Mode::AllOrNothing).await;
        assert_eq!(r.fatal.map(|f| f.0), Some(code.to_owned()));
    }
    let wide = format!("{}\n", vec!["x"; 1_000_000].join(","));
    let r = run(&app, "jiafu", "households", wide.as_bytes(), Mode::AllOrNothing).await;
    assert_eq!(r.fatal.map(|f| f.0), Some("too_many_columns".to_owned()));
    // A 50 MB cell is refused on its row, not kept.
    let big = format!("户号,地址\n3-9-1,{}\n3-9-2,路\n", "长".repeat(50 * 1024 * 1024 / 3));
    let r = run(&app, "jiafu", "households", big.as_bytes(), Mode::AllOrNothing).await;
    assert_eq!(r.rejected, 1);
    assert_eq!((r.errors[0].line, r.errors[0].code.as_str()), (2, "too_long"));
    assert!(r.errors[0].value.chars().count() <= 100);
    assert_eq!(households_in(&app, c.id).await, 3, "only the good files stored anything");
}

#[tokio::test]
async fn an_xlsx_ledger_with_a_merged_title_and_typed_cells_imports() {
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    s.merge_range(0, 0, 0, 4, "嘉福社区住户台账 2016", &rust_xlsxwriter::Format::new()).unwrap();
    for (col, h) in ["户号", "地址", "单元", "电话", "入住时间"].iter().enumerate() {
        s.write_string(1, col as u16, *h).unwrap();
    }
    for i in 0..5u32 {
        let row = i + 2;
        s.write_string(row, 0, format!("5-1-{i}")).unwrap();
        s.write_string(row, 1, "嘉福路9号").unwrap();
        s.write_number(row, 2, f64::from(i + 1)).unwrap(); // a unit typed as a number
        s.write_number(row, 3, 13812345670.0 + f64::from(i)).unwrap(); // a phone Excel made a number
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2016, 3, 4 + i as u8).unwrap();
        s.write_datetime_with_format(row, 4, &d, &date).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let r = run(&app, "jiafu", "households", &bytes, Mode::AllOrNothing).await;
    assert_eq!(r.format, "XLSX");
    assert_eq!((r.header_line, r.new), (2, 5), "{r:?}");
    let h = household::Entity::find()
        .filter(household::Column::Code.eq("5-1-2"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (h.unit.as_deref(), h.phone.as_deref(), h.moved_in_on),
        (Some("3"), Some("13812345672"), Some(d("2016-03-06")))
    );
    assert_eq!(households_in(&app, c.id).await, 5);
}

#[tokio::test]
async fn residents_join_their_households_by_code_and_match_again_by_ledger_id() {
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    run(&app, "jiafu", "households", "户号,地址\n7-1-1,嘉福路7号\n7-1-2,嘉福路7号\n".as_bytes(), Mode::AllOrNothing)
        .await;
    let people = "户号,编号,姓名,性别,与户主关系,出生日期,文化程度\n\
                  7-1-1,P-1,张伟,男,户主,1980年5月1日,大学\n\
                  7-1-1,P-2,李娜,Female,配偶,1982/6/2,\n\
                  7-1-2,,王芳,女,户主,1990-01-01,高中\n\
                  9-9-9,P-4,赵强,男,户主,1970-01-01,\n";
    let r = run(&app, "jiafu", "residents", people.as_bytes(), Mode::Check).await;
    assert_eq!(r.rejected, 2, "{:?}", r.errors);
    assert!(r.errors.iter().any(|e| e.line == 2 && e.field == "education_level" && e.code == "not_a_choice"));
    assert!(r.errors.iter().any(|e| e.line == 5 && e.field == "household_code" && e.code == "unknown_household"));
    let fixed =
        people.replace(",大学\n", ",College or university\n").replace("9-9-9,P-4,赵强,男,户主,1970-01-01,\n", "");
    let r = run(&app, "jiafu", "residents", fixed.as_bytes(), Mode::AllOrNothing).await;
    assert_eq!((r.new, r.rejected), (3, 0), "{:?}", r.errors);
    let zhang = resident::Entity::find()
        .filter(resident::Column::ExternalId.eq("P-1"))
        .one(app.store.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (zhang.sex.as_deref(), zhang.relationship.as_deref(), zhang.birth_date, zhang.education_level.as_deref()),
        (Some("male"), Some("head"), Some(d("1980-05-01")), Some("tertiary"))
    );
    assert_eq!(zhang.community_id, c.id);
    let again = run(&app, "jiafu", "residents", fixed.as_bytes(), Mode::AllOrNothing).await;
    assert_eq!((again.new, again.unchanged), (0, 3));
    // A changed row for the same person is refused, not silently written over.
    let changed = fixed.replace("张伟,男", "张伟,女");
    let r = run(&app, "jiafu", "residents", changed.as_bytes(), Mode::AllOrNothing).await;
    assert_eq!(r.rejected, 1);
    assert_eq!(r.errors[0].code, "exists_differs");
    // Searchable by name at once: the import wrote the search terms.
    use sea_orm::ConnectionTrait;
    let terms = app
        .store
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            app.store.backend(),
            format!("SELECT COUNT(*) FROM resident_search_terms WHERE resident_id = {}", zhang.id),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert!(terms > 0);
}

#[tokio::test]
async fn the_cli_checks_with_dry_run_and_an_import_killed_halfway_leaves_the_database_as_it_was() {
    let app = spawn_app().await;
    let url = app.database_url().unwrap();
    app.community("big").await;
    let dir = std::env::temp_dir().join(format!("hearth-import-kill-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = dir.join("small.csv");
    std::fs::write(&small, ledger(true, false)).unwrap();
    let out = hearth_cli()
        .args([
            "--database-url",
            &url,
            "import",
            "households",
            &small.display().to_string(),
            "--community",
            "big",
            "--dry-run",
            "--lang",
            "zh-CN",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("第 37 行") && stdout.contains("地址"), "{stdout}");
    assert!(stdout.contains("仅检查"), "{stdout}");

    // A file big enough to be killed in the middle of.
    let big = dir.join("big.csv");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        writeln!(f, "户号,地址,电话,入住日期").unwrap();
        for i in 0..200_000 {
            writeln!(f, "K-{i},嘉福路{}号,138{:08},2016-03-{:02}", i % 500, i, i % 28 + 1).unwrap();
        }
    }
    let before = archive::checksums(&app.store).await.unwrap();
    let mut child = hearth_cli()
        .args(["--database-url", &url, "import", "households", &big.display().to_string(), "--community", "big"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first progress lines (rows are being written), then SIGKILL.
    let mut err = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    while !seen.contains("000 rows") {
        let n = std::io::Read::read(&mut err, &mut buf).unwrap();
        assert!(n > 0, "the import ended before it could be killed: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let after = archive::checksums(&app.store).await.unwrap();
    assert_eq!(before, after, "a killed import leaves nothing behind");
    let _ = std::fs::remove_dir_all(&dir);
}

fn upload_request(
    token: &str,
    community: &str,
    template: &str,
    name: &str,
    bytes: &[u8],
) -> axum::http::Request<axum::body::Body> {
    let boundary = "hearthImportBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"template\"\r\n\r\n{template}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"community\"\r\n\r\n{community}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    axum::http::Request::builder()
        .method("POST")
        .uri("/imports")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn on_the_page_a_worker_uploads_fixes_a_column_sees_the_bad_rows_and_imports() {
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    let mut web = app.login_as("importer", "caseworker", &["jiafu"]).await;
    // A header hearth cannot guess ("门牌" is not a name of any field) and a bad date.
    let file = "门牌,地址,入住日期\nB-1,嘉福路2号,2016/3/4\nB-2,嘉福路2号,2016-02-30\nB-3,嘉福路2号,\n";
    let token = web.csrf().await;
    let res = web.send(upload_request(&token, "jiafu", "households", "台账.csv", file.as_bytes())).await;
    assert_eq!(res.status, 303, "{}", res.text);
    let page_url = res.location();
    let page = web.get(&page_url).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"mapping-form\"") && page.text.contains("B-1"), "the first rows and the mapping");
    let id = page_url.rsplit('/').next().unwrap().to_owned();
    // Checking without the code column reports it missing and stores nothing.
    let res = web.post_form(&format!("/imports/{id}/check"), &[]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    let page = web.get(&page_url).await;
    assert!(page.text.contains("no column for"), "{}", page.text);
    // The worker maps the first column to the code and checks again: row 3 has a day that
    // does not exist; nothing can be imported all at once.
    let res = web
        .post_form(
            &format!("/imports/{id}/check"),
            &[("column-0", "code"), ("column-1", "address"), ("column-2", "moved_in_on")],
        )
        .await;
    assert_eq!(res.status, 303);
    let page = web.get(&page_url).await;
    assert!(page.text.contains("data-line=\"3\"") && page.text.contains("There is no such day"), "{}", page.text);
    assert!(!page.text.contains("id=\"run-form\"") && page.text.contains("id=\"run-valid-form\""));
    // Mapping two columns to one field is refused by name.
    let res = web.post_form(&format!("/imports/{id}/check"), &[("column-0", "code"), ("column-1", "code")]).await;
    assert_eq!(res.status, 422);
    assert!(res.text.contains("id=\"e-column-1\""));
    // Only the valid rows, on explicit choice; the refused one comes back as a file.
    let res = web
        .post_form(
            &format!("/imports/{id}/check"),
            &[("column-0", "code"), ("column-1", "address"), ("column-2", "moved_in_on")],
        )
        .await;
    assert_eq!(res.status, 303);
    let res = web.post_form(&format!("/imports/{id}/run"), &[("valid_only", "1")]).await;
    assert_eq!(res.status, 303, "{}", res.text);
    // The import runs in the background; the progress fragment ends with the outcome.
    let mut done = false;
    for _ in 0..200 {
        let p = web.get(&format!("/imports/{id}/progress")).await;
        if p.text.contains("import-see-outcome") || !p.text.contains("hx-trigger") {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(done);
    let page = web.get(&page_url).await;
    assert!(page.text.contains("data-status=\"done\""), "{}", page.text);
    assert_eq!(households_in(&app, c.id).await, 2);
    let refused = web.get(&format!("/imports/{id}/rejected.csv")).await;
    assert_eq!(refused.status, 200);
    assert!(refused.text.contains("B-2") && !refused.text.contains("B-1"), "{}", refused.text);
    // A second start is refused.
    assert_eq!(web.post_form(&format!("/imports/{id}/run"), &[]).await.status, 409);
    // Blank templates, bilingual.
    let t = web.get("/imports/templates/households.csv").await;
    assert!(t.text.contains("户号") && t.text.contains("Household code"), "{}", t.text);
    let x = web.get("/imports/templates/residents.xlsx").await;
    assert_eq!(x.status, 200);
    // Someone from another community cannot see the upload.
    app.community("elsewhere").await;
    let mut other = app.login_as("elsewhere", "caseworker", &["elsewhere"]).await;
    assert_eq!(other.get(&page_url).await.status, 404);
}

#[tokio::test]
async fn the_household_list_downloads_as_xlsx_with_its_filters_bilingual_headers_and_text_cells() {
    use calamine::Reader;
    let app = spawn_app().await;
    app.community("jiafu").await;
    app.community("other").await;
    let file = "户号,地址,楼栋\n=1+1,嘉福路1号,3\n@SUM(A1),嘉福路1号,3\nC-3,嘉福路1号,4\n";
    run(&app, "jiafu", "households", file.as_bytes(), Mode::AllOrNothing).await;
    run(&app, "other", "households", "户号,地址\nO-1,别处\n".as_bytes(), Mode::AllOrNothing).await;
    let mut web = app.login_as("lister", "caseworker", &["jiafu", "other"]).await;
    let page = web.get("/households?community=jiafu&building=3").await;
    assert!(page.text.contains("href=\"/households.xlsx?q=&#38;community=jiafu&#38;building=3\""), "{}", page.text);
    let res = web.get("/households.xlsx?q=&community=jiafu&building=3").await;
    assert_eq!(res.status, 200);
    let bytes = res.bytes.clone();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "Household code / 户号");
    assert_eq!(rows.len(), 3, "the filters hold: building 3 of jiafu only: {rows:?}");
    let codes: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(codes.contains(&"=1+1") && codes.contains(&"@SUM(A1)"), "{codes:?}");
    // Text, not formulas: the workbook holds no formula at all.
    let formulas = book.worksheet_formula("Households 住户").unwrap();
    assert!(formulas.cells().all(|(_, _, f)| f.is_empty()));
}

/// Pressing "import" in two tabs (or on two instances) at once imports the file once.
#[tokio::test]
async fn an_upload_is_imported_once_however_many_press_import_at_once() {
    use hearth_core::import::uploads;
    static NAMES: AllLanguages = AllLanguages;
    let app = spawn_app().await;
    let c = app.community("jiafu").await;
    let user = app.user("presser", "caseworker", &["jiafu"]).await;
    let actor = Actor {
        user_id: Some(user.id),
        username: "presser".into(),
        role: hearth_core::Role::Caseworker,
        scope: hearth_core::Scope::Communities(vec![c.id]),
        via_token: None,
    };
    let row =
        uploads::create(&app.store, &actor, "jiafu", "households", "ledger.csv", ledger(false, false).into_bytes())
            .await
            .unwrap();
    // Not before it is checked.
    assert!(matches!(
        uploads::start(&app.store, &actor, row.id, false, &NAMES).await,
        Err(hearth_core::CoreError::Conflict { code: "import_not_checked", .. })
    ));
    uploads::check(&app.store, &actor, row.id, None, &NAMES).await.unwrap();
    let (a, b, d) = tokio::join!(
        uploads::start(&app.store, &actor, row.id, false, &NAMES),
        uploads::start(&app.store, &actor, row.id, false, &NAMES),
        uploads::start(&app.store, &actor, row.id, false, &NAMES),
    );
    assert_eq!([a.is_ok(), b.is_ok(), d.is_ok()].iter().filter(|ok| **ok).count(), 1);
    let mut done = false;
    for _ in 0..500 {
        if uploads::load(&app.store, &actor, row.id).await.unwrap().0.status == uploads::DONE {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(done);
    assert_eq!(households_in(&app, c.id).await, 40);
    assert!(matches!(
        uploads::start(&app.store, &actor, row.id, false, &NAMES).await,
        Err(hearth_core::CoreError::Conflict { code: "import_started", .. })
    ));
}

/// The rows of an XLSX download's first sheet, as text.
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// Residents (a name search), the visit plan (a building) and a class's participants come
/// down as XLSX with the page's filters, every row and not one page, and bilingual headers.
#[tokio::test]
async fn residents_the_visit_plan_and_participants_download_as_xlsx_with_their_filters() {
    let app = spawn_app().await;
    app.community("north").await;
    let file = "户号,地址,楼栋\nX-1,嘉福路1号,3\nX-2,嘉福路2号,3\nX-3,嘉福路3号,4\n";
    run(&app, "north", "households", file.as_bytes(), Mode::AllOrNothing).await;
    let people = "户号,姓名,性别,出生日期\nX-1,张伟,男,1980-01-02\nX-2,张薇,女,1985-03-04\nX-3,李娜,女,1990-05-06\n";
    assert!(run(&app, "north", "residents", people.as_bytes(), Mode::AllOrNothing).await.committed);
    let mut web = app.login_as("lister", "caseworker", &["north"]).await;

    // Residents: the search's matches only (both 张), every one of them, choices named.
    let page = web.get("/residents?q=%E5%BC%A0").await;
    assert!(page.text.contains("href=\"/residents.xlsx?q=%E5%BC%A0\""), "{}", page.text);
    let res = web.get("/residents.xlsx?q=%E5%BC%A0").await;
    assert_eq!(res.status, 200, "{}", res.text);
    let rows = sheet_rows(&res.bytes);
    assert_eq!(rows[0][0], "Full name / 姓名");
    let mut names: Vec<(&str, &str, &str)> =
        rows[1..].iter().map(|r| (r[0].as_str(), r[1].as_str(), r[5].as_str())).collect();
    names.sort();
    assert_eq!(names, [("张伟", "X-1", "1980-01-02"), ("张薇", "X-2", "1985-03-04")]);
    assert!(rows[1..].iter().all(|r| r[3] == "Male" || r[3] == "Female"), "{rows:?}");

    // The visit plan: building 3, nobody visited yet; the page links to the same filters.
    let page = web.get("/visits/coverage?community=north&days=30&building=3").await;
    assert!(page.text.contains("/visits/plan.xlsx?community=north&#38;days=30&#38;building=3"), "{}", page.text);
    let res = web.get("/visits/plan.xlsx?community=north&days=30&building=3").await;
    assert_eq!(res.status, 200, "{}", res.text);
    let rows = sheet_rows(&res.bytes);
    assert_eq!(rows[0][0], "Household code / 户号");
    let mut codes: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    codes.sort();
    assert_eq!(codes, ["X-1", "X-2"]);
    assert_eq!(web.get("/visits/plan.xlsx?community=north&days=0").await.status, 400);

    // Participants of a class: who came, how often and for how long.
    let mut api = app.api_as("teacher", "coordinator", &["north"]).await;
    let program = api
        .json(
            "POST",
            "/api/v1/programs",
            &serde_json::json!({"community": "north", "name": "Chinese", "kind": "language",
                "starts_on": "2016-03-01", "ends_on": "2016-03-08",
                "schedule": [{"weekday": 2, "starts_at": "19:00", "duration_minutes": 90}]}),
        )
        .await;
    assert_eq!(program.status, 201, "{}", program.text);
    let program = program.json()["id"].as_i64().unwrap();
    let sessions = api.get(&format!("/api/v1/sessions?program_id={program}")).await.json();
    let zhang = resident::Entity::find().filter(resident::Column::FullName.eq("张伟")).one(app.store.conn()).await;
    let zhang = zhang.unwrap().unwrap().id;
    for s in sessions.as_array().unwrap() {
        let marks = serde_json::json!({"session_id": s["id"], "marks": [{"resident_id": zhang}]});
        assert_eq!(api.json("POST", "/api/v1/attendance", &marks).await.status, 200);
    }
    let page = web.get(&format!("/programs/{program}")).await;
    assert!(page.text.contains(&format!("/programs/{program}/participants.xlsx")), "{}", page.text);
    let res = web.get(&format!("/programs/{program}/participants.xlsx")).await;
    assert_eq!(res.status, 200, "{}", res.text);
    let rows = sheet_rows(&res.bytes);
    assert_eq!(rows[1..], [vec!["张伟".to_owned(), "X-1".into(), "2".into(), "3.0".into(), String::new()]]);
}
