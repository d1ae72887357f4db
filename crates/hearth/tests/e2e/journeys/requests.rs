//! Service requests on a phone: a caseworker opens the same request for every household of
//! a building, finds them in the filtered list, resolves them all through the confirm step,
//! and reads the counts back from the page.

use crate::harness::{Browser, Res, bail};

pub async fn bulk_for_a_building(b: Browser) -> Res {
    b.login_as_new("caseworker-r", "caseworker", &["jiafu"]).await?;
    b.goto("/requests").await?;
    b.click("#bulk-link").await?;
    b.expect_path("/requests/bulk").await?;
    b.check("input[name=by][value=building]").await?;
    b.fill("#f-building", "3号楼").await?;
    b.fill("#f-kind", "internet").await?;
    b.fill("#f-description", "宽带开通 Internet line").await?;
    b.fill("#f-provider", "电信公司").await?;
    b.submit("#bulk-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("opening the requests failed: {errors:?}");
    }
    b.expect_path("/requests").await?;
    let opened = b.attr("#requests-count", "data-total").await?.unwrap_or_default();
    let resolvable = b.attr("#requests-count", "data-resolvable").await?.unwrap_or_default();
    if opened.parse::<u32>().unwrap_or(0) == 0 || opened != resolvable {
        bail!("the building's requests: {opened} listed, {resolvable} open");
    }
    b.fill("#f-note", "已全部开通 All connected").await?;
    b.submit("#resolve-form").await?;
    b.expect_text("#confirm-h", &opened).await?;
    b.submit("#confirm-form").await?;
    b.expect_text("#resolved-note", &opened).await?;
    b.expect_text("#requests-count", "0").await?;
    let left = b.attr("#requests-count", "data-resolvable").await?.unwrap_or_default();
    if left != "0" {
        bail!("{left} requests still open after resolving them all");
    }
    Ok(())
}
