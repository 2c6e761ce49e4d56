//! The overview strip (top), the hints or flash line, and the status bar (bottom).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::models::AlertState;
use crate::app::{App, FlashKind};
use crate::keymap::{Command, Context};
use crate::ui::Theme;
use crate::ui::theme::alert_label;

/// Counts by alert state and status over every loaded wallet.
pub fn overview(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let crate::app::table::Counts {
        by_alert,
        active,
        frozen,
        closed,
    } = app.table.counts;
    let wide = area.width >= 110;
    let mut spans = Vec::new();
    if wide {
        spans.push(Span::styled(" flexwallet ", theme.header()));
    }
    for state in [
        AlertState::InAlarm,
        AlertState::Warning,
        AlertState::Info,
        AlertState::Ok,
    ] {
        let n = by_alert[state.severity() as usize];
        let text = if wide {
            format!(" {} {n} ", alert_label(&state))
        } else {
            format!(" {n} {} ", alert_label(&state))
        };
        spans.push(Span::styled(text, theme.alert(&state)));
    }
    // Flexprice never sets `frozen` itself: only show it when some wallet is.
    let frozen = if frozen > 0 {
        format!(" · {frozen} frozen")
    } else {
        String::new()
    };
    // The counts are only as fresh as the wallets behind them: that comes before the status
    // counts, which give way (whole) when the line is too narrow for both.
    let stale = app.stale_count;
    if stale > 0 {
        spans.push(Span::styled(format!("│ ! {stale} stale "), theme.error()));
    }
    let statuses = format!("│ {active} active{frozen} · {closed} closed");
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if used + statuses.chars().count() <= area.width as usize {
        spans.push(Span::styled(statuses, theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The most useful commands of the current context, from the live keymap.
pub fn hint_commands(app: &App) -> Vec<(String, String)> {
    let ctx = app.context();
    let wanted: &[Command] = match ctx {
        Context::List => &[
            Command::Open,
            Command::TopUp,
            Command::Edit,
            Command::Mark,
            Command::SortNext,
            Command::Filter,
            Command::Pause,
            Command::Help,
            Command::Quit,
        ],
        Context::Detail => &[
            Command::Back,
            Command::TopUp,
            Command::Edit,
            Command::Ledger,
            Command::CopyId,
            Command::Help,
        ],
        Context::Form | Context::Confirm | Context::Bulk => &[],
        Context::Filter => &[Command::Submit, Command::Back],
        Context::Ledger => &[
            Command::Open,
            Command::FilterType,
            Command::FilterStatus,
            Command::FilterReason,
            Command::RawJson,
            Command::CopyId,
            Command::Back,
        ],
        Context::Json => &[Command::Back, Command::PageDown, Command::Down, Command::Up],
        Context::Palette => &[Command::Submit, Command::Complete, Command::Down, Command::Back],
        _ => &[Command::Back, Command::Down, Command::Up],
    };
    wanted
        .iter()
        .filter(|c| app.allows(**c))
        .filter_map(|c| Some((app.keymap.key_label(ctx, *c)?, c.hint().to_string())))
        .collect()
}

pub fn hints(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(f) = &app.flash {
        let style = match f.kind {
            FlashKind::Error => theme.error(),
            FlashKind::Success => theme.success(),
            FlashKind::Info => ratatui::style::Style::default(),
        };
        // A message too long for the line says so (`…`) rather than end mid-word.
        let room = (area.width as usize).saturating_sub(1);
        let text = if f.text.chars().count() > room {
            let mut cut: String = f.text.chars().take(room.saturating_sub(1)).collect();
            cut.push('…');
            cut
        } else {
            f.text.clone()
        };
        frame.render_widget(Paragraph::new(Line::styled(format!(" {text}"), style)), area);
        return;
    }
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (key, desc) in hint_commands(app) {
        let len = key.chars().count() + desc.chars().count() + 3;
        if used + len > area.width as usize {
            break;
        }
        used += len;
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::raw(format!(" {desc} ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "3s ago" for the status bar.
fn ago(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        _ => format!("{}h ago", secs / 3600),
    }
}

pub fn status_bar(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let o = &app.origin;
    let mut spans = vec![Span::styled(
        format!(
            " {}{} ",
            o.profile,
            o.environment
                .as_deref()
                .map(|e| format!("@{e}"))
                .unwrap_or_default()
        ),
        theme.header(),
    )];
    spans.push(Span::raw(format!("{} ", o.host)));
    if let Some(who) = &app.who {
        spans.push(Span::styled(format!(" {who} "), theme.badge()));
        spans.push(Span::raw(" "));
    }
    if app.audit_unwritable().is_some() {
        // Writes refused for want of an audit log: the path and reason are in the flash, the
        // error log and help; here, that it lasts.
        spans.push(Span::styled(" READ-ONLY: audit log not writable ", theme.error()));
        spans.push(Span::raw(" "));
    } else if app.read_only() {
        spans.push(Span::styled(" READ-ONLY ", theme.badge()));
        spans.push(Span::raw(" "));
    }
    // A slow key command: the flash says it once, this for as long as it lasts.
    if let Some(to) = &app.switching_to {
        spans.push(Span::styled(
            format!(" switching to profile {to}… "),
            theme.badge(),
        ));
        spans.push(Span::raw(" "));
    }
    let failing = app
        .live
        .failing_since
        .map(|t| app.now.saturating_duration_since(t).as_secs());
    let live = if !app.live.enabled() {
        Span::styled("live off", theme.dim())
    } else if app.live.paused {
        Span::styled(" ⏸ PAUSED ", theme.badge())
    } else if let Some(secs) = failing {
        // Not LIVE: what is on screen is getting older, and why.
        Span::styled(
            format!(
                "! REFRESH FAILING {}s: {}",
                secs,
                app.live.last_failure.as_deref().unwrap_or("no answer")
            ),
            theme.error(),
        )
    } else {
        Span::styled(
            format!("● LIVE {}s", app.live.interval.as_secs()),
            theme.success(),
        )
    };
    spans.push(live);
    // While failing, "failing for" says it; the last good answer's age would only be cut.
    if failing.is_none() {
        let age = match app.live.last_success {
            Some(t) => ago(app.now.saturating_duration_since(t).as_secs()),
            None => "never".into(),
        };
        spans.push(Span::raw(format!(" · refreshed {age}")));
    }
    // The job keeps running while its layer is hidden: its progress stays in sight here.
    if let Some(job) = app.job.as_ref().filter(|j| {
        j.running() && !matches!(app.overlays.bulk(), Some(crate::app::bulk::BulkLayer::Progress))
    }) {
        let style = if job.counts.failed + job.counts.unknown > 0 {
            theme.error()
        } else {
            theme.badge()
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(format!(" {} ", job.summary()), style));
    }
    let errors = app.recent_errors();
    if errors > 0 {
        let key = app
            .keymap
            .key_label(Context::Global, Command::ErrorLog)
            .unwrap_or_default();
        spans.push(Span::styled(
            format!(" · {errors} error{} ({key})", if errors == 1 { "" } else { "s" }),
            theme.error(),
        ));
    }
    // Whole pieces or none: a count cut at the edge would read as another number.
    let mut used = 0;
    let whole: Vec<Span> = spans
        .into_iter()
        .take_while(|s| {
            used += s.width();
            used <= area.width as usize
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(whole)), area);
}
