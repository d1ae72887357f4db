//! Frozen monthly reports: a coordinator closes March through the confirm step, then resolves
//! a follow-up dated in March; the closed month shows "revised" with the exact difference,
//! and its frozen figure is still what it was.

use crate::harness::{Browser, Res, bail};

const SLUG: &str = "jiafu";

/// A community with one household that had a visit in March, which found one need.
async fn march_with_a_need(b: &Browser) -> Res<String> {
    b.login_as_new("admin-m", "admin", &[]).await?;
    b.goto("/admin/communities/new").await?;
    b.fill("#f-name", "Jiafu Garden").await?;
    b.fill("#f-slug", SLUG).await?;
    b.fill("#f-established_on", "2016-01-01").await?;
    b.submit("main form").await?;
    b.goto("/households/new").await?;
    b.fill("#f-community", SLUG).await?;
    b.fill("#f-code", "A-101").await?;
    b.fill("#f-address", "Building 3, 1 Jiafu Road").await?;
    b.fill("#f-moved_in_on", "2016-01-20").await?;
    b.submit("#household-form").await?;
    let household = b.page_path().await?;
    b.logout().await?;
    b.login_as_new("coord-m", "coordinator", &[SLUG]).await?;
    b.goto(&format!("{household}/visits/new")).await?;
    b.fill("#f-visited_on", "2016-03-04").await?;
    b.fill("[name='needs[0].description']", "Child needs a school place").await?;
    b.fill("[name='needs[0].category']", "schooling").await?;
    b.fill("[name='needs[0].due_on']", "2016-03-20").await?;
    b.submit("#visit-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("recording the visit failed: {errors:?}");
    }
    Ok(household)
}

pub async fn close_edit_and_see_revised(b: Browser) -> Res {
    let household = march_with_a_need(&b).await?;
    // Close March: asked once more, then the month's page, version 1, not revised.
    b.goto("/reports").await?;
    b.click("a[href='/reports/months']").await?;
    b.expect_path("/reports/months").await?;
    b.fill("#f-month", "2016-03").await?;
    b.submit("#close-form").await?;
    b.expect_text("#confirm-h", "2016-03").await?;
    b.submit("#confirm-form").await?;
    b.expect_path_prefix("/reports/months/jiafu/2016-03").await?;
    b.expect_text("#month-state", "Closed, version 1").await?;
    b.expect_text("#not-revised", "same").await?;
    b.expect_text("#version-header", "version 1 of 1").await?;
    let frozen_before = b.text("#figures tr[data-key=follow_ups_resolved] td.frozen").await?;

    // Resolve March's need, dated in March: an old record changed after the close.
    b.goto(&household).await?;
    b.click_text("a", "Child needs a school place").await?;
    b.fill("#f-status", "resolved").await?;
    b.fill("#f-note", "Place found at No. 2 Primary School").await?;
    b.fill("#f-resolved_on", "2016-03-18").await?;
    b.submit("#follow-up-form").await?;
    b.expect_text("#fu-status", "Resolved").await?;

    // The closed month now says "revised", with the exact difference per figure.
    b.goto("/reports/months?community=jiafu").await?;
    b.expect_text("#months tr[data-month='2016-03']", "revised").await?;
    b.click("#months a[href='/reports/months/jiafu/2016-03']").await?;
    b.expect_text("#month-state", "revised").await?;
    b.expect_text("#differences tr[data-key=follow_ups_resolved] td.frozen", "0").await?;
    b.expect_text("#differences tr[data-key=follow_ups_resolved] td.live", "1").await?;
    b.expect_text("#differences tr[data-key=follow_ups_resolved] td.difference", "+1").await?;
    b.expect_text("#changes", "Follow-up").await?;
    let frozen_after = b.text("#figures tr[data-key=follow_ups_resolved] td.frozen").await?;
    if frozen_before != frozen_after {
        bail!("the frozen figure changed: {frozen_before} → {frozen_after}");
    }
    let dir = crate::harness::screenshot_dir().join("pages");
    b.screenshot(&dir.join(format!("month-revised-en-{}.png", b.size().label()))).await?;
    // The print version says which version it is.
    b.goto("/reports/months/jiafu/2016-03/print").await?;
    b.expect_text("#version-header", "version 1 of 1").await?;
    Ok(())
}
