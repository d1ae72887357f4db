//! The handbook on a phone: a coordinator changes a work procedure, sees the change in the
//! diff between the two versions (marked as added, in text as well as colour), and opens the
//! whole handbook as a booklet whose contents list it under its category; then the
//! categories, a partnership agreement, the two forms and the printable procedure at the same
//! size.

use crate::harness::{Browser, Res, bail};

pub async fn edit_procedure_diff_and_booklet(b: Browser) -> Res {
    b.login_as_new("coordinator2", "coordinator", &["jiafu"]).await?;
    b.goto("/handbook").await?;
    b.fill("#f-q", "入户走访").await?;
    b.submit("#handbook-search").await?;
    b.expect_text("#handbook-found", "One document found").await?;
    b.click("#group-procedures li a").await?;
    b.expect_text("#document-title", "入户走访工作规程").await?;
    let doc = b.page_path().await?;
    b.click("#document-edit").await?;
    let body = b.value("#f-body").await?;
    let added = "5. 走访结束后两个工作日内录入系统。 *Record the visit within two working days.*";
    b.fill("#f-body", &format!("{body}\n{added}")).await?;
    b.submit("#handbook-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("saving the procedure failed: {errors:?}");
    }
    b.expect_path(&doc).await?;
    b.expect_text("#document-body", "走访结束后两个工作日内录入系统").await?;
    // The demo's procedure had two versions; this save is the third.
    b.click("#document-history").await?;
    b.expect_text("#versions", "3").await?;
    b.fill("#f-from", "2").await?;
    b.fill("#f-to", "3").await?;
    b.submit("#compare-form").await?;
    b.expect_text("#diff .diff-added", "走访结束后两个工作日内录入系统").await?;
    b.expect_text("#diff-summary", "One line added").await?;
    let removed = b.texts("#diff .diff-removed").await?;
    if !removed.is_empty() {
        bail!("only a line was added, yet the diff removes {removed:?}");
    }
    // The booklet: its contents list every published document by category.
    b.goto("/handbook").await?;
    b.click("#handbook-booklet").await?;
    b.expect_path("/handbook/booklet").await?;
    let parts = b.texts("#toc .toc-part > a").await?;
    if parts != ["Team rules", "Administrative rules", "Work procedures"] {
        bail!("the contents' parts are {parts:?}");
    }
    let entries = b.texts("#toc .toc-docs li").await?;
    if entries.len() != 18 + 38 + 15 {
        bail!("the contents list {} documents, not 71", entries.len());
    }
    let procedures = b.texts("#toc .toc-part[data-category=procedures] li").await?;
    if !procedures.iter().any(|t| t.contains("入户走访工作规程")) {
        bail!("the procedure is not under its category: {procedures:?}");
    }
    b.expect_text("#toc", "值班制度").await?;
    // The other pages of the practice, at this size too: categories and partnership agreements.
    b.goto("/handbook/categories").await?;
    let name = b.value("#categories li[data-category=procedures] input[name=name_en]").await?;
    if name != "Work procedures" {
        bail!("the procedures' category is named {name:?}");
    }
    b.goto("/partnerships").await?;
    b.click("#partnerships li a").await?;
    b.expect_path_prefix("/partnerships/").await?;
    b.expect_text("#partnership", "芳草家园").await?;
    b.goto("/partnerships/new").await?;
    b.expect_text("#partnership-form", "Parties").await?;
    b.goto("/handbook/new").await?;
    b.expect_text("#handbook-form", "Category").await?;
    b.goto(&format!("{doc}/print")).await?;
    b.expect_text("#document", "入户走访工作规程").await
}
