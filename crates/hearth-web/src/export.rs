//! A report in every format: JSON (the API and `hearth report --format json`), CSV, XLSX
//! (one sheet per practice, bilingual headers) and a plain-text table. All of them are
//! written from the same `reports::Report`, so they cannot disagree.
//!
//! CSV and XLSX are CPU work: web handlers call the `*_blocking` versions, which run them in
//! `spawn_blocking`.

use hearth_core::indicators::{Dims, Unit};
use hearth_core::reports::{Line, Report};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;
use serde_json::{Value, json};

use crate::i18n::Lang;

/// A message, or `fallback` when the catalogue has none (an indicator added without names).
fn t_or(lang: Lang, key: &str, fallback: &str) -> String {
    let s = lang.t(key);
    if s.starts_with("Unknown localization") { fallback.to_owned() } else { s }
}

pub fn indicator_name(lang: Lang, key: &str) -> String {
    t_or(lang, &format!("indicator-{key}"), key)
}

pub fn indicator_description(lang: Lang, key: &str) -> String {
    t_or(lang, &format!("indicator-{key}-desc"), "")
}

pub fn practice_name(lang: Lang, practice: &str) -> String {
    t_or(lang, &format!("practice-{practice}"), practice)
}

pub fn unit_name(lang: Lang, unit: Unit) -> String {
    let key = match unit {
        Unit::Count => "unit-count",
        Unit::Percent => "unit-pct",
        Unit::Minutes => "unit-hours",
        Unit::CnyMinor => "unit-cny",
        Unit::Average => "unit-avg",
    };
    t_or(lang, key, unit.as_str())
}

/// `program_kind=language; …`, empty for a figure without dimensions.
pub fn dims_text(dims: &Dims) -> String {
    dims.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

/// What stands for a figure that has no value: `<5` (the deployment's threshold) when
/// suppressed, `—` for a ratio of nothing (denominator 0; never 0%).
fn no_value(l: &Line) -> String {
    if l.suppressed { format!("<{}", hearth_core::reports::suppress_below()) } else { "—".to_owned() }
}

/// The note under a shared report: what "<N" stands for and how the other figures are
/// rounded, with this deployment's threshold.
pub fn suppressed_note(lang: Lang) -> String {
    use crate::i18n::FluentArg::Num;
    let threshold = hearth_core::reports::suppress_below();
    let base = hearth_core::reports::sharing::count_base(threshold);
    lang.t_args(
        "reports-suppressed-note",
        &[("below", Num(threshold - 1)), ("threshold", Num(threshold)), ("base", Num(base))],
    )
}

/// The value as exported in CSV: integers for integral units (money in minor units, as in
/// the JSON), one decimal for percentages, `<5` when suppressed, `—` for no value.
pub fn plain_value(l: &Line) -> String {
    match (l.value, l.unit) {
        (None, _) => no_value(l),
        (Some(v), Unit::Percent | Unit::Average) => format!("{v:.1}"),
        (Some(v), _) => format!("{}", v as i64),
    }
}

fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The value as a person reads it: `1,710`, `100.0%`, `4,950.00 CNY`, `6.0 h`, `<5`.
pub fn display_value(l: &Line) -> String {
    match (l.value, l.unit) {
        (None, _) => no_value(l),
        (Some(v), Unit::Percent) => format!("{v:.1}%"),
        (Some(v), Unit::Average) => format!("{v:.1}"),
        (Some(v), Unit::Count) => thousands(v as i64),
        (Some(v), Unit::Minutes) => format!("{:.1} h", v / 60.0),
        (Some(v), Unit::CnyMinor) => {
            let fen = v as i64;
            format!("{}.{:02} CNY", thousands(fen / 100), (fen % 100).abs())
        }
    }
}

/// One figure in the JSON, fields in the documented order.
#[derive(Clone, Debug, Serialize)]
pub struct LineOut {
    pub key: &'static str,
    pub dims: Dims,
    /// An integer for integral units, one decimal for percentages, `null` when suppressed.
    pub value: Value,
    pub unit: &'static str,
    pub practice: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<i64>,
}

pub fn line_out(l: &Line) -> LineOut {
    let value = match (l.value, l.unit) {
        (None, _) => Value::Null,
        (Some(v), Unit::Percent | Unit::Average) => json!(v),
        (Some(v), _) => json!(v as i64),
    };
    LineOut {
        key: l.key,
        dims: l.dims.clone(),
        value,
        unit: l.unit.as_str(),
        practice: l.practice,
        suppressed: l.suppressed,
        numerator: l.numerator.filter(|_| l.denominator.is_some()),
        denominator: l.denominator.filter(|_| l.numerator.is_some()),
    }
}

pub fn line_json(l: &Line) -> Value {
    serde_json::to_value(line_out(l)).unwrap_or(Value::Null)
}

#[derive(Clone, Debug, Serialize)]
pub struct CommunityOut {
    pub community: String,
    pub indicators: Vec<LineOut>,
}

/// A report as JSON: `{"community", "from", "to", "indicators": [...]}`; with several
/// communities `"communities": [...]`, the total in `indicators` and each community in
/// `by_community`. Serialize this (not a `Value`) to keep the fields in this order.
#[derive(Clone, Debug, Serialize)]
pub struct ReportOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communities: Option<Vec<String>>,
    pub from: String,
    pub to: String,
    pub suppressed: bool,
    pub indicators: Vec<LineOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_community: Option<Vec<CommunityOut>>,
}

/// `+`-joined slugs: the "community" of a total over several (slugs never contain `+`).
pub fn scope_label(r: &Report) -> String {
    r.communities.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>().join("+")
}

pub fn report_out(r: &Report) -> ReportOut {
    let (community, communities) = match r.communities.as_slice() {
        [only] => (Some(only.slug.clone()), None),
        many => (None, Some(many.iter().map(|c| c.slug.clone()).collect())),
    };
    let by_community = (!r.by_community.is_empty()).then(|| {
        r.by_community
            .iter()
            .map(|s| CommunityOut {
                community: s.community.as_ref().map(|c| c.slug.clone()).unwrap_or_default(),
                indicators: s.lines.iter().map(line_out).collect(),
            })
            .collect()
    });
    ReportOut {
        community,
        communities,
        from: r.from.to_string(),
        to: r.to.to_string(),
        suppressed: r.suppressed,
        indicators: r.total.lines.iter().map(line_out).collect(),
        by_community,
    }
}

pub fn report_json(r: &Report) -> Value {
    serde_json::to_value(report_out(r)).unwrap_or(Value::Null)
}

/// Every (community label, line) in report order: each community, then the total.
fn rows(r: &Report) -> Vec<(String, &Line)> {
    let mut out = Vec::new();
    for s in &r.by_community {
        let slug = s.community.as_ref().map(|c| c.slug.clone()).unwrap_or_default();
        out.extend(s.lines.iter().map(|l| (slug.clone(), l)));
    }
    let total = scope_label(r);
    out.extend(r.total.lines.iter().map(|l| (total.clone(), l)));
    out
}

/// A spreadsheet takes a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
/// return) for a formula: a household code or a name typed that way could run one on the
/// computer that opens the export. Such text gets a leading apostrophe and stays text.
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

/// The UTF-8 byte-order mark: Excel and WPS on Chinese Windows read a CSV without it as GBK.
const BOM: &[u8] = "\u{FEFF}".as_bytes();

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(BOM.to_vec())
}

/// The value column holds numbers only; what stands for a missing one (`<5`, `—`) goes in
/// the note column, so a spreadsheet can sum the values.
fn value_and_note(l: &Line) -> (String, String) {
    match l.value {
        Some(_) => (plain_value(l), String::new()),
        None => (String::new(), no_value(l)),
    }
}

/// CSV in `lang` (headers and names; the JSON export has the stable keys): key, indicator,
/// dimensions, value, note (`<5`, `—`), unit (as in the JSON: `count`, `pct`, `minutes`,
/// `cny_minor`), community. Opens in Excel and WPS on Chinese Windows (UTF-8 with a BOM).
pub fn csv(r: &Report, lang: Lang) -> Result<Vec<u8>, String> {
    let mut w = csv_writer();
    let e = |e: csv::Error| e.to_string();
    let headers = ["key", "indicator", "dims", "value", "note", "unit", "community"];
    w.write_record(headers.map(|h| lang.t(&format!("csv-{h}")))).map_err(e)?;
    for (community, l) in rows(r) {
        let (value, note) = value_and_note(l);
        w.write_record([
            l.key.to_owned(),
            cell(&indicator_name(lang, l.key)),
            cell(&dims_text(&l.dims)),
            value,
            note,
            // The unit the value is in (money in fen, time in minutes, as in the JSON).
            l.unit.as_str().to_owned(),
            cell(&community),
        ])
        .map_err(e)?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    s.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

fn both(key_en: String, key_zh: String) -> String {
    if key_en == key_zh { key_en } else { format!("{key_en} / {key_zh}") }
}

/// A list as a worker sees it, as XLSX: one sheet, a bold bilingual header row from the
/// columns' Fluent keys ("Household code / 户号"), every cell written as text — so a cell that
/// begins with `=`, `+`, `-` or `@` stays what was typed and is never run as a formula — and
/// columns sized to their content. Pages call it with the rows of the same query (filters
/// included) that they show.
pub fn list_xlsx(sheet: &str, columns: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let inner = || -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let header = Format::new().set_bold().set_text_wrap().set_background_color("#E8EEF4");
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(sheet))?;
        let mut widths: Vec<usize> = Vec::with_capacity(columns.len());
        for (c, key) in columns.iter().enumerate() {
            let title = both(Lang::En.t(key), Lang::ZhCn.t(key));
            widths.push(width(&title).min(40));
            ws.write_string_with_format(0, c as u16, &title, &header)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(width(v).min(60));
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w as f64 + 2.0)?;
        }
        ws.set_freeze_panes(1, 0)?;
        wb.save_to_buffer()
    };
    inner().map_err(|e| e.to_string())
}

/// `list_xlsx` as a download named `{file}.xlsx`, written off the async threads.
pub async fn xlsx_download(
    file: &'static str,
    sheet: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<String>>,
) -> Result<axum::response::Response, crate::error::WebError> {
    use axum::response::IntoResponse;
    let bytes = tokio::task::spawn_blocking(move || list_xlsx(sheet, columns, &rows))
        .await
        .map_err(|e| crate::error::WebError::Internal(e.to_string()))?
        .map_err(crate::error::WebError::Internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}

/// XLSX: one sheet per practice, bilingual headers, numbers as numbers — money in CNY with
/// two decimals (from minor units), percentages as percent, hours from minutes.
pub fn xlsx(r: &Report) -> Result<Vec<u8>, String> {
    xlsx_noted(r, None)
}

/// `xlsx` with a note after each sheet's title (a frozen month says which version it is).
pub fn xlsx_noted(r: &Report, note: Option<&str>) -> Result<Vec<u8>, String> {
    xlsx_inner(r, note).map_err(|e| e.to_string())
}

fn xlsx_inner(r: &Report, note: Option<&str>) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new().set_bold().set_text_wrap().set_background_color("#E8EEF4");
    let count = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("\"CNY\" #,##0.00");
    let pct = Format::new().set_num_format("0.0%");
    let hours = Format::new().set_num_format("#,##0.0");
    let average = Format::new().set_num_format("#,##0.0");
    let headers = [
        ("Key", "键"),
        ("Indicator", "指标"),
        ("Indicator (Chinese)", "指标（中文）"),
        ("Dimensions", "维度"),
        ("Community", "社区"),
        ("Value", "数值"),
        ("Unit", "单位"),
    ];
    let mut practices: Vec<&str> = Vec::new();
    for l in &r.total.lines {
        if !practices.contains(&l.practice) {
            practices.push(l.practice);
        }
    }
    let all = rows(r);
    for practice in practices {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&both(practice_name(Lang::En, practice), practice_name(Lang::ZhCn, practice))))?;
        ws.write_string_with_format(
            0,
            0,
            match note {
                Some(n) => format!("hearth report / 报告 · {} · {} – {} · {n}", scope_label(r), r.from, r.to),
                None => format!("hearth report / 报告 · {} · {} – {}", scope_label(r), r.from, r.to),
            },
            &title,
        )?;
        for (col, (en, zh)) in headers.iter().enumerate() {
            ws.write_string_with_format(1, col as u16, format!("{en} / {zh}"), &header)?;
        }
        for (row, (community, l)) in (2u32..).zip(all.iter().filter(|(_, l)| l.practice == practice)) {
            ws.write_string(row, 0, l.key)?;
            ws.write_string(row, 1, cell(&indicator_name(Lang::En, l.key)))?;
            ws.write_string(row, 2, cell(&indicator_name(Lang::ZhCn, l.key)))?;
            ws.write_string(row, 3, cell(&dims_text(&l.dims)))?;
            ws.write_string(row, 4, cell(community))?;
            match l.value {
                None => {
                    ws.write_string(row, 5, no_value(l))?;
                }
                Some(v) => {
                    let (n, f) = match l.unit {
                        Unit::Count => (v, &count),
                        Unit::Average => (v, &average),
                        Unit::Percent => (v / 100.0, &pct),
                        Unit::CnyMinor => (v / 100.0, &money),
                        Unit::Minutes => (v / 60.0, &hours),
                    };
                    ws.write_number_with_format(row, 5, n, f)?;
                }
            }
            ws.write_string(row, 6, both(unit_name(Lang::En, l.unit), unit_name(Lang::ZhCn, l.unit)))?;
        }
        for (col, width) in [(0u16, 26.0), (1, 36.0), (2, 24.0), (3, 22.0), (4, 18.0), (5, 16.0), (6, 18.0)] {
            ws.set_column_width(col, width)?;
        }
        ws.set_freeze_panes(2, 0)?;
    }
    if r.total.lines.is_empty() {
        wb.add_worksheet();
    }
    wb.save_to_buffer()
}

/// Terminal columns a string takes: East Asian wide characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// A readable table for the terminal.
pub fn text(r: &Report, lang: Lang) -> String {
    let mut out = format!("{} · {} – {}\n", scope_label(r), r.from, r.to);
    let table = rows(r);
    let name = |l: &Line| {
        let d = dims_text(&l.dims);
        if d.is_empty() { indicator_name(lang, l.key) } else { format!("{} ({d})", indicator_name(lang, l.key)) }
    };
    let name_w = table.iter().map(|(_, l)| width(&name(l))).max().unwrap_or(10).max(10);
    let cw = table.iter().map(|(c, _)| c.chars().count()).max().unwrap_or(9).max(9);
    let mut practice = "";
    for (community, l) in &table {
        if l.practice != practice {
            practice = l.practice;
            out.push_str(&format!("\n{}\n", practice_name(lang, practice)));
        }
        let n = name(l);
        let pad = name_w.saturating_sub(width(&n));
        out.push_str(&format!("  {n}{}  {community:<cw$}  {:>16}\n", " ".repeat(pad), display_value(l), cw = cw));
    }
    if r.suppressed {
        out.push_str(&format!("\n{}\n", suppressed_note(lang)));
    }
    out
}

pub async fn csv_blocking(r: Report, lang: Lang) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || csv(&r, lang)).await.map_err(|e| e.to_string())?
}

pub async fn xlsx_blocking(r: Report) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || xlsx(&r)).await.map_err(|e| e.to_string())?
}

/// The drill-down list as CSV in `lang`: id, record, date, community, and the record's page
/// as an absolute link (`base` is `https://host`), so it opens from a spreadsheet.
/// A drill-down column's name (`Record::details` key), in the reader's language.
pub fn column_name(lang: Lang, key: &str) -> String {
    lang.t(&format!("reports-column-{key}"))
}

/// A drill-down value as shown: `counted` says yes or no in words, a missing value is a dash.
pub fn detail_value(lang: Lang, key: &str, value: Option<&str>) -> String {
    match (key, value) {
        ("counted", Some(v)) => lang.t(&format!("reports-counted-{v}")),
        (_, None) => "—".to_owned(),
        (_, Some(v)) => v.to_owned(),
    }
}

pub fn records_csv(
    items: &[hearth_core::indicators::Record],
    slug_of: impl Fn(i64) -> String,
    lang: Lang,
    base: &str,
) -> Result<Vec<u8>, String> {
    let mut w = csv_writer();
    let e = |e: csv::Error| e.to_string();
    let headers = ["id", "record", "date", "community", "link"];
    let details: Vec<&str> = items.first().map(|r| r.details.iter().map(|(k, _)| *k).collect()).unwrap_or_default();
    let mut head: Vec<String> = headers.iter().map(|h| lang.t(&format!("csv-{h}"))).collect();
    head.extend(details.iter().map(|k| column_name(lang, k)));
    w.write_record(head).map_err(e)?;
    for r in items {
        let mut row = vec![
            r.id.to_string(),
            cell(&r.label),
            r.on.map(|d| d.to_string()).unwrap_or_default(),
            cell(&slug_of(r.community_id)),
            crate::practice::link(r.record).map(|l| format!("{base}{l}")).unwrap_or_default(),
        ];
        // A missing value is an empty cell (the page shows a dash).
        row.extend(
            r.details
                .iter()
                .map(|(k, v)| v.as_deref().map(|v| cell(&detail_value(lang, k, Some(v)))).unwrap_or_default()),
        );
        w.write_record(row).map_err(e)?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(value: Option<f64>, unit: Unit) -> Line {
        Line {
            key: "households",
            practice: "registry",
            dims: Dims::new(),
            unit,
            value,
            suppressed: value.is_none(),
            numerator: None,
            denominator: None,
        }
    }

    #[test]
    fn text_that_starts_like_a_formula_stays_text() {
        for (typed, kept) in [
            ("=1+1", "'=1+1"),
            ("+86 138", "'+86 138"),
            ("-3", "'-3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("张伟", "张伟"),
            ("3-2-401", "3-2-401"),
            ("", ""),
        ] {
            assert_eq!(cell(typed), kept);
        }
    }

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(display_value(&line(Some(1710.0), Unit::Count)), "1,710");
        assert_eq!(display_value(&line(Some(495000.0), Unit::CnyMinor)), "4,950.00 CNY");
        assert_eq!(display_value(&line(Some(100.0), Unit::Percent)), "100.0%");
        assert_eq!(display_value(&line(Some(360.0), Unit::Minutes)), "6.0 h");
        assert_eq!(display_value(&line(None, Unit::Count)), "<5");
        assert_eq!(plain_value(&line(Some(495000.0), Unit::CnyMinor)), "495000");
        assert_eq!(line_json(&line(Some(1710.0), Unit::Count))["value"], json!(1710));
        assert_eq!(line_json(&line(None, Unit::Count))["suppressed"], json!(true));
        // A ratio of nothing is no value, not 0% and not a suppressed count.
        let none = Line { suppressed: false, numerator: Some(0), denominator: Some(0), ..line(None, Unit::Percent) };
        assert_eq!((display_value(&none), plain_value(&none)), ("—".to_owned(), "—".to_owned()));
        assert_eq!(line_json(&none)["value"], Value::Null);
        assert!(line_json(&none).get("suppressed").is_none());
        assert_eq!(sheet_name("Registry / 登记: a*b"), "Registry  登记 ab");
    }

    #[test]
    fn every_catalogue_indicator_has_names_in_both_languages() {
        for i in hearth_core::indicators::catalogue() {
            for lang in Lang::ALL {
                assert_ne!(indicator_name(lang, i.key), i.key, "indicator-{} missing in {}", i.key, lang.code());
                assert_ne!(practice_name(lang, i.practice), i.practice, "practice-{} missing", i.practice);
            }
        }
    }
}
