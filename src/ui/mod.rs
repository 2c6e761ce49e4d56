//! Pure render functions: they read `&App` and draw; they never change state.

pub mod bulk;
pub mod columns;
pub mod detail;
pub mod filter;
pub mod fit;
pub mod form;
pub mod json;
pub mod layers;
pub mod layout;
pub mod ledger;
pub mod lifecycle;
pub mod list;
pub mod palette;
pub mod runway;
pub mod status;
pub mod theme;
pub mod timeline;
pub mod tx_table;
pub mod widths;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Focus, MIN_HEIGHT, MIN_WIDTH, Overlay};

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
    status::hints(app, theme, frame, areas.hints);
    status::status_bar(app, theme, frame, areas.status);
    // The overlays, bottom to top: each draws over what is under it. Pop-ups keep off the
    // hint line and the status bar (each leaves a row above and below inside `layer`): the
    // flash line stays readable while a form or a log is open.
    let body = areas.detail.map_or(areas.main, |d| areas.main.union(d));
    let layer = Rect {
        height: areas.hints.bottom().saturating_sub(area.y),
        ..area
    };
    for overlay in app.overlays.iter() {
        match overlay {
            Overlay::Ledger(l) => ledger::render(app, l, theme, frame, body),
            Overlay::Timeline(t) => timeline::render(app, t, theme, frame, body),
            Overlay::Filter(f) => filter::render(f, theme, frame, areas.main),
            Overlay::Help { scroll } => layers::help(app, *scroll, theme, frame, layer),
            Overlay::Errors { scroll } => layers::errors(app, *scroll, theme, frame, layer),
            Overlay::Messages { scroll } => layers::messages(app, *scroll, theme, frame, layer),
            Overlay::Json(v) => json::render(app, v, theme, frame, layer),
            Overlay::Form(f) => form::render(app, f, theme, frame, layer),
            Overlay::Bulk(b) => bulk::render(app, b, theme, frame, layer),
            Overlay::QuitQuestion => bulk::quit_question(app, theme, frame, layer),
            Overlay::Overwrite(q) => layers::overwrite(app, q, theme, frame, layer),
            Overlay::Palette(p) => palette::render(p, theme, frame, layer),
        }
    }
}
