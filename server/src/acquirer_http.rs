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
//!
//! URL rules ([`check_url`]): `https://` always works; plain `http://` is refused in production
//! (`--production`), where the PAN would otherwise cross the network in clear; other schemes
//! are refused. Credentials may sit in the URL's user-info (`https://user:secret@gw/…`, sent as
//! HTTP Basic) but are never logged or shown: every log line and error uses [`redact_url`].
//! Redirects are not followed (a 3xx is `Unavailable`): a redirect could send the PAN and the
//! credentials elsewhere, or downgrade to plain HTTP.

use access_core::domain::Money;
use backend::acquirer::{AcqOutcome, AcqResponse, Acquirer};
use serde_json::{json, Value};
use std::fmt;
use std::time::Duration;

/// Why an acquirer URL is refused. Messages show the URL redacted ([`redact_url`]).
#[derive(Debug, thiserror::Error)]
pub enum AcquirerUrlError {
    #[error("the acquirer URL is not a valid absolute URL")]
    Invalid,
    #[error("the acquirer URL {0} must use https:// (or http:// outside production)")]
    Scheme(String),
    #[error(
        "the acquirer URL {0} is plain http://, refused in production: card numbers would \
         cross the network in clear; use https://"
    )]
    PlainHttpInProduction(String),
    #[error("building the acquirer's HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// The URL as it may be logged or shown: user name and password replaced by `***`. Something
/// that does not parse is not echoed at all.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("***");
                let _ = u.set_password(None);
            }
            u.to_string()
        }
        Err(_) => "<invalid URL>".into(),
    }
}

/// The URL rules of the module docs: `https://`, or `http://` outside production.
pub fn check_url(url: &str, production: bool) -> Result<reqwest::Url, AcquirerUrlError> {
    let u = reqwest::Url::parse(url).map_err(|_| AcquirerUrlError::Invalid)?;
    if u.cannot_be_a_base() || u.host_str().is_none() {
        return Err(AcquirerUrlError::Invalid);
    }
    match u.scheme() {
        "https" => Ok(u),
        "http" if production => Err(AcquirerUrlError::PlainHttpInProduction(redact_url(url))),
        "http" => Ok(u),
        _ => Err(AcquirerUrlError::Scheme(redact_url(url))),
    }
}

pub struct HttpAcquirer {
    base: String,
    http: reqwest::Client,
}

/// Shows the base URL redacted, never its credentials.
impl fmt::Debug for HttpAcquirer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpAcquirer")
            .field("base", &redact_url(&self.base))
            .finish_non_exhaustive()
    }
}

impl HttpAcquirer {
    /// Outside production (plain `http://` allowed, e.g. a local stub). `timeout` bounds each
    /// call at the HTTP level too (the entry flow also bounds it).
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, AcquirerUrlError> {
        Self::with_policy(base_url, timeout, false)
    }

    /// `production`: plain `http://` is refused (see the module docs).
    pub fn with_policy(
        base_url: &str,
        timeout: Duration,
        production: bool,
    ) -> Result<Self, AcquirerUrlError> {
        check_url(base_url, production)?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout)
                // Never follow a redirect: it could carry the PAN (and the credentials)
                // elsewhere or onto plain HTTP. A 3xx is an unavailable acquirer.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(AcquirerUrlError::Client)?,
        })
    }

    /// The base URL as it may be logged.
    pub fn display_url(&self) -> String {
        redact_url(&self.base)
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
        if resp.status().is_redirection() {
            return unavailable("redirect refused");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_never_shown() {
        assert_eq!(
            redact_url("https://gw-user:s3cr3t@acq.example/v1"),
            "https://***@acq.example/v1"
        );
        assert_eq!(
            redact_url("https://:s3cr3t@acq.example/"),
            "https://***@acq.example/"
        );
        assert_eq!(
            redact_url("https://acq.example/v1"),
            "https://acq.example/v1"
        );
        assert_eq!(redact_url("not a url s3cr3t"), "<invalid URL>");
        let acq = HttpAcquirer::new("http://u:s3cr3t@127.0.0.1:9/", Duration::from_secs(1))
            .expect("http is fine outside production");
        assert!(!format!("{acq:?}").contains("s3cr3t"));
        assert!(!acq.display_url().contains("s3cr3t"));
    }

    #[test]
    fn plain_http_is_refused_in_production() {
        let t = Duration::from_secs(1);
        let err = HttpAcquirer::with_policy("http://u:s3cr3t@acq.example", t, true).unwrap_err();
        assert!(matches!(err, AcquirerUrlError::PlainHttpInProduction(_)));
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        assert!(HttpAcquirer::with_policy("https://acq.example", t, true).is_ok());
        assert!(HttpAcquirer::with_policy("http://acq.example", t, false).is_ok());
        assert!(matches!(
            HttpAcquirer::with_policy("ftp://acq.example", t, false),
            Err(AcquirerUrlError::Scheme(_))
        ));
        assert!(matches!(
            HttpAcquirer::with_policy("acq.example", t, false),
            Err(AcquirerUrlError::Invalid)
        ));
    }
}
