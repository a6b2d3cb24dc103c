//! The MRS (Mastercard Rewards System) enrolment feed, pulled: the integration trait, and the
//! built-in simulator the demo uses. The HTTP adapter lives in the server crate
//! (`server::mrs_http`); the sync that applies pages and keeps the cursor is
//! `service::mrs_sync`.

use super::service::enrolments::NewEnrolment;
use serde::{Deserialize, Serialize};

/// One page of enrolment changes after a cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MrsPage {
    pub items: Vec<NewEnrolment>,
    /// Where the next pull starts; `None` keeps the current cursor (nothing new).
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// More changes are waiting after `next_cursor`.
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum MrsError {
    #[error("MRS unavailable: {0}")]
    Unavailable(String),
    #[error("MRS answered something unreadable: {0}")]
    BadAnswer(String),
}

/// Where enrolments come from. Calls must be bounded in time by the implementation.
#[async_trait::async_trait]
pub trait Mrs: Send + Sync + 'static {
    /// Up to `limit` enrolment changes after `cursor` (`None` = from the beginning).
    async fn enrolments_since(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<MrsPage, MrsError>;
}

/// A deterministic MRS for the demo: a fixed list of enrolments of demo-BIN cards
/// (`541234 00 0000 1nnC`), `SIM-0001`…, each enrolled on 2026-11-01; the cursor is the
/// number of items already delivered.
#[derive(Debug, Clone, Copy)]
pub struct SimulatedMrs {
    pub cards: usize,
}

impl Default for SimulatedMrs {
    fn default() -> Self {
        Self { cards: 25 }
    }
}

impl SimulatedMrs {
    fn pan(i: usize) -> String {
        let body = format!("54123400000{:04}", 1000 + i);
        (0..10)
            .map(|c| format!("{body}{c}"))
            .find(|p| access_core::domain::luhn_valid(p))
            .unwrap_or(body)
    }
}

#[async_trait::async_trait]
impl Mrs for SimulatedMrs {
    async fn enrolments_since(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<MrsPage, MrsError> {
        let from = match cursor {
            None => 0,
            Some(c) => c
                .parse::<usize>()
                .map_err(|_| MrsError::BadAnswer(format!("unknown cursor {c:?}")))?,
        };
        let to = (from + limit).min(self.cards);
        let items = (from..to)
            .map(|i| NewEnrolment {
                pan: Self::pan(i),
                aref: format!("SIM-{:04}", i + 1),
                enrolled_at: "2026-11-01".into(),
                product_code: None,
                ica: None,
                status: None,
                unenrolled_at: None,
            })
            .collect();
        Ok(MrsPage {
            items,
            next_cursor: (to > from).then(|| to.to_string()),
            has_more: to < self.cards,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn simulator_pages_through_its_cards_then_has_nothing_new() {
        let sim = SimulatedMrs { cards: 5 };
        let p1 = sim.enrolments_since(None, 3).await.unwrap();
        assert_eq!(p1.items.len(), 3);
        assert!(p1.has_more);
        assert!(p1
            .items
            .iter()
            .all(|e| access_core::domain::luhn_valid(&e.pan)));
        let p2 = sim
            .enrolments_since(p1.next_cursor.as_deref(), 3)
            .await
            .unwrap();
        assert_eq!(p2.items.len(), 2);
        assert_eq!(p2.items[1].aref, "SIM-0005");
        assert!(!p2.has_more);
        let p3 = sim
            .enrolments_since(p2.next_cursor.as_deref(), 3)
            .await
            .unwrap();
        assert!(p3.items.is_empty());
        assert_eq!(p3.next_cursor, None);
        assert!(sim.enrolments_since(Some("x"), 3).await.is_err());
    }
}
