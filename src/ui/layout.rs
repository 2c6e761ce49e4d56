//! Screen regions, shared by the renderer and the reducer (which must know the list height).

use ratatui::layout::{Constraint, Flex, Layout, Rect};

pub struct Areas {
    pub overview: Rect,
    pub main: Rect,
    pub detail: Option<Rect>,
    pub hints: Rect,
    pub status: Rect,
}

/// Overview line, main area, hints line, status line.
const CHROME_ROWS: u16 = 3;
/// The list's borders and header row.
const LIST_CHROME_ROWS: u16 = 3;

pub fn split(area: Rect, wide: bool) -> Areas {
    let [overview, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    if wide {
        let [main, detail] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body);
        Areas {
            overview,
            main,
            detail: Some(detail),
            hints,
            status,
        }
    } else {
        Areas {
            overview,
            main: body,
            detail: None,
            hints,
            status,
        }
    }
}

/// Wallet rows visible in a terminal `height` rows tall.
pub fn list_rows(height: u16) -> u16 {
    height.saturating_sub(CHROME_ROWS + LIST_CHROME_ROWS).max(1)
}

/// A `width`x`height` rectangle in the middle of `area` (clamped to it), for layers and dialogs.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}
