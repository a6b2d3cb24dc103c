//! The admin REST API's OpenAPI description, to merge into the server's document
//! (`AdminApiDoc::openapi()`). Bodies are described by the mirrors in `super::schema`.

use backend::service::auth::COOKIE_NAME;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    paths(
        super::auth::issue_token,
        super::auth::me,
        super::audit_log::list,
        super::operations::list,
        super::operations::get,
        super::operations::rule,
        super::operations::transactions,
        super::operations::reverse,
        super::operations::dashboard,
        super::cards::list,
        super::cards::get,
        super::cards::enrol,
        super::cards::import,
        super::cards::unenrol,
        super::reports::operations,
        super::reports::cards,
        super::locations::list,
        super::locations::create,
        super::locations::get,
        super::locations::occupancy,
        super::locations::update,
        super::locations::delete,
        super::locations::services,
        super::locations::time_zones,
        super::terminals::list_for_location,
        super::terminals::add,
        super::terminals::pairing_code,
        super::terminals::unpair,
        super::terminals::move_terminal,
        super::terminals::delete,
        super::data::list_bins,
        super::data::import_bins,
        super::data::list_fx,
        super::data::import_fx,
        super::data::update_fx,
        super::pos_messages::list,
        super::pos_messages::update,
        super::pos_messages::reset,
        super::pos_messages::preview,
        super::card_transactions::create,
        super::card_transactions::import,
        super::rulesets::list,
        super::rulesets::create,
        super::rulesets::get,
        super::rulesets::update,
        super::rulesets::delete,
        super::rulesets::versions,
        super::rulesets::version,
        super::try_card::try_card,
        super::terms::list,
        super::terms::upload,
        super::terms::content,
        super::terms::pending,
        super::terms::accept,
        super::terms::panel_upload,
        super::terms::panel_content,
        super::auth::change_password,
        super::tenants::list,
        super::tenants::get,
        super::tenants::create,
        super::tenants::update,
        super::tenants::deactivate,
        super::tenants::activate,
        super::tenants::assign_location,
        super::tenants::unassign_location,
        super::users::disable,
        super::users::enable,
        super::users::unlock,
        super::users::reset_password,
        super::users::list,
        super::users::create,
        super::users::get,
        super::users::update,
        super::users::delete,
    ),
    modifiers(&AdminAuth),
    tags((name = "admin", description = "The panel's services for API clients: operations, \
enrolled cards, reports, locations and their terminals, reference data, rulesets (and trying a \
card against them), T&C documents, users (disable, enable, unlock, one-time password reset), the \
audit log (Admin only) and organisations (`/api/v1/admin/tenants`: issuers with their ICAs, service providers with their \
locations).\n\n\
**Authentication.** `POST /api/v1/auth/token` with e-mail and password returns a short-lived \
token; send it as `Authorization: Bearer <token>` (security scheme `bearer`). A user signed in \
with a one-time password (a new admin, an admin's reset) must first choose its own with \
`POST /api/v1/auth/password`. The panel's session \
cookie (`ac_session`, scheme `session`) is also accepted by the report downloads \
(`/api/v1/admin/reports/*`) and is the only credential of the `/api/panel/*` form endpoints; the \
other endpoints take the bearer token only.\n\n\
**Roles.** As in the panel: Service Providers and Issuers see only their tenant's data (something \
outside it answers 404), and roles that must consent (Service Provider, Issuer, Call Center) get \
403 `consent_required` everywhere but `/api/v1/admin/me`, `/terms` and `/consent` until they \
accept the current documents (`GET`/`POST /api/v1/admin/consent`).\n\n\
**Errors.** `{\"error\": {\"code\", \"message\", \"fields\": [{\"field\", \"message\"}]}}` \
(`ApiErrorBody`): unauthorized and invalid_credentials (401), forbidden and consent_required \
(403), password_change_required (403: signed in with a one-time password; only \
`POST /api/v1/auth/password` is open until it is changed), not_found (404), invalid_request (400 when the request does not match this document — \
`fields` name each problem, `body` or `query` when it could not be read at all; 422 when it \
matches but a value breaks a rule no schema states, such as a card number's check digit, a CSV \
row or an impossible date), conflict (409, `message` says why), too_many_requests (429, with \
`Retry-After`), internal_error (500). Times are epoch milliseconds (UTC) unless given as \
`YYYY-MM-DD`; amounts are in minor units. A NUL character anywhere in a query string is \
refused with 400 before any handler runs."))
)]
pub struct AdminApiDoc;

struct AdminAuth;

impl Modify for AdminAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                COOKIE_NAME,
                "The panel's session cookie, set by signing in on /login",
            ))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::path::{Operation, PathItem};

    /// Every route of `super::routes()`, with its methods.
    const ROUTES: &[(&str, &[&str])] = &[
        ("/api/v1/auth/token", &["post"]),
        ("/api/v1/admin/me", &["get"]),
        ("/api/v1/admin/audit-log", &["get"]),
        ("/api/v1/admin/operations", &["get"]),
        ("/api/v1/admin/operations/{id}", &["get"]),
        ("/api/v1/admin/operations/{id}/rule", &["get"]),
        ("/api/v1/admin/operations/{id}/transactions", &["get"]),
        ("/api/v1/admin/operations/{id}/reversal", &["post"]),
        ("/api/v1/admin/dashboard", &["get"]),
        ("/api/v1/admin/enrolled-cards", &["get", "post"]),
        ("/api/v1/admin/enrolled-cards/import", &["post"]),
        ("/api/v1/admin/enrolled-cards/{id}", &["get", "delete"]),
        ("/api/v1/admin/reports/operations", &["get"]),
        ("/api/v1/admin/reports/cards", &["get"]),
        ("/api/v1/admin/locations", &["get", "post"]),
        ("/api/v1/admin/locations/{id}", &["get", "put", "delete"]),
        ("/api/v1/admin/locations/{id}/occupancy", &["get"]),
        ("/api/v1/admin/services", &["get"]),
        ("/api/v1/admin/time-zones", &["get"]),
        ("/api/v1/admin/locations/{id}/terminals", &["get", "post"]),
        ("/api/v1/admin/terminals/{serial}/pairing-code", &["post"]),
        ("/api/v1/admin/terminals/{serial}/unpair", &["post"]),
        ("/api/v1/admin/terminals/{serial}/location", &["put"]),
        ("/api/v1/admin/terminals/{serial}", &["delete"]),
        ("/api/v1/admin/bin-ranges", &["get"]),
        ("/api/v1/admin/bin-ranges/import", &["post"]),
        ("/api/v1/admin/fx-rates", &["get"]),
        ("/api/v1/admin/fx-rates/import", &["post"]),
        ("/api/v1/admin/fx-rates/{id}", &["put"]),
        ("/api/v1/admin/pos-messages", &["get"]),
        ("/api/v1/admin/pos-messages/preview", &["get"]),
        (
            "/api/v1/admin/pos-messages/{language}/{code}",
            &["put", "delete"],
        ),
        ("/api/v1/admin/card-transactions", &["post"]),
        ("/api/v1/admin/card-transactions/import", &["post"]),
        ("/api/v1/admin/rulesets", &["get", "post"]),
        ("/api/v1/admin/rulesets/{id}", &["get", "put", "delete"]),
        ("/api/v1/admin/rulesets/{id}/versions", &["get"]),
        ("/api/v1/admin/rulesets/{id}/versions/{version}", &["get"]),
        ("/api/v1/admin/try-card", &["post"]),
        ("/api/v1/admin/terms", &["get", "post"]),
        ("/api/v1/admin/terms/{id}/content", &["get"]),
        ("/api/v1/admin/consent", &["get", "post"]),
        ("/api/panel/terms", &["post"]),
        ("/api/panel/terms/{id}/content", &["get"]),
        ("/api/v1/auth/password", &["post"]),
        ("/api/v1/admin/tenants", &["get", "post"]),
        ("/api/v1/admin/tenants/{id}", &["get", "put"]),
        ("/api/v1/admin/tenants/{id}/deactivate", &["post"]),
        ("/api/v1/admin/tenants/{id}/activate", &["post"]),
        (
            "/api/v1/admin/tenants/{id}/locations/{location_id}",
            &["put", "delete"],
        ),
        ("/api/v1/admin/users/{id}/disable", &["post"]),
        ("/api/v1/admin/users/{id}/enable", &["post"]),
        ("/api/v1/admin/users/{id}/unlock", &["post"]),
        ("/api/v1/admin/users/{id}/password-reset", &["post"]),
        ("/api/v1/admin/users", &["get", "post"]),
        ("/api/v1/admin/users/{id}", &["get", "put", "delete"]),
    ];

    const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

    fn operation<'a>(item: &'a PathItem, method: &str) -> Option<&'a Operation> {
        match method {
            "get" => item.get.as_ref(),
            "post" => item.post.as_ref(),
            "put" => item.put.as_ref(),
            "delete" => item.delete.as_ref(),
            "patch" => item.patch.as_ref(),
            _ => None,
        }
    }

    #[test]
    fn documents_every_admin_route() {
        let doc = AdminApiDoc::openapi();
        let mut routed = 0;
        for (path, methods) in ROUTES {
            let item = doc
                .paths
                .paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path} missing"));
            for m in *methods {
                let op = operation(item, m).unwrap_or_else(|| panic!("{m} {path} missing"));
                assert_eq!(
                    op.tags.as_deref(),
                    Some(&["admin".to_owned()][..]),
                    "{path}"
                );
                routed += 1;
            }
        }
        let documented: usize = doc
            .paths
            .paths
            .values()
            .map(|item| {
                METHODS
                    .iter()
                    .filter(|m| operation(item, m).is_some())
                    .count()
            })
            .sum();
        assert_eq!(
            documented, routed,
            "an operation is documented but not routed"
        );
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = AdminApiDoc::openapi();
        let mut ids = std::collections::BTreeSet::new();
        for item in doc.paths.paths.values() {
            for m in METHODS {
                if let Some(op) = operation(item, m) {
                    let id = op.operation_id.clone().unwrap_or_default();
                    assert!(
                        !id.is_empty() && ids.insert(id.clone()),
                        "operation id {id:?}"
                    );
                }
            }
        }
    }

    /// `OpenApi::merge` keeps the first of two schemas with one name: none may be shared.
    #[test]
    fn schema_names_do_not_clash_with_the_fleet_api() {
        let names = |doc: utoipa::openapi::OpenApi| -> Vec<String> {
            doc.components
                .map(|c| c.schemas.into_keys().collect())
                .unwrap_or_default()
        };
        let fleet = names(crate::http::fleet::openapi::FleetApiDoc::openapi());
        let admin = names(AdminApiDoc::openapi());
        assert!(!admin.is_empty());
        for n in &admin {
            assert!(!fleet.contains(n), "schema {n} is in both documents");
        }
    }

    #[test]
    fn secured_except_the_token_endpoint() {
        let doc = AdminApiDoc::openapi();
        for (path, methods) in ROUTES {
            let item = &doc.paths.paths[*path];
            for m in *methods {
                let op = operation(item, m).unwrap_or_else(|| panic!("{m} {path}"));
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                assert_eq!(secured, *path != "/api/v1/auth/token", "{m} {path}");
            }
        }
        let json = doc.to_json().unwrap_or_default();
        for name in [
            "\"bearer\"",
            "\"session\"",
            "ac_session",
            "ApiErrorBody",
            "RulesetDraft",
            "OperationView",
        ] {
            assert!(json.contains(name), "{name} missing");
        }
    }
}
