//! The enrolment feed (MRS, seed: "Card Enrollment Verification"): which cards are enrolled,
//! so that "enrolled cards only" rulesets, the Enrolled cards screen and the offline whitelist
//! see them. Enrolments arrive by a JSON batch, a CSV import or the MRS pull adapter; all three
//! are checked and stored by the same code, all or nothing per request.
//!
//! CSV: `pan,aref,enrolled_at[,product_code][,ica][,status][,unenrolled_at]` (header optional,
//! see [`super::feed_csv`]).
//!
//! * `pan`: 12–19 digits passing Luhn; stored only as its keyed hashes and masked form.
//! * `aref`: MRS's account reference, 1–64 printable characters: one AREF is one enrolment.
//!   A resend of an AREF with the same values changes nothing (`unchanged`); other values
//!   update the enrolment (and its history).
//! * `enrolled_at`, `unenrolled_at`: `YYYY-MM-DD` (UTC midnight) or an instant (RFC 3339,
//!   `YYYY-MM-DD HH:MM:SS` UTC).
//! * `product_code` (3 letters) and `ica` (1–11 digits) default to the card's BIN table entry.
//! * `status`: `enrolled` (default) or `unenrolled`; `unenrolled` needs `unenrolled_at` (an
//!   `unenrolled_at` alone means unenrolled). An unenrolled card keeps its row for history.
//!
//! An Issuer may feed and unenrol its own ICAs' cards only; Admin any.

use super::super::entity::{enrolled_cards, enrolment_events};
use super::super::error::{ServiceError, ServiceResult};
use super::super::{audit, repo, Backend, Principal};
use super::feed_csv::{nonempty, parse_instant, Layout, TIME_FORMAT};
use access_core::domain::{BinRange, Pan};
pub use access_core::model::EnrolmentImportReport;
use access_core::model::{Capability, FieldError, Role};
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Rows (CSV lines or batch items) per request.
pub const MAX_ROWS: usize = 100_000;
/// Problems listed in one answer; checking stops there.
pub const MAX_ERRORS: usize = 100;
const MAX_AREF: usize = 64;

const CSV: Layout = Layout {
    columns: &[
        "pan",
        "aref",
        "enrolled_at",
        "product_code",
        "ica",
        "status",
        "unenrolled_at",
    ],
    required: 3,
    max_rows: MAX_ROWS,
};

/// Where an enrolment came from (kept in the card's history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Api,
    Csv,
    Mrs,
    Panel,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Csv => "csv",
            Source::Mrs => "mrs",
            Source::Panel => "panel",
        }
    }
}

/// One enrolment as sent (JSON item, CSV line or MRS record), before checking.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewEnrolment {
    pub pan: String,
    pub aref: String,
    pub enrolled_at: String,
    #[serde(default)]
    pub product_code: Option<String>,
    #[serde(default)]
    pub ica: Option<String>,
    /// `enrolled` (default) or `unenrolled`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub unenrolled_at: Option<String>,
}

/// Never prints the card number.
impl fmt::Debug for NewEnrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewEnrolment")
            .field("pan", &"<redacted>")
            .field("aref", &self.aref)
            .field("enrolled_at", &self.enrolled_at)
            .field("product_code", &self.product_code)
            .field("ica", &self.ica)
            .field("status", &self.status)
            .field("unenrolled_at", &self.unenrolled_at)
            .finish()
    }
}

/// The REST body: `{"items": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnrolmentBatch {
    pub items: Vec<NewEnrolment>,
}

/// An enrolment that passed the row checks (`Pan` prints masked).
#[derive(Debug)]
struct Checked {
    field: String,
    pan: Pan,
    aref: String,
    enrolled_at: i64,
    product_code: Option<String>,
    ica: Option<String>,
    unenrolled_at: Option<i64>,
}

/// Import enrolments from CSV (see the module docs). All or nothing.
pub async fn import_csv(
    b: &Backend,
    p: &Principal,
    csv: &str,
) -> ServiceResult<EnrolmentImportReport> {
    p.require(Capability::CardsManage)?;
    let rows = parse_csv(csv, b.now_ms()).map_err(ServiceError::Validation)?;
    let report = store(b, p, rows, Source::Csv).await?;
    record(b, p, "enrolments.import", &report).await;
    Ok(report)
}

/// Store a batch of enrolments (the REST feed). All or nothing.
pub async fn create_batch(
    b: &Backend,
    p: &Principal,
    items: Vec<NewEnrolment>,
) -> ServiceResult<EnrolmentImportReport> {
    p.require(Capability::CardsManage)?;
    let rows = check_items(&items, b.now_ms()).map_err(ServiceError::Validation)?;
    let report = store(b, p, rows, Source::Api).await?;
    record(b, p, "enrolments.create", &report).await;
    Ok(report)
}

/// Apply enrolments pulled from MRS (no user: the platform's own feed).
pub async fn apply_pulled(
    b: &Backend,
    items: Vec<NewEnrolment>,
) -> ServiceResult<EnrolmentImportReport> {
    let rows = check_items(&items, b.now_ms()).map_err(ServiceError::Validation)?;
    let system = Principal {
        user_id: String::new(),
        email: "mrs".into(),
        role: Role::Admin,
        tenant_id: None,
        consent_ok: true,
    };
    store(b, &system, rows, Source::Mrs).await
}

/// Unenrol one card (the details page's "Unenrol", `DELETE /enrolled-cards/{id}`): the row and
/// its history stay. `at` defaults to now; unenrolling an unenrolled card changes nothing.
pub async fn unenrol(
    b: &Backend,
    p: &Principal,
    id: &str,
    at: Option<&str>,
) -> ServiceResult<EnrolmentImportReport> {
    let icas = manage_scope(b, p).await?;
    let now = b.now_ms();
    let at = match at.map(str::trim).filter(|s| !s.is_empty()) {
        None => now,
        Some(s) => parse_day_or_instant(s)
            .ok_or_else(|| ServiceError::field("unenrolled_at", &date_format()))?,
    };
    let txn = b.db.begin().await?;
    let card = repo::enrolled_cards::get(&txn, id)
        .await?
        .filter(|c| icas.as_ref().is_none_or(|i| i.contains(&c.ica)))
        .ok_or(ServiceError::NotFound)?;
    if card.status == enrolled_cards::UNENROLLED {
        return Ok(EnrolmentImportReport {
            unchanged: 1,
            ..Default::default()
        });
    }
    if at < card.enrolled_at {
        return Err(ServiceError::field(
            "unenrolled_at",
            "not before the enrolment date",
        ));
    }
    let card_id = card.id.clone();
    let mut row: enrolled_cards::ActiveModel = card.into();
    row.status = Set(enrolled_cards::UNENROLLED.into());
    row.unenrolled_at = Set(Some(at));
    row.updated_at = Set(now);
    row.update(&txn).await?;
    repo::enrolled_cards::insert_events(
        &txn,
        vec![event(
            &mut OrderedIds::new(now),
            &card_id,
            "UNENROLLED",
            at,
            now,
            Source::Panel,
            p,
        )],
    )
    .await?;
    txn.commit().await?;
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action: "enrolments.unenrol",
            target_type: Some("enrolled_card"),
            target_id: Some(id),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
    Ok(EnrolmentImportReport {
        unenrolled: 1,
        ..Default::default()
    })
}

/// `None` = every ICA (Admin); `Some(icas)` = an issuer's own.
async fn manage_scope(b: &Backend, p: &Principal) -> ServiceResult<Option<Vec<String>>> {
    let scope = p.require(Capability::CardsManage)?;
    Ok(match p.scope_tenant(scope)? {
        None => None,
        Some(t) => Some(repo::tenants::icas(&b.db, t).await?),
    })
}

fn date_format() -> String {
    format!("YYYY-MM-DD, or {TIME_FORMAT}")
}

/// `YYYY-MM-DD` as UTC midnight, or an instant.
fn parse_day_or_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
    }
    parse_instant(s)
}

fn check_items(items: &[NewEnrolment], now_ms: i64) -> Result<Vec<Checked>, Vec<FieldError>> {
    if items.is_empty() {
        return Err(vec![FieldError::new("items", "at least one enrolment")]);
    }
    if items.len() > MAX_ROWS {
        return Err(vec![FieldError::new(
            "items",
            format!("at most {MAX_ROWS} enrolments per request"),
        )]);
    }
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        if let Some(c) = check(format!("items[{i}]"), t, now_ms, &mut errors) {
            rows.push(c);
        }
    }
    finish(rows, errors)
}

fn parse_csv(csv: &str, now_ms: i64) -> Result<Vec<Checked>, Vec<FieldError>> {
    let lines = CSV.read(csv)?;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(lines.len());
    for line in lines {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let mut line = match line {
            Ok(l) => l,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let t = NewEnrolment {
            pan: line.take(0).unwrap_or_default(),
            aref: line.take(1).unwrap_or_default(),
            enrolled_at: line.take(2).unwrap_or_default(),
            product_code: line.take(3),
            ica: line.take(4),
            status: line.take(5),
            unenrolled_at: line.take(6),
        };
        if let Some(c) = check(format!("line[{}]", line.line), &t, now_ms, &mut errors) {
            rows.push(c);
        }
    }
    finish(rows, errors)
}

/// A repeated AREF or PAN within one request is refused: which line wins would be a guess.
fn finish(
    rows: Vec<Checked>,
    mut errors: Vec<FieldError>,
) -> Result<Vec<Checked>, Vec<FieldError>> {
    let mut arefs = HashSet::with_capacity(rows.len());
    let mut pans = HashSet::with_capacity(rows.len());
    for r in &rows {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        if !arefs.insert(r.aref.as_str()) {
            errors.push(FieldError::new(
                format!("{}.aref", r.field),
                "repeated in this request",
            ));
        }
        if !pans.insert(r.pan.digits()) {
            errors.push(FieldError::new(
                format!("{}.pan", r.field),
                "repeated in this request",
            ));
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.truncate(MAX_ERRORS);
        Err(errors)
    }
}

/// Checks one enrolment; problems go to `errors` named `{prefix}.{field}`.
fn check(
    prefix: String,
    t: &NewEnrolment,
    now_ms: i64,
    errors: &mut Vec<FieldError>,
) -> Option<Checked> {
    let before = errors.len();
    let mut err = |field: &str, message: &str| {
        errors.push(FieldError::new(format!("{prefix}.{field}"), message));
    };
    // `PanError` messages never contain the digits.
    let pan = Pan::parse(t.pan.trim())
        .map_err(|e| err("pan", &e.to_string()))
        .ok();
    let aref = t.aref.trim();
    if aref.is_empty() || aref.chars().count() > MAX_AREF || aref.chars().any(|c| c.is_control()) {
        err("aref", "1 to 64 printable characters");
    }
    let enrolled_at = match parse_day_or_instant(&t.enrolled_at) {
        Some(at) if at > now_ms + 86_400_000 => {
            err("enrolled_at", "not in the future");
            None
        }
        Some(at) => Some(at),
        None => {
            err("enrolled_at", &date_format());
            None
        }
    };
    let product_code = nonempty(&t.product_code).map(str::to_uppercase);
    if product_code
        .as_ref()
        .is_some_and(|p| p.len() != 3 || !p.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        err("product_code", "3 letters, e.g. MCW");
    }
    let ica = nonempty(&t.ica).map(str::to_owned);
    if ica
        .as_ref()
        .is_some_and(|i| i.len() > 11 || !i.bytes().all(|b| b.is_ascii_digit()))
    {
        err("ica", "1 to 11 digits");
    }
    let unenrolled_at = match (
        nonempty(&t.status).map(str::to_ascii_lowercase).as_deref(),
        nonempty(&t.unenrolled_at),
    ) {
        (None | Some("enrolled"), None) => None,
        (Some("enrolled"), Some(_)) => {
            err("unenrolled_at", "only with status unenrolled");
            None
        }
        (None | Some("unenrolled"), Some(s)) => match parse_day_or_instant(s) {
            Some(at) if enrolled_at.is_some_and(|e| at < e) => {
                err("unenrolled_at", "not before enrolled_at");
                None
            }
            Some(at) => Some(at),
            None => {
                err("unenrolled_at", &date_format());
                None
            }
        },
        (Some("unenrolled"), None) => {
            err("unenrolled_at", "the unenrolment date is required");
            None
        }
        (Some(_), _) => {
            err("status", "enrolled or unenrolled");
            None
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(Checked {
        field: prefix,
        pan: pan?,
        aref: aref.to_owned(),
        enrolled_at: enrolled_at?,
        product_code,
        ica,
        unenrolled_at,
    })
}

/// The narrowest BIN-table range holding the card, as (ICA, product) — the same choice as
/// the decision's card profile.
fn from_bin_table(table: &[(BinRange, String)], pan: &Pan) -> Option<(String, String)> {
    let p8 = pan.bin(8.min(pan.digits().len()));
    table
        .iter()
        .filter(|(r, _)| r.contains_bin(p8))
        .min_by_key(|(r, _)| r.width())
        .map(|(r, product)| (r.ica.clone(), product.clone()))
}

/// Resolves, scopes and stores the checked rows in one transaction.
async fn store(
    b: &Backend,
    p: &Principal,
    rows: Vec<Checked>,
    source: Source,
) -> ServiceResult<EnrolmentImportReport> {
    let icas = manage_scope(b, p).await?;
    let now = b.now_ms();
    let table: Vec<(BinRange, String)> = repo::card_facts::bin_table(&b.db)
        .await?
        .into_iter()
        .map(|r| {
            (
                BinRange {
                    ica: r.ica,
                    from: r.bin_from,
                    to: r.bin_to,
                },
                r.product_code,
            )
        })
        .collect();
    // ICA and product: as sent, else from the BIN table; then the caller's scope.
    let mut errors = Vec::new();
    let mut resolved = Vec::with_capacity(rows.len());
    for r in rows {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let known = if r.ica.is_none() || r.product_code.is_none() {
            from_bin_table(&table, &r.pan)
        } else {
            None
        };
        let ica = r
            .ica
            .clone()
            .or_else(|| known.as_ref().map(|k| k.0.clone()));
        let product = r
            .product_code
            .clone()
            .or_else(|| known.as_ref().map(|k| k.1.clone()));
        match (ica, product) {
            (Some(ica), Some(product)) => {
                if icas.as_ref().is_some_and(|own| !own.contains(&ica)) {
                    errors.push(FieldError::new(
                        format!("{}.ica", r.field),
                        "not one of your organisation's ICAs",
                    ));
                } else {
                    resolved.push((r, ica, product));
                }
            }
            _ => errors.push(FieldError::new(
                format!("{}.ica", r.field),
                "the card's BIN is not in the BIN table: give ica and product_code",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }

    // The keyed hashes, then every row in PAN-hash order: the lookups below read the unique
    // indexes in order, and the new rows (with time-ordered ids, see [`OrderedIds`]) are
    // written to every index in order — a random order made each insert touch another
    // B-tree page once the table outgrew the page cache.
    let mut rows: Vec<Resolved> = resolved
        .into_iter()
        .enumerate()
        .map(|(pos, (r, ica, product))| Resolved {
            pos,
            pan_hash: b.keys.pan_hash(r.pan.digits()),
            whitelist_hash: b.keys.whitelist_hash(r.pan.digits()),
            r,
            ica,
            product,
        })
        .collect();
    rows.sort_unstable_by(|a, b| a.pan_hash.cmp(&b.pan_hash));

    let txn = b.db.begin().await?;
    let existing: HashMap<String, enrolled_cards::Model> = {
        let mut arefs: Vec<&str> = rows.iter().map(|x| x.r.aref.as_str()).collect();
        arefs.sort_unstable();
        repo::enrolled_cards::by_arefs(&txn, &arefs)
            .await?
            .into_iter()
            .map(|c| (c.aref.clone(), c))
            .collect()
    };
    // A card (PAN) is enrolled under one AREF: another AREF for a stored card is refused.
    let owners: HashMap<String, String> = repo::enrolled_cards::arefs_of_pan_hashes(
        &txn,
        &rows.iter().map(|x| x.pan_hash.as_str()).collect::<Vec<_>>(),
    )
    .await?
    .into_iter()
    .collect();
    let mut report = EnrolmentImportReport::default();
    let mut ids = OrderedIds::new(now);
    let mut inserts = Vec::new();
    let mut events = Vec::new();
    // (position in the request, error): reported in request order.
    let mut refused: Vec<(usize, FieldError)> = Vec::new();
    for x in rows {
        let Resolved {
            pos,
            r,
            ica,
            product,
            pan_hash,
            whitelist_hash,
        } = x;
        if owners.get(&pan_hash).is_some_and(|a| *a != r.aref) {
            refused.push((
                pos,
                FieldError::new(
                    format!("{}.pan", r.field),
                    "this card is enrolled under another AREF",
                ),
            ));
            continue;
        }
        if !refused.is_empty() {
            // Nothing is stored: only the remaining problems matter.
            continue;
        }
        let status = if r.unenrolled_at.is_some() {
            enrolled_cards::UNENROLLED
        } else {
            enrolled_cards::ENROLLED
        };
        let Some(old) = existing.get(&r.aref) else {
            let id = ids.next_id();
            events.push(event(
                &mut ids,
                &id,
                "ENROLLED",
                r.enrolled_at,
                now,
                source,
                p,
            ));
            if let Some(at) = r.unenrolled_at {
                events.push(event(&mut ids, &id, "UNENROLLED", at, now, source, p));
                report.unenrolled += 1;
            } else {
                report.enrolled += 1;
            }
            inserts.push(enrolled_cards::Model {
                id,
                pan_hash,
                whitelist_hash,
                masked_pan: r.pan.masked(),
                bin: r.pan.bin(6).to_owned(),
                last4: r.pan.last4().to_owned(),
                aref: r.aref,
                ica,
                product_code: product,
                enrolled_at: r.enrolled_at,
                created_at: now,
                status: status.into(),
                unenrolled_at: r.unenrolled_at,
                updated_at: now,
            });
            continue;
        };
        let same = old.pan_hash == pan_hash
            && old.ica == ica
            && old.product_code == product
            && old.enrolled_at == r.enrolled_at
            && old.status == status
            && old.unenrolled_at == r.unenrolled_at;
        if same {
            report.unchanged += 1;
            continue;
        }
        let (kind, at) = match (old.status.as_str(), status) {
            (enrolled_cards::ENROLLED, enrolled_cards::UNENROLLED) => {
                report.unenrolled += 1;
                ("UNENROLLED", r.unenrolled_at.unwrap_or(now))
            }
            (enrolled_cards::UNENROLLED, enrolled_cards::ENROLLED) => {
                report.enrolled += 1;
                ("REENROLLED", r.enrolled_at)
            }
            _ => {
                report.updated += 1;
                ("UPDATED", now)
            }
        };
        events.push(event(&mut ids, &old.id, kind, at, now, source, p));
        let mut row: enrolled_cards::ActiveModel = old.clone().into();
        row.pan_hash = Set(pan_hash);
        row.whitelist_hash = Set(whitelist_hash);
        row.masked_pan = Set(r.pan.masked());
        row.bin = Set(r.pan.bin(6).to_owned());
        row.last4 = Set(r.pan.last4().to_owned());
        row.ica = Set(ica);
        row.product_code = Set(product);
        row.enrolled_at = Set(r.enrolled_at);
        row.status = Set(status.into());
        row.unenrolled_at = Set(r.unenrolled_at);
        row.updated_at = Set(now);
        row.update(&txn).await?;
    }
    if !refused.is_empty() {
        refused.sort_unstable_by_key(|(pos, _)| *pos);
        let errors: Vec<FieldError> = refused
            .into_iter()
            .take(MAX_ERRORS)
            .map(|(_, e)| e)
            .collect();
        return Err(ServiceError::Validation(errors));
    }
    repo::enrolled_cards::insert_many(&txn, inserts)
        .await
        .map_err(conflict)?;
    repo::enrolled_cards::insert_events(&txn, events).await?;
    txn.commit().await.map_err(conflict)?;
    Ok(report)
}

/// A checked row with its ICA and product resolved and its keyed hashes.
struct Resolved {
    /// Position in the request (errors are reported in request order).
    pos: usize,
    r: Checked,
    ica: String,
    product: String,
    pan_hash: String,
    whitelist_hash: String,
}

/// Time-ordered ids for the rows of one request: UUID version 7 (the millisecond first, so
/// later requests sort after earlier ones), counting up from a random start within the
/// request. Text ids of random UUIDs scattered every insert over the primary key's and the
/// history's B-trees.
struct OrderedIds {
    ms: u64,
    /// The 12 bits after the version, random per request.
    rand_a: u16,
    /// The low 62 bits: random start, below 2^61 so counting up never wraps.
    next: u64,
}

impl OrderedIds {
    fn new(now_ms: i64) -> Self {
        Self {
            ms: now_ms.max(0) as u64,
            rand_a: rand::random::<u16>() & 0x0fff,
            next: rand::random::<u64>() >> 3,
        }
    }

    fn next_id(&mut self) -> String {
        let mut bytes = [0u8; 10];
        bytes[..2].copy_from_slice(&self.rand_a.to_be_bytes());
        bytes[2..].copy_from_slice(&self.next.to_be_bytes());
        self.next += 1;
        uuid::Builder::from_unix_timestamp_millis(self.ms, &bytes)
            .into_uuid()
            .to_string()
    }
}

/// Two requests enrolling the same AREF or card at the same moment: one wins, the other is
/// told to resend (which then reports `unchanged`).
fn conflict(e: sea_orm::DbErr) -> ServiceError {
    let msg = e.to_string().to_lowercase();
    if msg.contains("unique") || msg.contains("duplicate") {
        ServiceError::Conflict(
            "another request enrolled the same AREF or card at the same time; resend".into(),
        )
    } else {
        e.into()
    }
}

fn event(
    ids: &mut OrderedIds,
    card_id: &str,
    kind: &str,
    effective_at: i64,
    now: i64,
    source: Source,
    p: &Principal,
) -> enrolment_events::Model {
    enrolment_events::Model {
        id: ids.next_id(),
        card_id: card_id.to_owned(),
        kind: kind.to_owned(),
        effective_at,
        recorded_at: now,
        source: source.as_str().to_owned(),
        actor: (source != Source::Mrs).then(|| p.email.clone()),
    }
}

async fn record(b: &Backend, p: &Principal, action: &str, r: &EnrolmentImportReport) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("enrolled_cards"),
            target_id: None,
            outcome: "success",
            detail: Some(serde_json::json!({
                "enrolled": r.enrolled,
                "updated": r.updated,
                "unenrolled": r.unenrolled,
                "unchanged": r.unchanged,
            })),
            client_addr: None,
        },
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn csv_rows_by_header_and_defaults() {
        let rows = parse_csv(
            "aref,pan,enrolled_at,status,unenrolled_at\nA-1,5412345678901232,2026-11-01,,\nA-2,5105105105105100,2026-11-01T10:00:00Z,unenrolled,2026-11-10\n",
            NOW,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].aref, "A-1");
        assert_eq!(rows[0].unenrolled_at, None);
        assert_eq!(rows[0].ica, None);
        assert!(rows[1].unenrolled_at.is_some());
        assert!(!format!("{rows:?}").contains("5412345678901232"));
    }

    #[test]
    fn errors_name_line_and_field_without_the_pan() {
        let e = parse_csv(
            "pan,aref,enrolled_at,product_code,ica,status,unenrolled_at\n\
             5412345678901233,A-1,yesterday,MCWX,12a,,\n\
             5412345678901232,,2026-11-01,,,gone,\n\
             5105105105105100,A-3,2026-11-02,,,unenrolled,\n\
             5555555555554444,A-4,2026-11-02,,,,2026-11-01\n",
            NOW,
        )
        .unwrap_err();
        assert!(!format!("{e:?}").contains("541234567890123"));
        assert_eq!(
            fields(e),
            [
                "line[2].pan",
                "line[2].enrolled_at",
                "line[2].product_code",
                "line[2].ica",
                "line[3].aref",
                "line[3].status",
                "line[4].unenrolled_at",
                "line[5].unenrolled_at",
            ]
        );
    }

    #[test]
    fn a_repeated_aref_or_card_is_refused() {
        let e = parse_csv(
            "5412345678901232,A-1,2026-11-01\n5105105105105100,A-1,2026-11-01\n5105105105105100,A-3,2026-11-01\n",
            NOW,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["line[2].aref", "line[3].pan"]);
    }

    #[test]
    fn bin_table_picks_the_narrowest_range() {
        let r = |from: &str, to: &str, ica: &str, product: &str| {
            (
                BinRange {
                    ica: ica.into(),
                    from: from.into(),
                    to: to.into(),
                },
                product.to_owned(),
            )
        };
        let table = vec![
            r("510000", "559999", "1", "MCS"),
            r("541234", "541234", "1234", "MCW"),
        ];
        let pan = Pan::parse("5412345678901232").unwrap();
        assert_eq!(
            from_bin_table(&table, &pan),
            Some(("1234".into(), "MCW".into()))
        );
        let other = Pan::parse("4111111111111111").unwrap();
        assert_eq!(from_bin_table(&table, &other), None);
    }
}
