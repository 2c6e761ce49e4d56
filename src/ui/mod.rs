//! Pure render functions: they read `&App` and draw; they never change state.

pub mod bulk;
pub mod detail;
pub mod filter;
pub mod form;
pub mod json;
pub mod layers;
pub mod layout;
pub mod ledger;
pub mod list;
pub mod palette;
pub mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Focus, Layer, MIN_HEIGHT, MIN_WIDTH};

pub use theme::Theme;

pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if app.too_small() {
        let text = vec![
            Line::from("Terminal too small"),
            Line::from(format!(
                "{}x{} — flexwallet needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            )),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = layout::split(area, app.is_wide());
    status::overview(app, theme, frame, areas.overview);
    match (areas.detail, app.focus) {
        (Some(detail_area), _) => {
            list::render(app, theme, frame, areas.main, app.focus == Focus::List);
            detail::render(app, theme, frame, detail_area, app.focus == Focus::Detail);
        }
        (None, Focus::Detail) => detail::render(app, theme, frame, areas.main, true),
        (None, Focus::List) => list::render(app, theme, frame, areas.main, true),
    }
    if app.ledger.is_some() {
        let body = areas.detail.map_or(areas.main, |d| areas.main.union(d));
        ledger::render(app, theme, frame, body);
    }
    filter::render(app, theme, frame, areas.main);
    status::hints(app, theme, frame, areas.hints);
    status::status_bar(app, theme, frame, areas.status);
    match app.layer {
        Some(Layer::Help) => layers::help(app, theme, frame, area),
        Some(Layer::Errors) => layers::errors(app, theme, frame, area),
        None => {}
    }
    json::render(app, theme, frame, area);
    if app.form.is_some() {
        form::render(app, theme, frame, area);
    }
    if app.bulk.is_some() || app.quit_asked {
        bulk::render(app, theme, frame, area);
    }
    palette::render(app, theme, frame, area);
}
