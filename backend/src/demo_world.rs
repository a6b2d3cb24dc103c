//! The demo's card world: BIN table, rulesets, enrolled cards, card transactions, FX rates,
//! and some past operations so lists and charts are not empty.

use super::demo::{ADMIN_EMAIL, ISSUER_TENANT, LOC_BER_LOUNGE, LOC_WAW_FAST, LOC_WAW_LOUNGE};
use super::entity::{bin_ranges, card_transactions, enrolled_cards, fx_rates, operations};
use super::error::ServiceResult;
use super::repo;
use super::Backend;
use access_core::domain::{
    BinRange, CardholderTerms, Currency, GuestTerms, Limit, LocationScope, Money, PaidTerms, Pan,
    Ruleset, SpendControl,
};
use chrono::{Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

/// Documented demo cards (README, "Test cards").
pub const CARD_WORLD: &str = "5412345678901232";
pub const CARD_GOLD: &str = "2221000000000009";
pub const CARD_BUSINESS_SPEND: &str = "5105105105105100";
pub const CARD_NO_RULES: &str = "5555555555554444";

pub const RULESET_WORLD: &str = "00000000-0000-4000-8000-0000000000b1";
pub const RULESET_GOLD: &str = "00000000-0000-4000-8000-0000000000b2";
pub const RULESET_BUSINESS: &str = "00000000-0000-4000-8000-0000000000b3";

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::from_code("EUR").expect("EUR is known"))
}

fn uuid(s: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(s).expect("constant uuid")
}

pub fn demo_rulesets(now: chrono::DateTime<Utc>) -> Vec<Ruleset> {
    let from = Utc
        .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    let base = |id: &str, name: &str| Ruleset {
        id: uuid(id),
        version: 1,
        name: name.into(),
        description: String::new(),
        valid_from: from,
        valid_to: None,
        issuer_country: None,
        product_codes: vec![],
        bin_ranges: vec![],
        locations: LocationScope::Country {
            country: "POL".into(),
        },
        services: vec!["LOUNGE".into()],
        total_usage: None,
        cardholder: CardholderTerms {
            free: None,
            paid: None,
            period_days: None,
            per_location_cap: None,
        },
        adults: GuestTerms::none(),
        children: GuestTerms::none(),
        child_free_under_age: None,
        spend: None,
        rpm: false,
        enrolled_only: false,
        created_at: from,
    };
    vec![
        Ruleset {
            description: "World cardholders: 3 free lounge visits a year, then 25 EUR; guests."
                .into(),
            issuer_country: Some("POL".into()),
            product_codes: vec!["MCW".into()],
            bin_ranges: vec![BinRange {
                ica: "1234".into(),
                from: "54123400".into(),
                to: "54123499".into(),
            }],
            cardholder: CardholderTerms {
                free: Some(Limit::Count(3)),
                paid: Some(PaidTerms {
                    price: eur(2500),
                    limit: Limit::Unlimited,
                }),
                period_days: Some(365),
                per_location_cap: None,
            },
            adults: GuestTerms {
                free: Some(Limit::Count(1)),
                paid: Some(PaidTerms {
                    price: eur(2500),
                    limit: Limit::Count(5),
                }),
                max_per_entry: 2,
            },
            children: GuestTerms {
                free: Some(Limit::Count(2)),
                paid: None,
                max_per_entry: 2,
            },
            child_free_under_age: Some(6),
            ..base(RULESET_WORLD, "World lounge access")
        },
        Ruleset {
            description: "Gold cards: fast line at Warsaw for 15 EUR.".into(),
            product_codes: vec!["MCG".into()],
            bin_ranges: vec![BinRange {
                ica: "5678".into(),
                from: "22210000".into(),
                to: "22210099".into(),
            }],
            locations: LocationScope::Locations {
                ids: vec![uuid(LOC_WAW_FAST)],
            },
            services: vec!["FAST_LINE".into()],
            cardholder: CardholderTerms {
                free: None,
                paid: Some(PaidTerms {
                    price: eur(1500),
                    limit: Limit::Unlimited,
                }),
                period_days: None,
                per_location_cap: None,
            },
            ..base(RULESET_GOLD, "Gold fast line")
        },
        Ruleset {
            description: "Business cards spending 1,000 EUR in 30 days: free lounge in Germany."
                .into(),
            product_codes: vec!["MCB".into()],
            bin_ranges: vec![BinRange {
                ica: "9999".into(),
                from: "510510".into(),
                to: "510510".into(),
            }],
            locations: LocationScope::Country {
                country: "DEU".into(),
            },
            cardholder: CardholderTerms {
                free: Some(Limit::Unlimited),
                paid: None,
                period_days: Some(30),
                per_location_cap: None,
            },
            total_usage: Some(access_core::domain::TotalUsageCap {
                limit: 10_000,
                period_days: Some(30),
            }),
            spend: Some(SpendControl {
                amount: eur(100_000),
                period_days: 30,
                mccs: vec![],
                grace_days: 3,
            }),
            ..base(RULESET_BUSINESS, "Business spend-based lounge")
        },
    ]
}

pub async fn seed(b: &Backend, now: i64) -> ServiceResult<()> {
    let now_t = super::clock::from_ms(now);
    let txn = b.db.begin().await?;
    for (from, to, ica, issuer, country, product) in [
        ("54123400", "54123499", "1234", "Demo Bank", "POL", "MCW"),
        ("22210000", "22210099", "5678", "Demo Bank", "POL", "MCG"),
        ("510510", "510510", "9999", "Business Bank AG", "DEU", "MCB"),
        ("555555", "555555", "4321", "Sample Bank", "DEU", "MCS"),
    ] {
        bin_ranges::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            bin_from: Set(from.into()),
            bin_to: Set(to.into()),
            ica: Set(ica.into()),
            issuer_name: Set(issuer.into()),
            issuer_country: Set(country.into()),
            product_code: Set(product.into()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    for (i, r) in demo_rulesets(now_t).iter().enumerate() {
        let tenant = (i < 2).then_some(ISSUER_TENANT);
        repo::rulesets::save_version(&txn, r, tenant, ADMIN_EMAIL, now).await?;
    }
    for (pan, aref, ica, product) in [
        (CARD_WORLD, "AREF-0001", "1234", "MCW"),
        (CARD_GOLD, "AREF-0002", "5678", "MCG"),
        (CARD_BUSINESS_SPEND, "AREF-0003", "9999", "MCB"),
    ] {
        let p = Pan::parse(pan).map_err(|e| super::ServiceError::Internal(e.to_string()))?;
        enrolled_cards::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            pan_hash: Set(b.keys.pan_hash(pan)),
            whitelist_hash: Set(b.keys.whitelist_hash(pan)),
            masked_pan: Set(p.masked()),
            bin: Set(p.bin(6).to_owned()),
            last4: Set(p.last4().to_owned()),
            aref: Set(aref.into()),
            ica: Set(ica.into()),
            product_code: Set(product.into()),
            enrolled_at: Set(now - 40 * 86_400_000),
            created_at: Set(now),
            status: Set(enrolled_cards::ENROLLED.into()),
            unenrolled_at: Set(None),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    // 1,150 EUR-equivalent of spend in the last 30 days for the business card.
    for (days_ago, minor, currency, mcc, merchant) in [
        (3, 45_000, "EUR", "5411", "Supermarket"),
        (9, 30_000, "USD", "5812", "Restaurant"),
        (15, 50_000, "EUR", "4511", "Airline"),
        (45, 99_000, "EUR", "5311", "Department store"),
    ] {
        let at = now - days_ago * 86_400_000;
        card_transactions::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            pan_hash: Set(b.keys.pan_hash(CARD_BUSINESS_SPEND)),
            external_id: Set(Some(format!("demo-tx-{days_ago}"))),
            occurred_at: Set(at),
            cleared_at: Set(at + 86_400_000),
            amount_minor: Set(minor),
            currency: Set(currency.into()),
            mcc: Set(mcc.into()),
            merchant_name: Set(Some(merchant.into())),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    for d in 0..60 {
        let day = (now_t - Duration::days(d)).format("%Y-%m-%d").to_string();
        for (quote, rate) in [("USD", "1.0850"), ("PLN", "4.3120"), ("GBP", "0.8560")] {
            fx_rates::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                rate_date: Set(day.clone()),
                base_currency: Set("EUR".into()),
                quote_currency: Set(quote.into()),
                rate: Set(rate.into()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    seed_history(b, &txn, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Past operations of other (random, valid) cards over two weeks, for lists and charts.
async fn seed_history<C: sea_orm::ConnectionTrait>(
    b: &Backend,
    db: &C,
    now: i64,
) -> ServiceResult<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let places = [
        (
            LOC_WAW_LOUNGE,
            "Warsaw Chopin Lounge",
            "POL",
            "LOUNGE",
            "PAX-A920-DEMO0002",
        ),
        (
            LOC_WAW_FAST,
            "Warsaw Chopin Fast Line",
            "POL",
            "FAST_LINE",
            "PAX-A920-DEMO0003",
        ),
        (
            LOC_BER_LOUNGE,
            "Berlin Brandenburg Lounge",
            "DEU",
            "LOUNGE",
            "ING-MOVE5000-DEMO4",
        ),
    ];
    for i in 0..240 {
        let (loc, loc_name, country, service, serial) = places[rng.gen_range(0..places.len())];
        let mut digits: String = format!("541234{:09}", rng.gen_range(0..1_000_000_000u64));
        let check = (0..10)
            .find(|c| access_core::domain::luhn_valid(&format!("{digits}{c}")))
            .unwrap_or(0);
        digits.push_str(&check.to_string());
        let pan = Pan::parse(&digits).map_err(|e| super::ServiceError::Internal(e.to_string()))?;
        let at = now - rng.gen_range(600_000..14 * 86_400_000i64);
        let roll = rng.gen_range(0..100);
        let (status, reject) = match roll {
            0..=69 => ("COMPLETED", None),
            70..=79 => ("REJECTED", Some("LIMIT_EXCEEDED")),
            80..=84 => ("REJECTED", Some("MISSING_ACCESS_RULES")),
            85..=88 => ("REJECTED", Some("COOLDOWN_ACTIVE")),
            89..=91 => ("EXPIRED", None),
            92..=94 => ("REVERSED", None),
            _ => ("REJECTED", Some("CARD_ASI_FAILED")),
        };
        let paid = status != "REJECTED" && rng.gen_bool(0.3);
        let adults = if status == "REJECTED" {
            0
        } else {
            rng.gen_range(0..3)
        };
        let children = if status == "REJECTED" {
            0
        } else {
            rng.gen_range(0..2)
        };
        let paid_adults = if adults > 1 { 1 } else { 0 };
        operations::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            op_type: Set(if i % 17 == 0 { "OFFLINE" } else { "ONLINE" }.into()),
            status: Set(status.into()),
            pan_hash: Set(b.keys.pan_hash(pan.digits())),
            masked_pan: Set(pan.masked()),
            bin: Set(pan.bin(6).into()),
            last4: Set(pan.last4().into()),
            terminal_id: Set(None),
            terminal_serial: Set(Some(serial.into())),
            location_id: Set(Some(loc.into())),
            location_name: Set(Some(loc_name.into())),
            service_code: Set(Some(service.into())),
            country: Set(Some(country.into())),
            ica: Set(Some("1234".into())),
            ica_name: Set(Some("Demo Bank".into())),
            product_code: Set(Some("MCW".into())),
            entry_mode: Set(if i % 5 == 0 { "CHIP" } else { "CONTACTLESS" }.into()),
            ruleset_id: Set(reject.is_none().then(|| RULESET_WORLD.to_owned())),
            ruleset_version: Set(reject.is_none().then_some(1)),
            reject_code: Set(reject.map(str::to_owned)),
            card_auth_response_code: Set(Some(
                if reject == Some("CARD_ASI_FAILED") {
                    "05"
                } else {
                    "00"
                }
                .into(),
            )),
            cardholder_paid: Set(paid),
            cardholder_price_minor: Set(paid.then_some(2500)),
            free_entry: Set(!paid && reject.is_none()),
            currency: Set(Some("EUR".into())),
            free_adult_guests: Set(adults - paid_adults),
            paid_adult_guests: Set(paid_adults),
            free_child_guests: Set(children),
            paid_child_guests: Set(0),
            total_minor: Set(if paid { 2500 } else { 0 } + paid_adults as i64 * 2500),
            over_limit: Set(false),
            offline_id: Set(None),
            offline_basis: Set(None),
            expires_at: Set(Some(at + 300_000)),
            requested_at: Set(at),
            occurred_at: Set(at),
            confirmed_at: Set(
                (status == "COMPLETED" || status == "REVERSED").then_some(at + 20_000)
            ),
            updated_at: Set(at),
            reversed_at: Set((status == "REVERSED").then_some(at + 600_000)),
            reversed_by: Set((status == "REVERSED").then(|| ADMIN_EMAIL.to_owned())),
            reversal_reason: Set(
                (status == "REVERSED").then(|| "Demo: entered by mistake".to_owned())
            ),
            decision_json: Set(None),
            confirm_claim: Set(None),
            reserved_guests: Set(0),
            amounts: Set(None),
            offline_policy_breach: Set(None),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
