//! `wallets list|get|transactions`: aligned tables for people, JSON with string decimals for
//! scripts. The tables are checked whole: alignment is the point.

use flexwallet::api::decode;
use flexwallet::api::models::{ListResponse, Transaction, Wallet};
use flexwallet::report::{TX_HEADER, WALLET_HEADER, table, tx_rows, wallet_detail_rows, wallet_rows};

use crate::fixture;

fn wallets() -> Vec<Wallet> {
    decode::<ListResponse<Wallet>>(200, &fixture("wire/wallet_list.json"))
        .unwrap()
        .items
}

/// `wallets list` of wallet_list.json. The wide characters of "日本" take two columns each: the
/// next column still lines up.
pub const WALLET_TABLE: &str = "\
ID                                 NAME                   CUSTOMER                         CUR   BALANCE    CREDITS  STATUS     TYPE       ALERT
wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5  Prepaid Wallet - USD   cust_01K3B9WJ5E2H4K6M8P0R2T4V6X  usd  1,250.50     625.25  active     PRE_PAID   ok
wallet_01K3BA0M2P4R6T8V0X2Z4B6D8F  Postpaid Wallet - USD  cust_01K3BA0C4E6G8J0L2N4Q6S8U0W  eur      0.00       0.00  closed     POST_PAID  ok
wallet_01K3BA1Q3S5U7W9Y1A3C5E7G9J  Credits 日本           cust_01K3BA1H5K7M9P1R3T5V7X9Z1B  jpy    -1,500  -1,500.00  suspended  PRE_PAID   in_alarm
";

#[test]
fn wallet_list_table_is_aligned_with_numbers_to_the_right() {
    let out = table(&WALLET_HEADER, &wallet_rows(&wallets()), &[4, 5]);
    assert_eq!(out, WALLET_TABLE);
}

/// As seen: the console signed a debit `-12.375` and `wallets transactions` printed `12.375`.
/// Both sign it now, and the reason is Flexprice's own name.
#[test]
fn ledger_table_is_aligned() {
    let page: ListResponse<Transaction> = decode(200, &fixture("wire/transactions_page.json")).unwrap();
    assert_eq!(
        table(&TX_HEADER, &tx_rows(&page.items), &[4]),
        "\
TIME (UTC)           ID                               TYPE    REASON                     CREDITS  BALANCE            STATUS
2026-08-22 10:11:12  wtxn_01K3BB2A4C6E8G0J2L4N6Q8S0U  credit  PURCHASED_CREDIT_DIRECT    +250.00  375.25 → 625.25    completed
2026-08-21 18:00:00  wtxn_01K3BB1Z3B5D7F9H1K3M5P7R9T  debit   MANUAL_BALANCE_DEBIT       -12.375  387.625 → 375.25   completed
2026-08-20 09:00:00  wtxn_01K3BB0Y2A4C6E8G0J2L4N6Q8S  credit  PURCHASED_CREDIT_INVOICED  +100.00  387.625 → 387.625  pending
"
    );
}

#[test]
fn wallet_detail_shows_real_time_figures_alerts_and_auto_top_up() {
    let w: Wallet = decode(200, &fixture("wire/wallet_balance.json")).unwrap();
    assert_eq!(
        table(&["FIELD", "VALUE"], &wallet_detail_rows(&w), &[]),
        "\
FIELD                 VALUE
id                    wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5
name                  Prepaid Wallet - USD
customer              cust_01K3B9WJ5E2H4K6M8P0R2T4V6X
status                active · PRE_PAID
balance               1,250.50 usd
credit balance        625.25
conversion rate       2
real-time balance     980.249999999 usd
real-time credits     490.1249999995
current period usage  250.250000001 usd
unpaid invoices       20.00 usd
purchased credits     400.00
free credits          225.25
alert                 ok (tenant default)
auto top-up           off
updated               2026-08-22 10:11:12 UTC
"
    );
    let w: Wallet = decode(200, &fixture("wire/wallet.json")).unwrap();
    let rows = wallet_detail_rows(&w);
    let value = |k: &str| rows.iter().find(|r| r[0] == k).map(|r| r[1].clone()).unwrap();
    assert_eq!(value("conversion rate"), "2 (top-ups 2.5)");
    assert_eq!(value("alert"), "warning (enabled)");
    assert_eq!(
        value("alert levels"),
        "critical ≤ 50.00 credits · warning ≤ 200.00 credits"
    );
    assert_eq!(
        value("auto top-up"),
        "at or below 100.00 add 500.000000001 credits (direct, cooldown 30 minutes)"
    );
    // The legacy model reads the same way.
    let w: Wallet = decode(200, &fixture("wire/seed_update_wallet.json")).unwrap();
    let rows = wallet_detail_rows(&w);
    let value = |k: &str| rows.iter().find(|r| r[0] == k).map(|r| r[1].clone()).unwrap();
    assert_eq!(value("alert"), "in_alarm (enabled)");
    assert_eq!(value("alert levels"), "critical ≤ 123.00 credits");
    assert_eq!(value("status"), "active · PROMOTIONAL");
}

#[test]
fn control_characters_from_the_api_never_reach_the_terminal() {
    let mut ws = wallets();
    ws[0].name = Some("evil\u{1b}[2J\u{7}na\u{1b}]0;title\u{7}me\u{9b}31m".into());
    let out = table(&WALLET_HEADER, &wallet_rows(&ws[..1]), &[4, 5]);
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
    // Whole sequences go, not just their ESC: no `[2J` or `]0;title` left as text.
    assert!(out.contains("evilname "), "{out}");
}

#[test]
fn no_line_ends_in_spaces_and_short_rows_are_fine() {
    let out = table(
        &["A", "LONG HEADER", "C"],
        &[vec!["x".into()], vec!["yy".into(), "".into(), "".into()]],
        &[],
    );
    assert_eq!(out, "A   LONG HEADER  C\nx\nyy\n");
}
