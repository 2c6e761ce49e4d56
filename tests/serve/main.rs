//! `flexwallet serve`, tested from outside: SSH clients (russh) log in with test keys, open the
//! console in a pty and read it through a VT100 parser.

mod audit;
mod bulk;
mod harness;
mod lifecycle;
mod limits;
mod login;
mod roles;
mod shared;
mod traffic;
