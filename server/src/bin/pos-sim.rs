//! `pos-sim`: a command-line POS terminal. See the README's walk-through.

use clap::{Parser, Subcommand};
use server::sim::load;
use server::sim::offline::{self, ReportOptions};
use server::sim::state::{Paired, StateDir};
use server::sim::{generate_key, Terminal};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "pos-sim",
    about = "A simulated payment terminal for the Access Control POS API"
)]
struct Cli {
    /// Folder keeping the terminal's key (0600) and pairing.
    #[arg(long, env = "POS_SIM_STATE", default_value = "./data/pos-sim")]
    state: PathBuf,
    /// Also trust this CA certificate (PEM): a server with a self-signed or private-CA
    /// certificate (`https://` in `--server`).
    #[arg(long, env = "POS_SIM_CA_CERT", global = true)]
    ca_cert: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate an RSA-2048 key and pair with a code from the admin panel.
    Pair {
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        server: String,
        #[arg(long)]
        serial: String,
        #[arg(long)]
        code: String,
    },
    /// Authenticated no-op: tells online from offline.
    Ping,
    /// Print a fresh bearer JWT of the paired terminal, to call the POS API with other tools
    /// (curl, Schemathesis).
    Token {
        /// Seconds until it expires (the server accepts at most 300).
        #[arg(long, default_value_t = 300)]
        lifetime: i64,
    },
    /// Tap a card: grant or reject, with the guest selector and remaining visits.
    Check {
        #[arg(long)]
        pan: String,
        #[arg(long, default_value = "CONTACTLESS")]
        entry_mode: String,
    },
    /// Confirm a grant with the chosen guest numbers.
    Confirm {
        #[arg(long)]
        access_id: String,
        #[arg(long, default_value_t = 0)]
        adults: u32,
        #[arg(long, default_value_t = 0)]
        children: u32,
    },
    /// Fetch the offline lists (fallback BIN ranges, whitelisted PAN hashes) with their ETags
    /// and keep them in the state folder.
    Sync,
    /// An entry: online = check, then confirm if granted; `--offline` = decide from the synced
    /// lists and queue the entry for `report`.
    Enter {
        #[arg(long)]
        pan: String,
        #[arg(long, default_value_t = 0)]
        adults: u32,
        #[arg(long, default_value_t = 0)]
        children: u32,
        /// Decide locally from the synced lists, without the server.
        #[arg(long)]
        offline: bool,
        /// The shared whitelist secret, hex (the server's WHITELIST_KEY); without it only the
        /// BIN ranges are used.
        #[arg(long, env = "POS_SIM_WHITELIST_SECRET", hide_env_values = true)]
        whitelist_secret: Option<String>,
        #[arg(long, default_value = "CONTACTLESS")]
        entry_mode: String,
    },
    /// Upload the queued offline entries; only acknowledged ones leave the queue.
    Report {
        /// Entries per request (at most 1000).
        #[arg(long, default_value_t = 1000)]
        batch_size: usize,
        /// Demonstrates a cut connection: send the first batch, then drop the answer.
        #[arg(long)]
        lose_response: bool,
    },
    /// Load test: pair N terminals through the admin API, run check + confirm entries with
    /// fresh cards, then pings on the same terminals; print throughput and latency percentiles.
    Load(LoadArgs),
}

#[derive(clap::Args)]
struct LoadArgs {
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    server: String,
    #[arg(long, default_value = "admin@demo.example")]
    admin_email: String,
    #[arg(long, env = "DEMO_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    /// Location the load terminals are added to (default: the demo's Warsaw lounge).
    #[arg(long, default_value = "00000000-0000-4000-8000-0000000000a1")]
    location_id: String,
    /// First digits of the generated cards; a ruleset at the location must cover them.
    #[arg(long, default_value = "541234")]
    bin: String,
    #[arg(long, default_value_t = 20)]
    terminals: usize,
    /// Offered entries per second across all terminals; 0 = closed loop, as fast as possible.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Seconds per phase (entries, then pings).
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
}

fn terminal(state: &StateDir) -> anyhow::Result<Terminal> {
    let paired = state.load_paired()?;
    Ok(Terminal::new(
        &paired.server,
        &paired.serial,
        state.load_key()?,
    )?)
}

fn print(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

impl LoadArgs {
    fn config(self) -> anyhow::Result<load::LoadConfig> {
        anyhow::ensure!(self.terminals > 0, "--terminals must be at least 1");
        anyhow::ensure!(
            self.duration > 0.0 && self.duration.is_finite(),
            "--duration must be a positive number of seconds"
        );
        anyhow::ensure!(
            self.rate >= 0.0 && self.rate.is_finite(),
            "--rate must be 0 or more"
        );
        anyhow::ensure!(
            (1..=12).contains(&self.bin.len()) && self.bin.bytes().all(|b| b.is_ascii_digit()),
            "--bin must be 1 to 12 digits"
        );
        Ok(load::LoadConfig {
            server: self.server,
            admin_email: self.admin_email,
            admin_password: self.admin_password,
            location_id: self.location_id,
            bin: self.bin,
            terminals: self.terminals,
            rate: self.rate,
            duration: std::time::Duration::from_secs_f64(self.duration),
        })
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(path) = &cli.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("reading --ca-cert {}: {e}", path.display()))?;
        server::sim::trust_ca_pem(&pem)?;
    }
    let state = StateDir::new(&cli.state)?;
    match cli.cmd {
        Cmd::Load(args) => {
            let cfg = args.config()?;
            load::run(cfg.clone()).await?.print(&cfg);
        }
        Cmd::Pair {
            server,
            serial,
            code,
        } => {
            eprintln!("generating an RSA-2048 key…");
            let key = generate_key(2048)?;
            let t = Terminal::new(&server, &serial, key)?;
            let resp = t.pair(&code).await?;
            state.save_key(t.key())?;
            state.save_paired(&Paired {
                server,
                serial,
                location_id: resp["locationId"].as_str().map(str::to_owned),
                paired_at: resp["serverTime"].as_str().unwrap_or_default().to_owned(),
            })?;
            print(&resp);
            eprintln!("paired; key kept in {}", cli.state.display());
        }
        Cmd::Ping => print(&terminal(&state)?.ping().await?),
        Cmd::Token { lifetime } => {
            let paired = state.load_paired()?;
            let key = server::sim::encoding_key(&state.load_key()?)?;
            let now = server::sim::unix_now();
            println!(
                "{}",
                server::sim::sign_jwt(&key, &paired.serial, now, now + lifetime)
            );
        }
        Cmd::Check { pan, entry_mode } => {
            let resp = terminal(&state)?.check(&pan, &entry_mode).await?;
            print(&resp);
            if resp["status"] == "GRANTED" {
                let g = &resp["guests"];
                eprintln!(
                    "GRANTED — adults 0..={}, children 0..={}; remaining free visits: {}",
                    g["adults"]["max"], g["children"]["max"], resp["remainingVisits"]["free"]
                );
                eprintln!(
                    "confirm with: pos-sim confirm --access-id {} --adults N --children N",
                    resp["accessId"].as_str().unwrap_or_default()
                );
            }
        }
        Cmd::Confirm {
            access_id,
            adults,
            children,
        } => print(
            &terminal(&state)?
                .confirm(&access_id, adults, children)
                .await?,
        ),
        Cmd::Sync => {
            let r = offline::sync(&terminal(&state)?, &state).await?;
            let said = |changed: bool| {
                if changed {
                    "updated"
                } else {
                    "unchanged (304)"
                }
            };
            eprintln!(
                "fallback BIN ranges: {} ({}); whitelisted PAN hashes: {} ({})",
                r.ranges.count,
                said(r.ranges.changed),
                r.whitelist.count,
                said(r.whitelist.changed)
            );
        }
        Cmd::Enter {
            pan,
            adults,
            children,
            offline: true,
            whitelist_secret,
            ..
        } => {
            let secret = whitelist_secret
                .map(|h| hex::decode(h.trim()))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--whitelist-secret is not hex: {e}"))?;
            let t = terminal(&state)?;
            let now = (t.clock)();
            match offline::enter_offline(&state, &pan, adults, children, secret.as_deref(), now)? {
                Some(e) => {
                    print(&serde_json::json!({
                        "status": "ADMITTED_OFFLINE",
                        "offlineId": e.offline_id,
                        "basis": e.basis,
                        "occurredAt": e.occurred_at,
                    }));
                    eprintln!(
                        "queued ({} waiting); send with: pos-sim report",
                        offline::queue(&state)?.len()
                    );
                }
                None => {
                    print(&serde_json::json!({"status": "REFUSED_OFFLINE"}));
                    eprintln!("the card is neither whitelisted nor in a fallback BIN range");
                }
            }
        }
        Cmd::Enter {
            pan,
            adults,
            children,
            entry_mode,
            ..
        } => {
            let t = terminal(&state)?;
            let resp = t.check(&pan, &entry_mode).await?;
            print(&resp);
            if resp["status"] == "GRANTED" {
                let id = resp["accessId"].as_str().unwrap_or_default();
                print(&t.confirm(id, adults, children).await?);
            }
        }
        Cmd::Report {
            batch_size,
            lose_response,
        } => {
            let opts = ReportOptions {
                batch_size,
                lose_first_response: lose_response,
            };
            let s = offline::report(&terminal(&state)?, &state, &opts).await?;
            eprintln!(
                "recorded {}, duplicates {}, over the limit {}, set aside as invalid {}, still queued {}",
                s.recorded, s.duplicates, s.over_limit, s.set_aside, s.remaining
            );
        }
    }
    Ok(())
}
