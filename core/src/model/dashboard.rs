//! The traffic dashboard's numbers.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardFilter {
    /// `YYYY-MM-DD`, UTC.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub until: Option<String>,
    pub location_id: Option<String>,
    pub service_code: Option<String>,
}

/// Completed (not reversed) entries unless said otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub entries: u64,
    pub free_entries: u64,
    pub paid_entries: u64,
    pub adult_guests: u64,
    pub child_guests: u64,
    pub rejections: u64,
    /// (`YYYY-MM-DD`, entries, guest entries)
    pub per_day: Vec<(String, u64, u64)>,
    /// Entries per hour of day (UTC), 24 values.
    pub per_hour: Vec<u64>,
    /// (reject code, count)
    pub rejections_by_code: Vec<(String, u64)>,
    /// (location name, entries), most first.
    pub top_locations: Vec<(String, u64)>,
}
