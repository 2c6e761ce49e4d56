//! The wallet detail pane: balances, the free/purchased breakdown, alerts, auto top-up, rates,
//! metadata and record fields, grouped so an operator sees everything at once.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use rust_decimal::Decimal;

use crate::api::models::{AlertState, Wallet};
use crate::app::App;
use crate::money::{format_amount, format_credits};
use crate::ui::Theme;
use crate::ui::list::{age, spinner};
use crate::ui::theme::alert_label;

const LABEL_WIDTH: usize = 20;

/// A labelled value; both may come from the API (metadata keys and values), so both pass the
/// one sanitiser.
fn kv<'a>(theme: &Theme, label: &str, value: impl Into<Span<'a>>) -> Line<'a> {
    let mut value: Span<'a> = value.into();
    if let std::borrow::Cow::Owned(cleaned) = crate::api::text::clean(&value.content) {
        value.content = cleaned.into();
    }
    let label = crate::api::text::clean(label);
    Line::from(vec![
        Span::styled(format!("  {label:<LABEL_WIDTH$}"), theme.label()),
        value,
    ])
}

fn section<'a>(theme: &Theme, title: &str, extra: Vec<Span<'a>>) -> Line<'a> {
    let mut spans = vec![Span::styled(format!("── {title} "), theme.section())];
    spans.extend(extra);
    Line::from(spans)
}

fn money(d: &Decimal, currency: &str) -> String {
    format!("{} {}", format_amount(d, currency), currency.to_uppercase())
}

/// `████████░░░░` with `width` cells, the purchased share first.
pub fn proportion_bar(purchased: Decimal, free: Decimal, width: usize) -> (String, String) {
    let share = purchased
        .checked_add(free)
        .filter(|total| *total > Decimal::ZERO && width > 0)
        .and_then(|total| purchased.checked_div(total))
        .and_then(|p| p.checked_mul(Decimal::from(width as u64)));
    let Some(share) = share.map(|s| s.round()) else {
        return (String::new(), "·".repeat(width));
    };
    let filled = share.to_string().parse::<usize>().unwrap_or(0).min(width);
    ("█".repeat(filled), "▒".repeat(width - filled))
}

/// `part` of `total` in percent; `total` is `None` when it could not be computed.
fn percent(part: Decimal, total: Option<Decimal>) -> String {
    let Some(total) = total else {
        return crate::money::OUT_OF_RANGE.into();
    };
    if total <= Decimal::ZERO {
        return "—".into();
    }
    match part
        .checked_div(total)
        .and_then(|p| p.checked_mul(Decimal::ONE_HUNDRED))
    {
        Some(p) => format!("{}%", p.round_dp(0)),
        None => crate::money::OUT_OF_RANGE.into(),
    }
}

pub fn lines<'a>(app: &App, theme: &Theme, w: &'a Wallet, width: u16) -> Vec<Line<'a>> {
    let cur = w.currency.as_str();
    let rt = app.balances.get(&w.id).map(|(b, _)| b);
    let mut out = vec![
        Line::from(vec![
            Span::styled(
                crate::api::text::clean(w.display_name()).into_owned(),
                theme.header(),
            ),
            Span::raw(format!("  [{} · {}]", w.wallet_status, w.wallet_type)),
        ]),
        kv(theme, "id", w.id.as_str()),
    ];
    // Whose wallet: the name and external id when the customer list has them, the id always.
    if let Some(c) = app.customer(&w.customer_id) {
        if !c.name.is_empty() {
            out.push(kv(theme, "customer", c.name.clone()));
        }
        if !c.external_id.is_empty() {
            out.push(kv(theme, "external id", c.external_id.clone()));
        }
    }
    out.push(kv(theme, "customer id", w.customer_id.as_str()));
    if let Some(d) = w.description.as_deref().filter(|d| !d.is_empty()) {
        out.push(kv(theme, "description", d));
    }

    let loading = if app.balance_pending() {
        format!(" {}", spinner(app.spinner))
    } else {
        String::new()
    };
    out.push(section(
        theme,
        "Balances",
        vec![Span::styled(loading, theme.dim())],
    ));
    out.push(kv(theme, "balance", money(&w.balance, cur)));
    out.push(kv(
        theme,
        "credit balance",
        format!("{} credits", format_credits(&w.credit_balance)),
    ));
    match rt {
        Some(b) => {
            let mut spans = vec![Span::raw(
                b.real_time_balance
                    .map(|d| money(&d, cur))
                    .unwrap_or_else(|| "—".into()),
            )];
            if b.is_cached_fallback == Some(true) {
                spans.push(Span::styled("  ⚠ cached fallback", theme.error()));
            }
            out.push(Line::from(
                std::iter::once(Span::styled(
                    format!("  {:<LABEL_WIDTH$}", "real-time balance"),
                    theme.label(),
                ))
                .chain(spans)
                .collect::<Vec<_>>(),
            ));
            if let Some(c) = b.real_time_credit_balance {
                out.push(kv(
                    theme,
                    "real-time credits",
                    format!("{} credits", format_credits(&c)),
                ));
            }
            if let Some(u) = b.current_period_usage {
                out.push(kv(theme, "current usage", money(&u, cur)));
            }
            out.push(kv(
                theme,
                "unpaid invoices",
                b.unpaid_invoices_amount
                    .map(|u| money(&u, cur))
                    .unwrap_or_else(|| "—".into()),
            ));
        }
        None => out.push(kv(
            theme,
            "real-time balance",
            Span::styled("loading…", theme.dim()),
        )),
    }

    out.push(section(theme, "Credits available", vec![]));
    match rt
        .and_then(|b| b.credits_available_breakdown.as_ref())
        .or(w.credits_available_breakdown.as_ref())
    {
        Some(b) => {
            let total = b.purchased.checked_add(b.free);
            out.push(kv(
                theme,
                "purchased",
                format!(
                    "{} credits  {}",
                    format_credits(&b.purchased),
                    percent(b.purchased, total)
                ),
            ));
            out.push(kv(
                theme,
                "free",
                format!("{} credits  {}", format_credits(&b.free), percent(b.free, total)),
            ));
            let bar_width = (width as usize).saturating_sub(LABEL_WIDTH + 4).min(40);
            let (p, f) = proportion_bar(b.purchased, b.free, bar_width);
            out.push(Line::from(vec![
                Span::styled(format!("  {:<LABEL_WIDTH$}", "purchased █ free ▒"), theme.label()),
                Span::styled(p, theme.bar_purchased()),
                Span::styled(f, theme.bar_free()),
            ]));
        }
        None if rt.is_some() => out.push(kv(theme, "breakdown", "not reported for this wallet")),
        None => out.push(kv(theme, "breakdown", Span::styled("loading…", theme.dim()))),
    }

    let alert = w.alert_view();
    out.push(section(
        theme,
        "Alert",
        vec![
            Span::styled(alert_label(&alert.state), theme.alert(&alert.state)),
            Span::raw(if alert.enabled {
                "  (enabled)"
            } else {
                "  (disabled)"
            }),
        ],
    ));
    for (state, name) in [
        (AlertState::InAlarm, "critical"),
        (AlertState::Warning, "warning"),
        (AlertState::Info, "info"),
    ] {
        let value = match alert.level(&state) {
            Some(l) => format!("{} {} credits", l.condition.words(), format_credits(&l.threshold)),
            None => "—".into(),
        };
        out.push(kv(theme, name, value));
    }
    if let Some(legacy) = &w.alert_config {
        let t = legacy.threshold.as_ref();
        let text = format!(
            "threshold {} {}",
            t.and_then(|t| t.kind.clone()).unwrap_or_else(|| "?".into()),
            t.and_then(|t| t.value)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "—".into())
        );
        out.push(kv(theme, "legacy alert_config", text));
    }

    out.push(section(theme, "Auto top-up", vec![]));
    match w.effective_auto_topup() {
        Some(a) => {
            out.push(kv(theme, "enabled", if a.enabled { "yes" } else { "no" }));
            out.push(kv(
                theme,
                "threshold",
                a.threshold
                    .map(|t| format!("{} credits", format_credits(&t)))
                    .unwrap_or_else(|| "—".into()),
            ));
            out.push(kv(
                theme,
                "amount",
                a.amount
                    .map(|t| format!("{} credits", format_credits(&t)))
                    .unwrap_or_else(|| "—".into()),
            ));
            out.push(kv(
                theme,
                "invoicing",
                if a.invoicing {
                    "yes (pending until paid)"
                } else {
                    "no (credited at once)"
                },
            ));
            let cooldown = a
                .cooldown
                .map(|c| format!("{} {}(s)", c.value, c.unit))
                .unwrap_or_else(|| "none".into());
            out.push(kv(theme, "cooldown", cooldown));
        }
        None => out.push(kv(theme, "auto top-up", "not configured")),
    }

    out.push(section(theme, "Rates", vec![]));
    out.push(kv(
        theme,
        "conversion",
        format!("1 credit = {}", money(&w.conversion_rate, cur)),
    ));
    out.push(kv(
        theme,
        "top-up conversion",
        format!("1 credit = {}", money(&w.topup_rate(), cur)),
    ));
    let types = w
        .config
        .as_ref()
        .and_then(|c| c.allowed_price_types.as_ref())
        .map(|t| t.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|| "—".into());
    out.push(kv(theme, "allowed price types", types));

    // Next to the chart at the pane's bottom, after what the screens above it showed first.
    let (note, runway) = crate::ui::runway::figures(app, w);
    out.push(section(theme, "Runway", vec![Span::styled(note, theme.dim())]));
    for (label, value) in runway {
        out.push(kv(theme, &label, value));
    }
    // Room for the chart, drawn over these rows when they are on screen (`render`).
    if app.table.runway.figures.is_some() && width >= CHART_MIN_WIDTH {
        out.push(section(theme, crate::ui::runway::CHART_TITLE, vec![]));
        out.extend((1..crate::ui::runway::CHART_HEIGHT).map(|_| Line::from("")));
    }

    out.push(section(theme, "Metadata", vec![]));
    match w.metadata.as_ref().filter(|m| !m.is_empty()) {
        Some(m) => out.extend(m.iter().map(|(k, v)| kv(theme, k, v))),
        None => out.push(Line::styled("  none", theme.dim())),
    }

    out.push(section(theme, "Record", vec![]));
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| {
            format!(
                "{} ({} ago)",
                t.format("%Y-%m-%d %H:%M:%S UTC"),
                age(Some(t), app.clock)
            )
        })
        .unwrap_or_else(|| "—".into())
    };
    out.push(kv(theme, "created", when(w.created_at)));
    out.push(kv(theme, "updated", when(w.updated_at)));
    for (label, value) in [
        ("created by", &w.created_by),
        ("updated by", &w.updated_by),
        ("environment", &w.environment_id),
        ("tenant", &w.tenant_id),
    ] {
        if let Some(v) = value {
            out.push(kv(theme, label, v.as_str()));
        }
    }
    out
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect, focused: bool) {
    let block = Block::bordered()
        .border_style(theme.border(focused))
        .title(Line::styled(" Wallet ", theme.header()));
    let Some(w) = app.selected_wallet() else {
        frame.render_widget(Paragraph::new("No wallet selected.").block(block), area);
        return;
    };
    let inner = block.inner(area);
    let inner_width = inner.width;
    let text = hang(lines(app, theme, w, inner_width), inner_width);
    // The runway's chart goes over the blank rows kept for it under its title, when they are
    // all on screen: it scrolls with the text, and pushes nothing out of the first screen.
    let chart_at = text.iter().position(|l| {
        l.to_string()
            .starts_with(&format!("── {}", crate::ui::runway::CHART_TITLE))
    });
    // Every line fits the width after `hang`: the rows are the lines. The scroll stops where
    // the last line reaches the bottom.
    app.extents.detail.measure(text.len(), inner.height);
    let scroll = app.extents.detail.clamp(app.detail_scroll);
    let para = Paragraph::new(text)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(para.style(Style::default()), area);
    let rows = crate::ui::runway::CHART_HEIGHT - 1;
    if let Some(at) = chart_at.and_then(|i| u16::try_from(i + 1).ok())
        && at >= scroll
        && at - scroll + rows <= inner.height
    {
        let c = Rect::new(inner.x, inner.y + (at - scroll), inner.width, rows);
        crate::ui::runway::chart(app, theme, frame, c, w);
    }
}

/// Narrower than this, the chart is left out (its axis labels take a dozen columns).
const CHART_MIN_WIDTH: u16 = 30;

/// Where a labelled value starts (two spaces, then the label column).
const VALUE_AT: usize = LABEL_WIDTH + 2;

/// Lines too long for `width` wrapped under themselves, never back to column 0: a labelled
/// value continues under its value column, or, when a word of it (an id) would not fit there,
/// on lines of its own indented under the label; other lines indent two. Words are broken
/// only when wider than a whole line.
pub fn hang(lines: Vec<Line<'_>>, width: u16) -> Vec<Line<'_>> {
    let width = usize::from(width);
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width || width < 8 {
            out.push(line);
            continue;
        }
        // A labelled value, in a pane wide enough for its label and a few cells more.
        let labelled = width >= VALUE_AT + 4
            && line
                .spans
                .first()
                .is_some_and(|s| s.content.chars().count() == VALUE_AT && s.content.starts_with("  "));
        let cells: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
            .collect();
        let blank = |n: usize| vec![(' ', Style::default()); n];
        let (mut current, body, indent) = if labelled {
            let (label, body) = cells.split_at(VALUE_AT);
            let longest = body.split(|(c, _)| *c == ' ').map(cells_width).max().unwrap_or(0);
            if VALUE_AT + longest <= width {
                (label.to_vec(), body, VALUE_AT)
            } else {
                // The label alone, the value below it.
                let end = label.iter().rposition(|(c, _)| *c != ' ').map_or(0, |i| i + 1);
                out.push(Line::from(spans_of(&label[..end])).style(line.style));
                (blank(4), body, 4)
            }
        } else {
            (Vec::new(), &cells[..], 2)
        };
        let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
        for word in words(body) {
            let fits = cells_width(&current) + cells_width(word) <= width;
            let empty = current.iter().all(|(c, _)| *c == ' ');
            if !fits && !empty {
                while current.last().is_some_and(|(c, _)| *c == ' ') {
                    current.pop();
                }
                rows.push(std::mem::take(&mut current));
                current = blank(indent);
                // A space that broke the line is not carried over.
                if word.iter().all(|(c, _)| *c == ' ') {
                    continue;
                }
            }
            // A word wider than a whole line is broken where the line ends.
            for &cell in word {
                if cells_width(&current) + char_width(cell.0) > width
                    && !current.iter().all(|(c, _)| *c == ' ')
                {
                    rows.push(std::mem::take(&mut current));
                    current = blank(indent);
                }
                current.push(cell);
            }
        }
        rows.push(current);
        out.extend(
            rows.into_iter()
                .map(|r| Line::from(spans_of(&r)).style(line.style)),
        );
    }
    out
}

fn char_width(c: char) -> usize {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Columns the cells take on screen (a wide character takes two).
fn cells_width(cells: &[(char, Style)]) -> usize {
    cells.iter().map(|(c, _)| char_width(*c)).sum()
}

/// Words and the spaces between them, each a run of cells.
fn words(cells: &[(char, Style)]) -> Vec<&[(char, Style)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=cells.len() {
        let boundary = i == cells.len() || (cells[i].0 == ' ') != (cells[i - 1].0 == ' ');
        if boundary && start < i {
            out.push(&cells[start..i]);
            start = i;
        }
    }
    out
}

/// Cells back to spans, one per run of one style.
fn spans_of(cells: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    for &(c, style) in cells {
        match spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push(c),
            _ => spans.push(Span::styled(c.to_string(), style)),
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wide_characters_and_narrow_panes_stay_inside_the_width() {
        let theme = Theme::sixteen();
        let lines = vec![
            kv(&theme, "customer", "株式会社テスト 株式会社テスト 株式会社テスト"),
            kv(&theme, "id", "wallet_01KW9M0AG1Q1M36YV4A8MRYX2W"),
            Line::from("a header line that is longer than the pane is wide"),
        ];
        for width in [8u16, 12, 21, 30, 46] {
            for l in hang(lines.clone(), width) {
                assert!(l.width() <= usize::from(width), "{width}: {l:?}");
            }
        }
    }

    #[test]
    fn a_long_id_goes_under_its_label_whole() {
        let theme = Theme::sixteen();
        let id = "wallet_01KW9M0AG1Q1M36YV4A8MRYX2W";
        let out = hang(vec![kv(&theme, "id", id)], 46);
        assert_eq!(text(&out), ["  id", &format!("    {id}")]);
    }

    #[test]
    fn a_long_description_continues_under_its_value() {
        let theme = Theme::sixteen();
        let out = hang(
            vec![kv(
                &theme,
                "description",
                "credits for the spring campaign of the EU team",
            )],
            46,
        );
        assert_eq!(
            text(&out),
            [
                "  description         credits for the spring",
                "                      campaign of the EU team",
            ]
        );
        for l in &out {
            assert!(l.width() <= 46, "{l}");
        }
    }
    use std::str::FromStr;

    #[test]
    fn bar_is_proportional() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            proportion_bar(d("75"), d("25"), 8),
            ("██████".into(), "▒▒".into())
        );
        assert_eq!(proportion_bar(d("0"), d("0"), 4), (String::new(), "····".into()));
        assert_eq!(proportion_bar(d("1"), d("0"), 3), ("███".into(), String::new()));
    }
}
