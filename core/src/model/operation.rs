//! Operations (entries) as the panel and the admin API show them, and their filters.

use serde::{Deserialize, Serialize};

/// The list's filters, all optional strings so that they round-trip through a URL query.
/// Dates are `YYYY-MM-DD`, local days in the view's zone (`until` inclusive): the zone of the
/// location filtered to, else `tz`, else UTC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperationFilter {
    pub country: Option<String>,
    pub location_id: Option<String>,
    pub service_code: Option<String>,
    pub status: Option<String>,
    pub op_type: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    /// A piece of the masked PAN (`543210******1234`), matched as a substring.
    pub masked_pan: Option<String>,
    pub bin: Option<String>,
    pub last4: Option<String>,
    pub terminal: Option<String>,
    pub ica: Option<String>,
    /// The viewer's IANA zone for a view over several locations (ignored when `location_id`
    /// is given: that location's zone applies).
    #[serde(default)]
    pub tz: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

pub const OPERATION_STATUSES: [&str; 5] =
    ["PENDING", "COMPLETED", "REJECTED", "EXPIRED", "REVERSED"];
pub const OPERATION_TYPES: [&str; 2] = ["ONLINE", "OFFLINE"];

/// An operation's outcome in words for the panel: the status, and for a rejection its reason
/// ("Rejected — no rule for this location"). An unknown code is shown as it came.
pub fn result_in_words(status: &str, reject_code: Option<&str>) -> String {
    use crate::domain::RejectCode;
    match status {
        "REJECTED" => match reject_code {
            Some(code) => match RejectCode::parse(code) {
                Some(c) => format!("Rejected — {}", c.reason()),
                None => format!("Rejected — {code}"),
            },
            None => "Rejected".to_owned(),
        },
        "COMPLETED" => "Granted".to_owned(),
        "PENDING" => "Waiting for the terminal".to_owned(),
        "EXPIRED" => "Not confirmed in time".to_owned(),
        "REVERSED" => "Granted, then reversed".to_owned(),
        other => other.to_owned(),
    }
}

impl OperationFilter {
    /// The filters (not the paging) as `key=value` pairs, for links that keep them.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("country", &self.country),
            ("location_id", &self.location_id),
            ("service_code", &self.service_code),
            ("status", &self.status),
            ("op_type", &self.op_type),
            ("from", &self.from),
            ("until", &self.until),
            ("masked_pan", &self.masked_pan),
            ("bin", &self.bin),
            ("last4", &self.last4),
            ("terminal", &self.terminal),
            ("ica", &self.ica),
            ("tz", &self.tz),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
                out.push((k, v.trim().to_owned()));
            }
        }
        out
    }

    /// The filters as a URL query string (without `?`).
    pub fn query_string(&self) -> String {
        query_string(&self.query_pairs())
    }

    /// A copy with empty strings treated as absent and values trimmed.
    pub fn normalized(&self) -> OperationFilter {
        let n = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        OperationFilter {
            country: n(&self.country).map(|s| s.to_uppercase()),
            location_id: n(&self.location_id),
            service_code: n(&self.service_code),
            status: n(&self.status).map(|s| s.to_uppercase()),
            op_type: n(&self.op_type).map(|s| s.to_uppercase()),
            from: n(&self.from),
            until: n(&self.until),
            masked_pan: n(&self.masked_pan),
            bin: n(&self.bin),
            last4: n(&self.last4),
            terminal: n(&self.terminal),
            ica: n(&self.ica),
            tz: n(&self.tz),
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// `a=b&c=d` with each value percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One operation, every field of the seed's "Operations details" (never a clear PAN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationView {
    pub id: String,
    pub op_type: String,
    pub status: String,
    pub masked_pan: String,
    pub bin: String,
    pub last4: String,
    pub terminal_serial: Option<String>,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub service_code: Option<String>,
    pub country: Option<String>,
    pub ica: Option<String>,
    pub ica_name: Option<String>,
    pub product_code: Option<String>,
    pub entry_mode: String,
    pub ruleset_id: Option<String>,
    pub ruleset_version: Option<i32>,
    pub reject_code: Option<String>,
    pub card_auth_response_code: Option<String>,
    pub cardholder_paid: bool,
    pub free_entry: bool,
    pub free_adult_guests: i32,
    pub paid_adult_guests: i32,
    pub free_child_guests: i32,
    pub paid_child_guests: i32,
    /// The entry's amount in `currency`: all of it, unless `amounts` lists several currencies
    /// (then the first of them).
    pub total_minor: i64,
    pub currency: Option<String>,
    /// What the entry cost, one amount per currency (each price of a ruleset has its own
    /// currency: cardholder EUR, guests PLN); empty when free.
    #[serde(default)]
    pub amounts: Vec<AmountView>,
    /// An offline entry recorded although the card had no entry left (the terminal had already
    /// let the cardholder in).
    pub over_limit: bool,
    /// An offline entry that breached its location's offline policy: `OFFLINE_DISABLED`
    /// (offline entries not allowed there) or `DAILY_LIMIT` (the card's offline entries there
    /// that day were already at the location's limit). Such an entry is also `over_limit`.
    #[serde(default)]
    pub offline_policy_breach: Option<String>,
    /// An offline entry's ground at the terminal: `WHITELIST` or `BIN_RANGE`.
    #[serde(default)]
    pub offline_basis: Option<String>,
    pub requested_at: i64,
    pub occurred_at: i64,
    pub confirmed_at: Option<i64>,
    pub updated_at: i64,
    pub reversed_at: Option<i64>,
    pub reversed_by: Option<String>,
    pub reversal_reason: Option<String>,
    /// The acquirer ledger in one line (`KIND OUTCOME amount; …`), filled by the detailed
    /// export only; the details screen lists the calls in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acquirer: Option<String>,
    /// When it happened on the view's local clock, with the UTC offset
    /// (`2026-01-15 00:30:00+01:00`); filled by the list and the details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_local: Option<String>,
}

/// An amount in one currency, in its minor units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmountView {
    pub currency: String,
    pub amount_minor: i64,
}

impl AmountView {
    /// `25.00 EUR`.
    pub fn display(&self) -> String {
        format!(
            "{} {}",
            fmt_minor(self.amount_minor, currency_digits(&self.currency)),
            self.currency
        )
    }
}

/// The details screen: the operation and what the caller may do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationDetail {
    pub operation: OperationView,
    /// Whether a reversal by this caller would be accepted now.
    pub can_reverse: bool,
    /// The operation's calls to the acquirer, oldest first (the acquirer ledger).
    #[serde(default)]
    pub acquirer_calls: Vec<AcquirerCallView>,
    /// Voids and refunds owed to the acquirer and not yet accepted, over all operations.
    #[serde(default)]
    pub acquirer_pending: u64,
}

/// One row of the acquirer ledger (`acquirer_calls`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcquirerCallView {
    /// `ACCOUNT_STATUS`, `AUTHORIZATION`, `ADDITIONAL_AUTHORIZATION`, `VOID`, `REFUND`.
    pub kind: String,
    pub reference: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub idempotency_key: String,
    /// `APPROVED`, `DECLINED`, `INSUFFICIENT_FUNDS`, `UNAVAILABLE`; for voids and refunds
    /// `PENDING` (owed, retried), `VOIDED`, `REFUNDED`.
    pub outcome: String,
    pub response_code: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// "Show rule": the ruleset version an operation was decided under, read-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleVersionView {
    pub ruleset_id: String,
    pub version: i32,
    pub name: String,
    /// The version's snapshot, pretty-printed.
    pub json: String,
}

/// "Show transactions": a card transaction the spend check looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardTransactionView {
    pub id: String,
    pub occurred_at: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub mcc: String,
    pub merchant_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReversalInput {
    #[serde(default)]
    pub reason: Option<String>,
}

/// A location the caller may filter by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationOption {
    pub id: String,
    pub name: String,
    pub country: String,
    pub service_code: String,
}

/// Format minor units with the currency's digits (2 unless known otherwise).
pub fn fmt_minor(minor: i64, digits: u32) -> String {
    if digits == 0 {
        return minor.to_string();
    }
    let p = 10i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        a / p as u64,
        a % p as u64,
        width = digits as usize
    )
}

/// Minor digits of an ISO 4217 code (the few zero/three-digit ones; otherwise 2).
pub fn currency_digits(code: &str) -> u32 {
    match code {
        "JPY" | "KRW" | "HUF" | "ISK" | "CLP" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// `YYYY-MM-DD` → epoch ms at 00:00 UTC.
pub fn day_start_ms(day: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_formatting() {
        assert_eq!(fmt_minor(12345, 2), "123.45");
        assert_eq!(fmt_minor(-5, 2), "-0.05");
        assert_eq!(fmt_minor(7, 0), "7");
    }

    #[test]
    fn filter_query_keeps_values() {
        let f = OperationFilter {
            bin: Some("543210".into()),
            masked_pan: Some("** 1".into()),
            ..Default::default()
        };
        assert_eq!(f.query_string(), "masked_pan=%2A%2A%201&bin=543210");
        assert_eq!(day_start_ms("1970-01-02"), Some(86_400_000));
    }
}

#[cfg(test)]
mod result_tests {
    use super::result_in_words;
    use crate::domain::RejectCode;

    #[test]
    fn every_reject_code_has_words_and_statuses_read_plainly() {
        assert_eq!(
            result_in_words("REJECTED", Some("MISSING_ACCESS_RULES")),
            "Rejected — no rule for this location"
        );
        for c in RejectCode::ALL {
            let words = result_in_words("REJECTED", Some(c.as_str()));
            assert!(!words.contains('_'), "{words}");
        }
        assert_eq!(
            result_in_words("REJECTED", Some("NEW_CODE")),
            "Rejected — NEW_CODE"
        );
        assert_eq!(result_in_words("COMPLETED", None), "Granted");
        assert_eq!(result_in_words("REVERSED", None), "Granted, then reversed");
    }
}
