//! Server functions of the Fleet screens: thin adapters over `service::fleet`, the same service
//! functions the platform fleet API (`/api/v1/admin/pos-terminals`) calls. Admin only.
#![allow(clippy::too_many_arguments)]

use access_core::model::{
    AppError, FleetAnalyticsQuery, FleetAnalyticsView, FleetCollection, FleetFilter,
    FleetImportResult, FleetInventoryFilter, FleetInventoryItem, FleetInventoryPage, FleetMapping,
    FleetMetricPoint, FleetMetricsQuery, FleetTerminalDetail, FleetTerminalRow, Page,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod adapt {
    use access_core::model::{
        AppError, FieldError, FleetAssignment, FleetCollection, FleetEvent, FleetInventoryItem,
        FleetMapping, FleetProcessor, FleetStats, FleetTerminalDetail,
    };
    use backend::entity::{collection_sessions, processor_mappings, terminal_id_inventory};
    use backend::service::fleet::details::{Actor, Assignment, TerminalDetails};
    use backend::service::fleet::support::TerminalStatus;
    use backend::service::fleet::{ids, inventory, processors, FleetError};
    use backend::Backend;
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
            contact_name: t.contact_name,
            contact_email: t.contact_email,
            contact_phone: t.contact_phone,
            onboarding_notes: t.onboarding_notes,
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

    /// Location names by id, for the list's "Location" column (the locations service reads
    /// them: server functions never touch entities).
    pub async fn location_names(
        b: &Backend,
        p: &backend::Principal,
        ids: impl Iterator<Item = String>,
    ) -> Result<HashMap<String, String>, AppError> {
        Ok(backend::service::locations::names_by_id(b, p, ids).await?)
    }

    pub fn stats(s: &backend::service::fleet::analytics::Stats) -> FleetStats {
        FleetStats {
            count: s.count,
            successful: s.successful,
            failed: s.failed,
            volume_minor: s.volume,
            fees_minor: s.fees,
            settled_minor: s.settled(),
            average_minor: s.average(),
            success_rate: s.success_rate(),
        }
    }

    pub fn collection(m: collection_sessions::Model) -> FleetCollection {
        FleetCollection {
            id: ids::wire(ids::SESSION, &m.id),
            amount_minor: m.amount_minor,
            currency: m.currency,
            reference: m.reference,
            description: m.description,
            status: m.status,
            expires_at: m.expires_at,
            created_at: m.created_at,
            completed_at: m.completed_at,
        }
    }

    pub fn inventory_item(m: terminal_id_inventory::Model, now: i64) -> FleetInventoryItem {
        let status = inventory::effective_status(&m, now).to_owned();
        let terminal = match status.as_str() {
            inventory::RESERVED => m.reserved_by.clone(),
            inventory::ASSIGNED => m.assigned_terminal_id.clone(),
            _ => None,
        };
        FleetInventoryItem {
            id: ids::wire(ids::INVENTORY, &m.id),
            processor_code: m.processor_id,
            terminal_code: m.terminal_code,
            reserved_until: m.reserved_until.filter(|_| status == inventory::RESERVED),
            terminal_id: terminal.map(|t| ids::wire(ids::TERMINAL, &t)),
            assigned_at: m.assigned_at.filter(|_| status == inventory::ASSIGNED),
            batch_id: m.batch_id,
            notes: m.notes,
            retired_reason: m.retired_reason,
            created_at: m.created_at,
            status,
        }
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

/// `25.5` → 2550 with 2 digits; `None` when not a plain non-negative decimal of at most
/// `digits` decimals.
#[cfg(feature = "ssr")]
fn decimal_minor(s: &str, digits: u32) -> Option<i64> {
    let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
    let ok = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !ok(whole) || !ok(frac) || frac.len() > digits as usize {
        return None;
    }
    let scale = 10i64.checked_pow(digits)?;
    let frac_minor: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().ok()? * 10i64.pow(digits - frac.len() as u32)
    };
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(frac_minor)
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
        &p,
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
    view.location_name = adapt::location_names(&b, &p, view.location_id.clone().into_iter())
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

/// Set a terminal's descriptive fields (name, device, contact, notes) as the form shows them;
/// an empty field is cleared. The same update as `PATCH /api/v1/admin/pos-terminals/{id}`.
#[server(prefix = "/api/fn", endpoint = "fleet/details")]
pub async fn update_terminal_details(
    id: String,
    terminal_name: Option<String>,
    device_model: Option<String>,
    oem: Option<String>,
    profile_id: Option<String>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    onboarding_notes: Option<String>,
) -> Result<(), AppError> {
    use backend::service::fleet::status::{self, TerminalPatch};
    let (b, p) = super::ctx::principal().await?;
    // The form sends every field: each is set, an empty one cleared (a form post cannot tell
    // an empty field from a missing one).
    let set = |v: Option<String>| Some(blank(v));
    let patch = TerminalPatch {
        terminal_name: set(terminal_name),
        device_model: set(device_model),
        oem: set(oem),
        profile_id: set(profile_id),
        contact_name: set(contact_name),
        contact_email: set(contact_email),
        contact_phone: set(contact_phone),
        onboarding_notes: set(onboarding_notes),
        ..Default::default()
    };
    status::update(&b, &p, &id, &patch)
        .await
        .map_err(adapt::err)?;
    Ok(())
}

/// A terminal's transactions in a period: totals, per bucket and per channel.
#[server(prefix = "/api/fn", endpoint = "fleet/analytics")]
pub async fn terminal_analytics(
    id: String,
    #[server(default)] query: FleetAnalyticsQuery,
) -> Result<FleetAnalyticsView, AppError> {
    use backend::service::fleet::analytics;
    use backend::service::fleet::buckets::RangeQuery;
    let (b, p) = super::ctx::principal().await?;
    let now = backend::clock::from_ms(b.now_ms());
    let to = adapt::day_bound(query.to, true)
        .unwrap_or_else(|| now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let from = adapt::day_bound(query.from, false).unwrap_or_else(|| {
        let start = now.date_naive() - chrono::Days::new(29);
        format!("{start}T00:00:00Z")
    });
    let q = RangeQuery {
        from: Some(from),
        to: Some(to),
        interval: blank(query.interval),
    };
    let a = analytics::analytics(&b, &p, &id, &q)
        .await
        .map_err(adapt::err)?;
    Ok(FleetAnalyticsView {
        from: a.period.from,
        to: a.period.to,
        interval: format!("{:?}", a.period.interval).to_lowercase(),
        summary: adapt::stats(&a.summary),
        last_transaction_at: a.last_transaction_at,
        days_since_last_transaction: a.days_since_last_transaction,
        series: a
            .series
            .iter()
            .map(|(at, s)| (*at, adapt::stats(s)))
            .collect(),
        by_channel: a
            .by_channel
            .iter()
            .map(|(c, s)| (c.clone(), adapt::stats(s)))
            .collect(),
    })
}

/// The terminal's most recent collection sessions, newest first.
#[server(prefix = "/api/fn", endpoint = "fleet/collections")]
pub async fn list_collections(id: String) -> Result<Vec<FleetCollection>, AppError> {
    use backend::service::fleet::collections;
    let (b, p) = super::ctx::principal().await?;
    let rows = collections::recent(&b, &p, &id, 20)
        .await
        .map_err(adapt::err)?;
    Ok(rows.into_iter().map(adapt::collection).collect())
}

/// Prepare a collection on the terminal: `amount` as a decimal in the currency's units
/// (`25.00`), converted to minor units for the service.
#[server(prefix = "/api/fn", endpoint = "fleet/collections/prepare")]
pub async fn prepare_collection(
    id: String,
    amount: Option<String>,
    currency: Option<String>,
    reference: Option<String>,
    description: Option<String>,
    expires_in_minutes: Option<String>,
) -> Result<FleetCollection, AppError> {
    use access_core::model::{currency_digits, FieldError};
    use backend::service::fleet::collections::{self, CollectionInput};
    let (b, p) = super::ctx::principal().await?;
    let currency = blank(currency).map(|c| c.to_ascii_uppercase());
    let mut errors = Vec::new();
    // The fleet takes any ISO 4217 code (its default is NGN), so the amount is read with the
    // code's minor digits (2 unless known otherwise) rather than the FX currency table.
    let digits = currency_digits(currency.as_deref().unwrap_or("NGN"));
    let minor = match blank(amount) {
        None => {
            errors.push(FieldError::new("amount", "Enter an amount, e.g. 25.00."));
            None
        }
        Some(a) => match decimal_minor(&a, digits) {
            Some(m) => Some(m),
            None => {
                errors.push(FieldError::new(
                    "amount",
                    format!("A positive amount with at most {digits} decimals, e.g. 25.00."),
                ));
                None
            }
        },
    };
    let expires = match blank(expires_in_minutes) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "expires_in_minutes",
                    "A whole number of minutes.",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let input = CollectionInput {
        amount: minor,
        currency,
        reference: blank(reference),
        description: blank(description),
        expires_in_minutes: expires,
        metadata: None,
    };
    let m = collections::prepare(&b, &p, &id, &input)
        .await
        .map_err(adapt::err)?;
    Ok(adapt::collection(m))
}

/// One page of a processor's terminal-ID inventory.
#[server(prefix = "/api/fn", endpoint = "fleet/inventory")]
pub async fn list_inventory(
    #[server(default)] filter: FleetInventoryFilter,
) -> Result<FleetInventoryPage, AppError> {
    use backend::service::fleet::{inventory, processors};
    let (b, p) = super::ctx::principal().await?;
    const PAGE: u64 = 25;
    let page = filter.page.unwrap_or(1).max(1);
    let processor = blank(filter.processor)
        .or_else(|| processors::ALL.first().map(|p| p.code.to_owned()))
        .unwrap_or_default();
    let q = inventory::InventoryQuery {
        status: blank(filter.status),
        search: blank(filter.search),
        limit: Some(PAGE.to_string()),
        offset: Some(((page - 1) * PAGE).to_string()),
    };
    let r = inventory::list(&b, &p, &processor, &q)
        .await
        .map_err(adapt::err)?;
    let now = r.now;
    Ok(FleetInventoryPage {
        items: r
            .items
            .into_iter()
            .map(|m| adapt::inventory_item(m, now))
            .collect(),
        total: r.total_count,
        page,
        page_size: PAGE,
        processor: processors::find(&processor)
            .map(|p| p.code.to_owned())
            .unwrap_or(processor),
        processors: processors::ALL
            .iter()
            .map(|p| access_core::model::FleetProcessor {
                code: p.code.to_owned(),
                name: p.name.to_owned(),
            })
            .collect(),
    })
}

/// Import processor terminal IDs (one per line, or separated by commas or spaces).
#[server(prefix = "/api/fn", endpoint = "fleet/inventory/import")]
pub async fn import_terminal_ids(
    processor: String,
    terminal_ids: Option<String>,
    batch_reference: Option<String>,
    notes: Option<String>,
) -> Result<FleetImportResult, AppError> {
    use backend::service::fleet::inventory;
    let (b, p) = super::ctx::principal().await?;
    let input = inventory::ImportInput {
        terminal_ids: terminal_ids
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        batch_reference: blank(batch_reference),
        notes: blank(notes),
    };
    let r = inventory::import(&b, &p, &processor, &input)
        .await
        .map_err(adapt::err)?;
    Ok(FleetImportResult {
        imported: r.imported,
        duplicates: r.duplicates,
        failed: r.failed,
        failed_ids: r.failed_ids,
    })
}

/// Release a reserved or assigned terminal ID back to the pool.
#[server(prefix = "/api/fn", endpoint = "fleet/inventory/release")]
pub async fn release_terminal_id(
    inventory_id: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use backend::service::fleet::inventory;
    let (b, p) = super::ctx::principal().await?;
    inventory::release(&b, &p, &inventory_id, blank(reason).as_deref())
        .await
        .map_err(adapt::err)?;
    Ok(())
}

/// Retire a terminal ID for good (a reason is required).
#[server(prefix = "/api/fn", endpoint = "fleet/inventory/retire")]
pub async fn retire_terminal_id(
    inventory_id: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use backend::service::fleet::inventory;
    let (b, p) = super::ctx::principal().await?;
    let input = inventory::RetireInput {
        reason: blank(reason),
    };
    inventory::retire(&b, &p, &inventory_id, &input)
        .await
        .map_err(adapt::err)?;
    Ok(())
}

/// Reserve the oldest available ID of a processor for the terminal.
#[server(prefix = "/api/fn", endpoint = "fleet/inventory/reserve")]
pub async fn reserve_terminal_id(
    id: String,
    processor_code: Option<String>,
) -> Result<FleetInventoryItem, AppError> {
    use backend::service::fleet::inventory;
    let (b, p) = super::ctx::principal().await?;
    let input = inventory::ReserveInput {
        processor_code: blank(processor_code),
    };
    let m = inventory::reserve(&b, &p, &id, &input)
        .await
        .map_err(adapt::err)?;
    Ok(adapt::inventory_item(m, b.now_ms()))
}

/// Assign a reserved ID to the terminal (it becomes a processor mapping).
#[server(prefix = "/api/fn", endpoint = "fleet/inventory/assign")]
pub async fn assign_terminal_id(id: String, inventory_id: String) -> Result<(), AppError> {
    use backend::service::fleet::inventory;
    let (b, p) = super::ctx::principal().await?;
    inventory::assign(&b, &p, &id, &inventory_id)
        .await
        .map_err(adapt::err)?;
    Ok(())
}
