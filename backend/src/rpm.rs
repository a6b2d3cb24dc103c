//! External rules (RPM): for a card that a ruleset flagged `rpm` covers, an external rule
//! engine gives a verdict. The engine ([`access_core::domain`]) is pure and synchronous, so the
//! verdicts are fetched first — only for the `rpm` rulesets that match the card at the
//! location by their own conditions ([`rpm_candidates`]) — each call bounded by
//! [`Settings::rpm_timeout`](crate::Settings::rpm_timeout), and passed in through
//! [`RpmHook`]. A refusal, a timeout or an error refuses the ruleset (fail closed: an issuer's
//! external rules are a condition of the benefit); when nothing else admits the card the
//! reject is `UNMET_REQUIREMENTS`. Without a configured client the flag has no effect.
//!
//! What the rule engine gets never includes the clear PAN: the masked PAN, the keyed card
//! hash (the same `pan_hash` the operations carry), the 6-digit BIN.

use access_core::domain::{
    rpm_candidates, CardProfile, LocationInfo, RpmHook, Ruleset, RulesetIndex,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// One question to the external rule engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RpmRequest {
    pub ruleset_id: String,
    pub ruleset_version: u32,
    /// First 6, `******`, last 4.
    pub masked_pan: String,
    /// HMAC-SHA256 of the PAN with the server's key (hex): stable per card, not reversible.
    pub card_hash: String,
    pub bin: String,
    pub location_id: String,
    pub country: String,
    pub service: String,
    /// The instant decided for (RFC 3339 UTC on the wire).
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpmVerdict {
    Approve,
    Refuse,
    /// Timeout, network error, an answer that is not a verdict. Treated as a refusal.
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait RpmClient: Send + Sync + 'static {
    async fn verdict(&self, req: &RpmRequest) -> RpmVerdict;
}

/// The verdicts of one decision, by ruleset id: the [`RpmHook`] the engine asks.
#[derive(Debug, Clone, Default)]
pub struct Verdicts(HashMap<uuid::Uuid, bool>);

impl RpmHook for Verdicts {
    fn allows(&self, ruleset: &Ruleset, _card: &CardProfile, _location: &LocationInfo) -> bool {
        // A ruleset not asked about is refused (fail closed).
        self.0.get(&ruleset.id).copied().unwrap_or(false)
    }
}

/// The card as the rule engine may see it.
pub struct CardRef<'a> {
    pub masked_pan: &'a str,
    pub card_hash: &'a str,
    pub bin: &'a str,
}

/// Ask `client` about every `rpm` ruleset that matches the card here, concurrently, each
/// bounded by `timeout`. `None` when there is nothing to ask (the hook is then not needed).
pub async fn fetch(
    client: &dyn RpmClient,
    timeout: Duration,
    index: &RulesetIndex,
    card: Option<&CardProfile>,
    card_ref: &CardRef<'_>,
    location: &LocationInfo,
    now: DateTime<Utc>,
) -> Option<Verdicts> {
    let card = card?;
    let asks = rpm_candidates(index, card, location, now);
    if asks.is_empty() {
        return None;
    }
    let calls = asks.iter().map(|rs| {
        let req = RpmRequest {
            ruleset_id: rs.id.to_string(),
            ruleset_version: rs.version,
            masked_pan: card_ref.masked_pan.to_owned(),
            card_hash: card_ref.card_hash.to_owned(),
            bin: card_ref.bin.to_owned(),
            location_id: location.id.to_string(),
            country: location.country.clone(),
            service: location.service.clone(),
            at: now,
        };
        async move {
            let v = match tokio::time::timeout(timeout, client.verdict(&req)).await {
                Ok(v) => v,
                Err(_) => RpmVerdict::Unavailable("timeout".into()),
            };
            if let RpmVerdict::Unavailable(why) = &v {
                tracing::warn!(ruleset = %req.ruleset_id, why = %why, "RPM rule engine unavailable; the ruleset refuses the card");
            }
            (rs.id, v == RpmVerdict::Approve)
        }
    });
    Some(Verdicts(
        futures_util::future::join_all(calls)
            .await
            .into_iter()
            .collect(),
    ))
}
