//! The fleet page's view types: what the panel's fleet server functions send to the browser.
//! Ids are the fleet API's wire ids (`term_<uuid>`, `map_<uuid>`); times are epoch milliseconds.

use super::operation::query_string;
use serde::{Deserialize, Serialize};

/// The fleet statuses, in the order the filters show them.
pub const FLEET_STATUSES: [&str; 4] = ["active", "inactive", "suspended", "blocked"];

/// The list's filters as the URL keeps them (`status` may repeat).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FleetFilter {
    pub status: Vec<String>,
    pub search: Option<String>,
    /// `assigned` or `unassigned`.
    pub assignment: Option<String>,
    pub tenant_id: Option<String>,
    /// `created_at` (default), `terminal_id`, `status`, `terminal_name`.
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    pub order: Option<String>,
    pub page: Option<u64>,
}

impl FleetFilter {
    /// The filter as `(key, value)` pairs of a query string (without the page).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> =
            self.status.iter().map(|s| ("status", s.clone())).collect();
        for (k, v) in [
            ("search", &self.search),
            ("assignment", &self.assignment),
            ("tenant_id", &self.tenant_id),
            ("sort", &self.sort),
            ("order", &self.order),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                out.push((k, v.clone()));
            }
        }
        out
    }

    pub fn query_string(&self) -> String {
        query_string(&self.query_pairs())
    }
}

/// One terminal of the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetTerminalRow {
    /// `term_<uuid>`
    pub id: String,
    pub serial_number: String,
    /// The processor-issued terminal ID (the primary mapping's).
    pub terminal_id: Option<String>,
    pub terminal_name: Option<String>,
    pub status: String,
    pub tenant_id: Option<String>,
    pub tenant_name: Option<String>,
    pub assigned: bool,
    pub business_name: Option<String>,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub pairing_status: String,
    pub last_seen_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetAssignment {
    /// `assign_<uuid>`
    pub id: String,
    pub business_id: String,
    pub business_name: String,
    pub ledger_account_id: Option<String>,
    pub ledger_account_name: Option<String>,
    pub reason: Option<String>,
    /// The administrator's name (or id when unknown).
    pub assigned_by: String,
    pub assigned_at: i64,
    pub unassigned_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetEvent {
    pub event_type: String,
    pub at: i64,
    pub actor_name: Option<String>,
    /// The event's metadata as compact JSON (empty when none).
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetMapping {
    /// `map_<uuid>`
    pub id: String,
    pub processor_code: String,
    pub processor_terminal_id: String,
    pub is_primary: bool,
    /// False once soft-deleted.
    pub active: bool,
    pub created_at: i64,
}

/// A processor the platform knows: `(code, name)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetProcessor {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetTerminalDetail {
    /// `term_<uuid>`
    pub id: String,
    pub serial_number: String,
    pub terminal_id: Option<String>,
    pub terminal_name: Option<String>,
    pub status: String,
    /// The statuses the lifecycle allows from the current one (empty once blocked).
    pub next_statuses: Vec<String>,
    /// `tenant_<uuid>`
    pub tenant_id: Option<String>,
    pub tenant_name: Option<String>,
    pub device_model: Option<String>,
    pub oem: Option<String>,
    pub profile_id: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub onboarding_notes: Option<String>,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub pairing_status: String,
    pub activated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub current_assignment: Option<FleetAssignment>,
    /// Newest first.
    pub assignments: Vec<FleetAssignment>,
    /// The most recent events, newest first.
    pub events: Vec<FleetEvent>,
    /// Every mapping, deleted ones too.
    pub processors: Vec<FleetMapping>,
    pub known_processors: Vec<FleetProcessor>,
}

/// The metrics' range: dates (`YYYY-MM-DD`) or RFC 3339 times; absent = the last 30 days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FleetMetricsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `day` (default), `week` or `month`.
    pub interval: Option<String>,
    pub tenant_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetMetricPoint {
    /// The bucket's start (UTC midnight).
    pub bucket: i64,
    pub total: u64,
    pub active: u64,
    pub assigned: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_repeats_status_and_skips_empty() {
        let f = FleetFilter {
            status: vec!["active".into(), "suspended".into()],
            search: Some("pax 1".into()),
            assignment: Some(String::new()),
            page: Some(3),
            ..Default::default()
        };
        assert_eq!(
            f.query_string(),
            "status=active&status=suspended&search=pax%201"
        );
    }
}

/// The period of a terminal's analytics as the form gives it (`YYYY-MM-DD` days, UTC, or
/// RFC 3339 times); empty: the last 30 days by day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FleetAnalyticsQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `day` (default), `week`, `month`.
    pub interval: Option<String>,
}

/// Counts and amounts of a terminal's transactions (entries and collections) in a period or
/// bucket; amounts in minor units (summed whatever their currency, as the fleet API does).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetStats {
    pub count: u64,
    pub successful: u64,
    pub failed: u64,
    pub volume_minor: i64,
    pub fees_minor: i64,
    pub settled_minor: i64,
    pub average_minor: i64,
    /// Percent of successful transactions, two decimals.
    pub success_rate: f64,
}

/// A terminal's analytics (`GET /api/v1/admin/pos-terminals/{id}/analytics` in the panel).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetAnalyticsView {
    pub from: i64,
    pub to: i64,
    pub interval: String,
    pub summary: FleetStats,
    pub last_transaction_at: Option<i64>,
    pub days_since_last_transaction: Option<i64>,
    /// `(bucket start, stats)`.
    pub series: Vec<(i64, FleetStats)>,
    /// `(channel, stats)`.
    pub by_channel: Vec<(String, FleetStats)>,
}

/// A collection session (`prepare-collection`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetCollection {
    /// `sess_<uuid>`
    pub id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// `pending`, `completed`, `expired`, `cancelled` (a pending one past `expires_at` shows
    /// as `expired`).
    pub status: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// The terminal-ID inventory screen's filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FleetInventoryFilter {
    /// Processor code (`proc_…` or the bare code); empty: the first known processor.
    pub processor: Option<String>,
    /// `available`, `reserved`, `assigned`, `retired`.
    pub status: Option<String>,
    pub search: Option<String>,
    pub page: Option<u64>,
}

/// One processor terminal ID of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetInventoryItem {
    /// `inv_<uuid>`
    pub id: String,
    pub processor_code: String,
    pub terminal_code: String,
    /// The effective status (an expired reservation is `available`).
    pub status: String,
    pub reserved_until: Option<i64>,
    /// `term_<uuid>` of the terminal it is reserved for or assigned to.
    pub terminal_id: Option<String>,
    pub assigned_at: Option<i64>,
    pub batch_id: Option<String>,
    pub notes: Option<String>,
    pub retired_reason: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetInventoryPage {
    pub items: Vec<FleetInventoryItem>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    /// The processor listed (its code).
    pub processor: String,
    /// Every known processor (the filter's and the import's choices).
    pub processors: Vec<FleetProcessor>,
}

/// What an import of processor terminal IDs did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetImportResult {
    pub imported: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub failed_ids: Vec<String>,
}
