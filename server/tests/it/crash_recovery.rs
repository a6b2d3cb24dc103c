//! Crash recovery of the real binary: terminals tap paid cards (an amount authorization at
//! check) and confirm most grants while abandoning some; the server is killed with SIGKILL in
//! the middle of the run and started again over the same database. Then every entry a terminal
//! saw `COMPLETED` is in the database, no grant stays `PENDING` past its expiry after the
//! sweeper's pass, and every approved authorization of an entry that did not complete has its
//! void. SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set.

use backend::db::TestDb;
use backend::entity::{acquirer_calls, operations};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::sim::load::{luhn_pan, pair_terminals, LoadConfig};
use server::sim::Terminal;
use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Crash-test-admin-pw-1";
/// Short grants, so that abandoned ones lapse while the test waits.
const GRANT_TTL_SECS: u64 = 3;

/// The server binary as a child process; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// The binary's `--database-url` for a test database (a PostgreSQL schema goes in the search
/// path through the connection options).
fn database_url(db: &TestDb) -> String {
    match &db.schema {
        Some(schema) => {
            let sep = if db.url.contains('?') { '&' } else { '?' };
            format!("{}{sep}options=-c%20search_path%3D{schema}", db.url)
        }
        None => db.url.clone(),
    }
}

async fn start(db: &TestDb, data_dir: &std::path::Path) -> Server {
    let addr = free_addr();
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("--demo")
        .args(["--listen", &addr.to_string()])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--database-url", &database_url(db)])
        .args(["--grant-ttl-secs", &GRANT_TTL_SECS.to_string()])
        // A load run: the per-terminal velocity limit would turn most taps into 429s.
        .args(["--pos-velocity-per-minute", "0"])
        .env("DEMO_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server binary");
    let mut server = Server {
        child,
        base: format!("http://{addr}"),
    };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the server exited before it was ready: {status}");
        }
        if let Ok(r) = http.get(format!("{}/readyz", server.base)).send().await {
            if r.status().is_success() {
                return server;
            }
        }
        assert!(Instant::now() < deadline, "server not ready in 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One terminal's loop: tap a fresh paid card; confirm two grants in three, abandon the third.
/// Returns the access ids the terminal was told `COMPLETED`. Stops at the first transport
/// error (the server is gone).
async fn tap_until_down(
    t: Arc<Terminal>,
    next_card: Arc<AtomicU64>,
    completed: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    let mut k = 0u32;
    while !stop.load(Ordering::Relaxed) {
        k += 1;
        let serial = next_card.fetch_add(1, Ordering::Relaxed);
        let pan = luhn_pan("22210000", serial);
        let checked = match t.check(&pan, "CONTACTLESS").await {
            Ok(v) => v,
            Err(server::sim::SimError::Status { .. }) => continue,
            Err(_) => return,
        };
        let Some(access) = checked["accessId"].as_str() else {
            continue;
        };
        if k.is_multiple_of(3) {
            continue; // abandoned: the grant must lapse and its authorization be voided
        }
        match t.confirm(access, 0, 0).await {
            Ok(v) if v["status"] == "COMPLETED" => {
                completed.lock().unwrap().push(access.to_owned());
            }
            Ok(_) | Err(server::sim::SimError::Status { .. }) => {}
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_load_loses_no_entry_and_leaves_no_authorization_unvoided() {
    for db in TestDb::all().await {
        let name = db.name();
        let data_dir = tempfile::tempdir().expect("data dir");
        let mut first = start(&db, data_dir.path()).await;

        let cfg = LoadConfig {
            server: first.base.clone(),
            admin_email: backend::demo::ADMIN_EMAIL.into(),
            admin_password: PASSWORD.into(),
            location_id: backend::demo::LOC_WAW_FAST.into(),
            bin: "22210000".into(),
            terminals: 4,
            rate: 0.0,
            duration: Duration::from_secs(1),
        };
        let terminals = pair_terminals(&cfg, "CRASH").await.expect("pair terminals");
        let next_card = Arc::new(AtomicU64::new(1_000));
        let completed = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = terminals
            .iter()
            .map(|t| {
                tokio::spawn(tap_until_down(
                    t.clone(),
                    next_card.clone(),
                    completed.clone(),
                    stop.clone(),
                ))
            })
            .collect();
        // Let the load run, then SIGKILL the server while requests are in flight.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        first.child.kill().expect("kill -9");
        first.child.wait().expect("reap");
        stop.store(true, Ordering::Relaxed);
        for w in workers {
            w.await.expect("worker");
        }
        let seen: Vec<String> = completed.lock().unwrap().clone();
        assert!(
            seen.len() >= 10,
            "{name}: the load should have completed entries before the kill, got {}",
            seen.len()
        );

        // Restart over the same database; wait past every grant's expiry plus sweeper passes.
        let second = start(&db, data_dir.path()).await;
        let conn = db.open().await;
        let deadline = Instant::now() + Duration::from_secs(40);
        let (ops, calls) = loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let ops = operations::Entity::find().all(&conn).await.unwrap();
            let calls = acquirer_calls::Entity::find()
                .filter(acquirer_calls::Column::Kind.is_in(["AUTHORIZATION", "VOID"]))
                .all(&conn)
                .await
                .unwrap();
            let settled =
                ops.iter().all(|o| o.status != "PENDING") && unvoided(&ops, &calls).is_empty();
            if settled || Instant::now() > deadline {
                break (ops, calls);
            }
        };

        let by_id: HashMap<&str, &operations::Model> =
            ops.iter().map(|o| (o.id.as_str(), o)).collect();
        for access in &seen {
            let op = by_id
                .get(access.as_str())
                .unwrap_or_else(|| panic!("{name}: COMPLETED entry {access} lost"));
            assert_eq!(op.status, "COMPLETED", "{name}: entry {access}");
        }
        let pending: Vec<_> = ops.iter().filter(|o| o.status == "PENDING").collect();
        assert!(
            pending.is_empty(),
            "{name}: grants still PENDING after expiry and sweeps: {:?}",
            pending.iter().map(|o| &o.id).collect::<Vec<_>>()
        );
        let missing = unvoided(&ops, &calls);
        assert!(
            missing.is_empty(),
            "{name}: approved authorizations of entries that did not complete, without a void: {missing:?}"
        );
        let voided = calls
            .iter()
            .filter(|c| c.kind == "VOID" && c.outcome == "VOIDED")
            .count();
        assert!(
            voided > 0,
            "{name}: abandoned grants should have been voided"
        );
        eprintln!(
            "{name}: {} entries completed before the kill, {} operations, {voided} voids",
            seen.len(),
            ops.len()
        );
        drop(second);
        db.cleanup().await;
    }
}

/// Operations with an approved authorization that neither completed nor got a `VOIDED` void.
fn unvoided(ops: &[operations::Model], calls: &[acquirer_calls::Model]) -> Vec<String> {
    let voided: HashSet<&str> = calls
        .iter()
        .filter(|c| c.kind == "VOID" && c.outcome == "VOIDED")
        .map(|c| c.operation_id.as_str())
        .collect();
    let status: HashMap<&str, &str> = ops
        .iter()
        .map(|o| (o.id.as_str(), o.status.as_str()))
        .collect();
    calls
        .iter()
        .filter(|c| c.kind == "AUTHORIZATION" && c.outcome == "APPROVED")
        .filter(|c| status.get(c.operation_id.as_str()) != Some(&"COMPLETED"))
        .filter(|c| !voided.contains(c.operation_id.as_str()))
        .map(|c| c.operation_id.clone())
        .collect()
}
