//! Layers drawn over the screen: help (generated from the live keymap), the API error log and
//! the message log. Each wraps its own text, so nothing is cut at the edge, and tells the core
//! how far it can scroll (`app.extents`), so it stops at its end.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::overwrite::{Overwrite, PendingWrite};
use crate::app::{App, FlashKind};
use crate::keymap::{Command, Context, keys_label};
use crate::ui::Theme;
use crate::ui::layout::centered;

/// Greedy word wrap by display width; a word longer than a line (an id, a path) is broken.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ') {
            let w = word.width();
            if used > 0 && used + 1 + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if used > 0 {
                line.push(' ');
                used += 1;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > 0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        lines.push(line);
    }
    lines
}

/// One block of the help: a title, then (keys, what they do) rows, or a note.
struct Section {
    title: String,
    rows: Vec<(String, String)>,
    note: Option<(String, Style)>,
}

/// Every binding of every context, in keymap.toml's order (write actions left out in
/// read-only), then how to read the list. The README's key table is made from the same
/// bindings (`keymap::reference_markdown`).
fn help_sections(app: &App, theme: &Theme) -> Vec<Section> {
    let mut out: Vec<Section> = help_keys(app)
        .into_iter()
        .map(|(ctx, rows)| Section {
            title: format!("{} [{ctx}]", ctx.title()),
            rows,
            note: None,
        })
        .collect();
    let (balance, whole) = app.freshness_contract();
    let fresh = if app.live.enabled() {
        format!(
            "balances at most {}s old, whole wallets {}m, or marked !",
            balance.as_secs(),
            whole.as_secs().div_ceil(60)
        )
    } else {
        "live refresh is off: nothing is refreshed on its own".to_string()
    };
    let note = if let Some(why) = app.audit_unwritable() {
        Some((
            format!("Read-only (top-up, edit and bulk are disabled): {why}"),
            theme.error(),
        ))
    } else if app.read_only() {
        Some((
            "Read-only mode: top-up, edit and bulk are disabled.".to_string(),
            theme.dim(),
        ))
    } else {
        None
    };
    out.push(Section {
        title: "Reading the list".into(),
        rows: vec![
            (
                "!".into(),
                "stale: past the freshness contract, or its refresh failed".into(),
            ),
            ("fresh".into(), fresh),
            (
                "≈12.3M".into(),
                "compact: too wide for the column, whole in the detail".into(),
            ),
            (
                "+5 since 14:02".into(),
                "a change covering more than one interval (UTC)".into(),
            ),
        ],
        note,
    });
    out
}

/// The keys the help lists: every context's bound keys and what they do, as the operator may
/// use them (write actions left out in read-only). The README's table must say the same.
pub fn help_keys(app: &App) -> Vec<(Context, Vec<(String, String)>)> {
    Context::ALL
        .iter()
        .map(|ctx| {
            let rows = app
                .keymap
                .bindings(*ctx)
                .iter()
                .filter(|b| !b.keys.is_empty() && app.allows(b.command))
                .map(|b| (keys_label(&b.keys), b.desc.clone()))
                .collect::<Vec<_>>();
            (*ctx, rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

/// Keys this wide or narrower get their own column; wider ones put the meaning on the next row.
const KEYS_MAX: usize = 22;
/// Columns of help side by side: one this wide at least.
const HELP_COLUMN: u16 = 54;
const GAP: u16 = 3;

/// A section as rows of `width`: the keys in a column of `keys_w`, two spaces, then the
/// meaning wrapped under itself.
fn section_lines(s: &Section, keys_w: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(s.title.clone(), theme.section())];
    let desc_x = 2 + keys_w + 2;
    let desc_w = width.saturating_sub(desc_x).max(10);
    for (keys, desc) in &s.rows {
        let mut parts = wrap(desc, desc_w).into_iter();
        let first = parts.next().unwrap_or_default();
        if keys.width() > keys_w {
            out.push(Line::styled(format!("  {keys}"), theme.key()));
            out.push(Line::raw(format!("{:desc_x$}{first}", "")));
        } else {
            let pad = keys_w - keys.width();
            out.push(Line::from(vec![
                Span::styled(format!("  {keys}{:pad$}  ", ""), theme.key()),
                Span::raw(first),
            ]));
        }
        out.extend(parts.map(|p| Line::raw(format!("{:desc_x$}{p}", ""))));
    }
    if let Some((text, style)) = &s.note {
        out.extend(wrap(text, width).into_iter().map(|l| Line::styled(l, *style)));
    }
    out
}

/// The first row of each of `n` columns holding blocks of these heights in order, the
/// shortest such columns can be (whole blocks, never split).
fn pack(heights: &[usize], n: usize) -> (usize, Vec<usize>) {
    let total: usize = heights.iter().sum();
    let tallest = heights.iter().copied().max().unwrap_or(0);
    let mut h = tallest.max(total.div_ceil(n.max(1)));
    loop {
        let mut column = vec![0; heights.len()];
        let (mut col, mut used) = (0, 0);
        for (i, &b) in heights.iter().enumerate() {
            if used > 0 && used + b > h {
                col += 1;
                used = 0;
            }
            column[i] = col;
            used += b;
        }
        if col < n {
            return (h, column);
        }
        h += 1;
    }
}

/// Help: as many columns as the width holds (one at 80, two at 120, three at 200), scrolling
/// together when even they do not hold it all.
pub fn help(app: &App, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
    let inner = Block::bordered().inner(rect);
    let n = ((inner.width + GAP) / (HELP_COLUMN + GAP)).clamp(1, 3);
    let col_w = (inner.width - GAP * (n - 1)) / n;
    let sections = help_sections(app, theme);
    let keys_w = sections
        .iter()
        .flat_map(|s| s.rows.iter().map(|(k, _)| k.width()))
        .filter(|w| *w <= KEYS_MAX)
        .max()
        .unwrap_or(8);
    let mut blocks: Vec<Vec<Line>> = sections
        .iter()
        .map(|s| section_lines(s, keys_w, col_w as usize, theme))
        .collect();
    let last = blocks.len().saturating_sub(1);
    for b in &mut blocks[..last] {
        b.push(Line::default());
    }
    let (height, column_of) = pack(&blocks.iter().map(Vec::len).collect::<Vec<_>>(), n as usize);
    app.extents.help.measure(height, inner.height);
    let scroll = app.extents.help.clamp(scroll);
    let mut columns: Vec<Vec<Line>> = vec![Vec::new(); n as usize];
    for (b, c) in blocks.into_iter().zip(column_of) {
        if let Some(col) = columns.get_mut(c) {
            col.extend(b);
        }
    }
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(" Keys (Esc closes) ", theme.header()))
        .title_bottom(position(scroll, inner.height, height, theme).right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    for (i, lines) in columns.into_iter().enumerate() {
        let x = inner.x + (col_w + GAP) * i as u16;
        let col = Rect::new(x, inner.y, col_w, inner.height);
        frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), col);
    }
}

/// ` rows 1–19 of 130 ` when not all of it shows.
fn position(scroll: u16, visible: u16, total: usize, theme: &Theme) -> Line<'static> {
    if total <= usize::from(visible) {
        return Line::default();
    }
    let first = usize::from(scroll) + 1;
    let last = (usize::from(scroll) + usize::from(visible)).min(total);
    Line::styled(format!(" rows {first}–{last} of {total} "), theme.dim())
}

/// A log entry: `HH:MM:SS ✖ ` then its text wrapped under itself.
fn entry_lines(
    head: Vec<Span<'static>>,
    text: &str,
    style: Style,
    indent: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let mut parts = wrap(text, width.saturating_sub(indent).max(10)).into_iter();
    let mut first = head;
    first.push(Span::styled(parts.next().unwrap_or_default(), style));
    let mut out = vec![Line::from(first)];
    out.extend(parts.map(|p| Line::styled(format!("{:indent$}{p}", ""), style)));
    out
}

fn glyph(kind: FlashKind) -> &'static str {
    match kind {
        FlashKind::Error => "✖",
        FlashKind::Success => "✔",
        FlashKind::Info => "·",
    }
}

/// The message log (`M`): newest first, every message whole, repeats counted.
pub fn messages(app: &App, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    let inner = Block::bordered().inner(rect);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    for m in app.messages.iter() {
        let style = match m.kind {
            FlashKind::Error => theme.error(),
            FlashKind::Success => theme.success(),
            FlashKind::Info => Style::default(),
        };
        let text = if m.count > 1 {
            format!(
                "{} (×{}, first at {})",
                m.text,
                m.count,
                m.first_at.format("%H:%M:%S")
            )
        } else {
            m.text.clone()
        };
        let head = vec![
            Span::styled(m.at.format("%H:%M:%S ").to_string(), theme.dim()),
            Span::styled(format!("{} ", glyph(m.kind)), style),
        ];
        lines.extend(entry_lines(head, &text, style, 11, width));
    }
    if lines.is_empty() {
        lines.push(Line::styled("No messages yet.", theme.dim()));
    }
    if app.messages.dropped > 0 {
        lines.extend(
            wrap(
                &format!(
                    "… and {} older (the log keeps the last {})",
                    app.messages.dropped,
                    crate::app::messages::MESSAGE_LOG_CAP
                ),
                width,
            )
            .into_iter()
            .map(|l| Line::styled(l, theme.dim())),
        );
    }
    app.extents.messages.measure(lines.len(), inner.height);
    let scroll = app.extents.messages.clamp(scroll);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(
            format!(
                " Messages ({}) · newest first · UTC · Esc closes ",
                app.messages.len()
            ),
            theme.header(),
        ))
        .title_bottom(position(scroll, inner.height, lines.len(), theme).right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}

/// The API error log (`E`): newest first, each error whole.
pub fn errors(app: &App, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
    let inner = Block::bordered().inner(rect);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = if app.errors.is_empty() {
        vec![Line::styled("No errors.", theme.dim())]
    } else {
        app.errors
            .iter()
            .flat_map(|e| {
                let head = vec![
                    Span::styled(e.at.format("%H:%M:%S ").to_string(), theme.dim()),
                    Span::styled(format!("{} ", e.call), theme.label()),
                ];
                entry_lines(head, &e.message, theme.error(), 9, width)
            })
            .collect()
    };
    app.extents.errors.measure(lines.len(), inner.height);
    let scroll = app.extents.errors.clamp(scroll);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(
            format!(" Recent API errors ({}) ", app.errors.len()),
            theme.header(),
        ))
        .title_bottom(position(scroll, inner.height, lines.len(), theme).right_aligned());
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}

/// "FILE exists: replace it?" (`:export`, `:export-results`).
pub fn overwrite(app: &App, q: &Overwrite, theme: &Theme, frame: &mut Frame, area: Rect) {
    let what = match q.write {
        PendingWrite::View => {
            let n = app.table.view().len();
            format!("the {n} wallet{} in view", if n == 1 { "" } else { "s" })
        }
        PendingWrite::Results => "the last bulk job's results".to_string(),
        PendingWrite::Timeline => {
            let n = app.overlays.timeline().map_or(0, |t| t.view.len());
            format!("the {n} transaction{} shown", if n == 1 { "" } else { "s" })
        }
    };
    let key = |c: Command| {
        app.keymap
            .key_label(Context::Confirm, c)
            .unwrap_or_else(|| c.name().to_string())
    };
    let width = area.width.saturating_sub(8).min(76);
    let text_w = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = wrap(&format!("{} exists.", q.path.display()), text_w)
        .into_iter()
        .map(|l| Line::styled(l, theme.error()))
        .collect();
    lines.extend(
        wrap(&format!("Replace it with {what}?"), text_w)
            .into_iter()
            .map(Line::raw),
    );
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled(key(Command::Confirm), theme.key()),
        Span::raw(" replace it · "),
        Span::styled(key(Command::Back), theme.key()),
        Span::raw(" keep it (nothing is written)"),
    ]));
    let rect = centered(area, width, lines.len() as u16 + 2);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(" Replace the file? ", theme.header()));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_character_and_breaks_long_words() {
        let text = "Top-up wtxn_01ABC pending until invoice inv_01M8T4M0R24M7Y is paid";
        for width in [5, 12, 20, 80] {
            let lines = wrap(text, width);
            assert!(lines.iter().all(|l| l.width() <= width), "{width}: {lines:?}");
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""), "{width}");
        }
        assert_eq!(wrap("a b", 80), ["a b"]);
    }

    #[test]
    fn pack_keeps_blocks_whole_and_columns_even() {
        assert_eq!(pack(&[10, 10, 10], 1), (30, vec![0, 0, 0]));
        assert_eq!(pack(&[10, 10, 10], 3), (10, vec![0, 1, 2]));
        let (h, cols) = pack(&[20, 5, 5, 5, 5], 2);
        assert_eq!((h, cols), (20, vec![0, 1, 1, 1, 1]));
        let (h, _) = pack(&[3, 30, 3], 3);
        assert_eq!(h, 30, "never shorter than the tallest block");
    }
}
