//! The timeline's totals strip: money moved per currency and per reason, over the transactions
//! shown (the filter applied). Completed transactions move money; pending ones (an invoiced
//! top-up waiting for payment) are summed apart; failed ones are counted only. Decimal with
//! checked arithmetic: a sum that overflows says so instead of wrapping.

use rust_decimal::Decimal;

use flexprice_wire::models::{Transaction, TransactionReason, TransactionStatus, TransactionType};

/// One currency's movement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrencyTotal {
    /// Lower-case currency code.
    pub currency: String,
    /// Completed credits, in the currency (positive).
    pub credited: Decimal,
    /// Completed debits, in the currency (positive).
    pub debited: Decimal,
    /// Pending credits, in the currency (not in the balance yet).
    pub pending: Decimal,
    pub count: usize,
    /// A sum of this currency went past what a Decimal holds: its figures are not whole.
    pub overflow: bool,
}

impl CurrencyTotal {
    /// Credited minus debited (`None`: too large to say).
    pub fn net(&self) -> Option<Decimal> {
        if self.overflow {
            return None;
        }
        self.credited.checked_sub(self.debited)
    }
}

/// One reason's movement in one currency: signed (debits negative), completed only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonTotal {
    pub reason: TransactionReason,
    pub currency: String,
    pub net: Decimal,
    pub count: usize,
    /// `net` went past what a Decimal holds: not a figure to show.
    pub overflow: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    /// By currency code.
    pub currencies: Vec<CurrencyTotal>,
    /// Most transactions first.
    pub reasons: Vec<ReasonTotal>,
    pub count: usize,
    /// A sum went past what a Decimal holds: the figures shown are not whole.
    pub overflow: bool,
}

/// Adds `d` to `to`; past what a Decimal holds, `to` stays and both flags say so.
fn add(to: &mut Decimal, d: Decimal, own: &mut bool, any: &mut bool) {
    match to.checked_add(d) {
        Some(s) => *to = s,
        None => {
            *own = true;
            *any = true;
        }
    }
}

impl Totals {
    /// Sums `txs` (each with its currency, lower-case).
    pub fn of<'a>(txs: impl IntoIterator<Item = (&'a Transaction, &'a str)>) -> Totals {
        let mut t = Totals::default();
        for (tx, currency) in txs {
            t.count += 1;
            let at = match t.currencies.iter().position(|c| c.currency == currency) {
                Some(i) => i,
                None => {
                    t.currencies.push(CurrencyTotal {
                        currency: currency.to_string(),
                        ..Default::default()
                    });
                    t.currencies.len() - 1
                }
            };
            let Some(c) = t.currencies.get_mut(at) else {
                continue;
            };
            c.count += 1;
            // Signed as the row shows it (`signed_amount`): a debit out, a credit in as sent
            // (a negative credit from a broken API is not counted as money in).
            let debit = tx.tx_type == TransactionType::Debit;
            let amount = if debit { tx.amount.abs() } else { tx.amount };
            match &tx.transaction_status {
                TransactionStatus::Completed => {
                    add(
                        if debit { &mut c.debited } else { &mut c.credited },
                        amount,
                        &mut c.overflow,
                        &mut t.overflow,
                    );
                }
                TransactionStatus::Pending if !debit => {
                    add(&mut c.pending, amount, &mut c.overflow, &mut t.overflow)
                }
                _ => continue,
            }
            if tx.transaction_status != TransactionStatus::Completed {
                continue;
            }
            let signed = if debit { -amount } else { amount };
            match t
                .reasons
                .iter_mut()
                .find(|r| r.reason == tx.transaction_reason && r.currency == currency)
            {
                Some(r) => {
                    r.count += 1;
                    add(&mut r.net, signed, &mut r.overflow, &mut t.overflow);
                }
                None => t.reasons.push(ReasonTotal {
                    reason: tx.transaction_reason.clone(),
                    currency: currency.to_string(),
                    net: signed,
                    count: 1,
                    overflow: false,
                }),
            }
        }
        t.currencies.sort_by(|a, b| a.currency.cmp(&b.currency));
        t.reasons.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.reason.as_str().cmp(b.reason.as_str()))
        });
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(
        kind: TransactionType,
        status: TransactionStatus,
        reason: TransactionReason,
        amount: i64,
    ) -> Transaction {
        Transaction {
            tx_type: kind,
            transaction_status: status,
            transaction_reason: reason,
            amount: Decimal::from(amount),
            ..Default::default()
        }
    }

    #[test]
    fn completed_money_per_currency_and_reason_pending_apart() {
        use TransactionReason as R;
        use TransactionStatus as S;
        use TransactionType as T;
        let txs = [
            (tx(T::Credit, S::Completed, R::PurchasedCreditDirect, 100), "usd"),
            (tx(T::Credit, S::Completed, R::PurchasedCreditDirect, 50), "usd"),
            (tx(T::Debit, S::Completed, R::ManualBalanceDebit, 30), "usd"),
            (tx(T::Credit, S::Pending, R::PurchasedCreditInvoiced, 500), "usd"),
            (tx(T::Credit, S::Failed, R::PurchasedCreditDirect, 7), "usd"),
            (tx(T::Credit, S::Completed, R::FreeCreditGrant, 20), "eur"),
        ];
        let t = Totals::of(txs.iter().map(|(t, c)| (t, *c)));
        assert_eq!(t.count, 6);
        let [eur, usd] = t.currencies.as_slice() else {
            panic!("{:?}", t.currencies)
        };
        assert_eq!(
            (eur.currency.as_str(), eur.net()),
            ("eur", Some(Decimal::from(20)))
        );
        assert_eq!(usd.credited, Decimal::from(150));
        assert_eq!(usd.debited, Decimal::from(30));
        assert_eq!(usd.net(), Some(Decimal::from(120)));
        assert_eq!(usd.pending, Decimal::from(500));
        assert_eq!(usd.count, 5);
        assert_eq!(t.reasons[0].reason, R::PurchasedCreditDirect);
        assert_eq!((t.reasons[0].count, t.reasons[0].net), (2, Decimal::from(150)));
        assert!(
            t.reasons
                .iter()
                .any(|r| r.reason == R::ManualBalanceDebit && r.net == Decimal::from(-30))
        );
        assert!(!t.overflow);
    }

    #[test]
    fn a_negative_credit_is_summed_as_the_row_shows_it() {
        // A hostile or broken API: a credit of -5 (the row shows -5.00) is not money in.
        let odd = tx(
            TransactionType::Credit,
            TransactionStatus::Completed,
            TransactionReason::CreditNote,
            -5,
        );
        assert_eq!(odd.signed_amount(), Decimal::from(-5));
        let t = Totals::of([(&odd, "usd")]);
        assert_eq!(t.currencies[0].net(), Some(Decimal::from(-5)));
        assert_eq!(t.reasons[0].net, Decimal::from(-5));
        let pending = tx(
            TransactionType::Credit,
            TransactionStatus::Pending,
            TransactionReason::PurchasedCreditInvoiced,
            -7,
        );
        assert_eq!(
            Totals::of([(&pending, "usd")]).currencies[0].pending,
            Decimal::from(-7)
        );
    }

    #[test]
    fn an_overflowing_sum_says_so() {
        let big = Transaction {
            amount: Decimal::MAX,
            transaction_status: TransactionStatus::Completed,
            ..Default::default()
        };
        let t = Totals::of([(&big, "usd"), (&big, "usd")]);
        assert!(t.overflow);
        assert_eq!(t.currencies[0].credited, Decimal::MAX);
    }

    #[test]
    fn an_overflowed_currency_has_no_net_to_show() {
        // Two credits of Decimal::MAX (the second lost) less one debit of it: the net would
        // read 0.00, a false total.
        let credit = Transaction {
            amount: Decimal::MAX,
            transaction_status: TransactionStatus::Completed,
            ..Default::default()
        };
        let debit = Transaction {
            tx_type: TransactionType::Debit,
            ..credit.clone()
        };
        let small = Transaction {
            amount: Decimal::ONE,
            ..credit.clone()
        };
        let t = Totals::of([
            (&credit, "usd"),
            (&credit, "usd"),
            (&debit, "usd"),
            (&small, "eur"),
        ]);
        let usd = t.currencies.iter().find(|c| c.currency == "usd").unwrap();
        assert_eq!(usd.net(), None, "net {:?}", usd.net());
        let eur = t.currencies.iter().find(|c| c.currency == "eur").unwrap();
        assert_eq!(eur.net(), Some(Decimal::ONE), "the other currency stays whole");
        let r = t.reasons.iter().find(|r| r.currency == "usd").unwrap();
        assert!(r.overflow);
    }
}
