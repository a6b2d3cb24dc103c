//! `pos-sim load`: N paired terminals doing check + confirm against a running server, as in the
//! field (one HTTP client and one reused JWT per terminal, a distinct card per entry), then the
//! same terminals calling `GET /pos/ping` — authenticated, no work — to measure the bare
//! JWT-verification limit on the same run. Prints throughput and latency percentiles.

use super::{generate_key, SimError, Terminal};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub server: String,
    pub admin_email: String,
    pub admin_password: String,
    /// Location the load terminals are added to.
    pub location_id: String,
    /// First digits of the generated cards (a BIN a ruleset at that location covers).
    pub bin: String,
    pub terminals: usize,
    /// Offered entries per second across all terminals; 0 = as fast as they go.
    pub rate: f64,
    pub duration: Duration,
}

/// Latencies of one endpoint, in microseconds.
#[derive(Debug, Default)]
pub struct Latencies(Vec<u64>);

impl Latencies {
    fn add(&mut self, d: Duration) {
        self.0.push(d.as_micros() as u64);
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The `p`-th percentile (0–100), in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let mut v = self.0.clone();
        v.sort_unstable();
        let rank = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
        v[rank.min(v.len() - 1)] as f64 / 1000.0
    }

    fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }
}

#[derive(Debug, Default)]
pub struct LoadReport {
    pub elapsed: Duration,
    pub completed: usize,
    pub rejected: usize,
    pub errors: usize,
    /// Entries started more than 5 ms after their slot (the client could not keep the rate).
    pub late: usize,
    pub check: Latencies,
    pub confirm: Latencies,
    pub ping_elapsed: Duration,
    pub ping: Latencies,
}

impl LoadReport {
    pub fn entries_per_sec(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn pings_per_sec(&self) -> f64 {
        self.ping.count() as f64 / self.ping_elapsed.as_secs_f64().max(1e-9)
    }

    pub fn print(&self, cfg: &LoadConfig) {
        let offered = if cfg.rate > 0.0 {
            format!("{:.0} entries/s offered", cfg.rate)
        } else {
            "closed loop (as fast as possible)".to_owned()
        };
        println!(
            "load: {} terminals, {offered}, {:.1} s",
            cfg.terminals,
            self.elapsed.as_secs_f64()
        );
        println!(
            "  completed entries: {} ({:.0}/s); rejected: {}; errors: {}; late starts: {}",
            self.completed,
            self.entries_per_sec(),
            self.rejected,
            self.errors,
            self.late
        );
        for (name, l) in [
            ("check_entry  ", &self.check),
            ("confirm_entry", &self.confirm),
            ("ping         ", &self.ping),
        ] {
            println!(
                "  {name} n={:<7} p50 {:>7.2} ms  p95 {:>7.2} ms  p99 {:>7.2} ms",
                l.count(),
                l.percentile_ms(50.0),
                l.percentile_ms(95.0),
                l.percentile_ms(99.0)
            );
        }
        println!(
            "  ping (bare JWT verification): {:.0}/s; entries/s ÷ pings/s = {:.2}",
            self.pings_per_sec(),
            self.entries_per_sec() / self.pings_per_sec().max(1e-9)
        );
    }
}

/// A Luhn-valid 16-digit PAN: `prefix` followed by `serial`'s digits, plus the check digit.
pub fn luhn_pan(prefix: &str, serial: u64) -> String {
    let body = format!("{prefix}{serial:0width$}", width = 15 - prefix.len());
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// Skip the simulated acquirer's trigger endings (…9005, …9051, …9096 before the check digit),
/// so every generated card is a plain, authorizable one.
fn is_trigger(serial: u64) -> bool {
    matches!(serial % 10_000, 9005 | 9051 | 9096)
}

async fn admin_token(http: &reqwest::Client, cfg: &LoadConfig) -> Result<String, SimError> {
    let resp = http
        .post(format!("{}/api/v1/auth/token", cfg.server))
        .json(&json!({ "email": cfg.admin_email, "password": cfg.admin_password }))
        .send()
        .await?;
    let v = super::expect_ok(resp).await?;
    v["access_token"]
        .as_str()
        .or_else(|| v["accessToken"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| SimError::Unexpected(format!("no token in {v}")))
}

/// Add `n` terminals to the location and pair each with a fresh RSA-2048 key.
pub async fn pair_terminals(cfg: &LoadConfig, run: &str) -> Result<Vec<Arc<Terminal>>, SimError> {
    let http = super::client_builder().build()?;
    let token = admin_token(&http, cfg).await?;
    let mut out = Vec::with_capacity(cfg.terminals);
    for i in 0..cfg.terminals {
        let serial = format!("LOAD-{run}-{i:03}");
        let resp = http
            .post(format!(
                "{}/api/v1/admin/locations/{}/terminals",
                cfg.server, cfg.location_id
            ))
            .bearer_auth(&token)
            .json(&json!({ "serial_number": serial }))
            .send()
            .await?;
        super::expect_ok(resp).await?;
        let resp = http
            .post(format!(
                "{}/api/v1/admin/terminals/{serial}/pairing-code",
                cfg.server
            ))
            .bearer_auth(&token)
            .send()
            .await?;
        let code: Value = super::expect_ok(resp).await?;
        let code = code["code"]
            .as_str()
            .ok_or_else(|| SimError::Unexpected(format!("no code in {code}")))?;
        let t = Terminal::new(&cfg.server, &serial, generate_key(2048)?)?;
        t.pair(code).await?;
        out.push(Arc::new(t));
    }
    Ok(out)
}

#[derive(Default)]
struct WorkerTally {
    completed: usize,
    rejected: usize,
    errors: usize,
    late: usize,
    check: Latencies,
    confirm: Latencies,
}

async fn entry_worker(
    t: Arc<Terminal>,
    cfg: Arc<LoadConfig>,
    index: usize,
    start: Instant,
    next_card: Arc<std::sync::atomic::AtomicU64>,
) -> WorkerTally {
    let mut tally = WorkerTally::default();
    // Each terminal offers rate/N entries a second, its slots offset from the others'.
    let period = if cfg.rate > 0.0 {
        Duration::from_secs_f64(cfg.terminals as f64 / cfg.rate)
    } else {
        Duration::ZERO
    };
    let offset = period.mul_f64(index as f64 / cfg.terminals as f64);
    let mut k = 0u32;
    loop {
        let slot = start + offset + period * k;
        k += 1;
        if slot.duration_since(start) >= cfg.duration || start.elapsed() >= cfg.duration {
            return tally;
        }
        let now = Instant::now();
        if slot > now {
            tokio::time::sleep_until(slot.into()).await;
        } else if now - slot > Duration::from_millis(5) && !period.is_zero() {
            tally.late += 1;
        }
        let serial = loop {
            let s = next_card.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if !is_trigger(s) {
                break s;
            }
        };
        let pan = luhn_pan(&cfg.bin, serial);
        let t0 = Instant::now();
        let checked = t.check(&pan, "CONTACTLESS").await;
        tally.check.add(t0.elapsed());
        let access = match checked {
            Ok(v) if v["status"] == "GRANTED" => v["accessId"].as_str().map(str::to_owned),
            Ok(_) => {
                tally.rejected += 1;
                continue;
            }
            Err(_) => {
                tally.errors += 1;
                continue;
            }
        };
        let Some(access) = access else {
            tally.errors += 1;
            continue;
        };
        let t1 = Instant::now();
        let confirmed = t.confirm(&access, 0, 0).await;
        tally.confirm.add(t1.elapsed());
        match confirmed {
            Ok(v) if v["status"] == "COMPLETED" => tally.completed += 1,
            Ok(_) => tally.rejected += 1,
            Err(_) => tally.errors += 1,
        }
    }
}

async fn ping_worker(t: Arc<Terminal>, until: Instant) -> (Latencies, usize) {
    let mut l = Latencies::default();
    let mut errors = 0;
    while Instant::now() < until {
        let t0 = Instant::now();
        match t.ping().await {
            Ok(_) => l.add(t0.elapsed()),
            Err(_) => errors += 1,
        }
    }
    (l, errors)
}

/// Pair the terminals, run the entry phase, then the ping phase of the same length.
pub async fn run(cfg: LoadConfig) -> Result<LoadReport, SimError> {
    let run_id = format!("{:08X}", rand::random::<u32>());
    eprintln!(
        "pairing {} terminals (RSA-2048 keys) at location {}…",
        cfg.terminals, cfg.location_id
    );
    let terminals = pair_terminals(&cfg, &run_id).await?;
    // Warm up: one token and one connection per terminal before the clock starts.
    for t in &terminals {
        t.ping().await?;
    }
    let cfg = Arc::new(cfg);
    // Random card numbers per run, so a rerun against the same database meets fresh cards.
    let digits = 15 - cfg.bin.len() as u32;
    let space = 10u64.pow(digits);
    let first = rand::random::<u64>() % (space / 2);
    let next_card = Arc::new(std::sync::atomic::AtomicU64::new(first));

    eprintln!("entries for {:.0} s…", cfg.duration.as_secs_f64());
    let start = Instant::now();
    let tasks: Vec<_> = terminals
        .iter()
        .enumerate()
        .map(|(i, t)| {
            tokio::spawn(entry_worker(
                t.clone(),
                cfg.clone(),
                i,
                start,
                next_card.clone(),
            ))
        })
        .collect();
    let mut report = LoadReport::default();
    for task in tasks {
        let tally = task
            .await
            .map_err(|e| SimError::Unexpected(e.to_string()))?;
        report.completed += tally.completed;
        report.rejected += tally.rejected;
        report.errors += tally.errors;
        report.late += tally.late;
        report.check.merge(tally.check);
        report.confirm.merge(tally.confirm);
    }
    report.elapsed = start.elapsed();

    eprintln!("pings for {:.0} s…", cfg.duration.as_secs_f64());
    let ping_start = Instant::now();
    let until = ping_start + cfg.duration;
    let tasks: Vec<_> = terminals
        .iter()
        .map(|t| tokio::spawn(ping_worker(t.clone(), until)))
        .collect();
    for task in tasks {
        let (l, errors) = task
            .await
            .map_err(|e| SimError::Unexpected(e.to_string()))?;
        report.ping.merge(l);
        report.errors += errors;
    }
    report.ping_elapsed = ping_start.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_cards_pass_the_luhn_check() {
        for s in [0, 1, 42, 9_999_999, 123_456_789] {
            let pan = luhn_pan("541234", s);
            assert_eq!(pan.len(), 16);
            assert!(access_core::domain::Pan::parse(&pan).is_ok(), "{pan}");
        }
        assert_eq!(luhn_pan("4000000000", 0), "4000000000000002");
    }

    #[test]
    fn percentiles_pick_the_ranked_sample() {
        let mut l = Latencies::default();
        for ms in 1..=100 {
            l.add(Duration::from_millis(ms));
        }
        assert_eq!(l.percentile_ms(50.0), 51.0);
        assert_eq!(l.percentile_ms(99.0), 99.0);
        assert_eq!(Latencies::default().percentile_ms(99.0), 0.0);
    }
}
