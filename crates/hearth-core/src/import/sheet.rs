//! A spreadsheet as rows of text cells, from CSV (any encoding `text::detect` knows, comma,
//! semicolon or tab separated) or XLSX (the first sheet). CSV is streamed: a file of any
//! size is read a record at a time. XLSX is a compressed XML package that is read whole,
//! so the web upload limit bounds it.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use calamine::{Data, Reader};

use super::text::{self, DecodeReader, SourceEncoding};

/// More columns than any template has many times over: a file with more is not a ledger
/// (and a million-column header must not become a million-entry mapping form).
pub const MAX_COLUMNS: usize = 200;
/// Bytes of the file read to decide its encoding and separator.
const PREFIX: usize = 64 * 1024;

/// Why a file cannot be read at all (a row's problems are `RowError`s instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("the file is empty")]
    Empty,
    #[error("{0}")]
    Encoding(text::EncodingError),
    #[error("this is an Excel 97–2003 file (.xls): save it as .xlsx or CSV")]
    OldExcel,
    #[error("the workbook cannot be read: {0}")]
    Xlsx(String),
    #[error("the file has {0} columns; a template has at most {MAX_COLUMNS}")]
    TooManyColumns(usize),
    #[error("row {line}: {reason}")]
    Malformed { line: u64, reason: String },
    #[error("cannot read the file: {0}")]
    Io(String),
}

impl SheetError {
    /// A stable code for the message catalogue (`import-error-<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::Empty => "empty_file",
            SheetError::Encoding(text::EncodingError::Binary) => "binary_file",
            SheetError::Encoding(_) => "unknown_encoding",
            SheetError::OldExcel => "old_excel",
            SheetError::Xlsx(_) => "bad_xlsx",
            SheetError::TooManyColumns(_) => "too_many_columns",
            SheetError::Malformed { .. } => "malformed",
            SheetError::Io(_) => "unreadable",
        }
    }
}

/// Where a file comes from: a path (the CLI, streamed) or bytes kept with an upload.
#[derive(Clone, Debug)]
pub enum Source {
    Path(PathBuf),
    Bytes(Arc<Vec<u8>>),
}

impl Source {
    fn open(&self) -> Result<(Box<dyn Read + Send>, u64), SheetError> {
        match self {
            Source::Path(p) => {
                let f = std::fs::File::open(p).map_err(|e| SheetError::Io(e.to_string()))?;
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                Ok((Box::new(f), len))
            }
            Source::Bytes(b) => {
                let len = b.len() as u64;
                Ok((Box::new(Cursor::new(ArcBytes(b.clone()))), len))
            }
        }
    }
}

struct ArcBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// What kind of file it turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv { encoding: SourceEncoding, separator: u8 },
    Xlsx,
}

impl Format {
    pub fn describe(self) -> String {
        match self {
            Format::Csv { encoding, separator } => {
                let sep = match separator {
                    b'\t' => "tab",
                    b';' => ";",
                    _ => ",",
                };
                format!("CSV, {}, {sep}", encoding.label())
            }
            Format::Xlsx => "XLSX".to_owned(),
        }
    }
}

/// One row: its number as a spreadsheet shows it (1 = the first line), and its cells.
pub type Line = (u64, Vec<String>);

/// Counts what has been read of the file, for a progress bar.
#[derive(Clone, Debug, Default)]
pub struct Position {
    pub read: Arc<AtomicU64>,
    pub total: u64,
}

impl Position {
    /// How far through the file, 0 to 1 (None when the size is unknown).
    pub fn fraction(&self) -> Option<f64> {
        (self.total > 0).then(|| (self.read.load(Ordering::Relaxed) as f64 / self.total as f64).min(1.0))
    }
}

struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub struct Sheet {
    pub format: Format,
    pub position: Position,
    rows: Box<dyn Iterator<Item = Result<Line, SheetError>> + Send>,
}

impl Iterator for Sheet {
    type Item = Result<Line, SheetError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

/// Opens a file, deciding from its content (not its name) what it is.
pub fn open(source: &Source) -> Result<Sheet, SheetError> {
    let (mut reader, total) = source.open()?;
    let mut prefix = Vec::with_capacity(PREFIX.min(total as usize + 1));
    (&mut reader).take(PREFIX as u64).read_to_end(&mut prefix).map_err(|e| SheetError::Io(e.to_string()))?;
    if prefix.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(SheetError::Empty);
    }
    if prefix.starts_with(b"PK\x03\x04") {
        return xlsx(source, total);
    }
    if prefix.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SheetError::OldExcel);
    }
    let encoding = text::detect(&prefix).map_err(SheetError::Encoding)?;
    let position = Position { read: Arc::new(AtomicU64::new(0)), total };
    let whole = Counting { inner: Cursor::new(prefix).chain(reader), read: position.read.clone() };
    let mut decoded = BufReader::with_capacity(PREFIX, DecodeReader::new(whole, encoding));
    let separator = {
        let head = decoded.fill_buf().map_err(|e| SheetError::Io(e.to_string()))?;
        let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
        let count = |c: u8| first.iter().filter(|b| **b == c).count();
        [b',', b'\t', b';'].into_iter().max_by_key(|c| (count(*c), *c == b',')).unwrap_or(b',')
    };
    let csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(separator).from_reader(decoded);
    let rows = csv.into_records().enumerate().map(|(i, r)| {
        let line = i as u64 + 1;
        let r = r.map_err(|e| SheetError::Malformed { line, reason: e.to_string() })?;
        if r.len() > MAX_COLUMNS {
            return Err(SheetError::TooManyColumns(r.len()));
        }
        Ok((line, r.iter().map(str::to_owned).collect()))
    });
    Ok(Sheet { format: Format::Csv { encoding, separator }, position, rows: Box::new(rows) })
}

/// The date of an Excel serial day number (the 1900 system, with its phantom 29 February
/// 1900, so days after it are counted from 30 December 1899).
fn excel_date(serial: f64) -> Option<chrono::NaiveDateTime> {
    let days = serial.floor();
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let date = if days < 61.0 {
        base.checked_add_days(chrono::Days::new((days as u64).saturating_add(1)))?
    } else {
        base.checked_add_days(chrono::Days::new(days as u64))?
    };
    let seconds = ((serial - days) * 86_400.0).round() as u32;
    date.and_hms_opt(0, 0, 0).map(|d| d + chrono::TimeDelta::seconds(i64::from(seconds.min(86_399))))
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        // A whole number stored as a float (phone numbers, codes) reads as the digits typed.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match excel_date(dt.as_f64()) {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn xlsx(source: &Source, total: u64) -> Result<Sheet, SheetError> {
    let bytes = match source {
        Source::Bytes(b) => b.clone(),
        Source::Path(p) => Arc::new(std::fs::read(p).map_err(|e| SheetError::Io(e.to_string()))?),
    };
    let mut book = calamine::Xlsx::new(Cursor::new(ArcBytes(bytes))).map_err(|e| SheetError::Xlsx(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| SheetError::Xlsx("it has no worksheet".into()))?
        .map_err(|e| SheetError::Xlsx(e.to_string()))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let width = range.width() + left as usize;
    if width > MAX_COLUMNS {
        return Err(SheetError::TooManyColumns(width));
    }
    let count = range.height() as u64;
    let position = Position { read: Arc::new(AtomicU64::new(0)), total: count.max(1) };
    let read = position.read.clone();
    let _ = total;
    let rows: Vec<Line> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(r.iter().map(cell_text));
            (u64::from(top) + i as u64 + 1, cells)
        })
        .collect();
    drop(range);
    let it = rows.into_iter().map(move |l| {
        read.fetch_add(1, Ordering::Relaxed);
        Ok(l)
    });
    Ok(Sheet { format: Format::Xlsx, position, rows: Box::new(it) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rows(bytes: &[u8]) -> Result<(Format, Vec<Line>), SheetError> {
        let s = open(&Source::Bytes(Arc::new(bytes.to_vec())))?;
        let f = s.format;
        Ok((f, s.collect::<Result<Vec<_>, _>>()?))
    }

    #[test]
    fn csv_in_each_encoding_and_separator() {
        let (f, r) = rows("户号,地址\n3-2-401,嘉福路1号\n".as_bytes()).unwrap();
        assert_eq!(f, Format::Csv { encoding: SourceEncoding::Utf8, separator: b',' });
        assert_eq!(r[1].1, ["3-2-401", "嘉福路1号"]);
        let (gbk, _, _) = encoding_rs::GBK.encode("户号;地址\n3-2-401;嘉福路1号\n");
        let (f, r) = rows(&gbk).unwrap();
        assert_eq!(f, Format::Csv { encoding: SourceEncoding::Gb18030, separator: b';' });
        assert_eq!(r[1], (2, vec!["3-2-401".to_owned(), "嘉福路1号".to_owned()]));
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("户号\t地址\r\n1\t路\r\n".encode_utf16().flat_map(u16::to_le_bytes));
        let (f, r) = rows(&utf16).unwrap();
        assert_eq!(f, Format::Csv { encoding: SourceEncoding::Utf16Le, separator: b'\t' });
        assert_eq!(r[0].1, ["户号", "地址"]);
    }

    #[test]
    fn files_that_are_not_ledgers_say_why() {
        assert_eq!(rows(b"").err(), Some(SheetError::Empty));
        assert_eq!(rows(b"  \n\n").err(), Some(SheetError::Empty));
        assert_eq!(rows(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).err(), Some(SheetError::OldExcel));
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode("Name,City\nMüller,Köln\nZoë,Genève\n");
        assert_eq!(rows(&latin1).err().map(|e| e.code()), Some("unknown_encoding"));
        let wide = format!("{}\n", vec!["a"; 1_000_000].join(","));
        assert_eq!(rows(wide.as_bytes()).err(), Some(SheetError::TooManyColumns(1_000_000)));
    }

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(excel_date(42433.0).map(|d| d.date().to_string()), Some("2016-03-04".to_owned()));
        assert_eq!(excel_date(18264.0).map(|d| d.date().to_string()), Some("1950-01-01".to_owned()));
        assert_eq!(cell_text(&Data::Float(13812345678.0)), "13812345678");
        assert_eq!(cell_text(&Data::Float(2.5)), "2.5");
    }
}
