//! argon2id password hashing, off the async threads (a hash costs tens of milliseconds).

use super::super::error::{ServiceError, ServiceResult};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

pub async fn hash(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("argon2 hash: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("hash task: {e}")))?
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
pub async fn verify(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3ZrBzxHG7S0Hm6T8kBJz+vTQp9v3zPqaCg4wx3JkUqE";
        let stored = phc.as_deref().unwrap_or(DUMMY);
        let ok = PasswordHash::new(stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        ok && phc.is_some()
    })
    .await
    .unwrap_or(false)
}
