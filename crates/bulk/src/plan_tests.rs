use super::*;
use crate::test_support::*;
use crate::unique::key_prefix;

fn lines(issues: &[Issue]) -> Vec<u64> {
    issues.iter().map(|i| i.line).collect()
}

#[test]
fn formatting_does_not_change_the_job_or_keys() {
    let opts = options();
    let a = plan_from(
        "wallet_id,credits_to_add,transaction_reason\nw1,10,FREE_CREDIT_GRANT\nw2,2.5,free_credit_grant\n",
        &opts,
    )
    .unwrap();
    let b = plan_from(
        "\u{feff}transaction_reason,Wallet_Id,credits_to_add\r\n\r\n\"FREE_CREDIT_GRANT\", w1 ,10.00\r\nFREE_CREDIT_GRANT,w2,\"2.50\"\r\n",
        &opts,
    )
    .unwrap();
    assert_eq!(a.job, b.job);
    assert_eq!(a.job.len(), 16);
    let keys: Vec<&str> = a.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![format!("bulk-{}-1", a.job), format!("bulk-{}-2", a.job)]
    );
    assert_eq!(
        b.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        keys,
        "same content, same keys"
    );
    assert_eq!(b.rows[1].line, 4);
}

#[test]
fn content_and_target_change_the_job() {
    let opts = options();
    let base = "wallet_id,credits_to_add,transaction_reason\nw1,10,FREE_CREDIT_GRANT\n";
    let job = plan_from(base, &opts).unwrap().job;
    for other in [
        "wallet_id,credits_to_add,transaction_reason\nw1,11,FREE_CREDIT_GRANT\n",
        "wallet_id,credits_to_add,transaction_reason\nw2,10,FREE_CREDIT_GRANT\n",
        "wallet_id,credits_to_add,transaction_reason\nw1,10,CREDIT_NOTE\n",
        "wallet_id,amount,transaction_reason\nw1,10,FREE_CREDIT_GRANT\n",
        "wallet_id,credits_to_add,transaction_reason,metadata.t\nw1,10,FREE_CREDIT_GRANT,x\n",
    ] {
        assert_ne!(plan_from(other, &opts).unwrap().job, job, "{other}");
    }
    let prod = PlanOptions {
        target: "https://api.cloud.flexprice.io/v1#env_prod".into(),
        ..options()
    };
    assert_ne!(plan_from(base, &prod).unwrap().job, job);
}

#[test]
fn explicit_keys_are_kept_and_must_be_unique() {
    let opts = options();
    let p = plan_from(
        "wallet_id,credits_to_add,transaction_reason,idempotency_key\nw1,10,FREE_CREDIT_GRANT,inc-42-w1\nw2,10,FREE_CREDIT_GRANT,\n",
        &opts,
    )
    .unwrap();
    assert_eq!(p.rows[0].key, "inc-42-w1");
    assert_eq!(p.rows[0].request.idempotency_key.as_deref(), Some("inc-42-w1"));
    assert_eq!(p.rows[1].key, format!("bulk-{}-2", p.job));
    let e = plan_from(
        "wallet_id,credits_to_add,transaction_reason,idempotency_key\nw1,10,FREE_CREDIT_GRANT,k\nw2,10,FREE_CREDIT_GRANT,k\n",
        &opts,
    )
    .unwrap_err();
    assert_eq!(lines(&e), vec![3]);
    assert!(e[0].message.contains("line 2"), "{}", e[0]);
}

#[test]
fn every_bad_field_is_reported_with_its_line() {
    let text = "wallet_id,credits_to_add,amount,transaction_reason,expiry_date_utc,priority\n\
                w1,-5,,FREE_CREDIT_GRANT,,\n\
                w2,0,,FREE_CREDIT_GRANT,,\n\
                w3,1e3,,FREE_CREDIT_GRANT,,\n\
                w4,1.0000000001,,FREE_CREDIT_GRANT,,\n\
                w5,10,,MANUAL_BALANCE_DEBIT,,\n\
                w6,10,,FREE_CREDIT_GRANT,2020-01-01,\n\
                w7,10,,FREE_CREDIT_GRANT,next week,\n\
                w8,10,,FREE_CREDIT_GRANT,,-1\n\
                w9,10,5,FREE_CREDIT_GRANT,,\n\
                w10,,,FREE_CREDIT_GRANT,,\n\
                ,10,,FREE_CREDIT_GRANT,,\n\
                w12,10,,,,\n\
                w13,NaN,,FREE_CREDIT_GRANT,,\n";
    let e = plan_from(text, &options()).unwrap_err();
    assert_eq!(lines(&e), (2..=14).collect::<Vec<u64>>(), "{e:#?}");
    let msg = |line: u64| e.iter().find(|i| i.line == line).unwrap().to_string();
    assert!(
        msg(2).contains("credits_to_add") && msg(2).contains("plain decimal"),
        "{}",
        msg(2)
    );
    assert!(msg(3).contains("greater than zero"));
    assert!(msg(5).contains("at most 9 decimal places"));
    assert!(msg(6).contains("not a top-up reason"));
    assert!(msg(7).contains("expiry_date_utc") && msg(7).contains("not in the future"));
    assert!(msg(8).contains("not a date"));
    assert!(msg(9).contains("priority"));
    assert!(msg(10).contains("not both"));
    assert!(msg(11).contains("required"));
    assert!(msg(12).contains("wallet_id: is empty"));
    assert!(msg(13).contains("--reason"));
}

#[test]
fn unknown_closed_and_duplicate_wallets() {
    let text = "wallet_id,credits_to_add,transaction_reason\nw1,10,FREE_CREDIT_GRANT\nnope,10,FREE_CREDIT_GRANT\nclosed1,10,FREE_CREDIT_GRANT\nw1,5,FREE_CREDIT_GRANT\n";
    let e = plan_from(text, &options()).unwrap_err();
    // Every problem at once: the closed wallet, which would only ask first, is said too.
    assert_eq!(lines(&e), vec![3, 4, 5]);
    assert!(e[0].message.contains("no wallet nope"));
    assert!(e[1].message.contains("closed1: the wallet is closed"));
    assert!(e[2].message.contains("also on line 2") && e[2].message.contains("--allow-duplicates"));

    let allow = PlanOptions {
        allow_duplicates: true,
        ..options()
    };
    let p = plan_from(
        "wallet_id,credits_to_add,transaction_reason\nw1,10,FREE_CREDIT_GRANT\nw1,5,FREE_CREDIT_GRANT\n",
        &allow,
    )
    .unwrap();
    assert_eq!(p.rows.len(), 2);
    assert_eq!(lines(&p.warnings), vec![3]);
    assert_ne!(p.rows[0].key, p.rows[1].key);
}

#[test]
fn totals_per_currency_and_reason_with_amount_conversion() {
    let text = "wallet_id,credits_to_add,amount,transaction_reason,expiry_date_utc,metadata.ticket\n\
                w1,10,,FREE_CREDIT_GRANT,+30d,INC-1\n\
                w2,2.5,,PURCHASED_CREDIT_DIRECT,2026-12-31,\n\
                eur1,,7,PURCHASED_CREDIT_INVOICED,,\n";
    let p = plan_from(text, &options()).unwrap();
    assert_eq!(p.totals.rows, 3);
    assert_eq!(p.totals.credits, d("16"));
    assert_eq!(p.totals.by_currency["usd"].credits, d("12.5"));
    assert_eq!(p.totals.by_currency["usd"].amount, d("12.5"));
    assert_eq!(p.totals.by_currency["eur"].credits, d("3.5"));
    assert_eq!(p.totals.by_currency["eur"].amount, d("7"));
    assert_eq!(p.totals.by_reason["FREE_CREDIT_GRANT"].rows, 1);
    assert_eq!(p.totals.by_reason["PURCHASED_CREDIT_INVOICED"].credits, d("3.5"));
    let r0 = &p.rows[0].request;
    assert_eq!(r0.expiry_date_utc, Some(now() + chrono::Duration::days(30)));
    assert_eq!(r0.metadata.as_ref().unwrap().get("ticket"), Some("INC-1"));
    assert_eq!(p.rows[1].request.metadata, None);
    assert_eq!(p.rows[2].request.amount, Some(d("7")));
    assert_eq!(p.rows[2].request.credits_to_add, None);
    assert!(p.warnings.iter().any(|w| w.message.contains("invoice")));
    // The relative expiry is hashed as written: the same CSV tomorrow is the same job.
    let later = PlanOptions {
        now: now() + chrono::Duration::days(1),
        ..options()
    };
    assert_eq!(plan_from(text, &later).unwrap().job, p.job);
}

#[test]
fn confirmation_needs_the_exact_total() {
    let p = plan_from(
        "wallet_id,credits_to_add,transaction_reason\nw1,1000,FREE_CREDIT_GRANT\nw2,234.5,FREE_CREDIT_GRANT\n",
        &options(),
    )
    .unwrap();
    assert_eq!(p.confirmation_total(), "1234.5");
    for ok in ["1234.5", "1,234.50", "1 234.5", "1234.500"] {
        assert!(p.confirms(ok), "{ok}");
    }
    for bad in ["", "1234", "1235.5", "yes", "-1234.5", "1234.5x", "1.2345e3"] {
        assert!(!p.confirms(bad), "{bad}");
    }
}

#[test]
fn reasons_are_case_insensitive_and_limited_to_top_ups() {
    assert_eq!(parse_reason(" credit_note "), Ok(TransactionReason::CreditNote));
    let e = parse_reason("INVOICE_PAYMENT").unwrap_err();
    assert!(e.contains("PURCHASED_CREDIT_DIRECT"), "{e}");
}

#[test]
fn empty_plan_is_an_error() {
    let e = plan_from("wallet_id,credits_to_add,transaction_reason\n\n", &options()).unwrap_err();
    assert!(e[0].message.contains("no rows"));
}

#[test]
fn a_selection_becomes_one_draft_per_wallet() {
    let template = DraftRow {
        line: 0,
        wallet_id: String::new(),
        quantity: Quantity::Credits(d("25")),
        reason: TransactionReason::FreeCreditGrant,
        expiry: None,
        priority: None,
        description: Some("incident".into()),
        metadata: Metadata::new(),
        idempotency_key: None,
        currency: None,
    };
    let ids = vec!["w3".to_string(), "w1".to_string()];
    let drafts = drafts_for_wallets(&ids, &template);
    let p = Plan::build(drafts.clone(), &wallets(5), &options()).unwrap();
    assert_eq!(
        p.rows
            .iter()
            .map(|r| (r.line, r.wallet_id.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "w3"), (2, "w1")]
    );
    assert_eq!(p.totals.credits, d("50"));
    // The same selection and form is the same job.
    assert_eq!(Plan::build(drafts, &wallets(5), &options()).unwrap().job, p.job);
}

/// A top-up rate from the API so large that credits times rate cannot be computed is a
/// problem of its row, not a panic; an amount divided by it likewise.
#[test]
fn rates_beyond_what_can_be_computed_are_a_problem_of_the_row() {
    let opts = options();
    let mut ws = wallets(3);
    for id in ["w1", "w2"] {
        let w = ws.get_mut(id).unwrap();
        w.topup_conversion_rate = Some(Decimal::MAX);
    }
    let csv = "wallet_id,credits_to_add,amount,transaction_reason\nw1,10,,FREE_CREDIT_GRANT\nw2,,0.000000001,FREE_CREDIT_GRANT\nw3,5,,FREE_CREDIT_GRANT\n";
    let raw = bulk_csv::read(csv.as_bytes(), false).unwrap();
    let drafts = drafts_from_csv(raw, None, opts.now).unwrap();
    let issues = Plan::build(drafts, &ws, &opts).unwrap_err();
    assert_eq!(lines(&issues), [2, 3], "{issues:?}");
    assert!(
        issues[0].to_string().contains("beyond what can be computed"),
        "{issues:?}"
    );
}

/// A closed wallet, a currency unlike the wallet's and an amount far above the wallet's usual
/// top-ups: planned, and asked about first with the same words as the console's form.
#[test]
fn rows_that_are_almost_always_mistakes_ask_first() {
    let text = "wallet_id,credits_to_add,transaction_reason,currency\n\
                closed1,10,FREE_CREDIT_GRANT,\n\
                w1,10,FREE_CREDIT_GRANT,EUR\n\
                w2,5000,FREE_CREDIT_GRANT,usd\n\
                w3,500,FREE_CREDIT_GRANT,USD\n";
    let usual = flexwallet_bulk_usual();
    let opts = PlanOptions {
        usual: [("w2".to_string(), usual), ("w3".to_string(), usual)].into(),
        ..options()
    };
    let p = plan_from(text, &opts).unwrap();
    assert_eq!(p.rows.len(), 4, "asking is not refusing");
    let said: Vec<(u64, &str)> = p.mistakes.iter().map(|m| (m.line, m.message.as_str())).collect();
    assert_eq!(said.len(), 3, "{said:?}");
    assert_eq!(said[0].0, 2);
    assert!(said[0].1.contains("closed1: the wallet is closed"), "{said:?}");
    assert!(
        said[1].1.contains("EUR is not the wallet's currency (USD)"),
        "{said:?}"
    );
    assert_eq!(said[2].0, 4);
    assert!(
        said[2].1.contains("more than 10 times the wallet's usual top-up"),
        "{said:?}"
    );
    let bad = plan_from(
        "wallet_id,credits_to_add,transaction_reason,currency\nw1,1,FREE_CREDIT_GRANT,euro\n",
        &options(),
    )
    .unwrap_err();
    assert!(bad[0].to_string().contains("currency"), "{bad:?}");
}

fn flexwallet_bulk_usual() -> crate::mistakes::Usual {
    crate::mistakes::Usual {
        median: d("50"),
        count: 5,
    }
}

#[test]
fn descriptions_and_metadata_beyond_their_limits_are_refused_before_the_plan() {
    let long = "d".repeat(crate::limits::MAX_DESCRIPTION_CHARS + 1);
    let value = "v".repeat(crate::limits::MAX_METADATA_VALUE_CHARS + 1);
    let text = format!(
        "wallet_id,credits_to_add,transaction_reason,description,metadata.ticket\n\
         w1,10,FREE_CREDIT_GRANT,{long},INC-1\n\
         w2,10,FREE_CREDIT_GRANT,fine,{value}\n\
         w3,10,FREE_CREDIT_GRANT,{},INC-3\n",
        "é".repeat(crate::limits::MAX_DESCRIPTION_CHARS)
    );
    let (drafts, issues) = csv_drafts(text.as_bytes(), None, now()).unwrap();
    assert_eq!(drafts.iter().map(|d| d.line).collect::<Vec<_>>(), vec![4]);
    let shown: Vec<String> = issues.iter().map(Issue::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "line 2: description: is 1,001 characters long: at most 1,000",
            "line 3: metadata.ticket: is 501 characters long: at most 500",
        ]
    );
}

#[test]
fn the_job_id_is_the_hash_of_the_canonical_json_as_before() {
    // The id of earlier versions: the canonical rows built as a JSON value, then hashed. A
    // job's keys derive from it, so a journal of an earlier version must resume with its keys.
    fn reference(drafts: &[DraftRow], target: &str) -> String {
        let rows: Vec<serde_json::Value> = drafts
            .iter()
            .map(|d| {
                serde_json::json!({
                    "wallet_id": d.wallet_id,
                    "credits_to_add": match d.quantity {
                        Quantity::Credits(c) => Some(money::wire_text(&c)),
                        Quantity::Amount(_) => None,
                    },
                    "amount": match d.quantity {
                        Quantity::Amount(a) => Some(money::wire_text(&a)),
                        Quantity::Credits(_) => None,
                    },
                    "reason": d.reason.as_str(),
                    "expiry": d.expiry.as_ref().map(ExpirySpec::canonical),
                    "priority": d.priority,
                    "description": d.description.as_deref(),
                    "metadata": &d.metadata,
                    "idempotency_key": d.idempotency_key.as_deref(),
                })
            })
            .collect();
        let content = serde_json::json!({ "v": 1, "target": target, "rows": rows });
        let mut id = hex::encode(Sha256::digest(content.to_string().as_bytes()));
        id.truncate(JOB_ID_HEX);
        id
    }
    let text = "wallet_id,credits_to_add,amount,transaction_reason,expiry_date_utc,priority,description,idempotency_key,metadata.Zeta,metadata.alpha\n\
                w1,10.50,,FREE_CREDIT_GRANT,+30d,2,\"Outage, \"\"22 Aug\"\" – ünïcode \\ \t\",k-1,z,a\n\
                w2,,7,CREDIT_NOTE,2027-01-01,,,,\"\u{1}\",\n\
                w3,0.000000001,,purchased_credit_direct,2027-01-01T10:00:00Z,0,\u{2028}x,,,\n";
    let (drafts, issues) = csv_drafts(text.as_bytes(), None, now()).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(drafts.len(), 3);
    for target in ["http://127.0.0.1:1/v1#env", "https://x/\"v1\"#"] {
        assert_eq!(job_id(&drafts, target), reference(&drafts, target));
        assert_eq!(job_id(&drafts[1..], target), reference(&drafts[1..], target));
    }
    assert_eq!(job_id(&[], "t"), reference(&[], "t"));
}

#[test]
fn row_keys_are_their_exact_length_and_start_with_the_prefix() {
    for (index, key) in [
        (0, "bulk-ab-1"),
        (8, "bulk-ab-9"),
        (9, "bulk-ab-10"),
        (999_999, "bulk-ab-1000000"),
    ] {
        let k = row_key("ab", index);
        assert_eq!(k, key);
        assert_eq!(k.capacity(), k.len());
        assert!(k.starts_with(&key_prefix("ab")));
    }
}
