//! Rulesets as the Rules screens show them. The form itself is `domain::ruleset::RulesetDraft`.

use crate::domain::ruleset::RulesetDraft;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulesetFilter {
    /// Substring of the name, any case.
    pub name: Option<String>,
    /// Issuer country (alpha-3).
    pub country: Option<String>,
    /// Service code (`LOUNGE`, `FAST_LINE`).
    pub service: Option<String>,
    /// An ICA of one of its BIN ranges.
    pub ica: Option<String>,
    /// `active` (valid now), `upcoming`, `expired`; empty = all.
    pub status: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesetSummary {
    pub id: String,
    pub name: String,
    pub current_version: i32,
    pub valid_from: i64,
    /// `None` = open-ended.
    pub valid_to: Option<i64>,
    pub issuer_country: Option<String>,
    pub product_codes: String,
    pub services: Vec<String>,
    pub icas: Vec<String>,
    /// The issuer tenant that owns the ruleset; `None` = the platform.
    #[serde(default)]
    pub owner_tenant_id: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub modified_by: String,
    pub modified_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesetVersionView {
    pub version: i32,
    pub created_by: String,
    pub created_at: i64,
}

/// "Rule details": the audit fields, the current definition and the version history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesetDetail {
    pub summary: RulesetSummary,
    pub draft: RulesetDraft,
    pub versions: Vec<RulesetVersionView>,
}

impl From<crate::domain::ruleset::FieldError> for super::FieldError {
    fn from(e: crate::domain::ruleset::FieldError) -> Self {
        super::FieldError::new(e.field, e.message)
    }
}
