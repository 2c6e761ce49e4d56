//! The runway on screen: the list's cell, the detail's figures (burn, time to zero and to each
//! alert level) and its chart of the credits over the window with the alert levels as lines.

use chrono::{DateTime, Datelike, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::api::models::{AlertState, Wallet};
use crate::app::App;
use crate::app::runway::{BUCKETS, Left, Runway, left_words};
use crate::money::format_credits;
use crate::ui::Theme;

/// The list's Runway cell: `5h 07m`, `no burn`, `empty`; `…` until the first pass ends, `—`
/// for a closed wallet or when the pass failed.
pub fn cell_text(app: &App, w: &Wallet) -> String {
    let board = &app.table.runway;
    match board.runway(w) {
        Runway::Left(left) => left_words(left),
        Runway::Closed => "—".into(),
        Runway::Unknown if board.computing.is_some() => "…".into(),
        Runway::Unknown => "—".into(),
    }
}

/// Red for a wallet already empty or within a day of it.
pub fn cell_style(app: &App, theme: &Theme, w: &Wallet) -> Style {
    match app.table.runway.runway(w) {
        Runway::Left(Left::Reached) => theme.error(),
        Runway::Left(Left::After(s)) if s < 86_400 => theme.alert(&AlertState::Warning),
        _ => Style::default(),
    }
}

/// When `left` is up, as a wall-clock time; with its year when that is not this year's (in
/// December, "Mar 4" would read as last March).
fn at(now: DateTime<Utc>, left: Left) -> String {
    match left {
        Left::After(s) if s < 366 * 86_400 => {
            let t = now + chrono::TimeDelta::seconds(s);
            let shape = if t.year() == now.year() {
                "%b %-d %H:%M"
            } else {
                "%b %-d %Y %H:%M"
            };
            format!("  (≈ {} UTC)", t.format(shape))
        }
        _ => String::new(),
    }
}

/// The detail's Runway section: `(label, value)` pairs and the section's note.
pub fn figures(app: &App, w: &Wallet) -> (String, Vec<(String, String)>) {
    let board = &app.table.runway;
    let note = board.freshness(app.clock);
    let note = note.strip_prefix("runway ").unwrap_or(&note).to_string();
    let Some(r) = &board.figures else {
        let why = match (&board.failed, board.computing) {
            (_, Some(_)) => "computing…",
            (Some(_), None) => "the transactions search failed (E: errors)",
            (None, None) => "not computed yet",
        };
        return (note, vec![("burn".into(), why.into())]);
    };
    let hours = r.window.seconds() / 3600;
    let f = r.figures(w);
    let mut out = Vec::new();
    match f.rate {
        Some(rate) => out.push((
            "burn".into(),
            format!(
                "{} credits/h over {hours}h ({} debit{})",
                format_credits(&rate.round_dp(2)),
                f.debits,
                if f.debits == 1 { "" } else { "s" }
            ),
        )),
        None => out.push(("burn".into(), format!("no burn (no debits in {hours}h)"))),
    }
    if w.wallet_status == crate::api::models::WalletStatus::Closed {
        out.push(("to zero".into(), "— (closed)".into()));
        return (note, out);
    }
    out.push((
        "to zero".into(),
        format!("{}{}", left_words(f.to_zero), at(app.clock, f.to_zero)),
    ));
    for (state, threshold, left) in &f.to_levels {
        let name = match state {
            AlertState::InAlarm => "critical",
            AlertState::Warning => "warning",
            AlertState::Info => "info",
            _ => "alert",
        };
        let level = format!("≤ {} credits", format_credits(threshold));
        let words = match left {
            Left::Reached => format!("reached ({level})"),
            l => format!("{} to {level}{}", left_words(*l), at(app.clock, *l)),
        };
        out.push((format!("to {name}"), words));
    }
    (note, out)
}

/// Rows the chart takes in the detail, its title line included.
pub const CHART_HEIGHT: u16 = 9;
/// The chart's title, a section line of the detail.
pub const CHART_TITLE: &str = "Credits over the window";

/// The credits over the window (one point a slice) with each alert level as a line. Chart
/// coordinates are floats: only the drawing uses them, never a sum of money.
pub fn chart(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, w: &Wallet) {
    let Some(r) = &app.table.runway.figures else {
        return;
    };
    let Some(series) = r.series(&w.id, w.credit_balance) else {
        return;
    };
    let as_f64 = |d: &Decimal| d.to_f64().unwrap_or(0.0);
    let points: Vec<(f64, f64)> = series
        .iter()
        .enumerate()
        .map(|(i, d)| (i as f64, as_f64(d)))
        .collect();
    let levels: Vec<(AlertState, Decimal)> = {
        let v = w.alert_view();
        if v.enabled {
            v.levels
                .iter()
                .filter(|l| l.condition == crate::api::models::AlertCondition::Below)
                .map(|l| (l.state.clone(), l.threshold))
                .collect()
        } else {
            Vec::new()
        }
    };
    let lines: Vec<Vec<(f64, f64)>> = levels
        .iter()
        .map(|(_, t)| vec![(0.0, as_f64(t)), (f64::from(BUCKETS), as_f64(t))])
        .collect();
    let lo = series
        .iter()
        .chain(levels.iter().map(|(_, t)| t))
        .min()
        .copied()
        .unwrap_or_default()
        .min(Decimal::ZERO);
    let hi = series
        .iter()
        .chain(levels.iter().map(|(_, t)| t))
        .max()
        .copied()
        .unwrap_or_default()
        .max(Decimal::ONE);
    let mut datasets = vec![
        Dataset::default()
            .name("credits")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.header())
            .data(&points),
    ];
    for ((state, _), line) in levels.iter().zip(&lines) {
        datasets.push(
            Dataset::default()
                .name(match state {
                    AlertState::InAlarm => "critical",
                    AlertState::Warning => "warning",
                    _ => "info",
                })
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(theme.alert(state))
                .data(line),
        );
    }
    let hours = r.window.seconds() / 3600;
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, f64::from(BUCKETS)])
                .labels(vec![Span::raw(format!("-{hours}h")), Span::raw("now")])
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([as_f64(&lo), as_f64(&hi)])
                .labels(vec![
                    Span::raw(format_credits(&lo.round_dp(0))),
                    Span::raw(format_credits(&hi.round_dp(0))),
                ])
                .style(theme.dim()),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft));
    frame.render_widget(chart, area);
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_time_in_another_year_names_its_year() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        assert_eq!(at(now, Left::After(3600)), "  (≈ Dec 3 13:00 UTC)");
        let in_march = 91 * 86_400;
        assert_eq!(at(now, Left::After(in_march)), "  (≈ Mar 4 2027 12:00 UTC)");
        assert_eq!(at(now, Left::After(400 * 86_400)), "", "beyond a year: no date");
        assert_eq!(at(now, Left::Reached), "");
    }
}
