//! The access decision: given a card, a location, the candidate rulesets and the card's
//! history, grant (with the terms of this entry) or reject (with a code). Pure: `now` and
//! every fact are inputs; no I/O, no clock.
//!
//! # Order of evaluation and reject precedence
//! 1. `TEMPORARILY_BLOCKED` — the card's history holds an open grant: a `PENDING` operation
//!    whose `expires_at` is after `now` (or unknown). Checked first: nothing else is decided
//!    while a grant of the card is open anywhere.
//! 2. `MISSING_ACCESS_RULES` — the card's BIN is unknown (`card: None`), or no ruleset
//!    matches statically: validity window (`valid_from <= now < valid_to`), location's service
//!    in the ruleset's services, location in its list (or of its country), the card in one of
//!    its BIN ranges (first that-many digits between `from` and `to`, same ICA), issuer country
//!    and product code when set, and the RPM hook (when one is configured, for `rpm`
//!    rulesets). When the only rulesets that match are refused by the RPM hook, the code is
//!    `UNMET_REQUIREMENTS` (a rule covers the card; its external requirements are not met).
//! 3. `COOLDOWN_ACTIVE` — the location has a cooldown and the card has a successful visit
//!    (COMPLETED or open PENDING, under any ruleset) there less than that many minutes from
//!    `now` (either side of `now`, so a late-evaluated offline entry is judged the same way).
//! 4. Per matching ruleset: the total-usage cap (issuer budget, over all cards), the
//!    per-location cap, then free entries, else paid entries; a ruleset with an entry left
//!    then has its spend condition checked.
//! 5. The best admitting ruleset wins: free before paid; among paid the cheapest (prices in
//!    different currencies are compared in the location's currency, or EUR, at `now`'s FX
//!    rate; a price without a rate ranks last); ties → the narrowest matching BIN range (in
//!    8-digit BINs covered) → the newest `created_at` → the higher version → the smaller id.
//! 6. Nothing admits: `UNMET_REQUIREMENTS` when some matching ruleset had an entry left and
//!    only its spend condition failed (the cardholder can still qualify — "contact your
//!    bank"); otherwise `LIMIT_EXCEEDED`.
//! 7. `LOCATION_FULL` — only when the card would otherwise be granted: the location has a
//!    capacity and its live occupancy (a fact given in [`LocationInfo`]: people admitted within
//!    the location's typical stay, plus the seats open grants reserve) leaves no seat for the
//!    cardholder. Guests are checked against the seats left at confirm.
//!
//! # Counting
//! Operations that count: `COMPLETED`, and `PENDING` whose `expires_at` is after `now` (a
//! grant reserves its entry). `REVERSED`, `EXPIRED`, `REJECTED` and lapsed `PENDING` never
//! count. A card's operation counts for the ruleset it was decided under (`ruleset_id`, any
//! version). With `cardholder.period_days` set, the free, paid, per-location and guest counts
//! take operations with `occurred_at >= now - period` (a rolling window ending now);
//! otherwise all of them. Operations dated after `now` are counted too (conservative).
//!
//! # Spend control and grace period
//! A transaction counts towards a ruleset's spend when all hold:
//! * `occurred_at` is within `[now - period_days, now]` (transaction time, both ends
//!   inclusive: period 10 at 11/01 12:30 → 01/01 12:30 … 11/01 12:30);
//! * its MCC is in the list (an empty list takes every MCC);
//! * it has cleared (`cleared_at` set) no later than `now + grace_days` (clearing data that
//!   arrives late still counts, by its transaction time, when a decision is evaluated later
//!   with a past `now`, e.g. an offline report). Uncleared (authorised-only) transactions never
//!   count;
//! * its amount converts into the spend currency: FX rate of the transaction's UTC date (see
//!   [`FxTable`]), rounded half-up to minor units per transaction. A transaction without a
//!   rate is left out (and said so in the trace). Negative amounts (refunds) reduce the sum.
//!
//! The condition holds when the sum is at least the required amount.
//!
//! **Grace period** (`grace_days`): a card that met the spend requirement at any moment
//! within the last `grace_days` keeps qualifying. The window above is evaluated for every
//! anchor `a` in `[now - grace_days, now]` (window `[a - period_days, a]`) and the condition
//! holds when any of them reaches the amount; with grace 0 the only anchor is `now`. Example:
//! period 30 days, spend met by a purchase 33 days ago (window still met 3 days ago): grace 5
//! → qualifies, grace 2 → `UNMET_REQUIREMENTS`.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::card::CardProfile;
use super::index::{Miss, RulesetIndex, Terms};
use super::money::{Currency, FxTable, Money, MoneyError};
use super::ruleset::{
    minus_days, plus_days, short_eq, GuestTerms, LocationInfo, Mcc, Ruleset, SpendControl,
};

// ---------------------------------------------------------------------------------------------
// Inputs

/// Operation status (seed: "Operations").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationStatus {
    Pending,
    Completed,
    Rejected,
    Expired,
    Reversed,
}

impl OperationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            OperationStatus::Pending => "PENDING",
            OperationStatus::Completed => "COMPLETED",
            OperationStatus::Rejected => "REJECTED",
            OperationStatus::Expired => "EXPIRED",
            OperationStatus::Reversed => "REVERSED",
        }
    }

    pub fn parse(s: &str) -> Option<OperationStatus> {
        Some(match s {
            "PENDING" => OperationStatus::Pending,
            "COMPLETED" => OperationStatus::Completed,
            "REJECTED" => OperationStatus::Rejected,
            "EXPIRED" => OperationStatus::Expired,
            "REVERSED" => OperationStatus::Reversed,
            _ => return None,
        })
    }
}

/// Guests of one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestCounts {
    pub free_adults: u32,
    pub paid_adults: u32,
    pub free_children: u32,
    pub paid_children: u32,
}

/// One past operation of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    /// The ruleset it was decided under (`None`: rejected, or offline without a ruleset —
    /// it then counts only for the cooldown).
    pub ruleset_id: Option<Uuid>,
    pub location_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub status: OperationStatus,
    /// For `PENDING`: when the grant lapses. `None` = open until confirmed.
    pub expires_at: Option<DateTime<Utc>>,
    pub cardholder_paid: bool,
    pub guests: GuestCounts,
}

impl UsageRecord {
    /// A grant not yet confirmed nor lapsed at `now`.
    pub fn is_open_grant_at(&self, now: DateTime<Utc>) -> bool {
        self.status == OperationStatus::Pending && self.expires_at.is_none_or(|e| e > now)
    }

    /// Counts towards limits at `now`: COMPLETED, or an open grant.
    pub fn counts_at(&self, now: DateTime<Utc>) -> bool {
        self.status == OperationStatus::Completed || self.is_open_grant_at(now)
    }
}

/// Successful uses of a ruleset over all cards, for its total-usage cap.
///
/// Count operations of the ruleset (any version) that are COMPLETED or open PENDING, with
/// `occurred_at >= counted_since` (`None` = all time). Use
/// [`Ruleset::total_usage_window_start`]`(now)` for `counted_since`. The engine accepts a
/// count over the required window or a wider one (a wider one can only over-count); a
/// narrower window, or a missing count for a capped ruleset, fails closed: the ruleset does
/// not admit (trace: `TOTAL_USAGE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesetUsage {
    pub ruleset_id: Uuid,
    pub counted_since: Option<DateTime<Utc>>,
    pub count: u32,
}

/// A card transaction from MRS, for spend checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardTransaction {
    pub occurred_at: DateTime<Utc>,
    /// `None` = not cleared (never counts).
    pub cleared_at: Option<DateTime<Utc>>,
    pub amount: Money,
    pub mcc: Mcc,
}

/// External rules (RPM) for rulesets with `rpm: true`. Without a hook such rulesets are
/// decided by their own terms only. Implementations must be pure over prefetched data (the
/// server asks the external rule engine before deciding and passes its verdicts in). A
/// refused ruleset does not admit the card; when no other ruleset matches, the reject is
/// `UNMET_REQUIREMENTS`.
pub trait RpmHook {
    fn allows(&self, ruleset: &Ruleset, card: &CardProfile, location: &LocationInfo) -> bool;
}

/// The `rpm` rulesets (latest version per id) that match the card at the location at `now`
/// by their own conditions: the ones whose external verdict a decision can need. The server
/// asks the external rule engine for these only, before deciding.
pub fn rpm_candidates<'a>(
    rulesets: &'a RulesetIndex,
    card: &CardProfile,
    location: &LocationInfo,
    now: DateTime<Utc>,
) -> Vec<&'a Ruleset> {
    let mut out: Vec<&'a Ruleset> = Vec::new();
    for rs in rulesets.rulesets().iter().filter(|r| r.rpm) {
        if static_match_at(rs, card, location, now).is_err() {
            continue;
        }
        match out.iter_mut().find(|r| r.id == rs.id) {
            Some(seen) if seen.version < rs.version => *seen = rs,
            Some(_) => {}
            None => out.push(rs),
        }
    }
    out
}

/// Everything a decision depends on.
#[derive(Clone, Copy)]
pub struct DecisionInput<'a> {
    pub now: DateTime<Utc>,
    /// The card's BIN table entry; `None` = BIN unknown.
    pub card: Option<&'a CardProfile>,
    pub location: &'a LocationInfo,
    /// Candidate rulesets (any superset of the relevant ones; one version per id — for
    /// duplicate ids the highest version is used), prepared once: [`RulesetIndex::new`].
    pub rulesets: &'a RulesetIndex,
    /// The card's operations: at least those within the longest counting window of the
    /// candidates (all of them for rulesets without a period) and the cooldown. Others are
    /// ignored.
    pub history: &'a [UsageRecord],
    /// Total-usage counts of the capped candidates.
    pub ruleset_usage: &'a [RulesetUsage],
    /// The card's transactions (for spend control); order is free, results refer to indices.
    pub transactions: &'a [CardTransaction],
    pub fx: &'a FxTable,
    pub rpm: Option<&'a dyn RpmHook>,
}

// ---------------------------------------------------------------------------------------------
// Outputs

/// Reject codes of `check_entry`/`confirm_entry` (POS API v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RejectCode {
    CardAsiFailed,
    CardAuthInsufficientFunds,
    CardAmountAuthFailed,
    LimitExceeded,
    UnmetRequirements,
    TemporarilyBlocked,
    MissingAccessRules,
    UnknownDevice,
    CooldownActive,
    LocationFull,
}

impl RejectCode {
    /// Every variant, from the derive: a new variant cannot be missing here.
    pub const ALL: &'static [RejectCode] = <RejectCode as strum::VariantArray>::VARIANTS;

    /// The wire code.
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectCode::CardAsiFailed => "CARD_ASI_FAILED",
            RejectCode::CardAuthInsufficientFunds => "CARD_AUTH_INSUFFICIENT_FUNDS",
            RejectCode::CardAmountAuthFailed => "CARD_AMOUNT_AUTH_FAILED",
            RejectCode::LimitExceeded => "LIMIT_EXCEEDED",
            RejectCode::UnmetRequirements => "UNMET_REQUIREMENTS",
            RejectCode::TemporarilyBlocked => "TEMPORARILY_BLOCKED",
            RejectCode::MissingAccessRules => "MISSING_ACCESS_RULES",
            RejectCode::UnknownDevice => "UNKNOWN_DEVICE",
            RejectCode::CooldownActive => "COOLDOWN_ACTIVE",
            RejectCode::LocationFull => "LOCATION_FULL",
        }
    }

    /// The message the terminal shows (seed: "Check entry error codes handling").
    pub fn message(&self) -> &'static str {
        match self {
            RejectCode::CardAsiFailed => {
                "Card status authorization failed. Use the card again to try amount verification."
            }
            RejectCode::CardAuthInsufficientFunds => {
                "Insufficient card funds. Authorization cannot be performed."
            }
            RejectCode::CardAmountAuthFailed => "Amount verification failed.",
            RejectCode::LimitExceeded => "The usage limit for this card is exceeded.",
            RejectCode::UnmetRequirements => {
                "Requirements to access the service are not fulfilled. Contact your bank for more information."
            }
            RejectCode::TemporarilyBlocked => {
                "The card was recently used and the transaction is not completed. Complete the transaction or wait a while and retry."
            }
            RejectCode::MissingAccessRules => {
                "Your card is not allowed to be used in this location."
            }
            RejectCode::UnknownDevice => "The device is not assigned to any location.",
            RejectCode::CooldownActive => {
                "The card was used at this location a short while ago. Please try again later."
            }
            RejectCode::LocationFull => {
                "The location is full at the moment. Please try again later."
            }
        }
    }

    /// The reason in a few words for the panel's operators ("Rejected — no rule for this
    /// location"); [`RejectCode::message`] is what the cardholder reads on the terminal.
    pub fn reason(&self) -> &'static str {
        match self {
            RejectCode::CardAsiFailed => "card status check failed",
            RejectCode::CardAuthInsufficientFunds => "insufficient funds",
            RejectCode::CardAmountAuthFailed => "amount authorization failed",
            RejectCode::LimitExceeded => "visit limit reached",
            RejectCode::UnmetRequirements => "rule requirements not met",
            RejectCode::TemporarilyBlocked => "card busy with an unfinished entry",
            RejectCode::MissingAccessRules => "no rule for this location",
            RejectCode::UnknownDevice => "terminal not assigned to a location",
            RejectCode::CooldownActive => "used here a short while ago",
            RejectCode::LocationFull => "location full",
        }
    }

    /// Parses a wire code (also the seed's misspelling `TEMPORARILT_BLOCKED`).
    pub fn parse(s: &str) -> Option<RejectCode> {
        if s == "TEMPORARILT_BLOCKED" {
            return Some(RejectCode::TemporarilyBlocked);
        }
        RejectCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for RejectCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the terminal may offer for one kind of guest on this entry. Counts: `None` =
/// unlimited; `Some(0)` = none (also when the option is not configured).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestAllowance {
    /// Most guests of this kind on this entry: the per-entry max, capped by what is left.
    pub max: u32,
    pub free_available: Option<u32>,
    pub paid_available: Option<u32>,
    pub price: Option<Money>,
    /// Children only: under this age they enter free and uncounted.
    pub free_under_age: Option<u8>,
}

/// A granted entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub ruleset_id: Uuid,
    pub ruleset_version: u32,
    pub cardholder_paid: bool,
    pub cardholder_price: Option<Money>,
    /// The cardholder's free entries left after this one (`None` = unlimited), also capped by
    /// the per-location cap.
    pub remaining_free: Option<u32>,
    /// Paid entries left after this one (`None` = unlimited; `Some(0)` when no paid option).
    pub remaining_paid: Option<u32>,
    pub adults: GuestAllowance,
    pub children: GuestAllowance,
    /// The entry's primary currency: of the ruleset's first price (cardholder, adults,
    /// children — each price may have its own), else its spend amount, else the location's,
    /// else EUR. A free entry's zero total is in it.
    pub currency: Currency,
    /// Indices into [`DecisionInput::transactions`] that counted towards the spend condition
    /// ("Show transactions"); empty without spend control.
    pub spend_transactions_used: Vec<usize>,
    /// Index of the matching BIN range in the ruleset.
    pub bin_range_index: usize,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status")]
pub enum Decision {
    #[serde(rename = "GRANTED")]
    Grant(Grant),
    #[serde(rename = "REJECTED")]
    Reject {
        code: RejectCode,
        /// For operators (panel, logs), not for the terminal: says which rule failed.
        explanation: String,
        /// The ruleset whose failure decided the code, when there is one.
        ruleset_id: Option<Uuid>,
    },
}

impl Decision {
    pub fn grant(&self) -> Option<&Grant> {
        match self {
            Decision::Grant(g) => Some(g),
            Decision::Reject { .. } => None,
        }
    }

    pub fn reject_code(&self) -> Option<RejectCode> {
        match self {
            Decision::Grant(_) => None,
            Decision::Reject { code, .. } => Some(*code),
        }
    }
}

/// The step of an explanation trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TraceStepKind {
    Card,
    OpenGrant,
    Validity,
    Service,
    Location,
    BinRange,
    IssuerCountry,
    Product,
    /// The ruleset admits enrolled cards only and this card is not enrolled.
    Enrolment,
    Rpm,
    /// All static conditions hold.
    Matched,
    /// Another version of the same ruleset was used instead.
    Superseded,
    Cooldown,
    TotalUsage,
    LocationCap,
    CardholderEntry,
    Spend,
    Selected,
    /// The location's live occupancy against its capacity.
    Capacity,
}

/// One line of the "try a card" explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceStep {
    pub ruleset_id: Option<Uuid>,
    pub step: TraceStepKind,
    pub passed: bool,
    pub detail: String,
}

// ---------------------------------------------------------------------------------------------
// Tracing (zero-cost when off)

trait Tracer {
    const ON: bool;
    fn push(&mut self, ruleset_id: Option<Uuid>, step: TraceStepKind, passed: bool, detail: String);
}

struct NoTrace;
impl Tracer for NoTrace {
    const ON: bool = false;
    #[inline(always)]
    fn push(&mut self, _: Option<Uuid>, _: TraceStepKind, _: bool, _: String) {}
}

struct Collect(Vec<TraceStep>);
impl Tracer for Collect {
    const ON: bool = true;
    fn push(
        &mut self,
        ruleset_id: Option<Uuid>,
        step: TraceStepKind,
        passed: bool,
        detail: String,
    ) {
        self.0.push(TraceStep {
            ruleset_id,
            step,
            passed,
            detail,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Candidates

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fail {
    TotalMissing,
    TotalWindow,
    TotalCap,
    LocationCap,
    Cardholder,
    Spend,
}

struct Cand<'r> {
    rs: &'r Ruleset,
    t: &'r Terms,
    range_idx: usize,
    width: u64,
    window_start: Option<DateTime<Utc>>,
    superseded: bool,
    free_used: u32,
    paid_used: u32,
    at_location: u32,
    guests: GuestCounts,
    total: Option<(u32, Option<DateTime<Utc>>)>,
    /// `Ok(paid)` = an entry is left (free / paid), `Err` = why not.
    limits: Result<bool, Fail>,
    spend: SpendState,
    /// The paid price in the comparison currency (minor units); `None` = not comparable.
    price_key: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SpendState {
    NotRequired,
    Unknown,
    Met,
    Unmet,
}

impl Cand<'_> {
    fn outcome(&self) -> Result<bool, Fail> {
        match (self.limits, self.spend) {
            (Err(f), _) => Err(f),
            (Ok(_), SpendState::Unmet) => Err(Fail::Spend),
            (Ok(p), _) => Ok(p),
        }
    }
}

/// Open-addressing index from ruleset id to candidate slot (ids are random UUIDs, so their
/// bits hash well).
struct IdIndex {
    slots: Vec<u32>,
    mask: usize,
}

const EMPTY: u32 = u32::MAX;

#[inline]
fn id_hash(id: &Uuid) -> usize {
    let (a, b) = id.as_u64_pair();
    ((a ^ b.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize
}

impl IdIndex {
    /// Indexes the candidates; of two with one id, the lower version is marked superseded.
    fn build(cands: &mut [Cand<'_>]) -> IdIndex {
        let cap = (cands.len() * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        let mut slots = vec![EMPTY; cap];
        for i in 0..cands.len() {
            let id = cands[i].t.id;
            let mut h = id_hash(&id) & mask;
            loop {
                let s = slots[h];
                if s == EMPTY {
                    slots[h] = i as u32;
                    break;
                }
                let other = s as usize;
                if cands[other].t.id == id {
                    if cands[i].t.version > cands[other].t.version {
                        cands[other].superseded = true;
                        slots[h] = i as u32;
                    } else {
                        cands[i].superseded = true;
                    }
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        IdIndex { slots, mask }
    }

    #[inline]
    fn get(&self, cands: &[Cand<'_>], id: &Uuid) -> Option<usize> {
        let mut h = id_hash(id) & self.mask;
        loop {
            let s = self.slots[h];
            if s == EMPTY {
                return None;
            }
            if cands[s as usize].t.id == *id {
                return Some(s as usize);
            }
            h = (h + 1) & self.mask;
        }
    }
}

/// Static match by the ruleset itself (RPM aside): `Ok((range index, width))` or the first
/// failing step. [`RulesetIndex::matches`] is the compact equivalent.
#[inline]
fn static_match(
    rs: &Ruleset,
    card: &CardProfile,
    input: &DecisionInput<'_>,
) -> Result<(usize, u64), TraceStepKind> {
    static_match_at(rs, card, input.location, input.now)
}

fn static_match_at(
    rs: &Ruleset,
    card: &CardProfile,
    loc: &LocationInfo,
    now: DateTime<Utc>,
) -> Result<(usize, u64), TraceStepKind> {
    if !rs.is_valid_at(now) {
        return Err(TraceStepKind::Validity);
    }
    let in_location = match &rs.locations {
        super::ruleset::LocationScope::Locations { ids } => ids.contains(&loc.id),
        super::ruleset::LocationScope::Country { country } => short_eq(country, &loc.country),
    };
    if !rs.services.iter().any(|s| short_eq(s, &loc.service)) {
        return Err(TraceStepKind::Service);
    }
    if !in_location {
        return Err(TraceStepKind::Location);
    }
    let Some(range) = rs.matching_bin_range(card) else {
        return Err(TraceStepKind::BinRange);
    };
    if !rs.applies_to_card_profile(card) {
        return Err(
            if rs
                .issuer_country
                .as_ref()
                .is_some_and(|c| *c != card.issuer_country)
            {
                TraceStepKind::IssuerCountry
            } else {
                TraceStepKind::Product
            },
        );
    }
    if rs.enrolled_only && !card.enrolled {
        return Err(TraceStepKind::Enrolment);
    }
    Ok(range)
}

fn miss_step(m: Miss) -> TraceStepKind {
    match m {
        Miss::Validity => TraceStepKind::Validity,
        Miss::Service => TraceStepKind::Service,
        Miss::Location => TraceStepKind::Location,
        Miss::BinRange => TraceStepKind::BinRange,
        Miss::IssuerCountry => TraceStepKind::IssuerCountry,
        Miss::Product => TraceStepKind::Product,
        Miss::Enrolment => TraceStepKind::Enrolment,
    }
}

fn mismatch_detail(
    step: TraceStepKind,
    rs: &Ruleset,
    card: &CardProfile,
    input: &DecisionInput<'_>,
) -> String {
    let loc = input.location;
    match step {
        TraceStepKind::Validity => format!(
            "not valid at {}: valid from {} to {}",
            input.now.to_rfc3339(),
            rs.valid_from.to_rfc3339(),
            rs.valid_to
                .map_or("open end".to_string(), |t| t.to_rfc3339())
        ),
        TraceStepKind::Service => format!(
            "location service {} not among {:?}",
            loc.service, rs.services
        ),
        TraceStepKind::Location => match &rs.locations {
            super::ruleset::LocationScope::Locations { ids } => {
                format!(
                    "location {} not among the ruleset's {} locations",
                    loc.id,
                    ids.len()
                )
            }
            super::ruleset::LocationScope::Country { country } => {
                format!("location country {} is not {}", loc.country, country)
            }
        },
        TraceStepKind::BinRange => format!(
            "card BIN {} (ICA {}) in none of {} BIN ranges",
            card.bin,
            card.ica,
            rs.bin_ranges.len()
        ),
        TraceStepKind::IssuerCountry => format!(
            "issuer country {} is not {}",
            card.issuer_country,
            rs.issuer_country.as_deref().unwrap_or("")
        ),
        TraceStepKind::Product => format!(
            "product {} not among {:?}",
            card.product_code, rs.product_codes
        ),
        TraceStepKind::Enrolment => {
            "not enrolled: this ruleset admits cards enrolled in MRS only".to_string()
        }
        TraceStepKind::Rpm => "the RPM rules refuse the card".to_string(),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Spend

/// The result of a spend check ("Show transactions").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpendCheck {
    pub required: Money,
    /// Sum of the counted transactions in the spend currency.
    pub spent: Money,
    pub met: bool,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// Indices of the counted transactions.
    pub used: Vec<usize>,
    /// In-window, cleared, MCC-matching transactions left out for want of an FX rate.
    pub without_rate: u32,
}

const UNCONVERTED: i64 = i64::MIN;
const NO_RATE: i64 = i64::MIN + 1;

/// Transaction amounts converted into spend currencies, each computed on first use (one
/// conversion per transaction and currency per decision).
struct SpendCache {
    sets: Vec<(Currency, Vec<i64>)>,
}

impl SpendCache {
    fn new() -> SpendCache {
        SpendCache { sets: Vec::new() }
    }

    fn cells(&mut self, currency: Currency, n: usize) -> &mut [i64] {
        let i = match self.sets.iter().position(|s| s.0 == currency) {
            Some(i) => i,
            None => {
                self.sets.push((currency, vec![UNCONVERTED; n]));
                self.sets.len() - 1
            }
        };
        &mut self.sets[i].1
    }
}

/// Sums the counted transactions (module docs); stops early once met when `early` and
/// `used` is not wanted.
#[allow(clippy::too_many_arguments)]
fn spend_sum(
    spend: &SpendControl,
    txs: &[CardTransaction],
    fx: &FxTable,
    cache: &mut SpendCache,
    now: DateTime<Utc>,
    anchor: DateTime<Utc>,
    early: bool,
    mut used: Option<&mut Vec<usize>>,
) -> (i128, u32) {
    let start = minus_days(anchor, spend.period_days);
    let clear_limit = plus_days(now, spend.grace_days);
    let cur = spend.amount.currency();
    let need = spend.amount.minor() as i128;
    let mut sum: i128 = 0;
    let mut without_rate = 0u32;
    let cells = cache.cells(cur, txs.len());
    for (i, t) in txs.iter().enumerate() {
        if t.occurred_at < start || t.occurred_at > anchor {
            continue;
        }
        match t.cleared_at {
            Some(c) if c <= clear_limit => {}
            _ => continue,
        }
        if !spend.mccs.is_empty() && !spend.mccs.contains(&t.mcc) {
            continue;
        }
        let minor = if t.amount.currency() == cur {
            t.amount.minor()
        } else {
            let cell = &mut cells[i];
            if *cell == UNCONVERTED {
                *cell = match fx.convert(t.amount, cur, t.occurred_at.date_naive()) {
                    Ok(m) if m.minor() > NO_RATE => m.minor(),
                    _ => NO_RATE,
                };
            }
            if *cell == NO_RATE {
                without_rate += 1;
                continue;
            }
            *cell
        };
        sum += minor as i128;
        if let Some(u) = used.as_deref_mut() {
            u.push(i);
        } else if early && sum >= need {
            break;
        }
    }
    (sum, without_rate)
}

/// The window end that decides the spend condition (module docs, grace period): `now` when
/// met there or without grace; else the first anchor in `[now - grace, now]` (latest first)
/// whose window is met; else `now`. The sum is piecewise constant in the anchor, changing
/// only where a transaction enters (`a = occurred_at`) or leaves (`a > occurred_at + period`)
/// the window, so those points (and one millisecond after) are the only ones to try.
fn spend_anchor(
    spend: &SpendControl,
    txs: &[CardTransaction],
    fx: &FxTable,
    cache: &mut SpendCache,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let need = spend.amount.minor() as i128;
    // Stopping once met is exact only without refunds (negative amounts).
    let early = txs.iter().all(|t| t.amount.minor() >= 0);
    if spend.grace_days == 0 || spend_sum(spend, txs, fx, cache, now, now, early, None).0 >= need {
        return now;
    }
    let earliest = minus_days(now, spend.grace_days);
    let after = |t: DateTime<Utc>| t.checked_add_signed(Duration::milliseconds(1)).unwrap_or(t);
    let mut anchors: Vec<DateTime<Utc>> = vec![earliest];
    for t in txs {
        let leave = plus_days(t.occurred_at, spend.period_days);
        anchors.extend([t.occurred_at, after(t.occurred_at), leave, after(leave)]);
    }
    anchors.retain(|a| *a >= earliest && *a < now);
    anchors.sort_unstable_by(|a, b| b.cmp(a));
    anchors.dedup();
    anchors
        .into_iter()
        .find(|a| spend_sum(spend, txs, fx, cache, now, *a, early, None).0 >= need)
        .unwrap_or(now)
}

/// Evaluates one spend condition in full (for "Show transactions" and the trace).
pub fn evaluate_spend(
    spend: &SpendControl,
    transactions: &[CardTransaction],
    fx: &FxTable,
    now: DateTime<Utc>,
) -> SpendCheck {
    let mut used = Vec::new();
    let mut cache = SpendCache::new();
    let anchor = spend_anchor(spend, transactions, fx, &mut cache, now);
    let (sum, without_rate) = spend_sum(
        spend,
        transactions,
        fx,
        &mut cache,
        now,
        anchor,
        false,
        Some(&mut used),
    );
    let cur = spend.amount.currency();
    let clamped = sum.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    SpendCheck {
        required: spend.amount,
        spent: Money::from_minor(clamped, cur),
        met: sum >= spend.amount.minor() as i128,
        window_start: minus_days(anchor, spend.period_days),
        window_end: anchor,
        used,
        without_rate,
    }
}

// ---------------------------------------------------------------------------------------------
// The decision

/// Decides one `check_entry`. See the module docs for the rules.
pub fn decide(input: &DecisionInput<'_>) -> Decision {
    run(input, &mut NoTrace)
}

/// [`decide`] plus the explanation trace (which rulesets matched, which condition failed).
pub fn decide_explained(input: &DecisionInput<'_>) -> (Decision, Vec<TraceStep>) {
    let mut t = Collect(Vec::new());
    let d = run(input, &mut t);
    (d, t.0)
}

fn reject(code: RejectCode, explanation: String, ruleset_id: Option<Uuid>) -> Decision {
    Decision::Reject {
        code,
        explanation,
        ruleset_id,
    }
}

fn fail_detail(c: &Cand<'_>, f: Fail, input: &DecisionInput<'_>) -> String {
    let rs = c.rs;
    let ch = &rs.cardholder;
    let period = |p: Option<u32>| p.map_or("ever".to_string(), |d| format!("in the last {d} days"));
    match f {
        Fail::TotalMissing => "total usage count of the ruleset not supplied (fails closed)".into(),
        Fail::TotalWindow => {
            "total usage count covers a narrower window than the cap's period (fails closed)".into()
        }
        Fail::TotalCap => {
            let cap = rs.total_usage.unwrap_or(super::ruleset::TotalUsageCap {
                limit: 0,
                period_days: None,
            });
            format!(
                "ruleset total usage {} of {} {} reached",
                c.total.map_or(0, |t| t.0),
                cap.limit,
                period(cap.period_days)
            )
        }
        Fail::LocationCap => format!(
            "{} of {} entries at this location {} used",
            c.at_location,
            ch.per_location_cap.unwrap_or(0),
            period(ch.period_days)
        ),
        Fail::Cardholder => format!(
            "free entries {} and paid entries {} used up ({} free, {} paid used {})",
            ch.free
                .map_or("not offered".to_string(), |l| format!("{l:?}")),
            ch.paid
                .as_ref()
                .map_or("not offered".to_string(), |p| format!("{:?}", p.limit)),
            c.free_used,
            c.paid_used,
            period(ch.period_days)
        ),
        Fail::Spend => match &rs.spend {
            Some(s) => {
                let chk = evaluate_spend(s, input.transactions, input.fx, input.now);
                let mut d = format!(
                    "spent {} of {} required in the last {} days{} ({} transactions counted)",
                    chk.spent,
                    chk.required,
                    s.period_days,
                    if s.mccs.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " at MCCs {:?}",
                            s.mccs.iter().map(|m| m.to_string()).collect::<Vec<_>>()
                        )
                    },
                    chk.used.len()
                );
                if chk.without_rate > 0 {
                    d.push_str(&format!(
                        ", {} left out without an FX rate",
                        chk.without_rate
                    ));
                }
                d
            }
            None => String::new(),
        },
    }
}

fn fail_step(f: Fail) -> TraceStepKind {
    match f {
        Fail::TotalMissing | Fail::TotalWindow | Fail::TotalCap => TraceStepKind::TotalUsage,
        Fail::LocationCap => TraceStepKind::LocationCap,
        Fail::Cardholder => TraceStepKind::CardholderEntry,
        Fail::Spend => TraceStepKind::Spend,
    }
}

/// `now - days`, memoised (rulesets mostly share a few periods).
struct Windows {
    now: DateTime<Utc>,
    seen: Vec<(u32, DateTime<Utc>)>,
}

impl Windows {
    fn new(now: DateTime<Utc>) -> Windows {
        Windows {
            now,
            seen: Vec::new(),
        }
    }

    fn start(&mut self, days: u32) -> DateTime<Utc> {
        for &(d, t) in &self.seen {
            if d == days {
                return t;
            }
        }
        let t = minus_days(self.now, days);
        if self.seen.len() < 16 {
            self.seen.push((days, t));
        }
        t
    }
}

/// Limits of one candidate: `Ok(paid)` or why not.
fn check_limits(c: &Cand<'_>, windows: &mut Windows) -> Result<bool, Fail> {
    let t = c.t;
    if let Some(cap) = t.total {
        let Some((count, since)) = c.total else {
            return Err(Fail::TotalMissing);
        };
        let window_ok = match (cap.period_days.map(|d| windows.start(d)), since) {
            (None, None) => true,
            (None, Some(_)) => false,
            (Some(_), None) => true,
            (Some(need), Some(s)) => s <= need,
        };
        if !window_ok {
            return Err(Fail::TotalWindow);
        }
        if count >= cap.limit {
            return Err(Fail::TotalCap);
        }
    }
    if let Some(cap) = t.per_location_cap {
        if c.at_location >= cap {
            return Err(Fail::LocationCap);
        }
    }
    if t.free.is_some_and(|l| l.available(c.free_used)) {
        return Ok(false);
    }
    if t.paid.is_some_and(|l| l.available(c.paid_used)) {
        return Ok(true);
    }
    Err(Fail::Cardholder)
}

/// Preference: `Less` = `a` is better.
fn prefer(a: &Cand<'_>, b: &Cand<'_>) -> Ordering {
    let pa = a.limits == Ok(true);
    let pb = b.limits == Ok(true);
    pa.cmp(&pb)
        .then_with(|| {
            if pa && pb {
                // Some(price) before None; lower price first.
                match (a.price_key, b.price_key) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                }
            } else {
                Ordering::Equal
            }
        })
        .then_with(|| a.width.cmp(&b.width))
        .then_with(|| b.t.created_at.cmp(&a.t.created_at))
        .then_with(|| b.t.version.cmp(&a.t.version))
        .then_with(|| a.t.id.cmp(&b.t.id))
}

fn allowance(
    g: &GuestTerms,
    used_free: u32,
    used_paid: u32,
    under_age: Option<u8>,
) -> GuestAllowance {
    let free_available = match g.free {
        None => Some(0),
        Some(l) => l.remaining(used_free),
    };
    let paid_available = match &g.paid {
        None => Some(0),
        Some(p) => p.limit.remaining(used_paid),
    };
    let left = match (free_available, paid_available) {
        (Some(a), Some(b)) => a.saturating_add(b),
        _ => u32::MAX,
    };
    GuestAllowance {
        max: g.max_per_entry.min(left),
        free_available,
        paid_available,
        price: g.paid.as_ref().map(|p| p.price),
        free_under_age: under_age,
    }
}

fn build_grant(
    c: &Cand<'_>,
    paid: bool,
    input: &DecisionInput<'_>,
    cache: &mut SpendCache,
) -> Grant {
    let rs = c.rs;
    let ch = &rs.cardholder;
    let mut remaining_free = match ch.free {
        None => Some(0),
        Some(l) => l.remaining(c.free_used + u32::from(!paid)),
    };
    let mut remaining_paid = match &ch.paid {
        None => Some(0),
        Some(p) => p.limit.remaining(c.paid_used + u32::from(paid)),
    };
    if let Some(cap) = ch.per_location_cap {
        let left = cap.saturating_sub(c.at_location.saturating_add(1));
        remaining_free = Some(remaining_free.map_or(left, |v| v.min(left)));
        remaining_paid = Some(remaining_paid.map_or(left, |v| v.min(left)));
    }
    let spend_transactions_used = match &rs.spend {
        Some(s) => {
            let mut used = Vec::new();
            let anchor = spend_anchor(s, input.transactions, input.fx, cache, input.now);
            spend_sum(
                s,
                input.transactions,
                input.fx,
                cache,
                input.now,
                anchor,
                false,
                Some(&mut used),
            );
            used
        }
        None => Vec::new(),
    };
    Grant {
        ruleset_id: rs.id,
        ruleset_version: rs.version,
        cardholder_paid: paid,
        cardholder_price: if paid {
            ch.paid.as_ref().map(|p| p.price)
        } else {
            None
        },
        remaining_free,
        remaining_paid,
        adults: allowance(&rs.adults, c.guests.free_adults, c.guests.paid_adults, None),
        children: allowance(
            &rs.children,
            c.guests.free_children,
            c.guests.paid_children,
            rs.child_free_under_age,
        ),
        currency: rs
            .pricing_currency()
            .or(input.location.currency)
            .unwrap_or(Currency::EUR),
        spend_transactions_used,
        bin_range_index: c.range_idx,
    }
}

fn eval_spend(c: &mut Cand<'_>, input: &DecisionInput<'_>, cache: &mut SpendCache, early: bool) {
    if c.spend != SpendState::Unknown {
        return;
    }
    if let Some(s) = &c.rs.spend {
        let anchor = spend_anchor(s, input.transactions, input.fx, cache, input.now);
        let (sum, _) = spend_sum(
            s,
            input.transactions,
            input.fx,
            cache,
            input.now,
            anchor,
            early,
            None,
        );
        c.spend = if sum >= s.amount.minor() as i128 {
            SpendState::Met
        } else {
            SpendState::Unmet
        };
    }
}

fn run<T: Tracer>(input: &DecisionInput<'_>, tr: &mut T) -> Decision {
    let now = input.now;
    let loc = input.location;

    // 1. Static matching (the compact index, or the rulesets' own check when tracing or
    //    where the index can't express a ruleset), then the RPM hook.
    let mut windows = Windows::new(now);
    let mut cands: Vec<Cand<'_>> = Vec::new();
    // The first ruleset that matched the card but whose external rules (RPM) refused it.
    let mut rpm_refused: Option<uuid::Uuid> = None;
    if let Some(card) = input.card {
        let index = input.rulesets;
        let probe = if T::ON {
            None
        } else {
            index.probe(now, card, loc)
        };
        for (i, rs) in index.rulesets().iter().enumerate() {
            let matched = match &probe {
                Some(p) if !index.is_slow(i) => index.matches(i, p).map_err(miss_step),
                _ => static_match(rs, card, input),
            };
            let matched = matched.and_then(|m| {
                let refused = input
                    .rpm
                    .is_some_and(|h| index.terms(i).rpm && !h.allows(rs, card, loc));
                if refused {
                    rpm_refused.get_or_insert(rs.id);
                    Err(TraceStepKind::Rpm)
                } else {
                    Ok(m)
                }
            });
            match matched {
                Ok((range_idx, width)) => {
                    if T::ON {
                        let r = &rs.bin_ranges[range_idx];
                        tr.push(
                            Some(rs.id),
                            TraceStepKind::Matched,
                            true,
                            format!(
                                "\"{}\" v{} matches: BIN range {}–{} of ICA {}",
                                rs.name, rs.version, r.from, r.to, r.ica
                            ),
                        );
                    }
                    let t = index.terms(i);
                    cands.push(Cand {
                        rs,
                        t,
                        range_idx,
                        width,
                        window_start: t.period_days.map(|d| windows.start(d)),
                        superseded: false,
                        free_used: 0,
                        paid_used: 0,
                        at_location: 0,
                        guests: GuestCounts::default(),
                        total: None,
                        limits: Err(Fail::Cardholder),
                        spend: SpendState::NotRequired,
                        price_key: None,
                    });
                }
                Err(step) => {
                    if T::ON {
                        tr.push(
                            Some(rs.id),
                            step,
                            false,
                            format!(
                                "\"{}\" v{}: {}",
                                rs.name,
                                rs.version,
                                mismatch_detail(step, rs, card, input)
                            ),
                        );
                    }
                }
            }
        }
    } else if T::ON {
        tr.push(
            None,
            TraceStepKind::Card,
            false,
            "the card's BIN is not in the BIN table".into(),
        );
    }

    let index = IdIndex::build(&mut cands);

    // 2. One pass over the history: open grants, visits here within the cooldown, and the
    //    per-ruleset counters.
    let cooldown = loc
        .cooldown_minutes
        .filter(|m| *m > 0)
        .map(|m| Duration::minutes(m as i64));
    let (cd_lo, cd_hi) = match cooldown {
        Some(d) => (
            now.checked_sub_signed(d)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            now.checked_add_signed(d)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        ),
        // An empty interval.
        None => (DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC),
    };
    let mut open_grant: Option<&UsageRecord> = None;
    let mut cooldown_visit: Option<DateTime<Utc>> = None;
    let have_cands = !cands.is_empty();
    for h in input.history {
        match h.status {
            OperationStatus::Completed => {}
            OperationStatus::Pending => {
                if h.expires_at.is_some_and(|e| e <= now) {
                    continue;
                }
                if open_grant.is_none() {
                    open_grant = Some(h);
                }
            }
            _ => continue,
        }
        let here = h.location_id == loc.id;
        if here
            && h.occurred_at > cd_lo
            && h.occurred_at < cd_hi
            && cooldown_visit.is_none_or(|v| h.occurred_at > v)
        {
            cooldown_visit = Some(h.occurred_at);
        }
        if !have_cands {
            continue;
        }
        let Some(rid) = h.ruleset_id.as_ref() else {
            continue;
        };
        let Some(ci) = index.get(&cands, rid) else {
            continue;
        };
        let c = &mut cands[ci];
        if c.window_start.is_some_and(|s| h.occurred_at < s) {
            continue;
        }
        if h.cardholder_paid {
            c.paid_used = c.paid_used.saturating_add(1);
        } else {
            c.free_used = c.free_used.saturating_add(1);
        }
        if here {
            c.at_location = c.at_location.saturating_add(1);
        }
        let g = &mut c.guests;
        g.free_adults = g.free_adults.saturating_add(h.guests.free_adults);
        g.paid_adults = g.paid_adults.saturating_add(h.guests.paid_adults);
        g.free_children = g.free_children.saturating_add(h.guests.free_children);
        g.paid_children = g.paid_children.saturating_add(h.guests.paid_children);
    }

    // 3. Rejections that don't depend on the rulesets' terms.
    if let Some(h) = open_grant {
        let explanation = format!(
            "the card holds an unconfirmed grant from {}{}",
            h.occurred_at.to_rfc3339(),
            h.expires_at.map_or(String::new(), |e| format!(
                ", open until {}",
                e.to_rfc3339()
            ))
        );
        if T::ON {
            tr.push(
                h.ruleset_id,
                TraceStepKind::OpenGrant,
                false,
                explanation.clone(),
            );
        }
        return reject(RejectCode::TemporarilyBlocked, explanation, h.ruleset_id);
    }
    if input.card.is_none() {
        return reject(
            RejectCode::MissingAccessRules,
            "the card's BIN is not in the BIN table".into(),
            None,
        );
    }
    if T::ON {
        for c in cands.iter().filter(|c| c.superseded) {
            tr.push(
                Some(c.rs.id),
                TraceStepKind::Superseded,
                false,
                format!(
                    "version {} superseded by a newer version given",
                    c.rs.version
                ),
            );
        }
    }
    if !cands.iter().any(|c| !c.superseded) {
        if let Some(id) = rpm_refused {
            // A ruleset covers the card here, but its external rules refuse it: the card's
            // requirements are not met ("contact your bank"), not a missing rule.
            return reject(
                RejectCode::UnmetRequirements,
                "the external rules (RPM) of the ruleset that covers this card refuse it".into(),
                Some(id),
            );
        }
        return reject(
            RejectCode::MissingAccessRules,
            format!(
                "no active ruleset covers this card at this location ({} checked)",
                input.rulesets.len()
            ),
            None,
        );
    }
    if let (Some(cd), Some(at)) = (cooldown, cooldown_visit) {
        let explanation = format!(
            "the card entered this location at {}; the {} min cooldown lasts until {}",
            at.to_rfc3339(),
            cd.num_minutes(),
            (at + cd).to_rfc3339()
        );
        if T::ON {
            tr.push(None, TraceStepKind::Cooldown, false, explanation.clone());
        }
        return reject(RejectCode::CooldownActive, explanation, None);
    }

    // 4. Limits of every live candidate.
    for u in input.ruleset_usage {
        if let Some(ci) = index.get(&cands, &u.ruleset_id) {
            cands[ci].total = Some((u.count, u.counted_since));
        }
    }
    let mut limit_ok = 0usize;
    for c in cands.iter_mut().filter(|c| !c.superseded) {
        c.limits = check_limits(c, &mut windows);
        if c.limits.is_ok() {
            limit_ok += 1;
            if c.t.has_spend {
                c.spend = SpendState::Unknown;
            }
        }
    }

    // 5. Paid prices on one scale: minor units of their common currency, else of the
    //    location's currency (or EUR) at today's FX rate.
    let mut first_cur: Option<Currency> = None;
    let mut mixed = false;
    for c in cands.iter().filter(|c| c.limits == Ok(true)) {
        if let Some(p) = &c.t.price {
            let cur = p.currency();
            match first_cur {
                None => first_cur = Some(cur),
                Some(f) if f != cur => mixed = true,
                _ => {}
            }
        }
    }
    if let Some(fc) = first_cur {
        let reference = if mixed {
            loc.currency.unwrap_or(Currency::EUR)
        } else {
            fc
        };
        let day = now.date_naive();
        for c in cands.iter_mut().filter(|c| c.limits == Ok(true)) {
            c.price_key = c.t.price.and_then(|p| {
                input
                    .fx
                    .convert(p, reference, day)
                    .map(|m| m.minor())
                    .map_err(|_: MoneyError| ())
                    .ok()
            });
        }
    }

    // 6. Spend. Summing may stop once the amount is reached unless refunds (negative
    //    amounts) could bring it back below. Traced: every condition, for the explanation;
    //    otherwise only as the selection below needs them.
    let mut cache = SpendCache::new();
    let early = !T::ON && input.transactions.iter().all(|t| t.amount.minor() >= 0);
    if T::ON {
        for c in cands.iter_mut() {
            eval_spend(c, input, &mut cache, early);
        }
        for c in cands.iter().filter(|c| !c.superseded) {
            match c.outcome() {
                Ok(paid) => {
                    let what = if paid {
                        format!(
                            "paid entry available ({})",
                            c.rs.cardholder
                                .paid
                                .as_ref()
                                .map_or(String::new(), |p| p.price.to_string())
                        )
                    } else {
                        "free entry available".to_string()
                    };
                    let spend = match &c.rs.spend {
                        Some(_) => format!("; spend met: {}", fail_detail(c, Fail::Spend, input)),
                        None => String::new(),
                    };
                    tr.push(
                        Some(c.rs.id),
                        TraceStepKind::CardholderEntry,
                        true,
                        format!("{what}{spend}"),
                    );
                }
                Err(f) => tr.push(Some(c.rs.id), fail_step(f), false, fail_detail(c, f, input)),
            }
        }
    }

    // 7. Selection: the most preferred candidate with an entry left whose spend condition
    //    holds. Candidates are taken in preference order (selection of the minimum; after a
    //    few spend failures the rest is sorted), spend evaluated lazily.
    let mut order: Vec<usize> = (0..cands.len())
        .filter(|&i| !cands[i].superseded && cands[i].limits.is_ok())
        .collect();
    let mut chosen: Option<usize> = None;
    let mut pos = 0;
    let mut sorted = false;
    let mut failures = 0;
    while pos < order.len() {
        if !sorted {
            let mut best = pos;
            for j in pos + 1..order.len() {
                if prefer(&cands[order[j]], &cands[order[best]]) == Ordering::Less {
                    best = j;
                }
            }
            order.swap(pos, best);
        }
        let ci = order[pos];
        pos += 1;
        eval_spend(&mut cands[ci], input, &mut cache, early);
        if cands[ci].spend != SpendState::Unmet {
            chosen = Some(ci);
            break;
        }
        failures += 1;
        if failures == 4 && !sorted {
            order[pos..].sort_unstable_by(|&a, &b| prefer(&cands[a], &cands[b]));
            sorted = true;
        }
    }

    let Some(ci) = chosen else {
        // Every candidate with an entry left failed its spend condition (UNMET), or none had
        // an entry left (LIMIT).
        let (code, c) = if limit_ok > 0 {
            (
                RejectCode::UnmetRequirements,
                cands
                    .iter()
                    .find(|c| !c.superseded && c.spend == SpendState::Unmet),
            )
        } else {
            (
                RejectCode::LimitExceeded,
                cands.iter().find(|c| !c.superseded),
            )
        };
        let c = c.expect("a live candidate");
        let f = c.outcome().err().unwrap_or(Fail::Cardholder);
        let explanation = format!("ruleset \"{}\": {}", c.rs.name, fail_detail(c, f, input));
        return reject(code, explanation, Some(c.rs.id));
    };

    let best = &cands[ci];
    let paid = best.limits == Ok(true);
    let grant = build_grant(best, paid, input, &mut cache);
    if T::ON {
        let admitting = cands
            .iter()
            .filter(|c| !c.superseded && c.outcome().is_ok())
            .count();
        tr.push(
            Some(best.rs.id),
            TraceStepKind::Selected,
            true,
            format!(
                "\"{}\" v{} selected of {} admitting: {}",
                best.rs.name,
                best.rs.version,
                admitting,
                if paid {
                    format!(
                        "cheapest paid entry ({})",
                        grant
                            .cardholder_price
                            .map_or(String::new(), |p| p.to_string())
                    )
                } else {
                    "free entry".to_string()
                }
            ),
        );
    }
    // 7. Live capacity: the grant would admit the cardholder, one more person in.
    if let Some(cap) = loc.capacity {
        let full = loc.occupancy.saturating_add(1) > cap;
        let explanation = format!(
            "{} of {} people in (admitted within the last {} min); {}",
            loc.occupancy,
            cap,
            loc.stay_minutes,
            if full {
                "the location is full"
            } else {
                "a seat is free"
            }
        );
        if T::ON {
            tr.push(
                Some(best.rs.id),
                TraceStepKind::Capacity,
                !full,
                explanation.clone(),
            );
        }
        if full {
            return reject(RejectCode::LocationFull, explanation, Some(best.rs.id));
        }
    }
    Decision::Grant(grant)
}

// ---------------------------------------------------------------------------------------------
// confirm_entry

/// How the confirmed guests split into free and paid, and what the entry costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestSplit {
    pub cardholder_paid: bool,
    pub free_adults: u32,
    pub paid_adults: u32,
    pub free_children: u32,
    pub paid_children: u32,
    /// What the entry costs, one amount per currency: cardholder price (when paid) + paid
    /// guests × their prices, each price in its own currency (a ruleset may price the
    /// cardholder in EUR and guests in PLN). In order of first use — cardholder, adults,
    /// children; empty when nothing is paid.
    pub amounts: Vec<Money>,
}

impl GuestSplit {
    /// The entry's amount when it is in one currency (zero in `fallback` when free); with
    /// several currencies, the first (see [`GuestSplit::amounts`] for all).
    pub fn primary(&self, fallback: Currency) -> Money {
        self.amounts
            .first()
            .copied()
            .unwrap_or(Money::zero(fallback))
    }

    /// The amount in `currency` (zero when none of it is due).
    pub fn amount_in(&self, currency: Currency) -> Money {
        self.amounts
            .iter()
            .find(|m| m.currency() == currency)
            .copied()
            .unwrap_or(Money::zero(currency))
    }
}

/// Adds `m` to the amount of its currency in `amounts` (appending a new currency).
pub fn add_amount(amounts: &mut Vec<Money>, m: Money) -> Result<(), MoneyError> {
    if m.minor() == 0 {
        return Ok(());
    }
    match amounts.iter_mut().find(|a| a.currency() == m.currency()) {
        Some(a) => *a = a.checked_add(m)?,
        None => amounts.push(m),
    }
    Ok(())
}

/// Why guest numbers were refused (→ 400 `INVALID_REQUEST`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuestError {
    #[error("{kind} guests: {requested} requested, at most {max} on this entry")]
    AboveMax {
        kind: GuestKind,
        requested: u32,
        max: u32,
    },
    #[error("{kind} guests: {requested} requested, only {available} available")]
    NotAvailable {
        kind: GuestKind,
        requested: u32,
        available: u32,
    },
    #[error("total: {0}")]
    Money(#[from] MoneyError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GuestKind {
    Adult,
    Child,
}

impl std::fmt::Display for GuestKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GuestKind::Adult => "adult",
            GuestKind::Child => "child",
        })
    }
}

fn split(kind: GuestKind, n: u32, a: &GuestAllowance) -> Result<(u32, u32), GuestError> {
    if n > a.max {
        return Err(GuestError::AboveMax {
            kind,
            requested: n,
            max: a.max,
        });
    }
    let free = n.min(a.free_available.unwrap_or(u32::MAX));
    let paid = n - free;
    let paid_ok = a.paid_available.is_none_or(|p| paid <= p) && (paid == 0 || a.price.is_some());
    if !paid_ok {
        let available = free.saturating_add(if a.price.is_some() {
            a.paid_available.unwrap_or(u32::MAX)
        } else {
            0
        });
        return Err(GuestError::NotAvailable {
            kind,
            requested: n,
            available,
        });
    }
    Ok((free, paid))
}

/// Splits the guests of `confirm_entry`: free before paid; more than `max` or than available
/// is an error.
pub fn confirm_guests(grant: &Grant, adults: u32, children: u32) -> Result<GuestSplit, GuestError> {
    let (free_adults, paid_adults) = split(GuestKind::Adult, adults, &grant.adults)?;
    let (free_children, paid_children) = split(GuestKind::Child, children, &grant.children)?;
    let mut amounts = Vec::new();
    if grant.cardholder_paid {
        if let Some(p) = grant.cardholder_price {
            add_amount(&mut amounts, p)?;
        }
    }
    if paid_adults > 0 {
        if let Some(p) = grant.adults.price {
            add_amount(&mut amounts, p.checked_mul(paid_adults)?)?;
        }
    }
    if paid_children > 0 {
        if let Some(p) = grant.children.price {
            add_amount(&mut amounts, p.checked_mul(paid_children)?)?;
        }
    }
    Ok(GuestSplit {
        cardholder_paid: grant.cardholder_paid,
        free_adults,
        paid_adults,
        free_children,
        paid_children,
        amounts,
    })
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
