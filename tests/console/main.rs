//! The console, tested from outside: keymap files, whole-screen snapshots, the real binary in a PTY.

mod bytes;
mod forms_sandbox;
#[path = "../common/hostile.rs"]
mod hostile;
mod keymap_errors;
mod keys_readme;
mod ledger_sandbox;
mod perf;
mod pty;
mod pty_audit;
mod pty_bulk;
mod pty_copy;
mod pty_customers;
mod pty_demo;
mod pty_filter;
mod pty_forms;
mod pty_hostile;
mod pty_lifecycle;
mod pty_messages;
mod pty_profile;
mod pty_runway;
mod pty_timeline;
mod pty_truth;
mod sandbox_child;
mod snapshots;
