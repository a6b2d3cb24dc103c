//! The simulator's state folder: its private key (0600) and what it paired with.

use super::SimError;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Paired {
    pub server: String,
    pub serial: String,
    pub location_id: Option<String>,
    pub paired_at: String,
}

pub struct StateDir(pub PathBuf);

impl StateDir {
    pub fn new(path: impl AsRef<Path>) -> Result<Self, SimError> {
        std::fs::create_dir_all(path.as_ref()).map_err(|e| SimError::State(e.to_string()))?;
        Ok(Self(path.as_ref().to_owned()))
    }

    fn key_path(&self) -> PathBuf {
        self.0.join("terminal-key.pem")
    }

    pub fn save_key(&self, key: &RsaPrivateKey) -> Result<(), SimError> {
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| SimError::Key(e.to_string()))?;
        write_private(&self.key_path(), pem.as_bytes())
    }

    pub fn load_key(&self) -> Result<RsaPrivateKey, SimError> {
        let pem = std::fs::read_to_string(self.key_path()).map_err(|e| {
            SimError::State(format!("no key in {} ({e}); pair first", self.0.display()))
        })?;
        RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| SimError::Key(e.to_string()))
    }

    pub fn save_paired(&self, p: &Paired) -> Result<(), SimError> {
        let text = serde_json::to_string_pretty(p).map_err(|e| SimError::State(e.to_string()))?;
        write_private(&self.0.join("paired.json"), text.as_bytes())
    }

    pub fn load_paired(&self) -> Result<Paired, SimError> {
        let text = std::fs::read_to_string(self.0.join("paired.json"))
            .map_err(|e| SimError::State(format!("not paired ({e}); run `pos-sim pair` first")))?;
        serde_json::from_str(&text).map_err(|e| SimError::State(e.to_string()))
    }
}

/// Write a file readable by its owner only, replacing it atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SimError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let err = |e: std::io::Error| SimError::State(format!("{}: {e}", path.display()));
    let mut f = opts.open(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)?;
    // Make the rename itself durable (best effort where directories can't be opened).
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
