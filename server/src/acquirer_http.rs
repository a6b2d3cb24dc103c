//! The acquirer over HTTP (JSON), for deployments that front their card processor with a small
//! gateway. Contract, relative to the configured base URL:
//!
//! - `POST {base}/account-status` `{"pan": "..."}` → `{"responseCode": "00"}` (zero-amount ASI)
//! - `POST {base}/authorizations` `{"pan": "...", "amountMinor": 2500, "currency": "EUR"}`
//!   → `{"responseCode": "00"}`
//!
//! `00` is approved, `51` insufficient funds, any other code a decline. A non-2xx answer, a body
//! without a response code, a network error or a timeout is `Unavailable` (code `91`, "issuer
//! or switch inoperative"), which the entry flow turns into a clean reject — never a hung
//! terminal. The PAN goes only to the acquirer, over the configured (TLS) URL; it is not logged.

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

    async fn call(&self, path: &str, body: Value) -> AcqResponse {
        let unavailable = |why: &str| {
            tracing::warn!(path, why, "acquirer unavailable");
            AcqResponse::new(AcqOutcome::Unavailable, "91")
        };
        let resp = match self
            .http
            .post(format!("{}{path}", self.base))
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
        match v["responseCode"].as_str() {
            Some("00") => AcqResponse::new(AcqOutcome::Approved, "00"),
            Some("51") => AcqResponse::new(AcqOutcome::InsufficientFunds, "51"),
            Some(code) if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                AcqResponse::new(AcqOutcome::Declined, code)
            }
            _ => unavailable("no valid responseCode"),
        }
    }
}

#[async_trait::async_trait]
impl Acquirer for HttpAcquirer {
    async fn account_status(&self, pan: &str) -> AcqResponse {
        self.call("/account-status", json!({ "pan": pan })).await
    }

    async fn authorize(&self, pan: &str, amount: Money) -> AcqResponse {
        self.call(
            "/authorizations",
            json!({
                "pan": pan,
                "amountMinor": amount.minor(),
                "currency": amount.currency().code(),
            }),
        )
        .await
    }
}
