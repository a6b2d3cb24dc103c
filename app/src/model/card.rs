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
}

/// Details: the card and its recent operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardDetail {
    pub card: CardView,
    pub completed_entries: u64,
    pub recent: Vec<super::OperationView>,
}
