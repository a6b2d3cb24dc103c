//! What a card has left under a ruleset at a moment: its free and paid cardholder entries in
//! the ruleset's rolling period, counted as the engine counts them (the ruleset's operations,
//! any version, COMPLETED or an open grant, inside the period). For the Enrolled cards screen.
//!
//! Location-dependent limits (per-location caps, cooldowns) and the ruleset's total-usage cap
//! are not part of it: they depend on where and on other cards, which the door decides.

use super::engine::UsageRecord;
use super::ruleset::{minus_days, Ruleset};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entitlement {
    pub ruleset_id: Uuid,
    pub ruleset_version: u32,
    /// The rolling period in days; `None` = for the ruleset's whole validity.
    pub period_days: Option<u32>,
    pub free_used: u32,
    pub paid_used: u32,
    /// Free entries left: `None` = unlimited, `Some(0)` also when the ruleset has no free option.
    pub free_left: Option<u32>,
    /// Paid entries left: `None` = unlimited, `Some(0)` also when there is no paid option.
    pub paid_left: Option<u32>,
}

/// The card's entitlement under `rs` at `now`, from the card's operations.
pub fn entitlement(rs: &Ruleset, history: &[UsageRecord], now: DateTime<Utc>) -> Entitlement {
    let ch = &rs.cardholder;
    let since = ch.period_days.map(|d| minus_days(now, d));
    let (mut free_used, mut paid_used) = (0u32, 0u32);
    for h in history {
        if h.ruleset_id != Some(rs.id)
            || !h.counts_at(now)
            || since.is_some_and(|s| h.occurred_at < s)
        {
            continue;
        }
        if h.cardholder_paid {
            paid_used = paid_used.saturating_add(1);
        } else {
            free_used = free_used.saturating_add(1);
        }
    }
    Entitlement {
        ruleset_id: rs.id,
        ruleset_version: rs.version,
        period_days: ch.period_days,
        free_used,
        paid_used,
        free_left: ch.free.map_or(Some(0), |l| l.remaining(free_used)),
        paid_left: ch
            .paid
            .as_ref()
            .map_or(Some(0), |p| p.limit.remaining(paid_used)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::card::CardProfile;
    use super::super::engine::{decide, Decision, DecisionInput, GuestCounts, OperationStatus};
    use super::super::index::RulesetIndex;
    use super::super::money::{Currency, FxTable, Money};
    use super::super::ruleset::{
        BinRange, CardholderTerms, GuestTerms, Limit, LocationInfo, LocationScope, PaidTerms,
    };
    use super::*;
    use chrono::Duration;

    const LOC: Uuid = Uuid::from_u128(0x1000);
    const R1: Uuid = Uuid::from_u128(0xA1);
    const R2: Uuid = Uuid::from_u128(0xA2);

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn rs(free: Option<Limit>, paid: Option<Limit>, period_days: Option<u32>) -> Ruleset {
        Ruleset {
            id: R1,
            version: 2,
            name: "r".into(),
            description: String::new(),
            valid_from: now() - Duration::days(400),
            valid_to: None,
            issuer_country: None,
            product_codes: vec![],
            bin_ranges: vec![BinRange {
                ica: "1234".into(),
                from: "541234".into(),
                to: "541299".into(),
            }],
            locations: LocationScope::Country {
                country: "POL".into(),
            },
            services: vec!["LOUNGE".into()],
            total_usage: None,
            cardholder: CardholderTerms {
                free,
                paid: paid.map(|limit| PaidTerms {
                    price: Money::from_minor(2500, Currency::EUR),
                    limit,
                }),
                period_days,
                per_location_cap: None,
            },
            adults: GuestTerms::none(),
            children: GuestTerms::none(),
            child_free_under_age: None,
            spend: None,
            rpm: false,
            enrolled_only: false,
            created_at: now() - Duration::days(400),
        }
    }

    fn op(ruleset: Uuid, days_ago: i64, status: OperationStatus, paid: bool) -> UsageRecord {
        UsageRecord {
            ruleset_id: Some(ruleset),
            location_id: LOC,
            occurred_at: now() - Duration::days(days_ago),
            status,
            expires_at: None,
            cardholder_paid: paid,
            guests: GuestCounts::default(),
        }
    }

    #[test]
    fn counts_the_rulesets_entries_inside_the_period() {
        let r = rs(Some(Limit::Count(3)), Some(Limit::Count(5)), Some(365));
        let history = [
            op(R1, 10, OperationStatus::Completed, false),
            op(R1, 20, OperationStatus::Completed, true),
            // Outside the period, reversed, rejected, another ruleset: none count.
            op(R1, 400, OperationStatus::Completed, false),
            op(R1, 5, OperationStatus::Reversed, false),
            op(R1, 5, OperationStatus::Rejected, false),
            op(R2, 5, OperationStatus::Completed, false),
            // An open grant counts.
            op(R1, 0, OperationStatus::Pending, false),
        ];
        let e = entitlement(&r, &history, now());
        assert_eq!((e.free_used, e.paid_used), (2, 1));
        assert_eq!((e.free_left, e.paid_left), (Some(1), Some(4)));
        assert_eq!(e.period_days, Some(365));
        assert_eq!(e.ruleset_version, 2);
    }

    #[test]
    fn missing_options_are_zero_and_unlimited_is_none() {
        let e = entitlement(&rs(None, Some(Limit::Unlimited), None), &[], now());
        assert_eq!((e.free_left, e.paid_left), (Some(0), None));
        let e = entitlement(&rs(Some(Limit::Unlimited), None, None), &[], now());
        assert_eq!((e.free_left, e.paid_left), (None, Some(0)));
        // Used beyond the limit (e.g. offline over-limit entries) never goes negative.
        let history: Vec<_> = (0..5)
            .map(|d| op(R1, d, OperationStatus::Completed, false))
            .collect();
        let e = entitlement(&rs(Some(Limit::Count(3)), None, None), &history, now());
        assert_eq!(e.free_left, Some(0));
    }

    /// The screen and the door agree: a free grant leaves exactly one free entry fewer than
    /// the entitlement shows before it.
    #[test]
    fn agrees_with_the_engine() {
        let card = CardProfile {
            bin: "54123456".into(),
            ica: "1234".into(),
            issuer_name: "Test Bank".into(),
            issuer_country: "POL".into(),
            product_code: "MCG".into(),
            enrolled: true,
        };
        let location = LocationInfo {
            id: LOC,
            country: "POL".into(),
            service: "LOUNGE".into(),
            cooldown_minutes: None,
            currency: Some(Currency::PLN),
            capacity: None,
            occupancy: 0,
            stay_minutes: 120,
        };
        let r = rs(Some(Limit::Count(4)), Some(Limit::Count(2)), Some(30));
        let index = RulesetIndex::new(vec![r.clone()]);
        let fx = FxTable::empty();
        for used in 0..6i64 {
            let history: Vec<_> = (0..used)
                .map(|i| op(R1, 1 + i * 3, OperationStatus::Completed, i >= 4))
                .collect();
            let e = entitlement(&r, &history, now());
            let decision = decide(&DecisionInput {
                now: now(),
                card: Some(&card),
                location: &location,
                rulesets: &index,
                history: &history,
                ruleset_usage: &[],
                transactions: &[],
                fx: &fx,
                rpm: None,
            });
            match decision {
                Decision::Grant(g) if !g.cardholder_paid => {
                    assert_eq!(g.remaining_free, e.free_left.map(|n| n - 1), "used {used}");
                }
                Decision::Grant(g) => {
                    assert_eq!(e.free_left, Some(0), "used {used}");
                    assert_eq!(g.remaining_paid, e.paid_left.map(|n| n - 1), "used {used}");
                }
                Decision::Reject { .. } => {
                    assert_eq!(
                        (e.free_left, e.paid_left),
                        (Some(0), Some(0)),
                        "used {used}"
                    );
                }
            }
        }
    }
}
