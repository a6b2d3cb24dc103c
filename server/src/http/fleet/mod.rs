//! Platform admin API for the terminal fleet (`/api/v1/admin/pos-terminals...`,
//! `/api/v1/admin/pos-processors...`), per shared/spec/003. Handlers are thin: extract,
//! call one service of `backend::service::fleet`, format the wire (RFC 3339 UTC times,
//! `term_`/`map_`/`inv_`/... prefixed ids).
//!
//! Beyond the seed: `PATCH /pos-terminals/{id}` (status changes and descriptive fields) and
//! `PUT`/`DELETE /pos-terminals/{id}/assignment` (business assignment), which the seed's
//! statuses, assignment filter and `terminal_unassigned` error presuppose.

pub mod collections;
pub mod error;
pub mod extract;
pub mod inventory;
pub mod mappings;
pub mod openapi;
pub mod reports;
pub mod terminals;
pub mod wire;

use super::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post, put};
use axum::Router;

/// Bodies over this are refused (an import of 10 000 IDs fits comfortably).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    const T: &str = "/api/v1/admin/pos-terminals";
    const P: &str = "/api/v1/admin/pos-processors";
    Router::new()
        .route(T, get(terminals::list))
        .route(&format!("{T}/metrics"), get(reports::metrics))
        .route(
            &format!("{T}/{{id}}"),
            get(terminals::get).patch(terminals::update),
        )
        .route(
            &format!("{T}/{{id}}/assignment"),
            put(terminals::assign).delete(terminals::unassign),
        )
        .route(
            &format!("{T}/{{id}}/location"),
            put(terminals::move_location),
        )
        .route(&format!("{T}/{{id}}/analytics"), get(reports::analytics))
        .route(
            &format!("{T}/{{id}}/prepare-collection"),
            post(collections::prepare),
        )
        .route(
            &format!("{T}/{{id}}/processors"),
            get(mappings::list).post(mappings::create),
        )
        .route(
            &format!("{T}/{{id}}/processors/{{mapping}}"),
            axum::routing::delete(mappings::delete),
        )
        .route(
            &format!("{T}/{{id}}/processors/{{mapping}}/primary"),
            patch(mappings::set_primary),
        )
        .route(
            &format!("{T}/{{id}}/processor-ids/reserve"),
            post(inventory::reserve),
        )
        .route(
            &format!("{T}/{{id}}/processor-ids/{{inventory}}/assign"),
            post(inventory::assign),
        )
        .route(
            &format!("{P}/{{processor}}/terminal-ids/import"),
            post(inventory::import),
        )
        .route(
            &format!("{P}/{{processor}}/terminal-ids"),
            get(inventory::list),
        )
        .route(
            &format!("{P}/terminal-ids/{{inventory}}/release"),
            post(inventory::release),
        )
        .route(
            &format!("{P}/terminal-ids/{{inventory}}/retire"),
            patch(inventory::retire),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
