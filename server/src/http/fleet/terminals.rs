//! Terminal list, details, status/profile changes and business assignment.

use super::error::FleetApiResult;
use super::extract::{Body, FleetCaller, Params};
use super::wire::{self, ts, ts_opt};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use backend::entity::terminals;
use backend::service::fleet::assignment::{self, AssignmentInput};
use backend::service::fleet::details::{self, Assignment, DetailInclude, TerminalDetails};
use backend::service::fleet::status::{self, TerminalPatch};
use backend::service::fleet::terminals::{
    self as list_svc, parse_bool, TerminalItem, TerminalQuery,
};
use backend::service::fleet::{ids, support};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessRef {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessorIdRef {
    /// The processor's code, e.g. `nibss`.
    pub processor_id: String,
    pub terminal_id: String,
}

/// A terminal in the list. The `include_*` fields appear only when requested.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalListItem {
    /// `term_<uuid>`
    pub id: String,
    /// `tenant_<uuid>`
    pub tenant_id: Option<String>,
    /// The processor-issued terminal ID (the primary mapping's).
    pub terminal_id: Option<String>,
    pub terminal_name: Option<String>,
    pub status: String,
    /// `proc_<uuid>` of the primary processor.
    pub processor_id: Option<String>,
    pub serial_number: String,
    pub device_model: Option<String>,
    pub oem: Option<String>,
    pub assigned: bool,
    pub activated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub metadata: Option<Value>,
    /// The access-control location the terminal stands at.
    pub location_id: Option<String>,
    /// `PAIRED` or `NOT_PAIRED`.
    pub pairing_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub tenant_name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub business_name: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<BusinessRef>)]
    pub business: Option<Option<BusinessRef>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub settlement_account: Option<Option<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub virtual_account: Option<Option<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_ids: Option<Vec<ProcessorIdRef>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalList {
    pub terminals: Vec<TerminalListItem>,
    pub pagination: Pagination,
}

fn business_of(t: &terminals::Model) -> Option<BusinessRef> {
    t.business_id.as_ref().map(|id| BusinessRef {
        id: id.clone(),
        name: t.business_name.clone(),
    })
}

fn list_item(item: TerminalItem, inc: list_svc::Include) -> TerminalListItem {
    let t = item.terminal;
    TerminalListItem {
        id: wire::id(ids::TERMINAL, &t.id),
        tenant_id: wire::id_opt(ids::TENANT, t.tenant_id.as_deref()),
        terminal_id: t.terminal_code.clone(),
        terminal_name: t.terminal_name.clone(),
        status: t.status.clone(),
        processor_id: wire::processor_id(t.processor_id.as_deref()),
        serial_number: t.serial_number.clone(),
        device_model: t.device_model.clone(),
        oem: t.oem.clone(),
        assigned: t.assigned,
        activated_at: ts_opt(t.activated_at),
        created_at: ts(t.created_at),
        updated_at: ts(t.updated_at),
        metadata: support::json_of(t.metadata_json.as_deref()),
        location_id: t.location_id.clone(),
        pairing_status: t.pairing_status.clone(),
        tenant_name: inc.tenant.then_some(item.tenant_name),
        business_name: inc.business.then(|| t.business_name.clone()),
        business: inc.business.then(|| business_of(&t)),
        settlement_account: inc
            .settlement
            .then(|| support::json_of(t.settlement_account_json.as_deref())),
        virtual_account: inc
            .virtual_account
            .then(|| support::json_of(t.virtual_account_json.as_deref())),
        processor_ids: inc.processor_mappings.then(|| {
            item.processor_ids
                .into_iter()
                .map(|p| ProcessorIdRef {
                    processor_id: p.processor_code,
                    terminal_id: p.processor_terminal_id,
                })
                .collect()
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/admin/pos-terminals", tag = "fleet",
    params(
        ("tenant_id" = Option<String>, Query, description = "Tenant UUID (`tenant_<uuid>` or `<uuid>`)", pattern = r"^((tenant_)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"),
        ("profile_id" = Option<String>, Query, description = "Terminal profile", max_length = 64),
        ("status" = Option<Vec<TerminalStatusDoc>>, Query, description = "Repeatable"),
        ("assignment" = Option<String>, Query, description = "assigned or unassigned", pattern = r"^(assigned|unassigned)?$"),
        ("search" = Option<String>, Query, description = "Terminal ID, serial number, name or business", max_length = 100),
        ("sort" = Option<String>, Query, description = "created_at (default), terminal_id, status, terminal_name", pattern = r"^(created_at|terminal_id|status|terminal_name)?$"),
        ("order" = Option<String>, Query, description = "desc (default) or asc (any case)", pattern = r"^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])?$"),
        ("page" = Option<u64>, Query, description = "From 1", minimum = 1, maximum = 1000000),
        ("page_size" = Option<u64>, Query, description = "Default 50, at most 200", minimum = 1, maximum = 200),
        ("include_tenant" = Option<bool>, Query), ("include_business" = Option<bool>, Query),
        ("include_settlement" = Option<bool>, Query), ("include_virtual_account" = Option<bool>, Query),
        ("include_processor_mappings" = Option<bool>, Query),
    ),
    responses((status = 200, body = TerminalList), (status = 400, description = "invalid_filter"),
              (status = 401, description = "unauthorized"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn list(
    FleetCaller(b, p): FleetCaller,
    Params(pairs): Params<Vec<(String, String)>>,
) -> FleetApiResult<Json<TerminalList>> {
    let page = list_svc::list(&b, &p, &TerminalQuery::from_pairs(&pairs)).await?;
    let inc = page.include;
    Ok(Json(TerminalList {
        terminals: page.items.into_iter().map(|i| list_item(i, inc)).collect(),
        pagination: Pagination {
            page: page.page,
            page_size: page.page_size,
            total: page.total,
        },
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentAssignment {
    /// `assign_<uuid>`
    pub id: String,
    pub ledger_account_id: Option<String>,
    pub business_id: String,
    pub business_name: String,
    pub assignment_reason: Option<String>,
    /// `admin_<uuid>` of the administrator who assigned it.
    pub assigned_by: String,
    pub assigned_at: String,
}

impl From<&Assignment> for CurrentAssignment {
    fn from(a: &Assignment) -> Self {
        CurrentAssignment {
            id: wire::id(ids::ASSIGNMENT, &a.row.id),
            ledger_account_id: a.row.ledger_account_id.clone(),
            business_id: a.row.business_id.clone(),
            business_name: a.row.business_name.clone(),
            assignment_reason: a.row.assignment_reason.clone(),
            assigned_by: wire::actor_id(&a.assigned_by),
            assigned_at: ts(a.row.assigned_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentItem {
    pub id: String,
    pub ledger_account_id: Option<String>,
    pub ledger_account_name: Option<String>,
    pub assignment_reason: Option<String>,
    pub assigned_at: String,
    pub business_name: String,
    pub business_id: String,
    pub assigned_by: String,
    /// When the assignment ended (`null` for the current one).
    pub unassigned_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventItem {
    pub event_type: String,
    pub timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// One terminal. `assignments`, `events`, `effective_config` and `processor_ids` appear
/// only when requested.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalDetail {
    pub id: String,
    pub tenant_id: Option<String>,
    pub terminal_id: Option<String>,
    pub terminal_name: Option<String>,
    pub status: String,
    pub processor_id: Option<String>,
    pub device_serial: String,
    pub device_model: Option<String>,
    pub oem: Option<String>,
    pub activated_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub onboarding_notes: Option<String>,
    pub settlement_account_id: Option<String>,
    pub settlement_frequency: Option<String>,
    pub settlement_enabled: bool,
    pub geo_latitude: Option<f64>,
    pub geo_longitude: Option<f64>,
    pub tenant_name: Option<String>,
    pub settlement_account: Option<Value>,
    pub current_assignment: Option<CurrentAssignment>,
    pub assigned: bool,
    pub profile_id: Option<String>,
    pub metadata: Option<Value>,
    pub location_id: Option<String>,
    pub pairing_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Vec<AssignmentItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventItem>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor_ids: Option<Vec<wire::Mapping>>,
}

fn detail(d: TerminalDetails) -> TerminalDetail {
    let t = d.terminal;
    TerminalDetail {
        id: wire::id(ids::TERMINAL, &t.id),
        tenant_id: wire::id_opt(ids::TENANT, t.tenant_id.as_deref()),
        terminal_id: t.terminal_code,
        terminal_name: t.terminal_name,
        status: t.status,
        processor_id: wire::processor_id(t.processor_id.as_deref()),
        device_serial: t.serial_number,
        device_model: t.device_model,
        oem: t.oem,
        activated_at: ts_opt(t.activated_at),
        created_at: ts(t.created_at),
        updated_at: ts(t.updated_at),
        contact_name: t.contact_name,
        contact_email: t.contact_email,
        contact_phone: t.contact_phone,
        onboarding_notes: t.onboarding_notes,
        settlement_account_id: t.settlement_account_id,
        settlement_frequency: t.settlement_frequency,
        settlement_enabled: t.settlement_enabled,
        geo_latitude: t.geo_latitude,
        geo_longitude: t.geo_longitude,
        tenant_name: d.tenant_name,
        settlement_account: support::json_of(t.settlement_account_json.as_deref()),
        current_assignment: d.current_assignment.as_ref().map(CurrentAssignment::from),
        assigned: t.assigned,
        profile_id: t.profile_id,
        metadata: support::json_of(t.metadata_json.as_deref()),
        location_id: t.location_id,
        pairing_status: t.pairing_status,
        assignments: d.assignments.map(|list| {
            list.iter()
                .map(|a| AssignmentItem {
                    id: wire::id(ids::ASSIGNMENT, &a.row.id),
                    ledger_account_id: a.row.ledger_account_id.clone(),
                    ledger_account_name: a.row.ledger_account_name.clone(),
                    assignment_reason: a.row.assignment_reason.clone(),
                    assigned_at: ts(a.row.assigned_at),
                    business_name: a.row.business_name.clone(),
                    business_id: a.row.business_id.clone(),
                    assigned_by: wire::actor_id(&a.assigned_by),
                    unassigned_at: ts_opt(a.row.unassigned_at),
                })
                .collect()
        }),
        events: d.events.map(|list| {
            list.into_iter()
                .map(|e| EventItem {
                    event_type: e.event_type,
                    timestamp: ts(e.at),
                    actor_id: e.actor.as_ref().map(wire::actor_id),
                    actor_name: e.actor.and_then(|a| a.name),
                    metadata: e.metadata,
                })
                .collect()
        }),
        effective_config: d.effective_config,
        processor_ids: d
            .processors
            .map(|list| list.into_iter().map(wire::Mapping::from).collect()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub include_assignments: Option<String>,
    pub include_events: Option<String>,
    pub include_config: Option<String>,
    pub include_processors: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/admin/pos-terminals/{terminalID}", tag = "fleet",
    params(("terminalID" = String, Path, description = "term_<uuid> or <uuid>"),
           ("include_assignments" = Option<bool>, Query), ("include_events" = Option<bool>, Query, description = "The last 25 events"),
           ("include_config" = Option<bool>, Query), ("include_processors" = Option<bool>, Query)),
    responses((status = 200, body = TerminalDetail), (status = 400, description = "invalid_filter"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn get(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Params(q): Params<DetailQuery>,
) -> FleetApiResult<Json<TerminalDetail>> {
    let inc = DetailInclude {
        assignments: parse_bool("include_assignments", q.include_assignments.as_deref())?,
        events: parse_bool("include_events", q.include_events.as_deref())?,
        config: parse_bool("include_config", q.include_config.as_deref())?,
        processors: parse_bool("include_processors", q.include_processors.as_deref())?,
    };
    Ok(Json(detail(details::get(&b, &p, &id, inc).await?)))
}

/// A terminal's status, as a list filter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum TerminalStatusDoc {
    Active,
    Inactive,
    Suspended,
    Blocked,
}

/// Status or descriptive fields of a terminal (absent = unchanged, `null` = cleared).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TerminalPatchDoc {
    /// active, inactive, suspended or blocked (blocked is final).
    pub status: Option<String>,
    /// Why the status changes (kept on the event).
    pub reason: Option<String>,
    pub terminal_name: Option<String>,
    pub profile_id: Option<String>,
    pub device_model: Option<String>,
    pub oem: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub onboarding_notes: Option<String>,
    pub settlement_account_id: Option<String>,
    pub settlement_frequency: Option<String>,
    pub settlement_enabled: Option<bool>,
    pub settlement_account: Option<Value>,
    pub virtual_account: Option<Value>,
    pub geo_latitude: Option<f64>,
    pub geo_longitude: Option<f64>,
    pub metadata: Option<Value>,
    pub config: Option<Value>,
}

#[utoipa::path(patch, path = "/api/v1/admin/pos-terminals/{terminalID}", tag = "fleet",
    params(("terminalID" = String, Path)), request_body = TerminalPatchDoc,
    responses((status = 200, body = TerminalDetail), (status = 400, description = "invalid_request, invalid_transition"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn update(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Body(patch): Body<TerminalPatch>,
) -> FleetApiResult<Json<TerminalDetail>> {
    let id = status::update(&b, &p, &id, &patch).await?;
    Ok(Json(detail(
        details::get(&b, &p, &id, DetailInclude::default()).await?,
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AssignmentDoc {
    pub business_id: String,
    pub business_name: String,
    pub ledger_account_id: Option<String>,
    pub ledger_account_name: Option<String>,
    pub assignment_reason: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/admin/pos-terminals/{terminalID}/assignment", tag = "fleet",
    params(("terminalID" = String, Path)), request_body = AssignmentDoc,
    responses((status = 200, body = CurrentAssignment), (status = 400, description = "invalid_request"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn assign(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Body(input): Body<AssignmentInput>,
) -> FleetApiResult<Json<CurrentAssignment>> {
    let a = assignment::assign(&b, &p, &id, &input).await?;
    Ok(Json(CurrentAssignment::from(&a)))
}

#[utoipa::path(delete, path = "/api/v1/admin/pos-terminals/{terminalID}/assignment", tag = "fleet",
    params(("terminalID" = String, Path)),
    responses((status = 204), (status = 400, description = "terminal_unassigned"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn unassign(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
) -> FleetApiResult<StatusCode> {
    assignment::unassign(&b, &p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where to move a terminal (`location_id: null` unassigns it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationMove {
    /// The access-control location's id; `null` unassigns the terminal from any location
    /// (its checks then answer `UNKNOWN_DEVICE`).
    pub location_id: Option<String>,
}

/// Move or unassign a terminal
///
/// Moves the terminal to another access-control location (its pairing stays; its next entries
/// land there), or unassigns it with `{"location_id": null}`. The same service as
/// `PUT /api/v1/admin/terminals/{serial}/location`: a terminal event (`terminal_moved` /
/// `terminal_unassigned`) and an audit entry (`terminal.move`).
#[utoipa::path(put, path = "/api/v1/admin/pos-terminals/{terminalID}/location", tag = "fleet",
    params(("terminalID" = String, Path)), request_body = LocationMove,
    responses((status = 200, body = TerminalDetail),
              (status = 400, description = "invalid_request: `location_id` names no location"),
              (status = 404, description = "terminal_not_found"), (status = 403, description = "forbidden")),
    security(("bearer" = [])))]
pub async fn move_location(
    FleetCaller(b, p): FleetCaller,
    Path(id): Path<String>,
    Body(input): Body<LocationMove>,
) -> FleetApiResult<Json<TerminalDetail>> {
    let to = input
        .location_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let id = assignment::move_to_location(&b, &p, &id, to).await?;
    Ok(Json(detail(
        details::get(&b, &p, &id, DetailInclude::default()).await?,
    )))
}
