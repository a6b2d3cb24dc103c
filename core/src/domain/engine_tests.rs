//! Tests of the decision engine: one table per rule, then property tests.

use super::super::card::CardProfile;
use super::super::index::RulesetIndex;
use super::super::money::{Currency, FxRate, FxTable, Money};
use super::super::ruleset::{
    BinRange, CardholderTerms, GuestTerms, Limit, LocationInfo, LocationScope, Mcc, PaidTerms,
    Ruleset, SpendControl, TotalUsageCap,
};
use super::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    t("2024-06-01T12:00:00Z")
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

const LOC: Uuid = Uuid::from_u128(0x1000);
const OTHER_LOC: Uuid = Uuid::from_u128(0x2000);
const R1: Uuid = Uuid::from_u128(0xA1);
const R2: Uuid = Uuid::from_u128(0xA2);
const R3: Uuid = Uuid::from_u128(0xA3);

fn card() -> CardProfile {
    CardProfile {
        bin: "54123456".into(),
        ica: "1234".into(),
        issuer_name: "Test Bank".into(),
        issuer_country: "POL".into(),
        product_code: "MCG".into(),
        enrolled: true,
    }
}

fn location() -> LocationInfo {
    LocationInfo {
        id: LOC,
        country: "POL".into(),
        service: "LOUNGE".into(),
        cooldown_minutes: None,
        currency: Some(Currency::PLN),
        capacity: None,
        occupancy: 0,
        stay_minutes: 120,
    }
}

/// A ruleset admitting the test card at the test location: 3 free entries per 365 days.
fn rs(id: Uuid) -> Ruleset {
    Ruleset {
        id,
        version: 1,
        name: format!("rs-{}", id.as_u128()),
        description: String::new(),
        valid_from: t("2024-01-01T00:00:00Z"),
        valid_to: Some(t("2025-01-01T00:00:00Z")),
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
            free: Some(Limit::Count(3)),
            paid: None,
            period_days: Some(365),
            per_location_cap: None,
        },
        adults: GuestTerms::none(),
        children: GuestTerms::none(),
        child_free_under_age: None,
        spend: None,
        rpm: false,
        enrolled_only: false,
        created_at: t("2024-01-01T00:00:00Z"),
    }
}

fn paid(minor: i64, limit: Limit) -> Option<PaidTerms> {
    Some(PaidTerms {
        price: eur(minor),
        limit,
    })
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

fn done(ruleset: Uuid, days_ago: i64) -> UsageRecord {
    op(ruleset, days_ago, OperationStatus::Completed, false)
}

fn tx(days_ago: i64, minor: i64, cur: Currency, mcc: &str) -> CardTransaction {
    let at = now() - Duration::days(days_ago);
    CardTransaction {
        occurred_at: at,
        cleared_at: Some(at + Duration::hours(1)),
        amount: Money::from_minor(minor, cur),
        mcc: Mcc::parse(mcc).unwrap(),
    }
}

#[derive(Clone)]
struct Scenario {
    now: DateTime<Utc>,
    card: Option<CardProfile>,
    location: LocationInfo,
    rulesets: Vec<Ruleset>,
    history: Vec<UsageRecord>,
    usage: Vec<RulesetUsage>,
    txs: Vec<CardTransaction>,
    fx: FxTable,
}

impl Scenario {
    fn new(rulesets: Vec<Ruleset>) -> Scenario {
        Scenario {
            now: now(),
            card: Some(card()),
            location: location(),
            rulesets,
            history: vec![],
            usage: vec![],
            txs: vec![],
            fx: FxTable::empty(),
        }
    }

    fn index(&self) -> RulesetIndex {
        RulesetIndex::new(self.rulesets.clone())
    }

    fn input<'a>(&'a self, index: &'a RulesetIndex) -> DecisionInput<'a> {
        DecisionInput {
            now: self.now,
            card: self.card.as_ref(),
            location: &self.location,
            rulesets: index,
            history: &self.history,
            ruleset_usage: &self.usage,
            transactions: &self.txs,
            fx: &self.fx,
            rpm: None,
        }
    }

    fn run(&self) -> Decision {
        let ix = self.index();
        let d = decide(&self.input(&ix));
        // The traced path (the rulesets' own matching) must decide the same.
        let (d2, trace) = decide_explained(&self.input(&ix));
        assert_eq!(d, d2, "decide and decide_explained disagree");
        assert!(!trace.is_empty() || self.rulesets.is_empty());
        d
    }
}

/// Expected outcome: granted under a ruleset (paid or free), or rejected with a code.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Free(Uuid),
    Paid(Uuid),
    No(RejectCode),
}

fn outcome(d: &Decision) -> Want {
    match d {
        Decision::Grant(g) if g.cardholder_paid => Want::Paid(g.ruleset_id),
        Decision::Grant(g) => Want::Free(g.ruleset_id),
        Decision::Reject { code, .. } => Want::No(*code),
    }
}

fn check(cases: Vec<(&str, Scenario, Want)>) {
    for (name, sc, want) in cases {
        let d = sc.run();
        assert_eq!(outcome(&d), want, "{name}: {d:?}");
    }
}

fn with(f: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut s = Scenario::new(vec![rs(R1)]);
    f(&mut s);
    s
}

use OperationStatus::*;
use RejectCode::*;

#[test]
fn static_matching_table() {
    check(vec![
        ("baseline", with(|_| {}), Want::Free(R1)),
        (
            "unknown BIN",
            with(|s| s.card = None),
            Want::No(MissingAccessRules),
        ),
        (
            "before validFrom",
            with(|s| s.now = t("2023-12-31T23:59:59Z")),
            Want::No(MissingAccessRules),
        ),
        (
            "at validFrom",
            with(|s| s.now = t("2024-01-01T00:00:00Z")),
            Want::Free(R1),
        ),
        (
            "at validTo (exclusive)",
            with(|s| s.now = t("2025-01-01T00:00:00Z")),
            Want::No(MissingAccessRules),
        ),
        (
            "open-ended",
            with(|s| {
                s.rulesets[0].valid_to = None;
                s.now = t("2030-01-01T00:00:00Z");
            }),
            Want::Free(R1),
        ),
        (
            "BIN below range",
            with(|s| s.card.as_mut().unwrap().bin = "54123399".into()),
            Want::No(MissingAccessRules),
        ),
        (
            "BIN at upper bound",
            with(|s| s.card.as_mut().unwrap().bin = "54129999".into()),
            Want::Free(R1),
        ),
        (
            "8-digit range hit",
            with(|s| {
                s.rulesets[0].bin_ranges[0].from = "54123450".into();
                s.rulesets[0].bin_ranges[0].to = "54123460".into();
            }),
            Want::Free(R1),
        ),
        (
            "8-digit range miss",
            with(|s| {
                s.rulesets[0].bin_ranges[0].from = "54123457".into();
                s.rulesets[0].bin_ranges[0].to = "54123460".into();
            }),
            Want::No(MissingAccessRules),
        ),
        (
            "other ICA",
            with(|s| s.card.as_mut().unwrap().ica = "9999".into()),
            Want::No(MissingAccessRules),
        ),
        (
            "ICA with leading zeros",
            with(|s| s.card.as_mut().unwrap().ica = "001234".into()),
            Want::Free(R1),
        ),
        (
            "product listed",
            with(|s| s.rulesets[0].product_codes = vec!["MCW".into(), "MCG".into()]),
            Want::Free(R1),
        ),
        (
            "product not listed",
            with(|s| s.rulesets[0].product_codes = vec!["MCW".into()]),
            Want::No(MissingAccessRules),
        ),
        (
            "issuer country matches",
            with(|s| s.rulesets[0].issuer_country = Some("POL".into())),
            Want::Free(R1),
        ),
        (
            "issuer country differs",
            with(|s| s.rulesets[0].issuer_country = Some("DEU".into())),
            Want::No(MissingAccessRules),
        ),
        (
            "explicit location listed",
            with(|s| {
                s.rulesets[0].locations = LocationScope::Locations {
                    ids: vec![OTHER_LOC, LOC],
                }
            }),
            Want::Free(R1),
        ),
        (
            "explicit location not listed",
            with(|s| {
                s.rulesets[0].locations = LocationScope::Locations {
                    ids: vec![OTHER_LOC],
                }
            }),
            Want::No(MissingAccessRules),
        ),
        (
            "country scope of another country",
            with(|s| {
                s.rulesets[0].locations = LocationScope::Country {
                    country: "DEU".into(),
                }
            }),
            Want::No(MissingAccessRules),
        ),
        (
            "service differs",
            with(|s| s.location.service = "FAST_LINE".into()),
            Want::No(MissingAccessRules),
        ),
        (
            "one of several services",
            with(|s| {
                s.location.service = "FAST_LINE".into();
                s.rulesets[0].services = vec!["LOUNGE".into(), "FAST_LINE".into()];
            }),
            Want::Free(R1),
        ),
        (
            "no rulesets",
            Scenario::new(vec![]),
            Want::No(MissingAccessRules),
        ),
    ]);
}

#[test]
fn cardholder_entries_table() {
    let with_paid = |f: fn(&mut Scenario)| {
        with(|s| {
            s.rulesets[0].cardholder.paid = paid(2500, Limit::Count(2));
            f(s)
        })
    };
    check(vec![
        (
            "2 of 3 free used",
            with(|s| s.history = vec![done(R1, 1), done(R1, 2)]),
            Want::Free(R1),
        ),
        (
            "3 of 3 free used, no paid",
            with(|s| s.history = vec![done(R1, 1), done(R1, 2), done(R1, 3)]),
            Want::No(LimitExceeded),
        ),
        (
            "free used up → paid",
            with_paid(|s| s.history = vec![done(R1, 1), done(R1, 2), done(R1, 3)]),
            Want::Paid(R1),
        ),
        (
            "free and paid used up",
            with_paid(|s| {
                s.history = vec![
                    done(R1, 1),
                    done(R1, 2),
                    done(R1, 3),
                    op(R1, 4, Completed, true),
                    op(R1, 5, Completed, true),
                ]
            }),
            Want::No(LimitExceeded),
        ),
        (
            "paid only",
            with(|s| {
                s.rulesets[0].cardholder.free = None;
                s.rulesets[0].cardholder.paid = paid(2500, Limit::Unlimited);
                s.history = (0..50).map(|i| op(R1, i, Completed, true)).collect();
            }),
            Want::Paid(R1),
        ),
        (
            "unlimited free",
            with(|s| {
                s.rulesets[0].cardholder.free = Some(Limit::Unlimited);
                s.history = (0..50).map(|i| done(R1, i)).collect();
            }),
            Want::Free(R1),
        ),
        (
            "rolling window: oldest left the window",
            with(|s| s.history = vec![done(R1, 1), done(R1, 2), done(R1, 366)]),
            Want::Free(R1),
        ),
        (
            "rolling window: exactly period ago still counts",
            with(|s| s.history = vec![done(R1, 1), done(R1, 2), done(R1, 365)]),
            Want::No(LimitExceeded),
        ),
        (
            "no period: counts for ever",
            with(|s| {
                s.rulesets[0].cardholder.period_days = None;
                s.history = vec![done(R1, 1), done(R1, 2), done(R1, 1000)];
            }),
            Want::No(LimitExceeded),
        ),
        (
            "other ruleset's entries don't count",
            with(|s| s.history = vec![done(R2, 1), done(R2, 2), done(R2, 3)]),
            Want::Free(R1),
        ),
        (
            "reversed, expired, rejected never count",
            with(|s| {
                s.history = vec![
                    op(R1, 1, Reversed, false),
                    op(R1, 2, Expired, false),
                    op(R1, 3, Rejected, false),
                    done(R1, 4),
                    done(R1, 5),
                ]
            }),
            Want::Free(R1),
        ),
        (
            "lapsed pending neither counts nor blocks",
            with(|s| {
                let mut p = op(R1, 0, Pending, false);
                p.expires_at = Some(s.now - Duration::minutes(1));
                s.history = vec![p, done(R1, 4), done(R1, 5)];
            }),
            Want::Free(R1),
        ),
        (
            "open pending blocks",
            with(|s| {
                let mut p = op(R1, 0, Pending, false);
                p.occurred_at = s.now - Duration::minutes(1);
                p.expires_at = Some(s.now + Duration::minutes(4));
                p.location_id = OTHER_LOC;
                s.history = vec![p];
            }),
            Want::No(TemporarilyBlocked),
        ),
        (
            "open pending of an unknown ruleset blocks too",
            with(|s| {
                let mut p = op(R3, 0, Pending, false);
                p.expires_at = Some(s.now + Duration::minutes(4));
                s.card = None;
                s.history = vec![p];
            }),
            Want::No(TemporarilyBlocked),
        ),
    ]);
}

#[test]
fn per_location_cap_table() {
    let capped = |f: fn(&mut Scenario)| {
        with(|s| {
            s.rulesets[0].cardholder.per_location_cap = Some(2);
            s.rulesets[0].cardholder.paid = paid(1000, Limit::Unlimited);
            f(s)
        })
    };
    fn elsewhere(days: i64) -> UsageRecord {
        let mut o = done(R1, days);
        o.location_id = OTHER_LOC;
        o
    }
    check(vec![
        (
            "1 of 2 here",
            capped(|s| s.history = vec![done(R1, 1)]),
            Want::Free(R1),
        ),
        (
            "2 of 2 here (free and paid together)",
            capped(|s| s.history = vec![done(R1, 1), op(R1, 2, Completed, true)]),
            Want::No(LimitExceeded),
        ),
        (
            "entries elsewhere don't count for the cap",
            capped(|s| s.history = vec![done(R1, 1), elsewhere(2)]),
            Want::Free(R1),
        ),
        (
            "cap counts within the period",
            capped(|s| s.history = vec![done(R1, 1), done(R1, 400)]),
            Want::Free(R1),
        ),
    ]);
}

#[test]
fn total_usage_cap_table() {
    let capped = |period: Option<u32>, usage: Option<RulesetUsage>| {
        with(move |s| {
            s.rulesets[0].total_usage = Some(TotalUsageCap {
                limit: 100,
                period_days: period,
            });
            s.usage = usage.into_iter().collect();
        })
    };
    let u = |count, since: Option<DateTime<Utc>>| {
        Some(RulesetUsage {
            ruleset_id: R1,
            counted_since: since,
            count,
        })
    };
    let month_ago = now() - Duration::days(30);
    check(vec![
        ("99 of 100", capped(None, u(99, None)), Want::Free(R1)),
        (
            "100 of 100",
            capped(None, u(100, None)),
            Want::No(LimitExceeded),
        ),
        (
            "count missing fails closed",
            capped(None, None),
            Want::No(LimitExceeded),
        ),
        (
            "period: right window",
            capped(Some(30), u(99, Some(month_ago))),
            Want::Free(R1),
        ),
        (
            "period: all-time count is accepted (wider)",
            capped(Some(30), u(50, None)),
            Want::Free(R1),
        ),
        (
            "period: narrower window fails closed",
            capped(Some(30), u(0, Some(month_ago + Duration::days(1)))),
            Want::No(LimitExceeded),
        ),
        (
            "no period but windowed count fails closed",
            capped(None, u(0, Some(month_ago))),
            Want::No(LimitExceeded),
        ),
        (
            "period: full",
            capped(Some(30), u(100, Some(month_ago))),
            Want::No(LimitExceeded),
        ),
    ]);
    // The helper gives the caller the right window.
    let mut r = rs(R1);
    r.total_usage = Some(TotalUsageCap {
        limit: 1,
        period_days: Some(30),
    });
    assert_eq!(r.total_usage_window_start(now()), Some(month_ago));
}

#[test]
fn capacity_table() {
    let cap = |capacity: Option<u32>, occupancy: u32| {
        with(move |s| {
            s.location.capacity = capacity;
            s.location.occupancy = occupancy;
        })
    };
    check(vec![
        ("no capacity", cap(None, 1_000), Want::Free(R1)),
        ("a seat left", cap(Some(5), 4), Want::Free(R1)),
        ("full", cap(Some(5), 5), Want::No(LocationFull)),
        (
            "over (capacity lowered)",
            cap(Some(5), 9),
            Want::No(LocationFull),
        ),
        (
            "capacity 0: closed",
            cap(Some(0), 0),
            Want::No(LocationFull),
        ),
        (
            "limits beat full",
            {
                let mut s = cap(Some(1), 1);
                s.card = None;
                s
            },
            Want::No(MissingAccessRules),
        ),
    ]);
}

#[test]
fn cooldown_table() {
    let cd = |minutes_ago: i64, status: OperationStatus, at: Uuid| {
        with(move |s| {
            s.location.cooldown_minutes = Some(60);
            let mut o = op(R2, 0, status, false);
            o.occurred_at = s.now - Duration::minutes(minutes_ago);
            o.location_id = at;
            if status == Pending {
                o.expires_at = Some(o.occurred_at + Duration::minutes(5));
            }
            s.history = vec![o];
        })
    };
    check(vec![
        (
            "30 min ago",
            cd(30, Completed, LOC),
            Want::No(CooldownActive),
        ),
        (
            "59 min ago",
            cd(59, Completed, LOC),
            Want::No(CooldownActive),
        ),
        ("60 min ago", cd(60, Completed, LOC), Want::Free(R1)),
        ("elsewhere", cd(30, Completed, OTHER_LOC), Want::Free(R1)),
        ("reversed visit", cd(30, Reversed, LOC), Want::Free(R1)),
        ("rejected attempt", cd(1, Rejected, LOC), Want::Free(R1)),
        (
            "visit after now (late evaluation)",
            cd(-30, Completed, LOC),
            Want::No(CooldownActive),
        ),
        (
            "missing rules beat cooldown",
            {
                let mut s = cd(30, Completed, LOC);
                s.card = None;
                s
            },
            Want::No(MissingAccessRules),
        ),
        (
            "cooldown beats limits",
            {
                let mut s = cd(30, Completed, LOC);
                s.history.extend([done(R1, 1), done(R1, 2), done(R1, 3)]);
                s
            },
            Want::No(CooldownActive),
        ),
    ]);
}

fn spend(minor: i64, period: u32, mccs: &[&str], grace: u32) -> Option<SpendControl> {
    Some(SpendControl {
        amount: eur(minor),
        period_days: period,
        mccs: mccs.iter().map(|m| Mcc::parse(m).unwrap()).collect(),
        grace_days: grace,
    })
}

#[test]
fn spend_control_table() {
    let sp = |f: fn(&mut Scenario)| {
        with(|s| {
            s.rulesets[0].spend = spend(10_000, 10, &[], 0);
            s.fx = FxTable::new([FxRate {
                date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
                base: Currency::EUR,
                quote: Currency::PLN,
                rate: "4.00".parse().unwrap(),
            }]);
            f(s)
        })
    };
    check(vec![
        ("nothing spent", sp(|_| {}), Want::No(UnmetRequirements)),
        (
            "exactly the amount",
            sp(|s| {
                s.txs = vec![
                    tx(1, 6_000, Currency::EUR, "5411"),
                    tx(2, 4_000, Currency::EUR, "5812"),
                ]
            }),
            Want::Free(R1),
        ),
        (
            "one cent short",
            sp(|s| s.txs = vec![tx(1, 9_999, Currency::EUR, "5411")]),
            Want::No(UnmetRequirements),
        ),
        (
            "outside the window",
            sp(|s| s.txs = vec![tx(11, 20_000, Currency::EUR, "5411")]),
            Want::No(UnmetRequirements),
        ),
        (
            "window start is inclusive",
            sp(|s| {
                let mut x = tx(10, 10_000, Currency::EUR, "5411");
                x.occurred_at = s.now - Duration::days(10);
                s.txs = vec![x];
            }),
            Want::Free(R1),
        ),
        (
            "after now does not count",
            sp(|s| s.txs = vec![tx(-1, 10_000, Currency::EUR, "5411")]),
            Want::No(UnmetRequirements),
        ),
        (
            "MCC filter excludes",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &["4511"], 0);
                s.txs = vec![tx(1, 10_000, Currency::EUR, "5411")];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "MCC filter includes",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &["4511", "5411"], 0);
                s.txs = vec![tx(1, 10_000, Currency::EUR, "5411")];
            }),
            Want::Free(R1),
        ),
        (
            "uncleared does not count",
            sp(|s| {
                let mut x = tx(1, 10_000, Currency::EUR, "5411");
                x.cleared_at = None;
                s.txs = vec![x];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "cleared after now, no grace",
            sp(|s| {
                let mut x = tx(1, 10_000, Currency::EUR, "5411");
                x.cleared_at = Some(s.now + Duration::days(1));
                s.txs = vec![x];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "cleared 2 days after now, grace 3 (late evaluation)",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 3);
                let mut x = tx(1, 10_000, Currency::EUR, "5411");
                x.cleared_at = Some(s.now + Duration::days(2));
                s.txs = vec![x];
            }),
            Want::Free(R1),
        ),
        (
            "cleared 4 days after now, grace 3",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 3);
                let mut x = tx(1, 10_000, Currency::EUR, "5411");
                x.cleared_at = Some(s.now + Duration::days(4));
                s.txs = vec![x];
            }),
            Want::No(UnmetRequirements),
        ),
        // Grace period: met at any anchor in [now - grace, now] (window [a - period, a]).
        (
            "spend met 3 days ago only, grace 5",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 5);
                s.txs = vec![tx(13, 10_000, Currency::EUR, "5411")];
            }),
            Want::Free(R1),
        ),
        (
            "spend met 3 days ago only, grace 2",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 2);
                s.txs = vec![tx(13, 10_000, Currency::EUR, "5411")];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "spend met exactly grace days ago (inclusive)",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 5);
                s.txs = vec![tx(15, 10_000, Currency::EUR, "5411")];
            }),
            Want::Free(R1),
        ),
        (
            "spend met one millisecond before the grace period",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 5);
                let mut x = tx(15, 10_000, Currency::EUR, "5411");
                x.occurred_at -= Duration::milliseconds(1);
                s.txs = vec![x];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "no single anchor sees both halves",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 5);
                s.txs = vec![
                    tx(14, 5_000, Currency::EUR, "5411"),
                    tx(1, 5_000, Currency::EUR, "5411"),
                ];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "both halves in one anchored window",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 5);
                s.txs = vec![
                    tx(14, 5_000, Currency::EUR, "5411"),
                    tx(5, 5_000, Currency::EUR, "5411"),
                ];
            }),
            Want::Free(R1),
        ),
        (
            "met before a later refund: grace keeps it",
            sp(|s| {
                s.rulesets[0].spend = spend(10_000, 10, &[], 5);
                s.txs = vec![
                    tx(8, 10_000, Currency::EUR, "5411"),
                    tx(2, -10_000, Currency::EUR, "5411"),
                ];
            }),
            Want::Free(R1),
        ),
        (
            "met before a later refund: no grace",
            sp(|s| {
                s.txs = vec![
                    tx(8, 10_000, Currency::EUR, "5411"),
                    tx(2, -10_000, Currency::EUR, "5411"),
                ];
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "cleared late but occurred in window (grace 0)",
            sp(|s| {
                let mut x = tx(9, 10_000, Currency::EUR, "5411");
                x.cleared_at = Some(s.now - Duration::hours(1));
                s.txs = vec![x];
            }),
            Want::Free(R1),
        ),
        (
            "FX: 400 PLN = 100 EUR",
            sp(|s| s.txs = vec![tx(1, 40_000, Currency::PLN, "5411")]),
            Want::Free(R1),
        ),
        (
            "FX: 399.98 PLN = 99.995 → 100.00 EUR (half-up)",
            sp(|s| s.txs = vec![tx(1, 39_998, Currency::PLN, "5411")]),
            Want::Free(R1),
        ),
        (
            "FX: 399.97 PLN = 99.9925 → 99.99 EUR",
            sp(|s| s.txs = vec![tx(1, 39_997, Currency::PLN, "5411")]),
            Want::No(UnmetRequirements),
        ),
        (
            "FX: no rate → left out",
            sp(|s| s.txs = vec![tx(1, 1_000_000, Currency::USD, "5411")]),
            Want::No(UnmetRequirements),
        ),
        (
            "refund reduces the sum",
            sp(|s| {
                s.txs = vec![
                    tx(1, 15_000, Currency::EUR, "5411"),
                    tx(1, -6_000, Currency::EUR, "5411"),
                ]
            }),
            Want::No(UnmetRequirements),
        ),
        (
            "limits exhausted: LIMIT_EXCEEDED, not UNMET",
            sp(|s| s.history = vec![done(R1, 1), done(R1, 2), done(R1, 3)]),
            Want::No(LimitExceeded),
        ),
    ]);
}

#[test]
fn spend_transactions_reported() {
    let mut s = with(|s| s.rulesets[0].spend = spend(5_000, 10, &["5411"], 0));
    s.txs = vec![
        tx(1, 3_000, Currency::EUR, "5411"),
        tx(1, 9_000, Currency::EUR, "5812"),
        tx(20, 9_000, Currency::EUR, "5411"),
        tx(2, 3_000, Currency::EUR, "5411"),
    ];
    let d = s.run();
    assert_eq!(d.grant().unwrap().spend_transactions_used, vec![0, 3]);
    let chk = evaluate_spend(s.rulesets[0].spend.as_ref().unwrap(), &s.txs, &s.fx, s.now);
    assert_eq!(chk.spent, eur(6_000));
    assert!(chk.met);
    assert_eq!(chk.window_start, s.now - Duration::days(10));
}

#[test]
fn selection_table() {
    let two = |f: fn(&mut Ruleset, &mut Ruleset)| {
        let mut a = rs(R1);
        let mut b = rs(R2);
        f(&mut a, &mut b);
        Scenario::new(vec![a, b])
    };
    check(vec![
        (
            "free beats paid",
            two(|a, b| {
                a.cardholder.free = None;
                a.cardholder.paid = paid(100, Limit::Unlimited);
                b.bin_ranges[0].to = "599999".into();
            }),
            Want::Free(R2),
        ),
        (
            "cheapest paid",
            two(|a, b| {
                a.cardholder.free = None;
                a.cardholder.paid = paid(3000, Limit::Unlimited);
                b.cardholder.free = None;
                b.cardholder.paid = paid(2500, Limit::Unlimited);
                b.bin_ranges[0].to = "599999".into();
            }),
            Want::Paid(R2),
        ),
        (
            "equal: narrower BIN range",
            two(|a, b| {
                a.bin_ranges[0].to = "541240".into();
                b.bin_ranges[0].from = "54123456".into();
                b.bin_ranges[0].to = "54123456".into();
            }),
            Want::Free(R2),
        ),
        (
            "equal: narrowest of a ruleset's ranges counts",
            two(|a, b| {
                a.bin_ranges[0].to = "541240".into();
                b.bin_ranges.push(BinRange {
                    ica: "1234".into(),
                    from: "54123456".into(),
                    to: "54123457".into(),
                });
                b.bin_ranges[0].ica = "9".into();
            }),
            Want::Free(R2),
        ),
        (
            "equal ranges: newest",
            two(|a, b| {
                a.created_at = t("2024-03-01T00:00:00Z");
                b.created_at = t("2024-02-01T00:00:00Z");
            }),
            Want::Free(R1),
        ),
        (
            "exhausted free one loses to paid one",
            {
                let mut s = two(|a, b| {
                    b.cardholder.free = None;
                    b.cardholder.paid = paid(100, Limit::Unlimited);
                    a.cardholder.free = Some(Limit::Count(1));
                });
                s.history = vec![done(R1, 1)];
                s
            },
            Want::Paid(R2),
        ),
        (
            "UNMET beats LIMIT across rulesets",
            {
                let mut s = two(|a, b| {
                    a.cardholder.free = Some(Limit::Count(1));
                    b.spend = spend(100, 10, &[], 0);
                });
                s.history = vec![done(R1, 1)];
                s
            },
            Want::No(UnmetRequirements),
        ),
        (
            "spend-unmet ruleset skipped for another",
            two(|a, _| a.spend = spend(100, 10, &[], 0)),
            Want::Free(R2),
        ),
    ]);
}

#[test]
fn selection_across_currencies() {
    // 100 PLN vs 30 EUR at 4.00 → 25 EUR < 30 EUR: the PLN one is cheaper.
    let mut a = rs(R1);
    a.cardholder.free = None;
    a.cardholder.paid = paid(3000, Limit::Unlimited);
    let mut b = rs(R2);
    b.cardholder.free = None;
    b.cardholder.paid = Some(PaidTerms {
        price: Money::from_minor(10_000, Currency::PLN),
        limit: Limit::Unlimited,
    });
    b.bin_ranges[0].to = "599999".into();
    let mut s = Scenario::new(vec![a, b]);
    s.fx = FxTable::new([FxRate {
        date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        base: Currency::EUR,
        quote: Currency::PLN,
        rate: "4.00".parse().unwrap(),
    }]);
    assert_eq!(outcome(&s.run()), Want::Paid(R2));
    // Without a rate the priced-in-location-currency one wins (comparable), the other last.
    s.fx = FxTable::empty();
    assert_eq!(outcome(&s.run()), Want::Paid(R2));
    s.location.currency = Some(Currency::EUR);
    assert_eq!(outcome(&s.run()), Want::Paid(R1));
}

#[test]
fn duplicate_versions_use_the_highest() {
    let mut v1 = rs(R1);
    v1.cardholder.free = None;
    v1.cardholder.paid = paid(100, Limit::Unlimited);
    let mut v2 = rs(R1);
    v2.version = 2;
    let s = Scenario::new(vec![v2.clone(), v1.clone()]);
    let d = s.run();
    assert_eq!(d.grant().unwrap().ruleset_version, 2);
    let s = Scenario::new(vec![v1, v2]);
    assert_eq!(s.run().grant().unwrap().ruleset_version, 2);
}

#[test]
fn rpm_hook() {
    struct Deny;
    impl RpmHook for Deny {
        fn allows(&self, _: &Ruleset, _: &CardProfile, _: &LocationInfo) -> bool {
            false
        }
    }
    let mut s = with(|s| s.rulesets[0].rpm = true);
    assert_eq!(outcome(&s.run()), Want::Free(R1)); // no hook: no effect
    let deny = Deny;
    let ix = s.index();
    let mut input = s.input(&ix);
    input.rpm = Some(&deny);
    // A rule covers the card; its external requirements refuse it.
    assert_eq!(outcome(&decide(&input)), Want::No(UnmetRequirements));
    assert_eq!(
        decide(&input).reject_code(),
        Some(RejectCode::UnmetRequirements)
    );
    s.rulesets[0].rpm = false;
    let ix = s.index();
    let mut input = s.input(&ix);
    input.rpm = Some(&deny);
    assert_eq!(outcome(&decide(&input)), Want::Free(R1)); // only rpm rulesets ask the hook
}

fn guests_scenario() -> Scenario {
    with(|s| {
        let r = &mut s.rulesets[0];
        r.cardholder.paid = paid(2500, Limit::Count(5));
        r.adults = GuestTerms {
            free: Some(Limit::Count(2)),
            paid: paid(2000, Limit::Count(3)),
            max_per_entry: 4,
        };
        r.children = GuestTerms {
            free: Some(Limit::Unlimited),
            paid: None,
            max_per_entry: 2,
        };
        r.child_free_under_age = Some(6);
        let mut o = done(R1, 10);
        o.guests = GuestCounts {
            free_adults: 1,
            paid_adults: 1,
            free_children: 3,
            paid_children: 0,
        };
        let mut old = done(R1, 400); // outside the period
        old.guests.free_adults = 5;
        s.history = vec![o, old];
    })
}

#[test]
fn grant_terms() {
    let s = guests_scenario();
    let g = s.run().grant().cloned().unwrap();
    assert!(!g.cardholder_paid);
    assert_eq!(g.cardholder_price, None);
    assert_eq!(g.remaining_free, Some(1)); // 3 - 1 used - this one
    assert_eq!(g.remaining_paid, Some(5));
    assert_eq!(
        g.adults,
        GuestAllowance {
            max: 3, // 1 free + 2 paid left, below the per-entry 4
            free_available: Some(1),
            paid_available: Some(2),
            price: Some(eur(2000)),
            free_under_age: None,
        }
    );
    assert_eq!(
        g.children,
        GuestAllowance {
            max: 2,
            free_available: None,
            paid_available: Some(0),
            price: None,
            free_under_age: Some(6),
        }
    );
    assert_eq!(g.currency, Currency::EUR);

    // Per-location cap limits what is reported as remaining.
    let mut s2 = s.clone();
    s2.rulesets[0].cardholder.per_location_cap = Some(2);
    let g2 = s2.run().grant().cloned().unwrap();
    assert_eq!(g2.remaining_free, Some(0));
    assert_eq!(g2.remaining_paid, Some(0));

    // A paid entry.
    let mut s3 = s.clone();
    s3.history.extend([done(R1, 1), done(R1, 2)]);
    let g3 = s3.run().grant().cloned().unwrap();
    assert!(g3.cardholder_paid);
    assert_eq!(g3.cardholder_price, Some(eur(2500)));
    assert_eq!(g3.remaining_free, Some(0));
    assert_eq!(g3.remaining_paid, Some(4));
}

#[test]
fn confirm_guests_table() {
    let g = guests_scenario().run().grant().cloned().unwrap();
    let mut paid_g = g.clone();
    paid_g.cardholder_paid = true;
    paid_g.cardholder_price = Some(eur(2500));
    type R = Result<(u32, u32, u32, u32, i64), ()>;
    let cases: &[(&str, &Grant, u32, u32, R)] = &[
        ("none", &g, 0, 0, Ok((0, 0, 0, 0, 0))),
        ("free first", &g, 1, 0, Ok((1, 0, 0, 0, 0))),
        ("then paid", &g, 3, 2, Ok((1, 2, 2, 0, 4000))),
        (
            "cardholder price in total",
            &paid_g,
            2,
            0,
            Ok((1, 1, 0, 0, 4500)),
        ),
        ("above available", &g, 4, 0, Err(())),
        ("children above max", &g, 0, 3, Err(())),
    ];
    for (name, grant, a, c, want) in cases {
        let got = confirm_guests(grant, *a, *c).map(|s| {
            (
                s.free_adults,
                s.paid_adults,
                s.free_children,
                s.paid_children,
                s.primary(Currency::EUR).minor(),
            )
        });
        assert_eq!(got.map_err(|_| ()), *want, "{name}");
    }
    let e = confirm_guests(&g, 4, 0).unwrap_err();
    assert_eq!(
        e,
        GuestError::AboveMax {
            kind: GuestKind::Adult,
            requested: 4,
            max: 3
        }
    );
    let split = confirm_guests(&g, 0, 0).unwrap();
    assert!(split.amounts.is_empty());
    assert_eq!(split.primary(g.currency).amount_string(), "0.00");
}

#[test]
fn mixed_currency_ruleset_is_chosen_by_its_cardholder_price_and_totals_per_currency() {
    // R1: cardholder 30 EUR, adult guests 100 PLN each; R2: cardholder 140 PLN. At 4.00 PLN
    // per EUR, 30 EUR = 120 PLN < 140 PLN: R1 is the cheapest paid, whatever its guests cost.
    let mut a = rs(R1);
    a.cardholder.free = None;
    a.cardholder.paid = paid(3000, Limit::Unlimited);
    a.adults = GuestTerms {
        free: None,
        paid: Some(PaidTerms {
            price: Money::from_minor(10_000, Currency::PLN),
            limit: Limit::Unlimited,
        }),
        max_per_entry: 3,
    };
    a.children = GuestTerms {
        free: None,
        paid: Some(PaidTerms {
            price: Money::from_minor(1_500, Currency::JPY),
            limit: Limit::Unlimited,
        }),
        max_per_entry: 2,
    };
    assert!(a.validate().is_empty(), "{:?}", a.validate());
    let mut b = rs(R2);
    b.cardholder.free = None;
    b.cardholder.paid = Some(PaidTerms {
        price: Money::from_minor(14_000, Currency::PLN),
        limit: Limit::Unlimited,
    });
    b.bin_ranges[0].to = "599999".into();
    let mut s = Scenario::new(vec![a, b]);
    s.fx = FxTable::new([FxRate {
        date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        base: Currency::EUR,
        quote: Currency::PLN,
        rate: "4.00".parse().unwrap(),
    }]);
    s.location.currency = Some(Currency::PLN);
    let d = s.run();
    assert_eq!(outcome(&d), Want::Paid(R1));
    let g = d.grant().cloned().unwrap();
    assert_eq!(g.currency, Currency::EUR);
    assert_eq!(g.cardholder_price, Some(eur(3000)));
    assert_eq!(
        g.adults.price,
        Some(Money::from_minor(10_000, Currency::PLN))
    );

    // Each price in its own currency: EUR for the cardholder, PLN and JPY for the guests.
    let split = confirm_guests(&g, 2, 1).unwrap();
    assert_eq!(
        split.amounts,
        vec![
            eur(3000),
            Money::from_minor(20_000, Currency::PLN),
            Money::from_minor(1_500, Currency::JPY)
        ]
    );
    assert_eq!(split.amount_in(Currency::PLN).minor(), 20_000);
    assert_eq!(split.amount_in(Currency::USD).minor(), 0);
    assert_eq!(split.primary(g.currency), eur(3000));
    // Cardholder only: one currency.
    assert_eq!(confirm_guests(&g, 0, 0).unwrap().amounts, vec![eur(3000)]);
    // A free cardholder with paid guests: the guests' currency alone.
    let mut free_ch = g.clone();
    free_ch.cardholder_paid = false;
    let split = confirm_guests(&free_ch, 1, 0).unwrap();
    assert_eq!(
        split.amounts,
        vec![Money::from_minor(10_000, Currency::PLN)]
    );
    assert_eq!(split.primary(g.currency).currency(), Currency::PLN);
}

#[test]
fn explanation_trace() {
    let mut a = rs(R1);
    a.product_codes = vec!["MCW".into()];
    let mut b = rs(R2);
    b.cardholder.free = Some(Limit::Count(1));
    let c = rs(R3);
    let mut s = Scenario::new(vec![a, b, c]);
    s.history = vec![done(R2, 1)];
    let ix = s.index();
    let (d, trace) = decide_explained(&s.input(&ix));
    assert_eq!(outcome(&d), Want::Free(R3));
    let find = |id: Uuid, step: TraceStepKind| {
        trace
            .iter()
            .find(|t| t.ruleset_id == Some(id) && t.step == step)
            .unwrap_or_else(|| panic!("no {step:?} for {id}: {trace:#?}"))
    };
    assert!(!find(R1, TraceStepKind::Product).passed);
    assert!(find(R2, TraceStepKind::Matched).passed);
    assert!(!find(R2, TraceStepKind::CardholderEntry).passed);
    assert!(find(R3, TraceStepKind::Selected).passed);
    // Serializes for the panel.
    let j = serde_json::to_string(&trace[0]).unwrap();
    assert!(j.contains("\"step\":\"PRODUCT\""), "{j}");
}

#[test]
fn reject_codes_and_wire() {
    for &c in RejectCode::ALL {
        assert_eq!(RejectCode::parse(c.as_str()), Some(c));
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!("\"{}\"", c.as_str())
        );
        assert!(!c.message().is_empty());
    }
    assert_eq!(
        RejectCode::parse("TEMPORARILT_BLOCKED"),
        Some(RejectCode::TemporarilyBlocked)
    );
    let d = with(|s| s.card = None).run();
    let j = serde_json::to_value(&d).unwrap();
    assert_eq!(j["status"], "REJECTED");
    assert_eq!(j["code"], "MISSING_ACCESS_RULES");
    let d = with(|_| {}).run();
    assert_eq!(serde_json::to_value(&d).unwrap()["status"], "GRANTED");
}

// ---------------------------------------------------------------------------------------------
// Property tests

mod props {
    use super::*;
    use proptest::prelude::*;

    fn limit() -> impl Strategy<Value = Option<Limit>> {
        prop_oneof![
            Just(None),
            Just(Some(Limit::Unlimited)),
            (0u32..5).prop_map(|n| Some(Limit::Count(n))),
        ]
    }

    fn status() -> impl Strategy<Value = OperationStatus> {
        prop_oneof![
            Just(Completed),
            Just(Completed),
            Just(Pending),
            Just(Reversed),
            Just(Expired),
            Just(Rejected),
        ]
    }

    prop_compose! {
        fn record()(
            which in 0u8..3,
            days in 0i64..500,
            st in status(),
            lapsed in any::<bool>(),
            paid in any::<bool>(),
            here in any::<bool>(),
            g in (0u32..3, 0u32..3, 0u32..3, 0u32..3),
        ) -> UsageRecord {
            let id = [R1, R2, R3][which as usize];
            let mut o = op(id, days, st, paid);
            o.occurred_at -= Duration::hours(1);
            if st == Pending {
                // Mostly lapsed so that decisions are not all TEMPORARILY_BLOCKED.
                o.expires_at = Some(if lapsed || days > 0 { o.occurred_at + Duration::minutes(5) } else { now() + Duration::minutes(1) });
            }
            if !here { o.location_id = OTHER_LOC; }
            o.guests = GuestCounts { free_adults: g.0, paid_adults: g.1, free_children: g.2, paid_children: g.3 };
            o
        }
    }

    prop_compose! {
        fn ruleset(id: Uuid)(
            free in limit(),
            paid_limit in limit(),
            period in prop_oneof![Just(None), (1u32..400).prop_map(Some)],
            cap in prop_oneof![Just(None), (1u32..4).prop_map(Some)],
            af in limit(), ap in limit(), amax in 0u32..4,
            price in 1i64..5000,
            width in 0u32..60,
            created in 0i64..100,
        ) -> Ruleset {
            let mut r = rs(id);
            r.cardholder.free = free;
            r.cardholder.paid = paid_limit.map(|l| PaidTerms { price: eur(price), limit: l });
            r.cardholder.period_days = period;
            r.cardholder.per_location_cap = cap;
            r.adults = GuestTerms { free: af, paid: ap.map(|l| PaidTerms { price: eur(price), limit: l }), max_per_entry: amax };
            r.bin_ranges[0].to = format!("5412{}", 99 - width.min(65));
            r.created_at += Duration::days(created);
            r
        }
    }

    /// Brute-force recount of one ruleset's entries for the chosen grant.
    fn recount(
        r: &Ruleset,
        history: &[UsageRecord],
        now: DateTime<Utc>,
    ) -> (u32, u32, u32, u32, u32) {
        let start = r
            .cardholder
            .period_days
            .map(|d| now - Duration::days(d as i64));
        let mut free = 0;
        let mut paid = 0;
        let mut here = 0;
        let mut fa = 0;
        let mut pa = 0;
        for h in history {
            let counts = h.status == Completed
                || (h.status == Pending && h.expires_at.is_none_or(|e| e > now));
            if !counts || h.ruleset_id != Some(r.id) || start.is_some_and(|s| h.occurred_at < s) {
                continue;
            }
            if h.cardholder_paid {
                paid += 1
            } else {
                free += 1
            }
            if h.location_id == LOC {
                here += 1
            }
            fa += h.guests.free_adults;
            pa += h.guests.paid_adults;
        }
        (free, paid, here, fa, pa)
    }

    fn count_of(l: Option<Limit>) -> Option<u32> {
        match l {
            Some(Limit::Count(n)) => Some(n),
            Some(Limit::Unlimited) => None,
            None => Some(0),
        }
    }

    static GRANTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[test]
    fn index_matching_grants_sometimes() {
        // Run the property below and check that its cases are not all rejections.
        index_matching_equals_plain_matching();
        let g = GRANTS.load(std::sync::atomic::Ordering::Relaxed);
        assert!(g > 10, "{g} grants");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn grants_only_with_an_available_entry(
            a in ruleset(R1), b in ruleset(R2),
            history in proptest::collection::vec(record(), 0..30),
        ) {
            let mut s = Scenario::new(vec![a, b]);
            s.history = history;
            let d = s.run();
            if let Decision::Grant(g) = &d {
                let r = s.rulesets.iter().find(|r| r.id == g.ruleset_id).unwrap();
                let (free, paid, here, fa, pa) = recount(r, &s.history, s.now);
                let ch = &r.cardholder;
                if let Some(cap) = ch.per_location_cap {
                    prop_assert!(here < cap, "location cap exceeded");
                }
                if g.cardholder_paid {
                    let p = ch.paid.as_ref().expect("paid grant without paid terms");
                    prop_assert!(p.limit.available(paid));
                    prop_assert!(!ch.free.is_some_and(|l| l.available(free)), "paid while free left");
                    prop_assert_eq!(g.cardholder_price, Some(p.price));
                } else {
                    prop_assert!(ch.free.expect("free grant without free terms").available(free));
                }
                // Remaining never exceeds the configured counts (after this entry).
                if let (Some(rem), Some(n)) = (g.remaining_free, count_of(ch.free)) {
                    prop_assert!(rem <= n.saturating_sub(free + u32::from(!g.cardholder_paid)));
                }
                if let (Some(rem), Some(n)) = (g.remaining_paid, count_of(ch.paid.as_ref().map(|p| p.limit))) {
                    prop_assert!(rem <= n.saturating_sub(paid + u32::from(g.cardholder_paid)));
                }
                if count_of(ch.free).is_some() && ch.per_location_cap.is_none() {
                    prop_assert!(g.remaining_free.is_some());
                }
                // Guests: availability from the configured counts.
                let ad = &g.adults;
                prop_assert!(ad.max <= r.adults.max_per_entry);
                if let Some(n) = count_of(r.adults.free) {
                    prop_assert_eq!(ad.free_available, Some(n.saturating_sub(fa)));
                }
                if let Some(n) = count_of(r.adults.paid.as_ref().map(|p| p.limit)) {
                    prop_assert_eq!(ad.paid_available, Some(n.saturating_sub(pa)));
                }
                if let (Some(f), Some(p)) = (ad.free_available, ad.paid_available) {
                    prop_assert!(ad.max <= f + p);
                }
            }
        }

        #[test]
        fn non_counting_operations_never_change_the_decision(
            a in ruleset(R1), b in ruleset(R2),
            history in proptest::collection::vec(record(), 0..20),
            noise in proptest::collection::vec((record(), 0u8..4), 0..20),
            cooldown in prop_oneof![Just(None), (1u32..120).prop_map(Some)],
        ) {
            let mut s = Scenario::new(vec![a, b]);
            s.location.cooldown_minutes = cooldown;
            s.history = history;
            let base = s.run();
            for (mut o, k) in noise {
                match k {
                    0 => o.status = Reversed,
                    1 => o.status = Expired,
                    2 => o.status = Rejected,
                    _ => {
                        o.status = Pending;
                        o.expires_at = Some(s.now - Duration::seconds(1));
                    }
                }
                s.history.push(o);
            }
            let with_noise = s.run();
            prop_assert_eq!(base, with_noise);
        }

        #[test]
        fn confirm_guests_splits_free_first(
            a in ruleset(R1),
            history in proptest::collection::vec(record(), 0..20),
            adults in 0u32..6, children in 0u32..4,
        ) {
            let mut s = Scenario::new(vec![a]);
            s.history = history.into_iter().filter(|h| h.status != Pending).collect();
            if let Decision::Grant(g) = s.run() {
                let ad = &g.adults;
                let r = confirm_guests(&g, adults, children);
                let avail = match (ad.free_available, ad.paid_available) {
                    (Some(f), Some(p)) => f + p,
                    _ => u32::MAX,
                };
                let children_ok = children <= g.children.max;
                if adults <= ad.max && adults <= avail && children_ok {
                    let split = r.expect("valid guest numbers refused");
                    prop_assert_eq!(split.free_adults + split.paid_adults, adults);
                    prop_assert!(split.free_adults <= ad.free_available.unwrap_or(u32::MAX));
                    // Free first: paid only once free is used up.
                    if split.paid_adults > 0 {
                        prop_assert_eq!(Some(split.free_adults), ad.free_available);
                    }
                    let price = ad.price.map_or(0, |p| p.minor());
                    let ch = if g.cardholder_paid { g.cardholder_price.unwrap().minor() } else { 0 };
                    prop_assert_eq!(split.primary(g.currency).minor(), ch + price * split.paid_adults as i64);
                } else {
                    prop_assert!(r.is_err());
                }
            }
        }

        /// The compact index matches exactly like the rulesets' own check (the traced path),
        /// including malformed codes and ranges that force the plain check.
        #[test]
        fn index_matching_equals_plain_matching(
            specs in proptest::collection::vec((
                prop_oneof![4 => Just((2i64, 2i64, false)), 1 => (0i64..3, 0i64..3, any::<bool>())],
                prop_oneof![
                    4 => Just(vec!["LOUNGE"]),
                    1 => proptest::sample::subsequence(vec!["LOUNGE", "FAST_LINE", "LOUNGEX"], 0..3),
                ],
                prop_oneof![4 => Just(2u8), 1 => 0u8..5],
                proptest::collection::vec(
                    (prop_oneof![3 => 0usize..2, 1 => 0usize..4], prop_oneof![3 => 0usize..3, 2 => 0usize..9]),
                    0..3,
                ),
                prop_oneof![3 => 0usize..2, 1 => 0usize..4],
                prop_oneof![
                    3 => Just(vec![]),
                    1 => proptest::sample::subsequence(vec!["MCG", "MCW", "MC"], 0..3),
                ],
            ), 0..6),
            card_bin in prop_oneof![
                3 => Just("54123456"), 1 => Just("5412"), 1 => Just("54123456789"), 1 => Just("5412345a"),
            ],
            card_ica in prop_oneof![3 => Just("1234"), 1 => Just("001234"), 1 => Just("x"), 1 => Just("")],
            loc_country in prop_oneof![3 => Just("POL"), 1 => Just("PL")],
        ) {
            let mut rulesets = vec![];
            for (i, ((from_d, to_d, open), services, loc_kind, ranges, issuer, products)) in specs.into_iter().enumerate() {
                let mut r = rs(Uuid::from_u128(0xB00 + i as u128));
                r.valid_from = now() - Duration::days(from_d - 1);
                r.valid_to = if open { None } else { Some(now() + Duration::days(to_d - 1)) };
                r.services = services.into_iter().map(String::from).collect();
                r.locations = match loc_kind {
                    0 => LocationScope::Locations { ids: vec![OTHER_LOC] },
                    1 => LocationScope::Locations { ids: vec![OTHER_LOC, LOC] },
                    2 => LocationScope::Country { country: "POL".into() },
                    3 => LocationScope::Country { country: "DEU".into() },
                    _ => LocationScope::Country { country: "PL".into() },
                };
                r.bin_ranges = ranges.into_iter().map(|(ica, which)| {
                    let ica = ["1234", "01234", "999", "12a"][ica].to_string();
                    let (from, to) = [
                        ("541234", "541299"),
                        ("54123400", "54123499"),
                        ("5412345", "5412345"),
                        ("541235", "541299"),
                        ("54123", "54129"),
                        ("541234", "5412999"),
                        ("54a234", "541299"),
                        ("541299", "541234"),
                        ("541234567", "541234567"),
                    ][which];
                    BinRange { ica, from: from.into(), to: to.into() }
                }).collect();
                r.issuer_country = [None, Some("POL"), Some("DEU"), Some("PO")][issuer].map(String::from);
                r.product_codes = products.into_iter().map(String::from).collect();
                rulesets.push(r);
            }
            let mut s = Scenario::new(rulesets);
            s.card.as_mut().unwrap().bin = card_bin.into();
            s.card.as_mut().unwrap().ica = card_ica.into();
            s.location.country = loc_country.into();
            // `run` asserts that decide (index) and decide_explained (plain) agree.
            let d = s.run();
            if d.grant().is_some() {
                GRANTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }

        #[test]
        fn money_round_trips(minor in -10_000_000i64..10_000_000, ci in 0usize..5) {
            let c = [Currency::EUR, Currency::JPY, Currency::BHD, Currency::PLN, Currency::KWD][ci];
            let m = Money::from_minor(minor, c);
            prop_assert_eq!(Money::parse(&m.amount_string(), c).unwrap(), m);
        }
    }
}
