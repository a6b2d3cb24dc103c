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

/// A row of the enrolled-cards report: the card under one active ruleset it falls under (the
/// seed's "available free/paid entries" and "ruleset ID"), or alone when none applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardReportRow {
    pub card: CardView,
    pub visits: Option<CardVisits>,
}

/// What a request changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentImportReport {
    /// New enrolments (AREFs not seen before), and unenrolled cards enrolled again.
    pub enrolled: u64,
    /// Enrolments whose product, ICA, PAN or dates changed.
    pub updated: u64,
    /// Enrolments that became unenrolled.
    pub unenrolled: u64,
    /// Resent with the same values: nothing changed.
    pub unchanged: u64,
}

/// The first rows of an enrolment CSV as the import form previews them, before anything is
/// sent: (line number, masked PAN or what is wrong with it, AREF, enrolment date). The server
/// checks every line again; this only lets the operator see that the columns are right.
pub fn preview_enrolments(csv: &str, rows: usize) -> Vec<(usize, String, String, String)> {
    let mut lines = csv
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let header: Vec<String> = match lines.peek() {
        Some((_, l)) if l.to_ascii_lowercase().contains("pan") => {
            let h = l
                .split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .collect();
            lines.next();
            h
        }
        _ => vec!["pan".into(), "aref".into(), "enrolled_at".into()],
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (pan, aref, at) = (col("pan"), col("aref"), col("enrolled_at"));
    lines
        .take(rows)
        .map(|(i, l)| {
            let cells: Vec<&str> = l.split(',').map(|c| c.trim().trim_matches('"')).collect();
            let cell = |c: Option<usize>| c.and_then(|c| cells.get(c)).copied().unwrap_or("");
            let masked = match crate::domain::Pan::parse(cell(pan)) {
                Ok(p) => p.masked(),
                Err(_) => "not a valid PAN".to_owned(),
            };
            (i + 1, masked, cell(aref).to_owned(), cell(at).to_owned())
        })
        .collect()
}

#[cfg(test)]
mod preview_tests {
    use super::preview_enrolments;

    #[test]
    fn previews_masked_with_or_without_header() {
        let csv =
            "pan,aref,enrolled_at\n5412345678901232,AREF-1,2026-11-01\n\n1234,AREF-2,2026-11-02\n";
        let rows = preview_enrolments(csv, 5);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            (
                2,
                "541234******1232".into(),
                "AREF-1".into(),
                "2026-11-01".into()
            )
        );
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[1].1, "not a valid PAN");
        let rows = preview_enrolments("aref,pan\nA,5412345678901232\n", 1);
        assert_eq!(rows[0].1, "541234******1232");
        assert_eq!(rows[0].2, "A");
        let rows = preview_enrolments(
            "5412345678901232,X,2026-01-01\n5412345678901232,Y,2026-01-01",
            1,
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].2, "X");
    }
}
