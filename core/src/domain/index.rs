//! Candidate rulesets prepared for matching: a compact, contiguous copy of the static
//! conditions (validity, services, locations, BIN ranges, issuer country, products,
//! enrolment), so that
//! checking 1,000 rulesets against a card costs a few microseconds instead of chasing every
//! ruleset's strings through the heap.
//!
//! Build a [`RulesetIndex`] once per set of rulesets (e.g. when they change, then share it:
//! it is immutable) and pass it to every decision. Building costs about as much as one
//! decision's matching did without it. Anything the compact form can't express exactly (a code
//! that is not 3 bytes, a BIN range that is not 6–8 digits, more than 64 distinct services, …)
//! marks that ruleset for the plain check, so results never differ from
//! [`Ruleset`]'s own matching.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::card::CardProfile;
use super::money::Money;
use super::ruleset::{Limit, LocationInfo, LocationScope, Ruleset, TotalUsageCap};

/// Rulesets with their matching index. Immutable; share it (`Arc`) between decisions.
#[derive(Debug, Clone, Default)]
pub struct RulesetIndex {
    rulesets: Vec<Ruleset>,
    keys: Vec<Key>,
    terms: Vec<Terms>,
    location_ids: Vec<Uuid>,
    ranges: Vec<RangeKey>,
    products: Vec<u32>,
    services: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
struct Key {
    from: (i64, u32),
    to: (i64, u32),
    services: u64,
    /// Packed country of a country scope; 0 = explicit location list.
    country: u32,
    /// Packed issuer country; 0 = any.
    issuer_country: u32,
    locations: (u32, u32),
    ranges: (u32, u32),
    products: (u32, u32),
    enrolled_only: bool,
    /// Not expressible here: use the ruleset's own matching.
    slow: bool,
}

/// A ruleset's terms as the decision's hot loops read them (a contiguous copy).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terms {
    pub id: Uuid,
    pub version: u32,
    pub created_at: (i64, u32),
    pub period_days: Option<u32>,
    pub free: Option<Limit>,
    pub paid: Option<Limit>,
    pub price: Option<Money>,
    pub per_location_cap: Option<u32>,
    pub total: Option<TotalUsageCap>,
    pub has_spend: bool,
    pub rpm: bool,
}

impl Terms {
    fn of(r: &Ruleset) -> Terms {
        Terms {
            id: r.id,
            version: r.version,
            created_at: instant(r.created_at),
            period_days: r.cardholder.period_days,
            free: r.cardholder.free,
            paid: r.cardholder.paid.as_ref().map(|p| p.limit),
            price: r.cardholder.paid.as_ref().map(|p| p.price),
            per_location_cap: r.cardholder.per_location_cap,
            total: r.total_usage,
            has_spend: r.spend.is_some(),
            rpm: r.rpm,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct RangeKey {
    ica: u64,
    /// Inclusive, as 8-digit BINs (`from` padded with 0s, `to` with 9s).
    lo: u32,
    hi: u32,
}

/// What one decision compares against, packed once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    now: (i64, u32),
    service_bit: u64,
    country: u32,
    issuer_country: u32,
    product: u32,
    ica: u64,
    bin8: u32,
    location: Uuid,
    enrolled: bool,
}

/// Why a ruleset doesn't match statically (the first failing condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    Validity,
    Service,
    Location,
    BinRange,
    IssuerCountry,
    Product,
    Enrolment,
}

const NO_CODE: u32 = u32::MAX;

fn pack3(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 3 {
        return None;
    }
    let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
    (v != 0).then_some(v)
}

fn digits_u64(s: &str, max_len: usize) -> Option<u64> {
    if s.is_empty() || s.len() > max_len {
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

fn instant(t: DateTime<Utc>) -> (i64, u32) {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

impl RulesetIndex {
    pub fn new(rulesets: Vec<Ruleset>) -> RulesetIndex {
        let mut ix = RulesetIndex {
            keys: Vec::with_capacity(rulesets.len()),
            terms: rulesets.iter().map(Terms::of).collect(),
            ..RulesetIndex::default()
        };
        for r in &rulesets {
            let key = ix.key(r);
            ix.keys.push(key);
        }
        ix.rulesets = rulesets;
        ix
    }

    fn key(&mut self, r: &Ruleset) -> Key {
        let mut slow = false;
        let mut services = 0u64;
        for s in &r.services {
            let i = match self.services.iter().position(|x| x == s) {
                Some(i) => i,
                None => {
                    self.services.push(s.clone());
                    self.services.len() - 1
                }
            };
            if i < 64 {
                services |= 1 << i;
            } else {
                slow = true;
            }
        }
        let loc_start = self.location_ids.len() as u32;
        let country = match &r.locations {
            LocationScope::Locations { ids } => {
                self.location_ids.extend_from_slice(ids);
                0
            }
            LocationScope::Country { country } => pack3(country).unwrap_or_else(|| {
                slow = true;
                0
            }),
        };
        let locations = (loc_start, self.location_ids.len() as u32);
        let issuer_country = match &r.issuer_country {
            None => 0,
            Some(c) => pack3(c).unwrap_or_else(|| {
                slow = true;
                0
            }),
        };
        let prod_start = self.products.len() as u32;
        for p in &r.product_codes {
            match pack3(p) {
                Some(v) => self.products.push(v),
                None => slow = true,
            }
        }
        let products = (prod_start, self.products.len() as u32);
        let range_start = self.ranges.len() as u32;
        for b in &r.bin_ranges {
            let n = b.from.len();
            let ok = (6..=8).contains(&n) && b.to.len() == n;
            match (
                ok,
                digits_u64(&b.ica, 19),
                digits_u64(&b.from, 8),
                digits_u64(&b.to, 8),
            ) {
                (true, Some(ica), Some(from), Some(to)) => {
                    let f = 10u64.pow(8 - n as u32);
                    self.ranges.push(RangeKey {
                        ica,
                        lo: (from * f) as u32,
                        hi: (to * f + (f - 1)) as u32,
                    });
                }
                _ => slow = true,
            }
        }
        let ranges = (range_start, self.ranges.len() as u32);
        Key {
            from: instant(r.valid_from),
            to: r.valid_to.map_or((i64::MAX, u32::MAX), instant),
            services,
            country,
            issuer_country,
            locations,
            ranges,
            products,
            enrolled_only: r.enrolled_only,
            slow,
        }
    }

    pub fn rulesets(&self) -> &[Ruleset] {
        &self.rulesets
    }

    pub fn into_rulesets(self) -> Vec<Ruleset> {
        self.rulesets
    }

    pub fn len(&self) -> usize {
        self.rulesets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rulesets.is_empty()
    }

    /// Packs the decision's card and location; `None` when the card's data can't use the
    /// compact form (then every ruleset takes the plain check).
    pub(crate) fn probe(
        &self,
        now: DateTime<Utc>,
        card: &CardProfile,
        loc: &LocationInfo,
    ) -> Option<Probe> {
        let bin8 = card.bin.get(..8).and_then(|b| digits_u64(b, 8))? as u32;
        let ica = digits_u64(&card.ica, 19)?;
        let service_bit = match self.services.iter().position(|s| *s == loc.service) {
            Some(i) if i < 64 => 1u64 << i,
            _ => 0,
        };
        Some(Probe {
            now: instant(now),
            service_bit,
            country: pack3(&loc.country).unwrap_or(NO_CODE),
            issuer_country: pack3(&card.issuer_country).unwrap_or(NO_CODE),
            product: pack3(&card.product_code).unwrap_or(NO_CODE),
            ica,
            bin8,
            location: loc.id,
            enrolled: card.enrolled,
        })
    }

    /// The terms of ruleset `i`.
    #[inline]
    pub(crate) fn terms(&self, i: usize) -> &Terms {
        &self.terms[i]
    }

    /// Whether ruleset `i` needs the plain check.
    #[inline]
    pub(crate) fn is_slow(&self, i: usize) -> bool {
        self.keys[i].slow
    }

    /// Static match of ruleset `i` (not slow) in the same order of conditions as the plain
    /// check: `Ok((range index, width))` or the first failing condition.
    #[inline]
    pub(crate) fn matches(&self, i: usize, p: &Probe) -> Result<(usize, u64), Miss> {
        let k = &self.keys[i];
        if p.now < k.from || p.now >= k.to {
            return Err(Miss::Validity);
        }
        if k.services & p.service_bit == 0 {
            return Err(Miss::Service);
        }
        let here = if k.country != 0 {
            k.country == p.country
        } else {
            self.location_ids[k.locations.0 as usize..k.locations.1 as usize].contains(&p.location)
        };
        if !here {
            return Err(Miss::Location);
        }
        let mut best: Option<(usize, u64)> = None;
        let ranges = &self.ranges[k.ranges.0 as usize..k.ranges.1 as usize];
        for (j, r) in ranges.iter().enumerate() {
            if r.ica == p.ica && r.lo <= p.bin8 && p.bin8 <= r.hi {
                let w = (r.hi - r.lo) as u64 + 1;
                if best.is_none_or(|(_, bw)| w < bw) {
                    best = Some((j, w));
                }
            }
        }
        let Some(best) = best else {
            return Err(Miss::BinRange);
        };
        if k.issuer_country != 0 && k.issuer_country != p.issuer_country {
            return Err(Miss::IssuerCountry);
        }
        if k.products.0 != k.products.1
            && !self.products[k.products.0 as usize..k.products.1 as usize].contains(&p.product)
        {
            return Err(Miss::Product);
        }
        if k.enrolled_only && !p.enrolled {
            return Err(Miss::Enrolment);
        }
        Ok(best)
    }
}

impl From<Vec<Ruleset>> for RulesetIndex {
    fn from(rulesets: Vec<Ruleset>) -> Self {
        RulesetIndex::new(rulesets)
    }
}

impl FromIterator<Ruleset> for RulesetIndex {
    fn from_iter<I: IntoIterator<Item = Ruleset>>(iter: I) -> Self {
        RulesetIndex::new(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::ruleset::BinRange;
    use super::*;

    fn base() -> Ruleset {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let d = super::super::ruleset::tests::draft();
        d.build(Uuid::from_u128(7), 1, t("2024-01-01T00:00:00Z"))
            .unwrap()
    }

    #[test]
    fn compact_form_and_fallbacks() {
        let ok = base();
        let mut long_code = base();
        long_code.product_codes = vec!["MCGX".into()];
        let mut short_range = base();
        short_range.bin_ranges = vec![BinRange {
            ica: "1234".into(),
            from: "54123".into(),
            to: "54129".into(),
        }];
        let ix = RulesetIndex::new(vec![ok, long_code, short_range]);
        assert_eq!(ix.len(), 3);
        assert!(!ix.is_slow(0));
        assert!(ix.is_slow(1));
        assert!(ix.is_slow(2));
        // 6-digit range 541234–541299 as 8-digit BINs.
        assert_eq!((ix.ranges[0].lo, ix.ranges[0].hi), (54123400, 54129999));
        assert_eq!(ix.terms(0).id, Uuid::from_u128(7));
    }
}
