//! The bulk engine against the sandbox: faults, kill -9 and resume, and the CSV fixtures.

mod bounds;
mod common;
mod conflict;
mod faults;
mod fixtures;
mod invoices;
mod kill_resume;
mod two_runs;
