//! Classes on a phone: create a weekly program and enrol residents found by pinyin; take a
//! session's roll-call with a reload in the middle and print its sign-in sheet; issue a
//! certificate and check it on the public `/verify` page. The server runs with the demo
//! community, so there are residents to enrol.

use chrono::Datelike;

use crate::harness::{Browser, Res, bail};

/// A weekly program meeting today's weekday, from a week ago to three weeks ahead, with a
/// one-hour certificate threshold; returns its page's path.
async fn weekly_program(b: &Browser, name: &str) -> Res<String> {
    b.login_as_new("admin", "admin", &[]).await?;
    b.goto("/programs").await?;
    b.click("a[href='/programs/new']").await?;
    b.expect_path("/programs/new").await?;
    let today = chrono::Local::now().date_naive();
    b.fill("#f-name", name).await?;
    b.fill("#f-kind", "language").await?;
    b.fill("#f-location", "社区活动室").await?;
    b.fill("#f-starts_on", &(today - chrono::TimeDelta::days(7)).to_string()).await?;
    b.fill("#f-ends_on", &(today + chrono::TimeDelta::days(21)).to_string()).await?;
    b.check(&format!("input[name=slot_weekday][value='{}']", today.weekday().number_from_monday())).await?;
    b.fill("#f-slot_starts_at", "19:00").await?;
    b.fill("#f-slot_duration", "120").await?;
    b.fill("#f-certificate_hours", "1").await?;
    b.submit("#program-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("creating the program failed: {errors:?}");
    }
    b.expect_text("#saved", "").await?;
    let sessions = b.texts("#sessions li").await?;
    if sessions.len() != 5 {
        bail!("a weekly program over five weeks plans five sessions; got {sessions:?}");
    }
    b.page_path().await
}

/// Enrols the first resident a pinyin search finds; returns nothing, checks the list.
async fn enrol_by_search(b: &Browser, program: &str, q: &str) -> Res {
    b.goto(program).await?;
    b.fill("#f-q", q).await?;
    b.submit("form[role=search]").await?;
    b.click("#found button.enrol").await?;
    b.expect_text("#enrolled", "").await
}

/// Creating a weekly program plans its sessions; residents found by pinyin are enrolled.
pub async fn create_weekly_program(b: Browser) -> Res {
    let p = weekly_program(&b, "周末汉语班").await?;
    enrol_by_search(&b, &p, "zw").await?;
    enrol_by_search(&b, &p, "li").await?;
    let enrolled = b.texts("#enrolled li").await?;
    if enrolled.len() != 2 {
        bail!("two residents enrolled, the list shows {enrolled:?}");
    }
    Ok(())
}

/// Today's session from the Today page; marks two residents, one before a reload and one
/// after; the marks stay. Returns the session's path.
async fn take_roll_call(b: &Browser, program: &str) -> Res<String> {
    enrol_by_search(b, program, "zw").await?;
    enrol_by_search(b, program, "li").await?;
    b.goto(program).await?;
    let today = chrono::Local::now().date_naive().to_string();
    b.click_text("#sessions a", &today).await?;
    let session = b.page_path().await?;
    if !session.starts_with("/sessions/") {
        bail!("today's session should open its roll-call, got {session}");
    }
    b.click("#roll li:nth-child(1) button.tap").await?;
    b.expect_text("#roll li:nth-child(1) .state", "Present").await?;
    // A reload in the middle: the first mark was saved by the tap itself.
    b.goto(&session).await?;
    b.expect_text("#roll li:nth-child(1) .state", "Present").await?;
    b.expect_text("#present-count", "1 present").await?;
    b.click("#roll li:nth-child(2) button.tap").await?;
    b.expect_text("#roll li:nth-child(2) .state", "Present").await?;
    // The count in the heading follows each tap without a reload.
    b.expect_text("#present-count", "2 present").await?;
    b.goto(&session).await?;
    b.expect_text("#present-count", "2 present").await?;
    let dir = crate::harness::screenshot_dir().join("pages");
    b.screenshot(&dir.join(format!("roll-call-en-{}.png", b.size().label()))).await?;
    Ok(session)
}

/// Roll-call on a phone with a reload in the middle, then the printable sign-in sheet.
pub async fn roll_call_with_reload(b: Browser) -> Res {
    let p = weekly_program(&b, "晚间汉语班").await?;
    let session = take_roll_call(&b, &p).await?;
    b.click(&format!("a[href='{session}/sheet']")).await?;
    b.expect_text("h1", "签到表").await?;
    b.expect_text("h1", "Sign-in sheet").await?;
    let rows = b.texts("#sheet tbody tr").await?;
    if rows.len() < 2 + 8 {
        bail!("the sheet lists the enrolled and blank lines for walk-ins; got {} rows", rows.len());
    }
    b.expect_text("button[data-print]", "").await
}

/// After a roll-call, a participant over the threshold gets a certificate; an employer
/// checks it on `/verify` without signing in.
pub async fn certificate_and_verify(b: Browser) -> Res {
    let p = weekly_program(&b, "汉语入门").await?;
    take_roll_call(&b, &p).await?;
    b.goto(&p).await?;
    b.click("#participants button.issue-certificate").await?;
    b.expect_path_prefix("/certificates/").await?;
    let number = b.text("#certificate-number").await?;
    let code = b.text("#certificate-code").await?;
    let holder = b.text(".holder").await?;
    b.expect_text("#certificate-hours", "2.0").await?;
    // The printed form has no menu: back to a page with one to sign out.
    b.goto(&p).await?;
    b.logout().await?;
    b.goto("/verify").await?;
    b.fill("#f-number", &number).await?;
    b.fill("#f-code", &code).await?;
    b.fill("#f-name", "Someone Else").await?;
    b.submit("#verify-form").await?;
    b.expect_text("#verify-answer", "No such certificate").await?;
    b.fill("#f-name", &holder).await?;
    b.submit("#verify-form").await?;
    b.expect_text("#verify-answer", "Valid certificate").await?;
    b.expect_text("#verify-answer", "汉语入门").await
}
