//! The form layer: fields with hints and errors, the live preview, and the confirm/sending/
//! unknown-outcome dialogs on top.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::app::form::{FormKind, FormState, Stage, Submission, field};
use crate::keymap::{Command, Context};
use crate::money::{format_amount, format_credits};
use crate::ui::Theme;
use crate::ui::layout::centered;
use crate::ui::list::spinner;

const LABEL: usize = 22;

fn key_hint(app: &App, ctx: Context, cmds: &[(Command, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (cmd, label) in cmds {
        if let Some(k) = app.keymap.key_label(ctx, *cmd) {
            spans.push(Span::raw(format!(" {k} ")));
            spans.push(Span::raw(format!("{label} ·")));
        }
    }
    if let Some(last) = spans.last_mut() {
        *last = Span::raw(last.content.trim_end_matches(" ·").to_string());
    }
    Line::from(spans)
}

/// Two lines about the wallet the form acts on.
fn wallet_lines(app: &App, form: &FormState) -> Vec<String> {
    if let Some(lines) = crate::ui::lifecycle::head(app, form) {
        return lines;
    }
    let w = match &form.kind {
        FormKind::TopUp(f) => &f.wallet,
        FormKind::Update(f) => &f.wallet,
        FormKind::Create(_) | FormKind::Terminate(_) | FormKind::Debit(_) => return Vec::new(),
    };
    let cur = &w.currency;
    vec![
        format!(
            "{} · balance {} {} · {} credits",
            w.id,
            format_amount(&w.balance, cur),
            cur.to_uppercase(),
            format_credits(&w.credit_balance)
        ),
        format!(
            "1 credit = {} {} · top-up rate 1 credit = {} {}",
            format_amount(&w.conversion_rate, cur),
            cur.to_uppercase(),
            format_amount(&w.topup_rate(), cur),
            cur.to_uppercase()
        ),
    ]
}

/// Field lines and the line index (and cursor column) of the focused field.
fn field_lines(theme: &Theme, form: &FormState, width: u16) -> (Vec<Line<'static>>, usize, Option<u16>) {
    let mut out = Vec::new();
    let mut focus_line = 0;
    let mut cursor = None;
    for (i, f) in form.fields().iter().enumerate() {
        let focused = i == form.focus && matches!(form.stage, Stage::Editing);
        let (value, cur) = f.display();
        let marker = if focused { "▶ " } else { "  " };
        let label = format!("{marker}{:<w$}", f.label, w = LABEL - 2);
        let value_style = if focused {
            theme.selected(true)
        } else {
            ratatui::style::Style::default()
        };
        let shown = if value.is_empty() && focused {
            " ".to_string()
        } else {
            value.clone()
        };
        let mut spans = vec![
            Span::styled(label, theme.label()),
            Span::styled(shown.clone(), value_style),
        ];
        let room = (width as usize).saturating_sub(LABEL + shown.chars().count() + 2);
        // A metadata row says how it is filled while it has the focus (every row saying it
        // would bury the form).
        let hint = f.hint.as_ref().filter(|_| focused || !field::is_metadata(f));
        let hint_inline = hint.filter(|h| h.chars().count() <= room);
        if let Some(h) = hint_inline {
            spans.push(Span::styled(format!("  {h}"), theme.dim()));
        }
        if focused {
            focus_line = out.len();
            cursor = cur.map(|c| (LABEL + c) as u16);
        }
        out.push(Line::from(spans));
        let room = (width as usize).saturating_sub(LABEL).max(20);
        if let (Some(h), None) = (hint, hint_inline) {
            for part in wrap(h, room) {
                out.push(Line::styled(format!("{:LABEL$}{part}", ""), theme.dim()));
            }
        }
        if let Some(e) = &f.error {
            for (i, part) in wrap(&format!("✖ {e}"), room).into_iter().enumerate() {
                let indent = if i == 0 { LABEL } else { LABEL + 2 };
                out.push(Line::styled(format!("{:indent$}{part}", ""), theme.error()));
            }
        }
    }
    (out, focus_line, cursor)
}

/// Lines wider than `room` cut into several at word boundaries, each in its line's first
/// style (summaries and messages are one style a line).
fn wrapped(lines: Vec<Line<'static>>, room: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for line in lines {
        if line.width() <= room {
            out.push(line);
            continue;
        }
        let style = line
            .spans
            .first()
            .map_or(line.style, |s| line.style.patch(s.style));
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        out.extend(wrap(&text, room).into_iter().map(|t| Line::styled(t, style)));
    }
    out
}

/// The width inside a bordered block drawn over `rect`.
fn inner_width(rect: Rect) -> u16 {
    rect.width.saturating_sub(2)
}

/// Greedy word wrap: messages under a field never run off the form.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn render(app: &App, form: &FormState, theme: &Theme, frame: &mut Frame, area: Rect) {
    // Terminate is its confirm step alone: there is nothing to fill in behind it.
    if matches!(form.kind, FormKind::Terminate(_)) {
        dialog(app, theme, frame, area, form);
        return;
    }
    // Between the overview line and the status bar, as wide as useful.
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let rect = centered(body, area.width.min(100), body.height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(form.title(), theme.header()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);

    let mut head: Vec<Line> = wallet_lines(app, form)
        .into_iter()
        .map(|l| Line::styled(l, theme.dim()))
        .collect();
    if let Some(b) = &form.banner {
        // Wrapped here: the head's height is its line count, and a refusal explained in full
        // (the one-active-wallet rule) is longer than one line.
        let width = (inner_width(rect) as usize).max(20);
        for part in wrap(&format!("✖ {b}"), width) {
            head.push(Line::styled(part, theme.error()));
        }
    }
    let mut tail = Vec::new();
    if let FormKind::TopUp(f) = &form.kind {
        let mut probe = f.clone();
        let preview = probe.validate(app.clock).map(|p| f.preview(&p));
        tail.push(match preview {
            Some(p) => Line::styled(format!("→ {p}"), theme.success()),
            None => Line::styled("→ fill in the fields to see the result", theme.dim()),
        });
    }
    tail.extend(crate::ui::lifecycle::preview(theme, form));
    tail.push(key_hint(
        app,
        Context::Form,
        &[
            (Command::NextField, "next"),
            (Command::ChoiceNext, "change"),
            (Command::AddRow, "add row"),
            (Command::Submit, "review"),
            (Command::Back, "cancel"),
        ],
    ));
    let [head_area, body_area, tail_area] = Layout::vertical([
        Constraint::Length(head.len() as u16),
        Constraint::Min(1),
        Constraint::Length(tail.len() as u16),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: true }), head_area);
    frame.render_widget(Paragraph::new(tail).wrap(Wrap { trim: true }), tail_area);

    let (lines, focus_line, cursor) = field_lines(theme, form, body_area.width);
    let height = body_area.height as usize;
    let scroll = (focus_line + 2).saturating_sub(height);
    // A form taller than the screen says so on its bottom edge: what is above and below.
    let below = lines.len().saturating_sub(scroll + height);
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), body_area);
    if scroll > 0 || below > 0 {
        let mut parts = Vec::new();
        if scroll > 0 {
            parts.push(format!("↑ {scroll} lines above"));
        }
        if below > 0 {
            parts.push(format!("↓ {below} below"));
        }
        let text = format!(" {} · Tab moves ", parts.join(" · "));
        let edge = Rect {
            x: rect.x + 2,
            y: rect.bottom().saturating_sub(1),
            width: (text.chars().count() as u16).min(rect.width.saturating_sub(4)),
            height: 1,
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), edge);
    }
    if let Some(col) = cursor
        && matches!(form.stage, Stage::Editing)
    {
        let y = body_area.y + (focus_line - scroll) as u16;
        let x = (body_area.x + col).min(body_area.right().saturating_sub(1));
        if y < body_area.bottom() {
            frame.set_cursor_position(Position::new(x, y));
        }
    }
    dialog(app, theme, frame, area, form);
}

fn dialog(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, form: &FormState) {
    let width = area.width.saturating_sub(8).min(90);
    // Lines are wrapped here, not by the paragraph: the dialog is as tall as what it shows,
    // and the typed line's cursor is where the line is (at 80 columns a summary wraps).
    let room = (width as usize).saturating_sub(2).max(20);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_at: Option<(usize, u16)> = None;
    let title;
    match &form.stage {
        Stage::Editing => return,
        Stage::ConfirmDiscard => {
            title = " Discard changes? ";
            lines.push(Line::from("The form has changes that were not sent."));
            lines.push(key_hint(
                app,
                Context::Confirm,
                &[(Command::Confirm, "discard"), (Command::Back, "keep editing")],
            ));
        }
        Stage::Confirm {
            submission,
            typed,
            expected,
            mismatch,
        } => {
            title = " Confirm ";
            lines.extend(wrapped(summary(submission), room));
            if let Some(e) = expected {
                lines.push(Line::default());
                let prompt = format!("Type {e} to confirm: ");
                if prompt.chars().count() + typed.value().chars().count() < room {
                    cursor_at = Some((
                        lines.len(),
                        (prompt.chars().count() + typed.visual_cursor()) as u16,
                    ));
                    lines.push(Line::from(vec![
                        Span::styled(prompt, theme.header()),
                        Span::raw(typed.value().to_string()),
                    ]));
                } else {
                    // A long name: the question on its lines, the answer on its own.
                    for part in wrap(prompt.trim_end(), room) {
                        lines.push(Line::styled(part, theme.header()));
                    }
                    cursor_at = Some((lines.len(), (2 + typed.visual_cursor()) as u16));
                    lines.push(Line::from(format!("> {}", typed.value())));
                }
                if *mismatch {
                    lines.extend(wrapped(
                        vec![Line::styled(format!("✖ that is not {e}"), theme.error())],
                        room,
                    ));
                }
            }
            lines.push(Line::default());
            let terminate = matches!(form.kind, FormKind::Terminate(_));
            lines.push(key_hint(
                app,
                Context::Confirm,
                &[
                    (Command::Confirm, if terminate { "terminate" } else { "send" }),
                    (
                        Command::Back,
                        if terminate { "cancel" } else { "back to the form" },
                    ),
                ],
            ));
        }
        Stage::Sending { submission } => {
            title = " Sending ";
            lines.extend(wrapped(summary(submission), room));
            lines.push(Line::default());
            lines.push(Line::from(format!("{} sending…", spinner(app.spinner))));
        }
        Stage::Unknown {
            submission,
            message,
            answered,
        } => {
            title = " Outcome unknown ";
            lines.extend(wrapped(summary(submission), room));
            lines.push(Line::default());
            let mut said = vec![Line::styled(message.clone(), theme.error())];
            said.push(Line::from(match answered {
                // A 5xx is an answer, but not about the top-up: it may have been applied first.
                Some(status) => format!(
                    "The server answered {status}, which does not say whether it was applied: it \
                     may or may not have been."
                ),
                None => "The request left, but no answer came back: it may or may not have been \
                         applied."
                    .to_string(),
            }));
            if let Some(note) = crate::ui::lifecycle::retry_note(submission) {
                said.push(Line::from(note));
            }
            lines.extend(wrapped(said, room));
            lines.push(key_hint(
                app,
                Context::Confirm,
                &[
                    (Command::Confirm, "retry with the same key"),
                    (Command::Back, "close"),
                ],
            ));
        }
    }
    let height = (lines.len() as u16 + 4).min(area.height);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(title, theme.header()));
    let inner = block.inner(rect);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
    if let Some((line, col)) = cursor_at {
        frame.set_cursor_position(Position::new(
            inner.x + col.min(inner.width.saturating_sub(1)),
            inner.y + line as u16,
        ));
    }
}

/// What will be sent, every field of it: the confirm step is the last look before it leaves.
fn summary(s: &Submission) -> Vec<Line<'static>> {
    if let Some(lines) = crate::ui::lifecycle::summary(s) {
        return lines;
    }
    match s {
        Submission::TopUp { request, preview, .. } => {
            let mut out = vec![Line::from(preview.clone())];
            let mut sent = |label: &str, value: String| {
                out.push(Line::from(format!("  {label:<16}{value}")));
            };
            if let Some(c) = request.credits_to_add {
                sent("credits", format_credits(&c));
            }
            if let Some(a) = request.amount {
                sent("amount", crate::money::wire_text(&a));
            }
            sent("reason", request.transaction_reason.to_string());
            if let Some(e) = request.expiry_date_utc {
                sent("expires", e.format("%Y-%m-%d %H:%M:%S UTC").to_string());
            }
            if let Some(p) = request.priority {
                sent("priority", p.to_string());
            }
            if let Some(d) = &request.description {
                sent("description", crate::api::text::clean(d).into_owned());
            }
            for (i, (k, v)) in request.metadata.iter().flat_map(|m| m.iter()).enumerate() {
                let label = if i == 0 { "metadata" } else { "" };
                sent(label, field::metadata_line(k, v));
            }
            sent(
                "idempotency key",
                request.idempotency_key.clone().unwrap_or_default(),
            );
            out
        }
        Submission::Update { diff, .. } => diff.iter().map(|d| Line::from(format!("• {d}"))).collect(),
        Submission::Create { .. } | Submission::Terminate { .. } | Submission::Debit { .. } => Vec::new(),
    }
}
