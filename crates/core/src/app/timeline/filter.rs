//! The timeline's filter: the list's language (`app::filter`: free text, `key:value`,
//! comparisons, `!` inverts) with a transaction's words: `reason:`, `type:` (credit, debit),
//! `status:` (pending, completed, failed), `customer:`, `currency:`, `wallet:`, `id:`, `key:`,
//! `ref:`, and `amount`/`credits` compared as the API states them (unsigned; `type:` says
//! which way the money went).

use rust_decimal::Decimal;

use crate::app::customers::CustomerInfo;
use crate::app::filter::{FilterError, Op, allowed, customer_matches, err, negation, parse_op_value};
use flexprice_wire::models::{Transaction, TransactionReason, TransactionStatus, TransactionType};

pub const KEYS_HELP: &str =
    "reason: type: status: customer: currency: wallet: id: key: ref:, amount>N credits<N, ! inverts";

/// A parsed timeline filter: every term must match (AND).
#[derive(Debug, Clone, PartialEq)]
pub struct TxFilter {
    /// What the operator typed, shown in the title.
    pub text: String,
    terms: Vec<(bool, Test)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Amount,
    Credits,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// Lower-case text looked for in the ids, names, reference, key and description.
    Text(String),
    /// Any of these reasons (`reason:purchased` names three).
    Reason(Vec<TransactionReason>),
    Type(TransactionType),
    Status(TransactionStatus),
    Customer(String),
    Currency(String),
    /// Lower-case: the wallet's id exactly, or a part of its name.
    Wallet(String),
    /// The transaction's id exactly (lower-case).
    Id(String),
    /// A part of the idempotency key (lower-case).
    Key(String),
    /// A part of the reference (type or id, lower-case).
    Reference(String),
    Compare(Figure, Op, Decimal),
}

/// What a term is matched against: the transaction and what the console knows beside it.
pub struct Subject<'a> {
    pub tx: &'a Transaction,
    pub customer: Option<&'a CustomerInfo>,
    pub wallet_name: Option<&'a str>,
    pub currency: &'a str,
    /// The invoice of a pending invoiced top-up, when known.
    pub invoice: Option<&'a str>,
}

impl TxFilter {
    /// Parses what the operator typed; an empty filter matches every transaction.
    pub fn parse(input: &str) -> Result<TxFilter, FilterError> {
        let terms = input
            .split_whitespace()
            .map(parse_term)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TxFilter {
            text: input.split_whitespace().collect::<Vec<_>>().join(" "),
            terms,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, s: &Subject) -> bool {
        self.terms.iter().all(|(negate, t)| t.matches(s) != *negate)
    }
}

fn lower_contains(hay: Option<&str>, needle: &str) -> bool {
    hay.is_some_and(|h| h.to_lowercase().contains(needle))
}

impl Test {
    fn matches(&self, s: &Subject) -> bool {
        let tx = s.tx;
        match self {
            Test::Text(t) => [
                Some(tx.id.as_str()),
                Some(tx.wallet_id.as_str()),
                tx.customer_id.as_deref(),
                s.wallet_name,
                s.customer.map(|c| c.name.as_str()),
                s.customer.map(|c| c.external_id.as_str()),
                tx.reference_id.as_deref(),
                tx.idempotency_key.as_deref(),
                tx.description.as_deref(),
                s.invoice,
            ]
            .into_iter()
            .any(|h| lower_contains(h, t)),
            Test::Reason(rs) => rs.contains(&tx.transaction_reason),
            Test::Type(t) => &tx.tx_type == t,
            Test::Status(st) => &tx.transaction_status == st,
            Test::Customer(c) => {
                let name = s.customer.map(|c| c.name.to_lowercase());
                let external = s.customer.map(|c| c.external_id.to_lowercase());
                customer_matches(
                    c,
                    tx.customer_id.as_deref().map(str::to_lowercase).as_deref(),
                    name.as_deref(),
                    external.as_deref(),
                )
            }
            Test::Currency(c) => s.currency.eq_ignore_ascii_case(c),
            Test::Wallet(w) => tx.wallet_id.eq_ignore_ascii_case(w) || lower_contains(s.wallet_name, w),
            Test::Id(id) => tx.id.eq_ignore_ascii_case(id),
            Test::Key(k) => lower_contains(tx.idempotency_key.as_deref(), k),
            Test::Reference(r) => {
                lower_contains(tx.reference_id.as_deref(), r)
                    || lower_contains(tx.reference_type.as_ref().map(|t| t.as_str()), r)
                    || lower_contains(s.invoice, r)
            }
            Test::Compare(f, op, want) => {
                let have = match f {
                    Figure::Amount => tx.amount.abs(),
                    Figure::Credits => tx.credit_amount.abs(),
                };
                op.holds(&have, want)
            }
        }
    }
}

fn parse_term(raw: &str) -> Result<(bool, Test), FilterError> {
    let (negate, body) = negation(raw)?;
    let test = if let Some(at) = body.find(['<', '>', '=']) {
        let field = body[..at].to_ascii_lowercase();
        let figure = match field.as_str() {
            "amount" => Figure::Amount,
            "credits" => Figure::Credits,
            "" => {
                return Err(err(
                    raw,
                    "a comparison needs a field before it: amount or credits",
                ));
            }
            _ => {
                return Err(err(
                    raw,
                    format!(
                        "only amount and credits can be compared here, not `{}`",
                        &body[..at]
                    ),
                ));
            }
        };
        let (op, n) = parse_op_value(raw, &field, &body[at..])?;
        Test::Compare(figure, op, n)
    } else if let Some((key, value)) = body.split_once(':') {
        parse_key(raw, key, value)?
    } else {
        Test::Text(body.to_lowercase())
    };
    Ok((negate, test))
}

fn parse_key(raw: &str, key: &str, value: &str) -> Result<Test, FilterError> {
    let key = key.to_ascii_lowercase();
    if value.is_empty() {
        return Err(err(raw, format!("`{key}:` needs a value after the colon")));
    }
    let lower = value.to_lowercase();
    Ok(match key.as_str() {
        "reason" => {
            // The whole name (`PURCHASED_CREDIT_INVOICED`, any case, `-` or `_`), else every
            // reason whose name holds the word (`reason:purchased`).
            let want = value.to_ascii_uppercase().replace('-', "_");
            let exact = TransactionReason::parse(&want);
            let any: Vec<TransactionReason> = if exact.is_known() {
                vec![exact]
            } else {
                TransactionReason::KNOWN
                    .iter()
                    .filter(|r| r.as_str().contains(&want))
                    .cloned()
                    .collect()
            };
            if any.is_empty() {
                return Err(err(
                    raw,
                    format!(
                        "no reason is called that; use one of {} (or a part of one)",
                        allowed(TransactionReason::KNOWN, |r| r.as_str())
                    ),
                ));
            }
            Test::Reason(any)
        }
        "type" => match TransactionType::parse(&lower) {
            t if t.is_known() => Test::Type(t),
            _ => {
                return Err(err(
                    raw,
                    format!(
                        "a transaction's type is {}",
                        allowed(TransactionType::KNOWN, |t| t.as_str())
                    ),
                ));
            }
        },
        "status" => match TransactionStatus::parse(&lower) {
            t if t.is_known() => Test::Status(t),
            _ => {
                return Err(err(
                    raw,
                    format!(
                        "a transaction's status is {}",
                        allowed(TransactionStatus::KNOWN, |t| t.as_str())
                    ),
                ));
            }
        },
        "currency" => {
            if !value.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(err(raw, "a currency is a code of letters, e.g. currency:usd"));
            }
            Test::Currency(lower)
        }
        "customer" => Test::Customer(lower),
        "wallet" => Test::Wallet(lower),
        "id" => Test::Id(lower),
        "key" => Test::Key(lower),
        "ref" | "reference" | "invoice" => Test::Reference(lower),
        "amount" | "credits" => {
            return Err(err(
                raw,
                format!(
                    "{key} is compared, not matched: use {key}<N, {key}<=N, {key}>N, {key}>=N or {key}=N"
                ),
            ));
        }
        _ => {
            return Err(err(
                raw,
                format!(
                    "`{key}` is not a transaction's field; use reason, type, status, customer, currency, \
                     wallet, id, key or ref (or amount/credits with < <= > >= =)"
                ),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx() -> Transaction {
        Transaction {
            id: "wtxn_1".into(),
            wallet_id: "wallet_A".into(),
            customer_id: Some("cust_1".into()),
            tx_type: TransactionType::Credit,
            amount: Decimal::from(500),
            credit_amount: Decimal::from(250),
            transaction_status: TransactionStatus::Pending,
            transaction_reason: TransactionReason::PurchasedCreditInvoiced,
            reference_id: Some("ops-key-7".into()),
            idempotency_key: Some("ops-key-7".into()),
            ..Default::default()
        }
    }

    fn matches(text: &str, tx: &Transaction) -> bool {
        let c = CustomerInfo {
            name: "Acme Corp".into(),
            external_id: "acme".into(),
        };
        TxFilter::parse(text).unwrap().matches(&Subject {
            tx,
            customer: Some(&c),
            wallet_name: Some("Main USD"),
            currency: "usd",
            invoice: Some("inv_9"),
        })
    }

    #[test]
    fn transaction_terms_match_as_typed() {
        let t = tx();
        for yes in [
            "",
            "status:pending",
            "reason:purchased_credit_invoiced",
            "reason:purchased",
            "reason:INVOICED",
            "type:credit",
            "customer:acme",
            "customer:cust_1",
            "customer:corp",
            "currency:USD",
            "wallet:main",
            "wallet:wallet_a",
            "key:ops-key",
            "ref:inv_9",
            "amount>=500",
            "credits<251",
            "!type:debit",
            "acme status:pending amount=500",
        ] {
            assert!(matches(yes, &t), "{yes}");
        }
        for no in [
            "status:completed",
            "reason:manual",
            "type:debit",
            "customer:globex",
            "currency:eur",
            "amount>500",
            "!reason:purchased",
            "nothing-like-it",
        ] {
            assert!(!matches(no, &t), "{no}");
        }
        // A debit's size, not its sign.
        let debit = Transaction {
            tx_type: TransactionType::Debit,
            amount: Decimal::from(80),
            ..tx()
        };
        assert!(matches("amount>50 type:debit", &debit));
    }

    #[test]
    fn wrong_terms_say_what_would_do() {
        for (bad, says) in [
            ("reason:nope", "no reason is called that"),
            ("type:PRE_PAID", "credit, debit"),
            ("status:active", "pending, completed, failed"),
            ("balance<5", "only amount and credits"),
            ("alert:in_alarm", "not a transaction's field"),
            ("amount:5", "compared, not matched"),
            ("amount<x", "not a number"),
            ("!", "needs a term"),
        ] {
            let e = TxFilter::parse(bad).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }
}
