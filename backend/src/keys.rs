//! The server's secrets and the keyed hashes made with them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The secrets, each also held as an HMAC already keyed with it: keying costs two SHA-256
/// blocks, which an import of 100,000 cards (two hashes each) would otherwise repeat per card.
#[derive(Clone)]
pub struct Keys {
    pan_hash: HmacSha256,
    whitelist: HmacSha256,
    whitelist_secret: Vec<u8>,
    token: HmacSha256,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(key).expect("hmac key of any length")
}

fn hmac_hex(keyed: &HmacSha256, msg: &[u8]) -> String {
    let mut mac = keyed.clone();
    mac.update(msg);
    hex::encode(mac.finalize().into_bytes())
}

impl Keys {
    pub fn new(pan_hash: Vec<u8>, whitelist: Vec<u8>, token: Vec<u8>) -> Self {
        Self {
            pan_hash: keyed(&pan_hash),
            whitelist: keyed(&whitelist),
            whitelist_secret: whitelist,
            token: keyed(&token),
        }
    }

    /// Keys for tests: fixed, distinct.
    pub fn for_tests() -> Self {
        Self::new(vec![1; 32], vec![2; 32], vec![3; 32])
    }

    /// The stored identity of a card: HMAC-SHA256(pan-hash key, PAN digits).
    pub fn pan_hash(&self, pan: &str) -> String {
        hmac_hex(&self.pan_hash, pan.as_bytes())
    }

    /// The offline whitelist hash terminals compute with the shared whitelist secret.
    pub fn whitelist_hash(&self, pan: &str) -> String {
        hmac_hex(&self.whitelist, pan.as_bytes())
    }

    pub fn whitelist_secret(&self) -> &[u8] {
        &self.whitelist_secret
    }

    /// Session tokens and pairing codes are stored keyed-hashed: a leaked table can't be
    /// used, and an 8-digit code can't be brute-forced offline without the key.
    pub fn token_hash(&self, token: &str) -> String {
        hmac_hex(&self.token, token.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitelist_hash_matches_independent_vector() {
        // From shared/spec/whitelist-hmac-vectors.json (computed with Python's hmac).
        let secret =
            hex::decode("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
                .unwrap();
        let keys = Keys::new(vec![0; 32], secret, vec![0; 32]);
        assert_eq!(
            keys.whitelist_hash("5412345678901232"),
            "2a9e8a4be2f2e56ae04c4e968e88baaa9f4344410d08cf0d8da36665b3a7ac6e"
        );
    }

    #[test]
    fn hashes_are_keyed() {
        let a = Keys::new(vec![1; 32], vec![1; 32], vec![1; 32]);
        let b = Keys::new(vec![2; 32], vec![2; 32], vec![2; 32]);
        assert_ne!(
            a.pan_hash("5412345678901232"),
            b.pan_hash("5412345678901232")
        );
    }
}
