//! Layers drawn over the screen: help (generated from the live keymap) and the error log.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::app::App;
use crate::keymap::Context;
use crate::ui::Theme;
use crate::ui::layout::centered;

/// Help lines: every binding of every context, grouped; write actions left out in read-only.
pub fn help_lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let bindings: Vec<_> = app
            .keymap
            .bindings(*ctx)
            .iter()
            .filter(|b| !b.keys.is_empty() && app.allows(b.command))
            .collect();
        if bindings.is_empty() {
            continue;
        }
        out.push(Line::styled(format!("{ctx}"), theme.section()));
        for b in bindings {
            let keys = b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ");
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), theme.key()),
                Span::raw(b.desc.clone()),
            ]));
        }
        out.push(Line::default());
    }
    out.push(Line::styled("Reading the list", theme.section()));
    let (balance, whole) = app.freshness_contract();
    let legend = [
        (
            "!".to_string(),
            "stale: past the freshness contract, or its refresh failed".to_string(),
        ),
        (
            "fresh".to_string(),
            if app.live.enabled() {
                format!(
                    "balances at most {}s old, whole wallets {}m, or marked !",
                    balance.as_secs(),
                    whole.as_secs().div_ceil(60)
                )
            } else {
                "live refresh is off: nothing is refreshed on its own".to_string()
            },
        ),
        (
            "≈12.3M".to_string(),
            "compact: too wide for the column, whole in the detail".to_string(),
        ),
        (
            "+5 since 14:02".to_string(),
            "a change covering more than one interval (UTC)".to_string(),
        ),
    ];
    for (mark, meaning) in legend {
        out.push(Line::from(vec![
            Span::styled(format!("  {mark:<16}"), theme.key()),
            Span::raw(meaning),
        ]));
    }
    out.push(Line::default());
    if let Some(why) = app.audit_unwritable() {
        out.push(Line::styled(
            format!("Read-only (top-up, edit and bulk are disabled): {why}"),
            theme.error(),
        ));
    } else if app.read_only() {
        out.push(Line::styled(
            "Read-only mode: top-up, edit and bulk are disabled.",
            theme.dim(),
        ));
    }
    out
}

pub fn help(app: &App, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(area, 64, area.height.saturating_sub(2));
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(" Keys (Esc closes) ", theme.header()));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(help_lines(app, theme))
            .block(block)
            .scroll((scroll, 0)),
        rect,
    );
}

pub fn errors(app: &App, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(area, area.width.saturating_sub(4), area.height.saturating_sub(2));
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(
            format!(" Recent API errors ({}) ", app.errors.len()),
            theme.header(),
        ));
    let lines: Vec<Line> = if app.errors.is_empty() {
        vec![Line::styled("No errors.", theme.dim())]
    } else {
        app.errors
            .iter()
            .map(|e| {
                Line::from(vec![
                    Span::styled(e.at.format("%H:%M:%S ").to_string(), theme.dim()),
                    Span::styled(format!("{:<18}", e.call), theme.label()),
                    Span::raw(format!(
                        "{:>4} {:<17} ",
                        e.status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
                        e.code.as_deref().unwrap_or("")
                    )),
                    Span::styled(e.message.clone(), theme.error()),
                ])
            })
            .collect()
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}
