//! The POS API (`/pos/*`), exactly per `shared/spec/POS-API.md`.

pub mod auth;
pub mod entry;
pub mod error;
pub mod offline;
pub mod pair;

use super::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

/// Bodies over this are refused with 413 `PAYLOAD_TOO_LARGE`.
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pos/pair", post(pair::pair))
        .route("/pos/ping", get(pair::ping))
        .route("/pos/check_entry", post(entry::check_entry))
        .route("/pos/confirm_entry", post(entry::confirm_entry))
        .route(
            "/pos/fallback_bin_ranges",
            get(offline::fallback_bin_ranges),
        )
        .route("/pos/whitelisted_pans", get(offline::whitelisted_pans))
        .route("/pos/offline_reports", post(offline::offline_reports))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
