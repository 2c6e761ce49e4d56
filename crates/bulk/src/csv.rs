//! The bulk CSV: bytes → raw rows with their line numbers; structure only, no meaning.
//!
//! UTF-8 with or without BOM, CRLF or LF, quoted fields, blank lines skipped, every field
//! trimmed. Column names are case-insensitive (except after `metadata.`); an unknown column is an
//! error, because a misspelt `credit_to_add` must not be silently ignored.

use super::Issue;
use crate::limits::{
    MAX_COLUMNS, MAX_FIELD_BYTES, MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_METADATA_KEYS, MAX_ROWS,
    check_metadata_key, grouped,
};

pub const WALLET_ID: &str = "wallet_id";
pub const CREDITS_TO_ADD: &str = "credits_to_add";
pub const AMOUNT: &str = "amount";
pub const TRANSACTION_REASON: &str = "transaction_reason";
pub const EXPIRY_DATE_UTC: &str = "expiry_date_utc";
pub const PRIORITY: &str = "priority";
pub const DESCRIPTION: &str = "description";
pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
/// Optional: the currency the row's author meant; a row whose wallet has another one asks first.
pub const CURRENCY: &str = "currency";
pub const METADATA_PREFIX: &str = "metadata.";

const KNOWN: [&str; 9] = [
    WALLET_ID,
    CREDITS_TO_ADD,
    AMOUNT,
    TRANSACTION_REASON,
    EXPIRY_DATE_UTC,
    PRIORITY,
    DESCRIPTION,
    IDEMPOTENCY_KEY,
    CURRENCY,
];

/// One data row as written; empty fields are `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawRow {
    /// 1-based line of the file where the record starts.
    pub line: u64,
    pub wallet_id: Option<String>,
    pub credits_to_add: Option<String>,
    pub amount: Option<String>,
    pub transaction_reason: Option<String>,
    pub expiry_date_utc: Option<String>,
    pub priority: Option<String>,
    pub description: Option<String>,
    pub idempotency_key: Option<String>,
    pub currency: Option<String>,
    /// `metadata.<key>` columns with a value, in column order.
    pub metadata: Vec<(String, String)>,
}

enum Column {
    Known(&'static str),
    Metadata(String),
}

/// Reads the whole file. Header problems stop at once (line 1); row problems are collected.
/// `reason_given`: `--reason` was passed, so the `transaction_reason` column is optional.
pub fn read(bytes: &[u8], reason_given: bool) -> Result<Vec<RawRow>, Vec<Issue>> {
    match read_rows(bytes, reason_given)? {
        (rows, issues) if issues.is_empty() => Ok(rows),
        (_, issues) => Err(issues),
    }
}

/// The rows that could be read and the problems of those that could not, so that the rows
/// which did parse can be checked further in the same run. `Err` when nothing can be read
/// (the header, or a quote that never closes).
pub fn read_rows(bytes: &[u8], reason_given: bool) -> Result<(Vec<RawRow>, Vec<Issue>), Vec<Issue>> {
    let mut rows = Vec::new();
    let issues = each_row(bytes, reason_given, |row| rows.push(row))?;
    Ok((rows, issues))
}

/// [`read_rows`] handing each row to `found` as it is read, so that a caller turning rows into
/// something smaller never holds them all. Returns the problems of the rows that could not be
/// read. Every size is bounded (see [`crate::limits`]): a file, header, row or field beyond its
/// bound is refused with its line (and column), before anything else is done with it.
pub fn each_row(
    bytes: &[u8],
    reason_given: bool,
    found: impl FnMut(RawRow),
) -> Result<Vec<Issue>, Vec<Issue>> {
    each_row_of_at_most(bytes, reason_given, MAX_ROWS, found)
}

fn each_row_of_at_most(
    bytes: &[u8],
    reason_given: bool,
    max_rows: usize,
    mut found: impl FnMut(RawRow),
) -> Result<Vec<Issue>, Vec<Issue>> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(vec![Issue::at(
            0,
            format!(
                "the file is {} bytes: at most {} (split it into several jobs)",
                grouped(bytes.len()),
                grouped(MAX_FILE_BYTES as usize)
            ),
        )]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(issue) = broken_quote(bytes) {
        return Err(vec![issue]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut lines = LineCounter::new(bytes);
    let mut rec = csv::ByteRecord::new();
    match reader.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => return Err(vec![Issue::at(1, "the file is empty: expected a header row")]),
        Err(e) => return Err(vec![csv_issue(&e, &mut lines)]),
    }
    let header_line = lines.line_of(rec.position().map(|p| p.byte()).unwrap_or(0));
    let columns = parse_header(&rec, header_line, reason_given).map_err(|i| vec![i])?;

    let mut issues = Vec::new();
    let mut data_rows = 0usize;
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                issues.push(csv_issue(&e, &mut lines));
                // A broken quote swallows the rest of the file: later lines would be noise.
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    continue;
                }
                break;
            }
        }
        let start = rec.position().map(|p| p.byte()).unwrap_or(0);
        let line = lines.line_of(start);
        if rec.iter().all(|f| f.is_empty()) {
            // `,,,` lines are blank rows from spreadsheets.
            continue;
        }
        data_rows += 1;
        if data_rows > max_rows {
            issues.push(Issue::at(
                line,
                format!(
                    "more than {} rows: a plan has at most that many (split the file into \
                     several jobs)",
                    grouped(max_rows)
                ),
            ));
            break;
        }
        if rec.len() != columns.len() {
            issues.push(Issue::at(
                line,
                format!(
                    "{} fields, but the header has {} columns (quote fields that contain commas)",
                    rec.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let Some(row) = raw_row(&rec, &columns, line, &mut issues) else {
            continue;
        };
        // Each field within its bound, and yet too much together.
        let length = reader.position().byte().saturating_sub(start) as usize;
        if length > MAX_LINE_BYTES {
            issues.push(Issue::at(
                line,
                format!(
                    "the row is {} bytes long: at most {}",
                    grouped(length),
                    grouped(MAX_LINE_BYTES)
                ),
            ));
            continue;
        }
        found(row);
    }
    Ok(issues)
}

/// One record as a row; `None` (and its problems in `issues`) when a field is not UTF-8 or
/// beyond [`MAX_FIELD_BYTES`].
fn raw_row(rec: &csv::ByteRecord, columns: &[Column], line: u64, issues: &mut Vec<Issue>) -> Option<RawRow> {
    let mut row = RawRow {
        line,
        ..RawRow::default()
    };
    let mut bad = false;
    for (col, field) in columns.iter().zip(rec.iter()) {
        let name = || match col {
            Column::Known(n) => n.to_string(),
            Column::Metadata(k) => format!("{METADATA_PREFIX}{k}"),
        };
        if field.len() > MAX_FIELD_BYTES {
            issues.push(Issue::field(
                line,
                &name(),
                format!(
                    "is {} bytes long: a field may be at most {}",
                    grouped(field.len()),
                    grouped(MAX_FIELD_BYTES)
                ),
            ));
            bad = true;
            continue;
        }
        let Ok(text) = std::str::from_utf8(field) else {
            issues.push(Issue::field(line, &name(), "is not valid UTF-8"));
            bad = true;
            continue;
        };
        if text.is_empty() || bad {
            continue;
        }
        let value = Some(text.to_string());
        match col {
            Column::Known(WALLET_ID) => row.wallet_id = value,
            Column::Known(CREDITS_TO_ADD) => row.credits_to_add = value,
            Column::Known(AMOUNT) => row.amount = value,
            Column::Known(TRANSACTION_REASON) => row.transaction_reason = value,
            Column::Known(EXPIRY_DATE_UTC) => row.expiry_date_utc = value,
            Column::Known(PRIORITY) => row.priority = value,
            Column::Known(DESCRIPTION) => row.description = value,
            Column::Known(CURRENCY) => row.currency = value,
            Column::Known(IDEMPOTENCY_KEY) => row.idempotency_key = value,
            Column::Known(_) => {}
            Column::Metadata(k) => row.metadata.push((k.clone(), text.to_string())),
        }
    }
    (!bad).then_some(row)
}

/// A header field as a message may show it: `column "credit_to_add"` when it looks like a
/// column name, else only its position. A file that is not a CSV at all (`/proc/self/environ`,
/// a private key) must not have its content printed back in an error.
fn shown(index: usize, name: &str) -> String {
    let plain = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if plain {
        format!("column {name:?}")
    } else {
        format!(
            "column {} (its text is not shown: it does not look like a column name)",
            index + 1
        )
    }
}

fn parse_header(header: &csv::ByteRecord, line: u64, reason_given: bool) -> Result<Vec<Column>, Issue> {
    if header.len() > MAX_COLUMNS {
        return Err(Issue::at(
            line,
            format!(
                "the header has {} columns: at most {MAX_COLUMNS} (the {} known ones and up to \
                 {MAX_METADATA_KEYS} metadata.<key>)",
                grouped(header.len()),
                KNOWN.len()
            ),
        ));
    }
    let mut columns = Vec::with_capacity(header.len());
    let mut seen: Vec<String> = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw)
            .map_err(|_| Issue::at(line, format!("column {} of the header is not valid UTF-8", i + 1)))?;
        if name.is_empty() {
            return Err(Issue::at(
                line,
                format!("column {} of the header has no name", i + 1),
            ));
        }
        let lower = name.to_ascii_lowercase();
        let column = if lower.starts_with(METADATA_PREFIX) {
            let key = &name[METADATA_PREFIX.len()..];
            if key.is_empty() {
                return Err(Issue::at(
                    line,
                    format!("{} needs a key after \"metadata.\"", shown(i, name)),
                ));
            }
            if let Err(e) = check_metadata_key(key) {
                return Err(Issue::at(line, format!("{}: {e}", shown(i, name))));
            }
            Column::Metadata(key.to_string())
        } else if let Some(k) = KNOWN.iter().find(|k| **k == lower) {
            Column::Known(k)
        } else {
            return Err(Issue::at(
                line,
                format!(
                    "unknown {}; known columns: {}, and metadata.<key>",
                    shown(i, name),
                    KNOWN.join(", ")
                ),
            ));
        };
        let id = match &column {
            Column::Known(k) => k.to_string(),
            Column::Metadata(k) => format!("{METADATA_PREFIX}{k}"),
        };
        if seen.contains(&id) {
            return Err(Issue::at(
                line,
                format!("{} appears twice in the header", shown(i, name)),
            ));
        }
        seen.push(id);
        columns.push(column);
    }
    let metadata = columns
        .iter()
        .filter(|c| matches!(c, Column::Metadata(_)))
        .count();
    if metadata > MAX_METADATA_KEYS {
        return Err(Issue::at(
            line,
            format!("{metadata} metadata columns: at most {MAX_METADATA_KEYS}"),
        ));
    }
    let has = |k: &str| seen.iter().any(|s| s == k);
    if !has(WALLET_ID) {
        return Err(Issue::at(line, "missing column \"wallet_id\" in the header"));
    }
    if !has(CREDITS_TO_ADD) && !has(AMOUNT) {
        return Err(Issue::at(
            line,
            "missing column \"credits_to_add\" or \"amount\" in the header",
        ));
    }
    if !has(TRANSACTION_REASON) && !reason_given {
        return Err(Issue::at(
            line,
            "missing column \"transaction_reason\" in the header (or pass --reason)",
        ));
    }
    Ok(columns)
}

/// File lines of record starts. The csv crate's own line numbers drift with blank lines and
/// CRLF, so lines are counted here from byte offsets (records arrive in order).
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `byte` that is not a line break (a
    /// record's reported start can sit on the previous terminator or on skipped blank lines).
    fn line_of(&mut self, byte: u64) -> u64 {
        let mut target = (byte as usize).min(self.bytes.len());
        while target < self.bytes.len() && matches!(self.bytes[target], b'\r' | b'\n') {
            target += 1;
        }
        if target < self.pos {
            return self.line;
        }
        self.line += self.bytes[self.pos..target]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = target;
        self.line
    }
}

fn csv_issue(e: &csv::Error, lines: &mut LineCounter) -> Issue {
    let line = e.position().map(|p| lines.line_of(p.byte())).unwrap_or(0);
    let what = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".to_string(),
        other => format!("cannot be read as CSV: {other:?}"),
    };
    Issue::at(line, what)
}

/// A quoted field that never closes, or that has text after its closing quote. The csv crate
/// accepts both without an error: the first runs to the end of the file, and in the second a
/// missing closing quote is "closed" by the next field's opening one, so the rows between
/// silently become part of one field. Quotes count as the crate reads them: a field is quoted
/// only when `"` is its first byte, and `""` inside it is a quote. The issue names the line
/// where the field opened.
fn broken_quote(bytes: &[u8]) -> Option<Issue> {
    let mut line = 1u64;
    let mut field_start = true;
    let mut opened_on: Option<u64> = None;
    // Just past a closing quote: only a separator or a line end may come next.
    let mut closed_from: Option<u64> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if let Some(opened) = closed_from.take()
            && !matches!(b, b',' | b'\n' | b'\r')
        {
            return Some(Issue::at(
                opened,
                if opened == line {
                    "text after the closing quote of a quoted field (quote the whole field, and \
                     write a quote inside it as \"\")"
                        .to_string()
                } else {
                    format!(
                        "a quoted field starts here and its closing quote is missing: the \
                         field runs on to line {line}, taking the rows between with it"
                    )
                },
            ));
        }
        if let Some(opened) = opened_on {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => i += 1,
                b'"' => {
                    opened_on = None;
                    closed_from = Some(opened);
                }
                b'\n' => line += 1,
                _ => {}
            }
        } else {
            match b {
                b'"' if field_start => opened_on = Some(line),
                b'\n' => line += 1,
                _ => {}
            }
            field_start = matches!(b, b',' | b'\n' | b'\r');
        }
        i += 1;
    }
    opened_on.map(|opened| {
        Issue::at(
            opened,
            "a quoted field starts here and is never closed (a missing \"): the rest of the \
             file would be read as part of it",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_header_that_is_not_a_csv_is_not_echoed() {
        let secret = b"FLEXPRICE_API_KEY=sk_live_123\0HOME=/root\0";
        let issues = read(secret, false).unwrap_err();
        let text = issues[0].to_string();
        assert!(!text.contains("sk_live"), "{text}");
        assert!(text.contains("column 1 (its text is not shown"), "{text}");
        let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n";
        let text = read(key, false).unwrap_err()[0].to_string();
        assert!(!text.contains("BEGIN") && !text.contains("b3Bl"), "{text}");
        // A misspelt column is still named.
        let text = read(b"wallet_id,credit_to_add\nw,1\n", true).unwrap_err()[0].to_string();
        assert!(text.contains("unknown column \"credit_to_add\""), "{text}");
    }

    #[test]
    fn an_unclosed_quote_is_refused_with_the_line_it_opens_on() {
        let text = "wallet_id,credits_to_add,transaction_reason,description\n\
                    w1,5,FREE_CREDIT_GRANT,\"fine, \"\"quoted\"\"\nacross lines\"\n\
                    w2,5,FREE_CREDIT_GRANT,\"oops\n\
                    w3,5,FREE_CREDIT_GRANT,b\n\
                    w4,5,FREE_CREDIT_GRANT,c\n";
        let issues = read(text.as_bytes(), false).unwrap_err();
        assert_eq!(lines(&issues), vec![4]);
        assert!(issues[0].message.contains("never closed"), "{}", issues[0]);
        // A closing quote missing on line 2 is "closed" by line 3's opening one: the csv crate
        // would make one row of the two.
        let text = "wallet_id,credits_to_add,transaction_reason,description\r\n\
                    w1,5,FREE_CREDIT_GRANT,\"Outage credit\r\n\
                    w2,5,FREE_CREDIT_GRANT,\"Outage credit\"\r\n";
        let issues = read(text.as_bytes(), false).unwrap_err();
        assert_eq!(lines(&issues), vec![2]);
        assert!(issues[0].message.contains("runs on to line 3"), "{}", issues[0]);
        let issues = read(
            b"wallet_id,amount,transaction_reason,description\nw,1,FREE_CREDIT_GRANT,\"a\"b\n",
            false,
        )
        .unwrap_err();
        assert_eq!(lines(&issues), vec![2]);
        assert!(
            issues[0].message.contains("after the closing quote"),
            "{}",
            issues[0]
        );
        // A quote inside an unquoted field is a character, not an opening.
        let rows = read(
            b"wallet_id,amount,transaction_reason,description\nw,1,FREE_CREDIT_GRANT,5\" screen\n",
            false,
        )
        .unwrap();
        assert_eq!(rows[0].description.as_deref(), Some("5\" screen"));
    }

    fn lines(issues: &[Issue]) -> Vec<u64> {
        issues.iter().map(|i| i.line).collect()
    }

    #[test]
    fn reads_bom_crlf_quotes_blank_lines_and_metadata() {
        let text = "\u{feff}Wallet_ID,credits_to_add,transaction_reason,description,metadata.Ticket\r\n\
                    wallet_a, 10 ,FREE_CREDIT_GRANT,\"refund, incident 42\",INC-42\r\n\
                    \r\n\
                    ,,,,\r\n\
                    wallet_b,2.5,FREE_CREDIT_GRANT,\"two\nlines\",\r\n";
        let rows = read(text.as_bytes(), false).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].wallet_id.as_deref(), Some("wallet_a"));
        assert_eq!(rows[0].credits_to_add.as_deref(), Some("10"));
        assert_eq!(rows[0].description.as_deref(), Some("refund, incident 42"));
        assert_eq!(
            rows[0].metadata,
            vec![("Ticket".to_string(), "INC-42".to_string())]
        );
        assert_eq!(rows[1].line, 5);
        assert_eq!(rows[1].description.as_deref(), Some("two\nlines"));
        assert!(rows[1].metadata.is_empty());
    }

    #[test]
    fn header_problems_name_line_one() {
        let cases = [
            ("credits_to_add,transaction_reason\n", "wallet_id"),
            ("wallet_id,transaction_reason\n", "credits_to_add"),
            ("wallet_id,amount\n", "transaction_reason"),
            (
                "wallet_id,credit_to_add,transaction_reason\n",
                "unknown column \"credit_to_add\"",
            ),
            ("wallet_id,amount,amount,transaction_reason\n", "twice"),
            ("wallet_id,amount,transaction_reason,\n", "no name"),
            ("wallet_id,amount,transaction_reason,metadata.\n", "needs a key"),
            ("", "empty"),
        ];
        for (text, needle) in cases {
            let issues = read(text.as_bytes(), false).unwrap_err();
            assert_eq!(lines(&issues), vec![1], "{text:?}");
            assert!(issues[0].message.contains(needle), "{text:?}: {}", issues[0]);
        }
        // --reason makes the column optional.
        assert!(read(b"wallet_id,amount\nw,1\n", true).is_ok());
    }

    #[test]
    fn row_problems_are_collected_with_lines() {
        let text =
            "wallet_id,amount,transaction_reason\nw1,1,FREE_CREDIT_GRANT\nw2,1,000,FREE_CREDIT_GRANT\n\nw3\n";
        let issues = read(text.as_bytes(), false).unwrap_err();
        assert_eq!(lines(&issues), vec![3, 5]);
        assert!(issues[0].message.contains("4 fields"));
        let bad = b"wallet_id,amount,transaction_reason\nw1,1,FREE_CREDIT_GRANT\nw\xff,1,FREE_CREDIT_GRANT\n";
        let issues = read(bad, false).unwrap_err();
        assert_eq!(lines(&issues), vec![3]);
        assert!(issues[0].to_string().contains("wallet_id"), "{}", issues[0]);
    }

    #[test]
    fn sizes_beyond_their_bounds_are_refused_with_line_and_column() {
        // 100,000 columns: refused at once, not after comparing every name with every other.
        let mut wide = String::from("wallet_id,credits_to_add,transaction_reason");
        for i in 0..100_000 {
            wide.push_str(&format!(",metadata.k{i}"));
        }
        wide.push('\n');
        let started = std::time::Instant::now();
        let issues = read(wide.as_bytes(), false).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(lines(&issues), vec![1]);
        assert!(
            issues[0].message.contains("100,003 columns: at most 64"),
            "{}",
            issues[0]
        );

        let head = "wallet_id,credits_to_add,transaction_reason";
        let meta: Vec<String> = (0..51).map(|i| format!("metadata.k{i}")).collect();
        let issues = read(format!("{head},{}\n", meta.join(",")).as_bytes(), false).unwrap_err();
        assert!(
            issues[0].message.contains("51 metadata columns: at most 50"),
            "{}",
            issues[0]
        );
        let long_key = format!("{head},metadata.{}\n", "k".repeat(41));
        let issues = read(long_key.as_bytes(), false).unwrap_err();
        assert_eq!(lines(&issues), vec![1]);
        assert!(
            issues[0]
                .message
                .contains("the key is 41 characters long: at most 40"),
            "{}",
            issues[0]
        );

        // A field past its bound names its line and column; the rows around it are read.
        let text = format!(
            "{head},description\nw1,1,FREE_CREDIT_GRANT,ok\nw2,1,FREE_CREDIT_GRANT,{}\nw3,1,FREE_CREDIT_GRANT,\n",
            "x".repeat(MAX_FIELD_BYTES + 1)
        );
        let (rows, issues) = read_rows(text.as_bytes(), false).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(lines(&issues), vec![3]);
        assert_eq!(
            issues[0].to_string(),
            "line 3: description: is 4,097 bytes long: a field may be at most 4,096"
        );

        // Every field within its bound, the row as a whole beyond its own.
        let meta: Vec<String> = (0..40).map(|i| format!("metadata.k{i}")).collect();
        let values = vec!["v".repeat(4000); 40];
        let text = format!(
            "{head},{}\nw1,1,FREE_CREDIT_GRANT,{}\n",
            meta.join(","),
            values.join(",")
        );
        let issues = read(text.as_bytes(), false).unwrap_err();
        assert_eq!(lines(&issues), vec![2]);
        assert!(issues[0].message.contains("the row is 160,"), "{}", issues[0]);
    }

    #[test]
    fn a_plan_has_a_bounded_number_of_rows() {
        // The bound itself is a million (`MAX_ROWS`); a thousand reads faster in a debug test.
        let mut text = String::from("wallet_id,amount\n");
        for _ in 0..1000 {
            text.push_str("w,1\n");
        }
        let mut seen = 0usize;
        let issues = each_row_of_at_most(text.as_bytes(), true, 1000, |_| seen += 1).unwrap();
        assert!(issues.is_empty());
        assert_eq!(seen, 1000);
        // Blank lines do not count; one more row does, and reading stops there.
        text.push_str("\n,\nw,1\nw,1\n");
        let issues = each_row_of_at_most(text.as_bytes(), true, 1000, |_| {}).unwrap();
        assert_eq!(lines(&issues), vec![1004]);
        assert!(
            issues[0].message.contains("more than 1,000 rows"),
            "{}",
            issues[0]
        );
    }

    proptest! {
        #[test]
        fn quoted_fields_round_trip(desc in "[ -~\n]{0,40}", n in 1u32..10_000) {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["wallet_id", "credits_to_add", "transaction_reason", "description"]).unwrap();
            w.write_record(["wallet_x", &n.to_string(), "FREE_CREDIT_GRANT", &desc]).unwrap();
            let bytes = w.into_inner().unwrap();
            let rows = read(&bytes, false).unwrap();
            let trimmed = desc.trim();
            prop_assert_eq!(rows[0].description.as_deref(), (!trimmed.is_empty()).then_some(trimmed));
            prop_assert_eq!(rows[0].credits_to_add.clone(), Some(n.to_string()));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read(&bytes, false);
        }
    }
}
