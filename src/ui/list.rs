//! The wallet list pane: only the rows on screen are built, so 100,000 wallets cost no more
//! than forty.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::app::App;
use crate::app::table::{Column, Delta, Row as WalletRow};
use crate::keymap::{Command, Context};
use crate::money::fit::{fit_amount, fit_credits, fit_delta};
use crate::money::{format_amount, format_credits, format_delta};
use crate::ui::Theme;
use crate::ui::theme::alert_label;

/// A column on screen: what, how wide, how important (1 = always shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Marker,
    /// `!` when the row is stale: freshness shows at every width (Updated says it in words).
    Fresh,
    Data(Column),
    Delta,
}

struct Spec {
    col: Col,
    width: u16,
    priority: u8,
    right: bool,
}

const NAME_MIN: u16 = 14;

fn specs() -> [Spec; 13] {
    let s = |col, width, priority, right| Spec {
        col,
        width,
        priority,
        right,
    };
    [
        s(Col::Marker, 1, 1, false),
        s(Col::Fresh, 1, 1, false),
        s(Col::Data(Column::Name), NAME_MIN, 1, false),
        s(Col::Data(Column::Id), 11, 6, false),
        s(Col::Data(Column::Customer), 14, 5, false),
        s(Col::Data(Column::Currency), 3, 2, false),
        s(Col::Data(Column::Balance), 13, 1, true),
        s(Col::Delta, 9, 2, true),
        s(Col::Data(Column::Credits), 12, 3, true),
        s(Col::Data(Column::Status), 6, 3, false),
        s(Col::Data(Column::Type), 9, 5, false),
        s(Col::Data(Column::Alert), 10, 1, false),
        s(Col::Data(Column::Updated), 8, 4, true),
    ]
}

/// Columns that fit in `width`, in display order, with their widths; Name takes what is left.
pub fn fit_columns(width: u16) -> Vec<(Col, u16, bool)> {
    let all = specs();
    let sizes: Vec<(u16, u8)> = all.iter().map(|s| (s.width, s.priority)).collect();
    let name = all
        .iter()
        .position(|s| s.col == Col::Data(Column::Name))
        .unwrap_or(0);
    all.iter()
        .zip(crate::ui::layout::fit_columns(&sizes, name, width))
        .filter_map(|(s, w)| Some((s.col, w?, s.right)))
        .collect()
}

/// `wallet_01JAB…XYZ` → `…7Q2KX9AB`: ULIDs share their time prefix, the tail tells them apart.
pub fn short_id(id: &str) -> String {
    let tail: String = id
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if id.chars().count() > 8 {
        format!("…{tail}")
    } else {
        tail
    }
}

/// `s` in at most `width` characters, sanitised: names, ids and references come from the API,
/// and an escape sequence is removed whole rather than left as `]0;…` text.
pub fn truncate(s: &str, width: usize) -> String {
    let s = crate::api::text::clean(s);
    if s.chars().count() <= width {
        return s.into_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// "<1m", "3m", "2h", "5d": compact ages for the Updated column and the detail's record. No
/// seconds: an age counting seconds would redraw every second for a minute after each change.
pub fn age(then: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(then) = then else { return "—".into() };
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => "<1m".into(),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86400),
    }
}

fn cell_for<'a>(
    app: &App,
    theme: &Theme,
    row: &'a WalletRow,
    col: Col,
    width: u16,
    marked: bool,
) -> Cell<'a> {
    let w = &row.wallet;
    let stale = app.is_stale(row);
    match col {
        Col::Marker => Cell::from(if marked { "●" } else { " " }),
        Col::Fresh if stale => Cell::from("!").style(theme.error()),
        Col::Fresh => Cell::from(" "),
        Col::Delta => match shown_delta(app, row) {
            Some(d) => {
                Cell::from(Line::from(delta_text(app, &d, &w.currency, width as usize)).right_aligned())
                    .style(theme.delta(d.amount.is_sign_positive()))
            }
            None => Cell::from(""),
        },
        Col::Data(c) => {
            let text = match c {
                Column::Name => truncate(w.display_name(), width as usize),
                Column::Id => short_id(&w.id),
                Column::Customer => truncate(&w.customer_id, width as usize),
                Column::Currency => w.currency.to_uppercase(),
                // Never cut: a figure too wide is shown compact (`≈12.3M`), exact in the detail.
                Column::Balance => fit_amount(&w.balance, &w.currency, width as usize),
                Column::Credits => fit_credits(&w.credit_balance, width as usize),
                Column::Status => w.wallet_status.to_string(),
                Column::Type => w.wallet_type.to_string(),
                Column::Alert => alert_label(&w.alert_state()),
                Column::Updated => {
                    if stale {
                        "stale".into()
                    } else {
                        age(w.updated_at, app.clock)
                    }
                }
            };
            let style = match c {
                Column::Alert => theme.alert(&w.alert_state()),
                Column::Updated if stale => theme.error(),
                Column::Status if w.wallet_status != crate::api::models::WalletStatus::Active => theme.dim(),
                _ => Style::default(),
            };
            let line = if matches!(c, Column::Balance | Column::Credits | Column::Updated) {
                Line::from(text).right_aligned()
            } else {
                Line::from(text)
            };
            Cell::from(line).style(style)
        }
    }
}

pub fn title(app: &App) -> String {
    let t = &app.table;
    let mut s = format!(" Wallets {}/{}", t.view.len(), t.len());
    if let Some(f) = &t.filter {
        s.push_str(&format!(" · /{}", f.text));
    }
    if !t.marks.is_empty() {
        s.push_str(&format!(" · {} marked", t.marks.len()));
    }
    let arrow = if t.sort.descending { "▼" } else { "▲" };
    s.push_str(&format!(
        " · by {} {arrow} ",
        t.sort.column.title().to_lowercase()
    ));
    s
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, focused: bool) {
    let mut title = vec![Span::styled(title(app), theme.header())];
    if app.live.list_loading {
        title.push(Span::raw(format!("{} loading ", spinner(app.spinner))));
    }
    let block = Block::bordered()
        .border_style(theme.border(focused))
        .title(Line::from(title));
    let inner = block.inner(area);
    if app.table.is_empty() {
        let failed = (!app.loaded_once && !app.live.list_loading)
            .then(|| app.errors.iter().find(|e| e.call == "list wallets"))
            .flatten();
        let lines = match failed {
            // A failed start: the whole cause, where it was sent, and when it is tried again.
            Some(e) => {
                let o = &app.origin;
                let retry = app.live.relist_due.saturating_duration_since(app.now).as_secs();
                let key = app
                    .keymap
                    .key_label(Context::List, Command::Refresh)
                    .unwrap_or_default();
                vec![
                    Line::styled("Loading the wallets failed:", theme.error()),
                    Line::styled(e.message.clone(), theme.error()),
                    Line::default(),
                    Line::from(format!(
                        "profile {} · {}{}",
                        o.profile,
                        o.host,
                        o.environment
                            .as_deref()
                            .map(|e| format!(" · environment {e}"))
                            .unwrap_or_default()
                    )),
                    Line::from(format!("API key from {}", o.key_source)),
                    Line::styled(format!("trying again in {retry}s · {key} tries now"), theme.dim()),
                ]
            }
            None if app.live.list_loading || !app.loaded_once => {
                vec![Line::from(format!("{} Loading wallets…", spinner(app.spinner)))]
            }
            None => vec![Line::from("No wallets.")],
        };
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let t = &app.table;
    let on_screen: Vec<&WalletRow> = t
        .view
        .iter()
        .skip(t.offset)
        .take(height)
        .filter_map(|&i| t.rows.get(i))
        .collect();
    let mut cols = fit_columns(inner.width);
    widen_for_figures(app, &mut cols, &on_screen);
    let sort = app.table.sort;
    let header = Row::new(cols.iter().map(|(col, _, right)| {
        let mut name = match col {
            Col::Marker | Col::Fresh => String::new(),
            Col::Delta => "Change".into(),
            Col::Data(c) => c.title().into(),
        };
        if *col == Col::Data(sort.column) {
            name.push(if sort.descending { '▼' } else { '▲' });
        }
        let line = if *right {
            Line::from(name).right_aligned()
        } else {
            Line::from(name)
        };
        Cell::from(line)
    }))
    .style(theme.header());
    let rows = t
        .view
        .iter()
        .enumerate()
        .skip(t.offset)
        .take(height)
        .filter_map(|(pos, &i)| {
            let row = t.rows.get(i)?;
            let marked = t.marks.contains(&row.wallet.id);
            let cells = cols
                .iter()
                .map(|(col, w, _)| cell_for(app, theme, row, *col, *w, marked));
            let r = Row::new(cells);
            Some(if pos == t.selected {
                r.style(theme.selected(focused))
            } else {
                r
            })
        });
    let widths: Vec<Constraint> = cols.iter().map(|(_, w, _)| Constraint::Length(*w)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(block);
    frame.render_widget(table, area);
}

/// The row's change, when it is shown: seen in this refresh cycle, and not zero.
fn shown_delta(app: &App, row: &WalletRow) -> Option<Delta> {
    row.meta
        .delta
        .filter(|d| d.cycle == app.live.cycle && !d.amount.is_zero())
}

/// When a change covers more than one refresh interval (after an outage, or a row last fetched
/// by the re-list), the time it covers from: `hh:mm` UTC. `None` for an ordinary change.
pub fn delta_since(app: &App, d: &Delta) -> Option<String> {
    let span = app.now.saturating_duration_since(d.since);
    let ordinary = (app.live.interval + app.live.interval / 2).max(std::time::Duration::from_secs(10));
    if span <= ordinary {
        return None;
    }
    let at = app.clock - chrono::Duration::from_std(span).ok()?;
    Some(at.format("%H:%M").to_string())
}

/// The Change cell: `+5.00`, or `+5.00 since 14:02` when the change covers more than one
/// interval; in a narrow column the figure goes compact before the time goes.
fn delta_text(app: &App, d: &Delta, currency: &str, width: usize) -> String {
    match delta_since(app, d) {
        None => fit_delta(&d.amount, currency, width),
        Some(t) => {
            let whole = format!("{} since {t}", format_delta(&d.amount, currency));
            if whole.chars().count() <= width {
                whole
            } else {
                format!(
                    "{} {t}",
                    fit_delta(&d.amount, currency, width.saturating_sub(t.len() + 1))
                )
            }
        }
    }
}

/// The exact figure of a money column for a row, as it is shown when it fits.
fn exact_figure(app: &App, row: &WalletRow, col: Col) -> Option<String> {
    let w = &row.wallet;
    match col {
        Col::Data(Column::Balance) => Some(format_amount(&w.balance, &w.currency)),
        Col::Data(Column::Credits) => Some(format_credits(&w.credit_balance)),
        Col::Delta => shown_delta(app, row).map(|d| match delta_since(app, &d) {
            Some(t) => format!("{} since {t}", format_delta(&d.amount, &w.currency)),
            None => format_delta(&d.amount, &w.currency),
        }),
        _ => None,
    }
}

/// Money columns grow to their widest figure on screen, taking the width from Name (down to
/// its minimum), so figures are shown whole whenever the screen allows; only what still does
/// not fit is shown compact.
fn widen_for_figures(app: &App, cols: &mut [(Col, u16, bool)], rows: &[&WalletRow]) {
    let Some(name) = cols.iter().position(|c| c.0 == Col::Data(Column::Name)) else {
        return;
    };
    for money in [Col::Data(Column::Balance), Col::Data(Column::Credits), Col::Delta] {
        let Some(i) = cols.iter().position(|c| c.0 == money) else {
            continue;
        };
        // The widest figure that the spare room can make whole; wider ones stay compact
        // without taking room they could not use.
        let spare = cols[name].1.saturating_sub(NAME_MIN);
        let reach = cols[i].1 + spare;
        let need = rows
            .iter()
            .filter_map(|r| exact_figure(app, r, money))
            .map(|s| s.chars().count() as u16)
            .filter(|&n| n <= reach)
            .max()
            .unwrap_or(0);
        let give = need.saturating_sub(cols[i].1);
        cols[name].1 -= give;
        cols[i].1 += give;
    }
}

pub fn spinner(tick: usize) -> char {
    const FRAMES: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];
    FRAMES[tick % FRAMES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_and_name_takes_the_rest() {
        for width in [60u16, 78, 118, 198] {
            let cols = fit_columns(width);
            let total: u16 = cols.iter().map(|c| c.1).sum::<u16>() + cols.len() as u16 - 1;
            assert_eq!(total, width, "width {width}: {cols:?}");
            for must in [Column::Name, Column::Balance, Column::Alert] {
                assert!(
                    cols.iter().any(|c| c.0 == Col::Data(must)),
                    "{must:?} missing at {width}"
                );
            }
        }
        assert_eq!(fit_columns(198).len(), 13);
    }

    #[test]
    fn ids_and_text_shorten() {
        assert_eq!(short_id("wallet_01JABCDEFGHJKMNPQRSTVWXYZ"), "…RSTVWXYZ");
        assert_eq!(short_id("w_1"), "w_1");
        assert_eq!(truncate("Acme Corporation", 6), "Acme …");
        assert_eq!(truncate("Acme", 6), "Acme");
    }

    #[test]
    fn ages_start_at_a_minute() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 1, 12, 0, 0).unwrap();
        let ago = |secs| age(Some(now - chrono::Duration::seconds(secs)), now);
        assert_eq!(
            [ago(0), ago(59), ago(60), ago(3599), ago(3600), ago(86_400)],
            ["<1m", "<1m", "1m", "59m", "1h", "1d"]
        );
        assert_eq!(age(None, now), "—");
    }
}
