//! The alert rules Flexprice applies on create (WALLET_API.md section 3), and the evaluator.

use std::str::FromStr;

use flexwallet::api::models::{AlertCondition, AlertSettings, AlertState, AlertThreshold};
use rust_decimal::Decimal;

fn level(threshold: &str, condition: AlertCondition) -> Option<AlertThreshold> {
    Some(AlertThreshold {
        threshold: Decimal::from_str(threshold).unwrap(),
        condition,
    })
}

fn below(t: &str) -> Option<AlertThreshold> {
    level(t, AlertCondition::Below)
}

fn above(t: &str) -> Option<AlertThreshold> {
    level(t, AlertCondition::Above)
}

fn settings(
    critical: Option<AlertThreshold>,
    warning: Option<AlertThreshold>,
    info: Option<AlertThreshold>,
) -> AlertSettings {
    AlertSettings {
        critical,
        warning,
        info,
        alert_enabled: Some(true),
    }
}

fn field_of(s: &AlertSettings) -> Option<&'static str> {
    s.validate().err().map(|(field, _)| field)
}

#[test]
fn enabled_alerts_need_a_threshold() {
    assert_eq!(field_of(&settings(None, None, None)), Some("alert_settings"));
    let mut off = settings(None, None, None);
    off.alert_enabled = Some(false);
    assert_eq!(off.validate(), Ok(()));
}

#[test]
fn warning_needs_critical_with_the_same_condition_on_the_safe_side() {
    assert_eq!(field_of(&settings(below("50"), below("200"), None)), None);
    assert_eq!(
        field_of(&settings(below("50"), below("50"), None)),
        None,
        "equal is allowed"
    );
    assert_eq!(field_of(&settings(None, below("200"), None)), Some("warning"));
    assert_eq!(
        field_of(&settings(below("50"), above("200"), None)),
        Some("warning")
    );
    let (_, why) = settings(below("50"), below("10"), None).validate().unwrap_err();
    assert_eq!(
        why,
        "warning threshold must be at or above the critical threshold (50)"
    );
    // "above": the safe side is lower.
    assert_eq!(field_of(&settings(above("1000"), above("800"), None)), None);
    assert_eq!(
        field_of(&settings(above("1000"), above("1200"), None)),
        Some("warning")
    );
}

#[test]
fn info_sits_on_the_safe_side_of_warning_or_critical() {
    assert_eq!(field_of(&settings(below("50"), below("200"), below("500"))), None);
    assert_eq!(
        field_of(&settings(below("50"), below("200"), below("100"))),
        Some("info")
    );
    assert_eq!(field_of(&settings(below("50"), None, below("100"))), None);
    assert_eq!(field_of(&settings(below("50"), None, below("10"))), Some("info"));
    assert_eq!(field_of(&settings(None, None, below("10"))), Some("info"));
}

#[test]
fn the_most_severe_level_hit_wins() {
    let s = settings(below("50"), below("200"), below("500"));
    let state = |b: &str| s.evaluate(Decimal::from_str(b).unwrap());
    assert_eq!(state("1000"), AlertState::Ok);
    assert_eq!(state("500"), AlertState::Info, "at the threshold counts");
    assert_eq!(state("150"), AlertState::Warning);
    assert_eq!(state("-3"), AlertState::InAlarm);
    let mut off = s.clone();
    off.alert_enabled = None;
    assert_eq!(off.evaluate(Decimal::from(-3)), AlertState::Ok);
    assert!(AlertState::InAlarm.severity() > AlertState::Warning.severity());
}
