//! The acquirer over HTTP (JSON), for deployments that front their card processor with a small
//! gateway. Contract, relative to the configured base URL; every request carries an
//! `Idempotency-Key` header (also in the body as `idempotencyKey`), the same for a retry of the
//! same call, so the gateway never charges twice:
//!
//! - `POST {base}/account-status` `{"pan": "..."}` → `{"responseCode": "00", "reference": "..."}`
//!   (zero-amount ASI)
//! - `POST {base}/authorizations` `{"pan": "...", "amountMinor": 2500, "currency": "EUR"}`
//!   → `{"responseCode": "00", "reference": "..."}`
//! - `POST {base}/authorizations/{reference}/increments` `{"amountMinor", "currency"}`
//!   → `{"responseCode": "00"}` (additional authorization for paid guests, at confirm)
//! - `POST {base}/authorizations/{reference}/void` `{"amountMinor", "currency"}` → `{"responseCode": "00"}`
//! - `POST {base}/authorizations/{reference}/refunds` `{"amountMinor", "currency"}` → `{"responseCode": "00"}`
//!
//! `00` is approved, `51` insufficient funds, any other code a decline. A non-2xx answer, a body
//! without a response code, a network error or a timeout is `Unavailable` (code `91`, "issuer
//! or switch inoperative"), which the entry flow turns into a clean reject — never a hung
//! terminal (and, for a void or refund, a retry later). The PAN goes only to the acquirer, over
//! the configured (TLS) URL, and only at check; it is not logged.

use app::backend::acquirer::{AcqOutcome, AcqResponse, Acquirer};
use app::domain::Money;
use serde_json::{json, Value};
use std::time::Duration;

pub struct HttpAcquirer {
    base: String,
    http: reqwest::Client,
}

impl HttpAcquirer {
    /// `timeout` bounds each call at the HTTP level too (the entry flow also bounds it).
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, reqwest::Error> {
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .build()?,
        })
    }

    async fn call(&self, path: &str, mut body: Value, key: &str) -> AcqResponse {
        let unavailable = |why: &str| {
            tracing::warn!(path, why, "acquirer unavailable");
            AcqResponse::new(AcqOutcome::Unavailable, "91")
        };
        body["idempotencyKey"] = Value::String(key.to_owned());
        let resp = match self
            .http
            .post(format!("{}{path}", self.base))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return unavailable("timeout"),
            Err(_) => return unavailable("network error"),
        };
        if !resp.status().is_success() {
            return unavailable(resp.status().as_str());
        }
        let Ok(v) = resp.json::<Value>().await else {
            return unavailable("body is not JSON");
        };
        let answer = match v["responseCode"].as_str() {
            Some("00") => AcqResponse::new(AcqOutcome::Approved, "00"),
            Some("51") => AcqResponse::new(AcqOutcome::InsufficientFunds, "51"),
            Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                AcqResponse::new(AcqOutcome::Declined, code)
            }
            _ => return unavailable("no valid responseCode"),
        };
        match v["reference"].as_str() {
            Some(r) if !r.is_empty() && r.len() <= 128 => answer.with_reference(r),
            _ => answer,
        }
    }

    fn amount(amount: Money) -> Value {
        json!({
            "amountMinor": amount.minor(),
            "currency": amount.currency().code(),
        })
    }

    /// `{base}/authorizations/{reference}/{action}`, the reference path-escaped.
    fn on_reference(reference: &str, action: &str) -> String {
        let escaped: String = reference
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("/authorizations/{escaped}/{action}")
    }
}

#[async_trait::async_trait]
impl Acquirer for HttpAcquirer {
    async fn account_status(&self, pan: &str, key: &str) -> AcqResponse {
        self.call("/account-status", json!({ "pan": pan }), key)
            .await
    }

    async fn authorize(&self, pan: &str, amount: Money, key: &str) -> AcqResponse {
        let mut body = Self::amount(amount);
        body["pan"] = Value::String(pan.to_owned());
        self.call("/authorizations", body, key).await
    }

    async fn authorize_more(&self, reference: &str, amount: Money, key: &str) -> AcqResponse {
        self.call(
            &Self::on_reference(reference, "increments"),
            Self::amount(amount),
            key,
        )
        .await
    }

    async fn void(&self, reference: &str, amount: Money, key: &str) -> AcqResponse {
        self.call(
            &Self::on_reference(reference, "void"),
            Self::amount(amount),
            key,
        )
        .await
    }

    async fn refund(&self, reference: &str, amount: Money, key: &str) -> AcqResponse {
        self.call(
            &Self::on_reference(reference, "refunds"),
            Self::amount(amount),
            key,
        )
        .await
    }
}
