//! The household registry: households, residents, consent, name search, access by role.

use crate::harness::{Browser, Res, bail};

const COMMUNITY: &str = "Jiafu Garden";
const SLUG: &str = "jiafu";

/// An admin creates a community through `/admin/communities/new`.
async fn create_community(b: &Browser, name: &str, slug: &str) -> Res {
    b.goto("/admin/communities/new").await?;
    b.fill("#f-name", name).await?;
    b.fill("#f-slug", slug).await?;
    b.fill("#f-address", "1 Jiafu Road").await?;
    b.fill("#f-established_on", "2016-05-01").await?;
    b.submit("main form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("creating community {slug} failed: {errors:?}");
    }
    b.expect_text("main", name).await
}

/// Fills and submits the household form; returns the new household's path (`/households/{id}`).
async fn create_household(b: &Browser, code: &str) -> Res<String> {
    b.goto("/households").await?;
    b.click("a[href='/households/new']").await?;
    b.fill("#f-community", SLUG).await?;
    b.fill("#f-code", code).await?;
    b.fill("#f-address", "Building 3, 1 Jiafu Road").await?;
    b.fill("#f-building", "3").await?;
    b.fill("#f-unit", "101").await?;
    b.fill("#f-phone", "+86 138 0000 0000").await?;
    b.fill("#f-moved_in_on", "2024-03-01").await?;
    b.submit("#household-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("creating household {code} failed: {errors:?}");
    }
    b.expect_text("h1", code).await?;
    let path = b.page_path().await?;
    let id = path.strip_prefix("/households/").unwrap_or_default();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        bail!("after creating a household, expected /households/{{id}}, got {path}");
    }
    Ok(path)
}

/// From the household page: add a member through its link, back on the household page after.
async fn add_resident(b: &Browser, household: &str, full_name: &str, sex: &str, birth_date: &str) -> Res {
    b.goto(household).await?;
    b.click(&format!("a[href='{household}/residents/new']")).await?;
    b.fill("#f-full_name", full_name).await?;
    b.fill("#f-sex", sex).await?;
    b.fill("#f-birth_date", birth_date).await?;
    b.fill("#f-languages_spoken", "Mandarin").await?;
    b.submit("#resident-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("adding resident {full_name} failed: {errors:?}");
    }
    b.expect_path(household).await?;
    b.expect_text("#members", full_name).await
}

/// Admin, community, and household A-101 with 张伟 and Maria Silva; returns the household path.
async fn household_with_two_residents(b: &Browser) -> Res<String> {
    b.login_as_new("admin", "admin", &[]).await?;
    create_community(b, COMMUNITY, SLUG).await?;
    let household = create_household(b, "A-101").await?;
    add_resident(b, &household, "张伟", "male", "1985-04-12").await?;
    add_resident(b, &household, "Maria Silva", "female", "1990-09-30").await?;
    Ok(household)
}

/// A caseworker's core task: a new household, its two members, and their consent.
pub async fn household_with_residents(b: Browser) -> Res {
    let household = household_with_two_residents(&b).await?;
    b.goto(&household).await?;
    b.fill("#consent-form #f-given_by", "张伟").await?;
    b.fill("#consent-form #f-given_on", "2024-03-02").await?;
    b.check("#consent-form input[name=scope_services]").await?;
    b.check("#consent-form input[name=scope_contact]").await?;
    b.submit("#consent-form").await?;
    b.expect_path(&household).await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("recording consent failed: {errors:?}");
    }
    b.expect_text("#consent li", "2024-03-02").await?;
    b.expect_text("#members", "张伟").await?;
    b.expect_text("#members", "Maria Silva").await?;
    // The household is in the list, with its members.
    b.goto("/households?q=A-101").await?;
    b.expect_text("#results", "A-101").await?;
    b.goto(&household).await?;
    Ok(())
}

/// "zw" finds 张伟 by the initials of the pinyin; the result opens the resident's page.
pub async fn search_by_pinyin_initials(b: Browser) -> Res {
    household_with_two_residents(&b).await?;
    b.goto("/residents?q=zw").await?;
    b.expect_text("#results a[href^='/residents/']", "张伟").await?;
    b.expect_no_text("#results", "Maria Silva").await?;
    b.click_text("#results a[href^='/residents/']", "张伟").await?;
    b.expect_path_prefix("/residents/").await?;
    b.expect_text("h1", "张伟").await?;
    // And by typing into the search box (htmx updates the results in place).
    b.goto("/residents").await?;
    b.fill("#f-q", "maria").await?;
    b.expect_no_text("#results", "张伟").await?;
    b.expect_text("#results a[href^='/residents/']", "Maria Silva").await?;
    b.expect_path("/residents").await?;
    if b.path().await? != "/residents?q=maria" {
        bail!("the search is not in the address bar: {}", b.path().await?);
    }
    Ok(())
}

/// A bad phone number is named inline and nothing of the submission is saved, not even the
/// valid name change made with it.
pub async fn edit_with_bad_value(b: Browser) -> Res {
    household_with_two_residents(&b).await?;
    b.click_text("#members a[href^='/residents/']", "张伟").await?;
    let resident = b.path().await?;
    b.click(&format!("a[href='{resident}/edit']")).await?;
    b.fill("#f-full_name", "王芳").await?;
    b.fill("#f-phone", "call me maybe").await?;
    b.submit("#resident-form").await?;
    b.expect_status(422).await?;
    b.expect_text("#e-phone", "phone").await?;
    if b.attr("#f-phone", "aria-invalid").await?.as_deref() != Some("true") {
        bail!("the phone field is not marked aria-invalid");
    }
    // The form keeps what was typed, so it can be corrected.
    if b.value("#f-full_name").await? != "王芳" {
        bail!("the form lost the typed name");
    }
    b.goto(&resident).await?;
    b.expect_text("h1", "张伟").await?;
    b.expect_no_text("main", "call me maybe").await?;
    b.expect_no_text("main", "王芳").await?;
    // End on the form with the error, the screen this journey is about.
    b.goto(&format!("{resident}/edit")).await?;
    b.fill("#f-phone", "call me maybe").await?;
    b.submit("#resident-form").await?;
    b.expect_text("#e-phone", "phone").await?;
    Ok(())
}

/// A volunteer sees only households they are paired with; any other household is a 404 — the
/// same answer as for a household that does not exist.
pub async fn volunteer_cannot_open_unpaired_household(b: Browser) -> Res {
    b.login_as_new("admin", "admin", &[]).await?;
    create_community(&b, COMMUNITY, SLUG).await?;
    let household = create_household(&b, "B-202").await?;
    b.app().add_user("vera", "volunteer", &[SLUG]).await?;
    b.logout().await?;
    b.login("vera", crate::harness::PASSWORD).await?;
    b.goto(&household).await?;
    b.expect_status(404).await?;
    b.expect_text("h1", "Not found").await?;
    b.expect_no_text("main", "B-202").await?;
    Ok(())
}

/// Withdrawing consent asks once more, saying what happens; Cancel changes nothing, and
/// confirming records the withdrawal.
pub async fn withdraw_consent_through_the_confirm_step(b: Browser) -> Res {
    let household = household_with_two_residents(&b).await?;
    b.goto(&household).await?;
    b.fill("#consent-form #f-given_by", "张伟").await?;
    b.fill("#consent-form #f-given_on", "2024-03-02").await?;
    b.check("#consent-form input[name=scope_contact]").await?;
    b.submit("#consent-form").await?;
    b.expect_text("#consent li", "2024-03-02").await?;
    b.submit("form.withdraw").await?;
    b.expect_text("h1", "Withdraw this consent?").await?;
    b.expect_text("main", "cannot be undone").await?;
    b.click("#confirm-form a.button").await?;
    b.expect_path(&household).await?;
    b.expect_text("#consent", "In force").await?;
    b.submit("form.withdraw").await?;
    b.submit("#confirm-form").await?;
    b.expect_path(&household).await?;
    b.expect_text("#saved", "Saved").await?;
    b.expect_text("#consent", "Withdrawn on").await
}
