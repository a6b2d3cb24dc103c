//! Locations as lists and forms show them, with the form's validation (browser and server).

use super::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationView {
    pub id: String,
    pub name: String,
    pub country: String,
    pub service_code: String,
    pub service_name: String,
    pub postal_code: String,
    pub city: String,
    pub address: Option<String>,
    pub cooldown_minutes: Option<i32>,
    pub capacity: Option<i32>,
    /// The typical stay: an admitted person counts toward the live occupancy this long.
    pub stay_minutes: i32,
    pub time_zone: String,
    /// Offline policy (seed: "Defining fallback to offline entrances"): whether terminals
    /// here may admit offline (when not, their fallback BIN ranges and whitelist are empty).
    pub offline_allowed: bool,
    /// The most offline entries of one card here per day (UTC); `None` = no limit. Entries
    /// beyond it are recorded, flagged over the limit.
    pub offline_max_per_card_per_day: Option<i32>,
    pub tenant_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
    pub modified_by: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocationFilter {
    pub country: Option<String>,
    pub name: Option<String>,
    pub service: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceView {
    pub code: String,
    pub name: String,
}

/// Create or edit a location. Numbers arrive as text so that an HTML form without WASM can
/// post them and a bad value is reported beside its field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocationInput {
    pub name: String,
    pub country: String,
    pub service_code: String,
    pub postal_code: String,
    pub city: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "num_or_text")]
    pub cooldown_minutes: Option<String>,
    #[serde(default, deserialize_with = "num_or_text")]
    pub capacity: Option<String>,
    /// Minutes; empty: the default [`DEFAULT_STAY_MINUTES`].
    #[serde(default, deserialize_with = "num_or_text")]
    pub stay_minutes: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    /// `true`/`false` (JSON booleans or form text); empty: allowed.
    #[serde(default, deserialize_with = "num_or_text")]
    pub offline_allowed: Option<String>,
    /// 1–1000; empty: no limit.
    #[serde(default, deserialize_with = "num_or_text")]
    pub offline_max_per_card_per_day: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// Accept `5`, `"5"` or `null` for the optional numeric fields.
fn num_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

/// A location ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLocation {
    pub name: String,
    pub country: String,
    pub service_code: String,
    pub postal_code: String,
    pub city: String,
    pub address: Option<String>,
    pub cooldown_minutes: Option<i32>,
    pub capacity: Option<i32>,
    pub stay_minutes: i32,
    /// `None`: not given, the server takes the country's zone.
    pub time_zone: Option<String>,
    pub offline_allowed: bool,
    pub offline_max_per_card_per_day: Option<i32>,
    pub tenant_id: Option<String>,
}

/// A location's live occupancy now: people admitted within its typical stay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupancyView {
    /// Cardholders and guests of completed entries within the last `stay_minutes`.
    pub people_in: u32,
    /// Seats held by open grants (not yet confirmed).
    pub reserved: u32,
    pub capacity: Option<i32>,
    pub stay_minutes: i32,
}

/// The typical stay when none is given.
pub const DEFAULT_STAY_MINUTES: i32 = 120;
/// The longest typical stay accepted (one week).
pub const MAX_STAY_MINUTES: i32 = 10_080;
/// The highest per-card daily limit of offline entries accepted.
pub const MAX_OFFLINE_PER_CARD_PER_DAY: i32 = 1000;

pub const SERVICE_CODES: [(&str, &str); 2] = [("LOUNGE", "Lounge"), ("FAST_LINE", "Fast Line")];

fn opt(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn bounded_int(
    v: &Option<String>,
    field: &str,
    max: i32,
    errors: &mut Vec<FieldError>,
) -> Option<i32> {
    let s = opt(v)?;
    match s.parse::<i32>() {
        Ok(n) if (0..=max).contains(&n) => Some(n),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("A whole number from 0 to {max}."),
            ));
            None
        }
    }
}

impl LocationInput {
    /// Field checks that need no database; run in the browser and again on the server.
    pub fn validate(&self) -> Result<ValidLocation, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "Enter a name (up to 200 characters).",
            ));
        }
        let country = self.country.trim().to_uppercase();
        if country.len() != 3 || !country.chars().all(|c| c.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "country",
                "A three-letter country code (ISO 3166 alpha-3), e.g. POL.",
            ));
        }
        let service_code = self.service_code.trim().to_owned();
        if !SERVICE_CODES.iter().any(|(c, _)| *c == service_code) {
            errors.push(FieldError::new("service_code", "Choose a service."));
        }
        let postal_code = self.postal_code.trim().to_owned();
        if postal_code.is_empty() || postal_code.chars().count() > 20 {
            errors.push(FieldError::new(
                "postal_code",
                "Enter a postal code (up to 20 characters).",
            ));
        }
        let city = self.city.trim().to_owned();
        if city.is_empty() || city.chars().count() > 100 {
            errors.push(FieldError::new(
                "city",
                "Enter a city (up to 100 characters).",
            ));
        }
        let address = opt(&self.address);
        if address.as_ref().is_some_and(|a| a.chars().count() > 300) {
            errors.push(FieldError::new("address", "Up to 300 characters."));
        }
        let cooldown_minutes = bounded_int(
            &self.cooldown_minutes,
            "cooldown_minutes",
            525_600,
            &mut errors,
        );
        let capacity = bounded_int(&self.capacity, "capacity", 1_000_000, &mut errors);
        let stay_minutes = match opt(&self.stay_minutes) {
            None => DEFAULT_STAY_MINUTES,
            Some(s) => match s.parse::<i32>() {
                Ok(n) if (1..=MAX_STAY_MINUTES).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        "stay_minutes",
                        format!("A whole number of minutes from 1 to {MAX_STAY_MINUTES}."),
                    ));
                    DEFAULT_STAY_MINUTES
                }
            },
        };
        // Only the shape here (the browser has no zone database); the server checks the name
        // against the IANA list and, when it is absent, takes the country's zone.
        let time_zone = opt(&self.time_zone);
        let tz_ok = time_zone.as_ref().is_none_or(|z| {
            z.len() <= 64
                && z.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        });
        if !tz_ok {
            errors.push(FieldError::new(
                "time_zone",
                "An IANA time zone, e.g. Europe/Warsaw.",
            ));
        }
        let offline_allowed = match opt(&self.offline_allowed).map(|s| s.to_ascii_lowercase()) {
            None => true,
            Some(s) => match s.as_str() {
                "true" | "on" | "yes" | "1" => true,
                "false" | "off" | "no" | "0" => false,
                _ => {
                    errors.push(FieldError::new(
                        "offline_allowed",
                        "true (offline entries allowed) or false.",
                    ));
                    true
                }
            },
        };
        let offline_max_per_card_per_day = match opt(&self.offline_max_per_card_per_day) {
            None => None,
            Some(s) => match s.parse::<i32>() {
                Ok(n) if (1..=MAX_OFFLINE_PER_CARD_PER_DAY).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "offline_max_per_card_per_day",
                        format!(
                            "A whole number from 1 to {MAX_OFFLINE_PER_CARD_PER_DAY}, or empty for no limit."
                        ),
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidLocation {
            name,
            country,
            service_code,
            postal_code,
            city,
            address,
            cooldown_minutes,
            capacity,
            stay_minutes,
            time_zone,
            offline_allowed,
            offline_max_per_card_per_day,
            tenant_id: opt(&self.tenant_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> LocationInput {
        LocationInput {
            name: " Gate A ".into(),
            country: "pol".into(),
            service_code: "LOUNGE".into(),
            postal_code: "00-001".into(),
            city: "Warsaw".into(),
            cooldown_minutes: Some("15".into()),
            ..Default::default()
        }
    }

    #[test]
    fn normalizes_valid_input() {
        let v = ok().validate().unwrap();
        assert_eq!(v.name, "Gate A");
        assert_eq!(v.country, "POL");
        assert_eq!(v.cooldown_minutes, Some(15));
        assert_eq!(v.time_zone, None);
        assert_eq!(v.stay_minutes, DEFAULT_STAY_MINUTES);
        assert!(v.offline_allowed);
        assert_eq!(v.offline_max_per_card_per_day, None);
    }

    #[test]
    fn offline_policy_fields() {
        let with = |allowed: &str, max: &str| LocationInput {
            offline_allowed: Some(allowed.into()),
            offline_max_per_card_per_day: Some(max.into()),
            ..ok()
        };
        let v = with("false", "3").validate().unwrap();
        assert!(!v.offline_allowed);
        assert_eq!(v.offline_max_per_card_per_day, Some(3));
        assert!(with("on", "").validate().unwrap().offline_allowed);
        let json: LocationInput = serde_json::from_value(serde_json::json!({
            "name": "X", "country": "DEU", "service_code": "LOUNGE", "postal_code": "1",
            "city": "B", "offline_allowed": false, "offline_max_per_card_per_day": 2
        }))
        .unwrap();
        let v = json.validate().unwrap();
        assert!(!v.offline_allowed);
        assert_eq!(v.offline_max_per_card_per_day, Some(2));
        let fields = |i: LocationInput| -> Vec<String> {
            i.validate()
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(with("maybe", "0")),
            ["offline_allowed", "offline_max_per_card_per_day"]
        );
        assert_eq!(
            fields(with("true", "1001")),
            ["offline_max_per_card_per_day"]
        );
    }

    #[test]
    fn names_each_bad_field() {
        let bad = LocationInput {
            name: "".into(),
            country: "PL".into(),
            service_code: "SPA".into(),
            postal_code: "".into(),
            city: "".into(),
            cooldown_minutes: Some("-1".into()),
            capacity: Some("x".into()),
            stay_minutes: Some("0".into()),
            time_zone: Some("Not a zone!".into()),
            ..Default::default()
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "country",
                "service_code",
                "postal_code",
                "city",
                "cooldown_minutes",
                "capacity",
                "stay_minutes",
                "time_zone"
            ]
        );
    }
}
