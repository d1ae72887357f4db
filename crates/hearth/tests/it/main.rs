//! HTTP-level tests: the real router over a real database. One test binary (linking is the
//! slow part). Each test gets its own fresh database: a new SQLite file, or — when
//! `HEARTH_TEST_POSTGRES_URL` is set — a new PostgreSQL database on that server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod account;
mod admin;
mod api;
mod audit;
mod auth;
mod backup;
mod cases;
mod crash;
mod dashboard;
mod demo;
mod goals;
mod handbook;
mod imports;
mod imports_practices;
mod imports_visits;
mod indicators;
mod jobs;
mod months;
mod pairs;
mod programs;
mod registry_pages;
mod reports;
mod requests;
mod rights;
mod roles;
mod security;
mod shape;
mod sharing;
mod visits;
