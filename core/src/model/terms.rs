//! Terms & Conditions and Privacy Policy documents, and the consent to them.

use super::FieldError;
use serde::{Deserialize, Serialize};

pub const DOCUMENT_KINDS: [(&str, &str); 2] = [
    ("TERMS", "Terms and Conditions"),
    ("PRIVACY", "Privacy Policy"),
];

/// Largest accepted document (bytes).
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentView {
    pub id: String,
    pub kind: String,
    pub effective_date: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
    /// The version in force today for its kind.
    pub current: bool,
}

pub fn kind_label(kind: &str) -> &'static str {
    DOCUMENT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("Document")
}

/// The metadata of an upload (the bytes travel beside it: multipart file or base64 in JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentMeta {
    pub kind: String,
    pub effective_date: String,
    pub file_name: String,
    #[serde(default)]
    pub content_type: Option<String>,
}

impl DocumentMeta {
    /// Field checks that need no database; run in the browser and again on the server.
    pub fn validate(&self, content_len: Option<usize>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !DOCUMENT_KINDS.iter().any(|(k, _)| *k == self.kind.trim()) {
            errors.push(FieldError::new(
                "kind",
                "Choose Terms and Conditions or Privacy Policy.",
            ));
        }
        if chrono::NaiveDate::parse_from_str(self.effective_date.trim(), "%Y-%m-%d").is_err() {
            errors.push(FieldError::new(
                "effective_date",
                "Enter the effective date as YYYY-MM-DD.",
            ));
        }
        let name = self.file_name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\']) {
            errors.push(FieldError::new(
                "file",
                "Choose a file (name up to 200 characters).",
            ));
        }
        match content_len {
            Some(0) => errors.push(FieldError::new("file", "The file is empty.")),
            Some(n) if n > MAX_DOCUMENT_BYTES => {
                errors.push(FieldError::new("file", "The file is larger than 5 MB."))
            }
            _ => {}
        }
        errors
    }
}

/// `POST /api/v1/admin/terms` as JSON: the metadata plus the file's bytes in base64.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentUpload {
    #[serde(flatten)]
    pub meta: DocumentMeta,
    pub content_base64: String,
}

/// `POST /api/v1/admin/consent`: the ids of the documents the user accepts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsentInput {
    pub document_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_rules() {
        let ok = DocumentMeta {
            kind: "TERMS".into(),
            effective_date: "2026-01-31".into(),
            file_name: "terms.pdf".into(),
            content_type: None,
        };
        assert!(ok.validate(Some(10)).is_empty());
        let bad = DocumentMeta {
            kind: "EULA".into(),
            effective_date: "31/01/2026".into(),
            file_name: "".into(),
            content_type: None,
        };
        let f: Vec<_> = bad.validate(Some(0)).into_iter().map(|e| e.field).collect();
        assert_eq!(f, ["kind", "effective_date", "file", "file"]);
        assert_eq!(ok.validate(Some(MAX_DOCUMENT_BYTES + 1)).len(), 1);
    }
}
