//! argon2id password hashing, off the async threads (a hash costs tens of milliseconds) and
//! bounded: each hash holds ≈19 MiB, so at most [`Backend::hash_slots`] run at once (one per
//! core by default). A caller waits at most `Settings::hash_wait` for a slot; then the answer
//! is [`ServiceError::Busy`] (503 with `Retry-After`), never an unbounded pile of hashes.

use super::super::error::{ServiceError, ServiceResult};
use super::super::Backend;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Run `f` on the blocking pool once a hashing slot is free (or answer `Busy`).
async fn bounded<T: Send + 'static>(
    b: &Backend,
    f: impl FnOnce() -> T + Send + 'static,
) -> ServiceResult<T> {
    let permit = tokio::time::timeout(b.settings.hash_wait, b.hash_slots.clone().acquire_owned())
        .await
        .map_err(|_| {
            tracing::warn!("no password-hashing slot free: answering busy");
            ServiceError::Busy(1)
        })?
        .map_err(|e| ServiceError::Internal(format!("hash slots closed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let out = f();
        drop(permit);
        out
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("hash task: {e}")))
}

pub async fn hash(b: &Backend, password: String) -> ServiceResult<String> {
    bounded(b, move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("argon2 hash: {e}")))
    })
    .await?
}

/// A random password (16 characters, no look-alikes), for one-time use.
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Verify against a stored PHC string; `None` still spends the time of a verification so the
/// answer doesn't reveal whether the account exists.
pub async fn verify(b: &Backend, password: String, phc: Option<String>) -> ServiceResult<bool> {
    bounded(b, move || {
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3ZrBzxHG7S0Hm6T8kBJz+vTQp9v3zPqaCg4wx3JkUqE";
        let stored = phc.as_deref().unwrap_or(DUMMY);
        let ok = PasswordHash::new(stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        ok && phc.is_some()
    })
    .await
}
