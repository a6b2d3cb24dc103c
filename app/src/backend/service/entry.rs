//! The online entry flow behind `POST /pos/check_entry` and `/pos/confirm_entry`.
//!
//! Concurrency: a grant holds the card (a `card_holds` row keyed by the PAN hash, taken with
//! a plain INSERT, so the database — not a process — decides who wins). The hold is taken
//! *before* the card's history is read, and released only after the operation that used it
//! is committed; so every decision for a card sees every earlier entry of that card, on any
//! app server, and two terminals can never spend the same last entry.

use super::super::acquirer::{bounded, AcqOutcome};
use super::super::entity::{card_holds, locations, operations};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{self, card_facts as cards};
use super::super::{Backend, Principal};
use crate::domain::{
    confirm_guests, decide_explained, CardProfile, Currency, Decision, DecisionInput, FxTable,
    Grant, GuestSplit, LocationInfo, Pan, RejectCode, Ruleset, RulesetIndex, RulesetUsage,
    TraceStep,
};
use crate::model::Capability;
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
    pub(super) history: Vec<crate::domain::UsageRecord>,
    pub(super) usage: Vec<RulesetUsage>,
    pub(super) transactions: Vec<crate::domain::CardTransaction>,
    pub(super) fx: FxTable,
}

pub(super) fn location_info(l: &locations::Model) -> ServiceResult<LocationInfo> {
    Ok(LocationInfo {
        id: uuid::Uuid::parse_str(&l.id)
            .map_err(|_| ServiceError::Internal(format!("location id {} is not a uuid", l.id)))?,
        country: l.country.clone(),
        service: l.service_code.clone(),
        cooldown_minutes: l.cooldown_minutes.map(|m| m.max(0) as u32),
        currency: local_currency(&l.country),
    })
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
    let mut card = cards::profile(db, pan.digits()).await?;
    let candidates: Vec<Ruleset> = if card.is_some() {
        repo::rulesets::candidates(db, pan.digits(), now_ms).await?
    } else {
        vec![]
    };
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
    let longest_spend = candidates
        .iter()
        .filter_map(|r| r.spend.as_ref().map(|s| s.period_days))
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
        rpm: None,
    })
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
async fn take_hold(
    b: &Backend,
    pan_hash: &str,
    op_id: &str,
    now: i64,
    until: i64,
) -> ServiceResult<bool> {
    card_holds::Entity::delete_many()
        .filter(card_holds::Column::PanHash.eq(pan_hash))
        .filter(card_holds::Column::ExpiresAt.lte(now))
        .exec(&b.db)
        .await?;
    let inserted = card_holds::ActiveModel {
        pan_hash: Set(pan_hash.to_owned()),
        operation_id: Set(op_id.to_owned()),
        expires_at: Set(until),
    }
    .insert(&b.db)
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
    let location = match &t.location_id {
        Some(id) => locations::Entity::find_by_id(id.clone()).one(&b.db).await?,
        None => None,
    };
    let Some(location) = location else {
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
    let result = decide_and_record(b, op, &op_id, pan, &pan_hash, &location, now, expires_at).await;
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

#[allow(clippy::too_many_arguments)]
async fn decide_and_record(
    b: &Backend,
    mut op: operations::ActiveModel,
    op_id: &str,
    pan: &Pan,
    pan_hash: &str,
    location: &locations::Model,
    now: DateTime<Utc>,
    expires_at: i64,
) -> ServiceResult<CheckOutcome> {
    let facts = gather(&b.db, pan, pan_hash, location, now).await?;
    if let Some(card) = &facts.card {
        op.ica = Set(Some(card.ica.clone()));
        op.ica_name = Set(Some(card.issuer_name.clone()));
        op.product_code = Set(Some(card.product_code.clone()));
    }
    let (decision, _trace) = decide_on(&facts, now);
    let grant = match decision {
        Decision::Grant(g) => g,
        Decision::Reject {
            code, ruleset_id, ..
        } => {
            op.reject_code = Set(Some(code.as_str().to_owned()));
            op.ruleset_id = Set(ruleset_id.map(|r| r.to_string()));
            op.insert(&b.db).await?;
            return Ok(CheckOutcome::Rejected {
                access_id: op_id.to_owned(),
                code,
            });
        }
    };
    op.ruleset_id = Set(Some(grant.ruleset_id.to_string()));
    op.ruleset_version = Set(Some(grant.ruleset_version as i32));
    op.currency = Set(Some(grant.currency.code().to_owned()));

    let timeout = b.settings.acquirer_timeout;
    let asi = bounded(timeout, b.acquirer.account_status(pan.digits())).await;
    op.card_auth_response_code = Set(Some(asi.response_code.clone()));
    let mut refused = (!asi.approved()).then_some(RejectCode::CardAsiFailed);
    if refused.is_none() {
        if let Some(price) = grant.cardholder_price.filter(|_| grant.cardholder_paid) {
            let auth = bounded(timeout, b.acquirer.authorize(pan.digits(), price)).await;
            op.card_auth_response_code = Set(Some(auth.response_code.clone()));
            refused = match auth.outcome {
                AcqOutcome::Approved => None,
                AcqOutcome::InsufficientFunds => Some(RejectCode::CardAuthInsufficientFunds),
                _ => Some(RejectCode::CardAmountAuthFailed),
            };
        }
    }
    if let Some(code) = refused {
        op.reject_code = Set(Some(code.as_str().to_owned()));
        op.insert(&b.db).await?;
        return Ok(CheckOutcome::Rejected {
            access_id: op_id.to_owned(),
            code,
        });
    }
    op.status = Set("PENDING".into());
    op.expires_at = Set(Some(expires_at));
    op.cardholder_paid = Set(grant.cardholder_paid);
    op.free_entry = Set(!grant.cardholder_paid);
    op.cardholder_price_minor = Set(grant.cardholder_price.map(|p| p.minor()));
    op.decision_json = Set(Some(
        serde_json::to_string(&grant).map_err(|e| ServiceError::Internal(e.to_string()))?,
    ));
    op.insert(&b.db).await?;
    Ok(CheckOutcome::Granted {
        access_id: op_id.to_owned(),
        expires_at,
        grant: Box::new(grant),
        location: Box::new(location.clone()),
    })
}

fn stored_split(o: &operations::Model) -> ServiceResult<GuestSplit> {
    let currency = o
        .currency
        .as_deref()
        .and_then(|c| Currency::from_code(c).ok())
        .or_else(|| Currency::from_code("EUR").ok())
        .ok_or_else(|| ServiceError::Internal("no currency".into()))?;
    Ok(GuestSplit {
        cardholder_paid: o.cardholder_paid,
        free_adults: o.free_adult_guests.max(0) as u32,
        paid_adults: o.paid_adult_guests.max(0) as u32,
        free_children: o.free_child_guests.max(0) as u32,
        paid_children: o.paid_child_guests.max(0) as u32,
        total: crate::domain::Money::from_minor(o.total_minor, currency),
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
        remaining_free: grant.remaining_free,
        remaining_paid: grant.remaining_paid,
    })
}

pub async fn confirm_entry(
    b: &Backend,
    t: &TerminalRef,
    access_id: &str,
    adults: u32,
    children: u32,
) -> Result<ConfirmOutcome, ConfirmError> {
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
        expire(&b.db, &[o], now).await?;
        return Err(ConfirmError::Expired);
    }
    let grant = grant_of(&o)?;
    let split = confirm_guests(&grant, adults, children)
        .map_err(|e| ConfirmError::InvalidGuests(e.to_string()))?;
    // The cardholder's own price was authorized at check; guests are authorized now.
    let guests_minor = split.total.minor()
        - grant
            .cardholder_price
            .filter(|_| grant.cardholder_paid)
            .map(|p| p.minor())
            .unwrap_or(0);
    let mut auth_code = o.card_auth_response_code.clone();
    if guests_minor > 0 {
        // The PAN is not stored; a paid-guest confirm needs no PAN only if the acquirer
        // supports incremental auth by reference. The simulator and adapter authorize by
        // the operation id (the check's authorization reference).
        let amount = crate::domain::Money::from_minor(guests_minor, split.total.currency());
        let auth = bounded(
            b.settings.acquirer_timeout,
            b.acquirer.authorize(&o.id, amount),
        )
        .await;
        auth_code = Some(auth.response_code.clone());
        let code = match auth.outcome {
            AcqOutcome::Approved => None,
            AcqOutcome::InsufficientFunds => Some(RejectCode::CardAuthInsufficientFunds),
            _ => Some(RejectCode::CardAmountAuthFailed),
        };
        if let Some(code) = code {
            operations::Entity::update_many()
                .col_expr(operations::Column::CardAuthResponseCode, auth_code.into())
                .col_expr(operations::Column::UpdatedAt, now.into())
                .filter(operations::Column::Id.eq(o.id.clone()))
                .exec(&b.db)
                .await?;
            return Ok(ConfirmOutcome::Declined {
                access_id: o.id,
                code,
            });
        }
    }
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
        .col_expr(operations::Column::TotalMinor, split.total.minor().into())
        .col_expr(
            operations::Column::Currency,
            Some(split.total.currency().code().to_owned()).into(),
        )
        .col_expr(operations::Column::CardAuthResponseCode, auth_code.into())
        .col_expr(operations::Column::ConfirmedAt, Some(now).into())
        .col_expr(operations::Column::UpdatedAt, now.into())
        .filter(operations::Column::Id.eq(o.id.clone()))
        .filter(operations::Column::Status.eq("PENDING"))
        .exec(&b.db)
        .await?;
    if updated.rows_affected == 0 {
        // A concurrent confirm or the sweeper got there first: answer from the stored row.
        let now_row = operations::Entity::find_by_id(o.id.clone())
            .one(&b.db)
            .await?
            .ok_or(ConfirmError::NotFound)?;
        return match now_row.status.as_str() {
            "COMPLETED" | "REVERSED" => completed(&now_row, adults, children),
            _ => Err(ConfirmError::Expired),
        };
    }
    release_hold(&b.db, &o.pan_hash, &o.id).await?;
    if let Err(e) = super::terminals::event(&b.db, &t.id, "entry_completed", None, now).await {
        tracing::warn!(error = %e, "terminal event not recorded");
    }
    Ok(ConfirmOutcome::Completed {
        access_id: o.id,
        split,
        remaining_free: grant.remaining_free,
        remaining_paid: grant.remaining_paid,
    })
}

async fn expire<C: ConnectionTrait>(
    db: &C,
    ops: &[operations::Model],
    now: i64,
) -> Result<u64, sea_orm::DbErr> {
    let mut n = 0;
    for o in ops {
        let res = operations::Entity::update_many()
            .col_expr(operations::Column::Status, "EXPIRED".into())
            .col_expr(operations::Column::UpdatedAt, now.into())
            .filter(operations::Column::Id.eq(o.id.clone()))
            .filter(operations::Column::Status.eq("PENDING"))
            .exec(db)
            .await?;
        n += res.rows_affected;
        release_hold(db, &o.pan_hash, &o.id).await?;
    }
    Ok(n)
}

/// Mark unconfirmed grants past their expiry `EXPIRED` and release their cards.
/// Safe to run on every app server at once (conditional updates).
pub async fn sweep_expired(b: &Backend) -> ServiceResult<u64> {
    let now = b.now_ms();
    let due = operations::Entity::find()
        .filter(operations::Column::Status.eq("PENDING"))
        .filter(operations::Column::ExpiresAt.lte(now))
        .limit(500)
        .all(&b.db)
        .await?;
    Ok(expire(&b.db, &due, now).await?)
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
    let facts = gather(&b.db, pan, &b.keys.pan_hash(pan.digits()), &location, at).await?;
    Ok(decide_on(&facts, at))
}
