//! Bursts measured from inside the process: the sign-in burst's latency for the POS API and
//! this process's memory, and the real binary's memory under a burst. They live in their own
//! test binary because test binaries run one after another: no other test shares the CPU or
//! the process's memory while they measure (`server/tests/it` runs everything else).

#[path = "it/common/mod.rs"]
mod common;

use backend::demo::{self, LOC_WAW_LOUNGE};
use backend::Settings;
use common::{apps, behind_proxy, sign_in_from};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

fn rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// 300 concurrent sign-ins (each a different unknown e-mail from a different client, so no
/// throttle stops them before the hash): hashing stays bounded, the surplus is told 503 with
/// `Retry-After`, the POS API keeps answering meanwhile, and memory stays far below 300 MiB.
#[tokio::test]
async fn a_sign_in_burst_is_bounded_and_the_doors_keep_answering() {
    const BURST: usize = 300;
    for app in apps(|| Settings {
        hash_wait: Duration::from_millis(300),
        ..behind_proxy()
    })
    .await
    {
        let admin = app.admin_token().await;
        let terminal =
            common::pos::paired(&app, &admin, LOC_WAW_LOUNGE, demo::READY_TERMINAL, 0).await;
        let before = rss_mib();
        let burst = async {
            let started = Instant::now();
            let attempts = (0..BURST).map(|i| {
                let app = &app;
                async move {
                    let client = format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, i % 256);
                    sign_in_from(app, &client, &format!("nobody{i}@x.example"), "guess").await
                }
            });
            let out = futures_util::future::join_all(attempts).await;
            (out, started.elapsed())
        };
        let pings = async {
            // Ping the door while the burst runs: every ping answers, promptly.
            let mut slowest = Duration::ZERO;
            let mut peak = 0;
            for _ in 0..20 {
                let t = Instant::now();
                terminal.ping().await.expect("ping during the burst");
                slowest = slowest.max(t.elapsed());
                peak = peak.max(rss_mib().unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            (slowest, peak)
        };
        let ((results, took), (slowest_ping, peak)) = tokio::join!(burst, pings);
        let busy: Vec<_> = results
            .iter()
            .filter(|(s, _, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
            .collect();
        let checked = results
            .iter()
            .filter(|(s, _, _)| *s == StatusCode::UNAUTHORIZED)
            .count();
        assert_eq!(busy.len() + checked, BURST, "only 401 or 503");
        assert!(
            !busy.is_empty() || took > Duration::from_secs(1),
            "a surplus is refused, or all were served one slot at a time"
        );
        for (_, retry, body) in &busy {
            assert_eq!(body["error"]["code"], "service_unavailable", "{body}");
            assert!(retry.as_deref().is_some_and(|r| r.parse::<u64>().is_ok()));
        }
        assert!(
            slowest_ping < Duration::from_secs(2),
            "the POS API answered within 2 s during the burst (slowest {slowest_ping:?})"
        );
        let after = rss_mib();
        eprintln!(
            "burst of {BURST}: {checked} checked, {} busy in {took:?}; slowest ping \
             {slowest_ping:?}; RSS {before:?} → peak {peak} → {after:?} MiB",
            busy.len()
        );
        // (This process runs every test of the file at once, so its RSS says little; the real
        // binary's memory under a burst is measured by `the_real_binary_stays_under_300_mib`.)
        app.finish().await;
    }
}

/// `POST /api/fn/me` with a cookie: whether the session is alive.
fn rss_mib_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// Kills the spawned server however the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real `server` binary (its own process, SQLite in a temporary folder) under 500
/// concurrent sign-ins from 500 clients behind a trusted proxy: its RSS, sampled every 20 ms,
/// stays under 300 MiB, `/readyz` keeps answering, the surplus gets 503 + `Retry-After`.
/// Prints the measurements (`cargo test -p server --test security_auth real_binary -- --nocapture`).
#[tokio::test]
async fn the_real_binary_stays_under_300_mib_during_a_sign_in_burst() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    const BURST: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let bin = env!("CARGO_BIN_EXE_server");
    let mut create = Command::new(bin)
        .args([
            "admin",
            "create",
            "--email",
            "ops@bank.example",
            "--password-stdin",
        ])
        .args(["--data-dir", &data])
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a-long-admin-password\n")
        .unwrap();
    assert!(create.wait().unwrap().success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Child(
        Command::new(bin)
            .args(["--listen", &listen, "--data-dir", &data])
            .args(["--trusted-proxies", "127.0.0.1"])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = child.0.id();
    let base = format!("http://{listen}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the server started");
    let sign_in = |client: String, email: String, password: &'static str| {
        let http = http.clone();
        let url = format!("{base}/api/v1/auth/token");
        async move {
            let r = http
                .post(url)
                .header("x-forwarded-for", client)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .expect("answered");
            let retry = r.headers().get("retry-after").is_some();
            (r.status(), retry)
        }
    };
    let (s, _) = sign_in(
        "192.0.2.1".into(),
        "ops@bank.example".into(),
        "a-long-admin-password",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let idle = rss_mib_of(pid).unwrap();

    let done = std::sync::atomic::AtomicBool::new(false);
    let burst = async {
        let started = Instant::now();
        let all = (0..BURST).map(|i| {
            sign_in(
                format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, i % 256),
                format!("nobody{i}@x.example"),
                "guess",
            )
        });
        let out = futures_util::future::join_all(all).await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (out, started.elapsed())
    };
    let watch = async {
        let (mut peak, mut slowest, mut probes) = (0, Duration::ZERO, 0);
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            peak = peak.max(rss_mib_of(pid).unwrap_or(0));
            let t = Instant::now();
            let r = http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .expect("readyz answers");
            assert!(r.status().is_success());
            slowest = slowest.max(t.elapsed());
            probes += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (peak, slowest, probes)
    };
    let ((results, took), (peak, slowest, probes)) = tokio::join!(burst, watch);
    let busy = results
        .iter()
        .filter(|(s, retry)| *s == StatusCode::SERVICE_UNAVAILABLE && *retry)
        .count();
    let checked = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    let after = rss_mib_of(pid).unwrap_or(0);
    eprintln!(
        "real binary, burst of {BURST}: {checked} checked, {busy} busy (503) in {took:?}; \
         /readyz slowest {slowest:?} over {probes} probes; RSS idle {idle} MiB, peak {peak} MiB, \
         after {after} MiB"
    );
    assert_eq!(checked + busy, BURST, "only 401 or 503 + Retry-After");
    assert!(
        peak.max(after) < 300,
        "RSS under 300 MiB: peak {peak}, after {after}"
    );
    assert!(
        slowest < Duration::from_secs(2),
        "readyz kept answering: {slowest:?}"
    );
    drop(child);
}
