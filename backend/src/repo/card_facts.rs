//! What the decision needs about a card: its BIN profile, usage history, transactions, rates.

use super::super::entity::{bin_ranges, card_transactions, fx_rates, operations};
use super::rulesets::bin_contains;
use access_core::domain::{
    CardProfile, CardTransaction, Currency, FxRate, GuestCounts, Mcc, Money, OperationStatus,
    UsageRecord,
};
use chrono::NaiveDate;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use std::str::FromStr;

/// The card's BIN-table entry (the narrowest range that contains it).
pub async fn profile<C: ConnectionTrait>(db: &C, pan: &str) -> Result<Option<CardProfile>, DbErr> {
    let p8 = &pan[..pan.len().min(8)];
    let rows = bin_ranges::Entity::find()
        .filter(bin_contains(
            bin_ranges::Column::BinFrom,
            bin_ranges::Column::BinTo,
            p8,
        ))
        .all(db)
        .await?;
    Ok(narrowest(rows.iter(), p8))
}

/// [`profile`] over rows already in memory (the whole BIN table, see
/// `service::decision_data`): the same containment test as the SQL one, in Rust.
pub fn profile_in(table: &[bin_ranges::Model], pan: &str) -> Option<CardProfile> {
    let p8 = &pan[..pan.len().min(8)];
    narrowest(
        table
            .iter()
            .filter(|r| super::rulesets::bin_range_contains(&r.bin_from, &r.bin_to, p8)),
        p8,
    )
}

fn narrowest<'a>(
    rows: impl Iterator<Item = &'a bin_ranges::Model>,
    p8: &str,
) -> Option<CardProfile> {
    let narrowest = rows.min_by_key(|r| {
        access_core::domain::BinRange {
            ica: r.ica.clone(),
            from: r.bin_from.clone(),
            to: r.bin_to.clone(),
        }
        .width()
    });
    narrowest.map(|r| CardProfile {
        bin: p8.to_owned(),
        ica: r.ica.clone(),
        issuer_name: r.issuer_name.clone(),
        issuer_country: r.issuer_country.clone(),
        product_code: r.product_code.clone(),
        // Looked up by the caller only when a candidate ruleset asks for it.
        enrolled: false,
    })
}

/// The whole BIN table (a few thousand rows at most), for bulk feeds that resolve many cards.
pub async fn bin_table<C: ConnectionTrait>(db: &C) -> Result<Vec<bin_ranges::Model>, DbErr> {
    bin_ranges::Entity::find().all(db).await
}

fn ts(ms: i64) -> chrono::DateTime<chrono::Utc> {
    crate::clock::from_ms(ms)
}

/// COMPLETED, or PENDING not yet lapsed: the operations that count.
pub fn counting(now: i64) -> Condition {
    Condition::any()
        .add(operations::Column::Status.eq("COMPLETED"))
        .add(
            Condition::all()
                .add(operations::Column::Status.eq("PENDING"))
                .add(operations::Column::ExpiresAt.gt(now)),
        )
}

/// The card's operations that can count.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    pan_hash: &str,
    now: i64,
) -> Result<Vec<UsageRecord>, DbErr> {
    let rows = operations::Entity::find()
        .filter(operations::Column::PanHash.eq(pan_hash))
        .filter(counting(now))
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(usage_record).collect())
}

/// The histories of several cards at once (an export page): pan hash → its operations that count.
pub async fn histories<C: ConnectionTrait>(
    db: &C,
    pan_hashes: &[String],
    now: i64,
) -> Result<std::collections::HashMap<String, Vec<UsageRecord>>, DbErr> {
    let mut out: std::collections::HashMap<String, Vec<UsageRecord>> = Default::default();
    if pan_hashes.is_empty() {
        return Ok(out);
    }
    let rows = operations::Entity::find()
        .filter(operations::Column::PanHash.is_in(pan_hashes.iter().cloned()))
        .filter(counting(now))
        .all(db)
        .await?;
    for o in rows {
        let hash = o.pan_hash.clone();
        if let Some(r) = usage_record(o) {
            out.entry(hash).or_default().push(r);
        }
    }
    Ok(out)
}

pub fn usage_record(o: operations::Model) -> Option<UsageRecord> {
    Some(UsageRecord {
        ruleset_id: o
            .ruleset_id
            .as_deref()
            .and_then(|r| uuid::Uuid::parse_str(r).ok()),
        location_id: uuid::Uuid::parse_str(o.location_id.as_deref()?).ok()?,
        occurred_at: ts(o.occurred_at),
        status: OperationStatus::parse(&o.status)?,
        expires_at: o.expires_at.map(ts),
        cardholder_paid: o.cardholder_paid,
        guests: GuestCounts {
            free_adults: o.free_adult_guests.max(0) as u32,
            paid_adults: o.paid_adult_guests.max(0) as u32,
            free_children: o.free_child_guests.max(0) as u32,
            paid_children: o.paid_child_guests.max(0) as u32,
        },
    })
}

/// Successful uses of a ruleset over all cards since `since_ms` (all time when `None`).
pub async fn ruleset_usage<C: ConnectionTrait>(
    db: &C,
    ruleset_id: &str,
    since_ms: Option<i64>,
    now: i64,
) -> Result<u64, DbErr> {
    let mut q = operations::Entity::find()
        .filter(operations::Column::RulesetId.eq(ruleset_id))
        .filter(counting(now));
    if let Some(since) = since_ms {
        q = q.filter(operations::Column::OccurredAt.gte(since));
    }
    q.count(db).await
}

/// The card's transactions since `since_ms` (the MRS feed, as imported).
pub async fn transactions<C: ConnectionTrait>(
    db: &C,
    pan_hash: &str,
    since_ms: i64,
) -> Result<Vec<(card_transactions::Model, CardTransaction)>, DbErr> {
    let rows = card_transactions::Entity::find()
        .filter(card_transactions::Column::PanHash.eq(pan_hash))
        .filter(card_transactions::Column::OccurredAt.gte(since_ms))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|t| {
            let currency = Currency::from_code(&t.currency).ok()?;
            let tx = CardTransaction {
                occurred_at: ts(t.occurred_at),
                cleared_at: Some(ts(t.cleared_at)),
                amount: Money::from_minor(t.amount_minor, currency),
                mcc: Mcc::parse(&t.mcc)?,
            };
            Some((t, tx))
        })
        .collect())
}

/// FX rates from `since` on.
pub async fn fx_rates_since<C: ConnectionTrait>(
    db: &C,
    since: NaiveDate,
) -> Result<Vec<FxRate>, DbErr> {
    let rows = fx_rates::Entity::find()
        .filter(fx_rates::Column::RateDate.gte(since.format("%Y-%m-%d").to_string()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(FxRate {
                date: NaiveDate::parse_from_str(&r.rate_date, "%Y-%m-%d").ok()?,
                base: Currency::from_code(&r.base_currency).ok()?,
                quote: Currency::from_code(&r.quote_currency).ok()?,
                rate: rust_decimal::Decimal::from_str(&r.rate).ok()?,
            })
        })
        .collect())
}
