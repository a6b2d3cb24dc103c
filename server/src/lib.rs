//! The server: configuration, start-up, and the HTTP surface (panel, admin REST API, POS API).
//! Business logic lives in `backend` (services) and `access_core::domain` (the pure engine).

pub mod acquirer_http;
pub mod admin_cli;
pub mod config;
pub mod http;
pub mod mrs_http;
pub mod rpm_http;
pub mod secrets;
pub mod sim;
pub mod startup;
pub mod telemetry;
pub mod tls;
