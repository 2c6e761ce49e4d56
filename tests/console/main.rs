//! The console, tested from outside: keymap files, whole-screen snapshots, the real binary in a PTY.

mod keymap_errors;
mod perf;
mod pty;
mod pty_demo;
mod pty_forms;
mod snapshots;
