//! Integration tests of the sandbox, in one binary (each test binary costs link time).

mod alerts;
mod common;
mod concurrency;
mod customers;
mod examples;
mod faults;
mod fidelity;
mod generated;
mod ledger;
mod persistence;
mod schema;
mod seeding;
mod streaming;
