//! What the create, terminate and debit forms show beside the top-up's: the head lines, the
//! live preview, the confirm step's summary and the unknown-outcome note.

use ratatui::text::Line;

use crate::app::App;
use crate::app::form::create::CustomerPick;
use crate::app::form::{FormKind, FormState, Submission, field};
use crate::money::{format_amount, format_credits};
use crate::ui::Theme;

/// The head of a lifecycle form (`None`: not one of them).
pub fn head(app: &App, form: &FormState) -> Option<Vec<String>> {
    match &form.kind {
        FormKind::Create(f) => {
            let known = app.table.customers().len();
            let who = match &f.customer {
                CustomerPick::Known { .. } | CustomerPick::External { known: Some(_), .. } => {
                    "customer found"
                }
                CustomerPick::External { known: None, .. } => "customer not in the list",
                CustomerPick::Ambiguous(_) => "several customers match",
                CustomerPick::Empty => "no customer yet",
            };
            Some(vec![
                format!("POST /wallets · {who} ({known} customers known)"),
                "Enter shows every choice before anything is sent".to_string(),
            ])
        }
        FormKind::Debit(f) => {
            let w = &f.wallet;
            Some(vec![
                format!(
                    "{} · {} · balance {} {} · {} credits · {}",
                    w.id,
                    app.customer_label(&w.customer_id),
                    format_amount(&w.balance, &w.currency),
                    w.currency.to_uppercase(),
                    format_credits(&w.credit_balance),
                    w.wallet_status
                ),
                format!(
                    "1 credit = {} {} · MANUAL_BALANCE_DEBIT: corrects a mistaken credit",
                    format_amount(&w.conversion_rate, &w.currency),
                    w.currency.to_uppercase()
                ),
            ])
        }
        FormKind::Terminate(f) => Some(vec![format!("{} · {}", f.wallet.id, f.customer)]),
        _ => None,
    }
}

/// The live result line under a debit form, as the top-up shows one.
pub fn preview(theme: &Theme, form: &FormState) -> Option<Line<'static>> {
    let FormKind::Debit(f) = &form.kind else {
        return None;
    };
    let mut probe = f.clone();
    Some(match probe.validate() {
        Some(plan) => match f.warning(&plan) {
            Some(w) => Line::styled(format!("⚠ {w} · {}", f.preview(&plan)), theme.error()),
            None => Line::styled(format!("→ {}", f.preview(&plan)), theme.success()),
        },
        None => Line::styled("→ fill in the fields to see the balance after", theme.dim()),
    })
}

/// Every field of what will be sent (`None`: not a lifecycle submission).
pub fn summary(s: &Submission) -> Option<Vec<Line<'static>>> {
    let clean = |t: &str| crate::api::text::clean(t).into_owned();
    match s {
        Submission::Create { summary, .. } | Submission::Terminate { summary } => {
            Some(summary.iter().map(|l| Line::from(clean(l))).collect())
        }
        Submission::Debit {
            request,
            preview,
            warning,
        } => {
            let mut out = Vec::new();
            if let Some(w) = warning {
                out.push(Line::from(format!("⚠ {w}")));
            }
            out.push(Line::from(preview.clone()));
            let mut sent = |label: &str, value: String| {
                out.push(Line::from(format!("  {label:<16}{value}")));
            };
            sent("credits", format_credits(&request.credits));
            sent("reason", request.transaction_reason.to_string());
            if let Some(d) = &request.description {
                sent("description", clean(d));
            }
            for (i, (k, v)) in request.metadata.iter().flat_map(|m| m.iter()).enumerate() {
                sent(
                    if i == 0 { "metadata" } else { "" },
                    clean(&field::metadata_line(k, v)),
                );
            }
            sent("idempotency key", request.idempotency_key.clone());
            Some(out)
        }
        Submission::TopUp { .. } | Submission::Update { .. } => None,
    }
}

/// Why retrying an unknown outcome is safe, for this kind of write.
pub fn retry_note(s: &Submission) -> Option<&'static str> {
    match s {
        Submission::TopUp { .. } => Some("Retrying with the same idempotency key can never credit twice."),
        Submission::Debit { .. } => Some("Retrying with the same idempotency key can never debit twice."),
        Submission::Terminate { .. } => {
            Some("Termination's debit is keyed by the wallet id: a retry never debits twice.")
        }
        Submission::Create { .. } => Some(
            "A retry cannot make a second wallet: Flexprice refuses a second active one of this \
             customer, currency and type, and names the one there.",
        ),
        Submission::Update { .. } => None,
    }
}
