//! The ledger pane (`L`) and the whole-transaction view (`Enter`). Only the rows on screen are
//! built. Pending invoiced top-ups and expired credits stand out by word and by style.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

use crate::api::models::{AlertState, Transaction, TransactionReason, TransactionType};
use crate::app::App;
use crate::app::ledger::{Ledger, LedgerEntry};
use crate::keymap::{Command, Context};
use crate::money::fit::{fit_amount, fit_credits, fit_scaled};
use crate::money::{format_amount, format_credits};
use crate::ui::Theme;
use crate::ui::layout::{centered, fit_columns};
use crate::ui::list::{spinner, truncate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Time,
    Type,
    Reason,
    Credits,
    Amount,
    Balance,
    Available,
    Status,
    Expiry,
    Priority,
    Reference,
    Key,
}

/// Column, title, width, priority (1 = always shown), right-aligned.
const COLUMNS: [(Col, &str, u16, u8, bool); 12] = [
    (Col::Time, "Time (UTC)", 16, 1, false),
    (Col::Type, "Type", 6, 3, false),
    (Col::Reason, "Reason", 12, 1, false),
    (Col::Credits, "Credits", 11, 1, true),
    (Col::Amount, "Amount", 12, 3, true),
    (Col::Balance, "Before → after", 21, 2, true),
    (Col::Available, "Available", 10, 4, true),
    (Col::Status, "Status", 9, 1, false),
    (Col::Expiry, "Expires", 10, 3, false),
    (Col::Priority, "Pri", 3, 5, true),
    (Col::Reference, "Reference", 16, 6, false),
    (Col::Key, "Idempotency key", 18, 6, false),
];

/// The reason in an operator's words, short enough for the table.
pub fn reason_label(r: &TransactionReason) -> String {
    match r {
        TransactionReason::PurchasedCreditDirect => "purchased",
        TransactionReason::PurchasedCreditInvoiced => "invoiced",
        TransactionReason::FreeCreditGrant => "free grant",
        TransactionReason::SubscriptionCreditGrant => "subscription",
        TransactionReason::CreditNote => "credit note",
        TransactionReason::CreditExpired => "expired",
        TransactionReason::WalletTermination => "termination",
        TransactionReason::ManualBalanceDebit => "manual debit",
        TransactionReason::CreditAdjustment => "adjustment",
        TransactionReason::InvoiceVoidRefund => "void refund",
        TransactionReason::PurchasedCreditBonus => "bonus",
        TransactionReason::InvoicePayment => "usage",
        other => return other.to_string(),
    }
    .to_string()
}

/// Credits with their sign, in `width` columns: a debit takes credits away.
fn signed_credits(tx: &Transaction, width: usize) -> String {
    let signed = if tx.tx_type == TransactionType::Debit {
        -tx.credit_amount
    } else {
        tx.credit_amount
    };
    fit_scaled(&signed, 2, width, true)
}

/// `before → after` in `width` columns: exact when it fits, else each side compact on its own.
fn before_after(before: &rust_decimal::Decimal, after: &rust_decimal::Decimal, width: usize) -> String {
    let exact = format!("{} → {}", format_credits(before), format_credits(after));
    if exact.chars().count() <= width {
        return exact;
    }
    let sides = width.saturating_sub(3);
    let left = sides / 2;
    format!(
        "{} → {}",
        fit_credits(before, left),
        fit_credits(after, sides - left)
    )
}

fn status_word(e: &LedgerEntry, app: &App) -> String {
    if e.is_pending() {
        "pending".into()
    } else if e.is_expired(app.clock) {
        "expired".into()
    } else {
        e.tx.transaction_status.to_string()
    }
}

fn cell(e: &LedgerEntry, col: Col, width: u16, currency: &str, app: &App) -> String {
    let tx = &e.tx;
    let w = width as usize;
    match col {
        Col::Time => tx
            .created_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "—".into()),
        Col::Type => tx.tx_type.to_string(),
        Col::Reason => truncate(&reason_label(&tx.transaction_reason), w),
        Col::Credits => signed_credits(tx, w),
        Col::Amount => fit_amount(&tx.amount, currency, w),
        Col::Balance => before_after(&tx.credit_balance_before, &tx.credit_balance_after, w),
        Col::Available => fit_credits(&tx.credits_available, w),
        Col::Status => status_word(e, app),
        Col::Expiry => tx
            .expiry_date
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Col::Priority => tx.priority.map(|p| p.to_string()).unwrap_or_default(),
        Col::Reference => truncate(
            &match (&tx.reference_type, &tx.reference_id) {
                (Some(t), Some(id)) => format!("{t} {id}"),
                (None, Some(id)) => id.clone(),
                (Some(t), None) => t.to_string(),
                (None, None) => String::new(),
            },
            w,
        ),
        Col::Key => truncate(tx.idempotency_key.as_deref().unwrap_or(""), w),
    }
}

fn retry_hint(app: &App) -> String {
    app.keymap
        .key_label(Context::Ledger, Command::Refresh)
        .map(|k| format!(" ({k} reloads)"))
        .unwrap_or_default()
}

fn title(l: &Ledger, app: &App) -> String {
    let mut s = format!(" Ledger · {} ", truncate(&l.wallet_name, 28));
    let held = l.entries.len();
    s.push_str(&match l.total {
        Some(t) if l.exhausted || held as i64 >= t => format!("· {held} transactions "),
        Some(t) => format!("· {held} of {t} loaded "),
        None => String::new(),
    });
    if l.arrived > 0 {
        s.push_str(&format!("· {} new since opened ", l.arrived));
    }
    let f = l.filter.describe();
    if !f.is_empty() {
        s.push_str(&format!("· {f} "));
    }
    if l.loading {
        s.push_str(&format!("{} loading ", spinner(app.spinner)));
    }
    s
}

pub fn render(app: &App, l: &Ledger, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(title(l, app), theme.header()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    if l.entries.is_empty() {
        let msg = match (&l.error, l.loading) {
            (Some(e), _) => Line::styled(
                format!("Loading the ledger failed: {e}{}", retry_hint(app)),
                theme.error(),
            ),
            (None, true) => Line::from(format!("{} Loading transactions…", spinner(app.spinner))),
            (None, false) if l.filter.is_empty() => Line::from("No transactions."),
            (None, false) => Line::from("No transactions match the filter."),
        };
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }).block(block), area);
        return;
    }
    let specs: Vec<(u16, u8)> = COLUMNS.iter().map(|c| (c.2, c.3)).collect();
    let reason = COLUMNS.iter().position(|c| c.0 == Col::Reason).unwrap_or(0);
    let cols: Vec<(Col, &str, u16, bool)> = COLUMNS
        .iter()
        .zip(fit_columns(&specs, reason, inner.width))
        .filter_map(|(c, w)| Some((c.0, c.1, w?, c.4)))
        .collect();
    let align = |text: String, right: bool| {
        if right {
            Line::from(text).right_aligned()
        } else {
            Line::from(text)
        }
    };
    let header = Row::new(
        cols.iter()
            .map(|(_, name, _, right)| Cell::from(align(name.to_string(), *right))),
    )
    .style(theme.header());
    // One row for the header, one for the footer line.
    let height = inner.height.saturating_sub(2) as usize;
    let rows = l
        .entries
        .iter()
        .enumerate()
        .skip(l.offset)
        .take(height)
        .map(|(i, e)| {
            let style = if e.is_pending() {
                theme.alert(&AlertState::Warning)
            } else if e.is_expired(app.clock) {
                theme.dim().add_modifier(Modifier::CROSSED_OUT)
            } else {
                Style::default()
            };
            let r = Row::new(cols.iter().map(|(col, _, w, right)| {
                let mut c = Cell::from(align(cell(e, *col, *w, &l.currency, app), *right));
                if *col == Col::Credits {
                    c = c.style(theme.delta(e.tx.tx_type != TransactionType::Debit));
                }
                c
            }))
            .style(style);
            if i == l.selected {
                r.style(theme.selected(true))
            } else {
                r
            }
        });
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.2)).collect();
    let [table_area, footer] =
        ratatui::layout::Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(block, area);
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
    let foot = if let Some(e) = &l.error {
        Line::styled(
            format!("Loading older transactions failed: {e}{}", retry_hint(app)),
            theme.error(),
        )
    } else if l.loading {
        Line::styled(
            format!("{} loading older transactions…", spinner(app.spinner)),
            theme.dim(),
        )
    } else if l.exhausted {
        Line::styled("— start of the ledger —", theme.dim())
    } else {
        Line::styled("↓ more as you scroll", theme.dim())
    };
    frame.render_widget(Paragraph::new(foot), footer);
    if let Some(scroll) = l.open
        && let Some(e) = l.selected_entry()
    {
        transaction(app, theme, frame, area, e, &l.currency, scroll);
    }
}

/// Every field of one transaction, labelled.
pub fn transaction_lines(e: &LedgerEntry, currency: &str, app: &App) -> Vec<(String, String)> {
    let tx = &e.tx;
    let opt = |o: Option<String>| o.unwrap_or_else(|| "—".into());
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| opt(t.map(|t| t.to_rfc3339()));
    let mut out = vec![
        ("id".into(), tx.id.clone()),
        ("status".into(), status_word(e, app)),
        ("type".into(), tx.tx_type.to_string()),
        ("reason".into(), tx.transaction_reason.to_string()),
        ("credits".into(), signed_credits(tx, usize::MAX)),
        ("amount".into(), format_amount(&tx.amount, currency)),
        (
            "balance".into(),
            format!(
                "{} → {} credits",
                format_credits(&tx.credit_balance_before),
                format_credits(&tx.credit_balance_after)
            ),
        ),
        (
            "available".into(),
            format!("{} credits", format_credits(&tx.credits_available)),
        ),
        ("created".into(), time(tx.created_at)),
        ("expires".into(), time(tx.expiry_date)),
        ("priority".into(), opt(tx.priority.map(|p| p.to_string()))),
        (
            "reference".into(),
            opt(tx.reference_type.as_ref().map(|t| t.to_string())),
        ),
        ("reference id".into(), opt(tx.reference_id.clone())),
        ("idempotency key".into(), opt(tx.idempotency_key.clone())),
        ("description".into(), opt(tx.description.clone())),
        ("created by".into(), opt(tx.created_by.clone())),
        ("parent".into(), opt(tx.parent_transaction_id.clone())),
    ];
    if let Some(r) = &tx.topup_conversion_rate {
        out.push(("top-up rate".into(), r.to_string()));
    }
    for (k, v) in tx.metadata.iter().flat_map(|m| m.iter()) {
        out.push((format!("metadata.{k}"), v.to_string()));
    }
    out
}

fn transaction(
    app: &App,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    e: &LedgerEntry,
    currency: &str,
    scroll: u16,
) {
    let rect = centered(area, 76, area.height.saturating_sub(2));
    let lines: Vec<Line> = transaction_lines(e, currency, app)
        .into_iter()
        .map(|(k, v)| {
            let style = match (k.as_str(), v.as_str()) {
                ("status", "pending") => theme.alert(&AlertState::Warning),
                ("status", "expired" | "failed") => theme.error(),
                _ => Style::default(),
            };
            // Descriptions, references and metadata come from the API.
            let (k, v) = (
                crate::api::text::clean(&k),
                crate::api::text::clean(&v).into_owned(),
            );
            Line::from(vec![
                Span::styled(format!("{k:>16} "), theme.label()),
                Span::styled(v, style),
            ])
        })
        .collect();
    let keys = [Command::Back, Command::RawJson]
        .iter()
        .filter_map(|c| {
            Some(format!(
                "{} {}",
                app.keymap.key_label(Context::Ledger, *c)?,
                c.hint()
            ))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(format!(" Transaction ({keys}) "), theme.header()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}
