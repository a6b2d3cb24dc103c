//! Enrolled cards as the panel and the admin API show them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardFilter {
    pub bin: Option<String>,
    pub last4: Option<String>,
    pub aref: Option<String>,
    pub product: Option<String>,
    pub ica: Option<String>,
    /// `YYYY-MM-DD`, UTC.
    pub created_from: Option<String>,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub created_until: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl CardFilter {
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("bin", &self.bin),
            ("last4", &self.last4),
            ("aref", &self.aref),
            ("product", &self.product),
            ("ica", &self.ica),
            ("created_from", &self.created_from),
            ("created_until", &self.created_until),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                out.push((k, v.trim().to_owned()));
            }
        }
        out
    }

    pub fn query_string(&self) -> String {
        super::operation::query_string(&self.query_pairs())
    }
}

/// One enrolled card (masked PAN and the keyed hash only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardView {
    pub id: String,
    pub masked_pan: String,
    pub pan_hash: String,
    pub bin: String,
    pub last4: String,
    pub aref: String,
    pub ica: String,
    pub issuer_name: Option<String>,
    pub product_code: String,
    pub enrolled_at: i64,
    pub created_at: i64,
    /// `ENROLLED` or `UNENROLLED` (the row stays for history).
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub unenrolled_at: Option<i64>,
}

/// One change in a card's enrolment (the MRS feed, an import or an unenrolment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolmentEventView {
    /// `ENROLLED`, `UPDATED`, `UNENROLLED` or `REENROLLED`.
    pub kind: String,
    /// When it took effect at MRS.
    pub effective_at: i64,
    /// When this server recorded it.
    pub recorded_at: i64,
    /// `api`, `csv`, `mrs` or `panel`.
    pub source: String,
    pub actor: Option<String>,
}

/// Details: the card, what it has left under each ruleset, and its recent operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardDetail {
    pub card: CardView,
    pub completed_entries: u64,
    /// One per active ruleset the card's ICA, BIN and product fall under.
    #[serde(default)]
    pub visits: Vec<CardVisits>,
    pub recent: Vec<super::OperationView>,
    /// Enrolment history, newest first.
    #[serde(default)]
    pub history: Vec<EnrolmentEventView>,
}

/// The card's free and paid visits available under one ruleset now (see
/// `domain::entitlement`; location caps and cooldowns are decided at the door).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardVisits {
    pub ruleset_id: String,
    pub ruleset_name: String,
    pub ruleset_version: u32,
    /// `None` = counted over the ruleset's whole validity.
    pub period_days: Option<u32>,
    pub free_used: u32,
    pub paid_used: u32,
    /// `None` = unlimited.
    pub free_available: Option<u32>,
    /// `None` = unlimited.
    pub paid_available: Option<u32>,
}
