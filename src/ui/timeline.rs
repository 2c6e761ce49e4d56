//! The incident timeline (`T`): every wallet's transactions in a window, newest first, with a
//! totals strip (per currency, per reason) and a line that says how fresh it is, or that it is
//! stale and why. Only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::app::ledger::LedgerEntry;
use crate::app::timeline::totals::{self, Totals};
use crate::app::timeline::{HELD, Timeline};
use crate::keymap::{Command, Context};
use crate::money::currency_precision;
use crate::money::fit::fit_scaled;
use crate::ui::Theme;
use crate::ui::list::{spinner, truncate};
use crate::ui::status::ago;
use crate::ui::tx_table::{self, Col, Spec, reason_label, text_width};

/// Column, title, priority (1 = always shown), right-aligned: at 80 columns the time, who,
/// what for, how much and its state; the rest as the width allows.
const COLUMNS: [Spec; 10] = [
    (Col::Moment, "Time (UTC)", 1, false),
    (Col::Customer, "Customer", 1, false),
    (Col::Reason, "Reason", 1, false),
    (Col::AmountCode, "Amount", 1, true),
    (Col::Status, "Status", 1, false),
    (Col::Wallet, "Wallet", 2, false),
    (Col::Credits, "Credits", 3, true),
    (Col::Type, "Type", 4, false),
    (Col::Reference, "Reference", 5, false),
    (Col::Key, "Idempotency key", 6, false),
];

fn key(app: &App, cmd: Command) -> String {
    app.keymap
        .key_label(Context::Timeline, cmd)
        .unwrap_or_else(|| cmd.name().to_string())
}

/// ` Timeline · last 1h · 12 of 340 transactions · status:pending `, least needed pieces
/// dropped first when it does not fit.
fn title(t: &Timeline, width: usize) -> String {
    let shown = t.view.len();
    let held = t.entries.len();
    let count = match &t.filter {
        Some(_) => format!("{shown} of {held} transactions"),
        None if held == 1 => "1 transaction".to_string(),
        None => format!("{held} transactions"),
    };
    let mut pieces: Vec<(String, u8)> = vec![(t.window.describe(), 0), (count, 1)];
    if let Some(f) = &t.filter {
        pieces.push((truncate(&f.text, 30), 0));
    }
    if t.arrived > 0 {
        pieces.push((format!("{} new since opened", t.arrived), 3));
    }
    let room = width.saturating_sub(2);
    let len =
        |p: &[(String, u8)]| " Timeline ".len() + p.iter().map(|(s, _)| text_width(s) + 3).sum::<usize>();
    while len(&pieces) > room {
        let Some(i) = (0..pieces.len())
            .filter(|i| pieces[*i].1 > 0)
            .max_by_key(|i| pieces[*i].1)
        else {
            break;
        };
        pieces.remove(i);
    }
    let mut s = " Timeline ".to_string();
    for (p, _) in pieces {
        s.push_str(&format!("· {p} "));
    }
    s
}

fn money(d: &rust_decimal::Decimal, currency: &str) -> String {
    fit_scaled(d, currency_precision(currency), usize::MAX, true)
}

/// Money that moved one way: `+400.00`, `-30.00`, or `0.00` when none did.
fn flow(d: &rust_decimal::Decimal, currency: &str) -> String {
    fit_scaled(d, currency_precision(currency), usize::MAX, !d.is_zero())
}

/// Pieces joined by ` · ` while they fit whole in `width`; the rest counted (`+2 more`).
/// Figures are never cut: a piece is shown whole or not at all.
fn fitted(pieces: Vec<String>, width: usize) -> String {
    let mut out = String::new();
    let total = pieces.len();
    for (i, p) in pieces.into_iter().enumerate() {
        let sep = if out.is_empty() { "" } else { " · " };
        let left = total - i - 1;
        let tail = if left > 0 {
            format!(" · +{left} more")
        } else {
            String::new()
        };
        if text_width(&out) + sep.len() + text_width(&p) + text_width(&tail) > width {
            let rest = total - i;
            let more = format!("{}+{rest} more", if out.is_empty() { "" } else { " · " });
            out.push_str(&more);
            return out;
        }
        out.push_str(sep);
        out.push_str(&p);
    }
    out
}

/// The totals strip: per currency (net, in, out, pending), then per reason (completed only).
fn strip(totals: &Totals, width: usize) -> [String; 2] {
    if totals.count == 0 {
        return [String::new(), String::new()];
    }
    // Each currency with what came in and went out when all fit so, else its net alone.
    let net = |c: &totals::CurrencyTotal| c.net().map_or("too large".into(), |n| money(&n, &c.currency));
    let whole: Vec<String> = totals
        .currencies
        .iter()
        .map(|c| {
            if c.overflow {
                // In and out are not whole either: no figure that is not true.
                return format!("{} net too large to count", c.currency.to_uppercase());
            }
            let mut s = format!(
                "{} net {} (in {} out {})",
                c.currency.to_uppercase(),
                net(c),
                flow(&c.credited, &c.currency),
                flow(&-c.debited, &c.currency)
            );
            if !c.pending.is_zero() {
                s.push_str(&format!(" pending {}", money(&c.pending, &c.currency)));
            }
            s
        })
        .collect();
    let room = width.saturating_sub(2);
    let currencies = if text_width(&whole.join(" · ")) <= room {
        whole
    } else {
        totals
            .currencies
            .iter()
            .map(|c| {
                let mut s = format!("{} {}", c.currency.to_uppercase(), net(c));
                if !c.pending.is_zero() && !c.overflow {
                    s.push_str(&format!(" (pending {})", money(&c.pending, &c.currency)));
                }
                s
            })
            .collect()
    };
    let reasons: Vec<String> = totals
        .reasons
        .iter()
        .map(|r| {
            format!(
                "{} ×{} {} {}",
                reason_label(&r.reason),
                r.count,
                if r.overflow {
                    "too large".to_string()
                } else {
                    money(&r.net, &r.currency)
                },
                r.currency.to_uppercase()
            )
        })
        .collect();
    let mut first = format!("Σ {}", fitted(currencies, width.saturating_sub(2)));
    if totals.overflow {
        first = format!("⚠ a sum is too large to count: {first}");
    }
    let second = if reasons.is_empty() {
        "  no completed transaction: no money moved yet".to_string()
    } else {
        format!("  {}", fitted(reasons, width.saturating_sub(2)))
    };
    [first, second]
}

/// How fresh it is, or that it is stale and why: never a quiet empty list.
fn freshness(app: &App, t: &Timeline, theme: &Theme, width: usize) -> Line<'static> {
    let since = |m: crate::moment::Moment| app.now.saturating_duration_since(m).as_secs();
    if let Some((why, at)) = t.stale() {
        let good = match t.fresh_at {
            Some(ok) => format!("last good {}", ago(since(ok))),
            None => "nothing loaded".to_string(),
        };
        let text = format!(
            "✗ STALE: failing for {}s ({good}) · {} reloads · {why}",
            since(*at),
            key(app, Command::Refresh)
        );
        return Line::styled(truncate(&text, width), theme.error());
    }
    let mut parts: Vec<String> = Vec::new();
    if t.loading {
        parts.push(format!(
            "{} loading… {} so far",
            spinner(app.spinner),
            t.entries.len()
        ));
    } else if !t.window.is_live(app.clock) {
        parts.push("window ended: not live".to_string());
    } else if app.live.paused {
        parts.push("live refresh paused".to_string());
    } else if !app.live.enabled() {
        parts.push("live refresh off".to_string());
    } else {
        parts.push(format!("● live every {}s", app.live.interval.as_secs()));
    }
    if let Some(ok) = t.fresh_at {
        parts.push(format!("checked {}", ago(since(ok))));
    }
    if t.cut {
        parts.push(format!("newest {HELD} held, older left out"));
    }
    if t.repeated {
        parts.push("⚠ API repeated pages: older left out".to_string());
    }
    Line::styled(parts.join(" · "), theme.dim())
}

/// Each row's currency: the API's own when it sends one, else the wallet's.
fn currency_of<'a>(app: &'a App) -> impl Fn(&'a LedgerEntry) -> &'a str {
    move |e| app.tx_currency(e)
}

pub fn render(app: &App, t: &Timeline, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(title(t, usize::from(area.width)), theme.header()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [body, strip_area, footer] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(2), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(freshness(app, t, theme, usize::from(footer.width))),
        footer,
    );
    if t.view.is_empty() {
        let msg = match (&t.failure, t.loading) {
            (Some((e, _)), _) if t.entries.is_empty() => Line::styled(
                format!(
                    "Loading the timeline failed: {e} ({} reloads)",
                    key(app, Command::Refresh)
                ),
                theme.error(),
            ),
            (_, true) => Line::from(format!("{} Loading transactions…", spinner(app.spinner))),
            _ if t.filter.is_some() => Line::from("No transactions match the filter."),
            _ => Line::from(format!("No transactions {}.", t.window.describe())),
        };
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), body);
        return;
    }
    let height = usize::from(body.height.saturating_sub(1));
    let on_screen: Vec<&LedgerEntry> = t.shown(t.offset, height).collect();
    let currency = currency_of(app);
    let table = tx_table::columns(app, &COLUMNS, &on_screen, body.width, &currency);
    let selected = t.selected.checked_sub(t.offset);
    frame.render_widget(table.widget(app, theme, &on_screen, selected, &currency), body);
    let [a, b] = strip(&t.totals, usize::from(strip_area.width));
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(a, theme.label())),
            Line::from(Span::styled(b, theme.dim())),
        ]),
        strip_area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_whole_or_counted() {
        let p = vec!["aaaa".to_string(), "bbbb".to_string(), "cccc".to_string()];
        assert_eq!(fitted(p.clone(), 80), "aaaa · bbbb · cccc");
        assert_eq!(fitted(p.clone(), 20), "aaaa · +2 more");
        assert_eq!(fitted(p, 3), "+3 more");
    }
}
