//! The online entry flow behind `POST /pos/check_entry` and `/pos/confirm_entry`.
//!
//! Concurrency: a grant holds the card (a `card_holds` row keyed by the PAN hash, taken with
//! a plain INSERT, so the database — not a process — decides who wins). The hold is taken
//! *before* the card's history is read, and released only after the operation that used it
//! is committed; so every decision for a card sees every earlier entry of that card, on any
//! app server, and two terminals can never spend the same last entry.
//!
//! At a location with a capacity, the live occupancy is counted and the grant (a held seat)
//! written under the location's lease, and a confirm's guests reserve their seats the same way
//! before anything is authorized ([`super::capacity`]).

use super::super::acquirer::{bounded, idem_key, AcqOutcome, AcqResponse, CallKind};
use super::super::entity::{card_holds, locations, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{self, card_facts as cards};
use super::super::{Backend, Principal};
use super::acquirer_ledger as ledger;
use access_core::domain::{
    confirm_guests, decide_explained, CardProfile, Currency, Decision, DecisionInput, FxTable,
    Grant, GuestSplit, LocationInfo, Pan, RejectCode, Ruleset, RulesetIndex, RulesetUsage,
    TraceStep,
};
use access_core::model::Capability;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

/// The authenticated terminal making the call.
#[derive(Debug, Clone)]
pub struct TerminalRef {
    pub id: String,
    pub serial: String,
    pub location_id: Option<String>,
}

pub enum CheckOutcome {
    Granted {
        access_id: String,
        expires_at: i64,
        grant: Box<Grant>,
        location: Box<locations::Model>,
    },
    Rejected {
        access_id: String,
        code: RejectCode,
    },
}

#[derive(Debug)]
pub enum ConfirmOutcome {
    Completed {
        access_id: String,
        split: GuestSplit,
        /// The entry's primary currency: the currency of a zero total.
        currency: Currency,
        remaining_free: Option<u32>,
        remaining_paid: Option<u32>,
    },
    Declined {
        access_id: String,
        code: RejectCode,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("unknown access id")]
    NotFound,
    #[error("grant expired")]
    Expired,
    #[error("already confirmed with other numbers")]
    AlreadyConfirmed,
    #[error("{0}")]
    InvalidGuests(String),
    /// Another confirm of this grant is still talking to the acquirer; retry shortly.
    #[error("another confirm of this grant is in progress")]
    InProgress,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for ConfirmError {
    fn from(e: sea_orm::DbErr) -> Self {
        ConfirmError::Service(e.into())
    }
}

/// Everything the engine needs for one card at one location, read from storage.
/// Shared with the offline reports (`super::offline`), which decide as of a past instant.
pub(super) struct Facts {
    pub(super) card: Option<CardProfile>,
    pub(super) location: LocationInfo,
    pub(super) index: RulesetIndex,
    pub(super) history: Vec<access_core::domain::UsageRecord>,
    pub(super) usage: Vec<RulesetUsage>,
    pub(super) transactions: Vec<access_core::domain::CardTransaction>,
    pub(super) fx: FxTable,
    /// The external rule engine's verdicts on the `rpm` rulesets (live decisions only).
    pub(super) rpm: Option<crate::rpm::Verdicts>,
}

pub(super) fn location_info(l: &locations::Model) -> ServiceResult<LocationInfo> {
    Ok(LocationInfo {
        id: uuid::Uuid::parse_str(&l.id)
            .map_err(|_| ServiceError::Internal(format!("location id {} is not a uuid", l.id)))?,
        country: l.country.clone(),
        service: l.service_code.clone(),
        cooldown_minutes: l.cooldown_minutes.map(|m| m.max(0) as u32),
        currency: local_currency(&l.country),
        // Live capacity is a fact of a live decision only (see [`with_occupancy`]); an
        // offline entry has already happened.
        capacity: None,
        occupancy: 0,
        stay_minutes: l.stay_minutes.max(1) as u32,
    })
}

/// Give the facts the location's capacity and live occupancy (see [`super::capacity`]).
async fn with_occupancy<C: ConnectionTrait>(
    db: &C,
    f: &mut Facts,
    l: &locations::Model,
    now_ms: i64,
    until: Option<i64>,
) -> ServiceResult<()> {
    if let Some(cap) = l.capacity {
        let o = super::capacity::occupancy(db, l, now_ms, until, None).await?;
        f.location.capacity = Some(cap.max(0) as u32);
        f.location.occupancy = o.total();
    }
    Ok(())
}

/// The location's currency, to compare prices in different currencies.
fn local_currency(country: &str) -> Option<Currency> {
    let code = match country {
        "POL" => "PLN",
        "GBR" => "GBP",
        "USA" => "USD",
        "CHE" => "CHF",
        "SWE" => "SEK",
        "NOR" => "NOK",
        "DNK" => "DKK",
        "CZE" => "CZK",
        "HUN" => "HUF",
        "ARE" => "AED",
        "JPN" => "JPY",
        _ => "EUR",
    };
    Currency::from_code(code).ok()
}

async fn gather<C: ConnectionTrait>(
    db: &C,
    pan: &Pan,
    pan_hash: &str,
    location: &locations::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Facts> {
    gather_as_of(db, pan, pan_hash, location, now, now.timestamp_millis()).await
}

/// The facts for a decision as of `now` (ruleset validity, counting and spend windows),
/// with the operations that still count at `counted_at_ms` (COMPLETED, or PENDING not lapsed
/// then). A live decision passes the same instant twice; an offline report decides as of the
/// entry's time with what counts at the time of the report.
pub(super) async fn gather_as_of<C: ConnectionTrait>(
    db: &C,
    pan: &Pan,
    pan_hash: &str,
    location: &locations::Model,
    now: DateTime<Utc>,
    counted_at_ms: i64,
) -> ServiceResult<Facts> {
    let now_ms = now.timestamp_millis();
    let card = cards::profile(db, pan.digits()).await?;
    let candidates: Vec<Ruleset> = if card.is_some() {
        repo::rulesets::candidates(db, pan.digits(), now_ms).await?
    } else {
        vec![]
    };
    gather_rest(db, card, candidates, pan_hash, location, now, counted_at_ms).await
}

/// The facts of a live decision, the card's profile and the candidate rulesets taken from
/// this server's copy of the decision data (fresh: see [`super::decision_data`]).
async fn gather_live<C: ConnectionTrait>(
    db: &C,
    data: &super::decision_data::DecisionData,
    pan: &Pan,
    pan_hash: &str,
    location: &locations::Model,
    now: DateTime<Utc>,
) -> ServiceResult<Facts> {
    let card = data.profile(pan.digits());
    let candidates = if card.is_some() {
        data.candidates(pan.digits(), now.timestamp_millis())
    } else {
        vec![]
    };
    gather_rest(
        db,
        card,
        candidates,
        pan_hash,
        location,
        now,
        now.timestamp_millis(),
    )
    .await
}

/// The rest of the facts, once the card's profile and the candidate rulesets are known.
async fn gather_rest<C: ConnectionTrait>(
    db: &C,
    mut card: Option<CardProfile>,
    candidates: Vec<Ruleset>,
    pan_hash: &str,
    location: &locations::Model,
    now: DateTime<Utc>,
    counted_at_ms: i64,
) -> ServiceResult<Facts> {
    // One indexed read, and only when an "enrolled cards only" ruleset could apply.
    if let Some(card) = card.as_mut() {
        if candidates.iter().any(|r| r.enrolled_only) {
            card.enrolled = repo::enrolled_cards::is_enrolled(db, pan_hash).await?;
        }
    }
    let history = cards::history(db, pan_hash, counted_at_ms).await?;
    let mut usage = Vec::new();
    for r in candidates.iter().filter(|r| r.total_usage.is_some()) {
        let since = r.total_usage_window_start(now);
        let count = cards::ruleset_usage(
            db,
            &r.id.to_string(),
            since.map(|s| s.timestamp_millis()),
            counted_at_ms,
        )
        .await?;
        usage.push(RulesetUsage {
            ruleset_id: r.id,
            counted_since: since,
            count: count.min(u32::MAX as u64) as u32,
        });
    }
    // The spend window reaches back `period + grace` days (grace: met at any anchor in
    // `[now - grace, now]`).
    let longest_spend = candidates
        .iter()
        .filter_map(|r| {
            r.spend
                .as_ref()
                .map(|s| s.period_days.saturating_add(s.grace_days))
        })
        .max();
    let (transactions, fx) = match longest_spend {
        Some(days) => {
            let since = now - Duration::days(days as i64);
            let txs = cards::transactions(db, pan_hash, since.timestamp_millis()).await?;
            let rates = cards::fx_rates_since(db, (since - Duration::days(7)).date_naive()).await?;
            (
                txs.into_iter().map(|(_, t)| t).collect(),
                FxTable::new(rates),
            )
        }
        None => (vec![], FxTable::empty()),
    };
    Ok(Facts {
        card,
        location: location_info(location)?,
        index: RulesetIndex::new(candidates),
        history,
        usage,
        transactions,
        fx,
        rpm: None,
    })
}

pub(super) fn decide_on(f: &Facts, now: DateTime<Utc>) -> (Decision, Vec<TraceStep>) {
    decide_explained(&DecisionInput {
        now,
        card: f.card.as_ref(),
        location: &f.location,
        rulesets: &f.index,
        history: &f.history,
        ruleset_usage: &f.usage,
        transactions: &f.transactions,
        fx: &f.fx,
        rpm: f
            .rpm
            .as_ref()
            .map(|v| v as &dyn access_core::domain::RpmHook),
    })
}

/// Ask the external rule engine (when configured) about the `rpm` rulesets that match the
/// card here, and keep the verdicts in the facts for the engine (see [`crate::rpm`]).
async fn with_rpm_verdicts(
    b: &Backend,
    f: &mut Facts,
    pan: &Pan,
    pan_hash: &str,
    now: DateTime<Utc>,
) {
    let Some(client) = b.rpm.as_deref() else {
        return;
    };
    let masked = pan.masked();
    let card = crate::rpm::CardRef {
        masked_pan: &masked,
        card_hash: pan_hash,
        bin: pan.bin(6),
    };
    f.rpm = crate::rpm::fetch(
        client,
        b.settings.rpm_timeout,
        &f.index,
        f.card.as_ref(),
        &card,
        &f.location,
        now,
    )
    .await;
}

/// How long a tap waits for another terminal's decision on the same card (not yet a grant) to
/// finish, so that it then sees the real outcome (e.g. LIMIT_EXCEEDED) instead of a spurious
/// TEMPORARILY_BLOCKED. Bounded: a decision waiting on the acquirer is not waited for.
const HOLD_WAIT: std::time::Duration = std::time::Duration::from_millis(1000);
const HOLD_POLL: std::time::Duration = std::time::Duration::from_millis(5);

/// Take the card's hold for `op_id`; `false` only when another terminal's *grant* holds it
/// (or another decision is still running after [`HOLD_WAIT`]).
async fn acquire_hold(
    b: &Backend,
    pan_hash: &str,
    op_id: &str,
    now: i64,
    until: i64,
) -> ServiceResult<bool> {
    let started = std::time::Instant::now();
    loop {
        if take_hold(b, pan_hash, op_id, now, until).await? {
            return Ok(true);
        }
        let holder = card_holds::Entity::find_by_id(pan_hash.to_owned())
            .one(&b.db)
            .await?;
        let Some(holder) = holder else {
            if started.elapsed() >= HOLD_WAIT {
                return Ok(false);
            }
            continue; // released meanwhile: try again at once
        };
        let granted = operations::Entity::find_by_id(holder.operation_id)
            .one(&b.db)
            .await?
            .is_some_and(|o| o.status == "PENDING");
        if granted || started.elapsed() >= HOLD_WAIT {
            return Ok(false);
        }
        tokio::time::sleep(HOLD_POLL).await;
    }
}

/// One attempt at the hold: a plain INSERT that the unique key on the PAN hash arbitrates.
/// A lapsed hold is taken over only once its operation is provably expired: the operation is
/// first moved `PENDING → EXPIRED` by a conditional update (which a confirm's completing
/// update, itself conditional on `PENDING`, can never also win), and its authorizations voided.
/// The INSERT comes first: a free card (the usual case) costs one statement.
async fn take_hold(
    b: &Backend,
    pan_hash: &str,
    op_id: &str,
    now: i64,
    until: i64,
) -> ServiceResult<bool> {
    if insert_hold(b, pan_hash, op_id, until).await? {
        return Ok(true);
    }
    let lapsed = card_holds::Entity::find_by_id(pan_hash.to_owned())
        .filter(card_holds::Column::ExpiresAt.lte(now))
        .one(&b.db)
        .await?;
    let Some(h) = lapsed else {
        return Ok(false);
    };
    let holder = operations::Entity::find_by_id(h.operation_id.clone())
        .one(&b.db)
        .await?;
    if let Some(o) = holder {
        expire(b, &[o], now).await?;
    }
    card_holds::Entity::delete_many()
        .filter(card_holds::Column::PanHash.eq(pan_hash))
        .filter(card_holds::Column::OperationId.eq(h.operation_id))
        .filter(card_holds::Column::ExpiresAt.lte(now))
        .exec(&b.db)
        .await?;
    insert_hold(b, pan_hash, op_id, until).await
}

/// The hold's INSERT: `false` when the card is already held.
async fn insert_hold(b: &Backend, pan_hash: &str, op_id: &str, until: i64) -> ServiceResult<bool> {
    let inserted = card_holds::Entity::insert(card_holds::ActiveModel {
        pan_hash: Set(pan_hash.to_owned()),
        operation_id: Set(op_id.to_owned()),
        expires_at: Set(until),
    })
    .exec_without_returning(&b.db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

async fn release_hold<C: ConnectionTrait>(
    db: &C,
    pan_hash: &str,
    op_id: &str,
) -> Result<(), sea_orm::DbErr> {
    card_holds::Entity::delete_many()
        .filter(card_holds::Column::PanHash.eq(pan_hash))
        .filter(card_holds::Column::OperationId.eq(op_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// A ruleset's total-usage cap for one counting period (`0`: all time).
#[derive(Debug, Clone, PartialEq, Eq)]
struct CapKey {
    ruleset_id: String,
    period_start: i64,
}

/// The cap a grant uses, if its ruleset has a total-usage cap.
fn cap_of(f: &Facts, grant: &Grant) -> Option<CapKey> {
    f.usage
        .iter()
        .find(|u| u.ruleset_id == grant.ruleset_id)
        .map(|u| CapKey {
            ruleset_id: u.ruleset_id.to_string(),
            period_start: u.counted_since.map(|s| s.timestamp_millis()).unwrap_or(0),
        })
}

/// How long a check waits for the capped ruleset's row; the lease a crashed holder leaves.
const CAP_WAIT: std::time::Duration = std::time::Duration::from_millis(5000);
const CAP_LEASE_MS: i64 = 30_000;

/// Lease the cap's row for `holder`: a conditional UPDATE (free, or its lease lapsed), so one
/// decision per capped ruleset and period at a time decides and writes its grant, on any app
/// server. `false` after [`CAP_WAIT`].
async fn lease_cap(b: &Backend, key: &CapKey, holder: &str) -> ServiceResult<bool> {
    use super::super::entity::ruleset_cap_claims as claims;
    let row = claims::ActiveModel {
        ruleset_id: Set(key.ruleset_id.clone()),
        period_start: Set(key.period_start),
        seq: Set(0),
        holder: Set(None),
        held_until: Set(0),
        updated_at: Set(b.now_ms()),
    };
    let created = claims::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                claims::Column::RulesetId,
                claims::Column::PeriodStart,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&b.db)
        .await;
    if let Err(e) = created {
        if !matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            return Err(e.into());
        }
    }
    let started = std::time::Instant::now();
    loop {
        let now = b.now_ms();
        let taken = claims::Entity::update_many()
            .col_expr(claims::Column::Holder, Some(holder.to_owned()).into())
            .col_expr(claims::Column::HeldUntil, (now + CAP_LEASE_MS).into())
            .col_expr(claims::Column::UpdatedAt, now.into())
            .filter(claims::Column::RulesetId.eq(key.ruleset_id.clone()))
            .filter(claims::Column::PeriodStart.eq(key.period_start))
            .filter(
                sea_orm::Condition::any()
                    .add(claims::Column::Holder.is_null())
                    .add(claims::Column::HeldUntil.lte(now)),
            )
            .exec(&b.db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(true);
        }
        if started.elapsed() >= CAP_WAIT {
            return Ok(false);
        }
        tokio::time::sleep(HOLD_POLL).await;
    }
}

/// Give the cap's row back; `granted` counts the grant written under the lease.
async fn release_cap(b: &Backend, key: &CapKey, holder: &str, granted: bool) {
    use super::super::entity::ruleset_cap_claims as claims;
    use sea_orm::sea_query::Expr;
    let res = claims::Entity::update_many()
        .col_expr(claims::Column::Holder, Option::<String>::None.into())
        .col_expr(claims::Column::HeldUntil, 0i64.into())
        .col_expr(
            claims::Column::Seq,
            Expr::col(claims::Column::Seq).add(i64::from(granted)),
        )
        .col_expr(claims::Column::UpdatedAt, b.now_ms().into())
        .filter(claims::Column::RulesetId.eq(key.ruleset_id.clone()))
        .filter(claims::Column::PeriodStart.eq(key.period_start))
        .filter(claims::Column::Holder.eq(holder))
        .exec(&b.db)
        .await;
    if let Err(e) = res {
        tracing::error!(error = %e, "releasing a ruleset cap lease failed; it lapses");
    }
}

/// The operation row as first written by check_entry.
fn base_operation(
    b: &Backend,
    t: &TerminalRef,
    pan: &Pan,
    pan_hash: &str,
    entry_mode: &str,
    now: i64,
) -> operations::ActiveModel {
    let _ = b;
    operations::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        op_type: Set("ONLINE".into()),
        status: Set("REJECTED".into()),
        pan_hash: Set(pan_hash.to_owned()),
        masked_pan: Set(pan.masked()),
        bin: Set(pan.bin(6).to_owned()),
        last4: Set(pan.last4().to_owned()),
        terminal_id: Set(Some(t.id.clone())),
        terminal_serial: Set(Some(t.serial.clone())),
        location_id: Set(t.location_id.clone()),
        location_name: Set(None),
        service_code: Set(None),
        country: Set(None),
        ica: Set(None),
        ica_name: Set(None),
        product_code: Set(None),
        entry_mode: Set(entry_mode.to_owned()),
        ruleset_id: Set(None),
        ruleset_version: Set(None),
        reject_code: Set(None),
        card_auth_response_code: Set(None),
        cardholder_paid: Set(false),
        cardholder_price_minor: Set(None),
        free_entry: Set(false),
        currency: Set(None),
        free_adult_guests: Set(0),
        paid_adult_guests: Set(0),
        free_child_guests: Set(0),
        paid_child_guests: Set(0),
        total_minor: Set(0),
        over_limit: Set(false),
        offline_id: Set(None),
        offline_basis: Set(None),
        expires_at: Set(None),
        requested_at: Set(now),
        occurred_at: Set(now),
        confirmed_at: Set(None),
        updated_at: Set(now),
        reversed_at: Set(None),
        reversed_by: Set(None),
        reversal_reason: Set(None),
        decision_json: Set(None),
        confirm_claim: Set(None),
        reserved_guests: Set(0),
        amounts: Set(None),
        offline_policy_breach: Set(None),
    }
}

pub async fn check_entry(
    b: &Backend,
    t: &TerminalRef,
    pan: &Pan,
    entry_mode: &str,
) -> ServiceResult<CheckOutcome> {
    let now = b.clock.now();
    let now_ms = now.timestamp_millis();
    let pan_hash = b.keys.pan_hash(pan.digits());
    let mut op = base_operation(b, t, pan, &pan_hash, entry_mode, now_ms);
    let op_id = op.id.clone().unwrap();
    let reject = |mut op: operations::ActiveModel, code: RejectCode| {
        op.reject_code = Set(Some(code.as_str().to_owned()));
        op
    };
    // The location and the decision data's version in one round trip.
    let location = match &t.location_id {
        Some(id) => repo::locations::with_decision_version(&b.db, id).await?,
        None => None,
    };
    let Some((location, data_version)) = location else {
        reject(op, RejectCode::UnknownDevice).insert(&b.db).await?;
        return Ok(CheckOutcome::Rejected {
            access_id: op_id,
            code: RejectCode::UnknownDevice,
        });
    };
    op.location_name = Set(Some(location.name.clone()));
    op.service_code = Set(Some(location.service_code.clone()));
    op.country = Set(Some(location.country.clone()));

    let expires_at = now_ms + b.settings.grant_ttl_secs * 1000;
    if !acquire_hold(b, &pan_hash, &op_id, now_ms, expires_at).await? {
        reject(op, RejectCode::TemporarilyBlocked)
            .insert(&b.db)
            .await?;
        return Ok(CheckOutcome::Rejected {
            access_id: op_id,
            code: RejectCode::TemporarilyBlocked,
        });
    }
    // From here on the hold is ours: release it on every path that does not grant.
    let result = match b.decision_data.at_least(&b.db, data_version).await {
        Ok(data) => {
            let at = Place {
                location: &location,
                data: &data,
            };
            decide_and_record(b, op, &op_id, pan, &pan_hash, at, now, expires_at).await
        }
        Err(e) => Err(e.into()),
    };
    match &result {
        Ok(CheckOutcome::Granted { .. }) => {}
        _ => {
            if let Err(e) = release_hold(&b.db, &pan_hash, &op_id).await {
                tracing::error!(error = %e, "releasing a card hold failed; it lapses at its expiry");
            }
        }
    }
    result
}

/// Where a live decision is made: the location, and the decision data it is made with.
#[derive(Clone, Copy)]
struct Place<'a> {
    location: &'a locations::Model,
    data: &'a super::decision_data::DecisionData,
}

#[allow(clippy::too_many_arguments)]
async fn decide_and_record(
    b: &Backend,
    op: operations::ActiveModel,
    op_id: &str,
    pan: &Pan,
    pan_hash: &str,
    at: Place<'_>,
    now: DateTime<Utc>,
    expires_at: i64,
) -> ServiceResult<CheckOutcome> {
    let location = at.location;
    // At a location with a capacity, the occupancy is counted and the grant (a reserved
    // seat) written under the location's lease.
    let seat = super::capacity::lease(b, location, op_id).await?;
    if seat == super::capacity::Lease::Busy {
        let mut op = op;
        op.reject_code = Set(Some(RejectCode::TemporarilyBlocked.as_str().to_owned()));
        op.insert(&b.db).await?;
        return Ok(CheckOutcome::Rejected {
            access_id: op_id.to_owned(),
            code: RejectCode::TemporarilyBlocked,
        });
    }
    let written = decide_and_write(b, op, op_id, pan, pan_hash, at, now, expires_at).await;
    super::capacity::release(b, &seat).await;
    let (op, grant) = match written? {
        Ok(pair) => pair,
        Err(code) => {
            return Ok(CheckOutcome::Rejected {
                access_id: op_id.to_owned(),
                code,
            })
        }
    };
    acquire_and_record(b, op_id, pan, location, expires_at, op, grant).await
}

/// Decide and write the decision (a grant: `PENDING`). `Err(code)` inside: rejected (written).
#[allow(clippy::too_many_arguments)]
async fn decide_and_write(
    b: &Backend,
    op: operations::ActiveModel,
    op_id: &str,
    pan: &Pan,
    pan_hash: &str,
    at: Place<'_>,
    now: DateTime<Utc>,
    expires_at: i64,
) -> ServiceResult<Result<(operations::ActiveModel, Grant), RejectCode>> {
    // A grant under a ruleset's total-usage cap is decided again, and written, under the
    // cap's lease: its count then includes every other card's grant.
    let mut leased: Option<CapKey> = None;
    let mut rounds = 0;
    let written = loop {
        rounds += 1;
        let round = decide_round(b, &op, pan, pan_hash, at, now).await;
        let (op, decision, cap) = match round {
            Ok(r) => r,
            Err(e) => {
                if let Some(key) = leased.take() {
                    release_cap(b, &key, op_id, false).await;
                }
                return Err(e);
            }
        };
        if let Some(key) = cap.filter(|k| leased.as_ref() != Some(k)) {
            if let Some(old) = leased.take() {
                release_cap(b, &old, op_id, false).await;
            }
            if rounds < 4 && lease_cap(b, &key, op_id).await? {
                leased = Some(key);
                continue;
            }
            let mut op = op;
            op.reject_code = Set(Some(RejectCode::TemporarilyBlocked.as_str().to_owned()));
            op.insert(&b.db).await?;
            return Ok(Err(RejectCode::TemporarilyBlocked));
        }
        break write_decision(b, op, decision, expires_at).await;
    };
    if let Some(key) = leased {
        let granted = matches!(written, Ok(Ok(_)));
        release_cap(b, &key, op_id, granted).await;
    }
    written
}

/// The grant is written (it counts, and holds its seat); now the acquirer, each call in the
/// ledger.
async fn acquire_and_record(
    b: &Backend,
    op_id: &str,
    pan: &Pan,
    location: &locations::Model,
    expires_at: i64,
    mut op: operations::ActiveModel,
    grant: Grant,
) -> ServiceResult<CheckOutcome> {
    let timeout = b.settings.acquirer_timeout;
    let asi_key = idem_key(op_id, CallKind::AccountStatus, 0);
    let asi = bounded(timeout, b.acquirer.account_status(pan.digits(), &asi_key)).await;
    let when = b.now_ms();
    ledger::record(
        &b.db,
        op_id,
        CallKind::AccountStatus,
        None,
        &asi_key,
        None,
        &asi,
        when,
    )
    .await?;
    op.card_auth_response_code = Set(Some(asi.response_code.clone()));
    let mut refused = (!asi.approved()).then_some(RejectCode::CardAsiFailed);
    if refused.is_none() {
        if let Some(price) = grant.cardholder_price.filter(|_| grant.cardholder_paid) {
            let key = idem_key(op_id, CallKind::Authorization, price.minor());
            let auth = bounded(timeout, b.acquirer.authorize(pan.digits(), price, &key)).await;
            ledger::record(
                &b.db,
                op_id,
                CallKind::Authorization,
                Some(price),
                &key,
                None,
                &auth,
                b.now_ms(),
            )
            .await?;
            op.card_auth_response_code = Set(Some(auth.response_code.clone()));
            refused = match auth.outcome {
                AcqOutcome::Approved => None,
                AcqOutcome::InsufficientFunds => Some(RejectCode::CardAuthInsufficientFunds),
                _ => Some(RejectCode::CardAmountAuthFailed),
            };
        }
    }
    op.updated_at = Set(b.now_ms());
    if let Some(code) = refused {
        op.status = Set("REJECTED".into());
        op.reject_code = Set(Some(code.as_str().to_owned()));
        op.expires_at = Set(None);
        op.update(&b.db).await?;
        return Ok(CheckOutcome::Rejected {
            access_id: op_id.to_owned(),
            code,
        });
    }
    if let Err(e) = op.update(&b.db).await {
        // Not stored: the terminal gets an error, so nothing will be captured. Release it.
        if let Err(v) = ledger::void_authorizations(b, op_id).await {
            tracing::error!(error = %v, operation_id = op_id, "voiding after a failed store failed");
        }
        return Err(e.into());
    }
    Ok(CheckOutcome::Granted {
        access_id: op_id.to_owned(),
        expires_at,
        grant: Box::new(grant),
        location: Box::new(location.clone()),
    })
}

/// Read the facts and decide: the operation with the card's details, the decision, and the
/// total-usage cap the grant would use.
async fn decide_round(
    b: &Backend,
    op: &operations::ActiveModel,
    pan: &Pan,
    pan_hash: &str,
    at: Place<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<(operations::ActiveModel, Decision, Option<CapKey>)> {
    let location = at.location;
    let mut op = op.clone();
    let mut facts = gather_live(&b.db, at.data, pan, pan_hash, location, now).await?;
    with_occupancy(&b.db, &mut facts, location, now.timestamp_millis(), None).await?;
    with_rpm_verdicts(b, &mut facts, pan, pan_hash, now).await;
    if let Some(card) = &facts.card {
        op.ica = Set(Some(card.ica.clone()));
        op.ica_name = Set(Some(card.issuer_name.clone()));
        op.product_code = Set(Some(card.product_code.clone()));
    }
    let (decision, _trace) = decide_on(&facts, now);
    let cap = match &decision {
        Decision::Grant(g) => cap_of(&facts, g),
        Decision::Reject { .. } => None,
    };
    Ok((op, decision, cap))
}

/// Write the engine's decision: a reject as is, a grant as a `PENDING` operation (it counts
/// from now on). `Err(code)` inside: rejected.
async fn write_decision(
    b: &Backend,
    mut op: operations::ActiveModel,
    decision: Decision,
    expires_at: i64,
) -> ServiceResult<Result<(operations::ActiveModel, Grant), RejectCode>> {
    let grant = match decision {
        Decision::Grant(g) => g,
        Decision::Reject {
            code, ruleset_id, ..
        } => {
            op.reject_code = Set(Some(code.as_str().to_owned()));
            op.ruleset_id = Set(ruleset_id.map(|r| r.to_string()));
            op.insert(&b.db).await?;
            return Ok(Err(code));
        }
    };
    op.ruleset_id = Set(Some(grant.ruleset_id.to_string()));
    op.ruleset_version = Set(Some(grant.ruleset_version as i32));
    op.currency = Set(Some(grant.currency.code().to_owned()));
    op.status = Set("PENDING".into());
    op.expires_at = Set(Some(expires_at));
    op.cardholder_paid = Set(grant.cardholder_paid);
    op.free_entry = Set(!grant.cardholder_paid);
    op.cardholder_price_minor = Set(grant.cardholder_price.map(|p| p.minor()));
    op.decision_json = Set(Some(
        serde_json::to_string(&grant).map_err(|e| ServiceError::Internal(e.to_string()))?,
    ));
    let model = op.insert(&b.db).await?;
    Ok(Ok((model.into(), grant)))
}

fn stored_split(o: &operations::Model) -> ServiceResult<GuestSplit> {
    Ok(GuestSplit {
        cardholder_paid: o.cardholder_paid,
        free_adults: o.free_adult_guests.max(0) as u32,
        paid_adults: o.paid_adult_guests.max(0) as u32,
        free_children: o.free_child_guests.max(0) as u32,
        paid_children: o.paid_child_guests.max(0) as u32,
        amounts: super::amounts::of(o),
    })
}

fn grant_of(o: &operations::Model) -> ServiceResult<Grant> {
    let json = o
        .decision_json
        .as_deref()
        .ok_or_else(|| ServiceError::Internal(format!("operation {} has no grant", o.id)))?;
    serde_json::from_str(json)
        .map_err(|e| ServiceError::Internal(format!("grant of {}: {e}", o.id)))
}

fn completed(
    o: &operations::Model,
    adults: u32,
    children: u32,
) -> Result<ConfirmOutcome, ConfirmError> {
    let split = stored_split(o)?;
    if split.free_adults + split.paid_adults != adults
        || split.free_children + split.paid_children != children
    {
        return Err(ConfirmError::AlreadyConfirmed);
    }
    let grant = grant_of(o)?;
    Ok(ConfirmOutcome::Completed {
        access_id: o.id.clone(),
        split,
        currency: grant.currency,
        remaining_free: grant.remaining_free,
        remaining_paid: grant.remaining_paid,
    })
}

/// How long a confirm waits for another confirm of the same grant (talking to the acquirer)
/// before answering from the stored row.
fn confirm_wait(b: &Backend) -> std::time::Duration {
    b.settings.acquirer_timeout + std::time::Duration::from_secs(2)
}

/// Confirm a grant. The operation is first *claimed* by a conditional update
/// (`PENDING`, unclaimed, unexpired → claimed by this confirm), so of two concurrent confirms
/// only one talks to the acquirer; the other waits for its outcome. The completing update
/// requires the claim, `PENDING` and an unexpired grant *at that moment*; a grant that lapsed
/// during the acquirer call is expired instead and its authorizations voided.
pub async fn confirm_entry(
    b: &Backend,
    t: &TerminalRef,
    access_id: &str,
    adults: u32,
    children: u32,
) -> Result<ConfirmOutcome, ConfirmError> {
    let started = std::time::Instant::now();
    loop {
        let now = b.now_ms();
        let o = operations::Entity::find_by_id(access_id.to_owned())
            .one(&b.db)
            .await?
            .filter(|o| o.terminal_id.as_deref() == Some(t.id.as_str()) && o.op_type == "ONLINE")
            .ok_or(ConfirmError::NotFound)?;
        match o.status.as_str() {
            "COMPLETED" | "REVERSED" => return completed(&o, adults, children),
            "EXPIRED" => return Err(ConfirmError::Expired),
            "PENDING" => {}
            _ => return Err(ConfirmError::NotFound),
        }
        if o.expires_at.is_none_or(|e| e <= now) {
            expire(b, &[o], now).await?;
            return Err(ConfirmError::Expired);
        }
        let grant = grant_of(&o)?;
        let split = confirm_guests(&grant, adults, children)
            .map_err(|e| ConfirmError::InvalidGuests(e.to_string()))?;
        // Nothing to reserve or authorize (no guests): no other party is talked to, so the
        // completing update itself arbitrates between concurrent confirms (it requires
        // `PENDING`, no claim and an unexpired grant), one statement instead of two.
        let guests =
            split.free_adults + split.paid_adults + split.free_children + split.paid_children;
        if guests == 0 && guest_amounts(&grant, &split).is_empty() {
            let auth_code = o.card_auth_response_code.clone();
            match complete(b, &o, &grant, &split, auth_code, None, now).await {
                Ok(true) => return finish_completed(b, t, o, grant, split, now).await,
                // Claimed by another confirm, completed or lapsed meanwhile: read it again.
                Ok(false) => {}
                Err(e) => {
                    // Not stored: nothing will be captured. Release what was authorized.
                    if let Err(v) = ledger::void_authorizations(b, &o.id).await {
                        tracing::error!(error = %v, operation_id = o.id, "voiding after a failed store failed");
                    }
                    return Err(e.into());
                }
            }
        } else {
            let claim = uuid::Uuid::new_v4().to_string();
            let claimed = operations::Entity::update_many()
                .col_expr(operations::Column::ConfirmClaim, Some(claim.clone()).into())
                .col_expr(operations::Column::UpdatedAt, now.into())
                .filter(operations::Column::Id.eq(o.id.clone()))
                .filter(operations::Column::Status.eq("PENDING"))
                .filter(operations::Column::ConfirmClaim.is_null())
                .filter(operations::Column::ExpiresAt.gt(now))
                .exec(&b.db)
                .await?;
            if claimed.rows_affected == 1 {
                return confirm_claimed(b, t, o, grant, split, &claim).await;
            }
        }
        // Another confirm owns it (or it just changed): wait for its outcome, bounded.
        if started.elapsed() >= confirm_wait(b) {
            return Err(ConfirmError::InProgress);
        }
        tokio::time::sleep(HOLD_POLL).await;
    }
}

async fn confirm_claimed(
    b: &Backend,
    t: &TerminalRef,
    o: operations::Model,
    grant: Grant,
    split: GuestSplit,
    claim: &str,
) -> Result<ConfirmOutcome, ConfirmError> {
    // At a location with a capacity, the guests must fit: their seats are reserved on the
    // grant (under the location's lease) before anything is authorized for them.
    let guests = split.free_adults + split.paid_adults + split.free_children + split.paid_children;
    let seats = super::capacity::reserve_guests(b, &o, guests, claim).await;
    let refusal = match seats {
        Ok(super::capacity::GuestSeats::Reserved) => None,
        Ok(super::capacity::GuestSeats::Full) => Some(Ok(ConfirmOutcome::Declined {
            access_id: o.id.clone(),
            code: RejectCode::LocationFull,
        })),
        Ok(super::capacity::GuestSeats::Busy) => Some(Err(ConfirmError::InProgress)),
        Err(e) => Some(Err(e.into())),
    };
    if let Some(answer) = refusal {
        // Refused: the grant stays open (the terminal may confirm fewer guests).
        operations::Entity::update_many()
            .col_expr(
                operations::Column::ConfirmClaim,
                Option::<String>::None.into(),
            )
            .col_expr(operations::Column::ReservedGuests, 0i32.into())
            .col_expr(operations::Column::UpdatedAt, b.now_ms().into())
            .filter(operations::Column::Id.eq(o.id.clone()))
            .filter(operations::Column::ConfirmClaim.eq(claim))
            .exec(&b.db)
            .await?;
        return answer;
    }
    // The cardholder's own price was authorized at check; paid guests are additional
    // authorizations now, against the check-time reference: one per currency, each price in
    // its own (cardholder EUR, guests PLN → the PLN amount is authorized in PLN).
    let guest_amounts = guest_amounts(&grant, &split);
    let mut auth_code = o.card_auth_response_code.clone();
    for amount in guest_amounts {
        let guests_minor = amount.minor();
        let calls = ledger::calls_of(&b.db, &o.id).await?;
        let reference = ledger::reference_of(&b.db, &o.id).await?;
        // A retry after a decline is a new request (the cardholder may have topped up); a
        // retry after no answer reuses the key.
        let declined_before = calls
            .iter()
            .filter(|c| {
                c.kind == CallKind::AdditionalAuthorization.as_str()
                    && c.currency.as_deref() == Some(amount.currency().code())
                    && c.outcome != "APPROVED"
                    && c.outcome != "UNAVAILABLE"
            })
            .count();
        let mut key = idem_key(&o.id, CallKind::AdditionalAuthorization, guests_minor);
        if amount.currency() != grant.currency {
            // Another currency than the entry's own: a key of its own (single-currency entries
            // keep the keys they always had).
            key = format!("{key}:{}", amount.currency().code());
        }
        if declined_before > 0 {
            key = format!("{key}:{declined_before}");
        }
        // Already approved under this key (an earlier confirm that a later currency's
        // decline sent back): not asked again.
        if calls
            .iter()
            .any(|c| c.idempotency_key == key && c.outcome == "APPROVED")
        {
            continue;
        }
        let auth = match reference.as_deref() {
            Some(r) => {
                bounded(
                    b.settings.acquirer_timeout,
                    b.acquirer.authorize_more(r, amount, &key),
                )
                .await
            }
            // Granted before the ledger existed: nothing to authorize against.
            None => AcqResponse::new(AcqOutcome::Declined, "12"),
        };
        ledger::record(
            &b.db,
            &o.id,
            CallKind::AdditionalAuthorization,
            Some(amount),
            &key,
            reference.as_deref(),
            &auth,
            b.now_ms(),
        )
        .await?;
        auth_code = Some(auth.response_code.clone());
        let code = match auth.outcome {
            AcqOutcome::Approved => None,
            AcqOutcome::InsufficientFunds => Some(RejectCode::CardAuthInsufficientFunds),
            _ => Some(RejectCode::CardAmountAuthFailed),
        };
        if let Some(code) = code {
            // Declined: the grant stays open (the terminal may confirm fewer guests).
            operations::Entity::update_many()
                .col_expr(operations::Column::CardAuthResponseCode, auth_code.into())
                .col_expr(operations::Column::ReservedGuests, 0i32.into())
                .col_expr(
                    operations::Column::ConfirmClaim,
                    Option::<String>::None.into(),
                )
                .col_expr(operations::Column::UpdatedAt, b.now_ms().into())
                .filter(operations::Column::Id.eq(o.id.clone()))
                .filter(operations::Column::ConfirmClaim.eq(claim))
                .exec(&b.db)
                .await?;
            return Ok(ConfirmOutcome::Declined {
                access_id: o.id,
                code,
            });
        }
    }
    let now = b.now_ms();
    let updated = complete(b, &o, &grant, &split, auth_code, Some(claim), now).await;
    let updated = match updated {
        Ok(u) => u,
        Err(e) => {
            // Not stored: nothing will be captured. Release what was authorized.
            if let Err(v) = ledger::void_authorizations(b, &o.id).await {
                tracing::error!(error = %v, operation_id = o.id, "voiding after a failed store failed");
            }
            return Err(e.into());
        }
    };
    if !updated {
        // The grant lapsed while the acquirer answered (or was taken over as expired): it
        // never completes; expire it and void its authorizations.
        expire(b, std::slice::from_ref(&o), now).await?;
        return Err(ConfirmError::Expired);
    }
    finish_completed(b, t, o, grant, split, now).await
}

/// The paid guests' amounts still to authorize at confirm: the split's amounts less the
/// cardholder's own price (authorized at check), one per currency.
fn guest_amounts(grant: &Grant, split: &GuestSplit) -> Vec<access_core::domain::Money> {
    let mut out = split.amounts.clone();
    if let Some(p) = grant.cardholder_price.filter(|_| grant.cardholder_paid) {
        if let Some(a) = out.iter_mut().find(|a| a.currency() == p.currency()) {
            *a = access_core::domain::Money::from_minor(a.minor() - p.minor(), p.currency());
        }
    }
    out.retain(|a| a.minor() > 0);
    out
}

/// The completing update: `PENDING → COMPLETED` with the split, only while the grant is
/// unexpired and `claim` holds the operation (`None`: nobody does). Whether it completed.
async fn complete(
    b: &Backend,
    o: &operations::Model,
    grant: &Grant,
    split: &GuestSplit,
    auth_code: Option<String>,
    claim: Option<&str>,
    now: i64,
) -> Result<bool, sea_orm::DbErr> {
    let total = super::amounts::primary(&split.amounts, grant.currency);
    let claimed = match claim {
        Some(c) => operations::Column::ConfirmClaim.eq(c),
        None => operations::Column::ConfirmClaim.is_null(),
    };
    let updated = operations::Entity::update_many()
        .col_expr(operations::Column::Status, "COMPLETED".into())
        .col_expr(
            operations::Column::FreeAdultGuests,
            (split.free_adults as i32).into(),
        )
        .col_expr(
            operations::Column::PaidAdultGuests,
            (split.paid_adults as i32).into(),
        )
        .col_expr(
            operations::Column::FreeChildGuests,
            (split.free_children as i32).into(),
        )
        .col_expr(
            operations::Column::PaidChildGuests,
            (split.paid_children as i32).into(),
        )
        .col_expr(operations::Column::TotalMinor, total.minor().into())
        .col_expr(
            operations::Column::Currency,
            Some(total.currency().code().to_owned()).into(),
        )
        .col_expr(
            operations::Column::Amounts,
            super::amounts::encode(&split.amounts).into(),
        )
        .col_expr(operations::Column::CardAuthResponseCode, auth_code.into())
        .col_expr(operations::Column::ConfirmedAt, Some(now).into())
        .col_expr(operations::Column::UpdatedAt, now.into())
        .filter(operations::Column::Id.eq(o.id.clone()))
        .filter(operations::Column::Status.eq("PENDING"))
        .filter(claimed)
        .filter(operations::Column::ExpiresAt.gt(now))
        .exec(&b.db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// After the completing update: the card's hold is released and the terminal's event kept.
async fn finish_completed(
    b: &Backend,
    t: &TerminalRef,
    o: operations::Model,
    grant: Grant,
    split: GuestSplit,
    now: i64,
) -> Result<ConfirmOutcome, ConfirmError> {
    release_hold(&b.db, &o.pan_hash, &o.id).await?;
    if let Err(e) = super::terminals::event(&b.db, &t.id, "entry_completed", None, now).await {
        tracing::warn!(error = %e, "terminal event not recorded");
    }
    Ok(ConfirmOutcome::Completed {
        access_id: o.id,
        split,
        currency: grant.currency,
        remaining_free: grant.remaining_free,
        remaining_paid: grant.remaining_paid,
    })
}

/// `PENDING → EXPIRED` (conditional, so never over a completed entry), release the card, and
/// void what the grant had authorized (idempotent: one void per operation, however many
/// servers notice). How many operations this call expired.
async fn expire(b: &Backend, ops: &[operations::Model], now: i64) -> ServiceResult<u64> {
    let mut n = 0;
    for o in ops {
        let res = operations::Entity::update_many()
            .col_expr(operations::Column::Status, "EXPIRED".into())
            .col_expr(operations::Column::UpdatedAt, now.into())
            .filter(operations::Column::Id.eq(o.id.clone()))
            .filter(operations::Column::Status.eq("PENDING"))
            .filter(operations::Column::ExpiresAt.lte(now))
            .exec(&b.db)
            .await?;
        n += res.rows_affected;
        let status = if res.rows_affected == 1 {
            "EXPIRED".to_owned()
        } else {
            operations::Entity::find_by_id(o.id.clone())
                .one(&b.db)
                .await?
                .map(|o| o.status)
                .unwrap_or_default()
        };
        if status == "EXPIRED" {
            release_hold(&b.db, &o.pan_hash, &o.id).await?;
            if let Err(e) = ledger::void_authorizations(b, &o.id).await {
                tracing::error!(error = %e, operation_id = o.id, "owing a void failed");
            }
        }
    }
    Ok(n)
}

/// Mark unconfirmed grants past their expiry `EXPIRED`, release their cards and void their
/// authorizations. Safe to run on every app server at once (conditional updates, one owed
/// void per operation).
pub async fn sweep_expired(b: &Backend) -> ServiceResult<u64> {
    let now = b.now_ms();
    let due = operations::Entity::find()
        .filter(operations::Column::Status.eq("PENDING"))
        .filter(operations::Column::ExpiresAt.lte(now))
        .limit(500)
        .all(&b.db)
        .await?;
    expire(b, &due, now).await
}

/// "Try a card": the real engine for a test PAN at a location and time, explained step by
/// step, recording nothing.
pub async fn explain(
    b: &Backend,
    p: &Principal,
    pan: &Pan,
    location_id: &str,
    at: DateTime<Utc>,
) -> ServiceResult<(Decision, Vec<TraceStep>)> {
    p.require(Capability::RulesetsView)?;
    let location = locations::Entity::find_by_id(location_id.to_owned())
        .one(&b.db)
        .await?
        .ok_or_else(|| ServiceError::field("location_id", "Unknown location."))?;
    let pan_hash = b.keys.pan_hash(pan.digits());
    let mut facts = gather(&b.db, pan, &pan_hash, &location, at).await?;
    let at_ms = at.timestamp_millis();
    with_occupancy(&b.db, &mut facts, &location, at_ms, Some(at_ms)).await?;
    with_rpm_verdicts(b, &mut facts, pan, &pan_hash, at).await;
    Ok(decide_on(&facts, at))
}
