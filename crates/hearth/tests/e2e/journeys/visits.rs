//! Visits and follow-ups: record a visit with two needs from the household page, resolve a
//! follow-up, and see it leave the overdue queue.

use crate::harness::{Browser, Res, bail};

const SLUG: &str = "jiafu";

/// Admin, community and one household; returns the household's path.
async fn household(b: &Browser) -> Res<String> {
    b.login_as_new("admin", "admin", &[]).await?;
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
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("creating the household failed: {errors:?}");
    }
    b.page_path().await
}

fn need(i: usize, field: &str) -> String {
    format!("[name='needs[{i}].{field}']")
}

/// From the household page: "Record visit", the date, two needs (the second added with
/// "Add another need"), save; back on the household page with both in its timeline.
async fn record_visit_with_two_needs(b: &Browser, household: &str, visited_on: &str, due: &str) -> Res {
    b.goto(household).await?;
    b.click("a.record-visit").await?;
    b.expect_path(&format!("{household}/visits/new")).await?;
    b.fill("#f-visited_on", visited_on).await?;
    b.fill(&need(0, "description"), "Child needs a school place").await?;
    b.fill(&need(0, "category"), "schooling").await?;
    b.fill(&need(0, "due_on"), due).await?;
    b.click("button.add-need").await?;
    // Added in place: the same document (no reload to the top), the cursor in the new need.
    let same = b.js("return window.__e2eBeforeClick === true && document.activeElement.name;").await?;
    if same != serde_json::json!("needs[1].description") {
        bail!("\"Add another need\" should add the fields in place and focus them; got {same}");
    }
    b.fill(&need(1, "description"), "Looking for work").await?;
    b.fill(&need(1, "category"), "jobs").await?;
    b.fill(&need(1, "due_on"), due).await?;
    b.submit("#visit-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("recording the visit failed: {errors:?}");
    }
    b.expect_path(household).await?;
    b.expect_text("#timeline", "Child needs a school place").await?;
    b.expect_text("#timeline", "Looking for work").await?;
    b.expect_text("#timeline", "Visit").await
}

/// A caseworker's round: a visit with two needs found, recorded on the spot.
pub async fn record_visit_with_two_needs_journey(b: Browser) -> Res {
    let h = household(&b).await?;
    record_visit_with_two_needs(&b, &h, "2016-03-04", "2016-03-20").await?;
    b.goto("/follow-ups").await?;
    b.expect_text("main", "Child needs a school place").await?;
    b.expect_text("main", "Looking for work").await?;
    b.expect_text("nav.nav", "My follow-ups (2)").await
}

/// Resolving a follow-up takes it out of the overdue queue (and the count in the menu).
pub async fn resolve_leaves_overdue_queue(b: Browser) -> Res {
    let h = household(&b).await?;
    record_visit_with_two_needs(&b, &h, "2016-03-04", "2016-03-20").await?;
    b.goto("/follow-ups?queue=overdue").await?;
    b.expect_text("nav.nav", "Overdue (2)").await?;
    b.click_text("a.fu-desc", "Child needs a school place").await?;
    b.fill("#f-status", "resolved").await?;
    b.fill("#f-resolved_on", "2016-03-18").await?;
    // Without a note it is refused, naming the field.
    b.submit("#follow-up-form").await?;
    b.expect_text("p.error", "required").await?;
    b.fill("#f-status", "resolved").await?;
    b.fill("#f-note", "Place found at No. 2 Primary School").await?;
    b.fill("#f-resolved_on", "2016-03-18").await?;
    b.submit("#follow-up-form").await?;
    b.expect_text("#fu-status", "Resolved").await?;
    b.expect_text("main", "Place found at No. 2 Primary School").await?;
    b.goto("/follow-ups?queue=overdue").await?;
    b.expect_no_text("main", "Child needs a school place").await?;
    b.expect_text("main", "Looking for work").await?;
    b.expect_text("nav.nav", "Overdue (1)").await
}

/// A visit form left open past the session's idle limit (shortened to 10 s for this
/// journey), then saved: the worker signs in again and the visit is saved, notes intact.
pub async fn visit_saved_after_the_session_ended(b: Browser) -> Res {
    let h = household(&b).await?;
    b.goto(&format!("{h}/visits/new")).await?;
    // Left open, nothing typed (typing would keep the session alive), past the limit.
    tokio::time::sleep(std::time::Duration::from_secs(13)).await;
    let notes = "Grandmother needs a family doctor; typed before the session ended";
    b.fill("#f-visited_on", "2016-03-04").await?;
    b.fill("#f-notes", notes).await?;
    b.submit("#visit-form").await?;
    b.expect_text("#login-form", "").await?;
    b.expect_text("[role=alert]", "Nothing is lost").await?;
    b.fill("#f-username", "admin").await?;
    b.fill("#f-password", crate::harness::PASSWORD).await?;
    b.submit("#login-form").await?;
    b.expect_path(&h).await?;
    b.expect_text("#saved", "Saved").await?;
    b.click("#timeline li.ev-visit a").await?;
    b.expect_text("main", notes).await
}

/// After signing in, the worker's day: the overdue follow-up, the household to visit, the
/// visit just recorded; a tap on the follow-up opens it.
pub async fn today_after_login(b: Browser) -> Res {
    let h = household(&b).await?;
    record_visit_with_two_needs(&b, &h, "2016-03-04", "2016-03-20").await?;
    b.logout().await?;
    b.login("admin", crate::harness::PASSWORD).await?;
    b.expect_path("/").await?;
    b.expect_text("h1", "Today").await?;
    b.expect_text("#today-follow-ups", "Child needs a school place").await?;
    b.expect_text("#today-plan", "A-101").await?;
    b.expect_text("#today-recent", "A-101").await?;
    b.click_text("#today-follow-ups a", "Child needs a school place").await?;
    b.expect_path_prefix("/follow-ups/").await?;
    b.expect_text("h1", "Follow-up").await
}

/// Screenshots of a worker's main pages, in English and Chinese, at each size (360 px
/// wide on the phone), for people to look at: the Today page, a household's page with its
/// open follow-ups, and the visit plan. Each page is also checked (axe, console, status).
pub async fn screenshots_of_the_main_pages(b: Browser) -> Res {
    let h = household(&b).await?;
    record_visit_with_two_needs(&b, &h, "2016-03-04", "2016-03-20").await?;
    let dir = crate::harness::screenshot_dir().join("pages");
    for lang in ["en", "zh-CN"] {
        b.goto("/").await?;
        if lang != "en" {
            b.click(&format!("form[action='/lang'] button[value='{lang}']")).await?;
        }
        b.expect_lang(lang).await?;
        for (name, path) in
            [("today", "/".to_owned()), ("household", h.clone()), ("plan", "/visits/coverage#plan-h".to_owned())]
        {
            b.goto(&path).await?;
            b.screenshot(&dir.join(format!("{name}-{lang}-{}.png", b.size().label()))).await?;
        }
    }
    b.goto(&h).await?;
    b.expect_text("#today-open-follow-ups", "Child needs a school place").await
}
