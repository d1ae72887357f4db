//! Spreadsheet import, one mechanism for every practice. A practice describes a template
//! (its fields, how a row is recognised again, and how a batch of rows is checked and
//! written) and registers it with its `Practice`; everything else is here:
//!
//! - reading CSV in any encoding a Chinese desktop saves, or XLSX (`sheet`);
//! - finding the header row (title rows above it and merged header cells are common in a
//!   ledger) and matching its names to fields in either language (`guess_mapping`);
//! - cleaning each cell (full-width digits, stray and non-breaking spaces, dates in every
//!   shape people type, phone numbers with separators: `text`);
//! - duplicates within the file, by the template's key;
//! - one transaction: all rows or none (the default), or on request only the valid rows
//!   with the rejected ones handed back as a file to fix;
//! - one audit entry per batch, naming the records it created.
//!
//! The file is read a record at a time and written in batches inside the transaction, so a
//! file of any length needs memory for one batch (and a key per row for duplicates).

pub mod sheet;
pub mod text;
pub mod uploads;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Entry};
use crate::entity::community;
use crate::error::{CoreError, CoreResult};
use crate::policy::{Actor, Permission};
use crate::practice::BoxFut;
use crate::record::{EntityKind, RecordRef};
use crate::store::Store;
use sheet::{Sheet, SheetError, Source};

/// Rows checked and written together.
pub const BATCH: usize = 1_000;
/// Longer than any field allows: such a cell is refused without keeping it.
pub const MAX_CELL_CHARS: usize = 10_000;
/// Rows looked at to find the header.
const HEADER_SCAN: usize = 10;
/// Row errors kept in a report (the rejected-rows file has them all).
pub const MAX_REPORTED: usize = 1_000;
/// Rows shown in a preview.
const PREVIEW: usize = 5;

#[derive(Clone, Copy, Debug)]
pub enum FieldKind {
    Text {
        max: usize,
    },
    Date,
    Phone,
    /// One of `values`; a cell may give the value or its name in any language (Fluent key
    /// `<names><value with - for _>`), so 女 and Female both read as `female`.
    Choice {
        values: &'static [&'static str],
        names: &'static str,
    },
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub key: &'static str,
    pub required: bool,
    pub kind: FieldKind,
    /// Header spellings ledgers use besides the field's name in each language.
    pub aliases: &'static [&'static str],
}

/// What a practice says of one row after checking it (and, when writing, writing it).
#[derive(Clone, Debug)]
pub enum Outcome {
    /// New: created (or, in a check, would be).
    New(RecordRef),
    /// New, and about these people or households (a visit's household, an attendance's
    /// resident): the batch's audit entry names them too, so the import is in their trail
    /// (a resident's copy of their data, "who has seen this household") as a form's write is.
    NewAbout(RecordRef, Vec<RecordRef>),
    /// Already stored exactly so: nothing to do (a ledger imported again).
    Unchanged,
    /// Refused, with every field's problem.
    Invalid(Vec<crate::FieldError>),
}

/// The import's circumstances, for a practice's batch function.
pub struct Context<'a> {
    pub community: &'a community::Model,
    pub actor: &'a Actor,
    /// False for a check: look, never write.
    pub write: bool,
}

/// Checks a batch of rows against the database and, if `ctx.write`, writes the good ones
/// in the caller's transaction. One outcome per row, in order.
pub type BatchFn = for<'a> fn(&'a Context<'a>, &'a DatabaseTransaction, &'a [Row]) -> BoxFut<'a, Vec<Outcome>>;

/// A kind of file a practice imports.
#[derive(Clone, Copy)]
pub struct Template {
    /// `households`, `residents`, …: the URL, CLI and message word.
    pub key: &'static str,
    /// Fluent prefix of field names (`household-field-`).
    pub names: &'static str,
    pub fields: &'static [Field],
    /// What identifies a row's record (a household's code), for duplicates in the file.
    pub key_of: fn(&Row) -> Option<String>,
    /// What the created records are, for the audit entry.
    pub entity: EntityKind,
    /// What the actor needs besides `EditPeople`: the practice's own right to create
    /// these records (an import writes nothing its form would not let them write).
    pub permission: Permission,
    pub batch: BatchFn,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template").field("key", &self.key).finish()
    }
}

impl Template {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }
    /// The Fluent key of a field's name.
    pub fn field_name_key(&self, field: &str) -> String {
        format!("{}{}", self.names, field.replace('_', "-"))
    }
}

/// Every template of every practice.
pub fn templates() -> impl Iterator<Item = &'static Template> {
    crate::practice::PRACTICES.iter().flat_map(|p| p.importers.iter().copied())
}

pub fn template(key: &str) -> Option<&'static Template> {
    templates().find(|t| t.key == key)
}

/// Names of fields and choices in every language, from the web layer's catalogues (the
/// core has no messages of its own).
pub trait Names: Sync {
    /// Every spelling of message `key`, one per language; empty if there is none.
    fn spellings(&self, key: &str) -> Vec<String>;
}

/// No catalogue: fields match by key and alias only.
pub struct NoNames;

impl Names for NoNames {
    fn spellings(&self, _: &str) -> Vec<String> {
        Vec::new()
    }
}

/// One data row, cleaned: field → canonical text (dates ISO, phones digits, choices their
/// value). A blank cell is absent.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub line: u64,
    pub values: HashMap<&'static str, String>,
}

impl Row {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }
    /// As the registry's inputs take it.
    pub fn owned(&self, field: &str) -> Option<String> {
        self.values.get(field).cloned()
    }
}

/// A column of the file and the field it goes to (None: left out).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Column {
    pub index: usize,
    pub header: String,
    pub field: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    /// The column's header as the file has it.
    pub column: Option<String>,
    pub field: String,
    pub code: String,
    /// The number the sentence needs (a maximum length).
    pub arg: Option<i64>,
    /// What the cell held (cut to 100 characters).
    pub value: String,
}

/// What a check or an import found.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub template: String,
    /// `CSV, GB18030/GBK, ,` or `XLSX`.
    pub format: String,
    pub header_line: u64,
    pub columns: Vec<Column>,
    /// The first rows as the file has them, for the mapping page.
    pub preview: Vec<Vec<String>>,
    /// Data rows read (blank rows not counted).
    pub rows: u64,
    pub new: u64,
    pub unchanged: u64,
    /// Rows repeating an earlier row of the file exactly (a ledger with a line per person).
    pub repeated: u64,
    pub rejected: u64,
    pub errors: Vec<RowError>,
    /// The file could not be read, or a required field has no column: (code, detail).
    pub fatal: Option<(String, String)>,
    /// Fields that must have a column and have none.
    pub missing: Vec<String>,
    /// Whether anything was stored.
    pub committed: bool,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.fatal.is_none() && self.missing.is_empty() && self.rejected == 0
    }
    fn fatal(mut self, e: &SheetError) -> Report {
        self.fatal = Some((e.code().to_owned(), e.to_string()));
        self
    }
}

/// How far an import is, for a progress bar.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Progress {
    pub rows: u64,
    /// 0 to 1, when the file's size is known.
    pub fraction: Option<f64>,
}

/// What to do besides reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Read and check; write nothing (the validation report, `--dry-run`).
    Check,
    /// Write every row or, if any is refused, none.
    AllOrNothing,
    /// Write the valid rows; the rejected ones come back as a file.
    ValidOnly,
}

fn normal_spellings(t: &Template, f: &Field, names: &dyn Names) -> Vec<String> {
    let named = names.spellings(&t.field_name_key(f.key));
    let mut s = named.clone();
    // The bilingual header of hearth's own template ("户号 / Household code *").
    s.push(named.join(" / "));
    s.push(f.key.to_owned());
    s.extend(f.aliases.iter().map(|a| (*a).to_owned()));
    s.iter().map(|x| text::header_key(x)).filter(|x| !x.is_empty()).collect()
}

/// Matches header cells to fields: a header that spells a field's name in any language,
/// its key or an alias, ignoring case, spaces, punctuation and "(required)". Each field
/// takes the first column that names it.
pub fn guess_mapping(t: &Template, header: &[String], names: &dyn Names) -> Vec<Column> {
    let spellings: Vec<(&Field, Vec<String>)> = t.fields.iter().map(|f| (f, normal_spellings(t, f, names))).collect();
    let mut taken = std::collections::HashSet::new();
    header
        .iter()
        .enumerate()
        .map(|(index, h)| {
            let k = text::header_key(h);
            let field = spellings
                .iter()
                .find(|(f, s)| !k.is_empty() && !taken.contains(f.key) && s.contains(&k))
                .map(|(f, _)| f.key.to_owned());
            if let Some(f) = &field {
                taken.insert(t.field(f).map(|f| f.key).unwrap_or_default());
            }
            Column { index, header: h.clone(), field }
        })
        .collect()
}

/// The header among the first rows: the one naming most fields (title rows above it are
/// skipped). A blank header cell under a merged cell takes the text above it.
fn find_header(t: &Template, first: &[sheet::Line], names: &dyn Names) -> Option<(usize, Vec<String>)> {
    let score = |cells: &[String]| guess_mapping(t, cells, names).iter().filter(|c| c.field.is_some()).count();
    let (best, n) =
        first.iter().enumerate().map(|(i, (_, cells))| (i, score(cells))).max_by_key(|(i, n)| (*n, usize::MAX - i))?;
    if n == 0 {
        return None;
    }
    let mut header = first.get(best)?.1.clone();
    for (col, cell) in header.iter_mut().enumerate() {
        if cell.trim().is_empty()
            && let Some(above) =
                first[..best].iter().rev().filter_map(|(_, r)| r.get(col)).find(|c| !c.trim().is_empty())
        {
            *cell = above.clone();
        }
    }
    Some((best, header))
}

fn cut(s: &str) -> String {
    s.chars().take(100).collect()
}

/// One raw row to a `Row`, or the reasons it cannot be one.
/// Each choice field's accepted spellings (its values, and their names in every language,
/// normalised) → value: worked out once per file, not per cell.
type Choices = HashMap<&'static str, HashMap<String, &'static str>>;

fn choices(t: &Template, names: &dyn Names) -> Choices {
    t.fields
        .iter()
        .filter_map(|f| match f.kind {
            FieldKind::Choice { values, names: prefix } => {
                let mut m = HashMap::new();
                for value in values {
                    for s in names.spellings(&format!("{prefix}{}", value.replace('_', "-"))) {
                        m.insert(text::header_key(&s), *value);
                    }
                    m.insert(text::header_key(value), *value);
                }
                Some((f.key, m))
            }
            _ => None,
        })
        .collect()
}

fn clean_row(
    t: &Template,
    columns: &[Column],
    line: u64,
    cells: &[String],
    choices: &Choices,
) -> Result<Row, Vec<RowError>> {
    let mut row = Row { line, values: HashMap::new() };
    let mut errors = Vec::new();
    let err = |c: &Column, f: &Field, code: &str, arg: Option<usize>, value: &str| RowError {
        line,
        column: Some(c.header.clone()),
        field: f.key.to_owned(),
        code: code.to_owned(),
        arg: arg.map(|a| a as i64),
        value: cut(value),
    };
    for c in columns {
        let Some(f) = c.field.as_deref().and_then(|k| t.field(k)) else { continue };
        let raw = cells.get(c.index).map(String::as_str).unwrap_or_default();
        if raw.chars().count() > MAX_CELL_CHARS {
            errors.push(err(c, f, "too_long", Some(MAX_CELL_CHARS), raw));
            continue;
        }
        let v = text::clean(raw);
        if v.is_empty() {
            continue;
        }
        let parsed = match f.kind {
            FieldKind::Text { max } if v.chars().count() > max => Err("too_long"),
            FieldKind::Text { .. } => Ok(v.clone()),
            FieldKind::Date => text::parse_date(&v).map(|d| d.to_string()).map_err(|e| e.code()),
            FieldKind::Phone => text::parse_phone(&v).map_err(|e| e.code()),
            FieldKind::Choice { .. } => choices
                .get(f.key)
                .and_then(|m| m.get(&text::header_key(&v)))
                .map(|value| (*value).to_owned())
                .ok_or("not_a_choice"),
        };
        match parsed {
            Ok(p) => {
                row.values.insert(f.key, p);
            }
            Err(code) => {
                let max = match f.kind {
                    FieldKind::Text { max } if code == "too_long" => Some(max),
                    _ => None,
                };
                errors.push(err(c, f, code, max, raw))
            }
        }
    }
    for f in t.fields.iter().filter(|f| f.required) {
        if !row.values.contains_key(f.key) && !errors.iter().any(|e| e.field == f.key) {
            let column = columns.iter().find(|c| c.field.as_deref() == Some(f.key)).map(|c| c.header.clone());
            errors.push(RowError {
                line,
                column,
                field: f.key.to_owned(),
                code: "required".into(),
                arg: None,
                value: String::new(),
            });
        }
    }
    if errors.is_empty() { Ok(row) } else { Err(errors) }
}

fn fingerprint(row: &Row) -> u64 {
    let mut v: Vec<(&&str, &String)> = row.values.iter().collect();
    v.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// The first rows of a file and the mapping hearth would use: what the mapping page shows.
pub fn preview(t: &Template, source: &Source, names: &dyn Names) -> Report {
    let mut report = Report { template: t.key.to_owned(), ..Default::default() };
    let mut sheet = match sheet::open(source) {
        Ok(s) => s,
        Err(e) => return report.fatal(&e),
    };
    report.format = sheet.format.describe();
    let mut first = Vec::new();
    for r in sheet.by_ref().take(HEADER_SCAN + PREVIEW) {
        match r {
            Ok(l) => first.push(l),
            Err(e) => return report.fatal(&e),
        }
    }
    let (at, header) =
        find_header(t, &first, names).unwrap_or_else(|| (0, first.first().map(|l| l.1.clone()).unwrap_or_default()));
    report.header_line = first.get(at).map(|l| l.0).unwrap_or(1);
    report.columns = guess_mapping(t, &header, names);
    report.preview = first.iter().skip(at + 1).take(PREVIEW).map(|l| l.1.clone()).collect();
    report.missing = missing(t, &report.columns);
    report
}

fn missing(t: &Template, columns: &[Column]) -> Vec<String> {
    t.fields
        .iter()
        .filter(|f| f.required && !columns.iter().any(|c| c.field.as_deref() == Some(f.key)))
        .map(|f| f.key.to_owned())
        .collect()
}

/// A file's rejected rows as CSV: its header, then each refused row as it was, with the
/// reasons in a last column — to fix and import again.
#[derive(Default)]
pub struct Rejected {
    writer: Option<csv::Writer<Vec<u8>>>,
}

impl Rejected {
    fn push(&mut self, header: &[String], cells: &[String], reasons: &[RowError]) {
        let w = self.writer.get_or_insert_with(|| {
            let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
            let mut h = header.to_vec();
            h.push("errors / 错误".to_owned());
            let _ = w.write_record(&h);
            w
        });
        let mut row = cells.to_vec();
        row.push(reasons.iter().map(|e| format!("{}: {}", e.field, e.code)).collect::<Vec<_>>().join("; "));
        let _ = w.write_record(&row);
    }
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        self.writer.and_then(|w| w.into_inner().ok())
    }
}

/// One import or check: which file, through which template, into which community.
pub struct Job<'a> {
    pub community: &'a community::Model,
    pub template: &'static Template,
    pub source: &'a Source,
    /// The mapping (None: the one guessed from the headers).
    pub columns: Option<Vec<Column>>,
    pub mode: Mode,
}

/// Reads the whole file through the template: checks it (`Mode::Check`) or imports it in
/// one transaction. `columns` is the mapping (None: the guessed one). `progress` hears of
/// each batch. Returns the report and, for `ValidOnly`, the rejected rows.
pub async fn run(
    store: &Store,
    actor: &Actor,
    job: Job<'_>,
    names: &dyn Names,
    progress: &(dyn Fn(Progress) + Sync),
) -> CoreResult<(Report, Rejected)> {
    let Job { community, template: t, source, columns, mode } = job;
    actor.require(Permission::EditPeople)?;
    actor.require(t.permission)?;
    if !actor.sees_community(community.id) {
        return Err(CoreError::NotFound);
    }
    let mut report = Report { template: t.key.to_owned(), ..Default::default() };
    let mut rejected = Rejected::default();
    let mut sheet: Sheet = match sheet::open(source) {
        Ok(s) => s,
        Err(e) => return Ok((report.fatal(&e), rejected)),
    };
    report.format = sheet.format.describe();
    let position = sheet.position.clone();
    let mut first = Vec::new();
    for r in sheet.by_ref().take(HEADER_SCAN) {
        match r {
            Ok(l) => first.push(l),
            Err(e) => return Ok((report.fatal(&e), rejected)),
        }
    }
    let guessed = find_header(t, &first, names);
    let (at, header) = guessed.unwrap_or_else(|| (0, first.first().map(|l| l.1.clone()).unwrap_or_default()));
    report.header_line = first.get(at).map(|l| l.0).unwrap_or(1);
    report.columns = columns.unwrap_or_else(|| guess_mapping(t, &header, names));
    report.missing = missing(t, &report.columns);
    if !report.missing.is_empty() {
        return Ok((report, rejected));
    }
    let tx = match mode {
        Mode::Check => store.conn().begin().await?,
        _ => store.write().await?,
    };
    let postgres = store.backend() == sea_orm::DbBackend::Postgres;
    if postgres {
        sea_orm::ConnectionTrait::execute_unprepared(&tx, "SET LOCAL enable_seqscan = off").await?;
    }
    let ctx = Context { community, actor, write: mode != Mode::Check };
    let choices = choices(t, names);
    let mut seen: HashMap<String, (u64, u64)> = HashMap::new();
    let mut batch: Vec<(Row, Vec<String>)> = Vec::with_capacity(BATCH);
    let rest = first.into_iter().skip(at + 1).map(Ok).chain(sheet.by_ref());
    let mut rows = rest.peekable();
    loop {
        let next = rows.next();
        let end = next.is_none();
        if let Some(item) = next {
            let (line, cells) = match item {
                Ok(l) => l,
                Err(e) => {
                    drop(tx);
                    report.committed = false;
                    return Ok((report.fatal(&e), rejected));
                }
            };
            if cells.iter().all(|c| text::clean(c).is_empty()) {
                continue;
            }
            report.rows += 1;
            if report.preview.len() < PREVIEW {
                report.preview.push(cells.clone());
            }
            match clean_row(t, &report.columns, line, &cells, &choices) {
                Err(errors) => reject(&mut report, &mut rejected, &header, &cells, errors),
                Ok(row) => match (t.key_of)(&row) {
                    Some(key) => {
                        let fp = fingerprint(&row);
                        match seen.get(&key) {
                            Some((_, f)) if *f == fp => report.repeated += 1,
                            Some((first_line, _)) => {
                                let field = t.fields.first().map(|f| f.key).unwrap_or_default();
                                let e = RowError {
                                    line,
                                    column: None,
                                    field: field.to_owned(),
                                    code: "duplicate_in_file".into(),
                                    arg: Some(*first_line as i64),
                                    value: key.clone(),
                                };
                                reject(&mut report, &mut rejected, &header, &cells, vec![e]);
                            }
                            None => {
                                seen.insert(key, (line, fp));
                                batch.push((row, cells));
                            }
                        }
                    }
                    None => batch.push((row, cells)),
                },
            }
        }
        if batch.len() >= BATCH || (end && !batch.is_empty()) {
            let (rows_in, cells_in): (Vec<Row>, Vec<Vec<String>>) = std::mem::take(&mut batch).into_iter().unzip();
            if postgres {
                // The rows this transaction writes are invisible to the planner's statistics,
                // and a batch's lookups are the same prepared statement each time: its cached
                // generic plan, made when the table was small, would scan the community's rows
                // for each batch as the table grows (a quadratic import). Plan each lookup for
                // its values — until the batch turns to writing (`before_writes`).
                sea_orm::ConnectionTrait::execute_unprepared(&tx, "SET LOCAL plan_cache_mode = force_custom_plan")
                    .await?;
            }
            let outcomes = (t.batch)(&ctx, &tx, &rows_in).await?;
            let (mut created, mut about) = (Vec::new(), Vec::new());
            for ((row, cells), outcome) in rows_in.iter().zip(&cells_in).zip(outcomes) {
                match outcome {
                    Outcome::New(r) => {
                        report.new += 1;
                        created.push(r);
                    }
                    Outcome::NewAbout(r, concerns) => {
                        report.new += 1;
                        created.push(r);
                        about.extend(concerns);
                    }
                    Outcome::Unchanged => report.unchanged += 1,
                    Outcome::Invalid(reasons) => {
                        let errors = reasons
                            .into_iter()
                            .map(|fe| {
                                let (field, code, arg) = (fe.field, fe.code, fe.arg);
                                let column = report
                                    .columns
                                    .iter()
                                    .find(|c| c.field.as_deref() == Some(field.as_str()))
                                    .map(|c| c.header.clone());
                                let value = column
                                    .as_ref()
                                    .and_then(|_| {
                                        report.columns.iter().find(|c| c.field.as_deref() == Some(field.as_str()))
                                    })
                                    .and_then(|c| cells.get(c.index))
                                    .map(|v| cut(v))
                                    .unwrap_or_default();
                                RowError { line: row.line, column, field, code: code.to_owned(), arg, value }
                            })
                            .collect();
                        reject(&mut report, &mut rejected, &header, cells, errors);
                    }
                }
            }
            if ctx.write && !created.is_empty() && (mode == Mode::ValidOnly || report.rejected == 0) {
                let first_line = rows_in.first().map(|r| r.line).unwrap_or_default();
                let last_line = rows_in.last().map(|r| r.line).unwrap_or_default();
                audit::append(
                    &tx,
                    actor,
                    Entry::new(Action::Create, t.entity, None)
                        .community(community.id)
                        .summary(format!("import {}: rows {first_line}–{last_line}, {} new", t.key, created.len()))
                        .showed(created.into_iter().chain(about)),
                )
                .await?;
            }
            progress(Progress { rows: report.rows, fraction: position.fraction() });
        }
        if end {
            break;
        }
    }
    // Rows refused while reading were reported before those their batch refused.
    report.errors.sort_by_key(|e| e.line);
    let commit = match mode {
        Mode::Check => false,
        Mode::AllOrNothing => report.rejected == 0,
        Mode::ValidOnly => true,
    };
    if commit {
        tx.commit().await?;
        report.committed = report.new > 0;
    } else {
        tx.rollback().await?;
    }
    Ok((report, rejected))
}

fn reject(report: &mut Report, rejected: &mut Rejected, header: &[String], cells: &[String], errors: Vec<RowError>) {
    report.rejected += 1;
    rejected.push(header, cells, &errors);
    for e in errors {
        if report.errors.len() < MAX_REPORTED {
            report.errors.push(e);
        }
    }
}

/// A blank template: the header row with each field's name in both languages ("户号 Code")
/// so a team can fill it in Excel or WPS, required fields marked.
pub fn template_header(t: &Template, names: &dyn Names) -> Vec<String> {
    t.fields
        .iter()
        .map(|f| {
            let mut s = names.spellings(&t.field_name_key(f.key));
            s.dedup();
            let name = if s.is_empty() { f.key.to_owned() } else { s.join(" / ") };
            if f.required { format!("{name} *") } else { name }
        })
        .collect()
}

/// A batch function calls this after its lookups and before its inserts: on PostgreSQL the
/// inserts' foreign-key checks are prepared plans too, and planning them again for every
/// row (as `run` has the lookups planned) made the search terms' inserts half again slower.
pub async fn before_writes(tx: &DatabaseTransaction) -> CoreResult<()> {
    if sea_orm::ConnectionTrait::get_database_backend(tx) == sea_orm::DbBackend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(tx, "SET LOCAL plan_cache_mode = auto").await?;
    }
    Ok(())
}

/// A text field of a template (the common kind).
pub const fn text_field(key: &'static str, max: usize, required: bool, aliases: &'static [&'static str]) -> Field {
    Field { key, required, kind: FieldKind::Text { max }, aliases }
}

/// A row's problem with a field, as the practice's batch reports it.
pub fn problem(field: &str, code: &'static str) -> crate::FieldError {
    crate::FieldError { field: field.to_owned(), code, arg: None }
}

/// How a row names its person: the team's id for them, or household code and name.
pub const PERSON: (&str, &str, &str) = ("external_id", "household_code", "full_name");

/// The resident a row names (by `PERSON`) among those `residents_by_key` found, or why
/// there is none, added to `e`: an unknown ledger id, or no such name in the household.
pub fn person_of<'m>(
    e: &mut crate::FieldErrors,
    people: &'m HashMap<String, crate::entity::resident::Model>,
    r: &Row,
) -> Option<&'m crate::entity::resident::Model> {
    let Some(key) = resident_key_of(r, PERSON) else {
        e.add(if r.get("full_name").is_none() { "full_name" } else { "household_code" }, "required");
        return None;
    };
    let found = people.get(&key);
    match (found, r.get("external_id")) {
        (None, Some(_)) => e.add("external_id", "no_such_resident"),
        (None, None) => e.add("full_name", "unknown_resident"),
        _ => {}
    }
    found
}

/// Records by the name a ledger writes them with (case, spacing and punctuation aside:
/// `text::header_key`), each name with every record it could mean.
pub fn by_spelling<T>(named: impl IntoIterator<Item = (T, String)>) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for (record, name) in named {
        out.entry(text::header_key(&name)).or_default().push(record);
    }
    out
}

/// The one record a cell names among `by_spelling`'s: `unknown` when none, `ambiguous`
/// when two share the name (the row must then say which another way).
pub fn only<T: Copy>(found: Option<&Vec<T>>, unknown: &'static str) -> Result<T, &'static str> {
    match found.map(Vec::as_slice) {
        Some([one]) => Ok(*one),
        Some([_, _, ..]) => Err("ambiguous"),
        _ => Err(unknown),
    }
}

/// The community's households named by `codes`, by code: how a practice's rows find the
/// household they are about (a ledger names households by their code, never by id).
pub async fn households_by_code(
    tx: &DatabaseTransaction,
    community: i64,
    codes: impl IntoIterator<Item = String>,
) -> CoreResult<HashMap<String, crate::entity::household::Model>> {
    use crate::entity::household;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut codes: Vec<String> = codes.into_iter().collect();
    codes.sort_unstable();
    codes.dedup();
    let mut found = HashMap::new();
    for chunk in codes.chunks(500) {
        for h in household::Entity::find()
            .filter(household::Column::CommunityId.eq(community))
            .filter(household::Column::Code.is_in(chunk.to_vec()))
            .all(tx)
            .await?
        {
            found.insert(h.code.clone(), h);
        }
    }
    Ok(found)
}

/// The community's residents named in rows by the team's own id for them (`external_id`)
/// or, without one, by household code and full name: how a row about a person finds them.
/// Keys are `id:<external id>` and `<household code>\u{1f}<full name>`; a name two
/// members of one household share is left out (the row must give the id).
pub async fn residents_by_key(
    tx: &DatabaseTransaction,
    community: i64,
    rows: &[Row],
    (id_field, code_field, name_field): (&str, &str, &str),
) -> CoreResult<HashMap<String, crate::entity::resident::Model>> {
    use crate::entity::resident;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut found = HashMap::new();
    let ids: Vec<String> = rows.iter().filter_map(|r| r.owned(id_field)).collect();
    for chunk in ids.chunks(500) {
        for r in resident::Entity::find()
            .filter(resident::Column::CommunityId.eq(community))
            .filter(resident::Column::ExternalId.is_in(chunk.to_vec()))
            .all(tx)
            .await?
        {
            if let Some(k) = &r.external_id {
                found.insert(format!("id:{k}"), r);
            }
        }
    }
    let codes = rows.iter().filter(|r| r.get(id_field).is_none()).filter_map(|r| r.owned(code_field));
    let homes = households_by_code(tx, community, codes).await?;
    let by_id: HashMap<i64, &str> = homes.values().map(|h| (h.id, h.code.as_str())).collect();
    let home_ids: Vec<i64> = by_id.keys().copied().collect();
    let wanted: std::collections::HashSet<&str> = rows.iter().filter_map(|r| r.get(name_field)).collect();
    let mut shared = std::collections::HashSet::new();
    for chunk in home_ids.chunks(500) {
        for r in resident::Entity::find().filter(resident::Column::HouseholdId.is_in(chunk.to_vec())).all(tx).await? {
            if !wanted.contains(r.full_name.as_str()) {
                continue;
            }
            let Some(code) = by_id.get(&r.household_id) else { continue };
            let key = format!("{code}\u{1f}{}", r.full_name);
            if found.insert(key.clone(), r).is_some() {
                shared.insert(key);
            }
        }
    }
    for k in shared {
        found.remove(&k);
    }
    Ok(found)
}

/// The key `residents_by_key` files a row's person under.
pub fn resident_key_of(row: &Row, (id_field, code_field, name_field): (&str, &str, &str)) -> Option<String> {
    match row.get(id_field) {
        Some(id) => Some(format!("id:{id}")),
        None => Some(format!("{}\u{1f}{}", row.get(code_field)?, row.get(name_field)?)),
    }
}

/// Checks the actor may import into `community` (by slug), for callers before reading.
pub async fn community_for(store: &Store, actor: &Actor, slug: &str) -> CoreResult<community::Model> {
    actor.require(Permission::EditPeople)?;
    crate::registry::communities::by_slug(store, actor, slug)
        .await
        .map_err(|_| CoreError::invalid("community", "unknown_community"))
}
