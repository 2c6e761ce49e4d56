//! Terminating a wallet (`POST /wallets/{id}/terminate`): what it will do, said before, and a
//! confirmation typed as the wallet's name or id.

use rust_decimal::Decimal;

use flexprice_wire::models::{Wallet, WalletStatus};
use flexprice_wire::money::{format_amount, format_credits};
use flexprice_wire::text::clean;

#[derive(Debug, Clone)]
pub struct TerminateForm {
    pub wallet: Wallet,
    /// Who owns it, as the list names them.
    pub customer: String,
    /// None: the one thing typed is the confirmation, on the confirm step.
    pub fields: Vec<super::field::Field>,
    /// Another listed wallet has the same name (as shown): the name does not say which, so
    /// only the id confirms.
    pub name_shared: bool,
}

/// Zero-width and soft characters a terminal shows as nothing.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// A wallet's name as the operator sees it (escape sequences and invisible characters gone,
/// blanks around trimmed): what is shown is what is typed. `None`: no name to type.
pub fn shown_name(name: Option<&str>) -> Option<String> {
    let n: String = clean(name?).chars().filter(|c| !invisible(*c)).collect();
    let n = n.trim();
    (!n.is_empty()).then(|| n.to_string())
}

/// Names compared as typed: case aside.
pub fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

impl TerminateForm {
    pub fn new(wallet: Wallet, customer: String) -> TerminateForm {
        TerminateForm {
            wallet,
            customer,
            fields: Vec::new(),
            name_shared: false,
        }
    }

    /// What termination does to this wallet, line by line: the debit of what is left (Flexprice
    /// debits the stored credits as `WALLET_TERMINATION`, keyed by the wallet id) and the
    /// status change.
    pub fn preview(&self) -> Vec<String> {
        let w = &self.wallet;
        let cur = &w.currency;
        let code = cur.to_uppercase();
        let mut out = vec![format!(
            "Terminate {} ({}) of {} · {} {}",
            clean(w.display_name()),
            w.id,
            self.customer,
            w.wallet_type,
            code
        )];
        if w.credit_balance > Decimal::ZERO {
            out.push(format!(
                "• debits the remaining {} credits as WALLET_TERMINATION: balance {} → 0.00 {code}, credits {} → 0.00",
                format_credits(&w.credit_balance),
                format_amount(&w.balance, cur),
                format_credits(&w.credit_balance),
            ));
        } else if w.credit_balance < Decimal::ZERO {
            out.push(format!(
                "• credits below zero ({}): nothing is debited, the closed wallet keeps its {} {code}",
                format_credits(&w.credit_balance),
                format_amount(&w.balance, cur)
            ));
        } else {
            out.push("• no credits left: nothing is debited".to_string());
        }
        out.push(format!(
            "• status {} → closed: for good (no reopening; a closed wallet takes no debits)",
            w.wallet_status
        ));
        out.push("• the customer may then have a new active wallet of this currency and type".to_string());
        if self.name_shared {
            out.push("• another listed wallet has the same name: type the id to confirm".to_string());
        }
        out
    }

    /// The name that confirms, as shown: none when it is blank or another wallet's too.
    fn confirming_name(&self) -> Option<String> {
        shown_name(self.wallet.name.as_deref()).filter(|_| !self.name_shared)
    }

    /// What the operator is asked to type: the wallet's name when it has one (and no other
    /// listed wallet has it), else its id.
    pub fn expected(&self) -> String {
        match self.confirming_name() {
            Some(n) => format!("{n} or {}", self.wallet.id),
            None => self.wallet.id.clone(),
        }
    }

    /// Whether `typed` names this wallet: its id exactly, or its name (surrounding blanks and
    /// case aside).
    pub fn typed_names_it(&self, typed: &str) -> bool {
        let t = typed.trim();
        if t.is_empty() {
            return false;
        }
        t == self.wallet.id || self.confirming_name().is_some_and(|n| same_name(&n, t))
    }
}

/// Why a wallet cannot be terminated now, or `None`.
pub fn refusal(w: &Wallet) -> Option<String> {
    (w.wallet_status == WalletStatus::Closed).then(|| {
        format!(
            "Already terminated: {} ({}) is closed",
            clean(w.display_name()),
            w.id
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wallet() -> Wallet {
        Wallet {
            id: "wallet_01".into(),
            name: Some("Acme Main".into()),
            currency: "usd".into(),
            balance: Decimal::from(120),
            credit_balance: Decimal::from(60),
            conversion_rate: Decimal::from(2),
            ..Default::default()
        }
    }

    #[test]
    fn the_preview_states_the_debit_and_the_status_change() {
        let f = TerminateForm::new(wallet(), "Acme Corp".into());
        let p = f.preview().join("\n");
        assert!(
            p.contains("debits the remaining 60.00 credits as WALLET_TERMINATION: balance 120.00 → 0.00 USD"),
            "{p}"
        );
        assert!(p.contains("status active → closed"), "{p}");
        let mut empty = wallet();
        empty.credit_balance = Decimal::ZERO;
        empty.balance = Decimal::ZERO;
        let p = TerminateForm::new(empty, "x".into()).preview().join("\n");
        assert!(p.contains("no credits left: nothing is debited"), "{p}");
        let mut owing = wallet();
        owing.credit_balance = Decimal::from(-5);
        owing.balance = Decimal::from(-10);
        let p = TerminateForm::new(owing, "x".into()).preview().join("\n");
        assert!(p.contains("the closed wallet keeps its -10.00 USD"), "{p}");
    }

    #[test]
    fn typing_the_name_or_the_id_confirms_nothing_else_does() {
        let f = TerminateForm::new(wallet(), "Acme Corp".into());
        for ok in ["wallet_01", "Acme Main", " acme main ", "ACME MAIN"] {
            assert!(f.typed_names_it(ok), "{ok}");
        }
        for bad in ["", " ", "wallet_0", "WALLET_01", "Acme", "Acme Main x", "y"] {
            assert!(!f.typed_names_it(bad), "{bad}");
        }
        assert_eq!(f.expected(), "Acme Main or wallet_01");
        let mut unnamed = wallet();
        unnamed.name = None;
        let f = TerminateForm::new(unnamed, "x".into());
        assert_eq!(f.expected(), "wallet_01");
        assert!(!f.typed_names_it("(unnamed)"));
    }

    #[test]
    fn a_closed_wallet_is_refused_with_a_clear_message() {
        let mut w = wallet();
        assert_eq!(refusal(&w), None);
        w.wallet_status = WalletStatus::Closed;
        assert_eq!(
            refusal(&w).as_deref(),
            Some("Already terminated: Acme Main (wallet_01) is closed")
        );
    }
}
