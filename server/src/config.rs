//! Configuration from flags and environment (`--help` lists both).

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Parser)]
#[command(
    name = "server",
    about = "Card-linked access control: admin panel, admin API and POS API"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Folder for the embedded database and generated secrets (created if missing).
    #[arg(long, env = "DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// `sqlite://...` or `postgres://...`; default: a SQLite file in the data folder.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Hex key for the stored PAN hash (HMAC-SHA256).
    #[arg(long, env = "PAN_HASH_KEY", hide_env_values = true)]
    pub pan_hash_key: Option<String>,

    /// Hex key shared with terminals for the offline whitelist hash.
    #[arg(long, env = "WHITELIST_KEY", hide_env_values = true)]
    pub whitelist_key: Option<String>,

    /// Hex key for session tokens and pairing-code hashes.
    #[arg(long, env = "TOKEN_SIGNING_KEY", hide_env_values = true)]
    pub token_signing_key: Option<String>,

    /// Production mode: every secret must be given; nothing is generated. Also `APP_ENV=production`.
    #[arg(long)]
    pub production: bool,

    /// Seed the demo world (idempotent).
    #[arg(long)]
    pub demo: bool,

    /// Demo admin's password (default: random, printed once).
    #[arg(long, env = "DEMO_ADMIN_PASSWORD", hide_env_values = true)]
    pub demo_admin_password: Option<String>,

    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Built site (WASM, CSS, public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    #[arg(long, env = "SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Base URL of the acquirer's HTTP gateway (see `acquirer_http`); without it the built-in
    /// deterministic simulator answers (test cards in the README).
    #[arg(long, env = "ACQUIRER_URL")]
    pub acquirer_url: Option<String>,

    /// Base URL of the MRS enrolment feed (see `mrs_http`), pulled every `--mrs-interval-secs`.
    /// Without it, `--demo` pulls from the built-in simulator and other starts pull nothing
    /// (enrolments then arrive through `POST /api/v1/admin/enrolled-cards[/import]`).
    #[arg(long, env = "MRS_URL")]
    pub mrs_url: Option<String>,

    /// Seconds between MRS pulls.
    #[arg(long, env = "MRS_INTERVAL_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(5..=86_400))]
    pub mrs_interval_secs: u64,

    /// Longest wait for the acquirer, in milliseconds, before the entry is rejected cleanly.
    #[arg(long, env = "ACQUIRER_TIMEOUT_MS", default_value_t = 5000,
          value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub acquirer_timeout_ms: u64,
}

impl Config {
    pub fn is_production(&self) -> bool {
        self.production
            || std::env::var("APP_ENV")
                .map(|v| v.eq_ignore_ascii_case("production"))
                .unwrap_or(false)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("access-control.db").display()
            )
        })
    }
}
