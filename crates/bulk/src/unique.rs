//! What must differ between a plan's rows: their wallets (unless duplicates are allowed) and
//! their idempotency keys. Each repeat is reported on the later row, naming the earlier one.

use std::collections::{HashMap, HashSet};

use super::Issue;
use super::csv as bulk_csv;
use super::draft::DraftRow;

/// Rows whose wallet is on an earlier row, allowed, that get a warning of their own; the rest
/// are counted in one more. A million-row plan over a few thousand wallets would otherwise
/// carry a million warnings no one reads (and hundreds of megabytes of them).
pub const SHOWN_DUPLICATES: usize = 100;

/// The errors and warnings of repeated wallets and keys, in row order.
///
/// Keys the plan derives (`bulk-<job>-<n>`) differ from one another, so only the keys the rows
/// give are kept (with the derived keys they happen to spell): a million rows' derived keys are
/// never built here, only compared where a given key names one.
pub(crate) fn check(drafts: &[DraftRow], job: &str, allow_duplicates: bool) -> (Vec<Issue>, Vec<Issue>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut first_line: HashMap<&str, u64> = HashMap::with_capacity(drafts.len());
    let prefix = key_prefix(job);
    let prefix = prefix.as_str();
    // Rows whose derived key some row gives as its own.
    let spelt: HashSet<usize> = drafts
        .iter()
        .filter_map(|d| derived_index(d.idempotency_key.as_deref()?, prefix))
        .collect();
    // The latest row (index, line) holding each given key.
    let mut given: HashMap<&str, (usize, u64)> = HashMap::new();
    let mut allowed_duplicates = 0usize;
    for (index, d) in drafts.iter().enumerate() {
        let line = d.line;
        if let Some(first) = first_line.get(d.wallet_id.as_str()) {
            if allow_duplicates {
                allowed_duplicates += 1;
                if allowed_duplicates <= SHOWN_DUPLICATES {
                    warnings.push(Issue::at(
                        line,
                        format!(
                            "wallet {} is also on line {first}: it will be credited on both rows",
                            d.wallet_id
                        ),
                    ));
                }
            } else {
                let msg = format!("wallet {} is also on line {first}", d.wallet_id);
                errors.push(Issue::field(
                    line,
                    bulk_csv::WALLET_ID,
                    format!("{msg} (pass --allow-duplicates to credit it on both rows)"),
                ));
            }
        } else {
            first_line.insert(&d.wallet_id, line);
        }
        match d.idempotency_key.as_deref() {
            Some(key) => {
                let derived = derived_index(key, prefix)
                    .filter(|&j| j < index && drafts[j].idempotency_key.is_none())
                    .map(|j| (j, drafts[j].line));
                let earlier = match (given.get(key).copied(), derived) {
                    (Some(a), Some(b)) => Some(if a.0 > b.0 { a } else { b }),
                    (a, b) => a.or(b),
                };
                if let Some((_, other)) = earlier {
                    errors.push(repeated_key(line, key, other));
                }
                given.insert(key, (index, line));
            }
            None if spelt.contains(&index) => {
                let key = row_key(job, index);
                if let Some(&(_, other)) = given.get(key.as_str()) {
                    errors.push(repeated_key(line, &key, other));
                }
            }
            None => {}
        }
    }
    if allowed_duplicates > SHOWN_DUPLICATES {
        warnings.push(Issue::at(
            0,
            format!(
                "… and {} more rows name a wallet of an earlier row: each is credited on every \
                 row it is on",
                allowed_duplicates - SHOWN_DUPLICATES
            ),
        ));
    }
    (errors, warnings)
}

fn repeated_key(line: u64, key: &str, other: u64) -> Issue {
    Issue::field(
        line,
        bulk_csv::IDEMPOTENCY_KEY,
        format!("{key:?} is also the key of line {other}: a repeat would be refused as already applied"),
    )
}

/// The row whose derived key `key` is, spelt exactly as [`row_key`] writes it.
fn derived_index(key: &str, prefix: &str) -> Option<usize> {
    let n = key.strip_prefix(prefix)?;
    if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse::<usize>().ok()?.checked_sub(1)
}

/// The idempotency key of the plan's row `index` (0-based) when its CSV names none.
pub fn row_key(job: &str, index: usize) -> String {
    // At its exact length: a plan keeps a million of these (twice: the row's and the request's).
    use std::fmt::Write;
    let n = index + 1;
    let digits = n.checked_ilog10().map_or(1, |l| l as usize + 1);
    let mut key = String::with_capacity("bulk--".len() + job.len() + digits);
    let _ = write!(key, "bulk-{job}-{n}");
    key
}

/// What every derived key of `job` starts with.
pub(crate) fn key_prefix(job: &str) -> String {
    format!("bulk-{job}-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Quantity;
    use flexprice_wire::models::TransactionReason;
    use proptest::prelude::*;

    fn draft(line: u64, wallet: &str, key: Option<String>) -> DraftRow {
        DraftRow {
            line,
            wallet_id: wallet.into(),
            quantity: Quantity::Credits(1.into()),
            reason: TransactionReason::FreeCreditGrant,
            expiry: None,
            priority: None,
            description: None,
            metadata: Default::default(),
            idempotency_key: key,
            currency: None,
        }
    }

    /// The check as it was: every row's key, given or derived, in one map.
    fn reference(drafts: &[DraftRow], job: &str, allow: bool) -> (Vec<Issue>, Vec<Issue>) {
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let mut first_line: HashMap<&str, u64> = HashMap::new();
        let mut key_line: HashMap<String, u64> = HashMap::new();
        for (index, d) in drafts.iter().enumerate() {
            let line = d.line;
            if let Some(first) = first_line.get(d.wallet_id.as_str()) {
                let msg = format!("wallet {} is also on line {first}", d.wallet_id);
                if allow {
                    warnings.push(Issue::at(
                        line,
                        format!("{msg}: it will be credited on both rows"),
                    ));
                } else {
                    errors.push(Issue::field(
                        line,
                        bulk_csv::WALLET_ID,
                        format!("{msg} (pass --allow-duplicates to credit it on both rows)"),
                    ));
                }
            } else {
                first_line.insert(&d.wallet_id, line);
            }
            let key = d.idempotency_key.clone().unwrap_or_else(|| row_key(job, index));
            if let Some(other) = key_line.insert(key.clone(), line) {
                errors.push(repeated_key(line, &key, other));
            }
        }
        (errors, warnings)
    }

    #[test]
    fn a_given_key_that_spells_a_derived_one_is_a_repeat_either_way() {
        let job = "0123456789abcdef";
        let drafts = vec![
            draft(2, "w1", None),
            draft(3, "w2", Some(format!("bulk-{job}-1"))),
            draft(4, "w3", Some(format!("bulk-{job}-4"))),
            draft(5, "w3", None),
            draft(6, "w4", Some(format!("bulk-{job}-01"))),
        ];
        let (errors, warnings) = check(&drafts, job, false);
        assert!(warnings.is_empty());
        let shown: Vec<String> = errors.iter().map(Issue::to_string).collect();
        assert_eq!(
            shown,
            vec![
                format!(
                    "line 3: idempotency_key: \"bulk-{job}-1\" is also the key of line 2: a repeat \
                     would be refused as already applied"
                ),
                "line 5: wallet_id: wallet w3 is also on line 4 (pass --allow-duplicates to credit \
                 it on both rows)"
                    .to_string(),
                format!(
                    "line 5: idempotency_key: \"bulk-{job}-4\" is also the key of line 4: a repeat \
                     would be refused as already applied"
                ),
            ]
        );
        assert_eq!((errors, warnings), reference(&drafts, job, false));
    }

    #[test]
    fn allowed_duplicates_beyond_the_first_hundred_are_counted_in_one_warning() {
        let drafts: Vec<DraftRow> = (0..1000)
            .map(|i| draft(i + 2, &format!("w{}", i % 10), None))
            .collect();
        let (errors, warnings) = check(&drafts, "j", true);
        assert!(errors.is_empty());
        assert_eq!(warnings.len(), SHOWN_DUPLICATES + 1);
        assert_eq!(
            warnings[0].to_string(),
            "line 12: wallet w0 is also on line 2: it will be credited on both rows"
        );
        let last = warnings.last().unwrap();
        assert_eq!(last.line, 0);
        assert!(last.message.starts_with("… and 890 more rows"), "{last}");
        // Refused duplicates are each an error: every one must be fixed.
        assert_eq!(check(&drafts, "j", false).0.len(), 990);
    }

    proptest! {
        #[test]
        fn finds_what_one_map_of_every_key_finds(
            rows in proptest::collection::vec((0u8..6, proptest::option::of(0u8..12)), 0..40),
            allow in any::<bool>(),
        ) {
            let job = "feedfacecafebeef";
            let drafts: Vec<DraftRow> = rows
                .iter()
                .enumerate()
                .map(|(i, (w, k))| {
                    // Keys of their own, and keys that spell the derived key of some row.
                    let key = k.map(|k| if k < 6 { format!("k{k}") } else { row_key(job, usize::from(k - 6)) });
                    draft(i as u64 + 2, &format!("w{w}"), key)
                })
                .collect();
            prop_assert_eq!(check(&drafts, job, allow), reference(&drafts, job, allow));
        }
    }
}
