//! Moving in and residents' rights, on a phone and a desk: a coordinator uploads a household
//! ledger whose code column hearth cannot name, maps it, sees the row with an impossible
//! date, imports the valid rows and watches the progress bar; then gives a demo resident a
//! copy of their data and erases them through the confirm step. The server runs with the
//! demo community.

use crate::harness::{Browser, Res, bail};

/// A ledger of `rows` households with a header hearth cannot guess for the code ("门牌"),
/// and an impossible date on spreadsheet row 3.
fn ledger(rows: usize, tag: &str) -> Res<std::path::PathBuf> {
    let mut text = String::from("门牌,地址,入住日期\n");
    for i in 0..rows {
        let date = if i == 1 { "2016-02-30".to_owned() } else { format!("2016/3/{}", i % 28 + 1) };
        text.push_str(&format!("E{tag}-{i},嘉福路{}号,{date}\n", i % 50 + 1));
    }
    let path = std::env::temp_dir().join(format!("hearth-e2e-ledger-{tag}-{}.csv", std::process::id()));
    std::fs::write(&path, text)?;
    Ok(path)
}

pub async fn import_a_ledger_and_handle_a_residents_request(b: Browser) -> Res {
    b.login_as_new("coord-import", "coordinator", &["jiafu"]).await?;
    let tag = b.size().label().to_owned();
    let file = ledger(30_000, &tag)?;
    b.goto("/imports").await?;
    b.fill("#f-template", "households").await?;
    b.fill("#f-community", "jiafu").await?;
    b.upload("#f-file", &file).await?;
    b.submit("#upload-form").await?;
    b.expect_path_prefix("/imports/").await?;
    let upload = b.page_path().await?;
    b.expect_text("#preview", &format!("E{tag}-0")).await?;
    // The first column goes nowhere yet: the worker says it is the household code.
    if !b.value("#f-column-0").await?.is_empty() {
        bail!("an unknown header should not be mapped by itself");
    }
    b.fill("#f-column-0", "code").await?;
    b.submit("#mapping-form").await?;
    b.expect_text("#row-errors tr[data-line='3']", "There is no such day").await?;
    if b.exists("#run-form").await? {
        bail!("with a bad row, importing everything at once is not offered");
    }
    b.submit("#run-valid-form").await?;
    b.expect_path(&upload).await?;
    // The bar shows while it runs (30,000 rows take a moment), then the outcome.
    if b.exists("#progress-bar").await? {
        let shown = b.attr("#progress-bar", "max").await?;
        if shown.as_deref() != Some("100") {
            bail!("the progress bar has no scale");
        }
    }
    for _ in 0..600 {
        if b.exists("#upload-status[data-status='done']").await? {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if !b.exists("#progress").await? || b.exists("#progress a[href]").await? {
            b.goto(&upload).await?;
        }
    }
    b.expect_text("#import-summary", "29999 new").await?;
    b.expect_text("#rejected-link", "").await?;
    let _ = std::fs::remove_file(&file);

    // A demo resident asks for a copy of their data, then to be erased.
    b.goto("/residents/1").await?;
    let name = b.text("h1").await?;
    b.click("#resident-data-copy").await?;
    b.expect_path("/residents/1/data").await?;
    b.expect_text("#subject-resident", &name).await?;
    b.expect_text("#subject-trail", "coord-import").await?;
    b.goto("/residents/1").await?;
    b.click("#resident-erase").await?;
    b.expect_path("/residents/1/erase").await?;
    b.submit("#erase-form").await?;
    // No reason: refused by name, nothing erased.
    b.expect_text("#e-reason", "").await?;
    b.fill("#f-reason", "The resident's request of today").await?;
    b.submit("#erase-form").await?;
    b.expect_text("#confirm-h", "").await?;
    b.submit("#confirm-form").await?;
    b.expect_path("/residents/1").await?;
    b.expect_text("h1", "—").await?;
    b.expect_no_text("main", &name).await?;
    Ok(())
}

/// An admin on the export page: two passphrases that differ are refused by name and are
/// not written back into the page; the lists a worker downloads show their XLSX links.
pub async fn export_page_and_list_downloads(b: Browser) -> Res {
    b.login_as_new("admin-export", "admin", &["jiafu"]).await?;
    b.goto("/admin/export").await?;
    b.fill("#f-community", "jiafu").await?;
    b.fill("#f-passphrase", "a long enough passphrase").await?;
    b.fill("#f-passphrase_confirm", "another long passphrase").await?;
    b.submit("#export-form").await?;
    b.expect_text("#e-passphrase_confirm", "").await?;
    if !b.value("#f-passphrase").await?.is_empty() {
        bail!("a passphrase must never be written back into the page");
    }
    if b.value("#f-community").await? != "jiafu" {
        bail!("the community chosen is kept");
    }
    b.goto("/residents?q=zw").await?;
    b.expect_text("#residents-xlsx", "").await?;
    b.goto("/visits/coverage?community=jiafu").await?;
    b.expect_text("#plan-xlsx", "").await?;
    Ok(())
}
