//! Rulesets: the issuer's access rules (seed: "Adding a new rule"), their static matching
//! against a card and a location, and the validation of a definition with field-named errors.
//!
//! [`RulesetDraft`] is the form as an administrator fills it (prices as strings, MCCs as
//! strings, optional price on paid terms); [`RulesetDraft::build`] checks it and yields a typed
//! [`Ruleset`], or every problem as a [`FieldError`] whose `field` is the camelCase JSON path
//! (`binRanges[1].to`, `cardholder.paid.price.amount`, `spend.mccs[0]`).

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::card::{same_ica, CardProfile};
use super::money::{Currency, Money, MoneyError};

/// A count or unlimited. JSON: `"unlimited"` or `{"count": 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Limit {
    Unlimited,
    Count(u32),
}

impl Limit {
    /// What is left after `used`: `None` = unlimited.
    pub fn remaining(&self, used: u32) -> Option<u32> {
        match self {
            Limit::Unlimited => None,
            Limit::Count(n) => Some(n.saturating_sub(used)),
        }
    }

    pub fn available(&self, used: u32) -> bool {
        match self {
            Limit::Unlimited => true,
            Limit::Count(n) => used < *n,
        }
    }
}

/// A Merchant Category Code (4 digits). JSON: `"5411"`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mcc(u16);

impl Mcc {
    /// Exactly 4 ASCII digits.
    pub fn parse(s: &str) -> Option<Mcc> {
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok().map(Mcc)
        } else {
            None
        }
    }

    pub fn value(&self) -> u16 {
        self.0
    }
}

impl fmt::Display for Mcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

impl fmt::Debug for Mcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mcc({:04})", self.0)
    }
}

impl Serialize for Mcc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Mcc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Mcc::parse(&s).ok_or_else(|| serde::de::Error::custom("MCC must be 4 digits"))
    }
}

/// One BIN range of an ICA: `from`/`to` digit strings of equal length (6–8); a card is in the
/// range when its first that-many digits lie between them, inclusive, and its ICA is `ica`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BinRange {
    pub ica: String,
    pub from: String,
    pub to: String,
}

impl BinRange {
    /// Whether the card's leading digits fall in the range (ICA not checked).
    pub fn contains_bin(&self, card_bin: &str) -> bool {
        let (from, to) = (self.from.as_bytes(), self.to.as_bytes());
        let n = from.len();
        if n == 0 || to.len() != n || card_bin.len() < n {
            return false;
        }
        let p = &card_bin.as_bytes()[..n];
        short_cmp(p, from) != Ordering::Less && short_cmp(p, to) != Ordering::Greater
    }

    /// How many 8-digit BINs the range covers (the "specificity" for tie-breaks: smaller is
    /// more specific). `u64::MAX` for a malformed range.
    pub fn width(&self) -> u64 {
        fn value(s: &str) -> Option<u64> {
            if s.is_empty() || s.len() > 8 {
                return None;
            }
            let mut v = 0u64;
            for b in s.bytes() {
                if !b.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + (b - b'0') as u64;
            }
            Some(v)
        }
        if self.from.len() != self.to.len() {
            return u64::MAX;
        }
        match (value(&self.from), value(&self.to)) {
            (Some(lo), Some(hi)) if lo <= hi => {
                (hi - lo + 1) * 10u64.pow(8 - self.from.len() as u32)
            }
            _ => u64::MAX,
        }
    }

    /// The range as inclusive 8-digit numbers (`from` padded with 0s, `to` with 9s).
    pub fn bounds8(&self) -> Option<(u64, u64)> {
        let ok = |s: &str| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if !ok(&self.from) || !ok(&self.to) {
            return None;
        }
        let pad = |s: &str, fill: u64| {
            let mut v: u64 = s.parse().ok()?;
            for _ in s.len()..8 {
                v = v * 10 + fill;
            }
            Some(v)
        };
        Some((pad(&self.from, 0)?, pad(&self.to, 9)?))
    }
}

/// Equality of short strings without a library call (codes, BINs: a few bytes).
#[inline(always)]
pub(crate) fn short_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Lexicographic order of equal-length short byte strings without a library call.
#[inline(always)]
fn short_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// Where a ruleset applies.
/// JSON: `{"kind": "locations", "ids": [...]}` or `{"kind": "country", "country": "POL"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum LocationScope {
    /// These locations only.
    Locations { ids: Vec<Uuid> },
    /// Every location of this country (ISO 3166 alpha-3) offering one of the ruleset's
    /// services — including locations added later.
    Country { country: String },
}

/// Paid entries: price per entry and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidTerms {
    pub price: Money,
    pub limit: Limit,
}

/// The cardholder's own entries.
///
/// `period_days` makes every count of the cardholder section (free, paid, per location) and
/// the guest counts rolling windows of that many days ending now; without it they count over
/// the ruleset's whole life. The per-location cap counts free and paid entries together at the
/// location being entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardholderTerms {
    /// `None` = no free option.
    pub free: Option<Limit>,
    /// `None` = no paid option.
    pub paid: Option<PaidTerms>,
    pub period_days: Option<u32>,
    pub per_location_cap: Option<u32>,
}

/// Adult or child guests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestTerms {
    pub free: Option<Limit>,
    pub paid: Option<PaidTerms>,
    /// "Number of guests per flight": most guests of this kind on one entry.
    pub max_per_entry: u32,
}

impl GuestTerms {
    pub fn none() -> GuestTerms {
        GuestTerms {
            free: None,
            paid: None,
            max_per_entry: 0,
        }
    }
}

/// "Total number of usage" of the ruleset over all cards, optionally per rolling period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalUsageCap {
    pub limit: u32,
    pub period_days: Option<u32>,
}

/// Spend-based control. See the engine's module docs for the window and grace semantics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpendControl {
    pub amount: Money,
    pub period_days: u32,
    /// Empty = every MCC counts.
    pub mccs: Vec<Mcc>,
    pub grace_days: u32,
}

/// A ruleset version as the engine evaluates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ruleset {
    pub id: Uuid,
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Active from this instant (inclusive) …
    pub valid_from: DateTime<Utc>,
    /// … until this instant (exclusive); `None` = open-ended.
    pub valid_to: Option<DateTime<Utc>>,
    /// Issuer country (ISO 3166 alpha-3); `None` = any.
    pub issuer_country: Option<String>,
    /// Empty = any product.
    pub product_codes: Vec<String>,
    pub bin_ranges: Vec<BinRange>,
    pub locations: LocationScope,
    /// Service codes (`LOUNGE`, `FAST_LINE`).
    pub services: Vec<String>,
    pub total_usage: Option<TotalUsageCap>,
    pub cardholder: CardholderTerms,
    pub adults: GuestTerms,
    pub children: GuestTerms,
    /// Children under this age enter free and uncounted (the terminal shows the age).
    pub child_free_under_age: Option<u8>,
    pub spend: Option<SpendControl>,
    /// External rules in RPM: evaluated by a hook, no effect when none is configured.
    pub rpm: bool,
    /// Only cards enrolled in MRS (and not unenrolled) match.
    #[serde(default)]
    pub enrolled_only: bool,
    /// For the "newest ruleset" tie-break.
    pub created_at: DateTime<Utc>,
}

/// A problem with one field of a ruleset definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// camelCase JSON path, e.g. `binRanges[1].to`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The location a card is presented at, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationInfo {
    pub id: Uuid,
    /// ISO 3166 alpha-3.
    pub country: String,
    /// Service code (`LOUNGE`, `FAST_LINE`).
    pub service: String,
    /// Minimum minutes between successful visits of one card here.
    pub cooldown_minutes: Option<u32>,
    /// Local currency, used to compare paid prices in different currencies and as the
    /// currency of a zero total when the ruleset has no prices.
    pub currency: Option<Currency>,
    /// Most people in at once (live capacity); `None`: unlimited.
    pub capacity: Option<u32>,
    /// Live occupancy now: people admitted within the last `stay_minutes` (cardholders and
    /// guests of completed entries) plus the seats open grants reserve. A fact gathered by
    /// the caller; the engine only compares it with `capacity`.
    pub occupancy: u32,
    /// The location's typical stay (for the explanation).
    pub stay_minutes: u32,
}

/// `t` minus `n` days, saturating at the earliest representable instant.
pub fn minus_days(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    Duration::try_days(n as i64)
        .and_then(|d| t.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `t` plus `n` days, saturating at the latest representable instant.
pub fn plus_days(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    Duration::try_days(n as i64)
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Ruleset {
    /// `valid_from <= t < valid_to`.
    pub fn is_valid_at(&self, t: DateTime<Utc>) -> bool {
        self.valid_from <= t && self.valid_to.is_none_or(|to| t < to)
    }

    /// Whether the validity window meets `[from, to]` (for "active now or within validUntil").
    pub fn is_valid_during(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.valid_from <= to && self.valid_to.is_none_or(|vt| from < vt)
    }

    /// The location and its service are covered.
    pub fn applies_to_location(&self, loc: &LocationInfo) -> bool {
        self.services.iter().any(|s| short_eq(s, &loc.service))
            && match &self.locations {
                LocationScope::Locations { ids } => ids.contains(&loc.id),
                LocationScope::Country { country } => short_eq(country, &loc.country),
            }
    }

    /// Issuer country and product code.
    pub fn applies_to_card_profile(&self, card: &CardProfile) -> bool {
        self.issuer_country
            .as_ref()
            .is_none_or(|c| short_eq(c, &card.issuer_country))
            && (self.product_codes.is_empty()
                || self
                    .product_codes
                    .iter()
                    .any(|p| short_eq(p, &card.product_code)))
    }

    /// The narrowest of the ruleset's BIN ranges holding the card (same ICA, BIN inside), as
    /// (range index, width); `None` if no range holds it.
    pub fn matching_bin_range(&self, card: &CardProfile) -> Option<(usize, u64)> {
        let mut best: Option<(usize, u64)> = None;
        for (i, r) in self.bin_ranges.iter().enumerate() {
            if r.contains_bin(&card.bin)
                && (short_eq(&r.ica, &card.ica) || same_ica(&r.ica, &card.ica))
            {
                let w = r.width();
                if best.is_none_or(|(_, bw)| w < bw) {
                    best = Some((i, w));
                }
            }
        }
        best
    }

    /// Start of the cardholder counting window at `now` (`None` = whole life).
    pub fn cardholder_window_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cardholder.period_days.map(|d| minus_days(now, d))
    }

    /// What the caller must count for [`super::engine::RulesetUsage`] at `now`: successful
    /// (COMPLETED or open PENDING) operations of this ruleset over all cards with
    /// `occurred_at >= ` the returned instant (`None` = all time). `None` also when there is
    /// no cap (nothing to count).
    pub fn total_usage_window_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.total_usage
            .and_then(|c| c.period_days)
            .map(|d| minus_days(now, d))
    }

    /// The ruleset's primary currency: of its first price (cardholder, adults, children;
    /// each may differ), else of its spend amount.
    pub fn pricing_currency(&self) -> Option<Currency> {
        self.cardholder
            .paid
            .as_ref()
            .or(self.adults.paid.as_ref())
            .or(self.children.paid.as_ref())
            .map(|p| p.price.currency())
            .or(self.spend.as_ref().map(|s| s.amount.currency()))
    }

    /// Checks the definition; empty = valid. See [`RulesetDraft::build`] for the rules.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errs = Vec::new();
        validate_common(self, &mut errs);
        errs
    }

    /// The editable form of this ruleset.
    pub fn to_draft(&self) -> RulesetDraft {
        let paid = |p: &Option<PaidTerms>| {
            p.as_ref().map(|p| PaidTermsDraft {
                price: Some(MoneyInput::from(p.price)),
                limit: p.limit,
            })
        };
        let guests = |g: &GuestTerms| GuestTermsDraft {
            free: g.free,
            paid: paid(&g.paid),
            max_per_entry: g.max_per_entry,
        };
        RulesetDraft {
            name: self.name.clone(),
            description: self.description.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            issuer_country: self.issuer_country.clone(),
            product_codes: self.product_codes.clone(),
            bin_ranges: self.bin_ranges.clone(),
            locations: self.locations.clone(),
            services: self.services.clone(),
            total_usage: self.total_usage,
            cardholder: CardholderTermsDraft {
                free: self.cardholder.free,
                paid: paid(&self.cardholder.paid),
                period_days: self.cardholder.period_days,
                per_location_cap: self.cardholder.per_location_cap,
            },
            adults: guests(&self.adults),
            children: guests(&self.children),
            child_free_under_age: self.child_free_under_age,
            spend: self.spend.as_ref().map(|s| SpendControlDraft {
                amount: Some(MoneyInput::from(s.amount)),
                period_days: s.period_days,
                mccs: s.mccs.iter().map(|m| m.to_string()).collect(),
                grace_days: s.grace_days,
            }),
            rpm: self.rpm,
            enrolled_only: self.enrolled_only,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The form

/// A money field as typed: `{"amount": "25.00", "currency": "EUR"}`, both unchecked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyInput {
    pub amount: String,
    pub currency: String,
}

impl From<Money> for MoneyInput {
    fn from(m: Money) -> Self {
        MoneyInput {
            amount: m.amount_string(),
            currency: m.currency().code().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidTermsDraft {
    /// Required when the paid option is chosen.
    pub price: Option<MoneyInput>,
    pub limit: Limit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardholderTermsDraft {
    pub free: Option<Limit>,
    pub paid: Option<PaidTermsDraft>,
    pub period_days: Option<u32>,
    pub per_location_cap: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuestTermsDraft {
    pub free: Option<Limit>,
    pub paid: Option<PaidTermsDraft>,
    pub max_per_entry: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpendControlDraft {
    pub amount: Option<MoneyInput>,
    pub period_days: u32,
    pub mccs: Vec<String>,
    pub grace_days: u32,
}

/// The ruleset form (seed: "Adding a new rule").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesetDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub valid_from: DateTime<Utc>,
    pub valid_to: Option<DateTime<Utc>>,
    pub issuer_country: Option<String>,
    #[serde(default)]
    pub product_codes: Vec<String>,
    pub bin_ranges: Vec<BinRange>,
    pub locations: LocationScope,
    pub services: Vec<String>,
    pub total_usage: Option<TotalUsageCap>,
    pub cardholder: CardholderTermsDraft,
    pub adults: GuestTermsDraft,
    pub children: GuestTermsDraft,
    pub child_free_under_age: Option<u8>,
    pub spend: Option<SpendControlDraft>,
    #[serde(default)]
    pub rpm: bool,
    /// Only cards enrolled in MRS match ("Enrolled cards only").
    #[serde(default)]
    pub enrolled_only: bool,
}

/// Longest accepted period, in days (about 10 years).
pub const MAX_PERIOD_DAYS: u32 = 3660;
/// Longest accepted spend grace period, in days.
pub const MAX_GRACE_DAYS: u32 = 90;

impl RulesetDraft {
    /// Validates the form and builds the typed ruleset with the given identity.
    ///
    /// Rules (each failure is one [`FieldError`]; all are reported at once):
    /// * `name` non-empty, at most 200 characters;
    /// * `validTo` after `validFrom`;
    /// * `issuerCountry`, `locations.country`: 3 upper-case letters; `productCodes[i]`: 3
    ///   upper-case letters/digits;
    /// * `binRanges`: at least one; `ica` 1–11 digits; `from`/`to` 6–8 digits, equal length,
    ///   `from <= to`; ranges of one ICA must not overlap (compared as 8-digit spans);
    /// * `locations.ids`: at least one, no duplicates; `services`: at least one code of
    ///   `A-Z`, `0-9`, `_`;
    /// * counts (`count`, caps, `totalUsage.limit`) at least 1; periods 1..=3660 days;
    /// * `cardholder`: free and/or paid chosen; a paid option needs `price` (known currency,
    ///   amount > 0 with at most the currency's minor digits);
    /// * guests: `maxPerEntry` at least 1 when free or paid is chosen, 0 when neither;
    /// * each price in its own currency (cardholder EUR and guests PLN is fine);
    /// * `childFreeUnderAge` 1..=17;
    /// * `spend`: amount > 0, known currency, `periodDays` 1..=3660, `mccs[i]` 4 digits,
    ///   `graceDays` at most 90.
    pub fn build(
        &self,
        id: Uuid,
        version: u32,
        created_at: DateTime<Utc>,
    ) -> Result<Ruleset, Vec<FieldError>> {
        let mut errs = Vec::new();
        // Money and MCC fields are parsed here; a failed one is replaced by a placeholder so
        // the structural checks still run, and later errors on that field are dropped.
        let mut bad_fields: Vec<String> = Vec::new();
        let placeholder = Money::from_minor(1, Currency::EUR);

        let mut paid = |p: &Option<PaidTermsDraft>, path: &str, errs: &mut Vec<FieldError>| {
            p.as_ref().map(|p| {
                let price = match &p.price {
                    None => {
                        errs.push(FieldError::new(
                            format!("{path}.price"),
                            "required when the paid option is chosen",
                        ));
                        bad_fields.push(format!("{path}.price"));
                        placeholder
                    }
                    Some(m) => match parse_money(m, &format!("{path}.price"), errs) {
                        Some(m) => m,
                        None => {
                            bad_fields.push(format!("{path}.price"));
                            placeholder
                        }
                    },
                };
                PaidTerms {
                    price,
                    limit: p.limit,
                }
            })
        };
        let ch_paid = paid(&self.cardholder.paid, "cardholder.paid", &mut errs);
        let ad_paid = paid(&self.adults.paid, "adults.paid", &mut errs);
        let cd_paid = paid(&self.children.paid, "children.paid", &mut errs);

        let spend = self.spend.as_ref().map(|s| {
            let amount = match &s.amount {
                None => {
                    errs.push(FieldError::new("spend.amount", "required"));
                    bad_fields.push("spend.amount".into());
                    placeholder
                }
                Some(m) => parse_money(m, "spend.amount", &mut errs).unwrap_or_else(|| {
                    bad_fields.push("spend.amount".into());
                    placeholder
                }),
            };
            let mut mccs = Vec::with_capacity(s.mccs.len());
            for (i, m) in s.mccs.iter().enumerate() {
                match Mcc::parse(m) {
                    Some(m) => mccs.push(m),
                    None => errs.push(FieldError::new(
                        format!("spend.mccs[{i}]"),
                        "an MCC is 4 digits",
                    )),
                }
            }
            SpendControl {
                amount,
                period_days: s.period_days,
                mccs,
                grace_days: s.grace_days,
            }
        });

        let ruleset = Ruleset {
            id,
            version,
            name: self.name.trim().to_string(),
            description: self.description.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            issuer_country: self.issuer_country.clone(),
            product_codes: self.product_codes.clone(),
            bin_ranges: self.bin_ranges.clone(),
            locations: self.locations.clone(),
            services: self.services.clone(),
            total_usage: self.total_usage,
            cardholder: CardholderTerms {
                free: self.cardholder.free,
                paid: ch_paid,
                period_days: self.cardholder.period_days,
                per_location_cap: self.cardholder.per_location_cap,
            },
            adults: GuestTerms {
                free: self.adults.free,
                paid: ad_paid,
                max_per_entry: self.adults.max_per_entry,
            },
            children: GuestTerms {
                free: self.children.free,
                paid: cd_paid,
                max_per_entry: self.children.max_per_entry,
            },
            child_free_under_age: self.child_free_under_age,
            spend,
            rpm: self.rpm,
            enrolled_only: self.enrolled_only,
            created_at,
        };
        let mut more = Vec::new();
        validate_common(&ruleset, &mut more);
        errs.extend(more.into_iter().filter(|e| {
            // A placeholder stands in for a field already reported.
            !bad_fields.iter().any(|b| e.field.starts_with(b.as_str()))
        }));
        if errs.is_empty() {
            Ok(ruleset)
        } else {
            Err(errs)
        }
    }
}

fn parse_money(m: &MoneyInput, path: &str, errs: &mut Vec<FieldError>) -> Option<Money> {
    let currency = match Currency::from_code(m.currency.trim()) {
        Ok(c) => c,
        Err(e) => {
            errs.push(FieldError::new(format!("{path}.currency"), e.to_string()));
            return None;
        }
    };
    match Money::parse(m.amount.trim(), currency) {
        Ok(v) => Some(v),
        Err(e) => {
            let msg = match e {
                MoneyError::InvalidAmount(_) => "must be a decimal amount such as 25.00".into(),
                other => other.to_string(),
            };
            errs.push(FieldError::new(format!("{path}.amount"), msg));
            None
        }
    }
}

fn is_alpha3(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_period(v: Option<u32>, field: &str, errs: &mut Vec<FieldError>) {
    if let Some(d) = v {
        if d == 0 || d > MAX_PERIOD_DAYS {
            errs.push(FieldError::new(
                field,
                format!("must be between 1 and {MAX_PERIOD_DAYS} days"),
            ));
        }
    }
}

fn check_limit(l: &Option<Limit>, field: &str, errs: &mut Vec<FieldError>) {
    if let Some(Limit::Count(0)) = l {
        errs.push(FieldError::new(
            field,
            "must be at least 1 (or unlimited); leave the option off for none",
        ));
    }
}

fn check_price(p: &Option<PaidTerms>, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(p) = p {
        if !p.price.is_positive() {
            errs.push(FieldError::new(
                format!("{path}.price.amount"),
                "must be greater than zero",
            ));
        }
        check_limit(&Some(p.limit), &format!("{path}.limit"), errs);
    }
}

fn validate_common(r: &Ruleset, errs: &mut Vec<FieldError>) {
    let name = r.name.trim();
    if name.is_empty() {
        errs.push(FieldError::new("name", "required"));
    } else if name.chars().count() > 200 {
        errs.push(FieldError::new("name", "at most 200 characters"));
    }
    if let Some(to) = r.valid_to {
        if to <= r.valid_from {
            errs.push(FieldError::new("validTo", "must be after validFrom"));
        }
    }
    if let Some(c) = &r.issuer_country {
        if !is_alpha3(c) {
            errs.push(FieldError::new(
                "issuerCountry",
                "must be an ISO 3166 alpha-3 code (3 upper-case letters)",
            ));
        }
    }
    for (i, p) in r.product_codes.iter().enumerate() {
        if !(p.len() == 3
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
        {
            errs.push(FieldError::new(
                format!("productCodes[{i}]"),
                "a product code is 3 upper-case letters or digits",
            ));
        }
    }

    // BIN ranges
    if r.bin_ranges.is_empty() {
        errs.push(FieldError::new("binRanges", "at least one BIN range"));
    }
    let mut spans: Vec<(usize, &str, u64, u64)> = Vec::new();
    for (i, b) in r.bin_ranges.iter().enumerate() {
        let mut ok = true;
        if !(all_digits(&b.ica) && b.ica.len() <= 11) {
            errs.push(FieldError::new(
                format!("binRanges[{i}].ica"),
                "an ICA is 1 to 11 digits",
            ));
            ok = false;
        }
        for (name, v) in [("from", &b.from), ("to", &b.to)] {
            if !(all_digits(v) && (6..=8).contains(&v.len())) {
                errs.push(FieldError::new(
                    format!("binRanges[{i}].{name}"),
                    "a BIN is 6 to 8 digits",
                ));
                ok = false;
            }
        }
        if ok && b.from.len() != b.to.len() {
            errs.push(FieldError::new(
                format!("binRanges[{i}].to"),
                "must have as many digits as from",
            ));
            ok = false;
        }
        if ok && b.from > b.to {
            errs.push(FieldError::new(
                format!("binRanges[{i}].to"),
                "must not be below from",
            ));
            ok = false;
        }
        if ok {
            if let Some((lo, hi)) = b.bounds8() {
                spans.push((i, b.ica.trim_start_matches('0'), lo, hi));
            }
        }
    }
    for (a, sa) in spans.iter().enumerate() {
        for sb in &spans[..a] {
            if sa.1 == sb.1 && sa.2 <= sb.3 && sb.2 <= sa.3 {
                errs.push(FieldError::new(
                    format!("binRanges[{}]", sa.0),
                    format!("overlaps binRanges[{}] of the same ICA", sb.0),
                ));
                break;
            }
        }
    }

    // Locations and services
    match &r.locations {
        LocationScope::Locations { ids } => {
            if ids.is_empty() {
                errs.push(FieldError::new("locations.ids", "at least one location"));
            }
            for (i, id) in ids.iter().enumerate() {
                if ids[..i].contains(id) {
                    errs.push(FieldError::new(
                        format!("locations.ids[{i}]"),
                        "listed twice",
                    ));
                }
            }
        }
        LocationScope::Country { country } => {
            if !is_alpha3(country) {
                errs.push(FieldError::new(
                    "locations.country",
                    "must be an ISO 3166 alpha-3 code (3 upper-case letters)",
                ));
            }
        }
    }
    if r.services.is_empty() {
        errs.push(FieldError::new("services", "at least one service"));
    }
    for (i, s) in r.services.iter().enumerate() {
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            errs.push(FieldError::new(
                format!("services[{i}]"),
                "a service code is upper-case letters, digits and _",
            ));
        }
    }

    // Total usage
    if let Some(t) = &r.total_usage {
        if t.limit == 0 {
            errs.push(FieldError::new("totalUsage.limit", "must be at least 1"));
        }
        check_period(t.period_days, "totalUsage.periodDays", errs);
    }

    // Cardholder
    let ch = &r.cardholder;
    if ch.free.is_none() && ch.paid.is_none() {
        errs.push(FieldError::new(
            "cardholder",
            "choose a free option, a paid option, or both",
        ));
    }
    check_limit(&ch.free, "cardholder.free", errs);
    check_price(&ch.paid, "cardholder.paid", errs);
    check_period(ch.period_days, "cardholder.periodDays", errs);
    if ch.per_location_cap == Some(0) {
        errs.push(FieldError::new(
            "cardholder.perLocationCap",
            "must be at least 1",
        ));
    }

    // Guests
    for (g, path) in [(&r.adults, "adults"), (&r.children, "children")] {
        check_limit(&g.free, &format!("{path}.free"), errs);
        check_price(&g.paid, &format!("{path}.paid"), errs);
        let offered = g.free.is_some() || g.paid.is_some();
        if offered && g.max_per_entry == 0 {
            errs.push(FieldError::new(
                format!("{path}.maxPerEntry"),
                "must be at least 1 when guests are allowed",
            ));
        }
        if !offered && g.max_per_entry > 0 {
            errs.push(FieldError::new(
                format!("{path}.maxPerEntry"),
                "must be 0 when no free or paid guest option is chosen",
            ));
        }
        if g.max_per_entry > 99 {
            errs.push(FieldError::new(format!("{path}.maxPerEntry"), "at most 99"));
        }
    }
    if let Some(age) = r.child_free_under_age {
        if !(1..=17).contains(&age) {
            errs.push(FieldError::new(
                "childFreeUnderAge",
                "must be between 1 and 17",
            ));
        }
    }

    // Each price has its own currency (the seed lets every paid option choose one).

    // Spend
    if let Some(s) = &r.spend {
        if !s.amount.is_positive() {
            errs.push(FieldError::new(
                "spend.amount.amount",
                "must be greater than zero",
            ));
        }
        check_period(Some(s.period_days), "spend.periodDays", errs);
        if s.grace_days > MAX_GRACE_DAYS {
            errs.push(FieldError::new(
                "spend.graceDays",
                format!("at most {MAX_GRACE_DAYS} days"),
            ));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn mi(a: &str, c: &str) -> Option<MoneyInput> {
        Some(MoneyInput {
            amount: a.into(),
            currency: c.into(),
        })
    }

    pub fn draft() -> RulesetDraft {
        RulesetDraft {
            name: "Gold lounge".into(),
            description: String::new(),
            valid_from: t("2024-01-01T00:00:00Z"),
            valid_to: Some(t("2025-01-01T00:00:00Z")),
            issuer_country: Some("POL".into()),
            product_codes: vec!["MCG".into()],
            bin_ranges: vec![BinRange {
                ica: "1234".into(),
                from: "541234".into(),
                to: "541299".into(),
            }],
            locations: LocationScope::Country {
                country: "POL".into(),
            },
            services: vec!["LOUNGE".into()],
            total_usage: Some(TotalUsageCap {
                limit: 1000,
                period_days: Some(30),
            }),
            cardholder: CardholderTermsDraft {
                free: Some(Limit::Count(3)),
                paid: Some(PaidTermsDraft {
                    price: mi("25.00", "EUR"),
                    limit: Limit::Unlimited,
                }),
                period_days: Some(365),
                per_location_cap: None,
            },
            adults: GuestTermsDraft {
                free: Some(Limit::Count(1)),
                paid: Some(PaidTermsDraft {
                    price: mi("25", "EUR"),
                    limit: Limit::Count(5),
                }),
                max_per_entry: 2,
            },
            children: GuestTermsDraft {
                free: Some(Limit::Unlimited),
                paid: None,
                max_per_entry: 2,
            },
            child_free_under_age: Some(6),
            spend: Some(SpendControlDraft {
                amount: mi("100.00", "EUR"),
                period_days: 10,
                mccs: vec!["5411".into()],
                grace_days: 3,
            }),
            rpm: false,
            enrolled_only: false,
        }
    }

    fn fields(d: &RulesetDraft) -> Vec<String> {
        match d.build(Uuid::nil(), 1, t("2024-01-01T00:00:00Z")) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn valid_draft_builds_and_round_trips() {
        let d = draft();
        let r = d.build(Uuid::nil(), 1, t("2024-01-01T00:00:00Z")).unwrap();
        assert_eq!(
            r.cardholder.paid.as_ref().unwrap().price,
            Money::from_minor(2500, Currency::EUR)
        );
        assert!(r.validate().is_empty());
        assert_eq!(r.to_draft().build(r.id, 1, r.created_at).unwrap(), r);
        assert_eq!(r.pricing_currency(), Some(Currency::EUR));
        let j = serde_json::to_string(&r).unwrap();
        let back: Ruleset = serde_json::from_str(&j).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn each_price_keeps_its_own_currency() {
        let mut d = draft();
        d.adults.paid.as_mut().unwrap().price = mi("100", "PLN");
        if let Some(p) = d.children.paid.as_mut() {
            p.price = mi("1500", "JPY");
        }
        let r = d.build(Uuid::nil(), 1, t("2024-01-01T00:00:00Z")).unwrap();
        assert_eq!(
            r.cardholder.paid.as_ref().unwrap().price.currency(),
            Currency::EUR
        );
        assert_eq!(
            r.adults.paid.as_ref().unwrap().price,
            Money::from_minor(10_000, Currency::PLN)
        );
        assert_eq!(r.pricing_currency(), Some(Currency::EUR));
        // Stored JSON keeps each currency and reads back the same.
        let back: Ruleset = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert!(r.validate().is_empty());
    }

    #[test]
    fn validation_table() {
        type Edit = fn(&mut RulesetDraft);
        let cases: &[(&str, Edit, &[&str])] = &[
            ("empty name", |d| d.name = " ".into(), &["name"]),
            (
                "validTo before validFrom",
                |d| d.valid_to = Some(t("2023-01-01T00:00:00Z")),
                &["validTo"],
            ),
            (
                "validTo equal validFrom",
                |d| d.valid_to = Some(d.valid_from),
                &["validTo"],
            ),
            (
                "bad issuer country",
                |d| d.issuer_country = Some("PL".into()),
                &["issuerCountry"],
            ),
            (
                "bad product",
                |d| d.product_codes = vec!["mcg".into()],
                &["productCodes[0]"],
            ),
            ("no ranges", |d| d.bin_ranges.clear(), &["binRanges"]),
            (
                "bad BIN strings",
                |d| {
                    d.bin_ranges = vec![BinRange {
                        ica: "12a".into(),
                        from: "5412".into(),
                        to: "541299999".into(),
                    }]
                },
                &["binRanges[0].ica", "binRanges[0].from", "binRanges[0].to"],
            ),
            (
                "unequal lengths",
                |d| d.bin_ranges[0].to = "5412999".into(),
                &["binRanges[0].to"],
            ),
            (
                "from above to",
                |d| d.bin_ranges[0].from = "541300".into(),
                &["binRanges[0].to"],
            ),
            (
                "overlap in one ICA (6 vs 8 digits)",
                |d| {
                    d.bin_ranges.push(BinRange {
                        ica: "01234".into(),
                        from: "54129900".into(),
                        to: "54130000".into(),
                    })
                },
                &["binRanges[1]"],
            ),
            (
                "same span, other ICA is fine",
                |d| {
                    d.bin_ranges.push(BinRange {
                        ica: "9999".into(),
                        from: "541234".into(),
                        to: "541299".into(),
                    })
                },
                &[],
            ),
            (
                "no locations",
                |d| d.locations = LocationScope::Locations { ids: vec![] },
                &["locations.ids"],
            ),
            (
                "bad location country",
                |d| {
                    d.locations = LocationScope::Country {
                        country: "pol".into(),
                    }
                },
                &["locations.country"],
            ),
            ("no services", |d| d.services.clear(), &["services"]),
            (
                "zero total",
                |d| {
                    d.total_usage = Some(TotalUsageCap {
                        limit: 0,
                        period_days: Some(0),
                    })
                },
                &["totalUsage.limit", "totalUsage.periodDays"],
            ),
            (
                "neither free nor paid",
                |d| {
                    d.cardholder.free = None;
                    d.cardholder.paid = None;
                },
                &["cardholder"],
            ),
            (
                "paid without price",
                |d| d.cardholder.paid.as_mut().unwrap().price = None,
                &["cardholder.paid.price"],
            ),
            (
                "unknown currency",
                |d| d.cardholder.paid.as_mut().unwrap().price = mi("25.00", "XYZ"),
                &["cardholder.paid.price.currency"],
            ),
            (
                "too many decimals",
                |d| d.cardholder.paid.as_mut().unwrap().price = mi("25.001", "EUR"),
                &["cardholder.paid.price.amount"],
            ),
            (
                "JPY with decimals",
                |d| {
                    for p in [&mut d.cardholder.paid, &mut d.adults.paid] {
                        p.as_mut().unwrap().price = mi("25.5", "JPY");
                    }
                },
                &["cardholder.paid.price.amount", "adults.paid.price.amount"],
            ),
            (
                "zero price",
                |d| d.cardholder.paid.as_mut().unwrap().price = mi("0.00", "EUR"),
                &["cardholder.paid.price.amount"],
            ),
            (
                "zero free count",
                |d| d.cardholder.free = Some(Limit::Count(0)),
                &["cardholder.free"],
            ),
            (
                "guests without max",
                |d| d.adults.max_per_entry = 0,
                &["adults.maxPerEntry"],
            ),
            (
                "max without guest terms",
                |d| d.children.free = None,
                &["children.maxPerEntry"],
            ),
            (
                "child age",
                |d| d.child_free_under_age = Some(0),
                &["childFreeUnderAge"],
            ),
            (
                "bad MCC",
                |d| d.spend.as_mut().unwrap().mccs = vec!["5411".into(), "541".into()],
                &["spend.mccs[1]"],
            ),
            (
                "spend without amount",
                |d| d.spend.as_mut().unwrap().amount = None,
                &["spend.amount"],
            ),
            (
                "spend period and grace",
                |d| {
                    let s = d.spend.as_mut().unwrap();
                    s.period_days = 0;
                    s.grace_days = 1000;
                },
                &["spend.periodDays", "spend.graceDays"],
            ),
        ];
        for (name, edit, want) in cases {
            let mut d = draft();
            edit(&mut d);
            let mut got = fields(&d);
            got.sort();
            let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn bin_range_matching() {
        let r = BinRange {
            ica: "1".into(),
            from: "541234".into(),
            to: "541240".into(),
        };
        assert!(r.contains_bin("54123400"));
        assert!(r.contains_bin("54124099"));
        assert!(!r.contains_bin("54124100"));
        assert!(!r.contains_bin("54123"));
        assert_eq!(r.width(), 700);
        let r8 = BinRange {
            ica: "1".into(),
            from: "54123400".into(),
            to: "54123499".into(),
        };
        assert!(r8.contains_bin("54123450"));
        assert!(!r8.contains_bin("541234"));
        assert_eq!(r8.width(), 100);
    }
}
