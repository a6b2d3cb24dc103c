//! Benchmark of the access decision: 1,000 candidate rulesets (a prepared `RulesetIndex`) and
//! a card history of 1,000 operations (target: under 20 µs per decision), plus the one-off cost
//! of preparing the index.
//!
//! `cargo bench -p access-core --bench engine`

use std::hint::black_box;

use access_core::domain::{
    decide, decide_explained, BinRange, CardProfile, CardTransaction, CardholderTerms, Currency,
    DecisionInput, FxRate, FxTable, GuestCounts, GuestTerms, Limit, LocationInfo, LocationScope,
    Mcc, Money, OperationStatus, PaidTerms, Ruleset, RulesetIndex, RulesetUsage, SpendControl,
    TotalUsageCap, UsageRecord,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use uuid::Uuid;

/// Deterministic pseudo-random numbers (no extra dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn uuid(&mut self) -> Uuid {
        Uuid::from_u64_pair(
            self.next() << 31 ^ self.next(),
            self.next() << 31 ^ self.next(),
        )
    }
}

struct Fixture {
    now: DateTime<Utc>,
    card: CardProfile,
    location: LocationInfo,
    rulesets: RulesetIndex,
    history: Vec<UsageRecord>,
    usage: Vec<RulesetUsage>,
    txs: Vec<CardTransaction>,
    fx: FxTable,
}

impl Fixture {
    fn input(&self) -> DecisionInput<'_> {
        DecisionInput {
            now: self.now,
            card: Some(&self.card),
            location: &self.location,
            rulesets: &self.rulesets,
            history: &self.history,
            ruleset_usage: &self.usage,
            transactions: &self.txs,
            fx: &self.fx,
            rpm: None,
        }
    }
}

/// `matching` of the 1,000 rulesets cover the card at the location; the others differ in
/// BIN range, location, service or validity. The history spreads over the matching ones.
fn fixture(matching: usize) -> Fixture {
    let mut rng = Lcg(42);
    let now: DateTime<Utc> = "2024-06-01T12:00:00Z".parse().unwrap();
    let loc_id = rng.uuid();
    let location = LocationInfo {
        id: loc_id,
        country: "POL".into(),
        service: "LOUNGE".into(),
        cooldown_minutes: Some(30),
        currency: Some(Currency::PLN),
        capacity: None,
        occupancy: 0,
        stay_minutes: 120,
    };
    let card = CardProfile {
        bin: "54123456".into(),
        ica: "1234".into(),
        issuer_name: "Bench Bank".into(),
        issuer_country: "POL".into(),
        product_code: "MCG".into(),
        enrolled: true,
    };
    let eur = |m| Money::from_minor(m, Currency::EUR);
    let mut rulesets = Vec::with_capacity(1000);
    for i in 0..1000usize {
        let matches = i < matching;
        let kind = i % 4;
        let (from, to) = if matches || kind != 0 {
            ("541234".to_string(), format!("5412{:02}", 40 + (i % 60)))
        } else {
            (format!("52{:04}", i), format!("52{:04}", i))
        };
        let locations = if !matches && kind == 1 {
            LocationScope::Locations {
                ids: vec![rng.uuid(), rng.uuid()],
            }
        } else if i % 3 == 0 {
            LocationScope::Locations {
                ids: vec![rng.uuid(), loc_id, rng.uuid()],
            }
        } else {
            LocationScope::Country {
                country: "POL".into(),
            }
        };
        let services = if !matches && kind == 2 {
            vec!["FAST_LINE".to_string()]
        } else {
            vec!["LOUNGE".to_string(), "FAST_LINE".to_string()]
        };
        let valid_to = if !matches && kind == 3 {
            Some(now - Duration::days(1))
        } else {
            Some(now + Duration::days(100))
        };
        rulesets.push(Ruleset {
            id: rng.uuid(),
            version: 1,
            name: format!("ruleset {i}"),
            description: String::new(),
            valid_from: now - Duration::days(400),
            valid_to,
            issuer_country: Some("POL".into()),
            product_codes: vec!["MCG".into(), "MCW".into()],
            bin_ranges: vec![BinRange {
                ica: "1234".into(),
                from,
                to,
            }],
            locations,
            services,
            total_usage: if i % 5 == 0 {
                Some(TotalUsageCap {
                    limit: 1_000_000,
                    period_days: Some(30),
                })
            } else {
                None
            },
            cardholder: CardholderTerms {
                free: Some(Limit::Count(3)),
                paid: Some(PaidTerms {
                    price: eur(2000 + (i as i64 % 7) * 100),
                    limit: Limit::Unlimited,
                }),
                period_days: Some(365),
                per_location_cap: Some(50),
            },
            adults: GuestTerms {
                free: Some(Limit::Count(2)),
                paid: Some(PaidTerms {
                    price: eur(2500),
                    limit: Limit::Count(10),
                }),
                max_per_entry: 3,
            },
            children: GuestTerms {
                free: Some(Limit::Unlimited),
                paid: None,
                max_per_entry: 2,
            },
            child_free_under_age: Some(6),
            spend: if i % 10 == 0 {
                Some(SpendControl {
                    amount: eur(50_000),
                    period_days: 30,
                    mccs: vec![],
                    grace_days: 3,
                })
            } else {
                None
            },
            rpm: false,
            enrolled_only: false,
            created_at: now - Duration::days(400 - (i as i64 % 300)),
        });
    }
    let usage = rulesets
        .iter()
        .filter(|r| r.total_usage.is_some())
        .map(|r| RulesetUsage {
            ruleset_id: r.id,
            counted_since: r.total_usage_window_start(now),
            count: 10,
        })
        .collect();
    let statuses = [
        OperationStatus::Completed,
        OperationStatus::Completed,
        OperationStatus::Completed,
        OperationStatus::Reversed,
        OperationStatus::Expired,
        OperationStatus::Rejected,
    ];
    let history = (0..1000)
        .map(|_| {
            let r = &rulesets[rng.below(matching.max(1) as u64) as usize];
            UsageRecord {
                ruleset_id: Some(r.id),
                location_id: if rng.below(3) == 0 {
                    loc_id
                } else {
                    rng.uuid()
                },
                occurred_at: now - Duration::hours(2 + rng.below(24 * 700) as i64),
                status: statuses[rng.below(6) as usize],
                expires_at: None,
                cardholder_paid: rng.below(4) == 0,
                guests: GuestCounts {
                    free_adults: rng.below(2) as u32,
                    paid_adults: 0,
                    free_children: rng.below(2) as u32,
                    paid_children: 0,
                },
            }
        })
        .collect();
    let txs = (0..200)
        .map(|_| {
            let at = now - Duration::hours(rng.below(24 * 60) as i64);
            CardTransaction {
                occurred_at: at,
                cleared_at: Some(at + Duration::hours(30)),
                amount: Money::from_minor(
                    rng.below(20_000) as i64,
                    if rng.below(2) == 0 {
                        Currency::EUR
                    } else {
                        Currency::PLN
                    },
                ),
                mcc: Mcc::parse("5411").unwrap(),
            }
        })
        .collect();
    let fx = FxTable::new((0..60).map(|d| FxRate {
        date: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap() + Duration::days(d),
        base: Currency::EUR,
        quote: Currency::PLN,
        rate: "4.31".parse().unwrap(),
    }));
    Fixture {
        now,
        card,
        location,
        rulesets: RulesetIndex::new(rulesets),
        history,
        usage,
        txs,
        fx,
    }
}

fn bench(c: &mut Criterion) {
    // Preparing the candidate rulesets (once per set of rulesets, shared between decisions).
    let rulesets = fixture(20).rulesets.into_rulesets();
    c.bench_function("RulesetIndex::new: 1000 rulesets", |b| {
        b.iter_batched(
            || rulesets.clone(),
            RulesetIndex::new,
            BatchSize::LargeInput,
        )
    });
    for matching in [20usize, 1000] {
        let f = fixture(matching);
        let input = f.input();
        // Sanity: the fixture decides something meaningful.
        let (d, trace) = decide_explained(&input);
        assert_eq!(decide(&input), d);
        assert!(trace.len() >= 1000);
        c.bench_function(
            &format!("decide: 1000 rulesets ({matching} matching), 1000 history ops"),
            |b| b.iter(|| decide(black_box(&input))),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
