//! Filter language: each kind of term, negation, AND, and every bad-term message.

use std::str::FromStr;

use super::*;

fn w(id: &str, name: &str, customer: &str, balance: &str) -> Wallet {
    Wallet {
        id: id.into(),
        name: Some(name.into()),
        customer_id: customer.into(),
        currency: "usd".into(),
        balance: Decimal::from_str(balance).unwrap(),
        credit_balance: Decimal::from_str(balance).unwrap() * Decimal::TWO,
        ..Default::default()
    }
}

fn sample() -> Vec<Wallet> {
    let mut a = w("wal_acme", "Acme Prod", "cus_acme", "50");
    a.alert_state = Some(AlertState::InAlarm);
    let mut b = w("wal_globex", "Globex", "cus_globex", "250.5");
    b.wallet_status = WalletStatus::Frozen;
    b.currency = "EUR".into();
    let mut c = w("wal_initech", "Initech tokens", "cus_acme", "-3");
    c.wallet_type = WalletType::PostPaid;
    c.alert_state = Some(AlertState::Warning);
    vec![a, b, c]
}

/// Ids of the sample wallets the filter keeps.
fn ids(filter: &str) -> Vec<String> {
    let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    sample()
        .into_iter()
        .filter(|x| f.matches(x, &haystack(x)))
        .map(|x| x.id)
        .collect()
}

fn bad(filter: &str) -> FilterError {
    match Filter::parse(filter) {
        Ok(f) => panic!("{filter} parsed as {f:?}"),
        Err(e) => e,
    }
}

#[test]
fn free_text_searches_name_id_and_customer_case_insensitively() {
    assert_eq!(ids("ACME"), ["wal_acme", "wal_initech"]); // name, and customer of initech
    assert_eq!(ids("globex"), ["wal_globex"]);
    assert_eq!(ids("tokens"), ["wal_initech"]);
    assert_eq!(ids(""), ["wal_acme", "wal_globex", "wal_initech"]);
    assert!(ids("nothing-like-this").is_empty());
}

#[test]
fn structured_terms() {
    assert_eq!(ids("status:frozen"), ["wal_globex"]);
    assert_eq!(ids("status:active"), ["wal_acme", "wal_initech"]);
    assert_eq!(ids("alert:in_alarm"), ["wal_acme"]);
    // No alert state at all counts as ok.
    assert_eq!(ids("alert:ok"), ["wal_globex"]);
    assert_eq!(ids("currency:eur"), ["wal_globex"]);
    assert_eq!(ids("currency:USD"), ["wal_acme", "wal_initech"]);
    assert_eq!(ids("type:post_paid"), ["wal_initech"]);
    assert_eq!(ids("type:PRE_PAID"), ["wal_acme", "wal_globex"]);
    assert_eq!(ids("customer:cus_acme"), ["wal_acme", "wal_initech"]);
    assert_eq!(ids("customer:cus_ac"), Vec::<String>::new(), "customer is exact");
    assert_eq!(ids("name:prod"), ["wal_acme"]);
    assert_eq!(
        ids("name:cus_"),
        Vec::<String>::new(),
        "name: looks at the name only"
    );
    assert_eq!(ids("id:WAL_GLOBEX"), ["wal_globex"]);
}

#[test]
fn comparisons_on_balance_and_credits() {
    assert_eq!(ids("balance<100"), ["wal_acme", "wal_initech"]);
    assert_eq!(ids("balance<=50"), ["wal_acme", "wal_initech"]);
    assert_eq!(ids("balance>50"), ["wal_globex"]);
    assert_eq!(ids("balance>=250.5"), ["wal_globex"]);
    assert_eq!(ids("balance=50"), ["wal_acme"]);
    assert_eq!(ids("balance<0"), ["wal_initech"]);
    assert_eq!(ids("balance>-3"), ["wal_acme", "wal_globex"]);
    assert_eq!(ids("credits>=100"), ["wal_acme", "wal_globex"]);
    // Decimal, not float: 0.1 + 0.2 style values compare exactly.
    let mut x = w("x", "x", "c", "0.3");
    x.balance = Decimal::from_str("0.1").unwrap() + Decimal::from_str("0.2").unwrap();
    assert!(Filter::parse("balance=0.3").unwrap().matches(&x, &haystack(&x)));
}

#[test]
fn negation_and_combination() {
    assert_eq!(ids("!alert:in_alarm"), ["wal_globex", "wal_initech"]);
    assert_eq!(ids("!acme"), ["wal_globex"]);
    assert_eq!(ids("customer:cus_acme balance<0"), ["wal_initech"]);
    assert_eq!(ids("customer:cus_acme !balance<0"), ["wal_acme"]);
    assert_eq!(ids("acme status:frozen"), Vec::<String>::new());
    let f = Filter::parse("  status:frozen   !acme ").unwrap();
    assert_eq!(f.text, "status:frozen !acme");
}

#[test]
fn every_bad_term_is_explained() {
    let cases: &[(&str, &str, &str)] = &[
        ("!", "!", "`!` needs a term after it"),
        ("status:", "status:", "`status:` needs a value"),
        (
            "status:sleepy",
            "status:sleepy",
            "unknown status; use one of active, frozen, closed",
        ),
        (
            "alert:red",
            "alert:red",
            "unknown alert state; use one of ok, info, warning, in_alarm",
        ),
        (
            "type:gift",
            "type:gift",
            "unknown wallet type; use one of PRE_PAID, POST_PAID",
        ),
        ("currency:us1", "currency:us1", "a currency is a code of letters"),
        (
            "balance:100",
            "balance:100",
            "balance is compared, not matched: use balance<N",
        ),
        (
            "colour:red",
            "colour:red",
            "unknown field `colour`; use status, alert, currency",
        ),
        ("<5", "<5", "a comparison needs a field before it"),
        (
            "size>5",
            "size>5",
            "only balance, credits and runway can be compared, not `size`",
        ),
        (
            "balance<",
            "balance<",
            "`balance` needs a number after the comparison",
        ),
        ("balance<ten", "balance<ten", "`ten` is not a number"),
        ("balance<1e3", "balance<1e3", "`1e3` is not a number"),
        (
            "credits>0.0000000001",
            "credits>0.0000000001",
            "more than 9 decimal places",
        ),
    ];
    for (input, term, message) in cases {
        let e = bad(&format!("acme {input}"));
        assert_eq!(e.term, *term, "{input}");
        assert!(e.message.contains(message), "{input}: {}", e.message);
        assert!(e.to_string().starts_with(&format!("`{term}`: ")), "{e}");
    }
}
