//! Organisations (tenants): issuers own ICAs, service providers own locations.

use super::FieldError;
use serde::{Deserialize, Serialize};

pub const KIND_ISSUER: &str = "ISSUER";
pub const KIND_PROVIDER: &str = "SERVICE_PROVIDER";

/// A location assigned to a service-provider organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrgLocation {
    pub id: String,
    pub name: String,
    pub city: String,
}

/// An organisation as the Organisations screen and `/api/v1/admin/tenants` show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganisationView {
    pub id: String,
    pub name: String,
    /// `ISSUER` or `SERVICE_PROVIDER`.
    pub kind: String,
    /// A deactivated organisation's users cannot sign in.
    pub active: bool,
    /// An issuer's ICAs (each belongs to this issuer only).
    pub icas: Vec<String>,
    /// A service provider's locations.
    pub locations: Vec<OrgLocation>,
    /// How many users belong to it.
    pub users: u64,
    /// Epoch ms.
    pub created_at: i64,
}

/// Create or edit an organisation. The kind is fixed once created; `icas` only for issuers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganisationInput {
    pub name: String,
    /// Required on create; on edit it may be left out (the kind never changes).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub icas: Vec<String>,
}

impl OrganisationInput {
    /// Trimmed copy; ICAs trimmed, empty ones dropped, duplicates removed (order kept).
    pub fn normalized(&self) -> OrganisationInput {
        let mut icas: Vec<String> = Vec::new();
        for ica in self.icas.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
            if !icas.iter().any(|x| x == ica) {
                icas.push(ica.to_owned());
            }
        }
        OrganisationInput {
            name: self.name.trim().to_owned(),
            kind: self.kind.trim().to_owned(),
            icas,
        }
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.name.is_empty() {
            errors.push(FieldError::new("name", "Required."));
        } else if self.name.chars().count() > 200 {
            errors.push(FieldError::new("name", "At most 200 characters."));
        }
        match self.kind.as_str() {
            KIND_ISSUER => {
                if let Some(bad) = self.icas.iter().find(|i| !is_ica(i)) {
                    errors.push(FieldError::new(
                        "icas",
                        format!("ICA {bad:?}: 1–11 digits."),
                    ));
                }
            }
            KIND_PROVIDER => {
                if !self.icas.is_empty() {
                    errors.push(FieldError::new(
                        "icas",
                        "Only issuer organisations have ICAs.",
                    ));
                }
            }
            _ => errors.push(FieldError::new(
                "kind",
                "Choose Issuer or Service Provider.",
            )),
        }
        errors
    }
}

pub fn is_ica(s: &str) -> bool {
    (1..=11).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// ICAs typed into one text field: separated by commas, spaces or new lines.
pub fn split_icas(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn org_kind_label(kind: &str) -> &'static str {
    match kind {
        KIND_ISSUER => "Issuer",
        KIND_PROVIDER => "Service Provider",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_icas_are_digits() {
        let i = OrganisationInput {
            name: "Bank".into(),
            kind: KIND_ISSUER.into(),
            icas: vec!["1234".into(), " 1234 ".into(), "".into()],
        }
        .normalized();
        assert_eq!(i.icas, ["1234"]);
        assert!(i.validate().is_empty());
        let bad = OrganisationInput {
            icas: vec!["12a".into()],
            ..i
        };
        assert_eq!(bad.validate()[0].field, "icas");
    }

    #[test]
    fn providers_have_no_icas_and_kind_is_checked() {
        let p = OrganisationInput {
            name: "Lounges".into(),
            kind: KIND_PROVIDER.into(),
            icas: vec!["1".into()],
        };
        assert_eq!(p.validate()[0].field, "icas");
        let k = OrganisationInput {
            name: "X".into(),
            kind: "BANK".into(),
            icas: vec![],
        };
        assert_eq!(k.validate()[0].field, "kind");
        assert_eq!(split_icas("1234, 5678\n9"), ["1234", "5678", "9"]);
    }
}
