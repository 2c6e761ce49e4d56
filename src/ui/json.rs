//! The raw JSON layer (`J`): the API's body, pretty-printed, keys set apart from values.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;
use crate::app::json::JsonView;
use crate::ui::Theme;
use crate::ui::layout::centered;
use crate::ui::list::spinner;

/// `  "balance": "10.00",` → indent + key in the key style, the rest plain.
fn highlight<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    if body.starts_with('"')
        && let Some(end) = body.find("\": ")
    {
        let (key, rest) = body.split_at(end + 1);
        return Line::from(vec![
            Span::raw(indent),
            Span::styled(key, theme.label()),
            Span::raw(rest),
        ]);
    }
    Line::raw(line)
}

pub fn render(app: &App, v: &JsonView, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
    // What the core pages by (`json_rows`), measured here on the box itself.
    let page = rect.height.saturating_sub(2).max(1) as usize;
    let total = v.lines.len();
    let position = if total > page {
        format!(
            " lines {}–{} of {total} ",
            v.scroll + 1,
            (v.scroll + page).min(total)
        )
    } else {
        String::new()
    };
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(format!(" {} · raw JSON ", v.title), theme.header()))
        .title_bottom(Line::styled(position, theme.dim()).right_aligned());
    let lines: Vec<Line> = if let Some(e) = &v.error {
        vec![Line::styled(format!("Loading failed: {e}"), theme.error())]
    } else if v.loading {
        vec![Line::from(format!("{} Loading…", spinner(app.spinner)))]
    } else {
        v.lines
            .iter()
            .skip(v.scroll)
            .take(page)
            .map(|l| highlight(l, theme))
            .collect()
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
