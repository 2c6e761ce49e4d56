//! Balance and credits summed per currency over the wallets in view (the list's bottom edge
//! and `:totals`). Worked out again only when the view's wallets or their data change, never
//! per frame: 100,000 rows are summed once per change, not once per draw.

use flexprice_wire::models::Wallet;
use rust_decimal::Decimal;

use super::table::WalletTable;
use super::{App, FlashKind, OverlayKind};
use flexprice_wire::money::{format_amount, format_credits};
use flexprice_wire::text::clean;

/// One currency's sums. A sum that overflows `Decimal` is `None` and is shown as such, never
/// as a wrapped or rounded number.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyTotal {
    pub currency: String,
    pub wallets: usize,
    pub balance: Option<Decimal>,
    pub credits: Option<Decimal>,
    /// Wallets past the freshness contract or whose refresh failed (what the list marks `!`):
    /// their figures are the last ones seen.
    pub stale: usize,
}

/// What the figures were summed over: the table's data (its address and version), the
/// filter, the view's length and how many wallets are stale. When none of these moved, the
/// sums still hold.
type Key = (usize, u64, Option<String>, usize, usize);

#[derive(Debug, Clone, Default)]
pub struct ViewTotals {
    key: Option<Key>,
    /// Most wallets first, then by code.
    pub currencies: Vec<CurrencyTotal>,
    /// Wallets summed (the view's length).
    pub wallets: usize,
}

impl ViewTotals {
    /// Sums the view again if it changed since the last time. Stale rows are counted as the
    /// list marks them (`App::is_stale`), so the edge never calls fresh what a row marks `!`.
    pub fn refresh(&mut self, app: &App) {
        let table: &WalletTable = &app.table;
        let data = table.shared();
        let key = (
            std::sync::Arc::as_ptr(&data) as usize,
            data.version,
            table.filter.as_ref().map(|f| f.text.clone()),
            table.view().len(),
            app.stale_count,
        );
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let rows = table.view().iter().filter_map(|&i| table.rows.get(i as usize));
        let any_stale = app.stale_count > 0;
        self.currencies = sum(rows.map(|r| (&*r.wallet, any_stale && app.is_stale(r))));
        self.wallets = table.view().len();
        self.key = Some(key);
    }
}

impl App {
    /// `:totals`: every currency's sums, whole, in the message log (the list's edge shows
    /// what fits).
    pub(super) fn show_totals(&mut self) {
        let t = &self.totals;
        let scope = match &self.table.filter {
            Some(f) => format!("the {} wallets matching /{}", t.wallets, f.text),
            None => format!("all {} wallets", t.wallets),
        };
        let n = t.currencies.len();
        let mut lines = vec![format!(
            "Totals over {scope}: {n} {}",
            if n == 1 { "currency" } else { "currencies" }
        )];
        let too_large = || "out of range".to_string();
        for c in &t.currencies {
            let cur = clean(&c.currency).to_uppercase();
            let mut line = format!(
                "{cur}: {} wallets · balance {} · credits {}",
                c.wallets,
                c.balance
                    .as_ref()
                    .map_or_else(too_large, |d| format!("{} {cur}", format_amount(d, &c.currency))),
                c.credits.as_ref().map_or_else(too_large, format_credits),
            );
            if c.stale > 0 {
                line.push_str(&format!(
                    " · {} of them stale (their last figures are counted)",
                    c.stale
                ));
            }
            lines.push(line);
        }
        // The log shows the newest first: the heading goes in last to stand on top.
        for line in lines.into_iter().rev() {
            self.messages.push(self.clock, FlashKind::Info, line, true);
        }
        if self.overlays.top_kind() != Some(OverlayKind::Messages) {
            self.toggle_layer(OverlayKind::Messages);
        }
    }
}

/// Sums per currency (checked: an overflow makes that sum `None` for good).
pub fn sum<'a>(wallets: impl Iterator<Item = (&'a Wallet, bool)>) -> Vec<CurrencyTotal> {
    let mut out: Vec<CurrencyTotal> = Vec::new();
    for (w, stale) in wallets {
        let i = match out.iter().position(|t| t.currency == w.currency) {
            Some(i) => i,
            None => {
                out.push(CurrencyTotal {
                    currency: w.currency.clone(),
                    wallets: 0,
                    balance: Some(Decimal::ZERO),
                    credits: Some(Decimal::ZERO),
                    stale: 0,
                });
                out.len() - 1
            }
        };
        let t = &mut out[i];
        t.wallets += 1;
        t.stale += usize::from(stale);
        t.balance = t.balance.and_then(|b| b.checked_add(w.balance));
        t.credits = t.credits.and_then(|c| c.checked_add(w.credit_balance));
    }
    out.sort_by(|a, b| {
        b.wallets
            .cmp(&a.wallets)
            .then_with(|| a.currency.cmp(&b.currency))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("a decimal")
    }

    fn wallet(currency: &str, balance: Decimal, credits: Decimal) -> Wallet {
        Wallet {
            currency: currency.into(),
            balance,
            credit_balance: credits,
            ..Default::default()
        }
    }

    #[test]
    fn sums_per_currency_most_wallets_first() {
        let ws = [
            wallet("usd", dec("10.25"), dec("10.25")),
            wallet("eur", dec("1"), dec("2")),
            wallet("usd", dec("0.005"), dec("0.01")),
        ];
        let t = sum(ws.iter().map(|w| (w, false)));
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].currency, "usd");
        assert_eq!(t[0].wallets, 2);
        assert_eq!(t[0].balance, Some(dec("10.255")));
        assert_eq!(t[0].credits, Some(dec("10.26")));
        assert_eq!(t[1].currency, "eur");
        assert_eq!(t[1].balance, Some(dec("1")));
    }

    #[test]
    fn an_overflow_is_no_figure_not_a_wrong_one() {
        let ws = [
            wallet("usd", Decimal::MAX, dec("1")),
            wallet("usd", Decimal::MAX, dec("1")),
            wallet("usd", dec("1"), dec("1")),
        ];
        let t = sum(ws.iter().map(|w| (w, true)));
        assert_eq!(t[0].balance, None);
        assert_eq!(t[0].credits, Some(dec("3")));
        assert_eq!(t[0].stale, 3);
    }

    #[test]
    fn the_totals_follow_the_filter_and_the_data() {
        use crate::app::Action;
        let (mut app, now) = crate::app::tests::loaded(3);
        // Balances 1000, 999 and 998, all usd.
        assert_eq!(app.totals.wallets, 3);
        assert_eq!(app.totals.currencies[0].balance, Some(dec("2997")));
        app.apply_filter("balance<999").expect("a filter");
        app.update(Action::Tick {
            now,
            clock: app.clock,
        });
        assert_eq!(app.totals.wallets, 1);
        assert_eq!(app.totals.currencies[0].balance, Some(dec("998")));
        app.apply_filter("").expect("no filter");
        let mut w = crate::app::tests::wallet("w001", "Wallet 001", "5");
        w.currency = "eur".into();
        app.update(Action::WalletsRefreshed {
            generation: app.live.rows_generation,
            ids: vec!["w001".into()],
            result: Ok(vec![w]),
        });
        let eur = app.totals.currencies.iter().find(|c| c.currency == "eur");
        assert_eq!(eur.map(|c| c.balance), Some(Some(dec("5"))));
        assert_eq!(app.totals.currencies[0].balance, Some(dec("1998")));
    }

    #[test]
    fn the_totals_command_logs_every_currency_whole() {
        let (mut app, _) = crate::app::tests::loaded(2);
        let effects = app.run_verb(crate::app::palette::Verb::Totals, "");
        assert!(effects.is_empty());
        assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Messages));
        let texts: Vec<&str> = app.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts[0], "Totals over all 2 wallets: 1 currency");
        assert_eq!(
            texts[1],
            "USD: 2 wallets · balance 1,999.00 USD · credits 1,999.00"
        );
    }

    /// As seen at 80x24 with the sandbox failing every call: the overview said `116 stale`
    /// and every row had its `!`, while the totals said `11 not refreshed` (only the rows whose
    /// own fetch had failed).
    #[test]
    fn the_totals_count_stale_wallets_as_the_list_marks_them() {
        use crate::app::Action;
        let (mut app, now) = crate::app::tests::loaded(3);
        assert_eq!(app.totals.currencies[0].stale, 0);
        let later = now + std::time::Duration::from_secs(3600);
        app.update(Action::Tick {
            now: later,
            clock: app.clock + chrono::TimeDelta::hours(1),
        });
        assert_eq!(app.stale_count, 3);
        assert_eq!(app.totals.currencies[0].stale, 3);
    }
}
