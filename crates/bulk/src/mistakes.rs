//! Writes that are almost always mistakes, asked about before anything is sent: the same rules,
//! the same words, in the console's top-up form and in bulk (console and CLI).
//!
//! - the wallet is closed, or not active (frozen);
//! - the operator named a currency unlike the wallet's;
//! - the credits are far above the wallet's usual top-ups: more than [`FAR_ABOVE`] times the
//!   median of its last [`USUAL_OF`] top-ups (credit transactions with a top-up reason), when it
//!   has at least [`USUAL_AT_LEAST`] of them.

use std::fmt;

use rust_decimal::Decimal;

use flexprice_wire::models::{Transaction, TransactionType, Wallet, WalletStatus};
use flexprice_wire::money::format_credits;

/// "Far above usual": more than this many times the median of the last top-ups.
pub const FAR_ABOVE: Decimal = Decimal::TEN;
/// How many of the wallet's latest top-ups make its "usual".
pub const USUAL_OF: usize = 20;
/// Fewer top-ups than this and there is no "usual" to compare with.
pub const USUAL_AT_LEAST: usize = 3;

/// A wallet's usual top-up: the median credits of its latest top-ups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usual {
    pub median: Decimal,
    /// How many top-ups the median is of.
    pub count: usize,
}

impl Usual {
    /// From the wallet's ledger, newest first: its credit transactions with a top-up reason
    /// (the latest [`USUAL_OF`]). `None` with fewer than [`USUAL_AT_LEAST`].
    pub fn of(ledger: &[Transaction]) -> Option<Usual> {
        let mut credits: Vec<Decimal> = ledger
            .iter()
            .filter(|t| t.tx_type == TransactionType::Credit && t.transaction_reason.is_top_up_reason())
            .map(|t| t.credit_amount)
            .filter(|c| *c > Decimal::ZERO)
            .take(USUAL_OF)
            .collect();
        if credits.len() < USUAL_AT_LEAST {
            return None;
        }
        credits.sort();
        let mid = credits.len() / 2;
        let median = if credits.len() % 2 == 1 {
            credits[mid]
        } else {
            // The lower of the middle two: a sum of two figures from outside could overflow.
            credits[mid - 1]
        };
        Some(Usual {
            median,
            count: credits.len(),
        })
    }

    /// What "far above" starts at; `None` when it cannot be computed (then nothing is far above).
    pub fn limit(&self) -> Option<Decimal> {
        self.median.checked_mul(FAR_ABOVE)
    }
}

impl fmt::Display for Usual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "usual is {} credits, the median of its last {} top-ups",
            format_credits(&self.median),
            self.count
        )
    }
}

/// One reason to ask first.
#[derive(Debug, Clone, PartialEq)]
pub enum Mistake {
    Closed,
    NotActive(String),
    Currency { given: String, wallet: String },
    FarAboveUsual { credits: Decimal, usual: Usual },
}

impl fmt::Display for Mistake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mistake::Closed => write!(
                f,
                "the wallet is closed: crediting a closed wallet is almost always a mistake"
            ),
            Mistake::NotActive(status) => write!(f, "the wallet is {status}: is a top-up what it needs?"),
            Mistake::Currency { given, wallet } => write!(
                f,
                "{} is not the wallet's currency ({}): amounts are in the wallet's currency",
                given.to_uppercase(),
                wallet.to_uppercase()
            ),
            Mistake::FarAboveUsual { credits, usual } => write!(
                f,
                "{} credits is more than {FAR_ABOVE} times the wallet's usual top-up ({usual})",
                format_credits(credits)
            ),
        }
    }
}

/// Every reason to ask before crediting `wallet` with `credits`; `currency` is the one the
/// operator named, if any; `usual` the wallet's usual top-up, if known.
pub fn check(
    wallet: &Wallet,
    credits: Decimal,
    currency: Option<&str>,
    usual: Option<&Usual>,
) -> Vec<Mistake> {
    let mut found = Vec::new();
    match &wallet.wallet_status {
        WalletStatus::Active => {}
        WalletStatus::Closed => found.push(Mistake::Closed),
        other => found.push(Mistake::NotActive(other.to_string())),
    }
    if let Some(given) = currency
        && !given.eq_ignore_ascii_case(&wallet.currency)
    {
        found.push(Mistake::Currency {
            given: given.to_string(),
            wallet: wallet.currency.clone(),
        });
    }
    if let Some(u) = usual
        && u.limit().is_some_and(|limit| credits > limit)
    {
        found.push(Mistake::FarAboveUsual { credits, usual: *u });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexprice_wire::models::TransactionReason;

    fn tx(credits: &str, reason: TransactionReason, tx_type: TransactionType) -> Transaction {
        Transaction {
            tx_type,
            credit_amount: credits.parse().unwrap(),
            transaction_reason: reason,
            ..Default::default()
        }
    }

    fn wallet(status: WalletStatus) -> Wallet {
        Wallet {
            id: "w".into(),
            currency: "usd".into(),
            wallet_status: status,
            ..Default::default()
        }
    }

    #[test]
    fn usual_is_the_median_of_the_latest_top_ups_only() {
        let direct = TransactionReason::PurchasedCreditDirect;
        let mut ledger = vec![
            tx("100", direct.clone(), TransactionType::Credit),
            tx("9999", TransactionReason::InvoicePayment, TransactionType::Debit),
            tx("50", TransactionReason::FreeCreditGrant, TransactionType::Credit),
        ];
        assert_eq!(Usual::of(&ledger), None, "two top-ups are not a habit");
        ledger.push(tx("70", direct.clone(), TransactionType::Credit));
        assert_eq!(Usual::of(&ledger).unwrap().median, Decimal::from(70));
        // Only the latest 20 count.
        let mut long: Vec<Transaction> = (0..20)
            .map(|_| tx("10", direct.clone(), TransactionType::Credit))
            .collect();
        long.extend((0..30).map(|_| tx("1000", direct.clone(), TransactionType::Credit)));
        let u = Usual::of(&long).unwrap();
        assert_eq!((u.median, u.count), (Decimal::from(10), 20));
    }

    #[test]
    fn each_mistake_is_found_and_said() {
        let usual = Usual {
            median: Decimal::from(50),
            count: 12,
        };
        let active = wallet(WalletStatus::Active);
        assert!(check(&active, Decimal::from(500), Some("USD"), Some(&usual)).is_empty());
        let found = check(&active, Decimal::from(501), Some("eur"), Some(&usual));
        let words: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(words.len(), 2, "{words:?}");
        assert!(
            words[0].contains("EUR is not the wallet's currency (USD)"),
            "{words:?}"
        );
        assert!(
            words[1].contains("501.00 credits is more than 10 times the wallet's usual top-up (usual is 50.00 credits, the median of its last 12 top-ups)"),
            "{words:?}"
        );
        assert_eq!(
            check(&wallet(WalletStatus::Closed), Decimal::ONE, None, None),
            vec![Mistake::Closed]
        );
        assert!(matches!(
            check(&wallet(WalletStatus::Frozen), Decimal::ONE, None, None).as_slice(),
            [Mistake::NotActive(s)] if s == "frozen"
        ));
        // A usual at Decimal's maximum cannot be multiplied: nothing is far above it.
        let huge = Usual {
            median: Decimal::MAX,
            count: 3,
        };
        assert!(check(&active, Decimal::MAX, None, Some(&huge)).is_empty());
    }
}
