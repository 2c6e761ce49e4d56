//! The overview strip (top), the hints or flash line, and the status bar (bottom).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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
        // These layers draw their own key line.
        Context::Form | Context::Confirm | Context::Preview | Context::Bulk => &[],
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
        Context::Timeline => &[
            Command::Open,
            Command::Filter,
            Command::RawJson,
            Command::Refresh,
            Command::Back,
        ],
        Context::Json => &[Command::Back, Command::PageDown, Command::Down, Command::Up],
        Context::Palette => &[Command::Submit, Command::Complete, Command::Down, Command::Back],
        Context::Help | Context::Errors | Context::Messages => &[
            Command::Back,
            Command::Down,
            Command::Up,
            Command::PageDown,
            Command::Bottom,
        ],
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
        // A message too long for the line says so (`…`) and where it is whole: the log.
        if app.fits_flash_line(&f.text) {
            frame.render_widget(Paragraph::new(Line::styled(format!(" {}", f.text), style)), area);
            return;
        }
        let key = app
            .keymap
            .key_label(Context::Global, Command::Messages)
            .unwrap_or_else(|| ":messages".into());
        let more = format!(" ({key}: read all)");
        let room = (area.width as usize).saturating_sub(1 + more.width() + 1);
        let mut cut = String::new();
        for c in f.text.chars() {
            if cut.width() + c.width().unwrap_or(0) > room {
                break;
            }
            cut.push(c);
        }
        cut.push('…');
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!(" {cut}"), style),
                Span::styled(more, theme.key()),
            ])),
            area,
        );
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
pub(crate) fn ago(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s ago"),
        60..3600 => format!("{}m ago", secs / 60),
        _ => format!("{}h ago", secs / 3600),
    }
}

/// Pieces of the status bar, in order, each shown whole or not at all: when they do not all
/// fit, the least needed go first (a lower `keep` is dropped sooner), never the refresh state.
struct Piece {
    spans: Vec<Span<'static>>,
    keep: u8,
}

impl Piece {
    fn new(keep: u8, spans: Vec<Span<'static>>) -> Piece {
        Piece { spans, keep }
    }

    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

pub fn status_bar(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let o = &app.origin;
    let mut pieces = vec![Piece::new(
        9,
        vec![Span::styled(
            format!(
                " {}{} ",
                o.profile,
                o.environment
                    .as_deref()
                    .map(|e| format!("@{e}"))
                    .unwrap_or_default()
            ),
            theme.header(),
        )],
    )];
    pieces.push(Piece::new(2, vec![Span::raw(format!("{} ", o.host))]));
    if let Some(who) = &app.who {
        pieces.push(Piece::new(
            6,
            vec![Span::styled(format!(" {who} "), theme.badge()), Span::raw(" ")],
        ));
    }
    if app.audit_unwritable().is_some() {
        // Writes refused for want of an audit log: the path and reason are in the flash, the
        // message log and help; here, that it lasts.
        pieces.push(Piece::new(
            9,
            vec![
                Span::styled(" READ-ONLY: audit log not writable ", theme.error()),
                Span::raw(" "),
            ],
        ));
    } else if app.read_only() {
        pieces.push(Piece::new(
            9,
            vec![Span::styled(" READ-ONLY ", theme.badge()), Span::raw(" ")],
        ));
    }
    // A slow key command: the flash says it once, this for as long as it lasts.
    if let Some(to) = &app.switching_to {
        pieces.push(Piece::new(
            7,
            vec![
                Span::styled(format!(" switching to profile {to}… "), theme.badge()),
                Span::raw(" "),
            ],
        ));
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
    pieces.push(Piece::new(8, vec![live]));
    // While failing, "failing for" says it; the last good answer's age would only be cut.
    if failing.is_none() {
        let age = match app.live.last_success {
            Some(t) => ago(app.now.saturating_duration_since(t).as_secs()),
            None => "never".into(),
        };
        pieces.push(Piece::new(1, vec![Span::raw(format!(" · refreshed {age}"))]));
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
        pieces.push(Piece::new(
            5,
            vec![
                Span::raw(" · "),
                Span::styled(format!(" {} ", job.summary()), style),
            ],
        ));
    }
    // Messages not read yet, at the right end.
    let unread = app.unread_messages();
    let unread = (unread > 0).then(|| {
        let key = app
            .keymap
            .key_label(Context::Global, Command::Messages)
            .unwrap_or_else(|| ":messages".into());
        let errors = app.messages.iter().any(|m| !m.seen && m.kind == FlashKind::Error);
        Piece::new(
            4,
            vec![Span::styled(
                format!(" · {unread} unread ({key}) "),
                if errors { theme.error() } else { theme.badge() },
            )],
        )
    });
    let width = usize::from(area.width);
    let mut right = unread;
    loop {
        let used: usize =
            pieces.iter().map(Piece::width).sum::<usize>() + right.as_ref().map_or(0, Piece::width);
        if used <= width {
            break;
        }
        let lowest = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.keep, i))
            .chain(right.as_ref().map(|p| (p.keep, usize::MAX)))
            .min();
        match lowest {
            Some((_, usize::MAX)) => right = None,
            Some((_, i)) => {
                pieces.remove(i);
            }
            None => break,
        }
    }
    let right_w = right.as_ref().map_or(0, Piece::width) as u16;
    let left = area.width.saturating_sub(right_w);
    let spans: Vec<Span> = pieces.into_iter().flat_map(|p| p.spans).collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), Rect { width: left, ..area });
    if let Some(u) = right {
        frame.render_widget(
            Paragraph::new(Line::from(u.spans)),
            Rect {
                x: area.x + left,
                width: right_w.min(area.width),
                ..area
            },
        );
    }
}
