//! Making an exact report fit to leave the team (docs/SECURITY.md, "Reports shared outside
//! the team").
//!
//! Three layers, in this order, all on the exact figures:
//! 1. primary suppression: counts from 1 to `threshold − 1` are hidden;
//! 2. secondary suppression: each table the report publishes (one indicator's cells per
//!    community and dimension value, with the scope's totals as column margins and an
//!    undimensioned figure of the same indicator as row margins) is checked by exact linear
//!    algebra, and shown cells are hidden until no hidden cell follows from the shown ones;
//! 3. consistent random rounding: every shown count (and every part of a ratio, and hours and
//!    money) is rounded to a multiple of a base, up or down with probability by distance,
//!    the direction drawn from a keyed hash of the cell's identity and true value — so any
//!    sum or difference of published counts, from one report or many, is a multiple of the
//!    base and can never equal a hidden count exactly, and asking again gives nothing new.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::indicators::{self, Dims, Rollup, Unit};

use super::{Line, Report, Section};

/// Counts below this are hidden unless the deployment says otherwise.
pub const DEFAULT_SUPPRESS_BELOW: i64 = 5;

/// A threshold above this would hide most of a small team's figures: more likely a typo.
pub const MAX_SUPPRESS_BELOW: i64 = 100;

/// Counts are rounded to a multiple of at least this, whatever the threshold.
pub const COUNT_BASE: i64 = 5;

/// Hours are published in whole hours (stored as minutes).
pub const MINUTES_BASE: i64 = 60;

/// Money is published to the hundred yuan (stored in fen): one family's payment in a period
/// must not be read off the difference of two overlapping reports either.
pub const MONEY_BASE: i64 = 10_000;

/// One threshold per deployment, set at start-up (`hearth serve --suppress-below`), read by
/// every shared report and every "<N" label, so they cannot disagree.
static THRESHOLD: AtomicI64 = AtomicI64::new(DEFAULT_SUPPRESS_BELOW);

/// Checks a threshold as typed (the CLI flag and `HEARTH_SUPPRESS_BELOW`).
pub fn parse_suppress_below(s: &str) -> Result<i64, String> {
    let n: i64 = s.trim().parse().map_err(|_| format!("not a whole number: {s:?}"))?;
    if !(1..=MAX_SUPPRESS_BELOW).contains(&n) {
        return Err(format!("must be from 1 to {MAX_SUPPRESS_BELOW}"));
    }
    Ok(n)
}

/// Sets this deployment's threshold; an out-of-range one is refused and changes nothing.
pub fn set_suppress_below(n: i64) -> Result<(), String> {
    if !(1..=MAX_SUPPRESS_BELOW).contains(&n) {
        return Err(format!("the suppression threshold must be from 1 to {MAX_SUPPRESS_BELOW}"));
    }
    THRESHOLD.store(n, Ordering::Relaxed);
    Ok(())
}

/// Counts from 1 to `suppress_below() - 1` are hidden in reports that leave the team.
pub fn suppress_below() -> i64 {
    THRESHOLD.load(Ordering::Relaxed)
}

/// The base published counts are multiples of: never below the threshold, so that no
/// combination of published counts (each a multiple of the base) can equal a hidden one.
pub fn count_base(threshold: i64) -> i64 {
    threshold.max(COUNT_BASE)
}

/// The rounding key: derived from the deployment's audit key, so it is secret, the same in
/// every process of a deployment and across restarts (a different key per restart would
/// let someone average the roundings of one value). Without an audit key (a unit test) a
/// random key for the process.
fn rounding_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        crate::audit::derived_key(b"hearth reports: consistent rounding v1").unwrap_or_else(crate::audit::new_key)
    })
}

/// `value` rounded to a multiple of `base`, to the one below or above with probability by
/// distance (so the rounding is unbiased), the draw keyed by what the figure is — the
/// indicator, its dimensions, the set of communities it covers — and its true value, never
/// by the period or the request. The same figure with the same true value is published the
/// same way in every report that shows it, so asking again, or for another period in which
/// the value is the same, gives the same number: there is nothing to average. 0 stays 0,
/// and a value that is not 0 is never published as 0.
pub fn round_shared(key: &str, dims: &Dims, communities: &[i64], value: i64, base: i64) -> i64 {
    if base <= 1 || value == 0 {
        return value;
    }
    let r = value.rem_euclid(base);
    if r == 0 {
        return value;
    }
    let mut ids = communities.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut msg = Vec::new();
    let mut field = |b: &[u8]| {
        msg.extend_from_slice(&(b.len() as u64).to_be_bytes());
        msg.extend_from_slice(b);
    };
    field(key.as_bytes());
    for (k, v) in dims {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    field(b"|");
    for id in &ids {
        field(&id.to_be_bytes());
    }
    field(&value.to_be_bytes());
    field(&base.to_be_bytes());
    let mac = crate::audit::hmac(rounding_key(), &msg);
    let mut first = [0u8; 8];
    first.copy_from_slice(&mac[..8]);
    let draw = (u64::from_be_bytes(first) % base as u64) as i64;
    let lower = value - r;
    let out = if draw < r { lower + base } else { lower };
    if out == 0 && value > 0 { base } else { out }
}

/// One cell of a published table: an indicator's figure for one community (`None`: the
/// report's whole scope) and one combination of dimension values.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cell {
    pub key: &'static str,
    /// 0 for the indicator's own figure; 1 and 2 for a ratio's numerator and denominator
    /// when the ratio's parts are not in the catalogue.
    pub part: u8,
    pub dims: Dims,
    pub community: Option<i64>,
}

/// Where a ratio line's parts live as cells of their own indicators' tables, so that a
/// ratio on a hidden count is hidden with it.
fn part_cells(l: &Line, community: Option<i64>) -> (Cell, Unit, Cell, Unit) {
    let own = |part: u8| (Cell { key: l.key, part, dims: l.dims.clone(), community }, Unit::Count);
    let cell_of = |k: &str, fallback: u8| match indicators::find(k) {
        Some(ind) => {
            let dims: Dims = l
                .dims
                .iter()
                .filter(|(d, _)| ind.dimensions.contains(&d.as_str()))
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect();
            (Cell { key: ind.key, part: 0, dims, community }, ind.unit)
        }
        None => own(fallback),
    };
    match indicators::find(l.key).map(|i| i.rollup) {
        Some(Rollup::Ratio { numerator, denominator }) => {
            let (n, nu) = cell_of(numerator, 1);
            let (d, du) = cell_of(denominator, 2);
            (n, nu, d, du)
        }
        _ => {
            let (n, nu) = own(1);
            let (d, du) = own(2);
            (n, nu, d, du)
        }
    }
}

fn hide(l: &mut Line) {
    l.value = None;
    l.suppressed = true;
    l.numerator = None;
    l.denominator = None;
}

/// See the module's documentation. `threshold` is the deployment's (`suppress_below()`).
pub fn share_with(report: &mut Report, threshold: i64) {
    if report.suppressed {
        return;
    }
    report.suppressed = true;
    report.drill_down = false;
    let small = |v: i64| v > 0 && v < threshold;
    // Every count cell the report publishes, with its exact value.
    let mut cells: BTreeMap<Cell, i64> = BTreeMap::new();
    let mut hidden: BTreeSet<Cell> = BTreeSet::new();
    let sections = std::iter::once((None, &report.total))
        .chain(report.by_community.iter().map(|s| (s.community.as_ref().map(|c| c.id), s)));
    for (community, s) in sections {
        for l in &s.lines {
            let mut add = |cell: Cell, v: Option<i64>| {
                if let Some(v) = v {
                    if small(v) {
                        hidden.insert(cell.clone());
                    }
                    cells.insert(cell, v);
                }
            };
            match l.unit {
                Unit::Count => add(Cell { key: l.key, part: 0, dims: l.dims.clone(), community }, l.int()),
                Unit::Percent | Unit::Average => {
                    let (n, nu, d, du) = part_cells(l, community);
                    if nu == Unit::Count {
                        add(n, l.numerator);
                    }
                    if du == Unit::Count {
                        add(d, l.denominator);
                    }
                }
                Unit::Minutes | Unit::CnyMinor => {}
            }
        }
    }
    let parts: Vec<i64> = report.by_community.iter().filter_map(|s| s.community.as_ref().map(|c| c.id)).collect();
    protect(&cells, &mut hidden, &parts);

    let all: Vec<i64> = report.communities.iter().map(|c| c.id).collect();
    let base = count_base(threshold);
    let publish = |s: &mut Section| {
        let community = s.community.as_ref().map(|c| c.id);
        let ids: Vec<i64> = community.map(|c| vec![c]).unwrap_or_else(|| all.clone());
        let round = |cell: &Cell, v: i64, unit: Unit| {
            let b = match unit {
                Unit::Minutes => MINUTES_BASE,
                Unit::CnyMinor => MONEY_BASE,
                _ => base,
            };
            let key = if cell.part == 0 { cell.key.to_owned() } else { format!("{}#{}", cell.key, cell.part) };
            round_shared(&key, &cell.dims, &ids, v, b)
        };
        for l in &mut s.lines {
            match l.unit {
                Unit::Count | Unit::Minutes | Unit::CnyMinor => {
                    let cell = Cell { key: l.key, part: 0, dims: l.dims.clone(), community };
                    if l.unit == Unit::Count && hidden.contains(&cell) {
                        hide(l);
                    } else if let Some(v) = l.int() {
                        l.value = Some(round(&cell, v, l.unit) as f64);
                    }
                }
                Unit::Percent | Unit::Average => {
                    let (n, nu, d, du) = part_cells(l, community);
                    let (Some(num), Some(den)) = (l.numerator, l.denominator) else {
                        hide(l);
                        continue;
                    };
                    if small(num) || small(den) || hidden.contains(&n) || hidden.contains(&d) {
                        hide(l);
                        continue;
                    }
                    // The parts as published beside the ratio, so the two agree.
                    let rd = round(&d, den, du);
                    let rn = round(&n, num, nu);
                    l.numerator = Some(rn);
                    l.denominator = Some(rd);
                    l.value = match l.unit {
                        Unit::Average => indicators::mean(rn, rd),
                        // A share of a whole stays at most the whole once both are rounded.
                        _ if num <= den => indicators::percent(rn, rd).map(|p| p.min(100.0)),
                        _ => indicators::percent(rn, rd),
                    };
                }
            }
        }
    };
    publish(&mut report.total);
    for s in &mut report.by_community {
        publish(s);
    }
}

/// A linear relation between cells: the sum of coefficient × value is 0.
pub type Relation = Vec<(Cell, i64)>;

/// The additive relations between one indicator's published cells: each column margin
/// (the scope's total for a dimension value) is the sum of the communities' cells, and each
/// undimensioned figure is the sum of its row's dimensioned cells. Distinct counts are
/// treated as if they added up too: more relations can only hide more.
pub fn equations(cells: &BTreeMap<Cell, i64>, parts: &[i64]) -> Vec<Vec<(Cell, i64)>> {
    let mut by_key: BTreeMap<(&'static str, u8), Vec<&Cell>> = BTreeMap::new();
    for c in cells.keys() {
        by_key.entry((c.key, c.part)).or_default().push(c);
    }
    let mut out = Vec::new();
    for list in by_key.values() {
        let dims: BTreeSet<&Dims> = list.iter().map(|c| &c.dims).collect();
        if !parts.is_empty() {
            for d in &dims {
                let total = list.iter().find(|c| c.community.is_none() && &c.dims == *d);
                let members: Vec<&&Cell> =
                    list.iter().filter(|c| c.community.is_some_and(|x| parts.contains(&x)) && &c.dims == *d).collect();
                if let Some(t) = total
                    && !members.is_empty()
                {
                    let mut eq = vec![((*t).clone(), 1)];
                    eq.extend(members.into_iter().map(|c| ((*c).clone(), -1)));
                    out.push(eq);
                }
            }
        }
        if dims.len() > 1 && dims.iter().any(|d| d.is_empty()) {
            let rows: BTreeSet<Option<i64>> = list.iter().map(|c| c.community).collect();
            for r in rows {
                let whole = list.iter().find(|c| c.community == r && c.dims.is_empty());
                let members: Vec<&&Cell> = list.iter().filter(|c| c.community == r && !c.dims.is_empty()).collect();
                if let Some(w) = whole
                    && !members.is_empty()
                {
                    let mut eq = vec![((*w).clone(), 1)];
                    eq.extend(members.into_iter().map(|c| ((*c).clone(), -1)));
                    out.push(eq);
                }
            }
        }
    }
    out
}

/// Secondary suppression: hides shown cells until no hidden cell is determined by the shown
/// ones through the tables' relations. Prefers the smallest cell in a relation with the
/// exposed one, an inner cell before a margin (a total, or a whole over its dimension
/// values) and a non-zero before a zero (a hidden 0
/// beside a hidden count protects little once counts are known to be non-negative).
pub fn protect(cells: &BTreeMap<Cell, i64>, hidden: &mut BTreeSet<Cell>, parts: &[i64]) {
    // Tables share no cells: one small system per indicator, not one large one per report.
    let mut tables: BTreeMap<(&'static str, u8), Vec<Relation>> = BTreeMap::new();
    for e in equations(cells, parts) {
        if let Some((c, _)) = e.first() {
            tables.entry((c.key, c.part)).or_default().push(e);
        }
    }
    for eqs in tables.into_values() {
        protect_table(cells, hidden, eqs);
    }
}

fn protect_table(cells: &BTreeMap<Cell, i64>, hidden: &mut BTreeSet<Cell>, eqs: Vec<Relation>) {
    // Margins are the sums: the first cell of each relation.
    let margins: BTreeSet<&Cell> = eqs.iter().filter_map(|e| e.first().map(|(c, _)| c)).collect();
    loop {
        let exposed = determined(&eqs, hidden);
        if exposed.is_empty() {
            return;
        }
        let mut touched: BTreeSet<usize> = BTreeSet::new();
        let mut progress = false;
        for h in exposed {
            let rows: Vec<usize> =
                eqs.iter().enumerate().filter(|(_, e)| e.iter().any(|(c, _)| *c == h)).map(|(i, _)| i).collect();
            // Another cell hidden this round may already have covered this one.
            if rows.iter().any(|i| touched.contains(i)) {
                continue;
            }
            let candidate = rows
                .iter()
                .flat_map(|i| eqs[*i].iter().map(|(c, _)| c))
                .filter(|c| !hidden.contains(*c))
                .min_by_key(|c| {
                    let v = cells.get(*c).copied().unwrap_or(0);
                    (margins.contains(*c), v == 0, v, (*c).clone())
                })
                .cloned();
            if let Some(c) = candidate {
                touched.extend(eqs.iter().enumerate().filter(|(_, e)| e.iter().any(|(x, _)| *x == c)).map(|(i, _)| i));
                hidden.insert(c);
                progress = true;
            }
        }
        if !progress {
            // Cannot happen for these tables; if it ever did, hiding all of them is safe.
            for e in &eqs {
                hidden.extend(e.iter().map(|(c, _)| c.clone()));
            }
            return;
        }
    }
}

/// An exact fraction, for Gaussian elimination without rounding error.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Q {
    n: i128,
    d: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Q {
    fn int(n: i64) -> Q {
        Q { n: n.into(), d: 1 }
    }
    fn norm(n: i128, d: i128) -> Option<Q> {
        if d == 0 {
            return None;
        }
        let g = gcd(n, d).max(1);
        let s = if d < 0 { -1 } else { 1 };
        Some(Q { n: s * n / g, d: s * d / g })
    }
    fn is_zero(self) -> bool {
        self.n == 0
    }
    fn sub_mul(self, k: Q, x: Q) -> Option<Q> {
        // self − k·x
        let n = k.n.checked_mul(x.n)?;
        let d = k.d.checked_mul(x.d)?;
        let left = self.n.checked_mul(d)?;
        let right = n.checked_mul(self.d)?;
        Q::norm(left.checked_sub(right)?, self.d.checked_mul(d)?)
    }
    fn div(self, x: Q) -> Option<Q> {
        Q::norm(self.n.checked_mul(x.d)?, self.d.checked_mul(x.n)?)
    }
}

/// The hidden cells whose value follows from the shown ones: over the relations restricted to
/// the hidden cells (the shown ones are constants), a hidden cell is determined exactly when
/// every solution of the homogeneous system is 0 there — in reduced row echelon form, a
/// pivot column whose row has no entry in a free column. On arithmetic overflow every hidden
/// cell counts as determined, which only hides more.
pub fn determined(eqs: &[Vec<(Cell, i64)>], hidden: &BTreeSet<Cell>) -> Vec<Cell> {
    let cols: Vec<&Cell> = {
        let set: BTreeSet<&Cell> =
            eqs.iter().flat_map(|e| e.iter().map(|(c, _)| c)).filter(|c| hidden.contains(*c)).collect();
        set.into_iter().collect()
    };
    if cols.is_empty() {
        return Vec::new();
    }
    let index: BTreeMap<&Cell, usize> = cols.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut m: Vec<Vec<Q>> = eqs
        .iter()
        .map(|e| {
            let mut row = vec![Q::int(0); cols.len()];
            for (c, k) in e {
                if let Some(i) = index.get(c) {
                    row[*i] = Q::int(*k);
                }
            }
            row
        })
        .filter(|r| r.iter().any(|q| !q.is_zero()))
        .collect();
    match rref(&mut m, cols.len()) {
        Some(pivots) => {
            let pivot_cols: BTreeSet<usize> = pivots.iter().map(|(_, c)| *c).collect();
            pivots
                .iter()
                .filter(|(r, _)| (0..cols.len()).all(|j| pivot_cols.contains(&j) || m[*r][j].is_zero()))
                .map(|(_, c)| cols[*c].clone())
                .collect()
        }
        None => cols.into_iter().cloned().collect(),
    }
}

/// Reduced row echelon form in place; the (row, column) of each pivot; `None` on overflow.
fn rref(m: &mut [Vec<Q>], width: usize) -> Option<Vec<(usize, usize)>> {
    let mut pivots = Vec::new();
    let mut r = 0;
    for c in 0..width {
        if r >= m.len() {
            break;
        }
        let Some(p) = (r..m.len()).find(|&i| !m[i][c].is_zero()) else {
            continue;
        };
        m.swap(r, p);
        let lead = m[r][c];
        for q in m[r].iter_mut().take(width) {
            *q = q.div(lead)?;
        }
        let pivot_row = m[r].clone();
        for (i, row) in m.iter_mut().enumerate() {
            if i != r && !row[c].is_zero() {
                let k = row[c];
                for (q, x) in row.iter_mut().zip(&pivot_row).take(width) {
                    *q = q.sub_mul(k, *x)?;
                }
            }
        }
        pivots.push((r, c));
        r += 1;
    }
    Some(pivots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::community;
    use chrono::NaiveDate;

    fn dims(kind: &str) -> Dims {
        if kind.is_empty() { Dims::new() } else { [("kind".to_owned(), kind.to_owned())].into_iter().collect() }
    }

    fn cell(community: Option<i64>, kind: &str) -> Cell {
        Cell { key: "t", part: 0, dims: dims(kind), community }
    }

    #[test]
    fn rounding_is_consistent_unbiased_and_a_multiple_of_the_base() {
        let mut ups = 0;
        for v in 0..2000_i64 {
            let a = round_shared("households", &Dims::new(), &[1, 2], v, 5);
            assert_eq!(a, round_shared("households", &Dims::new(), &[2, 1], v, 5), "same cell, same value");
            assert_eq!(a % 5, 0);
            assert!((a - v).abs() < 5, "{v} → {a}");
            if v % 5 == 0 {
                assert_eq!(a, v);
            }
            if v % 5 == 2 && a > v {
                ups += 1;
            }
        }
        // 400 values with remainder 2: rounded up with probability 2/5 (160 expected).
        assert!((110..210).contains(&ups), "{ups}");
        assert_eq!(round_shared("x", &Dims::new(), &[1], 0, 5), 0);
        for v in 1..5 {
            assert_eq!(round_shared("x", &Dims::new(), &[1], v, 5), 5, "not 0 is never published as 0");
        }
        assert_eq!(count_base(3), 5);
        assert_eq!(count_base(10), 10);
    }

    #[test]
    fn thresholds_are_validated() {
        assert_eq!(parse_suppress_below("10"), Ok(10));
        assert!(parse_suppress_below("0").is_err());
        assert!(parse_suppress_below("101").is_err());
        assert!(parse_suppress_below("five").is_err());
        assert!(set_suppress_below(0).is_err());
        assert_eq!(suppress_below(), DEFAULT_SUPPRESS_BELOW, "a refused threshold changes nothing");
    }

    /// Every non-negative table that agrees with the published cells (shown values and the
    /// relations), by brute force over the hidden cells' values up to `max`.
    fn consistent_tables(
        cells: &BTreeMap<Cell, i64>,
        hidden: &BTreeSet<Cell>,
        eqs: &[Vec<(Cell, i64)>],
        max: i64,
    ) -> Vec<BTreeMap<Cell, i64>> {
        let h: Vec<&Cell> = hidden.iter().collect();
        assert!(h.len() <= 6, "too many hidden cells to enumerate: {}", h.len());
        let mut out = Vec::new();
        let mut values = vec![0_i64; h.len()];
        loop {
            let mut t = cells.clone();
            for (c, v) in h.iter().zip(&values) {
                t.insert((*c).clone(), *v);
            }
            if eqs.iter().all(|e| e.iter().map(|(c, k)| k * t[c]).sum::<i64>() == 0) {
                out.push(t);
            }
            let mut i = 0;
            loop {
                if i == values.len() {
                    return out;
                }
                values[i] += 1;
                if values[i] <= max {
                    break;
                }
                values[i] = 0;
                i += 1;
            }
        }
    }

    /// The guarantee on a table with row margins, column margins and a grand total:
    /// no integer combination (coefficients −2..2) of the published cells equals a hidden
    /// cell's true value in every table consistent with what is published, and (exactly) no
    /// hidden cell lies in the span of the published ones.
    fn assert_nothing_recoverable(cells: &BTreeMap<Cell, i64>, hidden: &BTreeSet<Cell>, parts: &[i64]) {
        let eqs = equations(cells, parts);
        assert!(determined(&eqs, hidden).is_empty());
        let tables = consistent_tables(cells, hidden, &eqs, 30);
        assert!(tables.iter().any(|t| t == cells), "the true table is consistent");
        let shown: Vec<(&Cell, i64)> =
            cells.iter().filter(|(c, _)| !hidden.contains(*c)).map(|(c, v)| (c, *v)).collect();
        let mut coef = vec![-2_i64; shown.len()];
        loop {
            let s: i64 = coef.iter().zip(&shown).map(|(k, (_, v))| k * v).sum();
            for h in hidden {
                assert!(
                    tables.iter().any(|t| t[h] != s),
                    "{h:?} = {s} from {:?}",
                    coef.iter().zip(&shown).map(|(k, (c, _))| (k, c)).collect::<Vec<_>>()
                );
            }
            let mut i = 0;
            loop {
                if i == coef.len() {
                    return;
                }
                coef[i] += 1;
                if coef[i] <= 2 {
                    break;
                }
                coef[i] = -2;
                i += 1;
            }
        }
    }

    fn primary(cells: &BTreeMap<Cell, i64>) -> BTreeSet<Cell> {
        cells.iter().filter(|(_, v)| (1..5).contains(*v)).map(|(c, _)| c.clone()).collect()
    }

    #[test]
    fn a_two_dimensional_table_hides_a_cycle_that_subtraction_cannot_undo() {
        // communities 1, 2 × kinds a, b; "" is the row margin; None is the column margin.
        let rows = [(Some(1), [3, 10]), (Some(2), [8, 12]), (None, [11, 22])];
        let mut cells = BTreeMap::new();
        for (c, [a, b]) in rows {
            cells.insert(cell(c, "a"), a);
            cells.insert(cell(c, "b"), b);
            cells.insert(cell(c, ""), a + b);
        }
        let mut hidden = primary(&cells);
        assert_eq!(hidden.len(), 1);
        // With only the primary cell hidden, subtraction gives it away.
        assert_eq!(determined(&equations(&cells, &[1, 2]), &hidden), vec![cell(Some(1), "a")]);
        protect(&cells, &mut hidden, &[1, 2]);
        assert_nothing_recoverable(&cells, &hidden, &[1, 2]);
        assert!(hidden.iter().all(|c| c.community.is_some() && !c.dims.is_empty()), "no margin hidden: {hidden:?}");
        assert_eq!(hidden.len(), 4, "{hidden:?}");
    }

    #[test]
    fn one_hidden_community_hides_the_next_smallest_and_two_are_enough() {
        let mut cells = BTreeMap::new();
        for (c, v) in [(Some(1), 3), (Some(2), 20), (Some(3), 9), (None, 32)] {
            cells.insert(cell(c, ""), v);
        }
        let mut hidden = primary(&cells);
        protect(&cells, &mut hidden, &[1, 2, 3]);
        assert_eq!(hidden, [cell(Some(1), ""), cell(Some(3), "")].into_iter().collect());
        assert_nothing_recoverable(&cells, &hidden, &[1, 2, 3]);
        // A zero beside a small count: the smallest non-zero is preferred as the complement.
        let mut cells = BTreeMap::new();
        for (c, v) in [(Some(1), 2), (Some(2), 0), (Some(3), 9), (Some(4), 7), (None, 18)] {
            cells.insert(cell(c, ""), v);
        }
        let mut hidden = primary(&cells);
        protect(&cells, &mut hidden, &[1, 2, 3, 4]);
        assert_eq!(hidden, [cell(Some(1), ""), cell(Some(4), "")].into_iter().collect());
        assert_nothing_recoverable(&cells, &hidden, &[1, 2, 3, 4]);
    }

    #[test]
    fn a_3x3_table_with_scattered_small_cells_is_safe_after_protection() {
        let data = [(Some(1), [2, 9, 14]), (Some(2), [6, 1, 7]), (Some(3), [12, 8, 3])];
        let mut cells = BTreeMap::new();
        let mut col = [0; 3];
        for (c, vs) in data {
            for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
                cells.insert(cell(c, k), vs[i]);
                col[i] += vs[i];
            }
            cells.insert(cell(c, ""), vs.iter().sum());
        }
        for (i, k) in ["a", "b", "c"].into_iter().enumerate() {
            cells.insert(cell(None, k), col[i]);
        }
        cells.insert(cell(None, ""), col.iter().sum());
        let mut hidden = primary(&cells);
        protect(&cells, &mut hidden, &[1, 2, 3]);
        let eqs = equations(&cells, &[1, 2, 3]);
        assert!(determined(&eqs, &hidden).is_empty(), "{hidden:?}");
        // Too many hidden cells to enumerate every combination: exact linear algebra only.
        assert!(hidden.len() >= 4, "{hidden:?}");
        assert!(hidden.iter().all(|c| c.community.is_some() && !c.dims.is_empty()), "no margin hidden: {hidden:?}");
    }

    #[test]
    fn a_district_of_two_hundred_communities_is_protected_table_by_table() {
        let kinds = ["a", "b", "c", "d"];
        let mut cells = BTreeMap::new();
        let mut col = [0_i64; 4];
        for c in 1..=200_i64 {
            for (i, k) in kinds.iter().enumerate() {
                // Deterministic, with plenty of small counts and zeros.
                let v = (c * 7 + i as i64 * 13) % 23;
                cells.insert(cell(Some(c), k), v);
                col[i] += v;
            }
        }
        for (i, k) in kinds.iter().enumerate() {
            cells.insert(cell(None, k), col[i]);
        }
        let parts: Vec<i64> = (1..=200).collect();
        let mut hidden = primary(&cells);
        protect(&cells, &mut hidden, &parts);
        assert!(determined(&equations(&cells, &parts), &hidden).is_empty());
        assert!(hidden.iter().all(|c| c.community.is_some()), "no total hidden");
    }

    fn comm(id: i64) -> community::Model {
        community::Model {
            id,
            name: format!("c{id}"),
            slug: format!("c{id}"),
            address: None,
            established_on: None,
            created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        }
    }

    fn count(key: &'static str, v: i64) -> Line {
        Line {
            key,
            practice: "registry",
            dims: Dims::new(),
            unit: Unit::Count,
            value: Some(v as f64),
            suppressed: false,
            numerator: None,
            denominator: None,
        }
    }

    fn ratio(key: &'static str, n: i64, d: i64) -> Line {
        Line {
            unit: Unit::Percent,
            value: indicators::percent(n, d),
            numerator: Some(n),
            denominator: Some(d),
            ..count(key, 0)
        }
    }

    fn report(from: &str, to: &str, lines: Vec<Line>) -> Report {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        Report {
            communities: vec![comm(7)],
            from: date(from),
            to: date(to),
            suppressed: false,
            drill_down: true,
            total: Section { community: None, lines },
            by_community: Vec::new(),
        }
    }

    fn value(r: &Report, key: &str) -> Option<i64> {
        r.total.lines.iter().find(|l| l.key == key).and_then(Line::int)
    }

    #[test]
    fn differencing_two_overlapping_shared_reports_never_yields_the_hidden_count() {
        // The probe, over many starting sizes: households 1 more on the second day
        // because of one move-in, which is hidden.
        for base in 1000..1400 {
            let mut a = report("2016-03-01", "2016-03-01", vec![count("households", base)]);
            let mut b = report(
                "2016-03-02",
                "2016-03-02",
                vec![count("households", base + 1), count("households_moved_in", 1)],
            );
            let exact_difference = value(&b, "households").zip(value(&a, "households")).map(|(x, y)| x - y);
            assert_eq!(exact_difference, Some(1), "team-internal reports stay exact");
            share_with(&mut a, 5);
            share_with(&mut b, 5);
            assert!(b.total.lines.iter().any(|l| l.key == "households_moved_in" && l.suppressed));
            let (x, y) = (value(&b, "households").unwrap_or(-1), value(&a, "households").unwrap_or(-1));
            assert_eq!((x % 5, y % 5), (0, 0));
            assert_ne!(x - y, 1, "{base}");
            assert!((x - y).abs() <= 5);
        }
    }

    #[test]
    fn the_same_value_is_published_the_same_way_in_every_period() {
        // Asking again, or for other periods in which the value is the same, gives nothing to
        // average.
        let published: BTreeSet<Option<i64>> = (1..=28)
            .map(|day| {
                let mut r = report(&format!("2016-02-{day:02}"), "2016-03-31", vec![count("households", 1707)]);
                share_with(&mut r, 5);
                value(&r, "households")
            })
            .collect();
        assert_eq!(published.len(), 1, "{published:?}");
    }

    #[test]
    fn ratios_are_recomputed_from_rounded_parts_and_hidden_with_a_hidden_part() {
        let mut r = report(
            "2016-03-01",
            "2016-03-31",
            vec![count("households", 48), count("households_visited", 46), ratio("visit_coverage_pct", 46, 48)],
        );
        share_with(&mut r, 5);
        let cov = r.total.lines.iter().find(|l| l.key == "visit_coverage_pct").cloned();
        let (n, d) = cov.as_ref().map(|l| (l.numerator, l.denominator)).unwrap_or_default();
        assert_eq!(n, value(&r, "households_visited"), "the ratio's part is the published count");
        assert_eq!(d, value(&r, "households"));
        let expected = indicators::percent(n.unwrap_or(0), d.unwrap_or(0)).map(|p| p.min(100.0));
        assert_eq!(cov.and_then(|l| l.value), expected, "never above 100%");

        let mut r = report(
            "2016-03-01",
            "2016-03-31",
            vec![count("households", 48), count("households_visited", 3), ratio("visit_coverage_pct", 3, 48)],
        );
        share_with(&mut r, 5);
        assert!(r.total.lines.iter().filter(|l| l.key != "households").all(|l| l.suppressed && l.value.is_none()));
        assert_eq!(value(&r, "households").map(|v| v % 5), Some(0));
    }

    #[test]
    fn the_threshold_decides_what_is_hidden_and_the_base() {
        let mut r = report("2016-03-01", "2016-03-31", vec![count("households", 7), count("households_moved_in", 3)]);
        share_with(&mut r, 10);
        assert!(r.total.lines.iter().all(|l| l.suppressed), "7 and 3 are below 10");
        let mut r = report("2016-03-01", "2016-03-31", vec![count("households", 17), count("households_moved_in", 3)]);
        share_with(&mut r, 3);
        assert_eq!(value(&r, "households_moved_in"), Some(5), "shown, never as 0, rounded to 5");
        assert_eq!(value(&r, "households").map(|v| v % 5), Some(0));
        let mut r = report("2016-03-01", "2016-03-31", vec![count("households", 17)]);
        share_with(&mut r, 20);
        assert!(r.total.lines[0].suppressed);
    }
}
