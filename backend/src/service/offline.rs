//! Offline mode (POS-API.md, "Offline mode"): what a terminal keeps to admit cardholders while
//! it has no connection, and the reports of the entries it admitted meanwhile.
//!
//! # Fallback BIN ranges
//! The BIN ranges of every ruleset that is not deleted, whose validity meets
//! `[now, validUntil]` (default `validUntil` = now + 24 h), and that applies at the terminal's
//! location (the location listed, or all locations of its country; the location's service one
//! of the ruleset's). Ranges are normalised to 8 digits, merged per service where they overlap
//! or touch, and written back with 6 digits when both ends are whole 6-digit BINs, else 8.
//! ICA, product and issuer-country filters are not expressible as BIN ranges: the list is a
//! superset, and the report of an entry outside the rules is flagged `overLimit`.
//!
//! # Whitelisted PANs — "an entry available"
//! An enrolled card is whitelisted at a location when at least one ruleset (selected as for
//! the ranges) would admit it **free** right now, judged from stored data only:
//! * the card's BIN (the 6 digits enrollment keeps) lies in one of the ruleset's BIN ranges of
//!   the card's ICA (leading zeros ignored); 7–8 digit ranges are widened to the 6-digit BINs
//!   they touch;
//! * the ruleset's product codes (if any) contain the card's; its issuer country (if set) is
//!   one the BIN table lists for that ICA;
//! * the ruleset offers free cardholder entries and the card has not used them up in the
//!   ruleset's counting window (COMPLETED or open PENDING operations, as the engine counts),
//!   nor reached the ruleset's per-location cap here;
//! * the ruleset's total-usage cap (over all cards) is not reached;
//! * the ruleset has no spend condition (spend needs transaction data and FX conversion per
//!   card, and can change before the terminal uses the list; such cards stay covered by the
//!   BIN ranges).
//!
//! Paid entries do not whitelist a card: offline the terminal cannot take a payment. Cooldown
//! and open grants are momentary and ignored. The list is built by one SQL statement (usage is
//! aggregated per ruleset in SQL, never an engine call per card, and the database returns the
//! sorted hashes as one joined string); its hashes come from the `whitelist_hash` stored at
//! enrollment, so the server never needs a PAN for it. Its cost grows with the enrolled cards
//! in the rulesets' ranges and with the rulesets' operations in their counting windows.
//!
//! # Offline reports
//! Each request is one transaction: every entry is stored, or none. An entry becomes a
//! `COMPLETED` operation of type `OFFLINE` that counts toward the card's usage like an online
//! one. `offlineId` (a UUID, stored in lowercase hyphenated form) is the idempotency key, backed
//! by the unique index `uq_operations_offline_id`: an id already stored answers `DUPLICATE`
//! with the first operation's id and flag, whatever the rest of the entry says (also for a
//! repeat within one request). The entries are decided first (reads only), then stored in a
//! short transaction that starts by locking the terminal's row (so one terminal's reports are
//! stored one at a time, and on SQLite the write lock is taken before anything is read) and
//! checks that none of the ids was stored meanwhile. A request that lost such a race — or hit
//! the unique index because another terminal reported the same ids — is rolled back and
//! decided again; the last attempts decide under the lock, so they cannot lose to the same
//! terminal again. Each id is stored once and never counted twice.
//!
//! `overLimit` comes from the online engine ([`super::entry`]'s fact gathering and decision),
//! run as of `occurredAt`: rulesets valid then, counting windows ending then, the card's
//! operations as they count at the time of the report (an open online grant reserves its entry
//! but cannot block an entry that already happened), plus the earlier entries of the same
//! request, which are decided in `occurredAt` order. The entry is over the limit when the
//! engine would have rejected it (the code is kept in `reject_code` of the COMPLETED row) or
//! when its guests exceed what the grant allowed. An entry counts under the ruleset the engine
//! chose (for a cooldown breach: the one it would have chosen without the cooldown; for a
//! limit breach: the ruleset that ran out), so later decisions see it. A paid entry is recorded
//! with the price owed (`cardholder_price_minor`) and `total_minor` 0: nothing was charged
//! offline. The entry mode is not reported offline (`entry_mode` = `UNKNOWN`), and the entry is
//! attributed to the terminal's location at the time of the report (a terminal without a
//! location: kept, flagged, `reject_code` `UNKNOWN_DEVICE`). Rulesets are judged in their
//! current version, and the card's entries dated after `occurredAt` count too (the engine's
//! conservative rule), so of two entries that together exceed a limit, one is flagged.
//!
//! Concurrent reports of the *same card* from different terminals are each stored exactly
//! once, but their `overLimit` flags may not see each other (they are advisory for the panel).

use super::super::entity::{locations, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{card_facts as cards, offline as store};
use super::super::Backend;
use super::entry::{decide_on, gather_as_of, location_info, TerminalRef};
use access_core::domain::{
    confirm_guests, Decision, Grant, GuestCounts, Limit, LocationInfo, OperationStatus, Pan,
    RejectCode, Ruleset, UsageRecord,
};
use axum::body::Bytes;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{EntityTrait, Set, TransactionTrait};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Entries of one report request at most.
pub const MAX_REPORT_ENTRIES: usize = 1000;
/// Guests of one kind on one offline entry at most (anything above is a broken terminal).
pub const MAX_GUESTS: i64 = 100;
/// How long the lists are valid when the terminal does not ask (`validUntil`).
pub const DEFAULT_VALIDITY: Duration = Duration::hours(24);
/// The longest `validUntil` a terminal may ask for.
pub const MAX_VALIDITY: Duration = Duration::days(7);
/// Attempts at storing a report that races other reports of the same entries; the first
/// ones decide before taking the terminal's lock, the others under it.
const ATTEMPTS: usize = 5;
const OPTIMISTIC_ATTEMPTS: usize = 2;
/// The entry mode stored for offline entries (the report does not carry one).
pub const OFFLINE_ENTRY_MODE: &str = "UNKNOWN";

#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// A request field is wrong; nothing was recorded. `field` is a JSON path
    /// (`entries[3].pan`, `validUntil`).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The report kept racing concurrent reports of the same entries; nothing was recorded by
    /// this request, and a retry is safe.
    #[error("concurrent reports of the same entries; retry")]
    Contended,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for OfflineError {
    fn from(e: sea_orm::DbErr) -> Self {
        OfflineError::Service(e.into())
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> OfflineError {
    OfflineError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A list for the terminal with its validity and a strong validator of its content.
#[derive(Debug, Clone)]
pub struct OfflineList<T> {
    pub generated_at: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub items: Vec<T>,
    /// Quoted strong ETag over the items only (not the times): unchanged content, same tag.
    pub etag: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackRange {
    /// Digit strings of equal length, 6 or 8.
    pub from: String,
    pub to: String,
    pub service: String,
}

fn etag<L: AsRef<[u8]>>(kind: &str, lines: impl Iterator<Item = L>) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    for l in lines {
        h.update(b"\n");
        h.update(l.as_ref());
    }
    format!("\"{kind}-{}\"", &hex::encode(h.finalize())[..32])
}

/// `[now, validUntil]` of a list request.
fn window(
    b: &Backend,
    valid_until: Option<DateTime<Utc>>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), OfflineError> {
    let now = b.clock.now();
    let until = valid_until.unwrap_or(now + DEFAULT_VALIDITY);
    if until <= now {
        return Err(invalid("validUntil", "must be in the future"));
    }
    if until > now + MAX_VALIDITY {
        return Err(invalid("validUntil", "at most 7 days ahead"));
    }
    Ok((now, until))
}

async fn location_of(b: &Backend, t: &TerminalRef) -> ServiceResult<Option<locations::Model>> {
    Ok(match &t.location_id {
        Some(id) => locations::Entity::find_by_id(id.clone()).one(&b.db).await?,
        None => None,
    })
}

/// The terminal's location when its offline policy lets terminals admit offline; `None`
/// (empty lists) without a location or with offline entries switched off there. The lists'
/// ETag is over their content, so switching offline off answers the empty list's tag (a
/// terminal holding a non-empty list gets 200 and drops it) and switching it on again a new
/// tag.
async fn offline_location(b: &Backend, t: &TerminalRef) -> ServiceResult<Option<locations::Model>> {
    Ok(location_of(b, t).await?.filter(|l| l.offline_allowed))
}

/// The rulesets that apply at the location during `[from, until]`, checked again with the
/// domain's rules.
async fn applicable(
    b: &Backend,
    loc: &locations::Model,
    info: &LocationInfo,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> ServiceResult<Vec<Ruleset>> {
    let all = store::rulesets_at_location(
        &b.db,
        &loc.id,
        &loc.country,
        &loc.service_code,
        from.timestamp_millis(),
        until.timestamp_millis(),
    )
    .await?;
    Ok(all
        .into_iter()
        .filter(|r| r.is_valid_during(from, until) && r.applies_to_location(info))
        .collect())
}

/// Merge inclusive intervals that overlap or touch.
fn merge(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// An 8-digit interval as the wire's equal-length strings: 6 digits when both ends are whole
/// 6-digit BINs, else 8.
fn wire_range(lo: u64, hi: u64) -> (String, String) {
    if (lo % 100, hi % 100) == (0, 99) {
        (format!("{:06}", lo / 100), format!("{:06}", hi / 100))
    } else {
        (format!("{lo:08}"), format!("{hi:08}"))
    }
}

/// `GET /pos/fallback_bin_ranges` for this terminal.
pub async fn fallback_bin_ranges(
    b: &Backend,
    t: &TerminalRef,
    valid_until: Option<DateTime<Utc>>,
) -> Result<OfflineList<FallbackRange>, OfflineError> {
    let (now, until) = window(b, valid_until)?;
    let mut by_service: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    if let Some(loc) = offline_location(b, t).await? {
        let info = location_info(&loc)?;
        for r in applicable(b, &loc, &info, now, until).await? {
            let ranges = by_service.entry(info.service.clone()).or_default();
            ranges.extend(r.bin_ranges.iter().filter_map(|br| br.bounds8()));
        }
    }
    let mut items = Vec::new();
    for (service, ranges) in by_service {
        for (lo, hi) in merge(ranges) {
            let (from, to) = wire_range(lo, hi);
            items.push(FallbackRange {
                from,
                to,
                service: service.clone(),
            });
        }
    }
    let etag = etag(
        "bins",
        items
            .iter()
            .map(|r| format!("{} {} {}", r.service, r.from, r.to)),
    );
    Ok(OfflineList {
        generated_at: now,
        valid_until: until,
        items,
        etag,
    })
}

/// The whitelist rule of one ruleset, or `None` when it whitelists nobody (see the module
/// docs for the definition).
async fn whitelist_rule(
    b: &Backend,
    r: &Ruleset,
    now: DateTime<Utc>,
    icas_by_country: &mut HashMap<String, HashSet<String>>,
) -> ServiceResult<Option<store::WhitelistRule>> {
    if r.spend.is_some() {
        return Ok(None);
    }
    let free_limit = match r.cardholder.free {
        None | Some(Limit::Count(0)) => return Ok(None),
        Some(Limit::Unlimited) => None,
        Some(Limit::Count(n)) => Some(n),
    };
    if r.cardholder.per_location_cap == Some(0) {
        return Ok(None);
    }
    let now_ms = now.timestamp_millis();
    if let Some(cap) = r.total_usage {
        let since = r
            .total_usage_window_start(now)
            .map(|s| s.timestamp_millis());
        let used = cards::ruleset_usage(&b.db, &r.id.to_string(), since, now_ms).await?;
        if used >= cap.limit as u64 {
            return Ok(None);
        }
    }
    let country_icas = match &r.issuer_country {
        Some(c) => {
            if !icas_by_country.contains_key(c) {
                let icas = store::icas_of_country(&b.db, c).await?;
                icas_by_country.insert(c.clone(), icas);
            }
            icas_by_country.get(c)
        }
        None => None,
    };
    let bins: Vec<store::CardBins> = r
        .bin_ranges
        .iter()
        .filter(|br| br.bounds8().is_some())
        .filter_map(|br| {
            let ica = br.ica.trim_start_matches('0').to_owned();
            if country_icas.is_some_and(|set| !set.contains(&ica)) {
                return None;
            }
            Some(store::CardBins {
                from6: br.from.get(..6)?.to_owned(),
                to6: br.to.get(..6)?.to_owned(),
                ica,
            })
        })
        .collect();
    if bins.is_empty() {
        return Ok(None);
    }
    Ok(Some(store::WhitelistRule {
        ruleset_id: r.id.to_string(),
        bins,
        product_codes: r.product_codes.clone(),
        free_limit,
        per_location_cap: r.cardholder.per_location_cap,
        window_start_ms: r.cardholder_window_start(now).map(|t| t.timestamp_millis()),
    }))
}

/// Length of one whitelist hash: HMAC-SHA256 in lowercase hex.
const HASH_LEN: usize = 64;
/// One hash in the JSON array: quoted, then a comma (none after the last).
const ITEM_LEN: usize = HASH_LEN + 3;

/// The whitelist's hashes, sorted and distinct, held as their JSON array (`["…","…"]`):
/// rendered once when the list is built, then sent as is to every terminal it is for — a
/// million cards are one 67 MB buffer, never a million `String`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhitelistHashes {
    json: Bytes,
}

impl Default for WhitelistHashes {
    fn default() -> Self {
        Self {
            json: Bytes::from_static(b"[]"),
        }
    }
}

impl WhitelistHashes {
    /// From the database's `,`-joined hashes in any order: sorted, repeats dropped, anything
    /// that is not 64 lowercase hex characters left out (only a hand-edited row could hold one).
    fn from_joined(joined: &str) -> Self {
        let mut bad = 0usize;
        let mut hashes: Vec<&str> = joined
            .split(',')
            .filter(|h| {
                let ok = h.len() == HASH_LEN
                    && h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                bad += usize::from(!ok && !h.is_empty());
                ok
            })
            .collect();
        if bad > 0 {
            tracing::warn!(
                bad,
                "enrolled cards with a malformed whitelist hash left out"
            );
        }
        hashes.sort_unstable();
        hashes.dedup();
        let mut json = Vec::with_capacity(2 + hashes.len() * ITEM_LEN);
        json.push(b'[');
        for (i, h) in hashes.iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.push(b'"');
            json.extend_from_slice(h.as_bytes());
            json.push(b'"');
        }
        json.push(b']');
        Self {
            json: Bytes::from(json),
        }
    }

    pub fn len(&self) -> usize {
        (self.json.len() - 1) / ITEM_LEN
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hashes in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        (0..self.len()).map(move |i| &self.json[2 + i * ITEM_LEN..2 + i * ITEM_LEN + HASH_LEN])
    }

    /// The JSON array of the hashes (shared, not copied).
    pub fn json_array(&self) -> Bytes {
        self.json.clone()
    }
}

/// `GET /pos/whitelisted_pans` for this terminal.
#[derive(Debug, Clone)]
pub struct Whitelist {
    pub generated_at: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub hashes: WhitelistHashes,
    /// Quoted strong ETag over the hashes only (not the times).
    pub etag: String,
}

/// Built whitelists of this app server, by what their content depends on (see
/// [`fingerprint`]): the list is the same for every terminal of a location, and for every
/// location with the same rules and usage, until a card, a ruleset or the usage changes.
/// A few lists at most (a million cards take 67 MB); the least recently used goes first.
pub struct WhitelistCache {
    entries: std::sync::Mutex<Vec<CachedList>>,
    /// One build at a time: terminals asking together for a list not built yet wait for the
    /// first build instead of each running it.
    building: tokio::sync::Mutex<()>,
}

struct CachedList {
    fingerprint: [u8; 32],
    hashes: WhitelistHashes,
    etag: String,
    used: std::time::Instant,
}

/// Lists kept per app server.
const CACHED_LISTS: usize = 8;

impl Default for WhitelistCache {
    fn default() -> Self {
        Self {
            entries: std::sync::Mutex::new(Vec::new()),
            building: tokio::sync::Mutex::new(()),
        }
    }
}

impl std::fmt::Debug for WhitelistCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WhitelistCache")
    }
}

impl WhitelistCache {
    fn get(&self, fingerprint: &[u8; 32]) -> Option<(WhitelistHashes, String)> {
        // A poisoned lock only means another request panicked mid-update: the entries are
        // plain data, still whole.
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let hit = entries.iter_mut().find(|e| &e.fingerprint == fingerprint)?;
        hit.used = std::time::Instant::now();
        Some((hit.hashes.clone(), hit.etag.clone()))
    }

    fn put(&self, fingerprint: [u8; 32], hashes: WhitelistHashes, etag: String) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|e| e.fingerprint != fingerprint);
        if entries.len() >= CACHED_LISTS {
            if let Some(oldest) = entries
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.used)
                .map(|(i, _)| i)
            {
                entries.swap_remove(oldest);
            }
        }
        entries.push(CachedList {
            fingerprint,
            hashes,
            etag,
            used: std::time::Instant::now(),
        });
    }
}

/// What a location's whitelist depends on, read in this order: the enrolled cards' version
/// (raised by a database trigger on every change of `enrolled_cards`), the rules (without
/// their counting windows' start, which moves with the clock) and, per rule, the cards its
/// usage excludes now. The cards are read after the version, so a list built while cards
/// change is at worst filed under an older version and built again, never served stale.
async fn fingerprint(
    b: &Backend,
    location_id: &str,
    now_ms: i64,
    rules: &[store::WhitelistRule],
) -> ServiceResult<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(store::enrolment_version(&b.db).await?.to_be_bytes());
    for r in rules {
        h.update(format!(
            "\nrule {} {:?} {:?} {:?} {:?}",
            r.ruleset_id,
            r.product_codes,
            r.free_limit,
            r.per_location_cap,
            r.window_start_ms.is_some()
        ));
        for bins in &r.bins {
            h.update(format!("\nbins {} {} {}", bins.from6, bins.to6, bins.ica));
        }
        for (kind, cards) in store::used_up_cards(&b.db, location_id, now_ms, r).await? {
            h.update(format!("\n{kind}"));
            for c in cards {
                h.update(b" ");
                h.update(c.as_bytes());
            }
        }
    }
    Ok(h.finalize().into())
}

/// `GET /pos/whitelisted_pans` for this terminal: sorted lowercase-hex HMAC-SHA256 hashes.
/// Built once per content and then served from [`WhitelistCache`] while the fingerprint
/// (a few small queries) says it is current.
pub async fn whitelisted_pans(
    b: &Backend,
    t: &TerminalRef,
    valid_until: Option<DateTime<Utc>>,
) -> Result<Whitelist, OfflineError> {
    let (now, until) = window(b, valid_until)?;
    let now_ms = now.timestamp_millis();
    let mut rules = Vec::new();
    let mut location = None;
    if let Some(loc) = offline_location(b, t).await? {
        let info = location_info(&loc)?;
        let mut icas = HashMap::new();
        for r in applicable(b, &loc, &info, now, until).await? {
            rules.extend(whitelist_rule(b, &r, now, &mut icas).await?);
        }
        location = Some(loc);
    }
    let (hashes, etag) = match location.filter(|_| !rules.is_empty()) {
        None => {
            let hashes = WhitelistHashes::default();
            let etag = etag("pans", hashes.iter());
            (hashes, etag)
        }
        Some(loc) => {
            let key = fingerprint(b, &loc.id, now_ms, &rules).await?;
            match b.whitelists.get(&key) {
                Some(hit) => hit,
                None => {
                    let _one = b.whitelists.building.lock().await;
                    match b.whitelists.get(&key) {
                        Some(hit) => hit,
                        None => {
                            let hashes =
                                match store::whitelist_hashes(&b.db, &loc.id, now_ms, &rules)
                                    .await?
                                {
                                    Some(joined) => WhitelistHashes::from_joined(&joined),
                                    None => WhitelistHashes::default(),
                                };
                            let etag = etag("pans", hashes.iter());
                            b.whitelists.put(key, hashes.clone(), etag.clone());
                            (hashes, etag)
                        }
                    }
                }
            }
        }
    };
    Ok(Whitelist {
        generated_at: now,
        valid_until: until,
        hashes,
        etag,
    })
}

// ---------------------------------------------------------------------------------------------
// Reports

/// One entry of `POST /pos/offline_reports` as received (the wire layer checks JSON types;
/// `None` = absent or null).
#[derive(Clone, Default)]
pub struct ReportEntryInput {
    pub offline_id: Option<String>,
    pub pan: Option<String>,
    pub occurred_at: Option<String>,
    pub basis: Option<String>,
    pub adult_guests: Option<i64>,
    pub child_guests: Option<i64>,
}

/// Prints the card number masked, never in clear.
impl std::fmt::Debug for ReportEntryInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportEntryInput")
            .field("offline_id", &self.offline_id)
            .field(
                "pan",
                &self.pan.as_deref().map(access_core::domain::MaskedPan),
            )
            .field("occurred_at", &self.occurred_at)
            .field("basis", &self.basis)
            .field("adult_guests", &self.adult_guests)
            .field("child_guests", &self.child_guests)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    Recorded,
    Duplicate,
}

impl ReportStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportStatus::Recorded => "RECORDED",
            ReportStatus::Duplicate => "DUPLICATE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportResult {
    /// As the terminal sent it.
    pub offline_id: String,
    pub status: ReportStatus,
    pub operation_id: String,
    pub over_limit: bool,
}

/// A validated entry.
struct Entry {
    /// Position in the request.
    idx: usize,
    sent_id: String,
    /// Lowercase hyphenated UUID: the stored key.
    key: String,
    pan: Pan,
    at: DateTime<Utc>,
    basis: &'static str,
    adults: u32,
    children: u32,
}

fn guests(field: String, v: Option<i64>) -> Result<u32, OfflineError> {
    match v {
        None => Err(invalid(field, "required")),
        Some(n) if n < 0 => Err(invalid(field, "must be 0 or more")),
        Some(n) if n > MAX_GUESTS => Err(invalid(field, format!("at most {MAX_GUESTS}"))),
        Some(n) => Ok(n as u32),
    }
}

/// Every entry valid, or the first problem (its field named). Messages never echo a PAN.
fn validate(
    inputs: Vec<ReportEntryInput>,
    now: DateTime<Utc>,
    skew: Duration,
) -> Result<Vec<Entry>, OfflineError> {
    if inputs.len() > MAX_REPORT_ENTRIES {
        return Err(invalid(
            "entries",
            format!("at most {MAX_REPORT_ENTRIES} entries a request"),
        ));
    }
    let latest = now + skew;
    let mut out = Vec::with_capacity(inputs.len());
    for (idx, x) in inputs.into_iter().enumerate() {
        let f = |name: &str| format!("entries[{idx}].{name}");
        let sent_id = x
            .offline_id
            .ok_or_else(|| invalid(f("offlineId"), "required"))?;
        let key = uuid::Uuid::parse_str(sent_id.trim())
            .map_err(|_| invalid(f("offlineId"), "must be a UUID"))?
            .hyphenated()
            .to_string();
        let pan = x.pan.ok_or_else(|| invalid(f("pan"), "required"))?;
        let pan = Pan::parse(pan.trim()).map_err(|e| invalid(f("pan"), e.to_string()))?;
        let at = x
            .occurred_at
            .ok_or_else(|| invalid(f("occurredAt"), "required"))?;
        let at = DateTime::parse_from_rfc3339(at.trim())
            .map_err(|_| invalid(f("occurredAt"), "must be an RFC 3339 time"))?
            .with_timezone(&Utc);
        if at > latest {
            return Err(invalid(f("occurredAt"), "is in the future"));
        }
        let basis = match x.basis.as_deref().map(str::trim) {
            None => return Err(invalid(f("basis"), "required")),
            Some("BIN_RANGE") => "BIN_RANGE",
            Some("WHITELIST") => "WHITELIST",
            Some(_) => return Err(invalid(f("basis"), "one of BIN_RANGE, WHITELIST")),
        };
        let adults = guests(f("adultGuests"), x.adult_guests)?;
        let children = guests(f("childGuests"), x.child_guests)?;
        out.push(Entry {
            idx,
            sent_id,
            key,
            pan,
            at,
            basis,
            adults,
            children,
        });
    }
    Ok(out)
}

/// An entry decided in this request, as later entries of the request see it.
struct Decided {
    pan_hash: String,
    at: DateTime<Utc>,
    operation_id: String,
    over_limit: bool,
    record: Option<UsageRecord>,
}

/// `POST /pos/offline_reports`: store the entries (all or none), one result per entry in
/// request order.
pub async fn report(
    b: &Backend,
    t: &TerminalRef,
    inputs: Vec<ReportEntryInput>,
) -> Result<Vec<ReportResult>, OfflineError> {
    let now = b.clock.now();
    let entries = validate(inputs, now, Duration::seconds(b.settings.jwt_skew_secs))?;
    if entries.is_empty() {
        return Ok(vec![]);
    }
    let location = location_of(b, t).await?;
    for attempt in 1..=ATTEMPTS {
        // The last attempts decide under the terminal's lock: they cannot lose to another
        // report of the same terminal.
        let locked = attempt > OPTIMISTIC_ATTEMPTS;
        match try_report(b, t, location.as_ref(), &entries, now, locked).await? {
            Some(results) => return Ok(results),
            None => {
                tracing::debug!(attempt, "offline report raced another; deciding again");
                let pause = 5 * attempt as u64 + rand::random::<u64>() % 10;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
        }
    }
    Err(OfflineError::Contended)
}

type Stored = HashMap<String, (String, bool)>;

/// Offline id → (operation id, over limit) of the entries already stored.
async fn stored<C: sea_orm::ConnectionTrait>(db: &C, keys: &[String]) -> ServiceResult<Stored> {
    Ok(store::by_offline_ids(db, keys)
        .await?
        .into_iter()
        .filter_map(|o| Some((o.offline_id?, (o.id, o.over_limit))))
        .collect())
}

/// The rows of the entries not stored yet (first occurrence of each id, decided in time
/// order and sorted by id) and their results.
async fn plan<C: sea_orm::ConnectionTrait>(
    b: &Backend,
    db: &C,
    t: &TerminalRef,
    location: Option<&locations::Model>,
    entries: &[Entry],
    known: &Stored,
    now: DateTime<Utc>,
) -> ServiceResult<(Vec<operations::ActiveModel>, Stored)> {
    let mut seen = HashSet::new();
    let mut new: Vec<&Entry> = entries
        .iter()
        .filter(|e| !known.contains_key(&e.key) && seen.insert(e.key.as_str()))
        .collect();
    new.sort_by_key(|e| (e.at, e.idx));
    let info = match location {
        Some(l) => Some((l, location_info(l)?)),
        None => None,
    };
    let mut decided: Vec<Decided> = Vec::with_capacity(new.len());
    let mut rows = Vec::with_capacity(new.len());
    let mut fresh = Stored::new();
    for e in new {
        let at = info.as_ref().map(|(l, i)| (*l, i));
        let (row, d) = decide_entry(b, db, t, at, e, now, &decided).await?;
        fresh.insert(e.key.clone(), (d.operation_id.clone(), d.over_limit));
        decided.push(d);
        rows.push((e.key.as_str(), row));
    }
    // Inserted in key order: two requests with shared entries then take the unique index's
    // entries in the same order, so they wait for each other instead of deadlocking.
    rows.sort_by(|a, b| a.0.cmp(b.0));
    Ok((rows.into_iter().map(|(_, r)| r).collect(), fresh))
}

/// One attempt; `None` when a concurrent request stored some of the same entries meanwhile.
///
/// Optimistic (`locked: false`): decide outside the transaction (reads only), then lock the
/// terminal, check that no entry was stored meanwhile, and insert — a short write transaction
/// (on SQLite the single writer is not held while deciding). Locked: lock first, then decide
/// and insert in the same transaction, so reports of the same terminal cannot race it.
async fn try_report(
    b: &Backend,
    t: &TerminalRef,
    location: Option<&locations::Model>,
    entries: &[Entry],
    now: DateTime<Utc>,
    locked: bool,
) -> Result<Option<Vec<ReportResult>>, OfflineError> {
    let now_ms = now.timestamp_millis();
    let mut keys: Vec<String> = entries.iter().map(|e| e.key.clone()).collect();
    keys.sort_unstable();
    keys.dedup();

    let early = if locked {
        None
    } else {
        let known = stored(&b.db, &keys).await?;
        let planned = plan(b, &b.db, t, location, entries, &known, now).await?;
        Some((known, planned))
    };
    let txn = b.db.begin().await?;
    if !store::lock_terminal(&txn, &t.id).await? {
        return Err(ServiceError::Internal(format!("terminal {} is gone", t.id)).into());
    }
    let known_now = stored(&txn, &keys).await?;
    let (known, (rows, fresh)) = match early {
        Some((known, _)) if known.len() != known_now.len() => {
            txn.rollback().await?;
            return Ok(None);
        }
        Some(early) => early,
        None => {
            let planned = plan(b, &txn, t, location, entries, &known_now, now).await?;
            (known_now, planned)
        }
    };
    if !rows.is_empty() {
        match store::insert_operations(&txn, rows).await {
            Ok(_) => {}
            Err(e) if raced(&e) => {
                tracing::debug!(error = %e, "offline report collided with another");
                txn.rollback().await?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        }
    }
    txn.commit().await?;
    if !fresh.is_empty() {
        if let Err(e) =
            super::terminals::event(&b.db, &t.id, "offline_entries_reported", None, now_ms).await
        {
            tracing::warn!(error = %e, "terminal event not recorded");
        }
    }

    let mut firsts = HashSet::new();
    let mut results = Vec::with_capacity(entries.len());
    for e in entries {
        let (status, (id, over)) = match (known.get(&e.key), fresh.get(&e.key)) {
            (Some(k), _) => (ReportStatus::Duplicate, k.clone()),
            (None, Some(f)) if firsts.insert(e.key.as_str()) => (ReportStatus::Recorded, f.clone()),
            (None, Some(f)) => (ReportStatus::Duplicate, f.clone()),
            (None, None) => {
                return Err(ServiceError::Internal(format!(
                    "offline entry {} neither stored nor decided",
                    e.idx
                ))
                .into())
            }
        };
        results.push(ReportResult {
            offline_id: e.sent_id.clone(),
            status,
            operation_id: id,
            over_limit: over,
        });
    }
    Ok(Some(results))
}

/// A write that lost to a concurrent report: the same `offline_id` stored meanwhile, or the
/// database breaking a lock cycle / busy wait. Deciding again is safe.
fn raced(e: &sea_orm::DbErr) -> bool {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        return true;
    }
    let m = e.to_string();
    m.contains("deadlock detected")
        || m.contains("could not serialize access")
        || m.contains("database is locked")
}

/// Free before paid up to what is available; the rest paid (an offline entry may have let in
/// more guests than the rules allow — `over` tells).
fn lenient_split(n: u32, a: &access_core::domain::GuestAllowance) -> (u32, u32) {
    let free = n.min(a.free_available.unwrap_or(u32::MAX));
    (free, n - free)
}

/// What the rules say about one offline entry.
struct Judgement {
    over_limit: bool,
    /// Why the rules would not have admitted it (kept on the COMPLETED row).
    breach: Option<RejectCode>,
    ruleset: Option<(uuid::Uuid, Option<u32>)>,
    grant: Option<Grant>,
    cardholder_paid: bool,
    guests: GuestCounts,
}

/// The engine's verdict on an entry as of its time (see the module docs).
async fn judge<C: sea_orm::ConnectionTrait>(
    db: &C,
    loc: &locations::Model,
    e: &Entry,
    pan_hash: &str,
    now_ms: i64,
    earlier: &[Decided],
    op: &mut operations::ActiveModel,
) -> ServiceResult<Judgement> {
    let mut facts = gather_as_of(db, &e.pan, pan_hash, loc, e.at, now_ms).await?;
    if let Some(card) = &facts.card {
        op.ica = Set(Some(card.ica.clone()));
        op.ica_name = Set(Some(card.issuer_name.clone()));
        op.product_code = Set(Some(card.product_code.clone()));
    }
    // Open online grants reserve their entry (they count) but cannot block an entry that
    // already happened.
    for h in facts.history.iter_mut() {
        if h.status == OperationStatus::Pending {
            h.status = OperationStatus::Completed;
        }
    }
    for d in earlier.iter().filter(|d| d.pan_hash == pan_hash) {
        facts.history.extend(d.record.clone());
    }
    for u in facts.usage.iter_mut() {
        let more = earlier
            .iter()
            .filter_map(|d| d.record.as_ref())
            .filter(|r| r.ruleset_id == Some(u.ruleset_id))
            .filter(|r| u.counted_since.is_none_or(|s| r.occurred_at >= s))
            .count();
        u.count = u.count.saturating_add(more.min(u32::MAX as usize) as u32);
    }

    let (mut decision, _) = decide_on(&facts, e.at);
    let mut breach = None;
    if decision.reject_code() == Some(RejectCode::CooldownActive) {
        // Which ruleset the entry counts under: decide again without the cooldown.
        breach = Some(RejectCode::CooldownActive);
        facts.location.cooldown_minutes = None;
        decision = decide_on(&facts, e.at).0;
    }
    let all_free = GuestCounts {
        free_adults: e.adults,
        paid_adults: 0,
        free_children: e.children,
        paid_children: 0,
    };
    Ok(match decision {
        Decision::Grant(g) => {
            let (too_many, guests) = guests_of(&g, e.adults, e.children);
            Judgement {
                over_limit: breach.is_some() || too_many,
                breach,
                ruleset: Some((g.ruleset_id, Some(g.ruleset_version))),
                cardholder_paid: g.cardholder_paid,
                grant: Some(g),
                guests,
            }
        }
        Decision::Reject {
            code, ruleset_id, ..
        } => {
            let version = |id: uuid::Uuid| {
                facts
                    .index
                    .rulesets()
                    .iter()
                    .filter(|r| r.id == id)
                    .map(|r| r.version)
                    .max()
            };
            Judgement {
                over_limit: true,
                breach: Some(breach.unwrap_or(code)),
                ruleset: ruleset_id.map(|id| (id, version(id))),
                grant: None,
                cardholder_paid: false,
                guests: all_free,
            }
        }
    })
}

/// The operation row of one new entry and how later entries of the request see it.
async fn decide_entry<C: sea_orm::ConnectionTrait>(
    b: &Backend,
    db: &C,
    t: &TerminalRef,
    location: Option<(&locations::Model, &LocationInfo)>,
    e: &Entry,
    now: DateTime<Utc>,
    earlier: &[Decided],
) -> ServiceResult<(operations::ActiveModel, Decided)> {
    let now_ms = now.timestamp_millis();
    let pan_hash = b.keys.pan_hash(e.pan.digits());
    let operation_id = uuid::Uuid::new_v4().to_string();
    let loc = location.map(|(l, _)| l);
    let mut op = operations::ActiveModel {
        id: Set(operation_id.clone()),
        op_type: Set("OFFLINE".into()),
        status: Set("COMPLETED".into()),
        pan_hash: Set(pan_hash.clone()),
        masked_pan: Set(e.pan.masked()),
        bin: Set(e.pan.bin(6).to_owned()),
        last4: Set(e.pan.last4().to_owned()),
        terminal_id: Set(Some(t.id.clone())),
        terminal_serial: Set(Some(t.serial.clone())),
        location_id: Set(loc.map(|l| l.id.clone())),
        location_name: Set(loc.map(|l| l.name.clone())),
        service_code: Set(loc.map(|l| l.service_code.clone())),
        country: Set(loc.map(|l| l.country.clone())),
        ica: Set(None),
        ica_name: Set(None),
        product_code: Set(None),
        entry_mode: Set(OFFLINE_ENTRY_MODE.into()),
        ruleset_id: Set(None),
        ruleset_version: Set(None),
        reject_code: Set(None),
        card_auth_response_code: Set(None),
        cardholder_paid: Set(false),
        cardholder_price_minor: Set(None),
        free_entry: Set(true),
        currency: Set(None),
        free_adult_guests: Set(e.adults as i32),
        paid_adult_guests: Set(0),
        free_child_guests: Set(e.children as i32),
        paid_child_guests: Set(0),
        total_minor: Set(0),
        over_limit: Set(true),
        offline_id: Set(Some(e.key.clone())),
        offline_basis: Set(Some(e.basis.into())),
        expires_at: Set(None),
        requested_at: Set(now_ms),
        occurred_at: Set(e.at.timestamp_millis()),
        confirmed_at: Set(Some(now_ms)),
        updated_at: Set(now_ms),
        reversed_at: Set(None),
        reversed_by: Set(None),
        reversal_reason: Set(None),
        decision_json: Set(None),
        confirm_claim: Set(None),
        reserved_guests: Set(0),
        amounts: Set(None),
        offline_policy_breach: Set(None),
    };
    let Some((loc, info)) = location else {
        // A terminal without a location: nothing covers the entry; it is kept, flagged.
        op.reject_code = Set(Some(RejectCode::UnknownDevice.as_str().into()));
        let d = Decided {
            pan_hash,
            at: e.at,
            operation_id,
            over_limit: true,
            record: None,
        };
        return Ok((op, d));
    };

    let j = judge(db, loc, e, &pan_hash, now_ms, earlier, &mut op).await?;
    let breach = policy_breach(db, loc, e, &pan_hash, earlier).await?;
    let over_limit = j.over_limit || breach.is_some();
    op.over_limit = Set(over_limit);
    op.offline_policy_breach = Set(breach.map(|b| b.as_str().to_owned()));
    op.reject_code = Set(j.breach.map(|c| c.as_str().to_owned()));
    op.ruleset_id = Set(j.ruleset.map(|(id, _)| id.to_string()));
    op.ruleset_version = Set(j.ruleset.and_then(|(_, v)| v).map(|v| v as i32));
    op.cardholder_paid = Set(j.cardholder_paid);
    op.free_entry = Set(!j.cardholder_paid);
    op.free_adult_guests = Set(j.guests.free_adults as i32);
    op.paid_adult_guests = Set(j.guests.paid_adults as i32);
    op.free_child_guests = Set(j.guests.free_children as i32);
    op.paid_child_guests = Set(j.guests.paid_children as i32);
    if let Some(g) = &j.grant {
        op.currency = Set(Some(g.currency.code().to_owned()));
        op.cardholder_price_minor = Set(g
            .cardholder_price
            .filter(|_| g.cardholder_paid)
            .map(|p| p.minor()));
        op.decision_json = Set(Some(
            serde_json::to_string(g).map_err(|e| ServiceError::Internal(e.to_string()))?,
        ));
    }
    let record = UsageRecord {
        ruleset_id: j.ruleset.map(|(id, _)| id),
        location_id: info.id,
        occurred_at: e.at,
        status: OperationStatus::Completed,
        expires_at: None,
        cardholder_paid: j.cardholder_paid,
        guests: j.guests,
    };
    let d = Decided {
        pan_hash,
        at: e.at,
        operation_id,
        over_limit,
        record: Some(record),
    };
    Ok((op, d))
}

/// How an offline entry breached its location's offline policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyBreach {
    /// Offline entries are not allowed at the location (the terminal admitted from a list it
    /// kept from before the switch, or ignored the empty one).
    OfflineDisabled,
    /// The card already had the location's daily number of offline entries there that day.
    DailyLimit,
}

impl PolicyBreach {
    /// As stored in `operations.offline_policy_breach`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PolicyBreach::OfflineDisabled => "OFFLINE_DISABLED",
            PolicyBreach::DailyLimit => "DAILY_LIMIT",
        }
    }
}

/// The UTC day `[start, end)` of `at`, in epoch ms. (The day of the per-card limit is the UTC
/// day; locations' own time zones are not applied to it yet.)
fn utc_day_ms(at: DateTime<Utc>) -> (i64, i64) {
    let start = at
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or_else(|| at.timestamp_millis());
    (start, start + 86_400_000)
}

/// The location's offline policy against one entry: off → `OfflineDisabled`; with a daily
/// limit, the card's offline entries at the location that UTC day (stored ones that were not
/// reversed, and the earlier ones of this request) already at the limit → `DailyLimit`.
async fn policy_breach<C: sea_orm::ConnectionTrait>(
    db: &C,
    loc: &locations::Model,
    e: &Entry,
    pan_hash: &str,
    earlier: &[Decided],
) -> ServiceResult<Option<PolicyBreach>> {
    if !loc.offline_allowed {
        return Ok(Some(PolicyBreach::OfflineDisabled));
    }
    let Some(max) = loc.offline_max_per_card_per_day else {
        return Ok(None);
    };
    let (from, until) = utc_day_ms(e.at);
    let stored = store::offline_entries_of_card(db, pan_hash, &loc.id, from, until).await?;
    let in_request = earlier
        .iter()
        .filter(|d| d.pan_hash == pan_hash && d.record.is_some())
        .filter(|d| (from..until).contains(&d.at.timestamp_millis()))
        .count() as u64;
    Ok((stored + in_request >= max.max(0) as u64).then_some(PolicyBreach::DailyLimit))
}

/// The guests split as the grant allows; `true` when they exceed it (then split leniently).
fn guests_of(g: &Grant, adults: u32, children: u32) -> (bool, GuestCounts) {
    match confirm_guests(g, adults, children) {
        Ok(s) => (
            false,
            GuestCounts {
                free_adults: s.free_adults,
                paid_adults: s.paid_adults,
                free_children: s.free_children,
                paid_children: s.paid_children,
            },
        ),
        Err(_) => {
            let (free_adults, paid_adults) = lenient_split(adults, &g.adults);
            let (free_children, paid_children) = lenient_split(children, &g.children);
            (
                true,
                GuestCounts {
                    free_adults,
                    paid_adults,
                    free_children,
                    paid_children,
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitelist_hashes_are_sorted_distinct_and_well_formed() {
        let a = "a".repeat(64);
        let b = "0".repeat(63) + "f";
        let joined = format!("{a},{b},{a},NOT-A-HASH,{},", "A".repeat(64));
        let h = WhitelistHashes::from_joined(&joined);
        assert_eq!(h.len(), 2);
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            vec![b.as_bytes(), a.as_bytes()]
        );
        let parsed: Vec<String> = serde_json::from_slice(&h.json_array()).unwrap();
        assert_eq!(parsed, vec![b, a]);
        let empty = WhitelistHashes::from_joined("");
        assert!(empty.is_empty());
        assert_eq!(&empty.json_array()[..], b"[]");
        assert_eq!(empty, WhitelistHashes::default());
    }

    #[test]
    fn ranges_merge_where_they_overlap_or_touch() {
        assert_eq!(
            merge(vec![
                (54123400, 54123499),
                (54123450, 54123599),
                (54123600, 54123699),
                (22210000, 22210099),
                (51051000, 51051099),
            ]),
            vec![
                (22210000, 22210099),
                (51051000, 51051099),
                (54123400, 54123699)
            ]
        );
        assert_eq!(merge(vec![(10, 20), (12, 15)]), vec![(10, 20)]);
        assert_eq!(merge(vec![(10, 20), (22, 30)]), vec![(10, 20), (22, 30)]);
    }

    #[test]
    fn ranges_are_written_with_6_digits_when_whole_bins_else_8() {
        assert_eq!(
            wire_range(51051000, 51051099),
            ("510510".into(), "510510".into())
        );
        assert_eq!(
            wire_range(54123400, 54123499),
            ("541234".into(), "541234".into())
        );
        assert_eq!(
            wire_range(54123450, 54123599),
            ("54123450".into(), "54123599".into())
        );
        assert_eq!(
            wire_range(4000000, 4009999),
            ("040000".into(), "040099".into())
        );
    }

    fn input(i: usize) -> ReportEntryInput {
        ReportEntryInput {
            offline_id: Some(uuid::Uuid::new_v4().to_string()),
            pan: Some("5412345678901232".into()),
            occurred_at: Some(format!("2026-11-22T09:{:02}:00Z", i % 60)),
            basis: Some("BIN_RANGE".into()),
            adult_guests: Some(0),
            child_guests: Some(1),
        }
    }

    fn field_of(r: Result<Vec<Entry>, OfflineError>) -> String {
        match r {
            Err(OfflineError::Invalid { field, .. }) => field,
            Err(e) => panic!("{e}"),
            Ok(_) => "ok".into(),
        }
    }

    #[test]
    fn validation_names_the_field_and_never_echoes_the_pan() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 22, 10, 0, 0).unwrap();
        let skew = Duration::seconds(60);
        let ok: Vec<_> = (0..3).map(input).collect();
        assert_eq!(validate(ok.clone(), now, skew).unwrap().len(), 3);

        let mut bad = ok.clone();
        bad[2].pan = Some("5412345678901234".into());
        let err = validate(bad, now, skew).err().unwrap().to_string();
        assert!(err.starts_with("entries[2].pan:"), "{err}");
        assert!(!err.contains("5412345678901234"), "{err}");

        let mut late = ok.clone();
        late[1].occurred_at = Some("2026-11-22T10:00:59Z".into());
        assert_eq!(field_of(validate(late.clone(), now, skew)), "ok");
        late[1].occurred_at = Some("2026-11-22T10:01:01Z".into());
        assert_eq!(field_of(validate(late, now, skew)), "entries[1].occurredAt");

        let mut neg = ok.clone();
        neg[0].child_guests = Some(-1);
        assert_eq!(field_of(validate(neg, now, skew)), "entries[0].childGuests");
        let mut basis = ok.clone();
        basis[1].basis = Some("HUNCH".into());
        assert_eq!(field_of(validate(basis, now, skew)), "entries[1].basis");
        let mut id = ok.clone();
        id[0].offline_id = Some("not-a-uuid".into());
        assert_eq!(field_of(validate(id, now, skew)), "entries[0].offlineId");
        let mut missing = ok;
        missing[0].adult_guests = None;
        assert_eq!(
            field_of(validate(missing, now, skew)),
            "entries[0].adultGuests"
        );

        let many: Vec<_> = (0..=MAX_REPORT_ENTRIES).map(input).collect();
        assert_eq!(field_of(validate(many, now, skew)), "entries");
    }

    #[test]
    fn etag_depends_on_content_only() {
        let a = etag("pans", ["a".to_string(), "b".to_string()].into_iter());
        let b = etag("pans", ["a".to_string(), "b".to_string()].into_iter());
        let c = etag("pans", ["a".to_string()].into_iter());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("\"pans-") && a.ends_with('"'));
    }
}
