//! `flexwallet wallets …`: aligned tables for people, `--json` for scripts.

use std::io::Write;

use color_eyre::eyre::Result;
use unicode_width::UnicodeWidthStr;

use crate::api::Client;
use crate::api::text::clean;
use rust_decimal::Decimal;

use crate::api::models::{AlertState, Transaction, TransactionQuery, Wallet, WalletStatus};
use crate::app::customers::Customers;
use crate::cli::WalletsCommand;
use crate::money::{format_amount, format_credits, wire_text};

/// Terminal width of a cell: wide (CJK) characters take two columns.
fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Renders rows as columns separated by two spaces; columns listed in `right` are right-aligned
/// (numbers), the last column is not padded and no line ends in spaces.
pub fn table(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        // Cells come from the API: an escape sequence in a name could recolour or rewrite the
        // operator's terminal, so each cell passes the one sanitiser.
        .map(|r| r.iter().map(|c| clean(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(width(cell)),
                None => widths.push(width(cell)),
            }
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows.iter()) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(width(cell));
            if right.contains(&i) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if i != last {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if i != last {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn wallet_rows(wallets: &[Wallet]) -> Vec<Vec<String>> {
    wallets
        .iter()
        .map(|w| {
            vec![
                w.id.clone(),
                w.display_name().to_string(),
                w.customer_id.clone(),
                w.currency.clone(),
                format_amount(&w.balance, &w.currency),
                format_credits(&w.credit_balance),
                w.wallet_status.to_string(),
                w.wallet_type.to_string(),
                w.alert_state().to_string(),
            ]
        })
        .collect()
}

/// Columns of `:export FILE`: the wallets in view, machine-readable (exact decimals as the API
/// writes them, ids whole, times in RFC 3339). The customer's name and external id come last
/// (added after the others, which kept their places), empty when the console does not know
/// the customer.
pub const EXPORT_HEADER: [&str; 14] = [
    "wallet_id",
    "name",
    "customer_id",
    "currency",
    "balance",
    "credit_balance",
    "wallet_status",
    "wallet_type",
    "alert_state",
    "conversion_rate",
    "topup_conversion_rate",
    "updated_at",
    "customer_name",
    "customer_external_id",
];

pub use crate::api::text::csv_cell;

/// Writes wallets as CSV to `out`, each with its customer's name and external id from
/// `customers`; returns how many rows were written.
pub fn write_wallets_csv(wallets: &[Wallet], customers: &Customers, out: impl Write) -> csv::Result<usize> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EXPORT_HEADER)?;
    for x in wallets {
        let customer = customers.get(&x.customer_id);
        w.write_record([
            csv_cell(&x.id),
            csv_cell(x.name.as_deref().unwrap_or_default()),
            csv_cell(&x.customer_id),
            csv_cell(&x.currency),
            wire_text(&x.balance),
            wire_text(&x.credit_balance),
            x.wallet_status.to_string(),
            x.wallet_type.to_string(),
            x.alert_state().to_string(),
            wire_text(&x.conversion_rate),
            x.topup_conversion_rate
                .as_ref()
                .map(wire_text)
                .unwrap_or_default(),
            x.updated_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            csv_cell(customer.map_or("", |c| c.name.as_str())),
            csv_cell(customer.map_or("", |c| c.external_id.as_str())),
        ])?;
    }
    w.flush()?;
    Ok(wallets.len())
}

/// Writes the CSV beside `path` and renames it into place: a reader never sees half a file.
/// The file is 0600. Without `replace` (a `serve` operator's files) an existing name is
/// refused, never overwritten, and no symlink is followed.
pub fn export_wallets(
    path: &std::path::Path,
    wallets: &[Wallet],
    customers: &Customers,
    replace: bool,
) -> Result<usize, String> {
    export_csv(path, replace, |out| write_wallets_csv(wallets, customers, out))
}

/// Rows of text under a header as CSV (the timeline's `:export`).
pub fn write_rows_csv(header: &[&str], rows: &[Vec<String>], out: impl Write) -> csv::Result<usize> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| csv_cell(c)))?;
    }
    w.flush()?;
    Ok(rows.len())
}

/// Writes a CSV export as [`export_wallets`] does (beside, then into place; 0600; without
/// `replace` an existing name is refused): `write` fills it and says how many rows.
pub fn export_csv(
    path: &std::path::Path,
    replace: bool,
    write: impl FnOnce(std::io::BufWriter<std::fs::File>) -> csv::Result<usize>,
) -> Result<usize, String> {
    let tmp = path.with_extension("csv.partial");
    let _ = std::fs::remove_file(&tmp);
    let file = crate::bulk::paths::create_private(&tmp, false)
        .map_err(|e| format!("creating {}: {e}", tmp.display()))?;
    let n = write(std::io::BufWriter::new(file)).map_err(|e| format!("writing {}: {e}", tmp.display()));
    let placed = n.and_then(|n| {
        if replace {
            std::fs::rename(&tmp, path).map_err(|e| format!("renaming {} into place: {e}", tmp.display()))
        } else {
            // A hard link fails on an existing name (symlink included): nothing is replaced.
            std::fs::hard_link(&tmp, path).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    format!(
                        "{} exists: choose another name (files here are never replaced)",
                        path.display()
                    )
                }
                _ => format!("placing {}: {e}", path.display()),
            })
        }
        .map(|()| n)
    });
    let _ = std::fs::remove_file(&tmp);
    placed
}

pub const WALLET_HEADER: [&str; 9] = [
    "ID", "NAME", "CUSTOMER", "CUR", "BALANCE", "CREDITS", "STATUS", "TYPE", "ALERT",
];

pub const TX_HEADER: [&str; 7] = [
    "TIME (UTC)",
    "ID",
    "TYPE",
    "REASON",
    "CREDITS",
    "BALANCE",
    "STATUS",
];

/// Ledger rows: time, id, type, reason, credits, balance before → after, status.
pub fn tx_rows(txs: &[Transaction]) -> Vec<Vec<String>> {
    txs.iter()
        .map(|t| {
            vec![
                t.created_at
                    .map(|c| c.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default(),
                t.id.clone(),
                t.tx_type.to_string(),
                t.transaction_reason.to_string(),
                // Signed as the console's ledger signs it: a debit takes credits away.
                crate::money::fit::fit_scaled(&t.signed_credits(), 2, usize::MAX, true),
                format!(
                    "{} → {}",
                    format_credits(&t.credit_balance_before),
                    format_credits(&t.credit_balance_after)
                ),
                t.transaction_status.to_string(),
            ]
        })
        .collect()
}

/// `wallets get`: one wallet, field by field, with its real-time figures, breakdown, alert
/// levels and auto top-up.
pub fn wallet_detail_rows(w: &Wallet) -> Vec<Vec<String>> {
    let cur = &w.currency;
    let money = |d: &Decimal| format!("{} {cur}", format_amount(d, cur));
    let mut rows: Vec<(&str, String)> = vec![
        ("id", w.id.clone()),
        ("name", w.display_name().to_string()),
        ("customer", w.customer_id.clone()),
        ("status", format!("{} · {}", w.wallet_status, w.wallet_type)),
        ("balance", money(&w.balance)),
        ("credit balance", format_credits(&w.credit_balance)),
    ];
    let rate = if w.topup_rate() == w.conversion_rate {
        wire_text(&w.conversion_rate)
    } else {
        format!(
            "{} (top-ups {})",
            wire_text(&w.conversion_rate),
            wire_text(&w.topup_rate())
        )
    };
    rows.push(("conversion rate", rate));
    if let Some(rt) = &w.real_time_balance {
        let cached = if w.is_cached_fallback == Some(true) {
            " (cached)"
        } else {
            ""
        };
        rows.push(("real-time balance", format!("{}{cached}", money(rt))));
    }
    if let Some(c) = &w.real_time_credit_balance {
        rows.push(("real-time credits", format_credits(c)));
    }
    if let Some(u) = &w.current_period_usage {
        rows.push(("current period usage", money(u)));
    }
    if let Some(u) = &w.unpaid_invoices_amount {
        rows.push(("unpaid invoices", money(u)));
    }
    if let Some(b) = &w.credits_available_breakdown {
        rows.push(("purchased credits", format_credits(&b.purchased)));
        rows.push(("free credits", format_credits(&b.free)));
    }
    let alert = w.alert_view();
    // Without settings of its own a wallet follows the tenant's wallet_balance_alert_config.
    let enabled = if alert.enabled {
        "enabled"
    } else if alert.levels.is_empty() && !alert.legacy {
        "tenant default"
    } else {
        "disabled"
    };
    rows.push(("alert", format!("{} ({enabled})", alert.state)));
    if !alert.levels.is_empty() {
        let levels: Vec<String> = alert
            .levels
            .iter()
            .map(|l| {
                let name = match l.state {
                    AlertState::InAlarm => "critical",
                    AlertState::Warning => "warning",
                    _ => "info",
                };
                format!(
                    "{name} {} {} credits",
                    l.condition.words(),
                    format_credits(&l.threshold)
                )
            })
            .collect();
        rows.push(("alert levels", levels.join(" · ")));
    }
    let auto = match w.effective_auto_topup() {
        Some(a) if a.enabled => {
            let below = a
                .threshold
                .map(|t| format_credits(&t))
                .unwrap_or_else(|| "?".into());
            let add = a.amount.map(|t| format_credits(&t)).unwrap_or_else(|| "?".into());
            let how = if a.invoicing { "invoiced" } else { "direct" };
            let cooldown = a
                .cooldown
                .map(|c| {
                    let plural = if c.value == 1 { "" } else { "s" };
                    format!(", cooldown {} {}{plural}", c.value, c.unit)
                })
                .unwrap_or_default();
            format!("at or below {below} add {add} credits ({how}{cooldown})")
        }
        _ => "off".to_string(),
    };
    rows.push(("auto top-up", auto));
    if let Some(u) = &w.updated_at {
        rows.push(("updated", u.format("%Y-%m-%d %H:%M:%S UTC").to_string()));
    }
    rows.into_iter().map(|(k, v)| vec![k.to_string(), v]).collect()
}

/// Follows the ledger's pages (by our own offset: the reply's offset is already the next one).
pub async fn ledger(
    client: &Client,
    wallet_id: &str,
    max: u64,
) -> Result<Vec<Transaction>, crate::api::ApiError> {
    let mut out = Vec::new();
    while (out.len() as u64) < max {
        let limit = (max - out.len() as u64).min(1000) as u32;
        let q = TransactionQuery {
            limit: Some(limit),
            offset: Some(out.len() as u64),
            ..Default::default()
        };
        let page = client.transactions(wallet_id, &q).await?;
        let n = page.items.len();
        out.extend(page.items);
        if n < limit as usize {
            break;
        }
    }
    if out.is_empty() {
        // Flexprice answers an empty page for a wallet that does not exist: ask for the
        // wallet, so a mistyped id is a `404 not_found`, not an empty ledger.
        client.get_wallet(wallet_id).await?;
    }
    Ok(out)
}

pub async fn run(client: &Client, cmd: WalletsCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        WalletsCommand::List { status, json } => {
            let status = status.map(|s| WalletStatus::parse(&s));
            let wallets = client.list_wallets(status.as_ref()).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &wallets)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", table(&WALLET_HEADER, &wallet_rows(&wallets), &[4, 5]))?;
            }
        }
        WalletsCommand::Get { id, json } => {
            let w = client.real_time_balance(&id).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &w)?;
                writeln!(out)?;
            } else {
                let rows = wallet_detail_rows(&w);
                write!(out, "{}", table(&["FIELD", "VALUE"], &rows, &[]))?;
            }
        }
        WalletsCommand::Transactions { id, limit, json } => {
            let txs = ledger(client, &id, limit).await?;
            if json {
                serde_json::to_writer_pretty(&mut *out, &txs)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", table(&TX_HEADER, &tx_rows(&txs), &[4]))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    /// Found by the attack pass: an exported CSV carried the API's escape bytes and a name a
    /// spreadsheet runs as a formula, as they came.
    #[test]
    fn exported_cells_carry_no_formula_and_no_escape() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://x\")".to_string(),
            "-5.00".to_string(),
            "+1 555".to_string(),
            "@SUM(A1)".to_string(),
            "Acme\u{1b}[2J Corp".to_string(),
            "plain".to_string(),
        ]];
        let mut out = Vec::new();
        write_rows_csv(&["a", "b", "c", "d", "e", "f"], &rows, &mut out).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        let line = text.lines().nth(1).expect("a row");
        assert_eq!(
            line,
            "\"'=HYPERLINK(\"\"http://x\"\")\",-5.00,'+1 555,'@SUM(A1),Acme Corp,plain"
        );
    }
}
