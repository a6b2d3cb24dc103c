//! The server's one OpenAPI document — POS wire contract, admin REST API and fleet API — served
//! as JSON at `/api-docs/openapi.json` and as a readable page at `/api-docs` (self-contained: no
//! CDN, so it works on an offline operator network).

use super::admin::openapi::AdminApiDoc;
use super::fleet::openapi::FleetApiDoc;
use super::pos;
use super::AppState;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Card-linked access control",
        description = "POS terminal API (wire contract v1), admin REST API and fleet API. \
Errors everywhere have the shape `{\"error\": {\"code\", \"message\"}}`. POS codes are \
UPPER_CASE as the wire contract fixes them; admin codes are lowercase, and an admin `invalid_request` \
adds `fields`: a list of `{\"field\", \"message\"}` naming each bad input."
    ),
    paths(
        pos::pair::pair,
        pos::pair::ping,
        pos::entry::check_entry,
        pos::entry::confirm_entry,
        pos::offline::fallback_bin_ranges,
        pos::offline::whitelisted_pans,
        pos::offline::offline_reports,
    ),
    modifiers(&PosJwt),
    tags((name = "pos", description = "For payment terminals. Every call but /pos/pair carries \
`Authorization: Bearer <JWT>`: RS256, signed with the key the terminal registered when pairing, \
claims `sub` = the terminal's serial number, `iat` and `exp` (`exp - iat` at most 300 s)."))
)]
struct PosApiDoc;

struct PosJwt;

impl Modify for PosJwt {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "pos_jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT (RS256, terminal key)")
                    .build(),
            ),
        );
    }
}

/// The merged document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = PosApiDoc::openapi();
    doc.merge(AdminApiDoc::openapi());
    doc.merge(FleetApiDoc::openapi());
    SharedErrors.modify(&mut doc);
    doc
}

/// The admin operations whose handlers answer a service's validation failure with 422
/// (`crate::http::error::unprocessable`): their schema states what it can, so a refusal then
/// is about a rule beyond it.
const UNPROCESSABLE: &[&str] = &[
    "list_audit_log",
    "change_password",
    "create_card_transactions",
    "import_card_transactions",
    "list_enrolled_cards",
    "create_enrolments",
    "import_enrolments",
    "unenrol_card",
    "list_bin_ranges",
    "import_bin_ranges",
    "list_fx_rates",
    "import_fx_rates",
    "update_fx_rate",
    "list_locations",
    "create_location",
    "update_location",
    "list_operations",
    "get_dashboard",
    "export_operations",
    "export_enrolled_cards",
    "list_rulesets",
    "create_ruleset",
    "update_ruleset",
    "create_tenant",
    "update_tenant",
    "upload_document",
    "accept_documents",
    "try_card",
    "list_users",
    "create_user",
    "update_user",
];

/// The error responses every operation shares, stated once here instead of in each path doc:
/// a secured operation can always answer 401 (no, unknown or expired credentials), and an
/// admin or fleet error response always has the `ApiErrorBody` shape.
struct SharedErrors;

impl Modify for SharedErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        for (path, item) in doc.paths.paths.iter_mut() {
            let rest = path.starts_with("/api/");
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                if secured && !op.responses.responses.contains_key("401") {
                    op.responses.responses.insert(
                        "401".to_owned(),
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(
                                    "unauthorized: missing, unknown or expired credentials",
                                )
                                .build(),
                        ),
                    );
                }
                if !rest {
                    continue;
                }
                let rules = op
                    .operation_id
                    .as_deref()
                    .is_some_and(|id| UNPROCESSABLE.contains(&id));
                if rules && !op.responses.responses.contains_key("422") {
                    op.responses.responses.insert(
                        "422".to_owned(),
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(
                                    "invalid_request: the request matches the schema but a value \
breaks a rule the schema cannot state (a card number's check digit, a CSV row, an impossible date, \
an unknown reference); `fields` name each",
                                )
                                .build(),
                        ),
                    );
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    if let (true, RefOr::T(response)) = (is_error, response) {
                        if response.content.is_empty() {
                            response.content.insert(
                                "application/json".to_owned(),
                                Content::new(Some(Ref::from_schema_name("ApiErrorBody"))),
                            );
                        }
                    }
                }
            }
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-docs", get(page))
        .route("/api-docs/openapi.json", get(json))
}

async fn json() -> impl IntoResponse {
    Json(document())
}

async fn page() -> Html<&'static str> {
    Html(include_str!("page.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_for_every_api() {
        let doc = document();
        for p in [
            "/pos/pair",
            "/pos/ping",
            "/pos/check_entry",
            "/pos/confirm_entry",
            "/pos/fallback_bin_ranges",
            "/pos/whitelisted_pans",
            "/pos/offline_reports",
            "/api/v1/admin/me",
            "/api/v1/admin/pos-terminals",
        ] {
            assert!(doc.paths.paths.contains_key(p), "{p} missing");
        }
        let schemes = &doc.components.as_ref().unwrap().security_schemes;
        assert!(schemes.contains_key("pos_jwt") && schemes.contains_key("bearer"));
    }
}
