//! The command palette (`:`): the typed line, the reason a command was refused, and the
//! matching commands with their keys.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::palette::Palette;
use crate::ui::Theme;
use crate::ui::list::truncate;

const PROMPT: &str = ":";
/// Matches shown at most (the list scrolls with the selection).
const SHOWN: usize = 12;

pub fn render(p: &Palette, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(76);
    let error_rows = u16::from(p.error.is_some());
    let shown = p.matches.len().clamp(1, SHOWN) as u16;
    let height = (shown + 3 + error_rows).min(area.height.saturating_sub(2));
    let rect = Rect::new(area.x + (area.width - width) / 2, area.y + 1, width, height);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(
            " Commands (Enter runs, Tab completes, Esc closes) ",
            theme.header(),
        ));
    let inner = block.inner(rect);
    let text_width = inner.width.saturating_sub(PROMPT.len() as u16 + 1) as usize;
    let scroll = p.input.visual_scroll(text_width);
    let typed: String = p.input.value().chars().skip(scroll).collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(PROMPT, theme.key()),
        Span::raw(typed),
    ])];
    if let Some(e) = &p.error {
        lines.push(Line::styled(format!("✖ {e}"), theme.error()));
    }
    let first = p.selected.saturating_sub(SHOWN - 1);
    let w = inner.width as usize;
    if p.matches.is_empty() {
        lines.push(Line::styled("no command matches", theme.dim()));
    }
    for (pos, &i) in p.matches.iter().enumerate().skip(first).take(SHOWN) {
        let Some(e) = p.entries.get(i) else { continue };
        let key_w = e.key.chars().count().min(w / 2);
        let label_w = w.saturating_sub(key_w + 3);
        let label = truncate(&e.label, label_w);
        let pad = w.saturating_sub(label.chars().count() + key_w + 2);
        let row = Line::from(vec![
            Span::raw(format!(" {label}{}", " ".repeat(pad))),
            Span::styled(truncate(&e.key, key_w), theme.key()),
            Span::raw(" "),
        ]);
        lines.push(if pos == p.selected {
            row.style(theme.selected(true))
        } else {
            row
        });
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
    let x = inner.x + (PROMPT.len() + p.input.visual_cursor().saturating_sub(scroll)) as u16;
    if x < inner.x + inner.width && inner.height > 0 {
        frame.set_cursor_position(Position::new(x, inner.y));
    }
}
