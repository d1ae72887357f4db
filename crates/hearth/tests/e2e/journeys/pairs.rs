//! Pairing on a phone: a coordinator adds a volunteer as a helper and pairs them with a
//! household from its page; the volunteer signs in, finds the contact due on Today, records
//! it with a need found, and the pair is kept for the week while the need waits in their
//! follow-ups.

use crate::harness::{Browser, PASSWORD, Res, bail};

pub async fn pair_a_volunteer_who_records_a_contact(b: Browser) -> Res {
    b.app().add_user("helper-vol", "volunteer", &["jiafu"]).await?;
    b.login_as_new("coordinator4", "coordinator", &["jiafu"]).await?;
    b.goto("/helpers").await?;
    b.fill("#f-kind", "volunteer").await?;
    b.fill("#f-user_id", "helper-vol").await?;
    b.submit("#helper-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("adding the helper failed: {errors:?}");
    }
    b.expect_text("#helpers", "helper-vol").await?;
    b.goto("/households/2").await?;
    b.click("#today-pairs p.more a").await?;
    b.expect_path("/pairs/new").await?;
    b.fill("#f-helper_id", "helper-vol · Volunteer").await?;
    b.fill("#f-cadence", "weekly").await?;
    b.fill("#f-purpose", "每周电话问候 A weekly call").await?;
    b.submit("#pair-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("pairing failed: {errors:?}");
    }
    b.expect_path_prefix("/pairs/").await?;
    b.expect_text("#pair-standing", "due this week").await?;
    b.logout().await?;

    // The volunteer, on the phone.
    b.login("helper-vol", PASSWORD).await?;
    b.goto("/").await?;
    b.expect_text("#today-contacts-due", "due this week").await?;
    b.click("#today-contacts-due a.item-link").await?;
    b.expect_path_prefix("/pairs/").await?;
    b.check("#contact-form input[name=mode][value=visit]").await?;
    b.check("#contact-form input[name=reached][value=yes]").await?;
    b.fill("#f-note", "老人需要每月取药 The grandmother needs her medicine collected").await?;
    b.click("#contact-form details.need summary").await?;
    b.fill("#f-need_description", "每月帮忙取药 Collect the medicine each month").await?;
    b.fill("#f-need_category", "health").await?;
    b.submit("#contact-form").await?;
    let errors = b.texts("p.error").await?;
    if !errors.is_empty() {
        bail!("recording the contact failed: {errors:?}");
    }
    b.expect_text("#saved", "").await?;
    b.expect_text("#pair-standing", "contacted in this window").await?;
    b.expect_text("#pair-reached", "1").await?;
    b.expect_text("#contact-list", "The grandmother needs her medicine collected").await?;
    b.goto("/").await?;
    b.expect_text("#today-contacts-due", "Every pair of yours has been contacted").await?;
    b.goto("/follow-ups").await?;
    b.expect_text("main", "Collect the medicine each month").await
}
