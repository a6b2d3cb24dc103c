//! Terminal pairing: operators issue one-time codes; terminals redeem them with their key.

use super::super::entity::{pairing_codes, terminals};
use super::super::error::ServiceError;
use super::super::repo::throttle;
use super::super::{audit, Backend};
use base64::Engine;
use rand::Rng;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

/// Why a pairing was refused. On the wire every code problem is one `PAIRING_FAILED`, so the
/// answer is no oracle; the variants exist for the audit log.
#[derive(Debug, thiserror::Error)]
pub enum PairError {
    #[error("invalid public key: {0}")]
    InvalidPublicKey(&'static str),
    #[error("pairing failed: {0}")]
    Failed(&'static str),
    #[error("too many attempts")]
    Throttled(u64),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for PairError {
    fn from(e: sea_orm::DbErr) -> Self {
        PairError::Service(ServiceError::Db(e))
    }
}

pub struct Paired {
    pub serial_number: String,
    pub location_id: Option<String>,
    pub server_time_ms: i64,
}

/// 8 decimal digits from the OS CSPRNG.
pub fn new_code() -> String {
    let n: u32 = rand::rngs::OsRng.gen_range(0..100_000_000);
    format!("{n:08}")
}

/// The code's stored form: keyed hash bound to the serial number.
pub fn code_hash(b: &Backend, serial: &str, code: &str) -> String {
    b.keys.token_hash(&format!("pair:{serial}:{code}"))
}

/// Decode and check a terminal's key: base64 of a DER SubjectPublicKeyInfo, RSA 2048–4096 bits.
pub fn parse_public_key(b64: &str) -> Result<(Vec<u8>, rsa::RsaPublicKey), PairError> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| PairError::InvalidPublicKey("not base64"))?;
    let key = rsa::RsaPublicKey::from_public_key_der(&der)
        .map_err(|_| PairError::InvalidPublicKey("not an RSA SubjectPublicKeyInfo"))?;
    let bits = key.size() * 8;
    if !(2048..=4096).contains(&bits) {
        return Err(PairError::InvalidPublicKey(
            "modulus must be 2048 to 4096 bits",
        ));
    }
    Ok((der, key))
}

pub async fn pair(
    b: &Backend,
    serial: &str,
    code: &str,
    public_key_b64: &str,
    client_addr: Option<&str>,
) -> Result<Paired, PairError> {
    let now = b.now_ms();
    let s = &b.settings;
    // Per serial number: a lock after repeated failures. Per client address: soft (that
    // address waits for its window to end). Reserved atomically before the code is checked.
    let limits = [
        (
            format!("pair:{serial}"),
            throttle::Limit {
                max: s.pairing_max_failures,
                window_ms: s.throttle_window_secs * 1000,
                lock_ms: Some(s.throttle_lock_secs * 1000),
            },
        ),
        (
            format!("pair-ip:{}", client_addr.unwrap_or("-")),
            throttle::Limit {
                max: s.pairing_max_failures_per_addr,
                window_ms: s.throttle_window_secs * 1000,
                lock_ms: None,
            },
        ),
    ];
    for (i, (key, limit)) in limits.iter().enumerate() {
        if let Err(r) = throttle::reserve(&b.db, key, now, *limit).await? {
            for (earlier, _) in &limits[..i] {
                throttle::refund(&b.db, earlier).await?;
            }
            return Err(PairError::Throttled(r.retry_after_secs));
        }
    }
    let result = try_pair(b, serial, code, public_key_b64, now).await;
    let outcome = match &result {
        Ok(_) => "success",
        Err(_) => "failure",
    };
    for (key, limit) in &limits {
        match &result {
            Err(PairError::Failed(_) | PairError::InvalidPublicKey(_)) => {
                throttle::failed(&b.db, key, now, *limit).await?
            }
            _ => throttle::refund(&b.db, key).await?,
        }
    }
    let reason = match &result {
        Err(PairError::Failed(r)) | Err(PairError::InvalidPublicKey(r)) => Some(*r),
        _ => None,
    };
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::Terminal(serial),
            action: "terminal.pair",
            target_type: Some("terminal"),
            target_id: Some(serial),
            outcome,
            detail: reason.map(|r| serde_json::json!({ "reason": r })),
            client_addr,
        },
    )
    .await;
    result
}

async fn try_pair(
    b: &Backend,
    serial: &str,
    code: &str,
    public_key_b64: &str,
    now: i64,
) -> Result<Paired, PairError> {
    let (der, _key) = parse_public_key(public_key_b64)?;
    if code.len() != 8 || !code.bytes().all(|c| c.is_ascii_digit()) {
        return Err(PairError::Failed("malformed code"));
    }
    let txn = b.db.begin().await?;
    let terminal = terminals::Entity::find()
        .filter(terminals::Column::SerialNumber.eq(serial))
        .one(&txn)
        .await?
        .ok_or(PairError::Failed("unknown serial number"))?;
    if terminal.pairing_status == "PAIRED" {
        return Err(PairError::Failed("terminal already paired"));
    }
    // Single use even under concurrency: only the update that flips `used_at` wins.
    let used = pairing_codes::Entity::update_many()
        .col_expr(pairing_codes::Column::UsedAt, Some(now).into())
        .filter(pairing_codes::Column::TerminalId.eq(terminal.id.clone()))
        .filter(pairing_codes::Column::CodeHash.eq(code_hash(b, serial, code)))
        .filter(pairing_codes::Column::UsedAt.is_null())
        .filter(pairing_codes::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(PairError::Failed("unknown, expired or used code"));
    }
    let location_id = terminal.location_id.clone();
    let terminal_id = terminal.id.clone();
    let mut t: terminals::ActiveModel = terminal.into();
    t.pairing_status = Set("PAIRED".into());
    t.public_key_der = Set(Some(der));
    t.paired_at = Set(Some(now));
    t.updated_at = Set(now);
    t.update(&txn).await?;
    super::terminals::event(&txn, &terminal_id, "terminal_paired", None, now).await?;
    txn.commit().await?;
    Ok(Paired {
        serial_number: serial.to_owned(),
        location_id,
        server_time_ms: now,
    })
}
