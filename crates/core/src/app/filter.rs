//! The wallet filter language (`/`): free text plus `key:value` and amount comparisons, `!` inverts.

use std::fmt;

use rust_decimal::Decimal;

use crate::app::customers::CustomerInfo;
use crate::app::runway::{Left, Runway};
use flexprice_wire::models::{AlertState, Wallet, WalletStatus, WalletType};
use flexprice_wire::money::{AmountError, parse_amount};

/// Decimal places an amount in a comparison may have (Flexprice stores numeric(20,9)).
const MAX_SCALE: u32 = 9;

pub const KEYS_HELP: &str =
    "status: alert: currency: type: customer: name: id:, balance<N credits>=N runway<24h, ! inverts";

/// A parsed filter: every term must match (AND).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// What the operator typed, shown in the list title.
    pub text: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    negate: bool,
    test: Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Amount {
    Balance,
    Credits,
}

/// A comparison of the filter language (`<`, `<=`, `>`, `>=`, `=`); the timeline's filter
/// (`app::timeline::filter`) compares with the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    pub(crate) fn holds(self, have: &Decimal, want: &Decimal) -> bool {
        match self {
            Op::Lt => have < want,
            Op::Le => have <= want,
            Op::Gt => have > want,
            Op::Ge => have >= want,
            Op::Eq => have == want,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// Lower-case text looked for in name, id, customer id, customer name and external id.
    Text(String),
    Status(WalletStatus),
    Alert(AlertState),
    /// Lower-case currency code.
    Currency(String),
    Type(WalletType),
    /// Lower-case: the customer's id or external id exactly, or a part of its name.
    Customer(String),
    /// Lower-case text looked for in the name only.
    Name(String),
    /// Exact wallet id (case-insensitive).
    Id(String),
    Compare(Amount, Op, Decimal),
    /// Time to zero credits against this many seconds (`runway<24h`): a wallet that does not
    /// burn never runs out (more than any span), one without figures matches nothing.
    Runway(Op, i64),
}

/// Why a term was refused: the term as typed and what would have been allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub term: String,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.term, self.message)
    }
}

impl std::error::Error for FilterError {}

pub(crate) fn err(term: &str, message: impl Into<String>) -> FilterError {
    FilterError {
        term: term.to_string(),
        message: message.into(),
    }
}

pub(crate) fn allowed<T>(known: &[T], show: impl Fn(&T) -> &str) -> String {
    known.iter().map(show).collect::<Vec<_>>().join(", ")
}

impl Filter {
    /// The filter asks for closed wallets (`status:closed`): then they count as any other.
    pub fn asks_for_closed(&self) -> bool {
        self.terms
            .iter()
            .any(|t| !t.negate && matches!(&t.test, Test::Status(s) if *s != WalletStatus::Active && *s != WalletStatus::Frozen))
    }

    /// Parses what the operator typed. An empty filter matches every wallet.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let terms = input
            .split_whitespace()
            .map(parse_term)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Filter {
            text: input.split_whitespace().collect::<Vec<_>>().join(" "),
            terms,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// `hay` is the wallet's lower-case search text ([`haystack_with`]), precomputed once per
    /// row.
    pub fn matches(&self, w: &Wallet, hay: &str) -> bool {
        self.matches_with(w, hay, None)
    }

    /// Whether a term compares the runway: then the table looks each row's up.
    pub fn asks_runway(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.test, Test::Runway(..)))
    }

    /// [`Filter::matches`] with the wallet's runway (`None`: not known).
    pub fn matches_with(&self, w: &Wallet, hay: &str, runway: Option<Runway>) -> bool {
        self.terms.iter().all(|t| {
            let hit = match &t.test {
                Test::Runway(op, seconds) => runway_holds(runway, *op, *seconds),
                test => test.matches(w, hay),
            };
            hit != t.negate
        })
    }
}

/// The lower-case text free-text terms are searched in, for a wallet whose customer is not
/// known (yet).
pub fn haystack(w: &Wallet) -> String {
    haystack_with(w, None)
}

/// The lower-case text free-text terms are searched in: the wallet's name, id and customer id,
/// and its customer's name and external id, in that order, `\u{1}` between them (a character
/// nobody types, so a term never matches across two fields).
pub fn haystack_with(w: &Wallet, customer: Option<&CustomerInfo>) -> String {
    let (name, external) = customer.map_or(("", ""), |c| (c.name.as_str(), c.external_id.as_str()));
    let mut s = String::with_capacity(w.id.len() + w.customer_id.len() + name.len() + external.len() + 32);
    for (i, part) in [
        w.name.as_deref().unwrap_or_default(),
        &w.id,
        &w.customer_id,
        name,
        external,
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            s.push('\u{1}');
        }
        s.push_str(part);
    }
    s.to_lowercase()
}

impl Test {
    // Not inlined: inlined into the row loop, the compiler loaded the wallet's fields for every
    // term ahead of the match, and a free-text term (which needs only the search text) paid a
    // cache miss per row on the wallet (filter 100k wallets, text: 7.0 ms inlined, 1.4 ms not).
    #[inline(never)]
    fn matches(&self, w: &Wallet, hay: &str) -> bool {
        match self {
            Test::Text(t) => hay.contains(t.as_str()),
            Test::Status(s) => &w.wallet_status == s,
            Test::Alert(a) => w.alert_state.as_ref().unwrap_or(&AlertState::Ok) == a,
            Test::Currency(c) => w.currency.eq_ignore_ascii_case(c),
            Test::Type(t) => &w.wallet_type == t,
            Test::Customer(c) => {
                let mut parts = hay.split('\u{1}').skip(2);
                let (id, name, external) = (parts.next(), parts.next(), parts.next());
                customer_matches(c, id, name, external)
            }
            Test::Name(n) => hay
                .split('\u{1}')
                .next()
                .is_some_and(|name| name.contains(n.as_str())),
            Test::Id(id) => w.id.eq_ignore_ascii_case(id),
            Test::Compare(field, op, value) => {
                let have = match field {
                    Amount::Balance => &w.balance,
                    Amount::Credits => &w.credit_balance,
                };
                op.holds(have, value)
            }
            Test::Runway(..) => false,
        }
    }
}

fn runway_holds(runway: Option<Runway>, op: Op, seconds: i64) -> bool {
    match runway {
        Some(Runway::Left(Left::NoBurn)) => matches!(op, Op::Gt | Op::Ge),
        Some(Runway::Left(left)) => {
            let have = Decimal::from(left.seconds().unwrap_or(i64::MAX));
            op.holds(&have, &Decimal::from(seconds))
        }
        Some(Runway::Closed | Runway::Unknown) | None => false,
    }
}

/// `customer:` (lower-case `c`): the customer's id or external id exactly, or a part of its
/// name (each lower-case, `None` when not known).
pub(crate) fn customer_matches(
    c: &str,
    id: Option<&str>,
    name: Option<&str>,
    external: Option<&str>,
) -> bool {
    id == Some(c) || external == Some(c) || name.is_some_and(|n| n.contains(c))
}

/// A term's `!` (inverts) and what follows it.
pub(crate) fn negation(raw: &str) -> Result<(bool, &str), FilterError> {
    let (negate, body) = match raw.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    if body.is_empty() {
        return Err(err(raw, "`!` needs a term after it, e.g. !status:frozen"));
    }
    Ok((negate, body))
}

fn parse_term(raw: &str) -> Result<Term, FilterError> {
    let (negate, body) = negation(raw)?;
    let test = if let Some(at) = body.find(['<', '>', '=']) {
        parse_compare(raw, &body[..at], &body[at..])?
    } else if let Some((key, value)) = body.split_once(':') {
        parse_key(raw, key, value)?
    } else {
        Test::Text(body.to_lowercase())
    };
    Ok(Term { negate, test })
}

fn parse_key(raw: &str, key: &str, value: &str) -> Result<Test, FilterError> {
    let key = key.to_ascii_lowercase();
    if value.is_empty() {
        return Err(err(raw, format!("`{key}:` needs a value after the colon")));
    }
    let lower = value.to_lowercase();
    let test = match key.as_str() {
        "status" => match WalletStatus::parse(&lower) {
            s if s.is_known() => Test::Status(s),
            _ => {
                return Err(err(
                    raw,
                    format!(
                        "unknown status; use one of {}",
                        allowed(WalletStatus::KNOWN, |s| s.as_str())
                    ),
                ));
            }
        },
        "alert" => match AlertState::parse(&lower) {
            a if a.is_known() => Test::Alert(a),
            _ => {
                return Err(err(
                    raw,
                    format!(
                        "unknown alert state; use one of {}",
                        allowed(AlertState::KNOWN, |s| s.as_str())
                    ),
                ));
            }
        },
        "type" => match WalletType::parse(&value.to_ascii_uppercase()) {
            t if t.is_known() => Test::Type(t),
            _ => {
                return Err(err(
                    raw,
                    format!(
                        "unknown wallet type; use one of {}",
                        allowed(WalletType::KNOWN, |s| s.as_str())
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
        "name" => Test::Name(lower),
        "id" => Test::Id(lower),
        "balance" | "credits" | "runway" => {
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
                    "unknown field `{key}`; use status, alert, currency, type, customer, name or id \
                     (or balance/credits with < <= > >= =)"
                ),
            ));
        }
    };
    Ok(test)
}

fn parse_compare(raw: &str, field: &str, rest: &str) -> Result<Test, FilterError> {
    let field_lc = field.to_ascii_lowercase();
    let amount = match field_lc.as_str() {
        "runway" => return parse_runway(raw, rest),
        "balance" => Amount::Balance,
        "credits" => Amount::Credits,
        "" => {
            return Err(err(
                raw,
                "a comparison needs a field before it: balance or credits",
            ));
        }
        _ => {
            return Err(err(
                raw,
                format!("only balance, credits and runway can be compared, not `{field}`"),
            ));
        }
    };
    let (op, n) = parse_op_value(raw, &field_lc, rest)?;
    Ok(Test::Compare(amount, op, n))
}

/// `runway<24h`: a comparison and a span (`90m`, `24h`, `2d`, `1w`).
fn parse_runway(raw: &str, rest: &str) -> Result<Test, FilterError> {
    let (op, span) = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("=", Op::Eq),
    ]
    .into_iter()
    .find_map(|(sign, op)| rest.strip_prefix(sign).map(|v| (op, v)))
    .unwrap_or((Op::Eq, rest));
    match crate::app::runway::parse_span(span) {
        Some(seconds) => Ok(Test::Runway(op, seconds)),
        None => Err(err(
            raw,
            "runway compares with a span: runway<24h, runway<=90m, runway>2d, runway>=1w",
        )),
    }
}

/// What follows a compared field: the comparison (`=` when none) and the number.
pub(crate) fn parse_op_value(raw: &str, field_lc: &str, rest: &str) -> Result<(Op, Decimal), FilterError> {
    let (op, value) = if let Some(v) = rest.strip_prefix("<=") {
        (Op::Le, v)
    } else if let Some(v) = rest.strip_prefix(">=") {
        (Op::Ge, v)
    } else if let Some(v) = rest.strip_prefix('<') {
        (Op::Lt, v)
    } else if let Some(v) = rest.strip_prefix('>') {
        (Op::Gt, v)
    } else if let Some(v) = rest.strip_prefix('=') {
        (Op::Eq, v)
    } else {
        (Op::Eq, rest)
    };
    if value.is_empty() {
        return Err(err(
            raw,
            format!("`{field_lc}` needs a number after the comparison, e.g. {field_lc}<100"),
        ));
    }
    let (negative, digits) = match value.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, value),
    };
    let n = match parse_amount(digits, MAX_SCALE) {
        Ok(d) => d,
        Err(AmountError::NotPositive) => Decimal::ZERO,
        Err(AmountError::TooPrecise { max, .. }) => {
            return Err(err(raw, format!("`{value}` has more than {max} decimal places")));
        }
        Err(_) => {
            return Err(err(
                raw,
                format!("`{value}` is not a number; write plain digits like 100 or -2.5"),
            ));
        }
    };
    Ok((op, if negative { -n } else { n }))
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
