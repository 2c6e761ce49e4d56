//! Integration tests of the sandbox, in one binary (each test binary costs link time).

mod alerts;
mod common;
mod concurrency;
mod examples;
mod faults;
mod ledger;
mod persistence;
mod schema;
mod seeding;
