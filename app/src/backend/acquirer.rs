//! The acquirer: account status inquiry (zero-amount) before a grant, amount authorization for
//! paid entries. A trait, so the built-in simulator and the HTTP adapter (server crate) are
//! interchangeable; calls are bounded by a timeout so a slow acquirer becomes a clean reject.

use crate::domain::Money;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcqOutcome {
    Approved,
    InsufficientFunds,
    Declined,
    /// Timeout, network error, bad answer.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcqResponse {
    pub outcome: AcqOutcome,
    /// ISO 8583 response code as the acquirer gave it (`00` approved, `51` funds, ...).
    pub response_code: String,
}

impl AcqResponse {
    pub fn new(outcome: AcqOutcome, code: &str) -> Self {
        Self {
            outcome,
            response_code: code.to_owned(),
        }
    }
    pub fn approved(&self) -> bool {
        self.outcome == AcqOutcome::Approved
    }
}

#[async_trait::async_trait]
pub trait Acquirer: Send + Sync + 'static {
    async fn account_status(&self, pan: &str) -> AcqResponse;
    async fn authorize(&self, pan: &str, amount: Money) -> AcqResponse;
}

/// Apply the configured timeout to an acquirer call.
pub async fn bounded(
    timeout: Duration,
    call: impl std::future::Future<Output = AcqResponse>,
) -> AcqResponse {
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or_else(|_| AcqResponse::new(AcqOutcome::Unavailable, "91"))
}

/// Deterministic simulator, decided by the four digits before the PAN's check digit
/// (documented test cards in the README):
/// `9005` → the account status inquiry fails (05), `9051` → amount authorizations are
/// declined for funds (51), `9096` → amount authorizations fail otherwise (96);
/// everything else is approved (00).
#[derive(Debug, Default, Clone, Copy)]
pub struct SimulatedAcquirer;

fn marker(pan: &str) -> &str {
    let n = pan.len();
    if n >= 5 {
        &pan[n - 5..n - 1]
    } else {
        ""
    }
}

#[async_trait::async_trait]
impl Acquirer for SimulatedAcquirer {
    async fn account_status(&self, pan: &str) -> AcqResponse {
        match marker(pan) {
            "9005" => AcqResponse::new(AcqOutcome::Declined, "05"),
            _ => AcqResponse::new(AcqOutcome::Approved, "00"),
        }
    }

    async fn authorize(&self, pan: &str, _amount: Money) -> AcqResponse {
        match marker(pan) {
            "9051" => AcqResponse::new(AcqOutcome::InsufficientFunds, "51"),
            "9096" => AcqResponse::new(AcqOutcome::Declined, "96"),
            _ => AcqResponse::new(AcqOutcome::Approved, "00"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[tokio::test]
    async fn simulator_is_driven_by_the_documented_digits() {
        let a = SimulatedAcquirer;
        let eur = Money::from_minor(100, Currency::from_code("EUR").unwrap());
        assert!(!a.account_status("5412340000090051").await.approved());
        assert!(a.account_status("5412340000000001").await.approved());
        assert_eq!(
            a.authorize("5412340000090515", eur).await.outcome,
            AcqOutcome::InsufficientFunds
        );
        assert_eq!(
            a.authorize("5412340000090960", eur).await.outcome,
            AcqOutcome::Declined
        );
    }

    #[tokio::test]
    async fn slow_calls_time_out_as_unavailable() {
        let r = bounded(Duration::from_millis(10), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            AcqResponse::new(AcqOutcome::Approved, "00")
        })
        .await;
        assert_eq!(r.outcome, AcqOutcome::Unavailable);
    }
}
