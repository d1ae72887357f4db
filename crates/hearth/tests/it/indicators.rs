//! The indicator catalogue against data with known answers.

use chrono::NaiveDate;
use hearth_core::indicators::{self, Scope};

use crate::support::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn the_demo_march_2016_report_has_the_published_registry_figures() {
    let app = spawn_app().await;
    hearth_core::demo::ensure(&app.store).await.unwrap();
    let jiafu =
        hearth_core::registry::communities::by_slug(&app.store, &hearth_core::Actor::system(), "jiafu").await.unwrap();
    let scope = Scope::new(vec![jiafu.id], d("2016-03-01"), d("2016-03-31")).unwrap();
    let figures = indicators::evaluate(&app.store, &scope, Some(&["households", "residents"])).await.unwrap();
    let value = |k: &str| figures.iter().find(|f| f.key == k).and_then(|f| f.int());
    assert_eq!(value("households"), Some(1710));
    assert_eq!(value("residents"), Some(4815));
    // The drill-down lists exactly the records that make the figure.
    let mut seen = 0;
    let mut after = None;
    loop {
        let page =
            indicators::records(&app.store, &scope, "residents", &Default::default(), after, 1000).await.unwrap();
        seen += page.items.len();
        match page.next_after {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    assert_eq!(seen, 4815);
}
