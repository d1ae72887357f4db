//! Issue 17: backups taken while the server writes restore whole; the export archive moves
//! a deployment between SQLite and PostgreSQL and back with every table equal; encrypted
//! archives hold no readable record; a restore never lands on a database in use.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use hearth_core::archive::{self, TableSum};
use hearth_core::registry::households;
use hearth_core::{Actor, Store};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::*;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hearth-backup-{name}-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    let out = hearth_cli().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "hearth {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn fails(args: &[&str]) -> String {
    let out = hearth_cli().args(args).output().unwrap();
    assert!(!out.status.success(), "hearth {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Every table but the audit log's, whose rows grow with each backup and restore (they are
/// audited) — those are compared apart.
fn records(sums: Vec<TableSum>) -> Vec<TableSum> {
    sums.into_iter().filter(|s| !s.name.starts_with("audit")).collect()
}

async fn sums_of(url: &str) -> Vec<TableSum> {
    let store = Store::connect(url).await.unwrap();
    archive::checksums(&store).await.unwrap()
}

fn rows(sums: &[TableSum], table: &str) -> u64 {
    sums.iter().find(|s| s.name == table).map(|s| s.rows).unwrap_or_else(|| panic!("no table {table}"))
}

/// A second empty database of the backend under test, migrated.
async fn another(app_like: &TestApp) -> TestApp {
    let _ = app_like;
    spawn_app().await
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_with_every_table_equal() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let url = app.database_url().unwrap();
    let before = archive::checksums(&app.store).await.unwrap();
    assert!(rows(&before, "households") > 1000, "the demo is loaded");
    let dir = scratch("restore");
    let file = dir.join(if app.store.backend() == DbBackend::Sqlite { "b.db" } else { "b.zip" });
    let file_arg = file.display().to_string();
    run(&["--database-url", &url, "backup", "--out", &file_arg]);
    assert!(!dir.join("b.db.partial").exists() && !dir.join("b.zip.partial").exists());
    // The same name again is refused: a backup never overwrites one.
    assert!(fails(&["--database-url", &url, "backup", "--out", &file_arg]).contains("already exists"));

    // Into a new SQLite data directory (a SQLite backup is copied; an archive is loaded).
    let data = dir.join("data");
    let data_arg = data.display().to_string();
    run(&["--data-dir", &data_arg, "restore", &file_arg]);
    let restored = sums_of(&sqlite_url(&data.join("hearth.db"))).await;
    assert_eq!(records(restored.clone()), records(before.clone()));
    // The backup's own audit entry came after its snapshot; the restore adds one.
    assert_eq!(rows(&restored, "audit_log"), rows(&before, "audit_log") + 1);
    let verify = run(&["--data-dir", &data_arg, "audit", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("audit chains intact"));

    // Into a new database of the backend under test (PostgreSQL: SQLite → PostgreSQL).
    let other = another(&app).await;
    let other_url = other.database_url().unwrap();
    run(&["--database-url", &other_url, "restore", &file_arg]);
    assert_eq!(records(archive::checksums(&other.store).await.unwrap()), records(before.clone()));
    let verify = run(&["--database-url", &other_url, "audit", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("audit chains intact"));
    // New records after a restore get new ids (PostgreSQL's sequences moved on).
    let north = other.community("after-restore").await;
    assert!(north.id > 1);
    other.household("after-restore", "R-1").await;

    // Never over a database in use.
    let again = fails(&["--database-url", &url, "restore", &file_arg]);
    assert!(again.contains("not empty") || again.contains("already holds a database"), "{again}");
    assert_eq!(records(archive::checksums(&app.store).await.unwrap()), records(before));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_backup_taken_under_write_load_restores_to_a_consistent_state() {
    let app = spawn_app().await;
    let url = app.database_url().unwrap();
    let community = app.community("load").await;
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (store, stop, written) = (app.store.clone(), stop.clone(), written.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                households::create(
                    &store,
                    &Actor::system(),
                    households::HouseholdInput {
                        community: Some("load".into()),
                        code: Some(format!("W{w}-{n}")),
                        address: Some("Building 9".into()),
                        moved_in_on: Some("2016-03-01".into()),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
                n += 1;
                written.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    while written.load(Ordering::Relaxed) < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let dir = scratch("load");
    let file = dir.join("under-load.bak");
    let file_arg = file.display().to_string();
    let backup_url = url.clone();
    let backup =
        tokio::task::spawn_blocking(move || run(&["--database-url", &backup_url, "backup", "--out", &file_arg]));
    backup.await.unwrap();
    let during = written.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(written.load(Ordering::Relaxed) > during || during >= 30, "writes went on during the backup");

    let data = dir.join("data");
    let data_arg = data.display().to_string();
    run(&["--data-dir", &data_arg, "restore", &file.display().to_string()]);
    let verify = run(&["--data-dir", &data_arg, "audit", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("audit chains intact"));
    // Every household in the copy has its creation in the copy's audit log, and no entry
    // names a household the copy lacks: one moment, not a torn mix.
    let restored = Store::connect(&sqlite_url(&data.join("hearth.db"))).await.unwrap();
    let count = |sql: &str| {
        let conn = restored.conn().clone();
        let sql = sql.to_owned();
        async move {
            let row = conn.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap().unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    let households = count(&format!("SELECT COUNT(*) FROM households WHERE community_id = {}", community.id)).await;
    let created = count(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'household' AND community_id = {}",
        community.id
    ))
    .await;
    assert!(households >= 30, "{households}");
    assert_eq!(households, created);
    let orphans = count("SELECT COUNT(*) FROM pragma_foreign_key_check").await;
    assert_eq!(orphans, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_export_moves_a_deployment_to_the_other_backend_and_back_with_every_table_equal() {
    // The first and last databases are SQLite files; the middle one is the backend under
    // test (PostgreSQL in the PostgreSQL run).
    let dir = scratch("move");
    let first = dir.join("first");
    let first_arg = first.display().to_string();
    run(&["--data-dir", &first_arg, "demo"]);
    let first_url = sqlite_url(&first.join("hearth.db"));
    let original = sums_of(&first_url).await;

    let phrase = dir.join("phrase");
    std::fs::write(&phrase, "correct horse battery staple\n").unwrap();
    let phrase_arg = phrase.display().to_string();
    let plain = dir.join("plain.zip");
    let sealed = dir.join("sealed.zip");
    run(&["--data-dir", &first_arg, "export", "--out", &plain.display().to_string()]);
    run(&[
        "--data-dir",
        &first_arg,
        "export",
        "--out",
        &sealed.display().to_string(),
        "--passphrase-file",
        &phrase_arg,
    ]);
    // A resident's name is in the plain archive's bytes and nowhere in the encrypted one.
    let name = {
        let store = Store::connect(&first_url).await.unwrap();
        let row = store
            .conn()
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT full_name FROM residents ORDER BY id LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    };
    let unzip_text = |file: &Path| {
        // Deflate hides plain text too; look inside the entries as a reader of the file would.
        let mut z = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
        let mut all = Vec::new();
        for i in 0..z.len() {
            if let Ok(mut f) = z.by_index(i) {
                std::io::Read::read_to_end(&mut f, &mut all).unwrap();
            }
        }
        all
    };
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(contains(&unzip_text(&plain), name.as_bytes()));
    assert!(unzip_text(&sealed).is_empty(), "no entry of the sealed archive opens without the passphrase");
    assert!(!contains(&std::fs::read(&sealed).unwrap(), name.as_bytes()));

    // Into the backend under test: the wrong passphrase and none are refused by name.
    let middle = spawn_app().await;
    let middle_url = middle.database_url().unwrap();
    let sealed_arg = sealed.display().to_string();
    assert!(fails(&["--database-url", &middle_url, "restore", &sealed_arg]).contains("encrypted"));
    let wrong = dir.join("wrong");
    std::fs::write(&wrong, "not the right passphrase\n").unwrap();
    let err = fails(&[
        "--database-url",
        &middle_url,
        "restore",
        &sealed_arg,
        "--passphrase-file",
        &wrong.display().to_string(),
    ]);
    assert!(err.contains("passphrase does not open"), "{err}");
    run(&["--database-url", &middle_url, "restore", &sealed_arg, "--passphrase-file", &phrase_arg]);
    assert_eq!(records(archive::checksums(&middle.store).await.unwrap()), records(original.clone()));

    // And back into a new SQLite file.
    let back = dir.join("back.zip");
    run(&["--database-url", &middle_url, "export", "--out", &back.display().to_string()]);
    let last = dir.join("last");
    let last_arg = last.display().to_string();
    run(&["--data-dir", &last_arg, "restore", &back.display().to_string()]);
    let returned = sums_of(&sqlite_url(&last.join("hearth.db"))).await;
    assert_eq!(records(returned.clone()), records(original.clone()));
    // The audit log came along whole: the original's entries, the sealed export's snapshot
    // holding the plain export's entry, then the first restore's and the way back's export.
    assert_eq!(rows(&returned, "audit_log"), rows(&original, "audit_log") + 3);
    let verify = run(&["--data-dir", &last_arg, "audit", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).contains("audit chains intact"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_damaged_archive_loads_nothing() {
    let dir = scratch("damaged");
    let src = dir.join("src");
    let src_arg = src.display().to_string();
    run(&["--data-dir", &src_arg, "demo"]);
    let good = dir.join("good.zip");
    run(&["--data-dir", &src_arg, "export", "--out", &good.display().to_string()]);
    // Rewrite one table's CSV with a changed cell; the manifest's checksum no longer holds.
    let bad = dir.join("bad.zip");
    {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
        let mut w = zip::ZipWriter::new(std::fs::File::create(&bad).unwrap());
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
            if name == "tables/residents.csv" {
                // One character more at the end of the first resident's row.
                let text = String::from_utf8(bytes).unwrap();
                let first_row_end = text.match_indices("\r\n").nth(1).unwrap().0;
                bytes = format!("{}x{}", &text[..first_row_end], &text[first_row_end..]).into_bytes();
            }
            w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, &bytes).unwrap();
        }
        w.finish().unwrap();
    }
    let target = spawn_app().await;
    let url = target.database_url().unwrap();
    let err = fails(&["--database-url", &url, "restore", &bad.display().to_string()]);
    assert!(err.contains("tables/residents.csv") && err.contains("checksum"), "{err}");
    let after = archive::checksums(&target.store).await.unwrap();
    assert_eq!(rows(&after, "communities"), 0);
    assert_eq!(rows(&after, "households"), 0);
    // Not an archive at all.
    let junk = dir.join("junk.bin");
    std::fs::write(&junk, b"hello").unwrap();
    assert!(fails(&["--database-url", &url, "restore", &junk.display().to_string()]).contains("neither"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn serve_makes_a_backup_at_start_and_keeps_the_newest_n() {
    let dir = scratch("serve");
    let data = dir.join("data");
    let backups = dir.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    for old in ["hearth-20200101-000000.db", "hearth-20200102-000000.db", "hearth-20200103-000000.db"] {
        std::fs::write(backups.join(old), b"old").unwrap();
    }
    std::fs::write(backups.join("notes.txt"), b"not a backup").unwrap();
    let mut child = hearth_cli()
        .args([
            "--data-dir",
            &data.display().to_string(),
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--backup-dir",
            &backups.display().to_string(),
            "--backup-keep",
            "2",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut names = Vec::new();
    for _ in 0..600 {
        names = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        names.sort();
        let old = names.iter().filter(|n| n.starts_with("hearth-2020")).count();
        let fresh = names.iter().filter(|n| n.starts_with("hearth-") && !n.starts_with("hearth-2020")).count();
        if old == 1 && fresh == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    // The newest old one, today's, and the file that is not a backup.
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"hearth-20200103-000000.db".to_owned()), "{names:?}");
    assert!(names.contains(&"notes.txt".to_owned()), "{names:?}");
    let fresh = names.iter().find(|n| n.starts_with("hearth-") && !n.starts_with("hearth-2020")).unwrap();
    assert!(std::fs::metadata(backups.join(fresh)).unwrap().len() > 1000);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of one file in an (unencrypted) archive.
fn entry(zip_bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.to_vec())).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut f, &mut text).unwrap();
    text
}

/// One community's archive from the admin page holds its records, its audit chain and the
/// accounts that worked on them — nothing of another community, no sign-in session or
/// token — and loads whole into an empty database (every foreign key, the chain verifies).
/// The passphrase is checked and never written back into the page; the export is audited.
#[tokio::test]
async fn a_community_export_from_the_admin_page_holds_that_community_only_and_loads_whole() {
    use hearth_core::entity::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = spawn_app().await;
    let north = app.community("north").await;
    app.community("south").await;
    let n = hh(&app, "north", "N-EXP-1", "2016-01-10", None, 2).await;
    let s = hh(&app, "south", "S-EXP-1", "2016-01-10", None, 1).await;
    let mut nw = app.api_as("northworker", "caseworker", &["north"]).await;
    let visit = serde_json::json!({"household_id": n, "visited_on": "2016-03-01", "purpose": "welcome"});
    assert_eq!(nw.json("POST", "/api/v1/visits", &visit).await.status, 201);
    let mut sw = app.api_as("southworker", "caseworker", &["south"]).await;
    let visit = serde_json::json!({"household_id": s, "visited_on": "2016-03-02", "purpose": "welcome"});
    assert_eq!(sw.json("POST", "/api/v1/visits", &visit).await.status, 201);

    let mut admin = app.login_as("exporter", "admin", &[]).await;
    let page = admin.get("/admin/export").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"export-form\"") && page.text.contains("value=\"north\""), "{}", page.text);
    let typed =
        [("community", "north"), ("passphrase", "correct horse battery"), ("passphrase_confirm", "correct horse")];
    let res = admin.post_form("/admin/export", &typed).await;
    assert_eq!(res.status, 422);
    assert!(res.text.contains("id=\"e-passphrase_confirm\"") && !res.text.contains("correct horse"), "{}", res.text);
    assert!(res.text.contains("<option value=\"north\" selected>"), "the choice is kept");
    let res = admin.post_form("/admin/export", &[("passphrase", "short"), ("passphrase_confirm", "short")]).await;
    assert_eq!(res.status, 422);
    assert!(res.text.contains("id=\"e-passphrase\""), "{}", res.text);
    let res = admin.post_form("/admin/export", &[("community", "nowhere")]).await;
    assert_eq!(res.status, 422);
    assert!(res.text.contains("id=\"e-community\""));

    let res = admin.post_form("/admin/export", &[("community", "north")]).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("content-type").as_deref(), Some("application/zip"));
    let zip = res.bytes.clone();
    let manifest: serde_json::Value = serde_json::from_str(&entry(&zip, "manifest.json")).unwrap();
    assert_eq!(manifest["community"], "north");
    let households = entry(&zip, "tables/households.csv");
    assert!(households.contains("N-EXP-1") && !households.contains("S-EXP-1"), "{households}");
    let residents = entry(&zip, "tables/residents.csv");
    assert!(residents.contains("居民N-EXP-1-1") && !residents.contains("居民S-EXP-1"), "{residents}");
    let users = entry(&zip, "tables/users.csv");
    assert!(users.contains("northworker") && !users.contains("southworker"), "{users}");
    for table in ["sessions", "api_tokens", "login_throttle"] {
        assert_eq!(entry(&zip, &format!("tables/{table}.csv")).lines().count(), 1, "{table}: only its header");
    }
    assert_eq!(entry(&zip, "tables/visit_visitors.csv").lines().count(), 2, "north's one visitor");

    // Into an empty database: all of it loads, and north's audit chain verifies there.
    let target = spawn_app().await;
    archive::load(&target.store, std::io::Cursor::new(zip), None, &|_, _| {}).await.unwrap();
    let loaded = hearth_core::entity::household::Entity::find()
        .filter(hearth_core::entity::household::Column::Code.eq("N-EXP-1"))
        .count(target.store.conn())
        .await
        .unwrap();
    assert_eq!(loaded, 1);
    let sums = archive::checksums(&target.store).await.unwrap();
    assert_eq!(rows(&sums, "communities"), 1);
    assert_eq!(rows(&sums, "visits"), 1);
    assert!(matches!(
        hearth_core::audit::verify(&target.store).await.unwrap(),
        hearth_core::audit::Verdict::Intact { .. }
    ));

    // The source's log has the export, under north, saying what it held.
    let exports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("export"))
        .filter(audit_log::Column::CommunityId.eq(north.id))
        .count(app.store.conn())
        .await
        .unwrap();
    assert_eq!(exports, 1);
}
