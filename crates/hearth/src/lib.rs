//! The `hearth` binary's library half: command-line parsing and the commands, kept out of
//! `main.rs` so tests can run them in-process.

pub mod backup;
pub mod bench;
pub mod bench_dashboard;
pub mod bench_http;
pub mod bench_import;
pub mod bench_programs;
pub mod bench_requests;
pub mod bench_visits;
pub mod cli;
pub mod import;
pub mod report;
