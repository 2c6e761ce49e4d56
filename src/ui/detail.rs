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
        kv(theme, "customer", w.customer_id.as_str()),
    ];
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
    let inner_width = block.inner(area).width;
    let text = lines(app, theme, w, inner_width);
    let para = Paragraph::new(text)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((app.detail_scroll, 0));
    frame.render_widget(para.style(Style::default()), area);
}

#[cfg(test)]
mod tests {
    use super::*;
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
