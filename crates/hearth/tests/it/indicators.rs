//! The indicator catalogue against data with known answers.

use hearth_core::indicators::{self, Scope};

use crate::support::*;

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

// ---------------------------------------------------------------------------------------
// Registry indicators against a small world with a known answer (period: March 2016).

use std::collections::BTreeMap;

use hearth_core::indicators::Rollup;

pub fn scope(ids: Vec<i64>) -> Scope {
    Scope::new(ids, d(FROM), d(TO)).unwrap()
}

pub async fn values(app: &TestApp, ids: Vec<i64>) -> BTreeMap<&'static str, i64> {
    let figures = indicators::evaluate(&app.store, &scope(ids), None).await.unwrap();
    figures.iter().filter(|f| f.dims.is_empty()).filter_map(|f| f.int().map(|v| (f.key, v))).collect()
}

#[tokio::test]
async fn registry_indicators_count_across_period_boundaries_and_communities() {
    let app = spawn_app().await;
    let (north, south) = two_communities(&app).await;
    let keys = ["households", "residents", "households_with_consent", "households_moved_in", "households_moved_out"];
    let pick = |m: &BTreeMap<&str, i64>| keys.map(|k| m.get(k).copied());
    assert_eq!(pick(&values(&app, vec![north]).await), [4, 4, 2, 2, 2].map(Some), "north");
    assert_eq!(pick(&values(&app, vec![south]).await), [3, 3, 1, 1, 0].map(Some), "south");
    assert_eq!(pick(&values(&app, vec![north, south]).await), [7, 7, 3, 3, 2].map(Some), "both");
    // A period ending the day before: N2, N3 and S1 have not moved in, N5 and N7 are still here.
    let feb = Scope::new(vec![north, south], d("2016-02-01"), d("2016-02-29")).unwrap();
    let f = indicators::evaluate(&app.store, &feb, Some(&["households", "households_moved_out"])).await.unwrap();
    let v = |k: &str| f.iter().find(|x| x.key == k).and_then(|x| x.int());
    // north: N1, N5, N6, N7 (N8 moved out on the 29th); south: S2, S3.
    assert_eq!(v("households"), Some(6));
    assert_eq!(v("households_moved_out"), Some(1));
}

#[tokio::test]
async fn every_figure_has_exactly_as_many_drill_down_records() {
    let app = spawn_app().await;
    let (north, south) = two_communities(&app).await;
    for ids in [vec![north], vec![south], vec![north, south]] {
        let s = scope(ids.clone());
        for f in indicators::evaluate(&app.store, &s, None).await.unwrap() {
            let ind = indicators::find(f.key).unwrap();
            if ind.is_sum() {
                // Hours: the drill-down lists the attendances added up (checked in programs.rs).
                continue;
            }
            // A ratio of one kind of record lists its denominator, each row saying whether
            // the numerator counts it; other ratios list the numerator's records.
            let expected = match (ind.rollup, indicators::listed(ind).unwrap().1.is_some()) {
                (Rollup::Ratio { .. }, true) => f.denominator.unwrap(),
                (Rollup::Ratio { .. }, false) => f.numerator.unwrap(),
                _ => f.int().unwrap(),
            };
            // Pages of 2 exercise the keyset.
            let (mut seen, mut after, mut ids_seen, mut counted_yes) = (0i64, None, Vec::new(), 0i64);
            loop {
                let page = indicators::records(&app.store, &s, f.key, &f.dims, after, 2).await.unwrap();
                for r in &page.items {
                    assert!(ids.contains(&r.community_id), "{} lists a record outside the scope", f.key);
                    if let Some((_, Some(counted))) = r.details.iter().find(|(k, _)| *k == "counted") {
                        counted_yes += i64::from(counted == "yes");
                    }
                    ids_seen.push(r.id);
                }
                seen += page.items.len() as i64;
                match page.next_after {
                    Some(a) => after = Some(a),
                    None => break,
                }
            }
            let n = ids_seen.len();
            ids_seen.dedup();
            assert_eq!(ids_seen.len(), n, "{} repeats a record across pages", f.key);
            assert_eq!(seen, expected, "{} {:?} over {ids:?}", f.key, f.dims);
            if indicators::listed(ind).unwrap().1.is_some() {
                assert_eq!(counted_yes, f.numerator.unwrap(), "{}: rows marked counted", f.key);
            }
        }
    }
}

#[tokio::test]
async fn a_ratio_over_two_communities_is_the_ratio_of_the_summed_parts() {
    let app = spawn_app().await;
    let (north, south) = two_communities(&app).await;
    // With registry parts: consent coverage is 2/4 in north and 1/3 in south; over both it is
    // 3/7 = 42.9%, not the mean of 50% and 33.3%.
    let part = |m: &BTreeMap<&str, i64>| (m["households_with_consent"], m["households"]);
    let (nn, nd) = part(&values(&app, vec![north]).await);
    let (sn, sd) = part(&values(&app, vec![south]).await);
    let (bn, bd) = part(&values(&app, vec![north, south]).await);
    let both = indicators::ratio_figures(
        "consent_pct",
        hearth_core::indicators::Unit::Percent,
        &[(Default::default(), bn)],
        &[(Default::default(), bd)],
    );
    assert_eq!(both[0].value, Some(42.9));
    assert_eq!(both[0].value, indicators::percent(nn + sn, nd + sd));
    let mean = (indicators::percent(nn, nd).unwrap() + indicators::percent(sn, sd).unwrap()) / 2.0;
    assert_ne!(both[0].value, Some(mean));
    // Every ratio in the catalogue rolls up the same way.
    let all = indicators::evaluate(&app.store, &scope(vec![north, south]), None).await.unwrap();
    for f in all.iter().filter(|f| f.numerator.is_some()) {
        let ind = indicators::find(f.key).unwrap();
        let Rollup::Ratio { numerator, denominator } = ind.rollup else { panic!("{} is not a ratio", f.key) };
        let mut sum = (0, 0);
        for c in [north, south] {
            let parts =
                indicators::evaluate(&app.store, &scope(vec![c]), Some(&[numerator, denominator])).await.unwrap();
            let get =
                |k: &str| parts.iter().find(|p| p.key == k && p.dims == f.dims).and_then(|p| p.int()).unwrap_or(0);
            sum = (sum.0 + get(numerator), sum.1 + get(denominator));
        }
        assert_eq!((f.numerator, f.denominator), (Some(sum.0), Some(sum.1)), "{}", f.key);
        assert_eq!(f.value, indicators::percent(sum.0, sum.1), "{}", f.key);
    }
}
