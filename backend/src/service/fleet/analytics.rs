//! `GET /api/v1/admin/pos-terminals/{terminalID}/analytics`: a terminal's transactions in a
//! period, from its real rows.
//!
//! Transactions are the terminal's `operations` (access-control entries; `operations.terminal_id`
//! = the terminal) and its `collection_sessions`:
//! - operation: `COMPLETED` succeeded; `REJECTED`, `EXPIRED`, `REVERSED` failed; `PENDING`
//!   (still awaiting confirmation) is not counted. Time `occurred_at`, amount `total_minor`,
//!   channel `nfc_purchase` for a `CONTACTLESS` entry, else `card_processor`.
//! - collection: `completed` succeeded; `expired` (also a `pending` one past `expires_at`)
//!   failed; `cancelled` and live `pending` are not counted. Time `created_at`, amount
//!   `amount_minor`, channel as recorded (`collection` when unknown).
//!
//! Volume, average, settled and fees count successful transactions only. Amounts are summed
//! in minor units whatever their currency. Fees are the effective configuration's `fee_bps`
//! (basis points, default 0) of the volume; settled = volume − fees.
//! `last_transaction_at` is the terminal's latest successful transaction ever (not only in
//! the period); `days_since_last_transaction` counts whole days from it to now.

use super::super::super::entity::{collection_sessions, operations};
use super::super::super::{Backend, Principal};
use super::buckets::{self, Period, RangeQuery};
use super::error::FleetResult;
use super::{details, support};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    pub count: u64,
    pub successful: u64,
    pub failed: u64,
    pub volume: i64,
    pub fees: i64,
}

impl Stats {
    fn add(&mut self, t: &Txn, fee_bps: i64) {
        self.count += 1;
        if t.ok {
            self.successful += 1;
            self.volume += t.amount;
            self.fees += t.amount.saturating_mul(fee_bps) / 10_000;
        } else {
            self.failed += 1;
        }
    }

    /// Percent of successful transactions, two decimals (0 when there are none).
    pub fn success_rate(&self) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        (self.successful as f64 * 10_000.0 / self.count as f64).round() / 100.0
    }

    /// Mean successful amount, in minor units (integer division).
    pub fn average(&self) -> i64 {
        match i64::try_from(self.successful) {
            Ok(n) if n > 0 => self.volume / n,
            _ => 0,
        }
    }

    pub fn settled(&self) -> i64 {
        self.volume - self.fees
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Analytics {
    pub terminal_id: String,
    pub period: Period,
    pub summary: Stats,
    pub last_transaction_at: Option<i64>,
    pub days_since_last_transaction: Option<i64>,
    /// `(bucket start, stats)`, every bucket of the period.
    pub series: Vec<(i64, Stats)>,
    pub by_channel: BTreeMap<String, Stats>,
}

/// One transaction, whatever its source.
#[derive(Debug, Clone, PartialEq)]
struct Txn {
    at: i64,
    amount: i64,
    channel: String,
    ok: bool,
}

pub fn channel_of_entry_mode(entry_mode: &str) -> &'static str {
    if entry_mode.eq_ignore_ascii_case("CONTACTLESS") {
        "nfc_purchase"
    } else {
        "card_processor"
    }
}

fn op_outcome(status: &str) -> Option<bool> {
    match status {
        "COMPLETED" => Some(true),
        "REJECTED" | "EXPIRED" | "REVERSED" => Some(false),
        _ => None,
    }
}

fn collection_outcome(status: &str, expires_at: i64, now: i64) -> Option<bool> {
    match status {
        "completed" => Some(true),
        "expired" => Some(false),
        "pending" if expires_at <= now => Some(false),
        _ => None,
    }
}

async fn transactions(
    b: &Backend,
    terminal_id: &str,
    p: &Period,
    now: i64,
) -> FleetResult<Vec<Txn>> {
    let ops = operations::Entity::find()
        .select_only()
        .columns([
            operations::Column::Status,
            operations::Column::EntryMode,
            operations::Column::TotalMinor,
            operations::Column::OccurredAt,
        ])
        .filter(operations::Column::TerminalId.eq(terminal_id))
        .filter(operations::Column::OccurredAt.between(p.from, p.to))
        .into_tuple::<(String, String, i64, i64)>()
        .all(&b.db)
        .await?;
    let cols = collection_sessions::Entity::find()
        .select_only()
        .columns([
            collection_sessions::Column::Status,
            collection_sessions::Column::Channel,
            collection_sessions::Column::AmountMinor,
            collection_sessions::Column::CreatedAt,
            collection_sessions::Column::ExpiresAt,
        ])
        .filter(collection_sessions::Column::TerminalId.eq(terminal_id))
        .filter(collection_sessions::Column::CreatedAt.between(p.from, p.to))
        .into_tuple::<(String, Option<String>, i64, i64, i64)>()
        .all(&b.db)
        .await?;
    let mut out: Vec<Txn> = ops
        .into_iter()
        .filter_map(|(status, mode, amount, at)| {
            op_outcome(&status).map(|ok| Txn {
                at,
                amount,
                channel: channel_of_entry_mode(&mode).to_owned(),
                ok,
            })
        })
        .collect();
    out.extend(
        cols.into_iter()
            .filter_map(|(status, channel, amount, at, exp)| {
                collection_outcome(&status, exp, now).map(|ok| Txn {
                    at,
                    amount,
                    channel: channel.unwrap_or_else(|| "collection".into()),
                    ok,
                })
            }),
    );
    Ok(out)
}

/// The latest successful transaction of the terminal, ever.
async fn last_success(b: &Backend, terminal_id: &str) -> FleetResult<Option<i64>> {
    let op = operations::Entity::find()
        .select_only()
        .column_as(Expr::col(operations::Column::OccurredAt).max(), "m")
        .filter(operations::Column::TerminalId.eq(terminal_id))
        .filter(operations::Column::Status.eq("COMPLETED"))
        .into_tuple::<Option<i64>>()
        .one(&b.db)
        .await?
        .flatten();
    let col = collection_sessions::Entity::find()
        .select_only()
        .column_as(Expr::col(collection_sessions::Column::CreatedAt).max(), "m")
        .filter(collection_sessions::Column::TerminalId.eq(terminal_id))
        .filter(collection_sessions::Column::Status.eq("completed"))
        .into_tuple::<Option<i64>>()
        .one(&b.db)
        .await?
        .flatten();
    Ok(op.max(col))
}

pub async fn analytics(
    b: &Backend,
    p: &Principal,
    raw_terminal: &str,
    q: &RangeQuery,
) -> FleetResult<Analytics> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_terminal).await?;
    let period = Period::parse(q)?;
    let buckets = period.buckets()?;
    let now = b.now_ms();
    let fee_bps = details::effective_config(&t)
        .get("fee_bps")
        .and_then(|v| v.as_i64())
        .filter(|v| (0..=10_000).contains(v))
        .unwrap_or(0);
    let txns = transactions(b, &t.id, &period, now).await?;
    let mut summary = Stats::default();
    let mut series: Vec<(i64, Stats)> = buckets
        .iter()
        .map(|bk| (bk.start, Stats::default()))
        .collect();
    let mut by_channel: BTreeMap<String, Stats> = BTreeMap::new();
    for tx in &txns {
        summary.add(tx, fee_bps);
        by_channel
            .entry(tx.channel.clone())
            .or_default()
            .add(tx, fee_bps);
        if let Some(i) = buckets::index_of(&buckets, tx.at) {
            if let Some((_, s)) = series.get_mut(i) {
                s.add(tx, fee_bps);
            }
        }
    }
    let last = last_success(b, &t.id).await?;
    Ok(Analytics {
        terminal_id: t.id,
        period,
        summary,
        last_transaction_at: last,
        days_since_last_transaction: last.map(|l| (now - l).max(0) / 86_400_000),
        series,
        by_channel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_averages() {
        let mut s = Stats::default();
        for (amount, ok) in [(100, true), (300, true), (50, false)] {
            s.add(
                &Txn {
                    at: 0,
                    amount,
                    channel: "x".into(),
                    ok,
                },
                100,
            );
        }
        assert_eq!(s.count, 3);
        assert_eq!(s.volume, 400);
        assert_eq!(s.average(), 200);
        assert_eq!(s.success_rate(), 66.67);
        assert_eq!(s.fees, 4);
        assert_eq!(s.settled(), 396);
        assert_eq!(Stats::default().success_rate(), 0.0);
    }

    #[test]
    fn outcomes() {
        assert_eq!(op_outcome("PENDING"), None);
        assert_eq!(op_outcome("REVERSED"), Some(false));
        assert_eq!(collection_outcome("pending", 10, 10), Some(false));
        assert_eq!(collection_outcome("pending", 11, 10), None);
        assert_eq!(collection_outcome("cancelled", 0, 10), None);
        assert_eq!(channel_of_entry_mode("contactless"), "nfc_purchase");
        assert_eq!(channel_of_entry_mode("CHIP"), "card_processor");
    }
}
