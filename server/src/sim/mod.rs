//! A terminal simulator that behaves like a real POS: its own RSA key, pairing with a code,
//! short-lived RS256 JWTs reused until shortly before they expire. Used by the `pos-sim`
//! command, the tests and the benchmarks.

pub mod load;
pub mod offline;
pub mod state;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::RsaPrivateKey;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("server answered {status}: {body}")]
    Status { status: u16, body: Value },
    #[error("key: {0}")]
    Key(String),
    #[error("state: {0}")]
    State(String),
    #[error("{0}")]
    Unexpected(String),
}

/// An extra trusted CA (PEM) for every client the simulator builds (`pos-sim --ca-cert`): a
/// server with a self-signed or private-CA certificate.
static EXTRA_CA: std::sync::OnceLock<reqwest::Certificate> = std::sync::OnceLock::new();

/// Trust `pem` (one or more CA certificates) from now on; set once per process.
pub fn trust_ca_pem(pem: &[u8]) -> Result<(), SimError> {
    let cert = reqwest::Certificate::from_pem(pem)?;
    let _ = EXTRA_CA.set(cert);
    Ok(())
}

/// A client builder that trusts the extra CA, if any.
pub fn client_builder() -> reqwest::ClientBuilder {
    let b = reqwest::Client::builder();
    match EXTRA_CA.get() {
        Some(ca) => b.add_root_certificate(ca.clone()),
        None => b,
    }
}

/// A terminal whose client trusts exactly the given extra CA (tests; the CLI uses
/// [`trust_ca_pem`]).
pub fn client_with_ca(pem: &[u8]) -> Result<reqwest::Client, SimError> {
    Ok(reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem)?)
        .timeout(Duration::from_secs(30))
        .build()?)
}

pub fn generate_key(bits: usize) -> Result<RsaPrivateKey, SimError> {
    RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).map_err(|e| SimError::Key(e.to_string()))
}

/// Base64 of the DER SubjectPublicKeyInfo, as `/pos/pair` wants it.
pub fn public_key_b64(key: &RsaPrivateKey) -> Result<String, SimError> {
    let der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| SimError::Key(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(der.as_bytes()))
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iat: i64,
    exp: i64,
}

/// Sign a terminal JWT (RS256) with explicit times.
pub fn sign_jwt(key: &EncodingKey, serial: &str, iat: i64, exp: i64) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &Claims {
            sub: serial,
            iat,
            exp,
        },
        key,
    )
    .unwrap_or_default()
}

pub fn encoding_key(key: &RsaPrivateKey) -> Result<EncodingKey, SimError> {
    let der = key
        .to_pkcs1_der()
        .map_err(|e| SimError::Key(e.to_string()))?;
    Ok(EncodingKey::from_rsa_der(der.as_bytes()))
}

/// One simulated terminal.
pub struct Terminal {
    pub base_url: String,
    pub serial: String,
    key: RsaPrivateKey,
    encoding: EncodingKey,
    http: reqwest::Client,
    /// Token lifetime asked for; reused until `REFRESH_MARGIN` before it ends.
    pub token_lifetime: i64,
    token: Mutex<Option<(String, i64)>>,
    /// Source of "now" (unix seconds) for tokens; tests tie it to the server's clock.
    pub clock: std::sync::Arc<dyn Fn() -> i64 + Send + Sync>,
    /// Sent as `Accept-Language` (the language of reject messages), when set.
    pub accept_language: Option<String>,
}

const REFRESH_MARGIN: i64 = 30;

impl Terminal {
    pub fn new(base_url: &str, serial: &str, key: RsaPrivateKey) -> Result<Self, SimError> {
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            serial: serial.to_owned(),
            encoding: encoding_key(&key)?,
            key,
            http: client_builder().timeout(Duration::from_secs(30)).build()?,
            token_lifetime: 240,
            token: Mutex::new(None),
            clock: std::sync::Arc::new(unix_now),
            accept_language: None,
        })
    }

    pub fn key(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// Use another HTTP client (one that trusts a private CA, in tests).
    pub fn with_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A valid JWT, signed anew only when the cached one is about to expire.
    pub fn token(&self) -> String {
        let now = (self.clock)();
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, exp)) = cached.as_ref() {
            if *exp - REFRESH_MARGIN > now {
                return t.clone();
            }
        }
        let exp = now + self.token_lifetime;
        let t = sign_jwt(&self.encoding, &self.serial, now, exp);
        *cached = Some((t.clone(), exp));
        t
    }

    pub fn forget_token(&self) {
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// `POST /pos/pair` with this terminal's key.
    pub async fn pair(&self, code: &str) -> Result<Value, SimError> {
        let body = json!({
            "serialNumber": self.serial,
            "pairingCode": code,
            "publicKey": public_key_b64(&self.key)?,
        });
        let resp = self
            .http
            .post(format!("{}/pos/pair", self.base_url))
            .json(&body)
            .send()
            .await?;
        expect_ok(resp).await
    }

    /// Raw authenticated request: status and JSON body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), SimError> {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base_url, path))
            .bearer_auth(self.token());
        if let Some(l) = &self.accept_language {
            req = req.header(reqwest::header::ACCEPT_LANGUAGE, l);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    pub async fn ping(&self) -> Result<Value, SimError> {
        ok(self
            .request(reqwest::Method::GET, "/pos/ping", None)
            .await?)
    }

    pub async fn check(&self, pan: &str, entry_mode: &str) -> Result<Value, SimError> {
        let body = json!({ "pan": pan, "entryMode": entry_mode });
        ok(self
            .request(reqwest::Method::POST, "/pos/check_entry", Some(&body))
            .await?)
    }

    pub async fn confirm(
        &self,
        access_id: &str,
        adults: u32,
        children: u32,
    ) -> Result<Value, SimError> {
        let body = json!({ "accessId": access_id, "adultGuests": adults, "childGuests": children });
        ok(self
            .request(reqwest::Method::POST, "/pos/confirm_entry", Some(&body))
            .await?)
    }
}

fn ok((status, body): (u16, Value)) -> Result<Value, SimError> {
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(SimError::Status { status, body })
    }
}

async fn expect_ok(resp: reqwest::Response) -> Result<Value, SimError> {
    let status = resp.status().as_u16();
    let text = resp.text().await?;
    ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}
