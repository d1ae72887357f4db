//! The dashboard a coordinator opens every morning, on the demo community: the year's goals
//! with progress, this month against the last, twelve-month charts with their numbers, the
//! queues counted; screenshots at both sizes in both languages (each page is also checked:
//! axe, console, status, nothing wider than the screen).

use crate::harness::{Browser, Res, bail};

pub async fn charts_goals_and_queues(b: Browser) -> Res {
    b.login_as_new("coord-dash", "coordinator", &["jiafu"]).await?;
    b.goto("/dashboard?community=jiafu&month=2016-06").await?;
    // Jiafu's 2016 goals, as of the end of June.
    if b.texts("#dashboard-goals li.goal").await?.len() < 5 {
        bail!("the demo's five 2016 goals are not on the dashboard");
    }
    // A chart per headline figure, each with its numbers as a table.
    let charts = b.texts("#dashboard-trends figure.chart").await?.len();
    if charts < 8 {
        bail!("expected a chart per headline figure, found {charts}");
    }
    b.expect_text("#dashboard-figures tr[data-key='households'] .this-month", "1,710").await?;
    b.click("#chart-0 details summary").await?;
    b.expect_text("#chart-0 details table", "1,710").await?;
    // Each queue count opens its queue.
    b.click("#queue-follow-ups-open a").await?;
    b.expect_path("/follow-ups").await?;
    let dir = crate::harness::screenshot_dir().join("pages");
    for lang in ["en", "zh-CN"] {
        b.goto("/").await?;
        if lang != "en" {
            b.click(&format!("form[action='/lang'] button[value='{lang}']")).await?;
        }
        b.expect_lang(lang).await?;
        b.expect_text("#today-dashboard", "").await?;
        b.screenshot(&dir.join(format!("today-dashboard-{lang}-{}.png", b.size().label()))).await?;
        b.goto("/dashboard?community=jiafu&month=2016-06").await?;
        b.screenshot(&dir.join(format!("dashboard-{lang}-{}.png", b.size().label()))).await?;
    }
    // The district table's columns sort (the coordinator has one community: no table).
    if b.exists("#district").await? {
        bail!("one community has no district table");
    }
    Ok(())
}
