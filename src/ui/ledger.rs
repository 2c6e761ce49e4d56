//! The ledger pane (`L`) and the whole-transaction view (`Enter`). Only the rows on screen are
//! built. Pending invoiced top-ups and expired credits stand out by word and by style.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

use crate::api::models::{AlertState, TransactionReason, TransactionType};
use crate::app::App;
use crate::app::ledger::{Ledger, LedgerEntry};
use crate::keymap::{Command, Context};
use crate::money::fit::{fit_credits, fit_scaled};
use crate::money::{currency_precision, format_credits};
use crate::ui::Theme;
use crate::ui::fit;
use crate::ui::layout::centered;
use crate::ui::list::{spinner, truncate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Time,
    Type,
    Reason,
    Credits,
    Amount,
    Balance,
    /// The balance after only: what `Balance` becomes when `before → after` does not fit.
    After,
    Available,
    Status,
    Expiry,
    Priority,
    Reference,
    Key,
}

/// Column, title, priority (1 = always shown), right-aligned. Each is as wide as its header and
/// the cells on screen ([`crate::ui::fit`]), shown whole or left out.
const COLUMNS: [(Col, &str, u8, bool); 13] = [
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

/// The reason as Flexprice names it, in words (`invoice payment`).
pub fn reason_label(r: &TransactionReason) -> String {
    r.label()
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

/// A cell in at most `width` columns (`usize::MAX`: its whole text, which sizes the column).
/// Figures are exact when they fit and compact (`≈`) when not; text is cut only when a
/// column that must be shown has less room than it.
fn cell(e: &LedgerEntry, col: Col, width: usize, currency: &str, app: &App) -> String {
    let tx = &e.tx;
    let w = width;
    match col {
        Col::Time => tx
            .created_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "—".into()),
        Col::Type => tx.tx_type.to_string(),
        Col::Reason => truncate(&reason_label(&tx.transaction_reason), w),
        Col::Credits => fit_scaled(&tx.signed_credits(), 2, w, true),
        Col::Amount => fit_scaled(&tx.signed_amount(), currency_precision(currency), w, true),
        Col::Balance => before_after(&tx.credit_balance_before, &tx.credit_balance_after, w),
        Col::After => fit_credits(&tx.credit_balance_after, w),
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

/// The columns for the rows on screen in `width`, with their cells. A column none of these
/// rows fills (no expiry, no key) is left out; figures are padded so their points line up.
struct LedgerTable {
    cols: Vec<(Col, &'static str, u16, bool)>,
    /// Per column shown, the cells of the rows on screen at their whole width.
    cells: Vec<Vec<String>>,
    spacing: u16,
}

fn columns(app: &App, l: &Ledger, rows: &[&LedgerEntry], width: u16) -> LedgerTable {
    let mut candidates = Vec::new();
    let mut kept: Vec<(Col, &'static str, bool)> = Vec::new();
    let mut all_cells = Vec::new();
    for (col, title, priority, right) in COLUMNS {
        let mut cells: Vec<String> = rows
            .iter()
            .map(|e| cell(e, col, usize::MAX, &l.currency, app))
            .collect();
        if matches!(col, Col::Credits | Col::Amount | Col::After | Col::Available) {
            fit::align_points(&mut cells);
        }
        let widest = cells.iter().map(|c| text_width(c)).max().unwrap_or(0);
        let optional = matches!(col, Col::Expiry | Col::Priority | Col::Reference | Col::Key);
        if optional && widest == 0 {
            continue;
        }
        let instead_of = (col == Col::After)
            .then(|| kept.iter().position(|(c, ..)| *c == Col::Balance))
            .flatten();
        candidates.push(fit::Candidate {
            instead_of,
            ..fit::Candidate::new(
                u16::try_from(widest.max(text_width(title))).unwrap_or(u16::MAX),
                priority,
            )
        });
        kept.push((col, title, right));
        all_cells.push(cells);
    }
    let f = fit::fit(&candidates, width);
    let mut cols = Vec::new();
    let mut cells = Vec::new();
    for (((col, title, right), w), c) in kept.into_iter().zip(f.widths).zip(all_cells) {
        if let Some(w) = w {
            cols.push((col, title, w, right));
            cells.push(c);
        }
    }
    LedgerTable {
        cols,
        cells,
        spacing: f.spacing,
    }
}

fn text_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

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
    let table = columns(app, l, &on_screen, inner.width);
    let align = |text: String, right: bool| {
        if right {
            Line::from(text).right_aligned()
        } else {
            Line::from(text)
        }
    };
    let header = Row::new(
        table
            .cols
            .iter()
            .map(|(_, name, _, right)| Cell::from(align(name.to_string(), *right))),
    )
    .style(theme.header());
    let rows = on_screen.iter().enumerate().map(|(n, e)| {
        let style = if e.is_pending() {
            theme.alert(&AlertState::Warning)
        } else if e.is_expired(app.clock) {
            theme.dim().add_modifier(Modifier::CROSSED_OUT)
        } else {
            Style::default()
        };
        let cells = table
            .cols
            .iter()
            .zip(&table.cells)
            .map(|((col, _, w, right), texts)| {
                let whole = texts.get(n).cloned().unwrap_or_default();
                // Whole when it fits; an essential column squeezed below its width: compact or cut.
                let text = if text_width(&whole) <= usize::from(*w) {
                    whole
                } else {
                    cell(e, *col, usize::from(*w), &l.currency, app)
                };
                let mut c = Cell::from(align(text, *right));
                if matches!(col, Col::Credits | Col::Amount) {
                    c = c.style(theme.delta(e.tx.tx_type != TransactionType::Debit));
                }
                c
            });
        let r = Row::new(cells).style(style);
        if l.offset + n == l.selected {
            r.style(theme.selected(true))
        } else {
            r
        }
    });
    let widths: Vec<Constraint> = table.cols.iter().map(|c| Constraint::Length(c.2)).collect();
    let [table_area, footer] =
        ratatui::layout::Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(block, area);
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(table.spacing),
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
