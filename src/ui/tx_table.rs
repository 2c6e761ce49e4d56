//! One table of transactions for the ledger (`L`) and the timeline (`T`): the columns each may
//! show, their cells, and how they are fitted to the width ([`crate::ui::fit`]: each column as
//! wide as its header and the cells on screen, shown whole or left out by priority; figures
//! never cut, padded so their points line up).

use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

use crate::api::models::{AlertState, TransactionType};
use crate::app::App;
use crate::app::ledger::LedgerEntry;
use crate::money::fit::{fit_credits, fit_scaled};
use crate::money::{currency_precision, format_credits};
use crate::ui::Theme;
use crate::ui::fit;
use crate::ui::list::truncate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// `2026-11-01 12:00` (the ledger: one wallet, months of it).
    Time,
    /// `11-01 12:00:07` (the timeline: seconds matter in an incident).
    Moment,
    /// The wallet's customer, by name.
    Customer,
    /// The wallet, by name (its id when the list does not hold it).
    Wallet,
    Type,
    Reason,
    Credits,
    /// In the wallet's currency (the ledger: one currency, said in its title).
    Amount,
    /// With its currency code (the timeline: many currencies).
    AmountCode,
    Balance,
    /// The balance after only: what `Balance` becomes when `before → after` does not fit.
    After,
    Available,
    Status,
    Expiry,
    Priority,
    /// The reference; a pending invoiced top-up's invoice when the console knows it.
    Reference,
    Key,
}

impl Col {
    fn is_figure(self) -> bool {
        matches!(
            self,
            Col::Credits | Col::Amount | Col::AmountCode | Col::After | Col::Available
        )
    }

    /// Text that may be cut (with `…`) rather than leave the column out.
    fn is_text(self) -> bool {
        matches!(self, Col::Customer | Col::Wallet)
    }

    /// Left out when no row on screen fills it.
    fn is_optional(self) -> bool {
        matches!(self, Col::Expiry | Col::Priority | Col::Reference | Col::Key)
    }
}

/// Wider than this (`-1,234,567,890.00 USD`), a figure column may be drawn compact, in
/// [`FIGURE_LEAST`] columns (`≈+7.92e28 USD`).
const FIGURE_MOST: usize = 21;
const FIGURE_LEAST: u16 = 14;

/// A column a table may show: which, its title, its priority (1 = always shown), and whether
/// it is right-aligned.
pub type Spec = (Col, &'static str, u8, bool);

/// The reason as Flexprice names it, in words (`invoice payment`).
pub fn reason_label(r: &crate::api::models::TransactionReason) -> String {
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

pub fn status_word(e: &LedgerEntry, app: &App) -> String {
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
pub fn cell(e: &LedgerEntry, col: Col, width: usize, currency: &str, app: &App) -> String {
    let tx = &e.tx;
    let w = width;
    match col {
        Col::Time => tx
            .created_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "—".into()),
        Col::Moment => tx
            .created_at
            .map(|t| moment(t, app.clock))
            .unwrap_or_else(|| "—".into()),
        Col::Customer => truncate(
            &tx.customer_id
                .as_deref()
                .map(|c| app.customer_label(c))
                .unwrap_or_default(),
            w,
        ),
        Col::Wallet => truncate(app.tx_wallet_name(&tx.wallet_id).unwrap_or(&tx.wallet_id), w),
        Col::Type => tx.tx_type.to_string(),
        Col::Reason => truncate(&reason_label(&tx.transaction_reason), w),
        Col::Credits => fit_scaled(&tx.signed_credits(), 2, w, true),
        Col::Amount => fit_scaled(&tx.signed_amount(), currency_precision(currency), w, true),
        Col::AmountCode => {
            let code = currency.to_uppercase();
            let room = w.saturating_sub(code.chars().count() + 1);
            let figure = fit_scaled(&tx.signed_amount(), currency_precision(currency), room, true);
            if code.is_empty() {
                figure
            } else {
                format!("{figure} {code}")
            }
        }
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
            &match (app.pending_invoice(e), &tx.reference_type, &tx.reference_id) {
                (Some(inv), ..) => format!("invoice {inv}"),
                (None, Some(t), Some(id)) => format!("{t} {id}"),
                (None, None, Some(id)) => id.clone(),
                (None, Some(t), None) => t.to_string(),
                (None, None, None) => String::new(),
            },
            w,
        ),
        Col::Key => truncate(tx.idempotency_key.as_deref().unwrap_or(""), w),
    }
}

/// `12-03 10:33:57` this year; with its year when another (a server clock years off, or a
/// transaction from the future, is not shown as if it were this year's).
fn moment(t: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    if t.year() == now.year() {
        t.format("%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

pub fn text_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The columns for the rows on screen in `width`, with their cells. A column none of these
/// rows fills (no expiry, no key) is left out; figures are padded so their points line up.
pub struct TxTable {
    cols: Vec<(Col, &'static str, u16, bool)>,
    /// Per column shown, the cells of the rows on screen at their whole width.
    cells: Vec<Vec<String>>,
    spacing: u16,
}

/// Fits `specs` for `rows` in `width`; `currency` says each row's currency.
pub fn columns<'a>(
    app: &App,
    specs: &[Spec],
    rows: &[&'a LedgerEntry],
    width: u16,
    currency: &dyn Fn(&'a LedgerEntry) -> &'a str,
) -> TxTable {
    let mut candidates = Vec::new();
    let mut kept: Vec<(Col, &'static str, bool)> = Vec::new();
    let mut all_cells = Vec::new();
    for &(col, title, priority, right) in specs {
        let mut cells: Vec<String> = rows
            .iter()
            .map(|e| cell(e, col, usize::MAX, currency(e), app))
            .collect();
        if col.is_figure() {
            fit::align_points(&mut cells);
        }
        let widest = cells.iter().map(|c| text_width(c)).max().unwrap_or(0);
        if col.is_optional() && widest == 0 {
            continue;
        }
        let instead_of = (col == Col::After)
            .then(|| kept.iter().position(|(c, ..)| *c == Col::Balance))
            .flatten();
        let want = u16::try_from(widest.max(text_width(title))).unwrap_or(u16::MAX);
        // A wallet's name cut short says nothing (`Prepaid…`): whole, or at least 14.
        let least = if col == Col::Wallet { 14 } else { 8 };
        // A figure wider than any real sum (Decimal::MAX from a broken API) may be drawn
        // compact (`≈7.92e28`) rather than push a column that must be shown off the screen.
        let candidate = if col.is_figure() && widest > FIGURE_MOST {
            fit::Candidate::text(want, FIGURE_LEAST.max(text_width(title) as u16), priority)
        } else if col.is_text() {
            fit::Candidate::text(want, least.max(text_width(title) as u16), priority)
        } else {
            fit::Candidate::new(want, priority)
        };
        candidates.push(fit::Candidate {
            instead_of,
            ..candidate
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
    TxTable {
        cols,
        cells,
        spacing: f.spacing,
    }
}

impl TxTable {
    /// The table of `rows` (those `columns` was fitted for), the `selected` one (its index in
    /// `rows`) highlighted. Pending invoiced top-ups and expired credits stand out by word and
    /// by style.
    pub fn widget<'a>(
        &self,
        app: &App,
        theme: &Theme,
        rows: &[&'a LedgerEntry],
        selected: Option<usize>,
        currency: &dyn Fn(&'a LedgerEntry) -> &'a str,
    ) -> Table<'static> {
        let align = |text: String, right: bool| {
            if right {
                Line::from(text).right_aligned()
            } else {
                Line::from(text)
            }
        };
        let header = Row::new(
            self.cols
                .iter()
                .map(|(_, name, _, right)| Cell::from(align(name.to_string(), *right))),
        )
        .style(theme.header());
        let body: Vec<Row> = rows
            .iter()
            .enumerate()
            .map(|(n, e)| {
                let style = if e.is_pending() {
                    theme.alert(&AlertState::Warning)
                } else if e.is_expired(app.clock) {
                    theme.dim().add_modifier(Modifier::CROSSED_OUT)
                } else {
                    Style::default()
                };
                let cells: Vec<Cell> = self
                    .cols
                    .iter()
                    .zip(&self.cells)
                    .map(|((col, _, w, right), texts)| {
                        let whole = texts.get(n).cloned().unwrap_or_default();
                        // Whole when it fits; an essential column squeezed below its width:
                        // compact or cut.
                        let text = if text_width(&whole) <= usize::from(*w) {
                            whole
                        } else {
                            cell(e, *col, usize::from(*w), currency(e), app)
                        };
                        let mut c = Cell::from(align(text, *right));
                        if matches!(col, Col::Credits | Col::Amount | Col::AmountCode) {
                            c = c.style(theme.delta(e.tx.tx_type != TransactionType::Debit));
                        }
                        c
                    })
                    .collect();
                let r = Row::new(cells).style(style);
                if selected == Some(n) {
                    r.style(theme.selected(true))
                } else {
                    r
                }
            })
            .collect();
        let widths: Vec<Constraint> = self.cols.iter().map(|c| Constraint::Length(c.2)).collect();
        Table::new(body, widths)
            .header(header)
            .column_spacing(self.spacing)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    #[test]
    fn a_moment_of_another_year_says_its_year() {
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
        let same = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 10, 33, 57).unwrap();
        assert_eq!(super::moment(same, now), "11-30 10:33:57");
        let future = chrono::Utc.with_ymd_and_hms(2036, 11, 30, 10, 33, 57).unwrap();
        assert_eq!(super::moment(future, now), "2036-11-30 10:33:57");
    }
}
