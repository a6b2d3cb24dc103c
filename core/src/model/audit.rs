//! The audit log as the Admin's "Audit log" screen and `GET /api/v1/admin/audit-log` show it.

use serde::{Deserialize, Serialize};

/// Filters of the audit log; every one optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// The actor: a piece of the user's e-mail (any case), or a user or terminal id.
    pub actor: Option<String>,
    /// The action, exactly (`export.cards`) or as a prefix ending in `.` (`export.`).
    pub action: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    pub until: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl AuditFilter {
    /// The filters (not the paging) as `key=value` pairs, for links that keep them.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (k, v.to_owned()))
        })
        .collect()
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: String,
    /// Epoch ms.
    pub at: i64,
    /// `USER`, `TERMINAL` or `SYSTEM`.
    pub actor_kind: String,
    pub actor_id: Option<String>,
    /// The user's e-mail when the actor is a (still existing) user.
    pub actor_email: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// `success`, `denied`, `failure`, `incomplete`, …
    pub outcome: String,
    /// JSON text: the action's particulars (filters and row count of an export, …). Never a
    /// PAN in clear.
    pub detail: Option<String>,
    pub client_addr: Option<String>,
}
