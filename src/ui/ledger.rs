//! The ledger pane (`L`) and the whole-transaction view (`Enter`). Only the rows on screen are
//! built. Pending invoiced top-ups and expired credits stand out by word and by style.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::api::models::{AlertState, TransactionReason};
use crate::app::App;
use crate::app::ledger::{Ledger, LedgerEntry};
use crate::keymap::{Command, Context};
use crate::money::fit::fit_scaled;
use crate::money::{currency_precision, format_credits};
use crate::ui::Theme;
use crate::ui::layout::centered;
use crate::ui::list::{spinner, truncate};
pub use crate::ui::tx_table::reason_label;
use crate::ui::tx_table::{self, Col, Spec, status_word};

/// Column, title, priority (1 = always shown), right-aligned. Each is as wide as its header and
/// the cells on screen ([`crate::ui::fit`]), shown whole or left out.
const COLUMNS: [Spec; 13] = [
    (Col::Time, "Time (UTC)", 1, false),
    (Col::Type, "Type", 4, false),
    (Col::Reason, "Reason", 1, false),
    (Col::Credits, "Credits", 1, true),
    (Col::Amount, "Amount", 3, true),
    (Col::Balance, "Before → after", 2, true),
    (Col::After, "Balance", 2, true),
    (Col::Available, "Available", 4, true),
    (Col::Status, "Status", 1, false),
    (Col::Expiry, "Expires", 3, false),
    (Col::Priority, "Priority", 5, true),
    (Col::Reference, "Reference", 5, false),
    (Col::Key, "Idempotency key", 6, false),
];

fn retry_hint(app: &App) -> String {
    app.keymap
        .key_label(Context::Ledger, Command::Refresh)
        .map(|k| format!(" ({k} reloads)"))
        .unwrap_or_default()
}

/// ` Ledger · NAME · 1 transaction · 1 new since opened · pending `, fitted to `width`: the
/// wallet's name gives way first (down to a few letters), then whole pieces, least needed
/// first (what is new, then the spinner, then the count); the filter is always said.
fn title(l: &Ledger, app: &App, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let held = l.entries.len();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    // (text, dropped in this order when there is no room: higher first)
    let mut pieces: Vec<(String, u8)> = Vec::new();
    // Whose wallet: the name alone does not tell (`Postpaid Wallet - EUR` ×9).
    if let Some(row) = app.table.get(&l.wallet_id) {
        pieces.push((app.customer_label(&row.wallet.customer_id), 1));
    }
    match l.total {
        Some(t) if l.exhausted || held as i64 >= t => {
            pieces.push((plural(held, "transaction", "transactions"), 2))
        }
        Some(t) => pieces.push((format!("{held} of {t} loaded"), 2)),
        None => {}
    }
    if l.arrived > 0 {
        pieces.push((format!("{} new since opened", l.arrived), 4));
    }
    let f = l.filter.describe();
    if !f.is_empty() {
        pieces.push((f.to_string(), 0));
    }
    if l.loading {
        pieces.push((format!("{} loading", spinner(app.spinner)), 3));
    }
    const NAME_MIN: usize = 12;
    let room = width.saturating_sub(2);
    let rest = |pieces: &[(String, u8)]| -> usize { pieces.iter().map(|(p, _)| p.width() + 3).sum() };
    while " Ledger · ".width() + NAME_MIN.min(l.wallet_name.width()) + 1 + rest(&pieces) > room {
        let Some(i) = (0..pieces.len())
            .filter(|i| pieces[*i].1 > 0)
            .max_by_key(|i| pieces[*i].1)
        else {
            break;
        };
        pieces.remove(i);
    }
    let name_room = room.saturating_sub(" Ledger · ".width() + 1 + rest(&pieces));
    let mut s = format!(" Ledger · {} ", truncate(&l.wallet_name, name_room.max(NAME_MIN)));
    for (p, _) in pieces {
        s.push_str(&format!("· {p} "));
    }
    s
}

pub fn render(app: &App, l: &Ledger, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(
            title(l, app, usize::from(area.width)),
            theme.header(),
        ));
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
    // One row for the header, one for the footer line.
    let height = inner.height.saturating_sub(2) as usize;
    let on_screen: Vec<&LedgerEntry> = l.entries.iter().skip(l.offset).take(height).collect();
    let currency = |_: &LedgerEntry| l.currency.as_str();
    let table = tx_table::columns(app, &COLUMNS, &on_screen, inner.width, &currency);
    let selected = l.selected.checked_sub(l.offset);
    let [table_area, footer] =
        ratatui::layout::Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(block, area);
    frame.render_widget(
        table.widget(app, theme, &on_screen, selected, &currency),
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
        (
            "reason".into(),
            format!(
                "{} ({})",
                reason_label(&tx.transaction_reason),
                tx.transaction_reason
            ),
        ),
        (
            "credits".into(),
            fit_scaled(&tx.signed_credits(), 2, usize::MAX, true),
        ),
        (
            "amount".into(),
            fit_scaled(
                &tx.signed_amount(),
                currency_precision(currency),
                usize::MAX,
                true,
            ),
        ),
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
    // The API's transaction does not name its invoice; the answer to the top-up did, and the
    // console keeps it for the top-ups it made. Next to the status: what it is pending on.
    let invoice = match app.invoice_of(&tx.id) {
        Some(inv) => Some(inv.to_string()),
        None if tx.transaction_reason == TransactionReason::PurchasedCreditInvoiced => {
            Some("not known here: only the answer to the top-up names it".into())
        }
        None => None,
    };
    if let Some(inv) = invoice {
        let at = out
            .iter()
            .position(|(k, _)| k == "status")
            .map_or(out.len(), |i| i + 1);
        out.insert(at, ("invoice".into(), inv));
    }
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
