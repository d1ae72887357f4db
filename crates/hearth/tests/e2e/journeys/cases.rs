//! A hardship case on a phone: open it from the household's page, record two donations, an
//! application for public relief and its approval, pay the family, print the receipt for
//! them to sign, and resolve the case once nothing is held.

use crate::harness::{Browser, Res, bail};

async fn record_money(b: &Browser, kind: &str, amount: &str, party: &str) -> Res {
    b.click("#money summary").await?;
    b.fill("#f-kind", kind).await?;
    b.fill("#f-amount", amount).await?;
    b.fill("#f-party", party).await?;
    if kind == "payment" {
        b.check("#money-form input[name=family_signed]").await?;
    }
    b.submit("#money-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("recording {kind} {amount} failed: {errors:?}");
    }
    b.expect_text("#saved", "").await
}

pub async fn open_to_resolved(b: Browser) -> Res {
    b.login_as_new("coordinator2", "coordinator", &["jiafu"]).await?;
    b.goto("/households/1").await?;
    b.click("#today-cases p.more a").await?;
    b.expect_path("/cases/new").await?;
    b.fill("#f-category", "illness").await?;
    b.fill("#f-summary", "儿子重病住院 The son is in hospital").await?;
    b.check("#f-resident_ids input[name=resident_ids]").await?;
    b.submit("#case-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("opening the case failed: {errors:?}");
    }
    b.expect_path_prefix("/cases/").await?;
    record_money(&b, "donation", "500", "3号楼邻居 Neighbours").await?;
    record_money(&b, "donation", "300.50", "王女士").await?;
    b.expect_text("#case-held", "¥800.50").await?;
    // A relief application, then its approval.
    b.click("section[aria-labelledby=relief-h] details summary").await?;
    b.fill("#f-scheme", "重特大疾病医疗救助").await?;
    b.fill("#f-agency", "区民政局").await?;
    b.fill("#f-requested", "2000").await?;
    b.submit("#relief-form").await?;
    b.expect_text("#relief li", "2,000.00").await?;
    b.check(".decide-form input[value=approved]").await?;
    b.fill(".decide-form input[name=approved]", "2000").await?;
    b.submit(".decide-form").await?;
    b.expect_text("#relief li .pill", "Approved").await?;
    // Pay the family everything held, and print the receipt for them to sign.
    record_money(&b, "payment", "800.50", "李梅（母亲）").await?;
    b.expect_text("#case-held", "¥0.00").await?;
    let case = b.page_path().await?;
    b.click("#ledger tr:last-child a.receipt-link").await?;
    b.expect_path_prefix("/ledger/").await?;
    b.expect_text("#receipt-amount", "¥800.50").await?;
    b.expect_text("#receipt", "Signed by the recipient").await?;
    b.goto(&case).await?;
    b.fill("#f-status", "resolved").await?;
    b.fill("#f-resolution_note", "治疗费用已解决 The treatment is paid for").await?;
    b.submit("#status-form").await?;
    b.expect_text("#case-status", "Resolved").await
}
