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
use crate::ui::columns::{Points, aligned};
use crate::ui::theme::alert_label;

pub use crate::ui::columns::Col;

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

/// A figure in `width`, exact or compact, its point where the column's other points are.
fn figure_cell(figure: String, reach: usize, width: usize) -> String {
    let padded = aligned(figure.clone(), reach);
    if padded.chars().count() <= width {
        padded
    } else {
        figure
    }
}

fn cell_for<'a>(
    app: &App,
    theme: &Theme,
    row: &'a WalletRow,
    col: Col,
    width: u16,
    marked: bool,
    points: &Points,
) -> Cell<'a> {
    let w = &row.wallet;
    let stale = app.is_stale(row);
    let reach = points.of(col);
    match col {
        Col::Marker => Cell::from(if marked { "●" } else { " " }),
        Col::Fresh if stale => Cell::from("!").style(theme.error()),
        Col::Fresh => Cell::from(" "),
        Col::Delta => match shown_delta(app, row) {
            Some(d) => {
                let text = match delta_since(app, &d) {
                    None => figure_cell(
                        fit_delta(&d.amount, &w.currency, width as usize),
                        reach,
                        width as usize,
                    ),
                    Some(_) => delta_text(app, &d, &w.currency, width as usize),
                };
                Cell::from(Line::from(text).right_aligned()).style(theme.delta(d.amount.is_sign_positive()))
            }
            None => Cell::from(""),
        },
        Col::External => Cell::from(truncate(
            app.customer(&w.customer_id)
                .map_or("", |c| c.external_id.as_str()),
            width as usize,
        )),
        Col::CustomerId => Cell::from(truncate(&w.customer_id, width as usize)),
        Col::Data(c) => {
            let text = match c {
                Column::Name => truncate(w.display_name(), width as usize),
                Column::Id => truncate(&w.id, width as usize),
                Column::Customer => truncate(&app.customer_label(&w.customer_id), width as usize),
                Column::Currency => w.currency.to_uppercase(),
                // Never cut: a figure too wide is shown compact (`≈12.3M`), exact in the detail.
                Column::Balance => figure_cell(
                    fit_amount(&w.balance, &w.currency, width as usize),
                    reach,
                    width as usize,
                ),
                Column::Credits => figure_cell(
                    fit_credits(&w.credit_balance, width as usize),
                    reach,
                    width as usize,
                ),
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
                Column::Runway => crate::ui::runway::cell_text(app, w),
            };
            let style = match c {
                Column::Alert => theme.alert(&w.alert_state()),
                Column::Updated if stale => theme.error(),
                Column::Status if w.wallet_status != crate::api::models::WalletStatus::Active => theme.dim(),
                Column::Runway => crate::ui::runway::cell_style(app, theme, w),
                _ => Style::default(),
            };
            let line = if matches!(
                c,
                Column::Balance | Column::Credits | Column::Updated | Column::Runway
            ) {
                Line::from(text).right_aligned()
            } else {
                Line::from(text)
            };
            Cell::from(line).style(style)
        }
    }
}

/// The list's title in at most `width` columns: the counts, filter, marks and sort always;
/// the column set's name and the key that changes it when they fit (the filter is what the
/// operator typed and is never cut for them).
pub fn title(app: &App, width: usize) -> String {
    let t = &app.table;
    let mut s = format!(" Wallets {}/{}", t.view().len(), t.len());
    if let Some(f) = &t.filter {
        s.push_str(&format!(" · /{}", f.text));
    }
    if !t.marks.is_empty() {
        s.push_str(&format!(" · {} marked", t.marks.len()));
    }
    let arrow = if t.sort.descending { "▼" } else { "▲" };
    s.push_str(&format!(" · by {} {arrow}", t.sort.column.title().to_lowercase()));
    let set = app.column_set.name();
    let key = app.keymap.key_label(Context::List, Command::Columns);
    // How fresh the runway is goes before the column set's name, and is the last to go.
    let runway = format!(" · {}", app.table.runway.freshness(app.clock));
    let tails = [
        key.as_ref()
            .map(|k| format!("{runway} · {set} columns ({k}: next) ")),
        Some(format!("{runway} · {set} columns ")),
        Some(format!("{runway} · {set} ")),
        Some(format!("{runway} ")),
        Some(" ".to_string()),
    ];
    let used = s.chars().count();
    let tail = tails
        .into_iter()
        .flatten()
        .find(|t| used + t.chars().count() <= width)
        .unwrap_or_else(|| " ".into());
    s + &tail
}

/// The view's totals for the list's bottom edge, in at most `width` columns: balance and
/// credits per currency, most wallets first, as many currencies as fit whole; the rest are
/// counted (`+2 more · :totals`), never cut. A sum too large for a decimal says so.
pub fn totals_line(app: &App, width: usize) -> String {
    let t = &app.totals;
    let figure = |d: &Option<rust_decimal::Decimal>, f: &dyn Fn(&rust_decimal::Decimal) -> String| {
        d.as_ref().map_or_else(|| "out of range".to_string(), f)
    };
    let parts: Vec<String> = t
        .currencies
        .iter()
        .map(|c| {
            let cur = crate::api::text::clean(&c.currency).to_uppercase();
            let mut s = format!(
                "{cur} {} · {} cr",
                figure(&c.balance, &|d| format_amount(d, &c.currency)),
                figure(&c.credits, &format_credits)
            );
            if c.stale > 0 {
                s.push_str(&format!(" ({} stale)", c.stale));
            }
            s
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    let mut out = " Σ".to_string();
    for (i, part) in parts.iter().enumerate() {
        let left = parts.len() - i - 1;
        let tail = if left > 0 {
            format!(" │ +{left} more · :totals")
        } else {
            String::new()
        };
        let sep = if i == 0 { " " } else { " │ " };
        if out.chars().count() + sep.chars().count() + part.chars().count() + tail.chars().count() > width {
            let more = parts.len() - i;
            let tail = format!("{sep}+{more} more · :totals");
            if i == 0 {
                out = format!(" Σ {} currencies · :totals", parts.len());
            } else {
                out.push_str(&tail);
            }
            return if out.chars().count() <= width {
                out
            } else {
                String::new()
            };
        }
        out.push_str(sep);
        out.push_str(part);
    }
    out
}

/// The totals on the bottom edge, with one stroke of the border after them so they do not
/// touch the corner. Not while a layer is open: a layer drawn over part of the edge would
/// leave half a figure showing beside it.
fn totals_edge<'a>(app: &App, theme: &Theme, focused: bool, room: usize) -> Line<'a> {
    let text = totals_line(app, room.saturating_sub(2));
    if text.is_empty() || !app.overlays.is_empty() {
        return Line::default();
    }
    Line::from(vec![
        Span::styled(text, theme.dim()),
        Span::styled(" ─", theme.border(focused)),
    ])
    .right_aligned()
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, focused: bool) {
    // Room for the title between the corners, and for the spinner when it shows.
    let room =
        usize::from(area.width.saturating_sub(2)).saturating_sub(if app.live.list_loading { 10 } else { 0 });
    let mut title = vec![Span::styled(title(app, room), theme.header())];
    if app.live.list_loading {
        title.push(Span::raw(format!("{} loading ", spinner(app.spinner))));
    }
    let block = Block::bordered()
        .border_style(theme.border(focused))
        .title(Line::from(title))
        .title_bottom(totals_edge(app, theme, focused, room));
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
        .view()
        .iter()
        .skip(t.offset)
        .take(height)
        .filter_map(|&i| t.rows.get(i as usize))
        .collect();
    let fitted = layout(app, &on_screen, inner.width);
    let cols = &fitted.cols;
    let sort = app.table.sort;
    let header = Row::new(cols.iter().map(|(col, _)| {
        let mut name = col.title().to_string();
        if *col == Col::Data(sort.column) {
            name.push(if sort.descending { '▼' } else { '▲' });
        }
        let line = if col.right() {
            Line::from(name).right_aligned()
        } else {
            Line::from(name)
        };
        Cell::from(line)
    }))
    .style(theme.header());
    let rows = t
        .view()
        .iter()
        .enumerate()
        .skip(t.offset)
        .take(height)
        .filter_map(|(pos, &i)| {
            let row = t.rows.get(i as usize)?;
            let marked = t.marks.contains(&row.wallet.id);
            let cells = cols
                .iter()
                .map(|(col, w)| cell_for(app, theme, row, *col, *w, marked, &fitted.points));
            let r = Row::new(cells);
            Some(if pos == t.selected {
                r.style(theme.selected(focused))
            } else {
                r
            })
        });
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
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

/// The list's columns for `rows` in `width`: [`columns::layout_by`](crate::ui::columns::layout_by)
/// with the list's figures.
pub fn layout(app: &App, rows: &[&WalletRow], width: u16) -> crate::ui::columns::Layout {
    crate::ui::columns::layout_by(app, rows, width, |r, col| exact_figure(app, r, col))
}

/// The exact figure of a money column for a row, as it is shown when it fits.
pub fn exact_figure(app: &App, row: &WalletRow, col: Col) -> Option<String> {
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

pub fn spinner(tick: usize) -> char {
    const FRAMES: [char; 8] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧'];
    FRAMES[tick % FRAMES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_text_shorten() {
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
