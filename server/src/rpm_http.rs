//! The external rule engine (RPM) over HTTP (`--rpm-url`). For each `rpm` ruleset that covers
//! a card at a location, before deciding, the server sends
//!
//! `POST {url}` `{"rulesetId", "rulesetVersion", "maskedPan": "541234******1234",
//! "cardHash": "<hex HMAC-SHA256 of the PAN>", "bin": "541234", "locationId", "country",
//! "service", "at": "<RFC 3339 UTC>"}`
//!
//! and expects 2xx `{"verdict": "APPROVE"}` or `{"verdict": "REFUSE"}`. Never the clear PAN.
//! Anything else — another status, another body, a redirect (not followed), a network error,
//! no answer within `--rpm-timeout-ms` (default 300 ms) — is "unavailable" and refuses the
//! ruleset, like a refusal (see `backend::rpm`). URL rules as for the acquirer: `https://`,
//! or `http://` outside production; credentials in the URL are never logged.

use crate::acquirer_http::{check_url, redact_url, AcquirerUrlError};
use backend::rpm::{RpmClient, RpmRequest, RpmVerdict};
use std::fmt;
use std::time::Duration;

pub struct HttpRpm {
    url: String,
    http: reqwest::Client,
}

/// Shows the URL redacted, never its credentials.
impl fmt::Debug for HttpRpm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRpm")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl HttpRpm {
    /// `production`: plain `http://` is refused.
    pub fn new(url: &str, timeout: Duration, production: bool) -> Result<Self, AcquirerUrlError> {
        check_url(url, production)?;
        Ok(Self {
            url: url.to_owned(),
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(AcquirerUrlError::Client)?,
        })
    }

    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }
}

#[async_trait::async_trait]
impl RpmClient for HttpRpm {
    async fn verdict(&self, req: &RpmRequest) -> RpmVerdict {
        let unavailable = |why: &str| RpmVerdict::Unavailable(why.to_owned());
        let resp = match self.http.post(&self.url).json(req).send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return unavailable("timeout"),
            Err(_) => return unavailable("network error"),
        };
        if !resp.status().is_success() {
            return unavailable(&format!("HTTP {}", resp.status().as_u16()));
        }
        let Ok(v) = resp.json::<serde_json::Value>().await else {
            return unavailable("body is not JSON");
        };
        match v["verdict"].as_str() {
            Some("APPROVE") => RpmVerdict::Approve,
            Some("REFUSE") => RpmVerdict::Refuse,
            _ => unavailable("no valid verdict"),
        }
    }
}
