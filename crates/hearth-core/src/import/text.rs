//! Turning spreadsheet text from household ledgers (台账) into clean values, and reading CSV files in
//! whatever encoding Excel or WPS saved them in.
//!
//! Ledgers are typed by hand, copied between templates and saved by tools with different defaults, so the
//! same value arrives in many shapes: full-width digits from a Chinese IME, phone numbers that Excel turned
//! into floats, dates in three national orders. Everything here is strict where a wrong guess would
//! silently corrupt a record (ambiguous dates, rounded numbers, unknown encodings) and lenient only where
//! the reading is unambiguous.
//!
//! Each value parser has its own small error type, rather than one shared enum, so that callers matching
//! on a date error cannot be handed a phone error; every error has a stable `code()` that the UI uses as
//! an i18n key, and an English `Display` for logs.

use std::fmt;
use std::io::{self, Read};

use chrono::{Days, NaiveDate};
use encoding_rs::{DecoderResult, Encoding};

// ---------------------------------------------------------------------------------------------------------
// Encoding detection
// ---------------------------------------------------------------------------------------------------------

/// Encodings a CSV can arrive in.
///
/// These are the ones Excel and WPS actually write on Chinese Windows: "CSV UTF-8" (with BOM), plain UTF-8
/// from other tools, "Unicode text" (UTF-16), and the legacy ANSI code page 936, which we decode as
/// GB18030 because it is a strict superset of GBK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

impl SourceEncoding {
    /// The name shown to users in import reports, so they can recognise the option in their save dialog.
    pub fn label(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Utf8Bom => "UTF-8 (BOM)",
            SourceEncoding::Utf16Le => "UTF-16LE",
            SourceEncoding::Utf16Be => "UTF-16BE",
            SourceEncoding::Gb18030 => "GB18030/GBK",
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            SourceEncoding::Utf8 | SourceEncoding::Utf8Bom => encoding_rs::UTF_8,
            SourceEncoding::Utf16Le => encoding_rs::UTF_16LE,
            SourceEncoding::Utf16Be => encoding_rs::UTF_16BE,
            SourceEncoding::Gb18030 => encoding_rs::GB18030,
        }
    }
}

impl fmt::Display for SourceEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The guess reported for Western European text, which is the commonest wrong encoding we see (ledgers
/// started on an English-locale PC).
const LATIN1_GUESS: &str = "ISO-8859-1 (Latin-1) or Windows-1252";

/// Why a file could not be decoded. `Display` is an English message naming the encoding when we can guess it.
///
/// We refuse rather than decode with replacement characters: a ledger imported with mangled names is worse
/// than one the worker re-saves as "CSV UTF-8".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingError {
    Unsupported { guess: &'static str },
    Binary,
}

impl fmt::Display for EncodingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodingError::Unsupported { guess } if *guess != "unknown" => {
                write!(f, "the file looks like {guess} text, which is not supported; save it again as \"CSV UTF-8\"")
            }
            EncodingError::Unsupported { .. } => f.write_str(
                "the file is not in a supported encoding (UTF-8, UTF-16 or GB18030/GBK); \
                 save it again as \"CSV UTF-8\"",
            ),
            EncodingError::Binary => f.write_str(
                "the file contains binary data, not CSV text; it looks like a spreadsheet file (XLSX/XLS) \
                 or another binary format saved with a .csv name",
            ),
        }
    }
}

impl std::error::Error for EncodingError {}

/// Decide the encoding from the first bytes of the file (callers pass up to 64 KiB; the prefix may end mid-character).
///
/// Only the prefix is examined so detection costs the same for a 10-row and a 100 000-row ledger; a file
/// whose prefix is pure ASCII but which turns to GBK later is reported by [`DecodeReader`] with an offset.
pub fn detect(prefix: &[u8]) -> Result<SourceEncoding, EncodingError> {
    if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(SourceEncoding::Utf8Bom);
    }
    if prefix.starts_with(&[0xFF, 0xFE]) {
        return Ok(SourceEncoding::Utf16Le);
    }
    if prefix.starts_with(&[0xFE, 0xFF]) {
        return Ok(SourceEncoding::Utf16Be);
    }
    // XLSX is a ZIP; XLS is an OLE2 compound file. Both get uploaded as "the ledger" by mistake.
    if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(EncodingError::Binary);
    }
    if prefix.contains(&0) {
        return utf16_without_bom(prefix).ok_or(EncodingError::Binary);
    }
    if is_utf8_prefix(prefix) {
        return Ok(SourceEncoding::Utf8);
    }
    if decodes_cleanly(encoding_rs::GB18030, prefix) && looks_like_gb2312_text(prefix) {
        return Ok(SourceEncoding::Gb18030);
    }
    let guess = if looks_like_latin1(prefix) { LATIN1_GUESS } else { "unknown" };
    Err(EncodingError::Unsupported { guess })
}

/// UTF-16 text without a BOM shows up as NULs in every other byte (the high half of ASCII code units);
/// binary files have NULs in runs or at random positions, so they fail the alternation test.
fn utf16_without_bom(prefix: &[u8]) -> Option<SourceEncoding> {
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, b) in prefix.iter().enumerate() {
        if *b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let units = prefix.len() / 2;
    let (encoding, dominant, other) =
        if odd >= even { (SourceEncoding::Utf16Le, odd, even) } else { (SourceEncoding::Utf16Be, even, odd) };
    // Some CJK code points (U+4E00 一, U+5000 ...) have a zero low byte, so the other parity may hold a few.
    if units == 0 || dominant * 5 < units || other * 4 > dominant {
        return None;
    }
    let code_units = prefix.chunks_exact(2).map(|pair| match (encoding, pair) {
        (SourceEncoding::Utf16Le, [lo, hi]) => u16::from_le_bytes([*lo, *hi]),
        (_, [hi, lo]) => u16::from_be_bytes([*hi, *lo]),
        _ => 0,
    });
    let mut chars = char::decode_utf16(code_units).peekable();
    while let Some(decoded) = chars.next() {
        match decoded {
            Ok('\0') => return None,
            Ok(_) => {}
            // A high surrogate at the very end is a character cut by the prefix boundary.
            Err(e) if chars.peek().is_none() && (0xD800..0xDC00).contains(&e.unpaired_surrogate()) => {}
            Err(_) => return None,
        }
    }
    Some(encoding)
}

/// Valid UTF-8, except that the last character may be cut off by the prefix boundary.
fn is_utf8_prefix(prefix: &[u8]) -> bool {
    match std::str::from_utf8(prefix) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// Whether `bytes` decode without a malformed sequence, treating a cut-off final character as fine.
fn decodes_cleanly(encoding: &'static Encoding, bytes: &[u8]) -> bool {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut scratch = [0u8; 4096];
    let mut rest = bytes;
    loop {
        let (result, read, _) = decoder.decode_to_utf8_without_replacement(rest, &mut scratch, false);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            DecoderResult::InputEmpty => return true,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => return false,
        }
    }
}

/// GBK accepts almost any high byte followed by almost any byte, so "decodes without error" proves
/// little: Latin-1 "Müller" is a valid GBK rare character plus "ller". Real ledgers are dominated by
/// common hanzi and CJK punctuation, which all sit in the GB2312 block where both bytes are 0xA1..=0xFE.
fn looks_like_gb2312_text(bytes: &[u8]) -> bool {
    let (mut pairs, mut gb2312) = (0usize, 0usize);
    let mut iter = bytes.iter().copied();
    while let Some(lead) = iter.next() {
        if !(0x81..=0xFE).contains(&lead) {
            continue;
        }
        let Some(trail) = iter.next() else {
            break; // cut by the prefix boundary
        };
        pairs += 1;
        if (0x30..=0x39).contains(&trail) {
            // Four-byte GB18030 sequence: rare in Chinese text, counts against the file.
            iter.next();
            iter.next();
        } else if (0xA1..=0xFE).contains(&lead) && (0xA1..=0xFE).contains(&trail) {
            gb2312 += 1;
        }
    }
    pairs > 0 && gb2312 * 10 >= pairs * 9
}

/// Western European text has isolated high bytes (one accented letter among ASCII), whereas East Asian
/// double-byte text has them in pairs or longer runs. Bytes that Windows-1252 leaves undefined rule it out.
fn looks_like_latin1(bytes: &[u8]) -> bool {
    const UNDEFINED_IN_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];
    let (mut runs, mut singles, mut run_len) = (0usize, 0usize, 0usize);
    for b in bytes.iter().copied().chain(std::iter::once(b'\n')) {
        if UNDEFINED_IN_1252.contains(&b) {
            return false;
        }
        if b >= 0x80 {
            run_len += 1;
        } else if run_len > 0 {
            runs += 1;
            if run_len == 1 {
                singles += 1;
            }
            run_len = 0;
        }
    }
    runs > 0 && singles * 2 >= runs
}

// ---------------------------------------------------------------------------------------------------------
// Streaming decoding
// ---------------------------------------------------------------------------------------------------------

/// What a [`DecodeReader`] puts inside its `io::ErrorKind::InvalidData` errors, so a caller can downcast
/// (`io::Error::get_ref`) and show the position in the user's own language instead of the English message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedInput {
    pub encoding: SourceEncoding,
    /// Byte offset in the source file (counting any BOM) where the malformed sequence starts.
    pub offset: u64,
}

impl fmt::Display for MalformedInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the file is not valid {} text: malformed bytes at byte offset {}",
            self.encoding.label(),
            self.offset
        )
    }
}

impl std::error::Error for MalformedInput {}

impl From<MalformedInput> for io::Error {
    fn from(e: MalformedInput) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

const INPUT_BUFFER: usize = 8 * 1024;
/// Must hold at least one decoded character so the decoder always makes progress.
const OUTPUT_BUFFER: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReaderState {
    Running,
    Finished,
    Failed(MalformedInput),
}

/// A `std::io::Read` that yields UTF-8 from the source bytes in the detected encoding.
///
/// It streams with fixed buffers because ledgers can be large and imports run on small servers; it never
/// substitutes U+FFFD, because a silently mangled name is worse than a failed import that says where
/// the bad byte is. Once it has failed, every later read returns the same error.
pub struct DecodeReader<R> {
    inner: R,
    encoding: SourceEncoding,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    input_pos: usize,
    input_len: usize,
    inner_done: bool,
    /// Source bytes handed to the decoder so far, for error offsets.
    consumed: u64,
    output: Box<[u8]>,
    output_pos: usize,
    output_len: usize,
    state: ReaderState,
}

impl<R: Read> DecodeReader<R> {
    /// Takes the encoding from [`detect`] rather than sniffing again, so the reader and the import report
    /// always agree on what the file was.
    pub fn new(inner: R, enc: SourceEncoding) -> Self {
        // BOM removal only strips this encoding's own BOM, so a decoder never switches encodings midway.
        let decoder = match enc {
            SourceEncoding::Gb18030 => enc.encoding().new_decoder_without_bom_handling(),
            _ => enc.encoding().new_decoder_with_bom_removal(),
        };
        DecodeReader {
            inner,
            encoding: enc,
            decoder,
            input: vec![0; INPUT_BUFFER].into_boxed_slice(),
            input_pos: 0,
            input_len: 0,
            inner_done: false,
            consumed: 0,
            output: vec![0; OUTPUT_BUFFER].into_boxed_slice(),
            output_pos: 0,
            output_len: 0,
            state: ReaderState::Running,
        }
    }

    /// Decodes until some output is ready, the input ends, or a malformed sequence is found. Output decoded
    /// before a malformed sequence is kept so the caller receives it before the error.
    fn refill(&mut self) -> io::Result<()> {
        self.output_pos = 0;
        self.output_len = 0;
        loop {
            if self.input_pos >= self.input_len && !self.inner_done {
                let n = self.inner.read(&mut self.input)?;
                self.input_pos = 0;
                self.input_len = n;
                self.inner_done = n == 0;
            }
            let last = self.inner_done;
            let src = self.input.get(self.input_pos..self.input_len).unwrap_or_default();
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(src, &mut self.output, last);
            self.input_pos += read;
            self.consumed += read as u64;
            self.output_len = written;
            match result {
                DecoderResult::InputEmpty if last => {
                    self.state = ReaderState::Finished;
                    return Ok(());
                }
                DecoderResult::InputEmpty if written == 0 => {}
                DecoderResult::InputEmpty | DecoderResult::OutputFull => return Ok(()),
                DecoderResult::Malformed(bad, after) => {
                    // The malformed bytes may have arrived in an earlier read; `consumed` counts those too.
                    let offset = self.consumed.saturating_sub(u64::from(bad) + u64::from(after));
                    self.state = ReaderState::Failed(MalformedInput { encoding: self.encoding, offset });
                    return Ok(());
                }
            }
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let pending = self.output.get(self.output_pos..self.output_len).unwrap_or_default();
            if !pending.is_empty() {
                let n = pending.len().min(buf.len());
                let (dst, src) = (buf.get_mut(..n), pending.get(..n));
                if let (Some(dst), Some(src)) = (dst, src) {
                    dst.copy_from_slice(src);
                }
                self.output_pos += n;
                return Ok(n);
            }
            match self.state {
                ReaderState::Failed(e) => return Err(e.into()),
                ReaderState::Finished => return Ok(0),
                ReaderState::Running => self.refill()?,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Value cleaning
// ---------------------------------------------------------------------------------------------------------

/// Normalises a cell the way a person reading it would: invisible and full-width variants from a Chinese
/// IME, stray padding and line breaks inside cells must not make "3-2-401" differ from "３－２－４０１ ".
/// CJK characters are left alone; zero-width characters are removed even inside the text.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        let c = match c {
            '\u{200B}' | '\u{FEFF}' => continue,
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Why a date cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    Empty,
    Format,
    /// Day and month order cannot be told apart (`04/03/2016`): guessing would silently swap them.
    Ambiguous,
    NoSuchDay,
}

impl DateError {
    /// Stable key for i18n and for grouping errors in an import report.
    pub fn code(self) -> &'static str {
        match self {
            DateError::Empty => "empty",
            DateError::Format => "date_format",
            DateError::Ambiguous => "date_ambiguous",
            DateError::NoSuchDay => "no_such_day",
        }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateError::Empty => "the date is empty",
            DateError::Format => "not a recognised date; use YYYY-MM-DD",
            DateError::Ambiguous => "day and month order is ambiguous; use YYYY-MM-DD",
            DateError::NoSuchDay => "no such day in the calendar",
        })
    }
}

impl std::error::Error for DateError {}

/// A date as people type it in a Chinese ledger, after `clean`.
///
/// Year-first forms are the Chinese convention and are always accepted; `d.m.yyyy` is unambiguous because
/// only Europeans and Russians write dots with the year last; slash or dash dates with the year last are
/// refused because US and European orders both occur among newcomers and a swap would go unnoticed.
/// Excel serial numbers are accepted only in 20000..=80000 (1954..2119) so counts and codes are not
/// mistaken for dates.
pub fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    let s = clean(s);
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    let date = strip_time_of_day(&s);
    if date.contains(['年', '月', '日']) {
        return parse_chinese_date(date);
    }
    if let Some(result) = parse_separated_date(date) {
        return result;
    }
    if date.len() == 8 && all_digits(date) {
        let (y, md) = date.split_at(4);
        let (m, d) = md.split_at(2);
        return ymd(y, m, d);
    }
    if let Some(serial) = excel_serial(date) {
        return NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.checked_add_days(Days::new(serial)))
            .ok_or(DateError::Format);
    }
    Err(DateError::Format)
}

/// Excel and WPS write date cells with a time as "2016/3/4 0:00"; ISO tools write "2016-03-04T10:00".
/// The time is only stripped when it really is a time, so "2016年 3月 4日" keeps its spaces.
fn strip_time_of_day(s: &str) -> &str {
    match s.rsplit_once([' ', 'T']) {
        Some((date, time)) if is_time_of_day(time) => date.trim_end(),
        _ => s,
    }
}

fn is_time_of_day(s: &str) -> bool {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let mut parts = s.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
        return false;
    };
    let seconds_ok = match parts.next() {
        None => true,
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, "0"));
            whole.len() == 2 && number_at_most(whole, 60) && !frac.is_empty() && all_digits(frac)
        }
    };
    parts.next().is_none()
        && (1..=2).contains(&h.len())
        && number_at_most(h, 23)
        && m.len() == 2
        && number_at_most(m, 59)
        && seconds_ok
}

fn number_at_most(s: &str, max: u32) -> bool {
    all_digits(s) && s.parse::<u32>().is_ok_and(|n| n <= max)
}

fn parse_chinese_date(s: &str) -> Result<NaiveDate, DateError> {
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    let parts = compact
        .split_once('年')
        .and_then(|(y, rest)| rest.split_once('月').map(|(m, d)| (y, m, d.strip_suffix('日').unwrap_or(d))));
    match parts {
        Some((y, m, d)) if y.len() == 4 && short_number(m) && short_number(d) && all_digits(y) => ymd(y, m, d),
        _ => Err(DateError::Format),
    }
}

/// `None` when the text is not three digit groups joined by one repeated separator, so the caller can try
/// the other shapes (an Excel serial like "42433.0" has a dot too).
fn parse_separated_date(s: &str) -> Option<Result<NaiveDate, DateError>> {
    let sep = s.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '-' | '/' | '.') {
        return None;
    }
    let mut parts = s.split(sep);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || ![a, b, c].iter().all(|p| !p.is_empty() && all_digits(p)) {
        return None;
    }
    if a.len() == 4 && short_number(b) && short_number(c) {
        return Some(ymd(a, b, c));
    }
    if c.len() == 4 && short_number(a) && short_number(b) {
        return Some(if sep == '.' { ymd(c, b, a) } else { Err(DateError::Ambiguous) });
    }
    Some(Err(DateError::Format))
}

fn ymd(y: &str, m: &str, d: &str) -> Result<NaiveDate, DateError> {
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(DateError::Format);
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or(DateError::NoSuchDay)
}

/// The day count of an Excel serial date; a fractional part is the time of day and is dropped.
fn excel_serial(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    if whole.is_empty() || frac.is_empty() || !all_digits(whole) || !all_digits(frac) {
        return None;
    }
    whole.parse::<u64>().ok().filter(|n| (20_000..=80_000).contains(n))
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn short_number(s: &str) -> bool {
    (1..=2).contains(&s.len()) && all_digits(s)
}

/// The digits of a number Excel wrote as a float ("13812345678.0", "1.3812345678E+10"), only when they
/// are exact. A General-format cell too narrow for its value is saved as "1.38123E+10": its digits were
/// rounded away, and padding them back with zeros would invent a plausible but wrong phone number.
fn excel_integral_digits(s: &str) -> Option<String> {
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => {
            let e = e.strip_prefix('+').unwrap_or(e);
            if e.is_empty() || e.len() > 3 || !all_digits(e) {
                return None;
            }
            (m, e.parse::<usize>().ok()?)
        }
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let shifted = frac.get(..exponent)?;
    let rest = frac.get(exponent..)?;
    if !rest.bytes().all(|b| b == b'0') {
        return None;
    }
    Some(format!("{int}{shifted}"))
}

/// Why a phone cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    Format,
}

impl PhoneError {
    /// Stable key for i18n and for grouping errors in an import report.
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::Empty => "empty",
            PhoneError::Format => "phone_format",
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhoneError::Empty => "the phone number is empty",
            PhoneError::Format => "not a phone number: expected 5 to 20 digits, optionally starting with +",
        })
    }
}

impl std::error::Error for PhoneError {}

/// A phone number with the separators people type removed (spaces, NBSP, '-', '.', '(', ')', full-width
/// forms); a leading '+' kept.
///
/// Stored digits-only so the same number typed two ways matches when looking a resident up. The length
/// bound (5..=20) is loose on purpose: newcomers keep foreign numbers, and short service numbers exist.
/// Unicode dashes (U+2010..=U+2015) count as separators too, because Chinese IMEs produce "—" for "-".
pub fn parse_phone(s: &str) -> Result<String, PhoneError> {
    let s = clean(s);
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    // Only the exact shapes Excel produces: "5555.0000" is more likely a dotted landline than a float.
    let float_shaped = s.contains(['e', 'E']) || s.strip_suffix(".0").is_some_and(all_digits);
    let number = match excel_integral_digits(&s).filter(|_| float_shaped) {
        Some(digits) => digits,
        None => {
            let mut out = String::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '0'..='9' => out.push(c),
                    // "+86 ..." and "(+86) ..." both keep the plus, but only before any digit.
                    '+' if out.is_empty() => out.push(c),
                    ' ' | '\u{A0}' | '-' | '.' | '(' | ')' | '\u{2010}'..='\u{2015}' => {}
                    _ => return Err(PhoneError::Format),
                }
            }
            out
        }
    };
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    if (5..=20).contains(&digits) { Ok(number) } else { Err(PhoneError::Format) }
}

/// Why an integer cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntError {
    Empty,
    Format,
}

impl IntError {
    /// Stable key for i18n and for grouping errors in an import report.
    pub fn code(self) -> &'static str {
        match self {
            IntError::Empty => "empty",
            IntError::Format => "integer_format",
        }
    }
}

impl fmt::Display for IntError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntError::Empty => "the number is empty",
            IntError::Format => "not a whole number",
        })
    }
}

impl std::error::Error for IntError {}

/// An integer typed as text: "1,234", "1 234", "12.0" (Excel float of an integer), full-width digits, leading '+'.
///
/// Thousands groups must be exactly three digits so that a European decimal comma ("12,5") is rejected
/// instead of read as 125. A leading '-' is accepted because the return type allows it; callers enforce
/// domain ranges.
pub fn parse_int(s: &str) -> Result<i64, IntError> {
    let s = clean(s);
    if s.is_empty() {
        return Err(IntError::Empty);
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let digits = if body.contains(['e', 'E']) {
        excel_integral_digits(body).ok_or(IntError::Format)?
    } else {
        let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
        if frac.is_empty() || !frac.bytes().all(|b| b == b'0') {
            return Err(IntError::Format);
        }
        ungroup(int).ok_or(IntError::Format)?
    };
    let signed = if negative { format!("-{digits}") } else { digits };
    signed.parse::<i64>().map_err(|_| IntError::Format)
}

/// Removes one kind of thousands separator (',' or ' '), checking the grouping.
fn ungroup(s: &str) -> Option<String> {
    let Some(sep) = s.chars().find(|c| *c == ',' || *c == ' ') else {
        return (!s.is_empty() && all_digits(s)).then(|| s.to_string());
    };
    let mut groups = s.split(sep);
    let first = groups.next()?;
    if !(1..=3).contains(&first.len()) || !all_digits(first) {
        return None;
    }
    let mut out = first.to_string();
    for group in groups {
        if group.len() != 3 || !all_digits(group) {
            return None;
        }
        out.push_str(group);
    }
    Some(out)
}

/// A header cell turned into a key for matching a column to a field.
///
/// Templates drift: the same column is "Household code", "household_code" or "户号 *" depending on who
/// made the copy, and required-field markers like "（必填）" are decoration, not part of the name.
pub fn header_key(s: &str) -> String {
    const IGNORED: [char; 13] = [' ', '_', '-', '.', '/', '(', ')', '（', '）', ':', '：', '*', '\u{A0}'];
    let mut key = clean(s).to_lowercase();
    loop {
        let trimmed = key.trim_end_matches([' ', '*']);
        match strip_requirement_marker(trimmed) {
            Some(rest) => key = rest.to_string(),
            None => {
                key = trimmed.to_string();
                break;
            }
        }
    }
    key.chars().filter(|c| !IGNORED.contains(c)).collect()
}

/// The text before a trailing "(必填)" / "(optional)" style marker, if there is one.
fn strip_requirement_marker(s: &str) -> Option<&str> {
    let body = s.strip_suffix([')', '）'])?;
    let open = body.rfind(['(', '（'])?;
    let (rest, marker) = body.split_at_checked(open)?;
    let content = marker.strip_prefix(['(', '（'])?.trim();
    matches!(content, "必填" | "选填" | "required" | "optional").then_some(rest)
}

/// Why a yes/no cell was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YesNoError {
    /// Kept apart from `Format` so optional yes/no columns can treat a blank as "not answered".
    Empty,
    Format,
}

impl YesNoError {
    /// Stable key for i18n and for grouping errors in an import report.
    pub fn code(self) -> &'static str {
        match self {
            YesNoError::Empty => "empty",
            YesNoError::Format => "yes_no",
        }
    }
}

impl fmt::Display for YesNoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            YesNoError::Empty => "the yes/no value is empty",
            YesNoError::Format => "expected yes or no (是/否)",
        })
    }
}

impl std::error::Error for YesNoError {}

/// Yes/no as people type them in bilingual ledgers, including check marks from copied forms.
///
/// A bare "x" is refused: it means "ticked" on Western forms but "no" (×) to Chinese readers.
pub fn parse_yes_no(s: &str) -> Result<bool, YesNoError> {
    let s = clean(s).to_lowercase();
    match s.as_str() {
        "" => Err(YesNoError::Empty),
        "yes" | "y" | "true" | "1" | "是" | "有" | "✓" | "√" => Ok(true),
        "no" | "n" | "false" | "0" | "否" | "无" | "×" => Ok(false),
        _ => Err(YesNoError::Format),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::io::BufReader;

    const CSV: &str = "户号,姓名\r\n3-2-401,张伟\r\n";

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utf16le_with_bom(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn utf16be_with_bom(s: &str) -> Vec<u8> {
        let mut out = vec![0xFE, 0xFF];
        out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    fn gbk(s: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding_rs::GBK.encode(s);
        assert!(!had_errors);
        bytes.into_owned()
    }

    fn latin1(s: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding_rs::WINDOWS_1252.encode(s);
        assert!(!had_errors);
        bytes.into_owned()
    }

    /// A source that hands out at most `step` bytes per read, so multi-byte characters straddle reads.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Decodes through a tiny source and a 3-byte BufReader, reading 3 bytes at a time.
    fn decode_small_steps(bytes: &[u8], enc: SourceEncoding) -> io::Result<String> {
        let reader = DecodeReader::new(Trickle { data: bytes, step: 1 }, enc);
        let mut buffered = BufReader::with_capacity(3, reader);
        let mut out = Vec::new();
        let mut chunk = [0u8; 3];
        loop {
            let n = buffered.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        Ok(String::from_utf8(out).unwrap())
    }

    fn decode_all(bytes: &[u8], enc: SourceEncoding) -> io::Result<String> {
        let mut out = String::new();
        DecodeReader::new(bytes, enc).read_to_string(&mut out)?;
        Ok(out)
    }

    fn malformed(err: &io::Error) -> MalformedInput {
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        *err.get_ref().unwrap().downcast_ref::<MalformedInput>().unwrap()
    }

    // --- detection -------------------------------------------------------------------------------------

    #[test]
    fn detects_utf8_without_and_with_bom() {
        assert_eq!(detect(CSV.as_bytes()), Ok(SourceEncoding::Utf8));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(CSV.as_bytes());
        assert_eq!(detect(&bom), Ok(SourceEncoding::Utf8Bom));
        assert_eq!(detect(b""), Ok(SourceEncoding::Utf8));
        assert_eq!(detect(b"a,b\n1,2\n"), Ok(SourceEncoding::Utf8));
    }

    #[test]
    fn detects_utf8_cut_mid_character() {
        let bytes = CSV.as_bytes();
        // "户" is three bytes; cut after its first and second byte.
        assert_eq!(detect(&bytes[..1]), Ok(SourceEncoding::Utf8));
        assert_eq!(detect(&bytes[..2]), Ok(SourceEncoding::Utf8));
        let cut = bytes.len() - "伟\r\n".len() + 1;
        assert_eq!(detect(&bytes[..cut]), Ok(SourceEncoding::Utf8));
    }

    #[test]
    fn detects_utf16_with_bom() {
        assert_eq!(detect(&utf16le_with_bom(CSV)), Ok(SourceEncoding::Utf16Le));
        assert_eq!(detect(&utf16be_with_bom(CSV)), Ok(SourceEncoding::Utf16Be));
    }

    #[test]
    fn detects_utf16_without_bom_including_odd_cut() {
        let le = &utf16le_with_bom(CSV)[2..];
        let be = &utf16be_with_bom(CSV)[2..];
        assert_eq!(detect(le), Ok(SourceEncoding::Utf16Le));
        assert_eq!(detect(be), Ok(SourceEncoding::Utf16Be));
        assert_eq!(detect(&le[..le.len() - 1]), Ok(SourceEncoding::Utf16Le));
        // A surrogate pair cut in half by the prefix boundary.
        let emoji: Vec<u8> = "ab,😀".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(detect(&emoji[..emoji.len() - 2]), Ok(SourceEncoding::Utf16Le));
    }

    #[test]
    fn detects_gbk_including_cut_mid_character() {
        let bytes = gbk(CSV);
        assert_eq!(detect(&bytes), Ok(SourceEncoding::Gb18030));
        // The prefix ends after the lead byte of "伟".
        let cut = bytes.len() - 3;
        assert!(bytes[cut - 1] >= 0x81);
        assert_eq!(detect(&bytes[..cut]), Ok(SourceEncoding::Gb18030));
        let text = gbk("户号,姓名,联系电话,入住日期\r\n3-2-401,张伟,13812345678,2016年3月4日\r\n");
        assert_eq!(detect(&text), Ok(SourceEncoding::Gb18030));
    }

    #[test]
    fn rejects_latin1_as_unsupported_with_guess() {
        let bytes = latin1("Name,City\nMüller,Köln\nZoë,Genève\n");
        let err = detect(&bytes).unwrap_err();
        assert_eq!(err, EncodingError::Unsupported { guess: LATIN1_GUESS });
        assert!(err.to_string().contains("ISO-8859-1 (Latin-1) or Windows-1252"));
    }

    #[test]
    fn rejects_latin1_that_happens_to_be_valid_gbk() {
        // Every accented letter here is followed by an ASCII letter, which GBK accepts as a rare character.
        let bytes = latin1("Name,City\nMüller,Köln\nSchäfer,Düsseldorf\n");
        assert!(decodes_cleanly(encoding_rs::GB18030, &bytes));
        assert_eq!(detect(&bytes), Err(EncodingError::Unsupported { guess: LATIN1_GUESS }));
    }

    #[test]
    fn rejects_other_encodings_as_unknown() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("名前,住所\nテスト,東京\n");
        let err = detect(&sjis).unwrap_err();
        assert_eq!(err, EncodingError::Unsupported { guess: "unknown" });
        assert!(err.to_string().contains("not in a supported encoding"));
        assert_eq!(detect(&[0xFF, 0xFF, 0x81, 0x20]), Err(EncodingError::Unsupported { guess: "unknown" }));
    }

    #[test]
    fn rejects_spreadsheets_and_binary() {
        let zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml";
        assert_eq!(detect(zip), Err(EncodingError::Binary));
        assert_eq!(detect(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]), Err(EncodingError::Binary));
        assert_eq!(detect(b"abc\0\0\0\x01\x02def\0ghi"), Err(EncodingError::Binary));
        assert!(EncodingError::Binary.to_string().contains("spreadsheet"));
    }

    #[test]
    fn labels() {
        let labels: Vec<_> = [
            SourceEncoding::Utf8,
            SourceEncoding::Utf8Bom,
            SourceEncoding::Utf16Le,
            SourceEncoding::Utf16Be,
            SourceEncoding::Gb18030,
        ]
        .map(SourceEncoding::label)
        .into();
        assert_eq!(labels, ["UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE", "GB18030/GBK"]);
    }

    // --- decoding --------------------------------------------------------------------------------------

    #[test]
    fn decodes_each_encoding_in_small_steps() {
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend_from_slice(CSV.as_bytes());
        let cases = [
            (CSV.as_bytes().to_vec(), SourceEncoding::Utf8),
            (utf8_bom, SourceEncoding::Utf8Bom),
            (utf16le_with_bom(CSV), SourceEncoding::Utf16Le),
            (utf16be_with_bom(CSV), SourceEncoding::Utf16Be),
            (utf16le_with_bom(CSV)[2..].to_vec(), SourceEncoding::Utf16Le),
            (gbk(CSV), SourceEncoding::Gb18030),
        ];
        for (bytes, enc) in cases {
            assert_eq!(detect(&bytes), Ok(enc));
            assert_eq!(decode_small_steps(&bytes, enc).unwrap(), CSV, "{enc}");
            assert_eq!(decode_all(&bytes, enc).unwrap(), CSV, "{enc}");
        }
    }

    #[test]
    fn decodes_input_larger_than_buffers() {
        let text = CSV.repeat(5_000);
        let bytes = gbk(&text);
        assert!(bytes.len() > 2 * INPUT_BUFFER);
        assert_eq!(decode_all(&bytes, SourceEncoding::Gb18030).unwrap(), text);
        let reader = DecodeReader::new(Trickle { data: &bytes, step: 7 }, SourceEncoding::Gb18030);
        let mut out = String::new();
        BufReader::with_capacity(5, reader).read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn reports_invalid_gbk_byte_with_offset() {
        let mut bytes = gbk("户号,姓名\r\n");
        let offset = bytes.len();
        bytes.push(0xFF);
        bytes.extend(gbk("3-2-401,张伟\r\n"));
        let err = decode_small_steps(&bytes, SourceEncoding::Gb18030).unwrap_err();
        assert_eq!(malformed(&err), MalformedInput { encoding: SourceEncoding::Gb18030, offset: offset as u64 });
        assert!(err.to_string().contains("GB18030/GBK"), "{err}");
        assert!(err.to_string().contains(&format!("byte offset {offset}")), "{err}");

        // Lead byte followed by ASCII: the bad sequence starts at the lead byte.
        let mut bytes = gbk("户号,");
        let offset = bytes.len();
        bytes.extend_from_slice(&[0x81, b',']);
        let err = decode_all(&bytes, SourceEncoding::Gb18030).unwrap_err();
        assert_eq!(malformed(&err).offset, offset as u64);
    }

    #[test]
    fn delivers_text_before_the_error_and_keeps_failing() {
        let mut bytes = gbk("户号,姓名\r\n");
        bytes.push(0xFF);
        let mut reader = DecodeReader::new(&bytes[..], SourceEncoding::Gb18030);
        let mut buf = [0u8; 64];
        let n = reader.read(&mut buf).unwrap();
        assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), "户号,姓名\r\n");
        assert_eq!(reader.read(&mut buf).unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(reader.read(&mut buf).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn reports_truncated_utf8_and_utf16_at_end() {
        let bytes = CSV.as_bytes();
        let cut = bytes.len() - "伟\r\n".len() + 1;
        let err = decode_small_steps(&bytes[..cut], SourceEncoding::Utf8).unwrap_err();
        assert_eq!(malformed(&err), MalformedInput { encoding: SourceEncoding::Utf8, offset: cut as u64 - 1 });
        assert!(err.to_string().contains("UTF-8"));

        let bytes = utf16le_with_bom(CSV);
        let err = decode_small_steps(&bytes[..bytes.len() - 1], SourceEncoding::Utf16Le).unwrap_err();
        assert_eq!(malformed(&err).offset, bytes.len() as u64 - 2);
        assert!(err.to_string().contains("UTF-16LE"));

        let mut bytes = b"a,b\n".to_vec();
        bytes.push(0xC3);
        bytes.push(b'x');
        assert_eq!(malformed(&decode_all(&bytes, SourceEncoding::Utf8).unwrap_err()).offset, 4);
    }

    #[test]
    fn bom_is_skipped_only_once() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("a\u{FEFF}b".as_bytes());
        assert_eq!(decode_all(&bytes, SourceEncoding::Utf8Bom).unwrap(), "a\u{FEFF}b");
    }

    // --- clean -----------------------------------------------------------------------------------------

    #[test]
    fn clean_trims_maps_and_collapses() {
        assert_eq!(clean("  张伟  "), "张伟");
        assert_eq!(clean("\u{A0}\u{3000}\u{200B}\u{FEFF}3-2-401\t\r\n"), "3-2-401");
        assert_eq!(clean("３－２－４０１"), "3-2-401");
        assert_eq!(clean("ＡＢＣ　ｘｙｚ！～"), "ABC xyz!~");
        assert_eq!(clean("张  \u{3000}\u{A0}伟"), "张 伟");
        assert_eq!(clean("line one\r\nline two"), "line one line two");
        assert_eq!(clean("张\u{200B}伟"), "张伟");
        assert_eq!(clean("（必填）：，"), "(必填):,");
        assert_eq!(clean("王小明、李四。"), "王小明、李四。");
        assert_eq!(clean(""), "");
        assert_eq!(clean(" \u{3000} "), "");
    }

    // --- dates -----------------------------------------------------------------------------------------

    #[test]
    fn parses_accepted_date_forms() {
        let want = d(2016, 3, 4);
        for s in [
            "2016-03-04",
            "2016-3-4",
            "2016/3/4",
            "2016/03/04",
            "2016.3.4",
            "2016.03.04",
            "2016年3月4日",
            "2016年03月04日",
            "2016 年 3 月 4 日",
            "２０１６年３月４日",
            "２０１６－０３－０４",
            "20160304",
            "04.03.2016",
            "4.3.2016",
            "2016-03-04 00:00:00",
            "2016-03-04T10:00",
            "2016-03-04T10:00:00.123Z",
            "2016/3/4 0:00",
            "2016年3月4日 10:00",
            "42433",
            "42433.0",
            "42433.75",
            "  2016-03-04\u{3000}",
        ] {
            assert_eq!(parse_date(s), Ok(want), "{s}");
        }
        assert_eq!(parse_date("20000"), Ok(d(1954, 10, 3)));
        assert_eq!(parse_date("80000"), Ok(d(2119, 1, 11)));
        assert_eq!(parse_date("2000-02-29"), Ok(d(2000, 2, 29)));
    }

    #[test]
    fn rejects_ambiguous_dates() {
        for s in ["04/03/2016", "3/4/2016", "25/03/2016", "04-03-2016"] {
            assert_eq!(parse_date(s), Err(DateError::Ambiguous), "{s}");
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in ["2016-02-30", "2015-02-29", "2016-13-01", "2016年2月30日", "20160230", "31.04.2016", "2016-00-10"]
        {
            assert_eq!(parse_date(s), Err(DateError::NoSuchDay), "{s}");
        }
    }

    #[test]
    fn rejects_empty_and_malformed_dates() {
        for s in ["", "   ", "\u{3000}", "\u{200B}"] {
            assert_eq!(parse_date(s), Err(DateError::Empty), "{s:?}");
        }
        for s in [
            "abc",
            "2016",
            "16/3/4",
            "2016-03",
            "2016-03-04-05",
            "2016-3/4",
            "2016年3月",
            "三月四日",
            "19999",
            "80001",
            "42",
            "2016-03-04 25:00",
            "2016-03-04 noon",
            "201634",
            "42433.",
            "-42433",
            "2016--03-04",
        ] {
            assert_eq!(parse_date(s), Err(DateError::Format), "{s}");
        }
    }

    #[test]
    fn error_codes() {
        assert_eq!(
            [DateError::Empty, DateError::Format, DateError::Ambiguous, DateError::NoSuchDay].map(DateError::code),
            ["empty", "date_format", "date_ambiguous", "no_such_day"]
        );
        assert_eq!([PhoneError::Empty, PhoneError::Format].map(PhoneError::code), ["empty", "phone_format"]);
        assert_eq!([IntError::Empty, IntError::Format].map(IntError::code), ["empty", "integer_format"]);
        assert_eq!([YesNoError::Empty, YesNoError::Format].map(YesNoError::code), ["empty", "yes_no"]);
    }

    // --- phones ----------------------------------------------------------------------------------------

    #[test]
    fn parses_phones() {
        for (input, want) in [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("138.1234.5678", "13812345678"),
            ("\u{A0}138\u{A0}1234\u{A0}5678\u{3000}", "13812345678"),
            ("１３８－１２３４－５６７８", "13812345678"),
            ("(010) 6512-3456", "01065123456"),
            ("（010）65123456", "01065123456"),
            ("+86 138 1234 5678", "+8613812345678"),
            ("＋８６ １３８１２３４５６７８", "+8613812345678"),
            ("(+7) 916 123-45-67", "+79161234567"),
            ("138—1234—5678", "13812345678"),
            ("13812345678.0", "13812345678"),
            ("1.3812345678E10", "13812345678"),
            ("1.3812345678E+10", "13812345678"),
            ("1.3812345678e10", "13812345678"),
            ("12345", "12345"),
            ("12345678901234567890", "12345678901234567890"),
            ("5555.0000", "55550000"),
        ] {
            assert_eq!(parse_phone(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_bad_phones() {
        for s in ["", "  ", "\u{3000}"] {
            assert_eq!(parse_phone(s), Err(PhoneError::Empty), "{s:?}");
        }
        for s in [
            "1234",
            "123456789012345678901",
            "138 1234 567x",
            "13812345678 ext 12",
            "138+1234",
            "++8613812345678",
            "1.38123E+10",
            "1.3812345678E9",
            "1.3812345678E-10",
            "12.5",
            "无",
            "-",
        ] {
            assert_eq!(parse_phone(s), Err(PhoneError::Format), "{s}");
        }
    }

    // --- integers --------------------------------------------------------------------------------------

    #[test]
    fn parses_integers() {
        for (input, want) in [
            ("0", 0),
            ("42", 42),
            ("+42", 42),
            ("-42", -42),
            ("1,234", 1234),
            ("1,234,567", 1_234_567),
            ("1 234", 1234),
            ("1\u{A0}234", 1234),
            ("1\u{3000}234", 1234),
            ("１２３４", 1234),
            ("１，２３４", 1234),
            ("12.0", 12),
            ("12.00", 12),
            ("1,234.0", 1234),
            ("1.234E3", 1234),
            ("1.234E+3", 1234),
            (" 7 ", 7),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ] {
            assert_eq!(parse_int(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_bad_integers() {
        for s in ["", " ", "\u{A0}"] {
            assert_eq!(parse_int(s), Err(IntError::Empty), "{s:?}");
        }
        for s in [
            "12.5",
            "12,5",
            "1,23",
            "1,2345",
            ",123",
            "1,234 567",
            "12.",
            ".5",
            "abc",
            "12abc",
            "+",
            "-",
            "+-5",
            "1.5E0",
            "1E3",
            "1.2E3",
            "9223372036854775808",
            "五",
        ] {
            assert_eq!(parse_int(s), Err(IntError::Format), "{s}");
        }
    }

    // --- headers ---------------------------------------------------------------------------------------

    #[test]
    fn header_keys_match_across_spellings() {
        let key = header_key("Household code");
        assert_eq!(key, "householdcode");
        for s in [
            "household_code",
            " HOUSEHOLD-CODE ",
            "Household Code (required)",
            "household.code*",
            "Household/Code",
            "Household code:",
        ] {
            assert_eq!(header_key(s), key, "{s}");
        }
        for s in [
            "户号 *",
            "户号（必填）",
            "户号(必填)",
            "*户号",
            "户号：",
            "户号（选填）",
            "户号 (必填) *",
            "户号*（必填）",
        ] {
            assert_eq!(header_key(s), "户号", "{s}");
        }
        assert_eq!(header_key("Phone (optional)"), "phone");
        assert_eq!(header_key("Phone (mobile)"), "phonemobile");
        assert_eq!(header_key("ＰＨＯＮＥ"), "phone");
    }

    // --- yes/no ----------------------------------------------------------------------------------------

    #[test]
    fn parses_yes_no() {
        for s in ["yes", "YES", "Y", "y", "true", "TRUE", "1", "是", "有", "✓", "√", " 是 ", "Ｙｅｓ"] {
            assert_eq!(parse_yes_no(s), Ok(true), "{s}");
        }
        for s in ["no", "No", "N", "false", "FALSE", "0", "否", "无", "×", "　否　"] {
            assert_eq!(parse_yes_no(s), Ok(false), "{s}");
        }
        assert_eq!(parse_yes_no(""), Err(YesNoError::Empty));
        for s in ["x", "maybe", "是的", "2", "yes no", "对"] {
            assert_eq!(parse_yes_no(s), Err(YesNoError::Format), "{s}");
        }
    }
}
