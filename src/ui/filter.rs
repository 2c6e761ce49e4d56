//! The filter line (`/`): the input, and under it the reason a term was refused or the syntax.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::filter::KEYS_HELP;
use crate::app::filter_input::FilterInput;
use crate::ui::Theme;

const PROMPT: &str = "/";

/// Drawn over the bottom of `main`: the list above stays visible.
pub fn render(f: &FilterInput, theme: &Theme, frame: &mut Frame, main: Rect) {
    let height = 4.min(main.height);
    let rect = Rect::new(main.x, main.y + main.height - height, main.width, height);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(
            " Filter (Enter applies, Esc cancels) ",
            theme.header(),
        ));
    let inner = block.inner(rect);
    let value = f.input.value();
    let width = inner.width.saturating_sub(PROMPT.len() as u16 + 1) as usize;
    let scroll = f.input.visual_scroll(width);
    let shown: String = value.chars().skip(scroll).collect();
    let mut lines = vec![Line::from(vec![
        Span::styled(PROMPT, theme.key()),
        Span::raw(shown),
    ])];
    lines.push(match &f.error {
        Some(e) => Line::styled(format!("✖ {e}"), theme.error()),
        None => Line::styled(KEYS_HELP, theme.dim()),
    });
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
    let x = inner.x + (PROMPT.len() + f.input.visual_cursor().saturating_sub(scroll)) as u16;
    if x < inner.x + inner.width && inner.height > 0 {
        frame.set_cursor_position(Position::new(x, inner.y));
    }
}
