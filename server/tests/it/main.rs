//! The server's integration tests, one binary so the server links once: a module per area,
//! each driving the real HTTP surface (POS with RS256 JWTs from real RSA keys, the admin API,
//! the panel's server functions) on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.
//! Run one area with `cargo test -p server --test it -- capacity::`.

mod common;

mod acquirer_http;
mod acquirer_lifecycle;
mod admin_users;
mod assets;
mod capacity;
mod card_transactions;
mod crash_recovery;
mod currency_per_price;
mod day_one;
mod enrolled_visits;
mod enrolments;
mod fleet_api;
mod hardening;
mod live_feed;
mod mrs_feed;
mod offline_policy;
mod operations_reports;
mod panel_admin;
mod panel_errors;
mod panel_fleet;
mod pos_auth;
mod pos_entry;
mod pos_messages;
mod pos_offline;
mod role_matrix;
mod rpm_hook;
mod security_auth;
mod security_scope;
mod terminal_move;
mod time_zones;
mod tls;
mod try_card;
