//! The terminal-ID inventory.

use super::error::FleetApiResult;
use super::extract::{Body, FleetCaller, OptionalBody, Params};
use super::wire::{self, ts, ts_opt};
use axum::extract::Path;
use axum::Json;
use backend::entity::terminal_id_inventory as inv;
use backend::service::fleet::ids;
use backend::service::fleet::inventory::{
    self, ImportInput, InventoryQuery, ReserveInput, RetireInput,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Reservation {
    /// `inv_<uuid>`
    pub inventory_id: String,
    pub processor_code: String,
    pub processor_terminal_id: String,
    pub status: String,
    pub reserved_for_terminal_id: Option<String>,
    pub reserved_at: Option<String>,
    pub expires_at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/pos-terminals/{terminalID}/processor-ids/reserve", tag = "fleet",
    params(("terminalID" = String, Path)), request_body = ReserveInputDoc,
    responses((status = 200, body = Reservation), (status = 404, description = "no_available_ids, terminal_not_found"),
              (status = 400, description = "already_reserved, invalid_processor, duplicate_mapping"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn reserve(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Body(input): Body<ReserveInput>,
) -> FleetApiResult<Json<Reservation>> {
    let m = inventory::reserve(&b, &p, &id, &input).await?;
    Ok(Json(Reservation {
        inventory_id: wire::id(ids::INVENTORY, &m.id),
        reserved_for_terminal_id: wire::id_opt(ids::TERMINAL, m.reserved_by.as_deref()),
        reserved_at: ts_opt(m.reserved_at),
        expires_at: ts_opt(m.reserved_until),
        processor_code: m.processor_id,
        processor_terminal_id: m.terminal_code,
        status: m.status,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReserveInputDoc {
    pub processor_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assigned {
    pub inventory_id: String,
    pub processor_code: String,
    pub processor_terminal_id: String,
    pub status: String,
    pub assigned_to_terminal_id: Option<String>,
    pub assigned_at: Option<String>,
    /// `map_<uuid>` of the processor mapping created.
    pub mapping_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/pos-terminals/{terminalID}/processor-ids/{inventoryID}/assign", tag = "fleet",
    params(("terminalID" = String, Path), ("inventoryID" = String, Path, description = "inv_<uuid> or <uuid>")),
    responses((status = 200, body = Assigned), (status = 404, description = "inventory_not_found, terminal_not_found"),
              (status = 400, description = "not_reserved, reservation_expired, duplicate_mapping"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn assign(
    FleetCaller(b, p): FleetCaller,
    Path((id, inventory_id)): Path<(String, String)>,
) -> FleetApiResult<Json<Assigned>> {
    let m = inventory::assign(&b, &p, &id, &inventory_id).await?;
    Ok(Json(Assigned {
        inventory_id: wire::id(ids::INVENTORY, &m.id),
        assigned_to_terminal_id: wire::id_opt(ids::TERMINAL, m.assigned_terminal_id.as_deref()),
        assigned_at: ts_opt(m.assigned_at),
        mapping_id: wire::id_opt(ids::MAPPING, m.mapping_id.as_deref()),
        processor_code: m.processor_id,
        processor_terminal_id: m.terminal_code,
        status: m.status,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ImportDoc {
    pub terminal_ids: Vec<String>,
    pub batch_reference: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub imported: u64,
    /// Already in the inventory for this processor, or repeated in the request.
    pub duplicates: u64,
    /// Not a valid terminal ID (1–32 letters, digits, `-`, `_`).
    pub failed: u64,
    pub batch_reference: Option<String>,
    pub inventory_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/pos-processors/{processorID}/terminal-ids/import", tag = "fleet",
    params(("processorID" = String, Path, description = "Code (e.g. nibss), UUID or proc_<uuid>")),
    request_body = ImportDoc,
    responses((status = 200, body = ImportOut), (status = 400, description = "empty_list, invalid_request"),
              (status = 404, description = "processor_not_found: no processor with this code or id"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn import(
    FleetCaller(b, p): FleetCaller,
    Path(processor): Path<String>,
    Body(input): Body<ImportInput>,
) -> FleetApiResult<Json<ImportOut>> {
    let r = inventory::import(&b, &p, &processor, &input).await?;
    Ok(Json(ImportOut {
        imported: r.imported,
        duplicates: r.duplicates,
        failed: r.failed,
        batch_reference: r.batch_reference,
        inventory_ids: r
            .inventory_ids
            .iter()
            .map(|i| wire::id(ids::INVENTORY, i))
            .collect(),
        failed_ids: r.failed_ids,
    }))
}

/// One inventory item; the reservation, assignment and retirement fields appear in the
/// statuses they belong to.
#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryItem {
    pub id: String,
    pub processor_code: String,
    pub processor_terminal_id: String,
    pub status: String,
    pub batch_reference: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_for_terminal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to_terminal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_reason: Option<String>,
}

fn item(m: inv::Model, now: i64) -> InventoryItem {
    let status = inventory::effective_status(&m, now).to_owned();
    let reserved = status == inventory::RESERVED;
    let assigned = status == inventory::ASSIGNED;
    InventoryItem {
        id: wire::id(ids::INVENTORY, &m.id),
        reserved_for_terminal_id: wire::id_opt(ids::TERMINAL, m.reserved_by.as_deref())
            .filter(|_| reserved),
        reserved_at: ts_opt(m.reserved_at).filter(|_| reserved),
        expires_at: ts_opt(m.reserved_until).filter(|_| reserved),
        assigned_to_terminal_id: wire::id_opt(ids::TERMINAL, m.assigned_terminal_id.as_deref())
            .filter(|_| assigned),
        assigned_at: ts_opt(m.assigned_at).filter(|_| assigned),
        mapping_id: wire::id_opt(ids::MAPPING, m.mapping_id.as_deref()).filter(|_| assigned),
        retired_at: ts_opt(m.retired_at),
        retired_reason: m.retired_reason,
        processor_code: m.processor_id,
        processor_terminal_id: m.terminal_code,
        batch_reference: m.batch_id,
        created_at: ts(m.created_at),
        status,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OffsetPagination {
    pub limit: u64,
    pub offset: u64,
    pub total_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryList {
    pub data: Vec<InventoryItem>,
    pub pagination: OffsetPagination,
}

#[utoipa::path(get, path = "/api/v1/admin/pos-processors/{processorID}/terminal-ids", tag = "fleet",
    params(("processorID" = String, Path, description = "Code (e.g. nibss), UUID or proc_<uuid>"), ("status" = Option<String>, Query, description = "available, reserved, assigned, retired", pattern = r"^(available|reserved|assigned|retired)?$"),
           ("search" = Option<String>, Query), ("limit" = Option<u64>, Query, description = "Default 50, at most 200", minimum = 1, maximum = 200),
           ("offset" = Option<u64>, Query)),
    responses((status = 200, body = InventoryList), (status = 400, description = "invalid_filter"),
              (status = 404, description = "processor_not_found: no processor with this code or id"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn list(
    FleetCaller(b, p): FleetCaller,
    Path(processor): Path<String>,
    Params(q): Params<InventoryQuery>,
) -> FleetApiResult<Json<InventoryList>> {
    let page = inventory::list(&b, &p, &processor, &q).await?;
    let now = page.now;
    Ok(Json(InventoryList {
        data: page.items.into_iter().map(|m| item(m, now)).collect(),
        pagination: OffsetPagination {
            limit: page.limit,
            offset: page.offset,
            total_count: page.total_count,
        },
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: Option<String>,
}

/// Retiring needs a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct RetireDoc {
    /// Why the ID leaves the pool for good (not blank).
    #[schema(pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Released {
    pub inventory_id: String,
    pub processor_terminal_id: String,
    pub status: String,
    pub released_at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/pos-processors/terminal-ids/{inventoryID}/release", tag = "fleet",
    params(("inventoryID" = String, Path)), request_body(content = Option<ReasonBody>, description = "Optional"),
    responses((status = 200, body = Released), (status = 404, description = "inventory_not_found"),
              (status = 400, description = "already_available, invalid_transition"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn release(
    FleetCaller(b, p): FleetCaller,
    Path(inventory_id): Path<String>,
    OptionalBody(body): OptionalBody<ReasonBody>,
) -> FleetApiResult<Json<Released>> {
    let m = inventory::release(&b, &p, &inventory_id, body.reason.as_deref()).await?;
    Ok(Json(Released {
        inventory_id: wire::id(ids::INVENTORY, &m.id),
        processor_terminal_id: m.terminal_code,
        status: m.status,
        released_at: ts_opt(m.released_at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Retired {
    pub inventory_id: String,
    pub processor_terminal_id: String,
    pub status: String,
    pub retired_at: Option<String>,
    pub retired_reason: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/admin/pos-processors/terminal-ids/{inventoryID}/retire", tag = "fleet",
    params(("inventoryID" = String, Path)), request_body = RetireDoc,
    responses((status = 200, body = Retired), (status = 404, description = "inventory_not_found"),
              (status = 400, description = "currently_assigned, invalid_transition, invalid_request"),
              (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn retire(
    FleetCaller(b, p): FleetCaller,
    Path(inventory_id): Path<String>,
    Body(input): Body<RetireInput>,
) -> FleetApiResult<Json<Retired>> {
    let m = inventory::retire(&b, &p, &inventory_id, &input).await?;
    Ok(Json(Retired {
        inventory_id: wire::id(ids::INVENTORY, &m.id),
        processor_terminal_id: m.terminal_code,
        status: m.status,
        retired_at: ts_opt(m.retired_at),
        retired_reason: m.retired_reason,
    }))
}
