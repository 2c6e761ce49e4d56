//! Who owns each wallet: the customers' names and external ids, listed once with the wallets
//! (never one call per wallet), kept in the shared table data so that every console over
//! `serve` reads the leader's one copy.

use std::collections::HashMap;
use std::time::Duration;

use flexprice_wire::ApiError;
use flexprice_wire::models::Customer;
use flexprice_wire::text::clean;

use super::{App, Effect};

/// What the console shows of a customer. Both fields come from the API and are sanitised on
/// the way in: they are drawn in the list, the detail and titles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerInfo {
    pub name: String,
    pub external_id: String,
}

/// Customers by id.
pub type Customers = HashMap<String, CustomerInfo>;

/// Customers by id, from (a page of) the list the API returned: only the name and external id
/// are kept, sanitised.
pub fn by_id(list: Vec<Customer>) -> Customers {
    list.into_iter()
        .map(|c| {
            let info = CustomerInfo {
                name: clean(c.name.trim()).into_owned(),
                external_id: clean(c.external_id.trim()).into_owned(),
            };
            (c.id, info)
        })
        .collect()
}

/// After a failed customer list, the wait before the next: 5 s doubling up to a minute. The
/// wallets do not wait for it: they show customer ids meanwhile.
fn retry_after(failures: u32) -> Duration {
    Duration::from_secs(5u64 << failures.min(4)).min(Duration::from_secs(60))
}

/// The customer list's requests: the latest wins, failures are retried on their own.
#[derive(Debug, Clone, Default)]
pub struct CustomerFetch {
    pub generation: u64,
    pub loading: bool,
    /// Failed lists in a row (0: the last answered).
    pub failures: u32,
    pub retry_due: Option<crate::moment::Moment>,
}

impl App {
    /// The customer `id`'s name and external id, when the customer list has answered.
    pub fn customer(&self, id: &str) -> Option<&CustomerInfo> {
        self.table.customers().get(id)
    }

    /// The customer as an operator names it: the name, else the external id, else the id
    /// itself (the customer list has not answered, or failed: the wallets are shown anyway).
    pub fn customer_label(&self, id: &str) -> String {
        let info = self.customer(id);
        [
            info.map(|c| c.name.as_str()),
            info.map(|c| c.external_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .map_or_else(|| clean(id).into_owned(), str::to_string)
    }

    /// Lists every customer again (with each list of the wallets).
    pub(super) fn load_customers(&mut self) -> Effect {
        let f = &mut self.customer_fetch;
        f.generation += 1;
        f.loading = true;
        f.retry_due = None;
        Effect::LoadCustomers {
            generation: f.generation,
        }
    }

    /// A failed customer list is tried again when its wait is over, not only at the next
    /// list of the wallets (a minute or more away).
    pub(super) fn customers_due(&mut self) -> Option<Effect> {
        let f = &self.customer_fetch;
        let due = !f.loading && f.retry_due.is_some_and(|at| self.now >= at);
        due.then(|| self.load_customers())
    }

    pub(super) fn on_customers_loaded(
        &mut self,
        generation: u64,
        result: Result<Customers, ApiError>,
    ) -> Vec<Effect> {
        if generation != self.customer_fetch.generation {
            return Vec::new();
        }
        self.customer_fetch.loading = false;
        match result {
            Ok(customers) => {
                self.customer_fetch.failures = 0;
                self.table.set_customers(customers);
            }
            Err(e) => {
                // The names stay as they were (ids where there were none); the error log
                // says why.
                self.log_error("list customers", &e);
                let f = &mut self.customer_fetch;
                f.failures = f.failures.saturating_add(1);
                f.retry_due = Some(self.now + retry_after(f.failures - 1));
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
#[path = "customers_tests.rs"]
mod tests;
