//! The fleet API's OpenAPI description, to merge into the server's document
//! (`FleetApiDoc::openapi()`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    paths(
        super::terminals::list,
        super::terminals::get,
        super::terminals::update,
        super::terminals::assign,
        super::terminals::unassign,
        super::terminals::move_location,
        super::reports::metrics,
        super::reports::analytics,
        super::collections::prepare,
        super::mappings::list,
        super::mappings::create,
        super::mappings::set_primary,
        super::mappings::delete,
        super::inventory::reserve,
        super::inventory::assign,
        super::inventory::import,
        super::inventory::list,
        super::inventory::release,
        super::inventory::retire,
    ),
    modifiers(&BearerAuth),
    tags((name = "fleet", description = "Platform admin API for POS terminals across all tenants (Admin only). \
Errors: {\"error\": {\"code\", \"message\", \"fields\"}} with 401 unauthorized, 403 forbidden and the codes listed per operation."))
)]
pub struct FleetApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_every_fleet_path() {
        let doc = FleetApiDoc::openapi();
        let paths: Vec<&String> = doc.paths.paths.keys().collect();
        for p in [
            "/api/v1/admin/pos-terminals",
            "/api/v1/admin/pos-terminals/metrics",
            "/api/v1/admin/pos-terminals/{terminalID}",
            "/api/v1/admin/pos-terminals/{terminalID}/analytics",
            "/api/v1/admin/pos-terminals/{terminalID}/location",
            "/api/v1/admin/pos-terminals/{terminalID}/prepare-collection",
            "/api/v1/admin/pos-terminals/{terminalID}/processors",
            "/api/v1/admin/pos-terminals/{terminalID}/processors/{mappingID}",
            "/api/v1/admin/pos-terminals/{terminalID}/processors/{mappingID}/primary",
            "/api/v1/admin/pos-terminals/{terminalID}/processor-ids/reserve",
            "/api/v1/admin/pos-terminals/{terminalID}/processor-ids/{inventoryID}/assign",
            "/api/v1/admin/pos-processors/{processorID}/terminal-ids/import",
            "/api/v1/admin/pos-processors/{processorID}/terminal-ids",
            "/api/v1/admin/pos-processors/terminal-ids/{inventoryID}/release",
            "/api/v1/admin/pos-processors/terminal-ids/{inventoryID}/retire",
        ] {
            assert!(paths.iter().any(|k| k.as_str() == p), "{p} missing");
        }
        let json = doc.to_json().unwrap_or_default();
        assert!(json.contains("TerminalList") && json.contains("bearer"));
    }
}
