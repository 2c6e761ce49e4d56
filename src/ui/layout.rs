//! Screen regions, shared by the renderer and the reducer (which must know the list height).

use ratatui::layout::{Constraint, Flex, Layout, Rect};

pub struct Areas {
    pub overview: Rect,
    pub main: Rect,
    pub detail: Option<Rect>,
    pub hints: Rect,
    pub status: Rect,
}

pub use flexwallet_core::layout::list_rows;

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

/// Picks the columns that fit in `width`, most important first (priority 1 before 2…), with one
/// space between columns; the column at `stretch` (if chosen) takes the spare width. Returns the
/// width of each column, `None` for the ones left out, in the given order.
pub fn fit_columns(specs: &[(u16, u8)], stretch: usize, width: u16) -> Vec<Option<u16>> {
    let mut chosen = vec![false; specs.len()];
    let mut used: u16 = 0;
    let lowest = specs.iter().map(|s| s.1).max().unwrap_or(0);
    for priority in 1..=lowest {
        for (i, &(w, p)) in specs.iter().enumerate() {
            if p != priority {
                continue;
            }
            let cost = w + if used == 0 { 0 } else { 1 };
            if used + cost <= width {
                used += cost;
                chosen[i] = true;
            }
        }
    }
    let spare = width.saturating_sub(used);
    specs
        .iter()
        .zip(chosen)
        .enumerate()
        .map(|(i, (&(w, _), c))| c.then_some(if i == stretch { w + spare } else { w }))
        .collect()
}
