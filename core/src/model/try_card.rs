//! "Try a card": the real decision engine for a test card number at a location and time,
//! explained step by step, recording nothing. The clear card number goes in and never comes
//! back out: the result carries only its masked form.

use super::authz::{allowed, Capability, Role, Scope};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// What to try: a card number, a location, and optionally an instant.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TryCardInput {
    /// 12–19 digits passing the Luhn check (spaces and dashes are ignored).
    pub pan: String,
    pub location_id: String,
    /// UTC, `YYYY-MM-DDTHH:MM` (as the rule form's dates) or RFC 3339; empty or absent = now.
    #[serde(default)]
    pub at: Option<String>,
}

/// Never prints the card number.
impl std::fmt::Debug for TryCardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TryCardInput")
            .field("pan", &"<redacted>")
            .field("location_id", &self.location_id)
            .field("at", &self.at)
            .finish()
    }
}

/// The decision for display.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TryCardResult {
    /// First 6, `******`, last 4.
    pub masked_pan: String,
    pub location_id: String,
    pub location_name: String,
    /// The instant the engine decided at (RFC 3339, UTC).
    pub at: String,
    pub granted: bool,
    /// One line: `GRANTED under "World lounge access" v1: free entry` or
    /// `REJECTED: MISSING_ACCESS_RULES — <the engine's explanation>`.
    pub outcome: String,
    /// The wire code of a rejection.
    pub reject_code: Option<String>,
    /// The engine's explanation of a rejection.
    pub explanation: Option<String>,
    /// The ruleset that granted, or whose failure decided the rejection.
    pub ruleset_id: Option<String>,
    /// Its name and version (`World lounge access v1`).
    pub ruleset: Option<String>,
    /// More about a grant: cardholder price, remaining visits, guest allowances.
    pub details: Vec<String>,
    /// The engine's steps in order, then the decision.
    pub steps: Vec<TryCardStep>,
}

/// One row of the explanation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TryCardStep {
    pub ruleset_id: Option<String>,
    /// The ruleset's name and version, when the step concerns one.
    pub ruleset: Option<String>,
    /// What was checked (`BIN range`, `Location`, `Cardholder entries`, …).
    pub step: String,
    pub passed: bool,
    pub detail: String,
}

/// Whether `role` may try cards: it needs to view rulesets, unscoped — the explanation names
/// every tenant's rulesets that the card meets.
pub fn can_try_card(role: Role) -> bool {
    allowed(role, Capability::RulesetsView) == Some(Scope::All)
}

/// The instant of a [`TryCardInput`]: `Ok(None)` = now; `Err` = the message for field `at`.
pub fn parse_at(at: Option<&str>) -> Result<Option<DateTime<Utc>>, &'static str> {
    let v = at.map(str::trim).unwrap_or_default();
    if v.is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
                .map(|n| n.and_utc())
        })
        .map(Some)
        .ok_or("Enter a date and time in UTC (YYYY-MM-DDTHH:MM), or leave empty for now.")
}

/// The card number as typed, without the spaces and dashes people put in.
pub fn pan_digits(pan: &str) -> String {
    pan.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_forms() {
        assert_eq!(parse_at(None), Ok(None));
        assert_eq!(parse_at(Some("  ")), Ok(None));
        let t = parse_at(Some("2026-11-22T10:00")).unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T10:00:00+00:00");
        let t = parse_at(Some("2026-11-22T12:00:00+02:00"))
            .unwrap()
            .unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T10:00:00+00:00");
        assert!(parse_at(Some("tomorrow")).is_err());
    }

    #[test]
    fn only_unscoped_roles_try_cards() {
        assert!(can_try_card(Role::Admin));
        assert!(can_try_card(Role::User));
        assert!(can_try_card(Role::CallCenter));
        assert!(!can_try_card(Role::Issuer));
        assert!(!can_try_card(Role::ServiceProvider));
    }

    #[test]
    fn debug_hides_the_pan() {
        let i = TryCardInput {
            pan: "5412345678901232".into(),
            ..Default::default()
        };
        assert!(!format!("{i:?}").contains("5412345678901232"));
        assert_eq!(pan_digits("5412 3456-7890 1232"), "5412345678901232");
    }
}
