//! Goals on a phone: a coordinator sets this year's goal for language-class person-times,
//! sees it at 0 and behind the line, takes a roll-call in a class meeting today, and sees
//! the goal's figure move; then opens the bilingual goal letter. The server runs with the
//! demo community (residents to enrol; its goals are 2016's, so this year starts empty).

use chrono::Datelike;

use crate::harness::{Browser, Res, bail};

/// A weekly language class meeting today's weekday, with two residents enrolled; returns
/// its page's path.
async fn class_meeting_today(b: &Browser) -> Res<String> {
    let today = chrono::Local::now().date_naive();
    b.goto("/programs/new").await?;
    b.fill("#f-name", "目标汉语班").await?;
    b.fill("#f-kind", "language").await?;
    b.fill("#f-location", "社区活动室").await?;
    b.fill("#f-starts_on", &(today - chrono::TimeDelta::days(7)).to_string()).await?;
    b.fill("#f-ends_on", &(today + chrono::TimeDelta::days(7)).to_string()).await?;
    b.check(&format!("input[name=slot_weekday][value='{}']", today.weekday().number_from_monday())).await?;
    b.fill("#f-slot_starts_at", "19:00").await?;
    b.fill("#f-slot_duration", "90").await?;
    b.submit("#program-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("creating the class failed: {errors:?}");
    }
    let program = b.page_path().await?;
    for q in ["zw", "li"] {
        b.goto(&program).await?;
        b.fill("#f-q", q).await?;
        b.submit("form[role=search]").await?;
        b.click("#found button.enrol").await?;
        b.expect_text("#enrolled", "").await?;
    }
    Ok(program)
}

pub async fn set_a_goal_and_see_progress_move(b: Browser) -> Res {
    b.login_as_new("coord-goals", "coordinator", &["jiafu"]).await?;
    let year = chrono::Local::now().date_naive().year();
    let program = class_meeting_today(&b).await?;

    b.goto("/goals").await?;
    b.click("#goal-new").await?;
    b.expect_path("/goals/new").await?;
    b.fill("#f-indicator", "person_times").await?;
    b.fill("[name='dims.program_kind']", "language").await?;
    b.fill("#f-target", "ten").await?;
    b.fill("#f-owner_user_id", "coord-goals").await?;
    b.submit("#goal-form").await?;
    // A target that is not a number is refused by name, and what was typed stays.
    b.expect_text("#e-target", "").await?;
    if b.value("#f-target").await? != "ten" {
        bail!("the refused target was not kept");
    }
    b.fill("#f-target", "10").await?;
    b.submit("#goal-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("setting the goal failed: {errors:?}");
    }
    b.expect_path("/goals").await?;
    b.expect_text("#goals .goal-actual", "0").await?;
    b.expect_text("#goals .goal-target", "10").await?;
    if b.attr("#goals li.goal", "data-status").await?.as_deref() != Some("behind") {
        bail!("a goal at 0 after 1 January is behind the line");
    }
    let dir = crate::harness::screenshot_dir().join("pages");
    b.screenshot(&dir.join(format!("goals-before-en-{}.png", b.size().label()))).await?;

    // The roll-call of today's session: one resident present.
    b.goto(&program).await?;
    let today = chrono::Local::now().date_naive().to_string();
    b.click_text("#sessions a", &today).await?;
    b.click("#roll li:nth-child(1) button.tap").await?;
    b.expect_text("#roll li:nth-child(1) .state", "Present").await?;

    b.goto(&format!("/goals?community=jiafu&year={year}")).await?;
    b.expect_text("#goals .goal-actual", "1").await?;
    b.expect_text("#goals .goal-pct", "10.0%").await?;
    b.screenshot(&dir.join(format!("goals-after-en-{}.png", b.size().label()))).await?;

    b.click("#goal-letter").await?;
    b.expect_text("h1", "Goal letter").await?;
    b.expect_text("h1", "目标责任书").await?;
    b.expect_text("#letter-goals", "coord-goals").await?;
    b.expect_text("#signatures", "队长").await?;
    b.screenshot(&dir.join(format!("goal-letter-{}.png", b.size().label()))).await
}
