//! Processor mappings of a terminal.

use super::error::FleetApiResult;
use super::extract::{Body, FleetCaller};
use super::wire::Mapping;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use backend::service::fleet::mappings::{self, MappingInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct MappingList {
    pub processor_ids: Vec<Mapping>,
}

#[utoipa::path(get, path = "/api/v1/admin/pos-terminals/{terminalID}/processors", tag = "fleet",
    params(("terminalID" = String, Path)),
    responses((status = 200, body = MappingList), (status = 404, description = "terminal_not_found"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn list(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
) -> FleetApiResult<Json<MappingList>> {
    let rows = mappings::list(&b, &p, &id).await?;
    Ok(Json(MappingList {
        processor_ids: rows.into_iter().map(Mapping::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MappingRequest {
    pub processor_code: String,
    pub processor_terminal_id: String,
    /// The first active mapping is primary whatever this says.
    pub is_primary: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/admin/pos-terminals/{terminalID}/processors", tag = "fleet",
    params(("terminalID" = String, Path)), request_body = MappingRequest,
    responses((status = 201, body = Mapping),
              (status = 400, description = "duplicate_mapping, invalid_processor, invalid_request"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn create(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Body(input): Body<MappingInput>,
) -> FleetApiResult<(StatusCode, Json<Mapping>)> {
    let m = mappings::create(&b, &p, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(Mapping::from(m))))
}

#[utoipa::path(patch, path = "/api/v1/admin/pos-terminals/{terminalID}/processors/{mappingID}/primary", tag = "fleet",
    params(("terminalID" = String, Path), ("mappingID" = String, Path, description = "map_<uuid> or <uuid>")),
    responses((status = 204), (status = 404, description = "mapping_not_found, terminal_not_found"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn set_primary(
    FleetCaller(b, p): FleetCaller,
    Path((id, mapping)): Path<(String, String)>,
) -> FleetApiResult<StatusCode> {
    mappings::set_primary(&b, &p, &id, &mapping).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/admin/pos-terminals/{terminalID}/processors/{mappingID}", tag = "fleet",
    params(("terminalID" = String, Path), ("mappingID" = String, Path)),
    responses((status = 204), (status = 400, description = "cannot_delete_primary"),
              (status = 404, description = "mapping_not_found, terminal_not_found"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn delete(
    FleetCaller(b, p): FleetCaller,
    Path((id, mapping)): Path<(String, String)>,
) -> FleetApiResult<StatusCode> {
    mappings::delete(&b, &p, &id, &mapping).await?;
    Ok(StatusCode::NO_CONTENT)
}
