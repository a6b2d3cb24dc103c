//! The acquirer, with the lifecycle real processors use:
//!
//! - at check: an account status inquiry (zero amount) for every grant and, for a paid
//!   cardholder, an amount authorization; each answers with a **reference**;
//! - at confirm: an **additional (incremental) authorization** for the paid guests, against the
//!   check-time reference (the PAN is not kept after the check);
//! - afterwards: a **void** releases an authorization that will not be captured (grant expired,
//!   lost race, failed store), a **refund** reverses a completed paid entry.
//!
//! Every call carries an idempotency key derived from the operation (see [`idem_key`]), so a
//! retried call is never a second charge. A trait, so the built-in simulator and the HTTP
//! adapter (server crate) are interchangeable; calls are bounded by a timeout so a slow acquirer
//! becomes a clean reject.

use access_core::domain::Money;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcqOutcome {
    Approved,
    InsufficientFunds,
    Declined,
    /// Timeout, network error, bad answer.
    Unavailable,
}

impl AcqOutcome {
    /// As stored in the acquirer ledger.
    pub fn as_str(&self) -> &'static str {
        match self {
            AcqOutcome::Approved => "APPROVED",
            AcqOutcome::InsufficientFunds => "INSUFFICIENT_FUNDS",
            AcqOutcome::Declined => "DECLINED",
            AcqOutcome::Unavailable => "UNAVAILABLE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcqResponse {
    pub outcome: AcqOutcome,
    /// ISO 8583 response code as the acquirer gave it (`00` approved, `51` funds, ...).
    pub response_code: String,
    /// The acquirer's reference of the authorization (check-time calls), used by every later
    /// call for the same operation.
    pub reference: Option<String>,
}

impl AcqResponse {
    pub fn new(outcome: AcqOutcome, code: &str) -> Self {
        Self {
            outcome,
            response_code: code.to_owned(),
            reference: None,
        }
    }
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
    pub fn approved(&self) -> bool {
        self.outcome == AcqOutcome::Approved
    }
}

/// The kinds of acquirer calls, as stored in the ledger (`acquirer_calls.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    AccountStatus,
    Authorization,
    AdditionalAuthorization,
    Void,
    Refund,
}

impl CallKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallKind::AccountStatus => "ACCOUNT_STATUS",
            CallKind::Authorization => "AUTHORIZATION",
            CallKind::AdditionalAuthorization => "ADDITIONAL_AUTHORIZATION",
            CallKind::Void => "VOID",
            CallKind::Refund => "REFUND",
        }
    }
}

/// The idempotency key of a call for an operation: the same operation, kind and amount always
/// give the same key, so a retry (a repeated confirm, a retried void) is recognised by the
/// acquirer as the same request.
pub fn idem_key(operation_id: &str, kind: CallKind, amount_minor: i64) -> String {
    format!("{operation_id}:{}:{amount_minor}", kind.as_str())
}

#[async_trait::async_trait]
pub trait Acquirer: Send + Sync + 'static {
    /// Zero-amount account status inquiry; an approval carries the reference.
    async fn account_status(&self, pan: &str, idempotency_key: &str) -> AcqResponse;
    /// Amount authorization (a paid cardholder, at check); an approval carries the reference.
    async fn authorize(&self, pan: &str, amount: Money, idempotency_key: &str) -> AcqResponse;
    /// Additional (incremental) authorization against a check-time reference (paid guests).
    async fn authorize_more(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> AcqResponse;
    /// Release `amount` authorized under `reference` (never captured).
    async fn void(&self, reference: &str, amount: Money, idempotency_key: &str) -> AcqResponse;
    /// Give back `amount` captured under `reference` (a reversed paid entry).
    async fn refund(&self, reference: &str, amount: Money, idempotency_key: &str) -> AcqResponse;
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
/// `9005` → the account status inquiry fails (05), `9051` → amount authorizations (at check
/// and the guests' additional authorization at confirm) are declined for funds (51), `9096` →
/// amount authorizations fail otherwise (96); everything else is approved (00).
///
/// The reference it returns carries the card's class (`SIM-A-…`, `SIM-F-…`, `SIM-D-…`) and a
/// digest of the idempotency key — never PAN digits — so the later calls that only have the
/// reference still answer as the card would. Voids and refunds are always approved.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimulatedAcquirer;

fn marker(pan: &str) -> &str {
    let n = pan.len();
    if n >= 5 {
        pan.get(n - 5..n - 1).unwrap_or("")
    } else {
        ""
    }
}

fn sim_reference(class: char, key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("SIM-{class}-{hex}")
}

fn class_of(pan: &str) -> char {
    match marker(pan) {
        "9051" => 'F',
        "9096" => 'D',
        _ => 'A',
    }
}

fn amount_answer(class: char) -> AcqResponse {
    match class {
        'F' => AcqResponse::new(AcqOutcome::InsufficientFunds, "51"),
        'D' => AcqResponse::new(AcqOutcome::Declined, "96"),
        _ => AcqResponse::new(AcqOutcome::Approved, "00"),
    }
}

#[async_trait::async_trait]
impl Acquirer for SimulatedAcquirer {
    async fn account_status(&self, pan: &str, key: &str) -> AcqResponse {
        match marker(pan) {
            "9005" => AcqResponse::new(AcqOutcome::Declined, "05"),
            _ => AcqResponse::new(AcqOutcome::Approved, "00")
                .with_reference(sim_reference(class_of(pan), key)),
        }
    }

    async fn authorize(&self, pan: &str, _amount: Money, key: &str) -> AcqResponse {
        let class = class_of(pan);
        let r = amount_answer(class);
        if r.approved() {
            r.with_reference(sim_reference(class, key))
        } else {
            r
        }
    }

    async fn authorize_more(&self, reference: &str, _amount: Money, _key: &str) -> AcqResponse {
        match reference
            .strip_prefix("SIM-")
            .and_then(|r| r.chars().next())
        {
            Some(class) => amount_answer(class),
            None => AcqResponse::new(AcqOutcome::Declined, "14"),
        }
    }

    async fn void(&self, _reference: &str, _amount: Money, _key: &str) -> AcqResponse {
        AcqResponse::new(AcqOutcome::Approved, "00")
    }

    async fn refund(&self, _reference: &str, _amount: Money, _key: &str) -> AcqResponse {
        AcqResponse::new(AcqOutcome::Approved, "00")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use access_core::domain::Currency;

    #[tokio::test]
    async fn simulator_is_driven_by_the_documented_digits() {
        let a = SimulatedAcquirer;
        let eur = Money::from_minor(100, Currency::from_code("EUR").unwrap());
        assert!(!a.account_status("5412340000090051", "k1").await.approved());
        let ok = a.account_status("5412340000000001", "k2").await;
        assert!(ok.approved());
        assert!(!ok.reference.as_deref().unwrap().contains("0001"));
        assert_eq!(
            a.authorize("5412340000090515", eur, "k3").await.outcome,
            AcqOutcome::InsufficientFunds
        );
        assert_eq!(
            a.authorize("5412340000090960", eur, "k4").await.outcome,
            AcqOutcome::Declined
        );
        // The insufficient-funds card stays so at confirm, through its reference.
        let asi = a.account_status("5412340000090515", "k5").await;
        let r = asi.reference.unwrap();
        assert_eq!(
            a.authorize_more(&r, eur, "k6").await.outcome,
            AcqOutcome::InsufficientFunds
        );
        let r = ok.reference.unwrap();
        assert!(a.authorize_more(&r, eur, "k7").await.approved());
        // An operation id is no reference.
        assert!(!a
            .authorize_more("6f1c1d1e-0000-4000-8000-000000000000", eur, "k8")
            .await
            .approved());
    }

    #[test]
    fn idempotency_keys_are_stable_per_operation_kind_and_amount() {
        assert_eq!(
            idem_key("op-1", CallKind::Void, 2500),
            idem_key("op-1", CallKind::Void, 2500)
        );
        assert_ne!(
            idem_key("op-1", CallKind::Void, 2500),
            idem_key("op-1", CallKind::Refund, 2500)
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
