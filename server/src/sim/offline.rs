//! The simulated terminal's offline mode (POS-API.md, "Offline mode"), as a real POS would do
//! it:
//! * `sync` fetches the fallback BIN ranges and the whitelisted PAN hashes with
//!   `If-None-Match`, and keeps each list in the state folder with its ETag, the time it was
//!   fetched or revalidated, and until when it may be used;
//! * `enter_offline` decides from those lists alone — the card's hash (HMAC-SHA256 with the
//!   shared whitelist secret, computed here) in the whitelist, else its BIN in a range — and
//!   queues an admitted entry durably (fsynced, atomically replaced file, 0600) with a fresh
//!   `offlineId`;
//! * `report` uploads the queue in batches of at most 1,000 and removes only the entries the
//!   server acknowledged (`RECORDED` or `DUPLICATE`). The `offlineId` is fixed when the entry
//!   is queued, so re-sending after a cut connection is answered `DUPLICATE` and never counts
//!   twice. An entry the server refuses as invalid (400 naming `entries[N]`) is moved to a
//!   separate file, so one bad entry cannot hold the rest of the queue back.
//!
//! The queue holds PANs in clear (the report needs them): the state folder is the terminal's
//! secure storage, files are owner-only.

use super::state::{write_private, StateDir};
use super::{SimError, Terminal};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashSet;
use std::path::PathBuf;

pub const RANGES_PATH: &str = "/pos/fallback_bin_ranges";
pub const WHITELIST_PATH: &str = "/pos/whitelisted_pans";
pub const REPORTS_PATH: &str = "/pos/offline_reports";

const RANGES_FILE: &str = "fallback-bin-ranges.json";
const WHITELIST_FILE: &str = "whitelisted-pans.json";
const QUEUE_FILE: &str = "offline-queue.json";
const REJECTED_FILE: &str = "offline-rejected.json";

/// The most entries the server takes in one report.
pub const MAX_BATCH: usize = 1000;

/// A list as the terminal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredList {
    pub etag: Option<String>,
    /// When it was last fetched or revalidated (304), RFC 3339.
    pub synced_at: String,
    /// Until when the terminal may use it: the server's `validUntil`, moved on by each
    /// revalidation by as long as the list was valid when fetched.
    pub valid_until: String,
    /// The server's answer as fetched.
    pub body: Value,
}

/// One admitted offline entry awaiting its report (the wire shape of a report entry).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedEntry {
    pub offline_id: String,
    pub pan: String,
    pub occurred_at: String,
    pub basis: String,
    pub adult_guests: u32,
    pub child_guests: u32,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for QueuedEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedEntry")
            .field("offline_id", &self.offline_id)
            .field("pan", &access_core::domain::MaskedPan(&self.pan))
            .field("occurred_at", &self.occurred_at)
            .field("basis", &self.basis)
            .field("adult_guests", &self.adult_guests)
            .field("child_guests", &self.child_guests)
            .finish()
    }
}

/// The answer to a conditional GET.
#[derive(Debug, Clone)]
pub enum Fetched {
    NotModified,
    Fresh { etag: Option<String>, body: Value },
}

fn state_err(e: impl std::fmt::Display) -> SimError {
    SimError::State(e.to_string())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default()
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn path(state: &StateDir, file: &str) -> PathBuf {
    state.0.join(file)
}

fn load<T: serde::de::DeserializeOwned>(
    state: &StateDir,
    file: &str,
) -> Result<Option<T>, SimError> {
    let p = path(state, file);
    match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| SimError::State(format!("{}: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SimError::State(format!("{}: {e}", p.display()))),
    }
}

fn save<T: Serialize>(state: &StateDir, file: &str, v: &T) -> Result<(), SimError> {
    let text = serde_json::to_vec_pretty(v).map_err(state_err)?;
    write_private(&path(state, file), &text)
}

impl Terminal {
    /// An authenticated GET with `If-None-Match`.
    pub async fn fetch_list(&self, path: &str, etag: Option<&str>) -> Result<Fetched, SimError> {
        let mut req = self
            .http()
            .get(format!("{}{}", self.base_url, path))
            .bearer_auth(self.token());
        if let Some(tag) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        if status == 304 {
            return Ok(Fetched::NotModified);
        }
        let etag = resp
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !(200..300).contains(&status) {
            return Err(SimError::Status { status, body });
        }
        Ok(Fetched::Fresh { etag, body })
    }

    /// `POST /pos/offline_reports` with these entries: status and body.
    pub async fn offline_report(&self, entries: &[QueuedEntry]) -> Result<(u16, Value), SimError> {
        self.request(
            reqwest::Method::POST,
            REPORTS_PATH,
            Some(&json!({ "entries": entries })),
        )
        .await
    }
}

/// What one list's sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSync {
    /// `false`: the server answered 304, the kept list is current.
    pub changed: bool,
    /// Ranges or hashes now kept.
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub ranges: ListSync,
    pub whitelist: ListSync,
}

fn count_of(body: &Value) -> usize {
    body.get("ranges")
        .or_else(|| body.get("hashes"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

async fn sync_one(
    t: &Terminal,
    state: &StateDir,
    api: &str,
    file: &str,
) -> Result<ListSync, SimError> {
    let now = at((t.clock)());
    let kept: Option<StoredList> = load(state, file)?;
    let etag = kept.as_ref().and_then(|k| k.etag.as_deref());
    match t.fetch_list(api, etag).await? {
        Fetched::NotModified => {
            let Some(mut kept) = kept else {
                return Err(state_err("304 without a kept list"));
            };
            let body_time = |k: &str| {
                kept.body
                    .get(k)
                    .and_then(Value::as_str)
                    .and_then(parse_time)
            };
            let span = match (body_time("generatedAt"), body_time("validUntil")) {
                (Some(g), Some(v)) if v > g => v - g,
                _ => chrono::Duration::hours(24),
            };
            kept.synced_at = rfc3339(now);
            kept.valid_until = rfc3339(now + span);
            save(state, file, &kept)?;
            Ok(ListSync {
                changed: false,
                count: count_of(&kept.body),
            })
        }
        Fetched::Fresh { etag, body } => {
            let valid_until = body
                .get("validUntil")
                .and_then(Value::as_str)
                .and_then(parse_time)
                .unwrap_or(now + chrono::Duration::hours(24));
            let list = StoredList {
                etag,
                synced_at: rfc3339(now),
                valid_until: rfc3339(valid_until),
                body,
            };
            save(state, file, &list)?;
            Ok(ListSync {
                changed: true,
                count: count_of(&list.body),
            })
        }
    }
}

/// Fetch both lists (conditionally) and keep them in the state folder.
pub async fn sync(t: &Terminal, state: &StateDir) -> Result<SyncReport, SimError> {
    Ok(SyncReport {
        ranges: sync_one(t, state, RANGES_PATH, RANGES_FILE).await?,
        whitelist: sync_one(t, state, WHITELIST_PATH, WHITELIST_FILE).await?,
    })
}

/// The whitelist hash: HMAC-SHA256 over the PAN's ASCII digits, lowercase hex.
pub fn whitelist_hash(secret: &[u8], pan: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC takes keys of any length; unreachable, but no panic on a terminal.
        Err(_) => return String::new(),
    };
    mac.update(pan.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn usable(list: &Option<StoredList>, now: DateTime<Utc>) -> Option<&Value> {
    let l = list.as_ref()?;
    (parse_time(&l.valid_until)? >= now).then_some(&l.body)
}

fn in_ranges(body: &Value, pan: &str) -> bool {
    body.get("ranges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| {
            let (Some(from), Some(to)) = (
                r.get("from").and_then(Value::as_str),
                r.get("to").and_then(Value::as_str),
            ) else {
                return false;
            };
            let n = from.len();
            n > 0 && to.len() == n && pan.get(..n).is_some_and(|p| from <= p && p <= to)
        })
}

fn in_whitelist(body: &Value, hash: &str) -> bool {
    body.get("hashes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|h| h.as_str() == Some(hash))
}

/// The offline decision from the kept lists: `Some("WHITELIST")` when the card's hash is
/// whitelisted (needs the secret), else `Some("BIN_RANGE")` when its BIN is in a range, else
/// `None`. Lists past their `validUntil` are not used.
pub fn decide(
    state: &StateDir,
    pan: &str,
    secret: Option<&[u8]>,
    now_secs: i64,
) -> Result<Option<&'static str>, SimError> {
    let now = at(now_secs);
    let whitelist: Option<StoredList> = load(state, WHITELIST_FILE)?;
    let ranges: Option<StoredList> = load(state, RANGES_FILE)?;
    let (w, r) = (usable(&whitelist, now), usable(&ranges, now));
    if w.is_none() && r.is_none() {
        return Err(state_err(
            "no usable offline lists (missing or past validUntil); run `pos-sim sync` while online",
        ));
    }
    if let (Some(w), Some(secret)) = (w, secret) {
        if in_whitelist(w, &whitelist_hash(secret, pan)) {
            return Ok(Some("WHITELIST"));
        }
    }
    if r.is_some_and(|r| in_ranges(r, pan)) {
        return Ok(Some("BIN_RANGE"));
    }
    Ok(None)
}

/// The queue of entries awaiting their report, oldest first.
pub fn queue(state: &StateDir) -> Result<Vec<QueuedEntry>, SimError> {
    Ok(load(state, QUEUE_FILE)?.unwrap_or_default())
}

/// Entries the server refused as invalid, kept aside.
pub fn rejected(state: &StateDir) -> Result<Vec<QueuedEntry>, SimError> {
    Ok(load(state, REJECTED_FILE)?.unwrap_or_default())
}

fn valid_pan(pan: &str) -> bool {
    (12..=19).contains(&pan.len())
        && pan.bytes().all(|b| b.is_ascii_digit())
        && access_core::domain::luhn_valid(pan)
}

/// Tap a card while offline: decide from the lists and, if admitted, queue the entry with a
/// fresh `offlineId` before answering. `Ok(None)`: refused.
pub fn enter_offline(
    state: &StateDir,
    pan: &str,
    adults: u32,
    children: u32,
    secret: Option<&[u8]>,
    now_secs: i64,
) -> Result<Option<QueuedEntry>, SimError> {
    if !valid_pan(pan) {
        return Err(state_err(
            "the card number is not 12–19 digits passing the Luhn check",
        ));
    }
    let Some(basis) = decide(state, pan, secret, now_secs)? else {
        return Ok(None);
    };
    let entry = QueuedEntry {
        offline_id: uuid::Uuid::new_v4().to_string(),
        pan: pan.to_owned(),
        occurred_at: rfc3339(at(now_secs)),
        basis: basis.to_owned(),
        adult_guests: adults,
        child_guests: children,
    };
    let mut q = queue(state)?;
    q.push(entry.clone());
    save(state, QUEUE_FILE, &q)?;
    Ok(Some(entry))
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Entries per request, 1–1,000.
    pub batch_size: usize,
    /// Test hook: send the first batch, then drop the server's answer as a cut connection
    /// would (the server has committed; the queue is left as it was).
    pub lose_first_response: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            batch_size: MAX_BATCH,
            lose_first_response: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportSummary {
    pub recorded: usize,
    pub duplicates: usize,
    pub over_limit: usize,
    /// Moved to the rejected file after a 400 naming them.
    pub set_aside: usize,
    /// Still queued.
    pub remaining: usize,
}

/// `entries[N]` at the start of a 400 message.
fn named_entry(body: &Value) -> Option<usize> {
    let msg = body.pointer("/error/message")?.as_str()?;
    let rest = msg.strip_prefix("entries[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// Upload the queue; remove what the server acknowledged, batch after batch.
pub async fn report(
    t: &Terminal,
    state: &StateDir,
    opts: &ReportOptions,
) -> Result<ReportSummary, SimError> {
    let batch_size = opts.batch_size.clamp(1, MAX_BATCH);
    let mut summary = ReportSummary::default();
    let mut lose = opts.lose_first_response;
    loop {
        let mut q = queue(state)?;
        summary.remaining = q.len();
        if q.is_empty() {
            return Ok(summary);
        }
        let batch: Vec<QueuedEntry> = q.iter().take(batch_size).cloned().collect();
        let (status, body) = t.offline_report(&batch).await?;
        if lose {
            return Err(SimError::State(
                "connection cut before the answer arrived (simulated); the queue is kept".into(),
            ));
        }
        match status {
            200 => {
                let mut acked = HashSet::new();
                for r in body["results"].as_array().into_iter().flatten() {
                    let (Some(id), Some(st)) = (r["offlineId"].as_str(), r["status"].as_str())
                    else {
                        continue;
                    };
                    match st {
                        "RECORDED" => summary.recorded += 1,
                        "DUPLICATE" => summary.duplicates += 1,
                        _ => continue,
                    }
                    if r["overLimit"] == true {
                        summary.over_limit += 1;
                    }
                    acked.insert(id.to_owned());
                }
                if acked.is_empty() {
                    return Err(SimError::Status { status, body });
                }
                q.retain(|e| !acked.contains(&e.offline_id));
                save(state, QUEUE_FILE, &q)?;
            }
            400 => {
                let Some(bad) = named_entry(&body).and_then(|i| batch.get(i)) else {
                    return Err(SimError::Status { status, body });
                };
                let mut aside = rejected(state)?;
                aside.push(bad.clone());
                save(state, REJECTED_FILE, &aside)?;
                q.retain(|e| e.offline_id != bad.offline_id);
                save(state, QUEUE_FILE, &q)?;
                summary.set_aside += 1;
            }
            _ => return Err(SimError::Status { status, body }),
        }
        lose = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_shared_vectors() {
        let secret = hex::decode("6b65792d666f722d77686974656c697374").unwrap();
        assert_eq!(
            whitelist_hash(&secret, "5555555555554444"),
            "fe2b5f19f5f23b0e872cd8f00382b8d9c14aa1036304e3914eb514b2f276aa65"
        );
    }

    #[test]
    fn ranges_compare_the_first_that_many_digits() {
        let body = json!({"ranges": [
            {"from": "541234", "to": "541234", "service": "LOUNGE"},
            {"from": "22210000", "to": "22210099", "service": "LOUNGE"},
        ]});
        assert!(in_ranges(&body, "5412345678901232"));
        assert!(in_ranges(&body, "2221000000000009"));
        assert!(!in_ranges(&body, "2221010000000000"));
        assert!(!in_ranges(&body, "5412355678901232"));
    }

    #[test]
    fn a_400_names_the_entry() {
        let body =
            json!({"error": {"code": "INVALID_REQUEST", "message": "entries[12].pan: fails"}});
        assert_eq!(named_entry(&body), Some(12));
        assert_eq!(
            named_entry(&json!({"error": {"message": "entries: too many"}})),
            None
        );
    }
}
