//! The bulk layer: the form, the plan's preview with totals and warnings, progress, the quit question.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Gauge, Paragraph, Row, Table, Wrap};
use unicode_width::UnicodeWidthStr;

use crate::api::models::TransactionReason;
use crate::app::App;
use crate::app::bulk::preview::Shared;
use crate::app::bulk::{BulkForm, BulkLayer, JobView, Preview, PreviewFocus, expected_total};
use crate::keymap::{Command, Context};
use crate::money::{format_amount, format_credits};
use crate::ui::Theme;
use crate::ui::fit;
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
    frame_box_width(theme, frame, area, title, 100, height)
}

/// [`frame_box`] at most `width` wide (the preview's rows use a wide terminal's width).
fn frame_box_width(
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    width: u16,
    height: u16,
) -> Rect {
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let rect = centered(body, area.width.min(width), height.min(body.height));
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
            notes,
            scroll,
            ..
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
                    format!(
                        "{} in {source}: nothing was sent{from}",
                        flexprice_wire::words::count(issues.len(), "problem", "problems")
                    ),
                    theme.error(),
                )),
                head,
            );
            let lines: Vec<Line> = notes
                .iter()
                .map(|n| Line::styled(n.clone(), theme.dim()))
                .chain(issues.iter().skip(*scroll).map(|i| Line::from(format!("✖ {i}"))))
                .collect();
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
            // More than fits: say how to see the rest. (Word wrap can take a row more than
            // this count, so the hint errs on showing.)
            let width = usize::from(body.width.max(1));
            let rows: usize = notes
                .iter()
                .chain(issues.iter().skip(*scroll))
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
        Some(BulkLayer::Preview(p)) => preview(app, theme, frame, area, p),
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
    let title = format!(
        "Bulk top-up · {}",
        flexprice_wire::words::count(f.wallet_ids.len(), "marked wallet", "marked wallets")
    );
    // The box's inside is at most 98 wide (100 with borders): lay the lines out for it.
    let width = usize::from(area.width.min(100).saturating_sub(2)).max(20);
    let mut lines: Vec<Line> = wrap(
        "One top-up for every marked wallet; you will see the totals and every row before anything is sent.",
        width,
    )
    .into_iter()
    .map(|l| Line::styled(l, theme.dim()))
    .collect();
    let mut cursor = None;
    let mut focus_line = 0;
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
        let room = width.saturating_sub(LABEL + shown.chars().count() + 2);
        let mut spans = vec![
            Span::styled(
                format!("{marker}{:<w$}", field.label, w = LABEL - 2),
                theme.label(),
            ),
            Span::styled(shown, style),
        ];
        // The focused field says what it takes: beside it when it fits, else under it.
        let hint = field.hint.as_ref().filter(|_| focused);
        let inline = hint.filter(|h| h.chars().count() <= room);
        if let Some(h) = inline {
            spans.push(Span::styled(format!("  {h}"), theme.dim()));
        }
        if focused {
            focus_line = lines.len();
            cursor = cur.map(|c| LABEL + c);
        }
        lines.push(Line::from(spans));
        if let (Some(h), None) = (hint, inline) {
            for part in wrap(h, width.saturating_sub(LABEL)) {
                lines.push(Line::styled(format!("{:LABEL$}{part}", ""), theme.dim()));
            }
        }
        if let Some(e) = &field.error {
            for part in wrap(&format!("✖ {e}"), width.saturating_sub(LABEL)) {
                lines.push(Line::styled(format!("{:LABEL$}{part}", ""), theme.error()));
            }
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
            (Command::AddRow, "metadata row"),
            (Command::Submit, "preview"),
            (Command::Back, "cancel"),
        ],
    );
    // Borders and the key line around the fields; the box grows with the metadata rows.
    let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
    let inner = frame_box(theme, frame, area, &title, height);
    let [body, foot] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    // The focused field (and the line under it) stays in view.
    let scroll = (focus_line + 2)
        .min(lines.len())
        .saturating_sub(usize::from(body.height));
    frame.render_widget(
        Paragraph::new(lines).scroll((u16::try_from(scroll).unwrap_or(0), 0)),
        body,
    );
    // Under the question the form's keys are not the ones that work: its own line says them.
    if !f.asking_discard {
        frame.render_widget(Paragraph::new(k), foot);
    }
    if f.asking_discard {
        // On top of the form, narrower than it, and no cursor in a field that takes no keys.
        let lines = vec![Line::from(format!(
            "The form has changes that were not sent ({}).",
            flexprice_wire::words::count(f.wallet_ids.len(), "marked wallet", "marked wallets")
        ))];
        let width = area.width.saturating_sub(8).min(70);
        let rows = lines
            .iter()
            .map(|l| {
                l.width()
                    .max(1)
                    .div_ceil(usize::from(width.saturating_sub(2).max(1)))
            })
            .sum::<usize>();
        let inner = frame_box_width(theme, frame, area, "Discard changes?", width, rows as u16 + 3);
        let k = keys(
            app,
            Context::Confirm,
            &[(Command::Confirm, "discard"), (Command::Back, "keep editing")],
        );
        render_with_keys(app, frame, inner, lines, k);
        return;
    }
    if let Some(col) = cursor {
        let y = body.y + u16::try_from(focus_line - scroll).unwrap_or(0);
        let x = (inner.x + u16::try_from(col).unwrap_or(0)).min(inner.right().saturating_sub(1));
        if y < body.bottom() {
            frame.set_cursor_position(Position::new(x, y));
        }
    }
}

/// Greedy word wrap: nothing the operator must read runs off the box.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
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
        // A word longer than the line (an id, a path) breaks where the line ends.
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The plan's totals, per currency and per reason, in aligned columns, and what every row shares.
fn totals_lines(theme: &Theme, p: &Preview, width: usize) -> Vec<Line<'static>> {
    let plan = &p.plan;
    let t = &plan.totals;
    let mut out = vec![Line::styled(
        format!(
            "job {} · {} {} · {} credits in all",
            plan.job,
            t.rows,
            crate::bulk::rows_word(t.rows),
            format_credits(&t.credits)
        ),
        theme.header(),
    )];
    // (what, rows, credits, = amount) per currency, then per reason: one set of columns.
    let mut table: Vec<(String, usize, String, String)> = t
        .by_currency
        .iter()
        .map(|(cur, c)| {
            (
                cur.to_uppercase(),
                c.rows,
                format_credits(&c.credits),
                format!("= {} {}", format_amount(&c.amount, cur), cur.to_uppercase()),
            )
        })
        .collect();
    table.extend(t.by_reason.iter().map(|(reason, r)| {
        (
            crate::api::models::TransactionReason::parse(reason).label(),
            r.rows,
            format_credits(&r.credits),
            String::new(),
        )
    }));
    let what_w = table.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let rows_w = table.iter().map(|r| r.1.to_string().len()).max().unwrap_or(0);
    let credits_w = table.iter().map(|r| r.2.chars().count()).max().unwrap_or(0);
    for (what, rows, credits, amount) in table {
        let line = format!(
            "  {what:<what_w$}  {rows:>rows_w$} {:<4}  {credits:>credits_w$} credits {amount}",
            crate::bulk::rows_word(rows)
        );
        out.push(Line::from(line.trim_end().to_string()));
    }
    let mut shared = Vec::new();
    match &p.expiry {
        Shared::Same(None) => shared.push("no expiry".to_string()),
        Shared::Same(Some(e)) => shared.push(format!("expires {}", e.format("%Y-%m-%d %H:%M UTC"))),
        Shared::Varies => {}
    }
    match &p.priority {
        Shared::Same(None) => shared.push("no priority".to_string()),
        Shared::Same(Some(n)) => shared.push(format!("priority {n}")),
        Shared::Varies => {}
    }
    if let Shared::Same(Some(d)) = &p.description {
        shared.push(format!("description \"{}\"", crate::api::text::clean(d)));
    }
    if let Shared::Same(Some(m)) = &p.metadata {
        shared.push(format!("metadata {}", metadata_text(m)));
    }
    if !shared.is_empty() {
        // Wrapped: a description is as long as the operator made it.
        out.extend(
            wrap(
                &format!("every row: {}", shared.join(" · ")),
                width.saturating_sub(2),
            )
            .into_iter()
            .map(|l| Line::from(format!("  {l}"))),
        );
    }
    out
}

/// `ticket = INC-42, po = 7`.
fn metadata_text(m: &crate::api::models::Metadata) -> String {
    m.iter()
        .map(|(k, v)| {
            crate::app::form::field::metadata_line(&crate::api::text::clean(k), &crate::api::text::clean(v))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Warnings about the whole plan, and how many rows carry their own.
fn warning_lines(theme: &Theme, p: &Preview, width: usize) -> Vec<Line<'static>> {
    let plan = &p.plan;
    let mut texts = Vec::new();
    if !plan.mistakes.is_empty() {
        texts.push(format!(
            "⚠ {} {} ask first: almost always a mistake (typing the total sends them too)",
            plan.mistakes.len(),
            crate::bulk::rows_word(plan.mistakes.len())
        ));
    }
    if p.row_warnings > 0 {
        let n = p.row_warnings;
        texts.push(format!(
            "⚠ {n} {} on rows marked ⚠ (the selected row's is under the table)",
            if n == 1 { "warning" } else { "warnings" }
        ));
    }
    for i in p.general.iter() {
        if let Some(issue) = p.issue(*i) {
            let text = if p.from_marks {
                issue.without_line()
            } else {
                issue.to_string()
            };
            texts.push(format!("⚠ {text}"));
        }
    }
    texts
        .iter()
        .flat_map(|t| wrap(t, width))
        .map(|l| Line::styled(l, theme.error()))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PCol {
    Mark,
    Wallet,
    Customer,
    Credits,
    Amount,
    Reason,
    Expiry,
    Priority,
    Id,
}

/// Column, title, priority (1: always), right-aligned.
const PREVIEW_COLUMNS: [(PCol, &str, u8, bool); 9] = [
    (PCol::Mark, "", 1, false),
    (PCol::Wallet, "Wallet", 1, false),
    (PCol::Customer, "Customer", 1, false),
    (PCol::Credits, "Credits", 1, true),
    // The currency value at the wallet's top-up rate (what the amount column of a CSV means),
    // not the balance's conversion rate.
    (PCol::Amount, "At top-up rate", 2, true),
    (PCol::Reason, "Reason", 1, false),
    (PCol::Expiry, "Expires", 2, false),
    (PCol::Priority, "Priority", 2, true),
    (PCol::Id, "Wallet id", 3, false),
];

fn preview_cell(app: &App, p: &Preview, row: &crate::bulk::plan::PlannedRow, col: PCol) -> String {
    match col {
        // The cursor in words too (a screen without colours, a copied screen), and the rows
        // with something to say.
        PCol::Mark => format!(
            "{}{}",
            if row.index == p.selected { '▶' } else { ' ' },
            if p.issues_of(row.index).next().is_some() {
                '⚠'
            } else {
                ' '
            }
        ),
        // The operator marked names, not ids: the name when the list knows the wallet.
        PCol::Wallet => app
            .table
            .get(&row.wallet_id)
            .map(|r| crate::api::text::clean(r.wallet.display_name()).into_owned())
            .unwrap_or_else(|| row.wallet_id.clone()),
        // Names repeat ("Prepaid Wallet - EUR"): whose wallet it is tells them apart.
        PCol::Customer => app
            .table
            .get(&row.wallet_id)
            .map(|r| app.customer_label(&r.wallet.customer_id))
            .unwrap_or_default(),
        PCol::Credits => format_credits(&row.credits),
        PCol::Amount => format!(
            "{} {}",
            format_amount(&row.amount, &row.currency),
            row.currency.to_uppercase()
        ),
        PCol::Reason => row.request.transaction_reason.label(),
        PCol::Expiry => row
            .request
            .expiry_date_utc
            .map(|e| e.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "never".into()),
        PCol::Priority => row
            .request
            .priority
            .map(|n| n.to_string())
            .unwrap_or_else(|| "none".into()),
        PCol::Id => row.wallet_id.clone(),
    }
}

/// The columns worth showing for these rows in `width`, with each row's cells: a reason,
/// expiry or priority every row shares is said once above the table instead.
struct PreviewTable {
    cols: Vec<(PCol, &'static str, u16, bool)>,
    /// Per column shown, the cells of the rows on screen (figures padded to line up).
    cells: Vec<Vec<String>>,
    spacing: u16,
}

fn preview_table(
    app: &App,
    p: &Preview,
    rows: &[&crate::bulk::plan::PlannedRow],
    width: u16,
) -> PreviewTable {
    let mut candidates = Vec::new();
    let mut kept = Vec::new();
    let mut all_cells = Vec::new();
    for (col, title, priority, right) in PREVIEW_COLUMNS {
        let shown = match col {
            PCol::Reason => p.plan.totals.by_reason.len() > 1,
            PCol::Expiry => p.expiry.varies(),
            PCol::Priority => p.priority.varies(),
            _ => true,
        };
        if !shown {
            continue;
        }
        let mut cells: Vec<String> = rows.iter().map(|r| preview_cell(app, p, r, col)).collect();
        if matches!(col, PCol::Credits | PCol::Amount) {
            fit::align_points(&mut cells);
        }
        let widest = cells
            .iter()
            .map(|c| UnicodeWidthStr::width(c.as_str()))
            .max()
            .unwrap_or(0)
            .max(UnicodeWidthStr::width(title));
        let widest = u16::try_from(widest).unwrap_or(u16::MAX);
        candidates.push(match col {
            PCol::Mark => fit::Candidate::new(2, priority),
            PCol::Wallet => fit::Candidate::text(widest, 12, priority),
            PCol::Customer => fit::Candidate::text(widest, 10, priority),
            _ => fit::Candidate::new(widest, priority),
        });
        kept.push((col, title, right));
        all_cells.push(cells);
    }
    let f = fit::fit(&candidates, width);
    let mut cols = Vec::new();
    let mut cells = Vec::new();
    for (((col, title, right), w), c) in kept.into_iter().zip(f.widths).zip(all_cells) {
        if let Some(w) = w {
            cols.push((col, title, w, right));
            cells.push(c);
        }
    }
    PreviewTable {
        cols,
        cells,
        spacing: f.spacing,
    }
}

/// The selected row in full: where it goes, its key, and every warning it carries.
fn selected_lines(theme: &Theme, p: &Preview, width: usize) -> Vec<Line<'static>> {
    let Some(row) = p.plan.rows.get(p.selected) else {
        return Vec::new();
    };
    let mut about = format!(
        "row {}/{} · {} · {}",
        p.selected + 1,
        p.plan.rows.len(),
        row.wallet_id,
        row.key
    );
    // What differs from row to row and has no column: said for the selected one.
    if p.description.varies()
        && let Some(d) = &row.request.description
    {
        about.push_str(&format!(" · description \"{}\"", crate::api::text::clean(d)));
    }
    if p.metadata.varies()
        && let Some(m) = &row.request.metadata
    {
        about.push_str(&format!(" · metadata {}", metadata_text(m)));
    }
    let mut lines: Vec<Line> = wrap(&about, width)
        .into_iter()
        .map(|l| Line::styled(l, theme.dim()))
        .collect();
    for issue in p.issues_of(row.index) {
        let text = if p.from_marks {
            issue.without_line()
        } else {
            issue.to_string()
        };
        lines.extend(
            wrap(&format!("⚠ {text}"), width)
                .into_iter()
                .map(|l| Line::styled(l, theme.error())),
        );
    }
    lines
}

fn preview(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, p: &Preview) {
    let inner = frame_box_width(
        theme,
        frame,
        area,
        "Bulk top-up · preview",
        area.width,
        area.height,
    );
    let width = usize::from(inner.width);
    let mut head = totals_lines(theme, p, width);
    head.extend(warning_lines(theme, p, width));
    // Under the table, the selected row: its id and key, its warnings, what differs by row and
    // has no column. As many lines as a warning takes when the plan has any (the table does not
    // jump as the cursor moves), more when the row has more to say, up to five.
    let base = if p.row_issues.is_empty() { 1 } else { 3 };
    let mut detail = selected_lines(theme, p, width);
    detail.truncate(5);
    let detail_h = u16::try_from(detail.len().max(base)).unwrap_or(1);
    let ask_h: u16 = if p.mismatch { 2 } else { 1 };
    // The rows keep at least a few lines: the head gives way first.
    let fixed = detail_h + ask_h + 1;
    let min_table = 4u16.min(inner.height.saturating_sub(fixed));
    let head_room = usize::from(inner.height.saturating_sub(fixed + min_table));
    if head.len() > head_room {
        let cut = head.len() - head_room.saturating_sub(1);
        head.truncate(head_room.saturating_sub(1));
        head.push(Line::styled(
            format!("… {cut} more lines: a taller terminal shows them"),
            theme.dim(),
        ));
    }
    let [head_area, table_area, detail_area, ask, foot] = Layout::vertical([
        Constraint::Length(u16::try_from(head.len()).unwrap_or(0)),
        Constraint::Min(0),
        Constraint::Length(detail_h),
        Constraint::Length(ask_h),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head), head_area);

    // The rows: only those on screen are built (a plan may hold a million).
    let visible = usize::from(table_area.height.saturating_sub(1));
    p.rows_shown
        .measure(p.plan.rows.len(), u16::try_from(visible).unwrap_or(u16::MAX));
    let offset =
        crate::app::follow(p.selected, p.offset, visible).min(p.plan.rows.len().saturating_sub(visible));
    let on_screen: Vec<&crate::bulk::plan::PlannedRow> =
        p.plan.rows.iter().skip(offset).take(visible).collect();
    let table = preview_table(app, p, &on_screen, table_area.width);
    let align = |text: String, right: bool| {
        if right {
            Line::from(text).right_aligned()
        } else {
            Line::from(text)
        }
    };
    let header = Row::new(
        table
            .cols
            .iter()
            .map(|(_, title, _, right)| Cell::from(align(title.to_string(), *right))),
    )
    .style(theme.label());
    let rows_focused = p.focus == PreviewFocus::Rows;
    let rows = on_screen.iter().enumerate().map(|(i, r)| {
        let cells = table
            .cols
            .iter()
            .zip(&table.cells)
            .map(|((col, _, w, right), texts)| {
                let text = texts.get(i).cloned().unwrap_or_default();
                let text = match col {
                    PCol::Wallet | PCol::Customer => truncate(&text, usize::from(*w)),
                    PCol::Credits if UnicodeWidthStr::width(text.as_str()) > usize::from(*w) => {
                        crate::money::fit::fit_credits(&r.credits, usize::from(*w))
                    }
                    _ => text,
                };
                let cell = Cell::from(align(text, *right));
                if *col == PCol::Mark {
                    cell.style(theme.error())
                } else {
                    cell
                }
            });
        let row = Row::new(cells);
        if r.index == p.selected {
            row.style(theme.selected(rows_focused))
        } else {
            row
        }
    });
    let widths: Vec<Constraint> = table.cols.iter().map(|c| Constraint::Length(c.2)).collect();
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(table.spacing),
        table_area,
    );
    frame.render_widget(Paragraph::new(detail), detail_area);

    let expected = expected_total(&p.plan);
    let typed = p.typed.value();
    let prompt = format!("Type the total credits ({expected}) to send: ");
    let mut ask_line = vec![
        Span::raw(prompt.clone()),
        Span::styled(format!("{typed} "), theme.selected(!rows_focused)),
    ];
    if rows_focused
        && typed.is_empty()
        && let Some(k) = app.keymap.key_label(Context::Preview, Command::NextField)
    {
        ask_line.push(Span::styled(format!("← {k}, or type the digits"), theme.dim()));
    }
    let mut ask_lines = vec![Line::from(ask_line)];
    if p.mismatch {
        ask_lines.push(Line::styled(
            format!("✖ that is not {expected}: nothing was sent"),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(ask_lines), ask);
    frame.render_widget(Paragraph::new(preview_keys(app, p)), foot);
    if !rows_focused {
        let col = prompt.chars().count() + p.typed.visual_cursor();
        frame.set_cursor_position(Position::new(
            (ask.x + u16::try_from(col).unwrap_or(0)).min(ask.right().saturating_sub(1)),
            ask.y,
        ));
    }
}

/// The preview's key line: moving through the rows while they have the focus.
fn preview_keys(app: &App, p: &Preview) -> Line<'static> {
    let km = &app.keymap;
    let label = |c: Command| km.key_label(Context::Preview, c);
    let mut parts = Vec::new();
    if p.focus == PreviewFocus::Rows {
        if let (Some(d), Some(u)) = (label(Command::Down), label(Command::Up)) {
            parts.push(format!("{d} {u} rows"));
        }
        if let Some(k) = label(Command::PageDown) {
            parts.push(format!("{k} page"));
        }
        if let Some(k) = label(Command::NextField) {
            parts.push(format!("{k} total"));
        }
    } else if let Some(k) = label(Command::NextField) {
        parts.push(format!("{k} rows"));
    }
    if let Some(k) = label(Command::Confirm) {
        parts.push(format!("{k} send"));
    }
    if let Some(k) = label(Command::Back) {
        let back = if p.form.is_some() {
            "back to the form"
        } else {
            "close"
        };
        parts.push(format!("{k} {back}"));
    }
    Line::from(format!(" {}", parts.join(" · ")))
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
                    format!(
                        "every row was accepted; {} pending until paid",
                        flexprice_wire::words::count(n, "invoiced top-up stays", "invoiced top-ups stay")
                    ),
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
