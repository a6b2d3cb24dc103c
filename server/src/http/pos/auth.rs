//! Authentication of every `/pos/*` call but pairing: an RS256 JWT signed by the terminal's
//! own key (POS-API.md, "Every other /pos request"). Stateless: nothing is stored per token.

use super::error::PosError;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use backend::Backend;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
}

#[derive(Debug, Deserialize)]
struct SubOnly {
    sub: String,
}

/// Parsed keys by serial number, tagged with the pairing time they came from: a re-paired
/// terminal's new key replaces the old one, and the hot path never re-decodes DER.
type KeysBySerial = HashMap<String, (i64, Arc<DecodingKey>)>;

#[derive(Clone, Default)]
pub struct KeyCache(Arc<RwLock<KeysBySerial>>);

impl KeyCache {
    fn get(&self, serial: &str, paired_at: i64, der: &[u8]) -> Option<Arc<DecodingKey>> {
        if let Ok(map) = self.0.read() {
            if let Some((at, key)) = map.get(serial) {
                if *at == paired_at {
                    return Some(key.clone());
                }
            }
        }
        let spki = rsa::RsaPublicKey::from_public_key_der(der).ok()?;
        let pkcs1 = spki.to_pkcs1_der().ok()?;
        let key = Arc::new(DecodingKey::from_rsa_der(pkcs1.as_bytes()));
        if let Ok(mut map) = self.0.write() {
            map.insert(serial.to_owned(), (paired_at, key.clone()));
        }
        Some(key)
    }
}

/// The authenticated terminal of a POS request.
#[derive(Debug, Clone)]
pub struct PosTerminal {
    pub id: String,
    pub serial_number: String,
    pub location_id: Option<String>,
}

fn bearer(parts: &Parts) -> Result<&str, PosError> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(PosError::Unauthorized)
}

/// The `sub` claim before verification — only to find whose key to verify with.
fn unverified_sub(token: &str) -> Result<String, PosError> {
    let payload = token.split('.').nth(1).ok_or(PosError::Unauthorized)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| PosError::Unauthorized)?;
    serde_json::from_slice::<SubOnly>(&bytes)
        .map(|c| c.sub)
        .map_err(|_| PosError::Unauthorized)
}

pub async fn authenticate(
    b: &Backend,
    cache: &KeyCache,
    token: &str,
) -> Result<PosTerminal, PosError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| PosError::Unauthorized)?;
    if header.alg != Algorithm::RS256 {
        return Err(PosError::Unauthorized);
    }
    let sub = unverified_sub(token)?;
    let terminal = backend::service::terminals::for_pos_auth(b, &sub)
        .await?
        .ok_or(PosError::Unauthorized)?;
    let (Some(der), Some(paired_at)) = (&terminal.public_key_der, terminal.paired_at) else {
        return Err(PosError::Unauthorized);
    };
    if terminal.pairing_status != "PAIRED" {
        return Err(PosError::Unauthorized);
    }
    let key = cache
        .get(&sub, paired_at, der)
        .ok_or(PosError::Unauthorized)?;
    // Time claims are checked below against the injectable clock, not the library's.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|_| PosError::Unauthorized)?
        .claims;
    let now = b.clock.now().timestamp();
    let s = &b.settings;
    if claims.sub != sub
        || claims.iat > now.saturating_add(s.jwt_skew_secs)
        || claims.exp < now.saturating_sub(s.jwt_skew_secs)
        // Checked: the claims are the client's numbers (i64::MIN and MAX included).
        || claims
            .exp
            .checked_sub(claims.iat)
            .is_none_or(|life| life < 0 || life > s.jwt_max_lifetime_secs)
    {
        return Err(PosError::Unauthorized);
    }
    // Only an authenticated terminal learns that it is disabled.
    if terminal.status != "active" {
        return Err(PosError::TerminalDisabled);
    }
    Ok(PosTerminal {
        id: terminal.id,
        serial_number: terminal.serial_number,
        location_id: terminal.location_id,
    })
}

impl<S> FromRequestParts<S> for PosTerminal
where
    Backend: FromRef<S>,
    KeyCache: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PosError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        authenticate(&Backend::from_ref(state), &KeyCache::from_ref(state), token).await
    }
}
