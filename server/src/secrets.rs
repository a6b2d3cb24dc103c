//! The three server secrets: from flags/environment, else (embedded default only) generated
//! once and kept in the data folder readable by the owner alone.

use backend::Keys;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("production mode: {0} is required (flag or environment variable); refusing to start")]
    Missing(&'static str),
    #[error("{0} must be hex-encoded, at least 16 bytes")]
    BadHex(&'static str),
    #[error("secrets file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("secrets file {0} is not valid JSON")]
    Corrupt(String),
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    pan_hash_key: String,
    whitelist_key: String,
    token_signing_key: String,
}

pub struct Given<'a> {
    pub pan_hash: Option<&'a str>,
    pub whitelist: Option<&'a str>,
    pub token: Option<&'a str>,
}

fn decode(name: &'static str, hex_str: &str) -> Result<Vec<u8>, SecretsError> {
    let bytes = hex::decode(hex_str.trim()).map_err(|_| SecretsError::BadHex(name))?;
    if bytes.len() < 16 {
        return Err(SecretsError::BadHex(name));
    }
    Ok(bytes)
}

fn random_hex() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub fn load(given: Given<'_>, production: bool, data_dir: &Path) -> Result<Keys, SecretsError> {
    if production {
        let pan = given
            .pan_hash
            .ok_or(SecretsError::Missing("PAN_HASH_KEY"))?;
        let wl = given
            .whitelist
            .ok_or(SecretsError::Missing("WHITELIST_KEY"))?;
        let tok = given
            .token
            .ok_or(SecretsError::Missing("TOKEN_SIGNING_KEY"))?;
        return Ok(Keys::new(
            decode("PAN_HASH_KEY", pan)?,
            decode("WHITELIST_KEY", wl)?,
            decode("TOKEN_SIGNING_KEY", tok)?,
        ));
    }
    let path = data_dir.join("secrets.json");
    let file_err = |source| SecretsError::File {
        path: path.display().to_string(),
        source,
    };
    let stored = if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(file_err)?;
        serde_json::from_str::<Stored>(&text)
            .map_err(|_| SecretsError::Corrupt(path.display().to_string()))?
    } else {
        let fresh = Stored {
            pan_hash_key: random_hex(),
            whitelist_key: random_hex(),
            token_signing_key: random_hex(),
        };
        write_private(
            &path,
            &serde_json::to_string_pretty(&fresh).unwrap_or_default(),
        )
        .map_err(file_err)?;
        tracing::info!(path = %path.display(), "generated server secrets");
        fresh
    };
    Ok(Keys::new(
        decode(
            "PAN_HASH_KEY",
            given.pan_hash.unwrap_or(&stored.pan_hash_key),
        )?,
        decode(
            "WHITELIST_KEY",
            given.whitelist.unwrap_or(&stored.whitelist_key),
        )?,
        decode(
            "TOKEN_SIGNING_KEY",
            given.token.unwrap_or(&stored.token_signing_key),
        )?,
    ))
}

/// Create the file with mode 0600 from the start (never briefly world-readable).
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Given<'static> {
        Given {
            pan_hash: None,
            whitelist: None,
            token: None,
        }
    }

    #[test]
    fn production_refuses_missing_secrets() {
        let dir = std::env::temp_dir().join(format!("sec-{}", random_hex()));
        let err = load(none(), true, &dir).unwrap_err();
        assert!(err.to_string().contains("PAN_HASH_KEY"), "{err}");
    }

    #[test]
    fn embedded_default_generates_once_with_0600() {
        let dir = std::env::temp_dir().join(format!("sec-{}", random_hex()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = load(none(), false, &dir).unwrap();
        let b = load(none(), false, &dir).unwrap();
        assert_eq!(
            a.pan_hash("5412345678901232"),
            b.pan_hash("5412345678901232")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_hex_is_named() {
        let dir = std::env::temp_dir();
        let given = Given {
            pan_hash: Some("zz"),
            whitelist: Some("00"),
            token: Some("00"),
        };
        assert!(matches!(
            load(given, true, &dir),
            Err(SecretsError::BadHex("PAN_HASH_KEY"))
        ));
    }
}
