//! Live progress of a goal: the indicator's figure for the year so far against the target,
//! and whether that is on pace.
//!
//! Pace is a straight line through the year: by day `d` of a year of `n` days (366 in a leap
//! year, day 1 being 1 January and `as_of` counted) a goal of `target` expects
//! `target × d / n`. That holds for counts (person-times, placements) and, read the same way,
//! for ratio targets (coverage %): a coverage goal is the level to reach by 31 December,
//! built up from nothing on 1 January — the year's coverage only grows as households are
//! reached, so a ratio on the line is as far along as a count on the line. The comparison is
//! made in integers (`actual × n ≥ target × d`), so the boundary day is exact; the expected
//! figure shown is rounded up, so "actual ≥ expected" on the page is the same test.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Where a goal stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    /// The year has not begun.
    NotStarted,
    /// At or above the straight line.
    OnTrack,
    /// Below it.
    Behind,
    /// The year is over and the target was reached.
    Met,
    /// The year is over and it was not.
    NotMet,
    /// A ratio with nothing to divide by (no households yet): no figure, never 0%.
    NoFigure,
    /// Hidden for a reader who sees only suppressed aggregates (a count of 1–4).
    Suppressed,
}

impl GoalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalStatus::NotStarted => "not_started",
            GoalStatus::OnTrack => "on_track",
            GoalStatus::Behind => "behind",
            GoalStatus::Met => "met",
            GoalStatus::NotMet => "not_met",
            GoalStatus::NoFigure => "no_figure",
            GoalStatus::Suppressed => "suppressed",
        }
    }
}

/// How far into its year a day is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    /// Days of the year up to and including the day (0 before it starts, all after it ends).
    pub days_elapsed: i64,
    pub days_in_year: i64,
    /// The last day the figure covers: `min(as_of, 31 December)`; `None` before 1 January.
    pub through: Option<NaiveDate>,
    pub over: bool,
}

pub fn days_in_year(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() { 366 } else { 365 }
}

/// Where `as_of` falls in `year`.
pub fn pace(year: i32, as_of: NaiveDate) -> Pace {
    let n = days_in_year(year);
    let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Pace { days_elapsed: 0, days_in_year: n, through: None, over: false };
    };
    if as_of < first {
        Pace { days_elapsed: 0, days_in_year: n, through: None, over: false }
    } else if as_of > last {
        Pace { days_elapsed: n, days_in_year: n, through: Some(last), over: true }
    } else {
        Pace { days_elapsed: i64::from(as_of.ordinal()), days_in_year: n, through: Some(as_of), over: false }
    }
}

/// A goal's standing: what the line expects by now, the share of the target reached, and
/// the status.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    pub expected: i64,
    /// Actual as a percentage of the target, one decimal (`None` without an actual).
    pub pct: Option<f64>,
    pub status: GoalStatus,
}

/// The pure rule: `actual` and `target` are in the same integer unit (tenths of a percent
/// for ratios).
pub fn assess(target: i64, actual: Option<i64>, p: Pace) -> Assessment {
    let t = i128::from(target);
    let expected = if p.days_in_year > 0 {
        let num = t * i128::from(p.days_elapsed);
        let den = i128::from(p.days_in_year);
        i64::try_from((num + den - 1).div_euclid(den)).unwrap_or(i64::MAX)
    } else {
        0
    };
    let pct = actual.and_then(|a| crate::indicators::percent(a, target));
    let status = match (p.through, actual) {
        (None, _) => GoalStatus::NotStarted,
        (Some(_), None) => GoalStatus::NoFigure,
        (Some(_), Some(a)) if p.over => {
            if a >= target {
                GoalStatus::Met
            } else {
                GoalStatus::NotMet
            }
        }
        (Some(_), Some(a)) => {
            if i128::from(a) * i128::from(p.days_in_year) >= t * i128::from(p.days_elapsed) {
                GoalStatus::OnTrack
            } else {
                GoalStatus::Behind
            }
        }
    };
    Assessment { expected, pct, status }
}

/// A ratio's value in the goal's unit: `factor` = 1000 for tenths of a percent, 10 for
/// tenths of an average; rounded half up, as reports round. `None` for a denominator of 0.
pub fn ratio_value(numerator: i64, denominator: i64, factor: i64) -> Option<i64> {
    if denominator <= 0 {
        return None;
    }
    let n = i128::from(numerator) * i128::from(factor);
    let d = i128::from(denominator);
    i64::try_from((2 * n + d).div_euclid(2 * d)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default()
    }

    #[test]
    fn pace_counts_days_with_leap_years() {
        assert_eq!(days_in_year(2016), 366);
        assert_eq!(days_in_year(2017), 365);
        assert_eq!(pace(2016, d(2015, 12, 31)).through, None);
        assert_eq!(pace(2016, d(2016, 1, 1)).days_elapsed, 1);
        assert_eq!(pace(2016, d(2016, 2, 29)).days_elapsed, 60);
        assert_eq!(pace(2016, d(2016, 7, 1)).days_elapsed, 183);
        let end = pace(2016, d(2016, 12, 31));
        assert_eq!((end.days_elapsed, end.over), (366, false));
        let after = pace(2016, d(2017, 3, 1));
        assert_eq!((after.days_elapsed, after.over, after.through), (366, true, Some(d(2016, 12, 31))));
    }

    #[test]
    fn status_follows_the_straight_line() {
        // 366 a year: on 29 February (day 60) the line is 60.
        let p = pace(2016, d(2016, 2, 29));
        assert_eq!(assess(366, Some(60), p), Assessment { expected: 60, pct: Some(16.4), status: GoalStatus::OnTrack });
        assert_eq!(assess(366, Some(59), p).status, GoalStatus::Behind);
        // 310 on day 60: 50.8…, shown as 51; 51 is on track, 50 is behind.
        assert_eq!(assess(310, Some(51), p).expected, 51);
        assert_eq!(assess(310, Some(51), p).status, GoalStatus::OnTrack);
        assert_eq!(assess(310, Some(50), p).status, GoalStatus::Behind);
        // Before the year: not started, nothing expected.
        let before = pace(2016, d(2015, 6, 1));
        assert_eq!(
            assess(310, Some(0), before),
            Assessment { expected: 0, pct: Some(0.0), status: GoalStatus::NotStarted }
        );
        // On 31 December the whole target is expected; after it, the verdict is final.
        assert_eq!(assess(310, Some(309), pace(2016, d(2016, 12, 31))).expected, 310);
        assert_eq!(assess(310, Some(310), pace(2016, d(2017, 1, 1))).status, GoalStatus::Met);
        assert_eq!(assess(310, Some(309), pace(2016, d(2017, 1, 1))).status, GoalStatus::NotMet);
        // No figure (a ratio over nothing) is never 0%.
        assert_eq!(assess(1000, None, p), Assessment { expected: 164, pct: None, status: GoalStatus::NoFigure });
    }

    #[test]
    fn ratios_round_half_up_and_have_no_value_over_nothing() {
        assert_eq!(ratio_value(1710, 1710, 1000), Some(1000));
        assert_eq!(ratio_value(1, 3, 1000), Some(333));
        assert_eq!(ratio_value(2, 3, 1000), Some(667));
        assert_eq!(ratio_value(5, 0, 1000), None);
        assert_eq!(ratio_value(31, 12, 10), Some(26));
    }
}
