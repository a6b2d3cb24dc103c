//! The admin REST API (`/api/v1/...`): the same services as the panel, for API clients.

pub mod audit_log;
pub mod auth;
pub mod card_transactions;
pub mod cards;
pub mod data;
pub mod locations;
pub mod openapi;
pub mod operations;
pub mod pos_messages;
pub mod reports;
pub mod rulesets;
pub mod schema;
pub mod tenants;
pub mod terminals;
pub mod terms;
pub mod try_card;
pub mod users;

use super::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/operations", get(operations::list))
        .route("/api/v1/admin/operations/{id}", get(operations::get))
        .route("/api/v1/admin/operations/{id}/rule", get(operations::rule))
        .route(
            "/api/v1/admin/operations/{id}/transactions",
            get(operations::transactions),
        )
        .route(
            "/api/v1/admin/operations/{id}/reversal",
            post(operations::reverse),
        )
        .route("/api/v1/admin/dashboard", get(operations::dashboard))
        .route(
            "/api/v1/admin/enrolled-cards",
            get(cards::list)
                .post(cards::enrol)
                .layer(axum::extract::DefaultBodyLimit::max(cards::BODY_LIMIT)),
        )
        .route(
            "/api/v1/admin/enrolled-cards/import",
            post(cards::import).layer(axum::extract::DefaultBodyLimit::max(cards::BODY_LIMIT)),
        )
        .route(
            "/api/v1/admin/enrolled-cards/{id}",
            get(cards::get).delete(cards::unenrol),
        )
        .route("/api/v1/admin/reports/operations", get(reports::operations))
        .route("/api/v1/admin/reports/cards", get(reports::cards))
        .route("/api/v1/auth/token", post(auth::issue_token))
        .route("/api/v1/admin/me", get(auth::me))
        .route("/api/v1/admin/audit-log", get(audit_log::list))
        .route(
            "/api/v1/admin/locations",
            get(locations::list).post(locations::create),
        )
        .route("/api/v1/admin/services", get(locations::services))
        .route("/api/v1/admin/time-zones", get(locations::time_zones))
        .route("/api/v1/admin/bin-ranges", get(data::list_bins))
        .route("/api/v1/admin/bin-ranges/import", post(data::import_bins))
        .route("/api/v1/admin/fx-rates", get(data::list_fx))
        .route("/api/v1/admin/fx-rates/import", post(data::import_fx))
        .route(
            "/api/v1/admin/card-transactions",
            post(card_transactions::create).layer(axum::extract::DefaultBodyLimit::max(
                card_transactions::BODY_LIMIT,
            )),
        )
        .route(
            "/api/v1/admin/card-transactions/import",
            post(card_transactions::import).layer(axum::extract::DefaultBodyLimit::max(
                card_transactions::BODY_LIMIT,
            )),
        )
        .route(
            "/api/v1/admin/fx-rates/{id}",
            axum::routing::put(data::update_fx),
        )
        .route(
            "/api/v1/admin/rulesets",
            get(rulesets::list).post(rulesets::create),
        )
        .route(
            "/api/v1/admin/rulesets/{id}",
            get(rulesets::get)
                .put(rulesets::update)
                .delete(rulesets::delete),
        )
        .route(
            "/api/v1/admin/rulesets/{id}/versions",
            get(rulesets::versions),
        )
        .route(
            "/api/v1/admin/rulesets/{id}/versions/{version}",
            get(rulesets::version),
        )
        .route(
            "/api/v1/admin/terms",
            get(terms::list)
                .post(terms::upload)
                .layer(axum::extract::DefaultBodyLimit::max(terms_body_limit())),
        )
        .route("/api/v1/admin/terms/{id}/content", get(terms::content))
        .route(
            "/api/v1/admin/consent",
            get(terms::pending).post(terms::accept),
        )
        .route(
            "/api/panel/terms",
            post(terms::panel_upload)
                .layer(axum::extract::DefaultBodyLimit::max(terms_body_limit())),
        )
        .route("/api/panel/terms/{id}/content", get(terms::panel_content))
        .route(
            "/api/v1/admin/locations/{id}",
            get(locations::get)
                .put(locations::update)
                .delete(locations::delete),
        )
        .route(
            "/api/v1/admin/locations/{id}/occupancy",
            get(locations::occupancy),
        )
        .route("/api/v1/admin/pos-messages", get(pos_messages::list))
        .route(
            "/api/v1/admin/pos-messages/preview",
            get(pos_messages::preview),
        )
        .route(
            "/api/v1/admin/pos-messages/{language}/{code}",
            axum::routing::put(pos_messages::update).delete(pos_messages::reset),
        )
        .route("/api/v1/admin/try-card", post(try_card::try_card))
        .route("/api/v1/auth/password", post(auth::change_password))
        .route(
            "/api/v1/admin/tenants",
            get(tenants::list).post(tenants::create),
        )
        .route(
            "/api/v1/admin/tenants/{id}",
            get(tenants::get).put(tenants::update),
        )
        .route(
            "/api/v1/admin/tenants/{id}/deactivate",
            post(tenants::deactivate),
        )
        .route(
            "/api/v1/admin/tenants/{id}/activate",
            post(tenants::activate),
        )
        .route(
            "/api/v1/admin/tenants/{id}/locations/{location_id}",
            axum::routing::put(tenants::assign_location).delete(tenants::unassign_location),
        )
        .route("/api/v1/admin/users/{id}/disable", post(users::disable))
        .route("/api/v1/admin/users/{id}/enable", post(users::enable))
        .route("/api/v1/admin/users/{id}/unlock", post(users::unlock))
        .route(
            "/api/v1/admin/users/{id}/password-reset",
            post(users::reset_password),
        )
        .route("/api/v1/admin/users", get(users::list).post(users::create))
        .route(
            "/api/v1/admin/locations/{id}/terminals",
            get(terminals::list_for_location).post(terminals::add),
        )
        .route(
            "/api/v1/admin/terminals/{serial}/pairing-code",
            post(terminals::pairing_code),
        )
        .route(
            "/api/v1/admin/terminals/{serial}/unpair",
            post(terminals::unpair),
        )
        .route(
            "/api/v1/admin/terminals/{serial}/location",
            axum::routing::put(terminals::move_terminal),
        )
        .route(
            "/api/v1/admin/terminals/{serial}",
            axum::routing::delete(terminals::delete),
        )
        .route(
            "/api/v1/admin/users/{id}",
            get(users::get).put(users::update).delete(users::delete),
        )
}

/// Room for a 5 MB document in base64 plus the form's other fields.
fn terms_body_limit() -> usize {
    access_core::model::MAX_DOCUMENT_BYTES * 4 / 3 + 64 * 1024
}
