//! The bulk layer: the form, the plan's preview with totals and warnings, progress, the quit question.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Wrap};

use crate::api::models::TransactionReason;
use crate::app::App;
use crate::app::bulk::{BulkForm, BulkLayer, JobView, expected_total};
use crate::bulk::Plan;
use crate::keymap::{Command, Context};
use crate::money::{format_amount, format_credits};
use crate::ui::Theme;
use crate::ui::layout::centered;

const LABEL: usize = 16;

fn keys(app: &App, ctx: Context, cmds: &[(Command, &str)]) -> Line<'static> {
    let parts: Vec<String> = cmds
        .iter()
        .filter_map(|(c, label)| Some(format!("{} {label}", app.keymap.key_label(ctx, *c)?)))
        .collect();
    Line::from(format!(" {}", parts.join(" · ")))
}

/// A bordered box between the overview line and the status bar; returns its inside.
fn frame_box(theme: &Theme, frame: &mut Frame, area: Rect, title: &str, height: u16) -> Rect {
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let rect = centered(body, area.width.min(100), height.min(body.height));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_style(theme.border(true))
        .title(Line::styled(format!(" {title} "), theme.header()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

pub fn render(app: &App, layer: &BulkLayer, theme: &Theme, frame: &mut Frame, area: Rect) {
    match Some(layer) {
        Some(BulkLayer::Form(f)) => form(app, theme, frame, area, f),
        Some(BulkLayer::Planning { source, .. }) => {
            let inner = frame_box(theme, frame, area, "Bulk top-up", 5);
            let text = vec![
                Line::from(format!("Checking {source} against the wallets…")),
                Line::styled("nothing is sent before you confirm", theme.dim()),
            ];
            frame.render_widget(Paragraph::new(text), inner);
        }
        Some(BulkLayer::Refused {
            source,
            issues,
            scroll,
        }) => {
            let inner = frame_box(theme, frame, area, "Bulk top-up: not possible", area.height);
            let [head, body, foot] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)])
                    .areas(inner);
            let from = if *scroll > 0 {
                format!(" · from #{}", scroll + 1)
            } else {
                String::new()
            };
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("{} problem(s) in {source}: nothing was sent{from}", issues.len()),
                    theme.error(),
                )),
                head,
            );
            let lines: Vec<Line> = issues
                .iter()
                .skip(*scroll)
                .map(|i| Line::from(format!("✖ {i}")))
                .collect();
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
            // More than fits: say how to see the rest. (Word wrap can take a row more than
            // this count, so the hint errs on showing.)
            let width = usize::from(body.width.max(1));
            let rows: usize = issues
                .iter()
                .skip(*scroll)
                .map(|i| (i.chars().count() + 2).div_ceil(width) + 1)
                .sum();
            let mut cmds = Vec::new();
            if rows > usize::from(body.height) && *scroll + 1 < issues.len() {
                cmds.push((Command::Down, "more"));
            }
            if *scroll > 0 {
                cmds.push((Command::Up, "up"));
            }
            cmds.push((Command::Back, "close"));
            frame.render_widget(Paragraph::new(keys(app, Context::Bulk, &cmds)), foot);
        }
        Some(BulkLayer::Preview {
            plan,
            typed,
            mismatch,
            from_marks,
        }) => preview(
            app,
            theme,
            frame,
            area,
            PreviewState {
                plan,
                typed: typed.value(),
                mismatch: *mismatch,
                from_marks: *from_marks,
            },
        ),
        Some(BulkLayer::Progress) => {
            if let Some(job) = &app.job {
                progress(app, theme, frame, area, job);
            }
        }
        None => {}
    }
}

/// "A bulk job is running: stop it and quit?"
pub fn quit_question(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    {
        let journal = app
            .job
            .as_ref()
            .map(|j| j.journal.display().to_string())
            .unwrap_or_default();
        let lines = if app.job_running() {
            vec![
                Line::styled("A bulk job is running.", theme.error()),
                Line::from("Quitting stops it: rows in flight finish and the journal is kept"),
                Line::from(format!(
                    "(resume: flexwallet topup --resume --journal {journal})."
                )),
            ]
        } else {
            // It finished while the question was open.
            vec![
                Line::styled("The bulk job has finished.", theme.success()),
                Line::from(format!("Its journal: {journal}")),
            ]
        };
        // The journal's path is long: count the rows the lines wrap to inside the box.
        let width = usize::from(area.width.min(100).saturating_sub(2).max(1));
        let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
        let inner = frame_box(theme, frame, area, "Quit?", rows as u16 + 3);
        render_with_keys(
            app,
            frame,
            inner,
            lines,
            keys(
                app,
                Context::Confirm,
                &[(Command::Confirm, "quit"), (Command::Back, "stay")],
            ),
        );
    }
}

/// Lines on top, the key line at the bottom.
fn render_with_keys(
    app: &App,
    frame: &mut Frame,
    inner: Rect,
    lines: Vec<Line<'static>>,
    keys: Line<'static>,
) {
    let _ = app;
    let [body, foot] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    frame.render_widget(Paragraph::new(keys), foot);
}

fn form(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, f: &BulkForm) {
    let title = format!("Bulk top-up · {} marked wallets", f.wallet_ids.len());
    let inner = frame_box(theme, frame, area, &title, 16);
    let mut lines = vec![Line::styled(
        "One top-up for every marked wallet; you will see the totals before anything is sent.",
        theme.dim(),
    )];
    let mut cursor = None;
    for (i, field) in f.fields.iter().enumerate() {
        let focused = i == f.focus;
        let (value, cur) = field.display();
        let marker = if focused { "▶ " } else { "  " };
        let style = if focused {
            theme.selected(true)
        } else {
            ratatui::style::Style::default()
        };
        let shown = if value.is_empty() && focused {
            " ".into()
        } else {
            value
        };
        let mut spans = vec![
            Span::styled(
                format!("{marker}{:<w$}", field.label, w = LABEL - 2),
                theme.label(),
            ),
            Span::styled(shown, style),
        ];
        if let Some(h) = field.hint.as_ref().filter(|_| focused) {
            spans.push(Span::styled(format!("  {h}"), theme.dim()));
        }
        if focused {
            cursor = cur.map(|c| (lines.len(), LABEL + c));
        }
        lines.push(Line::from(spans));
        if let Some(e) = &field.error {
            lines.push(Line::styled(format!("{:LABEL$}✖ {e}", ""), theme.error()));
        }
    }
    if let Some(b) = &f.banner {
        lines.push(Line::styled(format!("✖ {b}"), theme.error()));
    }
    let k = keys(
        app,
        Context::Form,
        &[
            (Command::NextField, "next"),
            (Command::ChoiceNext, "choice"),
            (Command::Submit, "preview"),
            (Command::Back, "cancel"),
        ],
    );
    render_with_keys(app, frame, inner, lines, k);
    if let Some((row, col)) = cursor {
        frame.set_cursor_position(Position::new(inner.x + col as u16, inner.y + row as u16));
    }
}

/// What the preview layer shows: the plan, the total typed so far, and how to show problems.
struct PreviewState<'a> {
    plan: &'a Plan,
    typed: &'a str,
    /// The typed total was confirmed and is not the plan's.
    mismatch: bool,
    /// The rows are marked wallets, not lines of a file.
    from_marks: bool,
}

fn preview(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, state: PreviewState<'_>) {
    let PreviewState {
        plan,
        typed,
        mismatch,
        from_marks,
    } = state;
    let inner = frame_box(theme, frame, area, "Bulk top-up · preview", area.height);
    let t = &plan.totals;
    let mut lines = vec![Line::styled(
        format!(
            "job {} · {} {} · {} credits in all",
            plan.job,
            t.rows,
            crate::bulk::rows_word(t.rows),
            format_credits(&t.credits)
        ),
        theme.header(),
    )];
    for (cur, c) in &t.by_currency {
        lines.push(Line::from(format!(
            "  {:<6}{:>4} {:<4}  {:>14} credits  = {} {}",
            cur.to_uppercase(),
            c.rows,
            crate::bulk::rows_word(c.rows),
            format_credits(&c.credits),
            format_amount(&c.amount, cur),
            cur.to_uppercase()
        )));
    }
    if !plan.mistakes.is_empty() {
        lines.push(Line::styled(
            format!(
                "⚠ {} {} ask first: almost always a mistake (typing the total sends them too)",
                plan.mistakes.len(),
                crate::bulk::rows_word(plan.mistakes.len())
            ),
            theme.error(),
        ));
    }
    // No more than a screen holds: a million-row plan may carry a warning a row, and every
    // frame formatted them all.
    let issues = plan.mistakes.len() + plan.warnings.len();
    let room = (inner.height as usize).saturating_sub(lines.len() + 8).max(1);
    for w in plan.mistakes.iter().chain(&plan.warnings).take(room) {
        let text = if from_marks {
            w.without_line()
        } else {
            w.to_string()
        };
        lines.push(Line::styled(format!("⚠ {text}"), theme.error()));
    }
    if issues > room {
        lines.push(Line::styled(
            format!("⚠ … and {} more", issues - room),
            theme.error(),
        ));
    }
    // Names repeat ("Prepaid Wallet - CRD"): the id too when there is room for it.
    let with_id = inner.width >= 58 + 2 + 33;
    lines.push(Line::styled(
        format!(
            "{:<28}{:>14}{:>16}{}",
            "wallet",
            "credits",
            // The currency value at the wallet's top-up rate (what the amount column of a CSV
            // means), not the balance's conversion rate.
            "at top-up rate",
            if with_id { "  id" } else { "" }
        ),
        theme.label(),
    ));
    // The confirm lines need 3 rows at the bottom; the row list takes what is left.
    let room = (inner.height as usize).saturating_sub(lines.len() + 4);
    let shown = plan.rows.len().min(room);
    for r in plan.rows.iter().take(shown) {
        // The operator marked names, not ids: show the name when the list knows the wallet.
        let name = app
            .table
            .get(&r.wallet_id)
            .map(|row| row.wallet.display_name().to_string())
            .unwrap_or_else(|| r.wallet_id.clone());
        lines.push(Line::from(format!(
            "{:<28}{:>14}{:>16}{}",
            truncate(&name, 27),
            // Never pushed past the column (the line's end would be cut): compact if need be.
            crate::money::fit::fit_credits(&r.credits, 13),
            format!(
                "{} {}",
                crate::money::fit::fit_amount(
                    &r.amount,
                    &r.currency,
                    14usize.saturating_sub(r.currency.len())
                ),
                r.currency.to_uppercase()
            ),
            if with_id {
                format!("  {}", r.wallet_id)
            } else {
                String::new()
            }
        )));
    }
    if shown < plan.rows.len() {
        lines.push(Line::styled(
            format!("… and {} more rows", plan.rows.len() - shown),
            theme.dim(),
        ));
    }
    let [body, ask, foot] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(2), Constraint::Length(1)]).areas(inner);
    // Warnings wrap (a narrow terminal must not cut "confirming sends nothing" short).
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    let expected = expected_total(plan);
    let mut ask_lines = vec![Line::from(vec![
        Span::raw(format!("Type the total credits ({expected}) to send: ")),
        Span::styled(format!("{typed} "), theme.selected(true)),
    ])];
    if mismatch {
        ask_lines.push(Line::styled(
            format!("✖ that is not {expected}: nothing was sent"),
            theme.error(),
        ));
    }
    let prompt_len = format!("Type the total credits ({expected}) to send: ")
        .chars()
        .count();
    frame.render_widget(Paragraph::new(ask_lines), ask);
    frame.render_widget(
        Paragraph::new(keys(
            app,
            Context::Confirm,
            &[(Command::Confirm, "send"), (Command::Back, "cancel")],
        )),
        foot,
    );
    frame.set_cursor_position(Position::new(
        ask.x + (prompt_len + typed.chars().count()) as u16,
        ask.y,
    ));
}

fn truncate(s: &str, n: usize) -> String {
    let s = crate::api::text::clean(s);
    if s.chars().count() <= n {
        s.into_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn progress(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, job: &JobView) {
    let title = if job.running() {
        "Bulk top-up · running"
    } else {
        "Bulk top-up · finished"
    };
    let inner = frame_box(theme, frame, area, title, area.height);
    let c = &job.counts;
    let finished = c.done + c.failed + c.unknown;
    let ratio = if c.total == 0 {
        1.0
    } else {
        finished as f64 / c.total as f64
    };
    let [gauge, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.success())
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("{finished}/{}", c.total)),
        gauge,
    );
    let eta = match job.eta() {
        Some(d) => format!("{}s", d.as_secs()),
        None => "—".into(),
    };
    let mut lines = vec![
        Line::from(format!(
            "done {} · failed {} · unknown {} · pending {} · in flight {}",
            c.done, c.failed, c.unknown, c.pending, c.in_flight
        )),
        Line::from(format!(
            "{:.1} rows/s · ETA {eta} · elapsed {}s · retries {}",
            job.rate(),
            job.elapsed.as_secs(),
            c.retries
        )),
        Line::styled(format!("journal {}", job.journal.display()), theme.dim()),
    ];
    if let Some(s) = &job.stopping {
        lines.push(Line::styled(format!("stopping: {s}"), theme.error()));
    }
    if !job.running() {
        lines.push(if c.done == c.total {
            match job
                .plan
                .rows
                .iter()
                .filter(|r| r.request.transaction_reason == TransactionReason::PurchasedCreditInvoiced)
                .count()
            {
                0 => Line::styled("every wallet was credited", theme.success()),
                n => Line::styled(
                    format!("every row was accepted; {n} invoiced top-up(s) stay pending until paid"),
                    theme.success(),
                ),
            }
        } else {
            Line::styled(
                "rows not done stay marked: r retries them in this job, with their keys",
                theme.error(),
            )
        });
    }
    if !job.errors.is_empty() {
        lines.push(Line::styled("latest errors", theme.section()));
        lines.extend(
            job.errors
                .iter()
                .map(|e| Line::styled(format!("✖ {e}"), theme.error())),
        );
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    let mut cmds = vec![(Command::Back, "hide")];
    if job.running() {
        cmds.push((Command::CancelJob, "stop"));
    } else if job.retryable() {
        cmds.push((Command::RetryJob, "retry"));
    }
    frame.render_widget(Paragraph::new(keys(app, Context::Bulk, &cmds)), foot);
}
