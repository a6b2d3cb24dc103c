//! The pure domain: money, cards, rulesets and the access decision.
//!
//! No I/O, no clock reads (`now` is always an input), no framework: it compiles for the
//! server and for wasm32 alike, and the UI can run the same checks as the server.
//!
//! * [`money`] — [`Currency`], [`Money`] (minor units, wire decimal strings), [`FxTable`].
//! * [`card`] — [`Pan`] validation and masking, [`CardProfile`].
//! * [`ruleset`] — [`Ruleset`], its form [`RulesetDraft`] and validation ([`FieldError`]).
//! * [`index`] — [`RulesetIndex`]: candidate rulesets prepared for fast matching.
//! * [`engine`] — [`decide`] / [`decide_explained`] and [`confirm_guests`].
//! * [`entitlement`] — what a card has left under a ruleset (the Enrolled cards screen).
//! * [`occupancy`] — a location's occupancy over time from its admissions and typical stay.

pub mod card;
pub mod engine;
pub mod entitlement;
pub mod index;
pub mod money;
pub mod occupancy;
pub mod ruleset;

pub use card::{luhn_valid, mask_pan, CardProfile, MaskedPan, Pan, PanError};
pub use engine::{
    confirm_guests, decide, decide_explained, evaluate_spend, rpm_candidates, CardTransaction,
    Decision, DecisionInput, Grant, GuestAllowance, GuestCounts, GuestError, GuestKind, GuestSplit,
    OperationStatus, RejectCode, RpmHook, RulesetUsage, SpendCheck, TraceStep, TraceStepKind,
    UsageRecord,
};
pub use entitlement::{entitlement, Entitlement};
pub use index::RulesetIndex;
pub use money::{Currency, FxRate, FxTable, Money, MoneyError};
pub use occupancy::{occupancy_at, Admission};
pub use ruleset::{
    BinRange, CardholderTerms, CardholderTermsDraft, FieldError, GuestTerms, GuestTermsDraft,
    Limit, LocationInfo, LocationScope, Mcc, MoneyInput, PaidTerms, PaidTermsDraft, Ruleset,
    RulesetDraft, SpendControl, SpendControlDraft, TotalUsageCap,
};
