//! `GET /api/v1/admin/pos-terminals`: every tenant's terminals, filtered, searched, sorted,
//! paged, with the optional enrichments.

use super::super::super::entity::{processor_mappings, tenants, terminals};
use super::super::super::{Backend, Principal};
use super::error::{FleetError, FleetResult};
use super::ids;
use super::support::{self, TerminalStatus};
use sea_orm::sea_query::{Expr, Func, LikeExpr, NullOrdering};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;

pub const MAX_PAGE_SIZE: u64 = 200;
pub const DEFAULT_PAGE_SIZE: u64 = 50;
const MAX_PAGE: u64 = 1_000_000;

/// The list's query string as given (values unparsed; `status` may repeat).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TerminalQuery {
    pub tenant_id: Option<String>,
    pub profile_id: Option<String>,
    pub status: Vec<String>,
    pub assignment: Option<String>,
    pub search: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
    pub include_tenant: Option<String>,
    pub include_business: Option<String>,
    pub include_settlement: Option<String>,
    pub include_virtual_account: Option<String>,
    pub include_processor_mappings: Option<String>,
}

impl TerminalQuery {
    /// From the raw `(key, value)` pairs of a query string; unknown keys are ignored, a
    /// repeated single-valued key keeps its last value, `status` collects every value (also
    /// comma-separated ones).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut q = TerminalQuery::default();
        for (k, raw) in pairs {
            let v = Some(raw.clone());
            match k.as_str() {
                "tenant_id" => q.tenant_id = v,
                "profile_id" => q.profile_id = v,
                "status" | "status[]" => q.status.extend(
                    raw.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                "assignment" => q.assignment = v,
                "search" => q.search = v,
                "sort" => q.sort = v,
                "order" => q.order = v,
                "page" => q.page = v,
                "page_size" => q.page_size = v,
                "include_tenant" => q.include_tenant = v,
                "include_business" => q.include_business = v,
                "include_settlement" => q.include_settlement = v,
                "include_virtual_account" => q.include_virtual_account = v,
                "include_processor_mappings" => q.include_processor_mappings = v,
                _ => {}
            }
        }
        q
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    CreatedAt,
    TerminalId,
    Status,
    TerminalName,
}

/// The optional enrichments of each listed terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Include {
    pub tenant: bool,
    pub business: bool,
    pub settlement: bool,
    pub virtual_account: bool,
    pub processor_mappings: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TerminalFilter {
    pub tenant_id: Option<String>,
    pub profile_id: Option<String>,
    pub statuses: Vec<TerminalStatus>,
    pub assigned: Option<bool>,
    pub search: Option<String>,
    pub sort: SortField,
    pub descending: bool,
    pub page: u64,
    pub page_size: u64,
    pub include: Include,
}

fn bad(msg: impl Into<String>) -> FleetError {
    FleetError::InvalidFilter(msg.into())
}

/// `true`/`false` (also `1`/`0`); absent = false.
pub fn parse_bool(name: &str, v: Option<&str>) -> FleetResult<bool> {
    match v.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(bad(format!(
            "{name}: expected true or false, got '{other}'."
        ))),
    }
}

fn parse_num(name: &str, v: Option<&str>, default: u64, max: u64) -> FleetResult<u64> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| bad(format!("{name}: a whole number from 1 to {max}."))),
    }
}

/// A tenant filter: `tenant_<uuid>` or `<uuid>`.
pub fn parse_tenant(v: Option<&str>) -> FleetResult<Option<String>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => ids::parse(s, ids::TENANT)
            .map(Some)
            .ok_or_else(|| bad("tenant_id: a tenant UUID.")),
    }
}

impl TerminalFilter {
    pub fn parse(q: &TerminalQuery) -> FleetResult<Self> {
        let mut statuses = Vec::new();
        for s in &q.status {
            let st = TerminalStatus::parse(s).ok_or_else(|| {
                bad(format!(
                    "status: '{s}' is not one of active, inactive, suspended, blocked."
                ))
            })?;
            if !statuses.contains(&st) {
                statuses.push(st);
            }
        }
        let assigned = match q.assignment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("assigned") => Some(true),
            Some("unassigned") => Some(false),
            Some(o) => {
                return Err(bad(format!(
                    "assignment: '{o}' is not assigned or unassigned."
                )))
            }
        };
        let sort = match q.sort.as_deref().map(str::trim) {
            None | Some("") | Some("created_at") => SortField::CreatedAt,
            Some("terminal_id") => SortField::TerminalId,
            Some("status") => SortField::Status,
            Some("terminal_name") => SortField::TerminalName,
            Some(o) => {
                return Err(bad(format!(
                    "sort: '{o}' is not one of created_at, terminal_id, status, terminal_name."
                )))
            }
        };
        let descending = match q
            .order
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("desc") => true,
            Some("asc") => false,
            Some(o) => return Err(bad(format!("order: '{o}' is not asc or desc."))),
        };
        let profile_id = q
            .profile_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if profile_id.as_ref().is_some_and(|p| p.len() > 64) {
            return Err(bad("profile_id: at most 64 characters."));
        }
        let search = q
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if search.as_ref().is_some_and(|s| s.chars().count() > 100) {
            return Err(bad("search: at most 100 characters."));
        }
        Ok(TerminalFilter {
            tenant_id: parse_tenant(q.tenant_id.as_deref())?,
            profile_id,
            statuses,
            assigned,
            search,
            sort,
            descending,
            page: parse_num("page", q.page.as_deref(), 1, MAX_PAGE)?,
            page_size: parse_num(
                "page_size",
                q.page_size.as_deref(),
                DEFAULT_PAGE_SIZE,
                MAX_PAGE_SIZE,
            )?,
            include: Include {
                tenant: parse_bool("include_tenant", q.include_tenant.as_deref())?,
                business: parse_bool("include_business", q.include_business.as_deref())?,
                settlement: parse_bool("include_settlement", q.include_settlement.as_deref())?,
                virtual_account: parse_bool(
                    "include_virtual_account",
                    q.include_virtual_account.as_deref(),
                )?,
                processor_mappings: parse_bool(
                    "include_processor_mappings",
                    q.include_processor_mappings.as_deref(),
                )?,
            },
        })
    }
}

/// A processor ID of a terminal, as the list's `processor_ids` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessorId {
    pub processor_code: String,
    pub processor_terminal_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TerminalItem {
    pub terminal: terminals::Model,
    /// Filled when `include.tenant`.
    pub tenant_name: Option<String>,
    /// Filled when `include.processor_mappings`: the active mappings, primary first.
    pub processor_ids: Vec<ProcessorId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TerminalPage {
    pub items: Vec<TerminalItem>,
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
    pub include: Include,
}

pub async fn list(b: &Backend, p: &Principal, q: &TerminalQuery) -> FleetResult<TerminalPage> {
    support::require(p)?;
    let f = TerminalFilter::parse(q)?;
    let mut select = terminals::Entity::find();
    if let Some(t) = &f.tenant_id {
        select = select.filter(terminals::Column::TenantId.eq(t.clone()));
    }
    if let Some(pid) = &f.profile_id {
        select = select.filter(terminals::Column::ProfileId.eq(pid.clone()));
    }
    if !f.statuses.is_empty() {
        select =
            select.filter(terminals::Column::Status.is_in(f.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(a) = f.assigned {
        select = select.filter(terminals::Column::Assigned.eq(a));
    }
    if let Some(s) = &f.search {
        let pattern = support::like_pattern(s);
        let mut any = Condition::any();
        for col in [
            terminals::Column::TerminalCode,
            terminals::Column::SerialNumber,
            terminals::Column::TerminalName,
            terminals::Column::BusinessName,
        ] {
            any = any.add(
                Expr::expr(Func::lower(Expr::col((terminals::Entity, col))))
                    .like(LikeExpr::new(pattern.clone()).escape('\\')),
            );
        }
        select = select.filter(any);
    }
    let total = select.clone().count(&b.db).await?;
    let order = if f.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    select = match f.sort {
        SortField::CreatedAt => select.order_by(terminals::Column::CreatedAt, order.clone()),
        SortField::Status => select.order_by(terminals::Column::Status, order.clone()),
        SortField::TerminalId => select.order_by_with_nulls(
            terminals::Column::TerminalCode,
            order.clone(),
            NullOrdering::Last,
        ),
        SortField::TerminalName => select.order_by_with_nulls(
            terminals::Column::TerminalName,
            order.clone(),
            NullOrdering::Last,
        ),
    };
    // A stable order for paging: ties broken by creation, then id.
    let rows = select
        .order_by(terminals::Column::CreatedAt, order)
        .order_by_asc(terminals::Column::Id)
        .offset((f.page - 1) * f.page_size)
        .limit(f.page_size)
        .all(&b.db)
        .await?;
    let tenant_names = if f.include.tenant {
        tenant_names(b, rows.iter().filter_map(|t| t.tenant_id.clone())).await?
    } else {
        HashMap::new()
    };
    let mut mappings = if f.include.processor_mappings {
        active_processor_ids(b, rows.iter().map(|t| t.id.clone())).await?
    } else {
        HashMap::new()
    };
    let items = rows
        .into_iter()
        .map(|t| TerminalItem {
            tenant_name: t
                .tenant_id
                .as_ref()
                .and_then(|id| tenant_names.get(id).cloned()),
            processor_ids: mappings.remove(&t.id).unwrap_or_default(),
            terminal: t,
        })
        .collect();
    Ok(TerminalPage {
        items,
        page: f.page,
        page_size: f.page_size,
        total,
        include: f.include,
    })
}

/// Tenant names by id.
pub async fn tenant_names(
    b: &Backend,
    ids: impl Iterator<Item = String>,
) -> FleetResult<HashMap<String, String>> {
    let mut ids: Vec<String> = ids.collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(tenants::Entity::find()
        .filter(tenants::Column::Id.is_in(ids))
        .all(&b.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// The active processor mappings of these terminals, primary first, then oldest first.
async fn active_processor_ids(
    b: &Backend,
    terminal_ids: impl Iterator<Item = String>,
) -> FleetResult<HashMap<String, Vec<ProcessorId>>> {
    let ids: Vec<String> = terminal_ids.collect();
    let mut out: HashMap<String, Vec<ProcessorId>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = processor_mappings::Entity::find()
        .filter(processor_mappings::Column::TerminalId.is_in(ids))
        .filter(processor_mappings::Column::DeletedAt.is_null())
        .order_by_desc(processor_mappings::Column::IsPrimary)
        .order_by_asc(processor_mappings::Column::CreatedAt)
        .order_by_asc(processor_mappings::Column::Id)
        .all(&b.db)
        .await?;
    for m in rows {
        out.entry(m.terminal_id).or_default().push(ProcessorId {
            processor_code: m.processor_id,
            processor_terminal_id: m.processor_terminal_id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults() {
        let f = TerminalFilter::parse(&TerminalQuery::default()).unwrap();
        assert_eq!(f.page, 1);
        assert_eq!(f.page_size, 50);
        assert_eq!(f.sort, SortField::CreatedAt);
        assert!(f.descending);
        assert_eq!(f.include, Include::default());
    }

    #[test]
    fn repeated_status_and_includes() {
        let q = TerminalQuery::from_pairs(&pairs(&[
            ("status", "active"),
            ("status", "suspended,blocked"),
            ("include_tenant", "true"),
            ("page_size", "200"),
            ("order", "asc"),
            ("sort", "terminal_name"),
        ]));
        let f = TerminalFilter::parse(&q).unwrap();
        assert_eq!(
            f.statuses,
            vec![
                TerminalStatus::Active,
                TerminalStatus::Suspended,
                TerminalStatus::Blocked
            ]
        );
        assert!(f.include.tenant && !f.include.business);
        assert_eq!(f.page_size, 200);
        assert!(!f.descending);
        assert_eq!(f.sort, SortField::TerminalName);
    }

    #[test]
    fn bad_values_are_invalid_filter() {
        for (k, v) in [
            ("status", "paused"),
            ("assignment", "maybe"),
            ("sort", "serial"),
            ("order", "up"),
            ("page", "0"),
            ("page", "x"),
            ("page_size", "201"),
            ("page_size", "0"),
            ("tenant_id", "acme"),
            ("include_business", "yes"),
        ] {
            let q = TerminalQuery::from_pairs(&pairs(&[(k, v)]));
            assert!(
                matches!(TerminalFilter::parse(&q), Err(FleetError::InvalidFilter(_))),
                "{k}={v}"
            );
        }
    }
}
