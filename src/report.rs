//! `flexwallet wallets …`: aligned tables for people, `--json` for scripts.

use std::io::Write;

use color_eyre::eyre::Result;
use unicode_width::UnicodeWidthStr;

use crate::api::Client;
use crate::api::models::{Transaction, TransactionQuery, Wallet, WalletStatus};
use crate::cli::WalletsCommand;
use crate::money::{format_amount, format_credits};

/// Terminal width of a cell: wide (CJK) characters take two columns.
fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Names and descriptions come from the API: control characters (an ESC could recolour or
/// rewrite the operator's terminal) are shown as `?`, never emitted.
pub fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Renders rows as columns separated by two spaces; columns listed in `right` are right-aligned
/// (numbers), the last column is not padded and no line ends in spaces.
pub fn table(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c)).collect())
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

pub const WALLET_HEADER: [&str; 9] = [
    "ID", "NAME", "CUSTOMER", "CUR", "BALANCE", "CREDITS", "STATUS", "TYPE", "ALERT",
];

pub const TX_HEADER: [&str; 7] = ["TIME", "ID", "TYPE", "REASON", "CREDITS", "BALANCE", "STATUS"];

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
                format_credits(&t.credit_amount),
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
                let cur = &w.currency;
                let mut rows = vec![
                    vec!["id".into(), w.id.clone()],
                    vec!["name".into(), w.display_name().into()],
                    vec!["customer".into(), w.customer_id.clone()],
                    vec![
                        "status".into(),
                        format!("{} · {}", w.wallet_status, w.wallet_type),
                    ],
                    vec![
                        "balance".into(),
                        format!("{} {cur}", format_amount(&w.balance, cur)),
                    ],
                    vec!["credit balance".into(), format_credits(&w.credit_balance)],
                ];
                if let Some(rt) = &w.real_time_balance {
                    rows.push(vec![
                        "real-time balance".into(),
                        format!("{} {cur}", format_amount(rt, cur)),
                    ]);
                }
                if let Some(b) = &w.credits_available_breakdown {
                    rows.push(vec!["purchased credits".into(), format_credits(&b.purchased)]);
                    rows.push(vec!["free credits".into(), format_credits(&b.free)]);
                }
                let alert = w.alert_view();
                rows.push(vec![
                    "alert".into(),
                    format!(
                        "{} ({})",
                        alert.state,
                        if alert.enabled { "enabled" } else { "disabled" }
                    ),
                ]);
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
