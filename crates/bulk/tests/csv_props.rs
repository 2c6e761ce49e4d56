//! Property tests of the bulk CSV reader: rows written by a CSV writer (quotes, commas, line
//! breaks inside fields, CRLF or LF, a BOM) read back field for field on the right lines and
//! become the drafts they say; CSV-shaped garbage and arbitrary bytes after a good header are
//! rows or issues with a line, never a panic. Bounded: 256 to 512 cases each.

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use flexwallet_bulk::csv::{RawRow, read};
use flexwallet_bulk::plan::csv_drafts;
use flexwallet_bulk::{Issue, Quantity};
use proptest::prelude::*;
use rust_decimal::Decimal;

const HEADER: [&str; 4] = ["wallet_id", "credits_to_add", "transaction_reason", "description"];

#[derive(Debug, Clone)]
struct Row {
    wallet_id: String,
    credits: String,
    reason: &'static str,
    description: String,
    metadata: Vec<String>,
}

/// Positive amounts as an operator writes them: up to 11 integer digits, up to 9 places,
/// leading and trailing zeros allowed.
fn credits() -> impl Strategy<Value = String> {
    (
        "0{0,2}[1-9][0-9]{0,8}",
        proptest::option::of("[0-9]{0,8}[1-9]0{0,2}"),
    )
        .prop_map(|(int, frac)| match frac {
            Some(f) => format!("{int}.{f}"),
            None => int,
        })
}

/// A description with everything a CSV must quote: commas, quotes, line breaks (LF and CRLF),
/// leading and trailing blanks, and characters beyond ASCII.
fn description() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => "[ -~]",
            1 => Just(",".to_string()),
            1 => Just("\"".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("\r\n".to_string()),
            1 => "[éß中€😀]",
        ],
        0..30,
    )
    .prop_map(|parts| parts.concat())
}

fn rows() -> impl Strategy<Value = (Vec<String>, Vec<Row>)> {
    proptest::collection::btree_set("[a-z]{1,6}", 0..3).prop_flat_map(|keys| {
        let keys: Vec<String> = keys.into_iter().collect();
        let n = keys.len();
        let row = (
            "[A-Za-z0-9_-]{1,24}",
            credits(),
            proptest::sample::select(&["FREE_CREDIT_GRANT", "PURCHASED_CREDIT_DIRECT"][..]),
            description(),
            proptest::collection::vec("[ -~]{0,12}", n),
        )
            .prop_map(|(wallet_id, credits, reason, description, metadata)| Row {
                wallet_id,
                credits,
                reason,
                description,
                metadata,
            });
        (Just(keys), proptest::collection::vec(row, 1..12))
    })
}

/// The file, and the line each row starts on.
fn write(keys: &[String], rows: &[Row], crlf: bool, bom: bool) -> (Vec<u8>, Vec<u64>) {
    let mut w = csv::WriterBuilder::new()
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    let mut header: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
    header.extend(keys.iter().map(|k| format!("metadata.{k}")));
    w.write_record(&header).unwrap();
    let mut starts = Vec::new();
    for r in rows {
        w.flush().unwrap();
        let before = w.get_ref();
        starts.push(1 + before.iter().filter(|&&b| b == b'\n').count() as u64);
        let mut fields = vec![
            r.wallet_id.clone(),
            r.credits.clone(),
            r.reason.to_string(),
            r.description.clone(),
        ];
        fields.extend(r.metadata.iter().cloned());
        w.write_record(&fields).unwrap();
    }
    let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
    bytes.extend(w.into_inner().unwrap());
    (bytes, starts)
}

/// A field as the reader gives it: blanks trimmed, empty is absent.
fn field(text: &str) -> Option<String> {
    let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
    (!t.is_empty()).then(|| t.to_string())
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

fn lines_in(bytes: &[u8]) -> u64 {
    1 + bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Every issue names a line of the file (0: the whole file).
fn located(issues: &[Issue], bytes: &[u8]) -> Result<(), TestCaseError> {
    for i in issues {
        prop_assert!(i.line <= lines_in(bytes), "line {} past the end: {}", i.line, i);
        let _ = i.to_string();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_rows_round_trip((keys, rows) in rows(), crlf in any::<bool>(), bom in any::<bool>()) {
        let (bytes, starts) = write(&keys, &rows, crlf, bom);
        let read_rows: Vec<RawRow> = read(&bytes, false).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(read_rows.len(), rows.len());
        for ((got, want), line) in read_rows.iter().zip(&rows).zip(&starts) {
            prop_assert_eq!(got.line, *line);
            prop_assert_eq!(got.wallet_id.clone(), Some(want.wallet_id.clone()));
            prop_assert_eq!(got.credits_to_add.clone(), Some(want.credits.clone()));
            prop_assert_eq!(got.transaction_reason.as_deref(), Some(want.reason));
            prop_assert_eq!(got.description.clone(), field(&want.description));
            let metadata: Vec<(String, String)> = keys
                .iter()
                .zip(&want.metadata)
                .filter_map(|(k, v)| field(v).map(|v| (k.clone(), v)))
                .collect();
            prop_assert_eq!(&got.metadata, &metadata);
        }
        let (drafts, issues) = csv_drafts(&bytes, None, now()).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(issues.is_empty(), "{:?}", issues);
        prop_assert_eq!(drafts.len(), rows.len());
        for (d, want) in drafts.iter().zip(&rows) {
            prop_assert_eq!(&d.quantity, &Quantity::Credits(Decimal::from_str(&want.credits).unwrap()));
            prop_assert_eq!(&d.wallet_id, &want.wallet_id);
        }
    }
}

/// CSV-shaped text: cells from an alphabet full of separators, quotes and line ends, some
/// bytes not UTF-8.
fn csv_shaped() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            4 => "[a-z0-9._-]{1,6}".prop_map(String::into_bytes),
            2 => Just(b",".to_vec()),
            1 => Just(b"\"".to_vec()),
            1 => Just(b"\n".to_vec()),
            1 => Just(b"\r\n".to_vec()),
            1 => Just(b"\r".to_vec()),
            1 => Just(b" ".to_vec()),
            1 => proptest::sample::select(&["-5", "1e3", "0", "99999999999999", "1.0000000001", "2026-13-45", "metadata.x"][..])
                .prop_map(|s| s.as_bytes().to_vec()),
            1 => proptest::collection::vec(any::<u8>(), 1..3),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

fn header() -> impl Strategy<Value = Vec<u8>> {
    proptest::sample::subsequence(
        vec![
            "wallet_id",
            "credits_to_add",
            "amount",
            "transaction_reason",
            "expiry_date_utc",
            "priority",
            "description",
            "idempotency_key",
            "currency",
            "metadata.a",
            "metadata.b",
        ],
        1..8,
    )
    .prop_map(|cols| format!("{}\n", cols.join(",")).into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn csv_shaped_bytes_are_rows_or_located_issues(head in header(), body in csv_shaped(), reason in any::<bool>()) {
        let bytes = [head, body].concat();
        match read(&bytes, reason) {
            Ok(rows) => {
                for r in &rows {
                    prop_assert!(r.line >= 2 && r.line <= lines_in(&bytes), "{:?}", r);
                }
            }
            Err(issues) => located(&issues, &bytes)?,
        }
        let default = reason.then_some(flexprice_wire::models::TransactionReason::FreeCreditGrant);
        match csv_drafts(&bytes, default.as_ref(), now()) {
            Ok((drafts, issues)) => {
                located(&issues, &bytes)?;
                for d in &drafts {
                    prop_assert!(d.line >= 2 && d.line <= lines_in(&bytes));
                }
            }
            Err(issues) => located(&issues, &bytes)?,
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_header_never_panic(
        head in header(),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let bytes = [head, body].concat();
        if let Err(issues) = read(&bytes, true) {
            located(&issues, &bytes)?;
        }
        if let Err(issues) = csv_drafts(&bytes, None, now()) {
            located(&issues, &bytes)?;
        }
    }
}
