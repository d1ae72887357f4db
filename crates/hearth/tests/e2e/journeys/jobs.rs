//! Employment help on a phone: record a job fair and take its roll-call, refer a resident
//! who came, record the placement, and do its 3-month check-in from the Today page. The
//! server runs with the demo community (its partner employers and residents).

use crate::harness::{Browser, Res, bail};

/// The whole pipeline, from a fair about three months ago to the check-in now due.
pub async fn fair_to_check_in(b: Browser) -> Res {
    b.login_as_new("admin", "admin", &[]).await?;
    let fair_day = chrono::Local::now().date_naive() - chrono::TimeDelta::days(100);
    b.goto("/jobs").await?;
    b.click("a[href='/fairs']").await?;
    b.click("#new-fair summary").await?;
    b.fill("#f-held_on", &fair_day.to_string()).await?;
    b.fill("#f-place", "社区广场 Square").await?;
    b.check("#f-employer_ids input[name=employer_ids]").await?;
    b.submit("#fair-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("recording the fair failed: {errors:?}");
    }
    b.expect_text("#saved", "").await?;
    let fair = b.page_path().await?;
    // Who came: the same roll-call as a class, walk-ins found by pinyin initials.
    b.click("#fair-roll-call").await?;
    b.expect_path_prefix("/sessions/").await?;
    b.fill("#f-q", "zw").await?;
    b.submit("#walk-in").await?;
    b.click("#found button.mark-walk-in").await?;
    b.expect_text("#present-count", "1 present").await?;
    let name = b.text("#roll li:nth-child(1) .name").await?;
    b.goto(&fair).await?;
    b.expect_text("#fair-attendees", "1").await?;
    // Refer the resident who came to one of the openings presented.
    b.fill("#f-q", &name).await?;
    b.submit("form[role=search]").await?;
    b.check("#refer-form input[name=resident_id]").await?;
    b.fill("#f-referred_on", &(fair_day + chrono::TimeDelta::days(1)).to_string()).await?;
    b.submit("#refer-form").await?;
    b.expect_path_prefix("/referrals/").await?;
    b.expect_text("#saved", "").await?;
    // The placement, through the referral (its title comes from the opening).
    b.fill("#f-started_on", &(fair_day + chrono::TimeDelta::days(3)).to_string()).await?;
    b.submit("#placement-form").await?;
    b.expect_path_prefix("/placements/").await?;
    b.expect_text("li[data-months='3'] .state", "due").await?;
    // Its 3-month check-in is due: it is on the Today page.
    b.goto("/").await?;
    b.click_text("#today-check-ins-due a.item-link", &name).await?;
    b.expect_path_prefix("/placements/").await?;
    b.check("li[data-months='3'] input[value=still_employed]").await?;
    b.submit("li[data-months='3'] form.check-in-form").await?;
    b.expect_text("#saved", "").await?;
    b.expect_text("li[data-months='3'] .state", "Still employed").await?;
    b.goto("/").await?;
    let left = b.texts("#today-check-ins-due a.item-link").await?;
    if left.iter().any(|t| t.contains(&name) && t.contains("3-month")) {
        bail!("the recorded check-in is still listed as due: {left:?}");
    }
    Ok(())
}
