use super::acquirer::{Acquirer, SimulatedAcquirer};
use super::{Clock, Keys};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Tunables the services read (from configuration in production, set directly in tests).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Panel session lifetime since last use (PCI DSS 8.2.8: 15 minutes).
    pub session_idle_secs: i64,
    /// Longest life of a panel session however active (re-authentication after it).
    pub session_max_secs: i64,
    /// Bearer tokens of `POST /api/v1/auth/token`.
    pub bearer_ttl_secs: i64,
    /// Failed sign-ins of one account within `throttle_window_secs` before it is locked for
    /// `throttle_lock_secs` (PCI DSS 8.3.4: at most 10 attempts, at least 30 minutes).
    pub throttle_max_failures: i32,
    pub throttle_window_secs: i64,
    pub throttle_lock_secs: i64,
    /// Sign-in attempts from one client address within `addr_window_secs` before that address
    /// (only) waits for the window to end: soft, never a lock of the accounts.
    pub addr_max_attempts: i32,
    pub addr_window_secs: i64,
    /// The reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Longest wait for a password-hashing slot before answering 503 (`Retry-After`).
    pub hash_wait: Duration,
    /// Concurrent password hashes (argon2, ≈19 MiB each); `0`: the number of cores.
    pub hash_slots: usize,
    /// Whether cookies get `Secure` (served over TLS).
    pub secure_cookies: bool,
    /// POS JWT: allowed clock skew for `iat`/`exp`, and the longest `exp - iat` accepted.
    pub jwt_skew_secs: i64,
    pub jwt_max_lifetime_secs: i64,
    /// Pairing codes live this long.
    pub pairing_code_ttl_secs: i64,
    /// Failed pairings per serial number, and per client address, before a lock.
    pub pairing_max_failures: i32,
    pub pairing_max_failures_per_addr: i32,
    /// A grant holds the card this long awaiting confirmation.
    pub grant_ttl_secs: i64,
    /// Longest wait for the acquirer before the entry is rejected.
    pub acquirer_timeout: Duration,
    /// `check_entry` calls one terminal may make per minute (fixed window, counted in the
    /// database); 0 = no limit.
    pub pos_velocity_per_minute: u32,
    /// How old an app server's in-memory copy of the POS messages may get before it re-reads
    /// them (a change on another app server is seen within this).
    pub pos_messages_ttl: Duration,
    /// Longest wait for the external rule engine (RPM) per ruleset; then the ruleset refuses.
    pub rpm_timeout: Duration,
    /// Rows per keyset page of an export (one statement each); tests use small pages to
    /// cross page boundaries without inserting tens of thousands of rows.
    pub export_page_rows: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_secs: 15 * 60,
            session_max_secs: 12 * 3600,
            bearer_ttl_secs: 15 * 60,
            throttle_max_failures: 10,
            throttle_window_secs: 30 * 60,
            throttle_lock_secs: 30 * 60,
            addr_max_attempts: 30,
            addr_window_secs: 5 * 60,
            trusted_proxies: Vec::new(),
            hash_wait: Duration::from_secs(2),
            hash_slots: 0,
            secure_cookies: false,
            jwt_skew_secs: 60,
            jwt_max_lifetime_secs: 300,
            pairing_code_ttl_secs: 2 * 3600,
            pairing_max_failures: 5,
            pairing_max_failures_per_addr: 20,
            grant_ttl_secs: 300,
            acquirer_timeout: Duration::from_secs(5),
            pos_velocity_per_minute: 60,
            pos_messages_ttl: Duration::from_secs(5),
            rpm_timeout: Duration::from_millis(300),
            export_page_rows: crate::service::reports::EXPORT_PAGE,
        }
    }
}

/// Everything the services need, cheap to clone; one per process, shared by every entry point.
#[derive(Clone)]
pub struct Backend {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub settings: Arc<Settings>,
    pub acquirer: Arc<dyn Acquirer>,
    /// Password hashes allowed to run at once (see `service::password`).
    pub hash_slots: Arc<tokio::sync::Semaphore>,
    /// This server's copy of the POS messages (see `service::pos_messages`).
    pub pos_messages: Arc<super::service::pos_messages::MessageCache>,
    /// The external rule engine for `rpm` rulesets; `None`: the flag has no effect.
    pub rpm: Option<Arc<dyn super::rpm::RpmClient>>,
    /// Offline whitelists built by this process (see `service::offline`).
    pub whitelists: Arc<super::service::offline::WhitelistCache>,
    /// The rulesets and BIN table as of `decision_data_version` (see `service::decision_data`).
    pub decision_data: Arc<super::service::decision_data::DecisionCache>,
}

impl Backend {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        keys: Keys,
        settings: Settings,
    ) -> Self {
        let slots = match settings.hash_slots {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        Self {
            db,
            clock,
            keys,
            hash_slots: Arc::new(tokio::sync::Semaphore::new(slots)),
            pos_messages: Arc::new(super::service::pos_messages::MessageCache::new(
                settings.pos_messages_ttl,
            )),
            settings: Arc::new(settings),
            acquirer: Arc::new(SimulatedAcquirer),
            rpm: None,
            whitelists: Arc::default(),
            decision_data: Arc::default(),
        }
    }

    /// Ask this external rule engine about cards of `rpm` rulesets.
    pub fn with_rpm(mut self, rpm: Arc<dyn super::rpm::RpmClient>) -> Self {
        self.rpm = Some(rpm);
        self
    }

    /// Use another acquirer (the HTTP adapter, or a test double).
    pub fn with_acquirer(mut self, acquirer: Arc<dyn Acquirer>) -> Self {
        self.acquirer = acquirer;
        self
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
