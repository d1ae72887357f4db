//! First-run setup, login, language, logout.

use crate::harness::{Browser, PASSWORD, Res};

const LOGOUT: &str = "form[action='/logout']";

/// The first administrator is created through the one-time link `serve` printed; the link
/// then no longer works.
pub async fn first_run_setup(b: Browser) -> Res {
    let url = b.app().setup_url.clone().ok_or("`hearth serve` printed no setup URL on a fresh database")?;
    b.goto(&url).await?;
    b.expect_text("h1", "Create the first administrator").await?;
    b.fill("#f-username", "admin").await?;
    b.fill("#f-new_password", PASSWORD).await?;
    b.fill("#f-confirm_password", PASSWORD).await?;
    b.submit("main form").await?;
    b.find(LOGOUT).await?;
    // One time only.
    b.goto(&url).await?;
    b.expect_status(404).await?;
    b.goto("/").await?;
    b.find(LOGOUT).await?;
    Ok(())
}

/// A wrong password gets a clear message and 401; the right one logs in.
pub async fn login(b: Browser) -> Res {
    b.app().add_user("amira", "admin", &[]).await?;
    b.goto("/login").await?;
    b.expect_text("h1", "Log in").await?;
    b.fill("#f-username", "amira").await?;
    b.fill("#f-password", "not the password at all").await?;
    b.submit("main form").await?;
    b.expect_status(401).await?;
    b.expect_text("[role=alert]", "Username or password is not right").await?;
    b.login("amira", PASSWORD).await?;
    Ok(())
}

/// 中文 and back with the header switch; the choice sticks across pages.
pub async fn switch_language(b: Browser) -> Res {
    b.login_as_new("lihua", "admin", &[]).await?;
    b.expect_lang("en").await?;
    b.expect_text(&format!("{LOGOUT} button"), "Log out").await?;
    b.click("form[action='/lang'] button[value='zh-CN']").await?;
    b.expect_lang("zh-CN").await?;
    b.expect_text(&format!("{LOGOUT} button"), "退出").await?;
    b.goto("/").await?;
    b.expect_lang("zh-CN").await?;
    b.click("form[action='/lang'] button[value='en']").await?;
    b.expect_lang("en").await?;
    b.expect_text(&format!("{LOGOUT} button"), "Log out").await?;
    Ok(())
}

/// After logging out, pages send you to the login page.
pub async fn logout(b: Browser) -> Res {
    b.login_as_new("sam", "admin", &[]).await?;
    b.logout().await?;
    b.expect_text("h1", "Log in").await?;
    b.goto("/").await?;
    b.expect_path("/login").await?;
    if b.exists(LOGOUT).await? {
        return Err("still logged in after logging out".into());
    }
    Ok(())
}
