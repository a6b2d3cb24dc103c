//! Server functions of the Fleet screens: thin adapters over `service::fleet`, the same service
//! functions the platform fleet API (`/api/v1/admin/pos-terminals`) calls. Admin only.

use access_core::model::{
    AppError, FleetFilter, FleetMapping, FleetMetricPoint, FleetMetricsQuery, FleetTerminalDetail,
    FleetTerminalRow, Page,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod adapt {
    use access_core::model::{
        AppError, FieldError, FleetAssignment, FleetEvent, FleetMapping, FleetProcessor,
        FleetTerminalDetail,
    };
    use backend::entity::{locations, processor_mappings};
    use backend::service::fleet::details::{Actor, Assignment, TerminalDetails};
    use backend::service::fleet::support::TerminalStatus;
    use backend::service::fleet::{ids, processors, FleetError};
    use backend::Backend;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use std::collections::HashMap;

    /// The fleet's errors as the panel's: not-found codes are `NotFound`, field errors stay
    /// field errors, the other fleet codes keep their message.
    pub fn err(e: FleetError) -> AppError {
        match e {
            FleetError::Service(s) => s.into(),
            e if e.is_not_found() => AppError::NotFound,
            FleetError::InvalidRequest(v) => AppError::Validation(v),
            FleetError::InvalidFilter(m) => {
                AppError::Validation(vec![FieldError::new("filter", m)])
            }
            FleetError::InvalidDateRange(m) => {
                AppError::Validation(vec![FieldError::new("range", m)])
            }
            other => AppError::Conflict(other.to_string()),
        }
    }

    fn actor_name(a: &Actor) -> String {
        a.name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| a.id.clone())
    }

    fn assignment(a: &Assignment) -> FleetAssignment {
        FleetAssignment {
            id: ids::wire(ids::ASSIGNMENT, &a.row.id),
            business_id: a.row.business_id.clone(),
            business_name: a.row.business_name.clone(),
            ledger_account_id: a.row.ledger_account_id.clone(),
            ledger_account_name: a.row.ledger_account_name.clone(),
            reason: a.row.assignment_reason.clone(),
            assigned_by: actor_name(&a.assigned_by),
            assigned_at: a.row.assigned_at,
            unassigned_at: a.row.unassigned_at,
        }
    }

    pub fn mapping(m: processor_mappings::Model) -> FleetMapping {
        FleetMapping {
            id: ids::wire(ids::MAPPING, &m.id),
            processor_code: m.processor_id,
            processor_terminal_id: m.processor_terminal_id,
            is_primary: m.is_primary,
            active: m.deleted_at.is_none(),
            created_at: m.created_at,
        }
    }

    /// The statuses a terminal may move to: any other one, none once blocked.
    fn next_statuses(current: &str) -> Vec<String> {
        match TerminalStatus::parse(current) {
            Some(TerminalStatus::Blocked) => Vec::new(),
            cur => TerminalStatus::ALL
                .iter()
                .copied()
                .filter(|s| Some(*s) != cur)
                .map(|s| s.as_str().to_owned())
                .collect(),
        }
    }

    pub fn detail(d: TerminalDetails) -> FleetTerminalDetail {
        let t = d.terminal;
        let mut events: Vec<FleetEvent> = d
            .events
            .unwrap_or_default()
            .into_iter()
            .map(|e| FleetEvent {
                event_type: e.event_type,
                at: e.at,
                actor_name: e.actor.as_ref().map(actor_name),
                metadata: e.metadata.map(|m| m.to_string()).unwrap_or_default(),
            })
            .collect();
        events.reverse();
        FleetTerminalDetail {
            id: ids::wire(ids::TERMINAL, &t.id),
            next_statuses: next_statuses(&t.status),
            serial_number: t.serial_number,
            terminal_id: t.terminal_code,
            terminal_name: t.terminal_name,
            status: t.status,
            tenant_id: t.tenant_id.as_deref().map(|x| ids::wire(ids::TENANT, x)),
            tenant_name: d.tenant_name,
            device_model: t.device_model,
            oem: t.oem,
            profile_id: t.profile_id,
            location_id: t.location_id,
            location_name: None,
            pairing_status: t.pairing_status,
            activated_at: t.activated_at,
            last_seen_at: t.last_seen_at,
            created_at: t.created_at,
            updated_at: t.updated_at,
            current_assignment: d.current_assignment.as_ref().map(assignment),
            assignments: d
                .assignments
                .unwrap_or_default()
                .iter()
                .map(assignment)
                .collect(),
            events,
            processors: d
                .processors
                .unwrap_or_default()
                .into_iter()
                .map(mapping)
                .collect(),
            known_processors: processors::ALL
                .iter()
                .map(|p| FleetProcessor {
                    code: p.code.to_owned(),
                    name: p.name.to_owned(),
                })
                .collect(),
        }
    }

    /// Location names by id, for the list's "Location" column.
    pub async fn location_names(
        b: &Backend,
        ids: impl Iterator<Item = String>,
    ) -> Result<HashMap<String, String>, AppError> {
        let mut ids: Vec<String> = ids.collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = locations::Entity::find()
            .filter(locations::Column::Id.is_in(ids))
            .all(&b.db)
            .await
            .map_err(|e| AppError::from(backend::ServiceError::Db(e)))?;
        Ok(rows.into_iter().map(|l| (l.id, l.name)).collect())
    }

    /// A form's date (`YYYY-MM-DD`) as the start or the end of that UTC day; other values as
    /// given (RFC 3339 times).
    pub fn day_bound(v: Option<String>, end: bool) -> Option<String> {
        let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())?;
        if chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_ok() {
            Some(if end {
                format!("{v}T23:59:59Z")
            } else {
                format!("{v}T00:00:00Z")
            })
        } else {
            Some(v)
        }
    }
}

#[cfg(feature = "ssr")]
fn blank(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// One page of the fleet, filtered as the list's query string filters it.
#[server(prefix = "/api/fn", endpoint = "fleet/list")]
pub async fn list_terminals(
    #[server(default)] filter: FleetFilter,
) -> Result<Page<FleetTerminalRow>, AppError> {
    use backend::service::fleet::ids;
    use backend::service::fleet::terminals::{self, TerminalQuery};
    let (b, p) = super::ctx::principal().await?;
    let q = TerminalQuery {
        tenant_id: blank(filter.tenant_id),
        status: filter.status,
        assignment: blank(filter.assignment),
        search: blank(filter.search),
        sort: blank(filter.sort),
        order: blank(filter.order),
        page: filter.page.map(|n| n.to_string()),
        page_size: Some("25".into()),
        include_tenant: Some("true".into()),
        include_business: Some("true".into()),
        ..Default::default()
    };
    let page = terminals::list(&b, &p, &q).await.map_err(adapt::err)?;
    let names = adapt::location_names(
        &b,
        page.items
            .iter()
            .filter_map(|i| i.terminal.location_id.clone()),
    )
    .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|i| {
                let t = i.terminal;
                FleetTerminalRow {
                    id: ids::wire(ids::TERMINAL, &t.id),
                    location_name: t.location_id.as_ref().and_then(|l| names.get(l).cloned()),
                    serial_number: t.serial_number,
                    terminal_id: t.terminal_code,
                    terminal_name: t.terminal_name,
                    status: t.status,
                    tenant_id: t.tenant_id.as_deref().map(|x| ids::wire(ids::TENANT, x)),
                    tenant_name: i.tenant_name,
                    assigned: t.assigned,
                    business_name: t.business_name,
                    location_id: t.location_id,
                    pairing_status: t.pairing_status,
                    last_seen_at: t.last_seen_at,
                }
            })
            .collect(),
        page: page.page,
        page_size: page.page_size,
        total: page.total,
    })
}

/// One terminal with its assignment history, recent events and processor mappings.
#[server(prefix = "/api/fn", endpoint = "fleet/get")]
pub async fn get_terminal(id: String) -> Result<FleetTerminalDetail, AppError> {
    use backend::service::fleet::details::{self, DetailInclude};
    let (b, p) = super::ctx::principal().await?;
    let inc = DetailInclude {
        assignments: true,
        events: true,
        config: false,
        processors: true,
    };
    let d = details::get(&b, &p, &id, inc).await.map_err(adapt::err)?;
    let mut view = adapt::detail(d);
    view.location_name = adapt::location_names(&b, view.location_id.clone().into_iter())
        .await?
        .into_values()
        .next();
    Ok(view)
}

/// Move a terminal to another status (the reason is kept on the event).
#[server(prefix = "/api/fn", endpoint = "fleet/status")]
pub async fn update_terminal_status(
    id: String,
    status: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use backend::service::fleet::status::{self, TerminalPatch};
    let (b, p) = super::ctx::principal().await?;
    let patch = TerminalPatch {
        status: Some(status),
        reason: blank(reason),
        ..Default::default()
    };
    status::update(&b, &p, &id, &patch)
        .await
        .map_err(adapt::err)?;
    Ok(())
}

/// Assign the terminal to a business (replacing the current assignment).
#[server(prefix = "/api/fn", endpoint = "fleet/assign")]
pub async fn assign_terminal(
    id: String,
    business_id: Option<String>,
    business_name: Option<String>,
    ledger_account_id: Option<String>,
    ledger_account_name: Option<String>,
    assignment_reason: Option<String>,
) -> Result<(), AppError> {
    use backend::service::fleet::assignment::{self, AssignmentInput};
    let (b, p) = super::ctx::principal().await?;
    let input = AssignmentInput {
        business_id: blank(business_id),
        business_name: blank(business_name),
        ledger_account_id: blank(ledger_account_id),
        ledger_account_name: blank(ledger_account_name),
        assignment_reason: blank(assignment_reason),
    };
    assignment::assign(&b, &p, &id, &input)
        .await
        .map_err(adapt::err)?;
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "fleet/unassign")]
pub async fn unassign_terminal(id: String) -> Result<(), AppError> {
    use backend::service::fleet::assignment;
    let (b, p) = super::ctx::principal().await?;
    assignment::unassign(&b, &p, &id).await.map_err(adapt::err)
}

/// The terminal's processor mappings, deleted ones too.
#[server(prefix = "/api/fn", endpoint = "fleet/mappings")]
pub async fn list_mappings(id: String) -> Result<Vec<FleetMapping>, AppError> {
    use backend::service::fleet::mappings;
    let (b, p) = super::ctx::principal().await?;
    let rows = mappings::list(&b, &p, &id).await.map_err(adapt::err)?;
    Ok(rows.into_iter().map(adapt::mapping).collect())
}

/// Map the terminal to a processor's terminal ID; `is_primary` is a checkbox (present = on).
#[server(prefix = "/api/fn", endpoint = "fleet/mappings/create")]
pub async fn create_mapping(
    id: String,
    processor_code: Option<String>,
    processor_terminal_id: Option<String>,
    is_primary: Option<String>,
) -> Result<FleetMapping, AppError> {
    use backend::service::fleet::mappings::{self, MappingInput};
    let (b, p) = super::ctx::principal().await?;
    let input = MappingInput {
        processor_code: blank(processor_code),
        processor_terminal_id: blank(processor_terminal_id),
        is_primary: Some(
            is_primary.is_some_and(|v| !matches!(v.trim(), "" | "false" | "0" | "off")),
        ),
    };
    let m = mappings::create(&b, &p, &id, &input)
        .await
        .map_err(adapt::err)?;
    Ok(adapt::mapping(m))
}

#[server(prefix = "/api/fn", endpoint = "fleet/mappings/primary")]
pub async fn set_primary_mapping(id: String, mapping_id: String) -> Result<(), AppError> {
    use backend::service::fleet::mappings;
    let (b, p) = super::ctx::principal().await?;
    mappings::set_primary(&b, &p, &id, &mapping_id)
        .await
        .map_err(adapt::err)
}

#[server(prefix = "/api/fn", endpoint = "fleet/mappings/delete")]
pub async fn delete_mapping(id: String, mapping_id: String) -> Result<(), AppError> {
    use backend::service::fleet::mappings;
    let (b, p) = super::ctx::principal().await?;
    mappings::delete(&b, &p, &id, &mapping_id)
        .await
        .map_err(adapt::err)
}

/// How many terminals existed, were active and were assigned per bucket of the range.
#[server(prefix = "/api/fn", endpoint = "fleet/metrics")]
pub async fn fleet_metrics(
    #[server(default)] query: FleetMetricsQuery,
) -> Result<Vec<FleetMetricPoint>, AppError> {
    use backend::service::fleet::metrics::{self, MetricsQuery};
    use chrono::SecondsFormat;
    let (b, p) = super::ctx::principal().await?;
    let now = backend::clock::from_ms(b.now_ms());
    let to = adapt::day_bound(query.to, true)
        .unwrap_or_else(|| now.to_rfc3339_opts(SecondsFormat::Secs, true));
    let from = adapt::day_bound(query.from, false).unwrap_or_else(|| {
        let start = now.date_naive() - chrono::Days::new(29);
        format!("{start}T00:00:00Z")
    });
    let q = MetricsQuery {
        from: Some(from),
        to: Some(to),
        interval: blank(query.interval),
        tenant_id: blank(query.tenant_id),
    };
    let points = metrics::metrics(&b, &p, &q).await.map_err(adapt::err)?;
    Ok(points
        .into_iter()
        .map(|m| FleetMetricPoint {
            bucket: m.bucket,
            total: m.total,
            active: m.active,
            assigned: m.assigned,
        })
        .collect())
}
