//! Configuration from flags and environment (`--help` lists both).

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
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
    #[arg(long, env = "DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// `sqlite://...` or `postgres://...`; default: a SQLite file in the data folder.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Hex key for the stored PAN hash (HMAC-SHA256).
    #[arg(long, env = "PAN_HASH_KEY", hide_env_values = true, global = true)]
    pub pan_hash_key: Option<String>,

    /// Hex key shared with terminals for the offline whitelist hash.
    #[arg(long, env = "WHITELIST_KEY", hide_env_values = true, global = true)]
    pub whitelist_key: Option<String>,

    /// Hex key for session tokens and pairing-code hashes.
    #[arg(long, env = "TOKEN_SIGNING_KEY", hide_env_values = true, global = true)]
    pub token_signing_key: Option<String>,

    /// Production mode: every secret must be given; nothing is generated; TLS (`--tls-cert`)
    /// or a TLS-terminating proxy (`--trusted-proxies`) is required; `--demo` is refused.
    /// Also `APP_ENV=production`.
    #[arg(long, global = true)]
    pub production: bool,

    /// Seed the demo world (idempotent). Refused with `--production`.
    #[arg(long)]
    pub demo: bool,

    /// Demo admin's password (default: random, printed once).
    #[arg(long, env = "DEMO_ADMIN_PASSWORD", hide_env_values = true)]
    pub demo_admin_password: Option<String>,

    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Built site (WASM, CSS, public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy). Always on
    /// with `--production` or `--tls-cert`.
    #[arg(long, env = "SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// A panel session ends after this many seconds without use (PCI DSS 8.2.8: 15 minutes).
    #[arg(long, env = "SESSION_IDLE_SECS", default_value_t = 900,
          value_parser = clap::value_parser!(i64).range(60..=86_400))]
    pub session_idle_secs: i64,

    /// A panel session ends this many seconds after sign-in however active it is.
    #[arg(long, env = "SESSION_MAX_SECS", default_value_t = 43_200,
          value_parser = clap::value_parser!(i64).range(300..=604_800))]
    pub session_max_secs: i64,

    /// Base URL of the acquirer's HTTP gateway (see `acquirer_http`); without it the built-in
    /// deterministic simulator answers (test cards in the README).
    /// Credentials in the URL are never logged; plain `http://` is refused with `--production`.
    #[arg(long, env = "ACQUIRER_URL", hide_env_values = true)]
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

    /// URL of the external rule engine (RPM) asked about cards of rulesets flagged "RPM
    /// ruleset" (see `rpm_http`); without it the flag has no effect. Never sent a clear PAN.
    /// Credentials in the URL are never logged; plain `http://` is refused with `--production`.
    #[arg(long, env = "RPM_URL", hide_env_values = true)]
    pub rpm_url: Option<String>,

    /// Longest wait for the RPM rule engine, in milliseconds; no verdict in time refuses the
    /// ruleset (a clean reject, `UNMET_REQUIREMENTS`, when nothing else admits the card).
    #[arg(long, env = "RPM_TIMEOUT_MS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub rpm_timeout_ms: u64,

    /// Seconds a grant holds the card awaiting the terminal's confirm (the `expiresAt` of
    /// `check_entry`); an unconfirmed grant then lapses and its authorization is voided.
    #[arg(long, env = "GRANT_TTL_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub grant_ttl_secs: u64,

    /// `/pos/check_entry` calls one terminal may make per minute (fixed one-minute window,
    /// counted in the database so every app server shares it); over it the terminal gets 429
    /// `TOO_MANY_REQUESTS` with `Retry-After`. 0 = no limit.
    #[arg(long, env = "POS_VELOCITY_PER_MINUTE", default_value_t = 60)]
    pub pos_velocity_per_minute: u32,

    /// Certificate chain (PEM) to serve HTTPS directly, with `--tls-key`. Turns on HSTS.
    #[arg(long, env = "TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of `--tls-cert`.
    #[arg(long, env = "TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Reverse proxies (CIDR list, comma-separated, e.g. `10.0.0.0/8,::1/128`) that terminate
    /// TLS in front of the server; their forwarding headers are trusted: the client address
    /// (throttles, audit log) is the right-most `Forwarded: for=` / `X-Forwarded-For` entry
    /// that is not one of them. Without it, the peer address.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    pub trusted_proxies: Vec<IpNet>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One CIDR block; a bare address is taken as a single host (`/32`, `/128`).
pub fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{s:?} is not a CIDR block such as 10.0.0.0/8 or an IP address"))
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Administration from the command line (no server is started).
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Create a platform Admin in an empty or existing database, without demo data.
    Create(AdminCreate),
}

#[derive(Debug, Clone, Args)]
pub struct AdminCreate {
    /// The admin's e-mail (its sign-in name).
    #[arg(long)]
    pub email: String,

    /// Read the password from standard input (first line). Without it a one-time password is
    /// generated, printed once, and must be changed at the first sign-in.
    #[arg(long)]
    pub password_stdin: bool,
}

impl Config {
    pub fn is_production(&self) -> bool {
        self.production
            || std::env::var("APP_ENV")
                .map(|v| v.eq_ignore_ascii_case("production"))
                .unwrap_or(false)
    }

    pub fn tls(&self) -> Option<(&std::path::Path, &std::path::Path)> {
        Some((self.tls_cert.as_deref()?, self.tls_key.as_deref()?))
    }

    /// Start-up refusals: production without TLS or a TLS-terminating proxy, demo data in
    /// production.
    pub fn check_serving(&self) -> Result<(), String> {
        if !self.is_production() {
            return Ok(());
        }
        if self.demo {
            return Err(
                "--demo is refused in production (--production / APP_ENV=production): \
                        create the first admin with `server admin create --email …`"
                    .into(),
            );
        }
        if self.tls().is_none() && self.trusted_proxies.is_empty() {
            return Err(
                "production needs TLS: give --tls-cert and --tls-key (TLS_CERT, \
                        TLS_KEY), or --trusted-proxies (TRUSTED_PROXIES) for the proxy that \
                        terminates TLS"
                    .into(),
            );
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("server").chain(args.iter().copied()))
            .expect("parses")
    }

    #[test]
    fn production_needs_tls_or_a_proxy_and_refuses_demo() {
        assert!(parse(&["--production"]).check_serving().is_err());
        assert!(parse(&["--production", "--trusted-proxies", "10.0.0.0/8"])
            .check_serving()
            .is_ok());
        assert!(
            parse(&["--production", "--tls-cert", "c.pem", "--tls-key", "k.pem"])
                .check_serving()
                .is_ok()
        );
        let demo = parse(&["--production", "--demo", "--trusted-proxies", "127.0.0.1"]);
        assert!(demo.check_serving().unwrap_err().contains("--demo"));
        assert!(parse(&["--demo"]).check_serving().is_ok());
    }

    #[test]
    fn session_timeouts_default_to_pci_values_and_are_bounded() {
        let c = parse(&[]);
        assert_eq!((c.session_idle_secs, c.session_max_secs), (900, 43_200));
        let c = parse(&["--session-idle-secs", "300", "--session-max-secs", "3600"]);
        assert_eq!((c.session_idle_secs, c.session_max_secs), (300, 3600));
        assert!(Config::try_parse_from(["server", "--session-idle-secs", "0"]).is_err());
    }

    #[test]
    fn trusted_proxies_parse_as_cidr_blocks() {
        let c = parse(&["--trusted-proxies", "10.0.0.0/8, 192.168.1.1,::1/128"]);
        let shown: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.168.1.1/32", "::1/128"]);
        assert!(Config::try_parse_from(["server", "--trusted-proxies", "nope"]).is_err());
        assert!(Config::try_parse_from(["server", "--tls-cert", "c.pem"]).is_err());
    }

    #[test]
    fn admin_create_parses_with_global_flags_after_it() {
        let c = parse(&[
            "admin",
            "create",
            "--email",
            "a@b.example",
            "--data-dir",
            "/tmp/x",
        ]);
        match c.command {
            Some(Command::Admin(AdminCommand::Create(a))) => {
                assert_eq!(a.email, "a@b.example");
                assert!(!a.password_stdin);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.data_dir, std::path::PathBuf::from("/tmp/x"));
    }
}
