//! The traffic dashboard's numbers.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardFilter {
    /// `YYYY-MM-DD`, a local day in the view's zone (see `tz`).
    pub from: Option<String>,
    /// `YYYY-MM-DD`, a local day in the view's zone, inclusive.
    pub until: Option<String>,
    pub location_id: Option<String>,
    pub service_code: Option<String>,
    /// The viewer's zone (IANA) for a view over several locations; a view filtered to one
    /// location uses that location's zone instead. Empty: UTC.
    #[serde(default)]
    pub tz: Option<String>,
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
    /// (local `YYYY-MM-DD`, entries, guest entries)
    pub per_day: Vec<(String, u64, u64)>,
    /// Entries per local hour of day in `time_zone`, 24 values.
    pub per_hour: Vec<u64>,
    /// (reject code, count)
    pub rejections_by_code: Vec<(String, u64)>,
    /// (location name, entries), most first.
    pub top_locations: Vec<(String, u64)>,
    /// The IANA zone whose local days and hours `per_day`, `per_hour` and the date filters use.
    #[serde(default)]
    pub time_zone: String,
    /// The local day of `occupancy`: the `until` day, else today.
    #[serde(default)]
    pub occupancy_day: String,
    /// People in (the chosen location, else summed over the view's locations) every 30
    /// minutes of `occupancy_day` up to now: (local `HH:MM`, people).
    #[serde(default)]
    pub occupancy: Vec<(String, u64)>,
    /// The chosen location's capacity, when the view is one location with a capacity.
    #[serde(default)]
    pub capacity: Option<u32>,
}
