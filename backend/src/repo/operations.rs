//! Operation queries: the filtered list, keyset pages for exports, and aggregates.

use super::super::entity::operations::{self, Column as C};
use crate::tz::{self, Tz};
use access_core::model::OperationFilter;
use sea_orm::sea_query::{Condition, Expr, LikeExpr};
use sea_orm::sqlx::{self, Row as _};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryStream, QueryTrait, Select, StreamTrait,
};

/// Which operations a caller may see.
#[derive(Debug, Clone, PartialEq)]
pub enum OpScope {
    All,
    /// A service provider: operations at these locations.
    Locations(Vec<String>),
    /// An issuer: operations of cards with these ICAs.
    Icas(Vec<String>),
}

impl OpScope {
    pub fn condition(&self) -> Condition {
        match self {
            OpScope::All => Condition::all(),
            OpScope::Locations(ids) => Condition::all().add(C::LocationId.is_in(ids.clone())),
            OpScope::Icas(icas) => Condition::all().add(C::Ica.is_in(icas.clone())),
        }
    }

    pub fn allows(&self, op: &operations::Model) -> bool {
        match self {
            OpScope::All => true,
            OpScope::Locations(ids) => op.location_id.as_ref().is_some_and(|l| ids.contains(l)),
            OpScope::Icas(icas) => op.ica.as_ref().is_some_and(|i| icas.contains(i)),
        }
    }
}

/// The filter and scope as one condition (no paging); `from`/`until` are local days in `tz`.
pub fn condition(f: &OperationFilter, scope: &OpScope, zone: Tz) -> Condition {
    let mut c = scope.condition();
    if let Some(v) = &f.country {
        c = c.add(C::Country.eq(v.clone()));
    }
    if let Some(v) = &f.location_id {
        c = c.add(C::LocationId.eq(v.clone()));
    }
    if let Some(v) = &f.service_code {
        c = c.add(C::ServiceCode.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        c = c.add(C::Status.eq(v.clone()));
    }
    if let Some(v) = &f.op_type {
        c = c.add(C::OpType.eq(v.clone()));
    }
    if let Some(ms) = f.from.as_deref().and_then(|d| tz::parse_day_start(zone, d)) {
        c = c.add(C::OccurredAt.gte(ms));
    }
    if let Some(ms) = f.until.as_deref().and_then(|d| tz::parse_day_end(zone, d)) {
        c = c.add(C::OccurredAt.lt(ms));
    }
    if let Some(v) = &f.masked_pan {
        c = c
            .add(Expr::col(C::MaskedPan).like(LikeExpr::new(super::like_contains(v)).escape('\\')));
    }
    if let Some(v) = &f.bin {
        c = c.add(C::Bin.eq(v.clone()));
    }
    if let Some(v) = &f.last4 {
        c = c.add(C::Last4.eq(v.clone()));
    }
    if let Some(v) = &f.terminal {
        c = c.add(C::TerminalSerial.eq(v.clone()));
    }
    if let Some(v) = &f.ica {
        c = c.add(C::Ica.eq(v.clone()));
    }
    c
}

pub fn select(f: &OperationFilter, scope: &OpScope, zone: Tz) -> Select<operations::Entity> {
    operations::Entity::find().filter(condition(f, scope, zone))
}

/// One page of the list, newest first, and the total.
pub async fn list<C2: ConnectionTrait>(
    db: &C2,
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
    page: u64,
    page_size: u64,
) -> Result<(Vec<operations::Model>, u64), DbErr> {
    let total = select(f, scope, zone).count(db).await?;
    let items = select(f, scope, zone)
        .order_by_desc(C::OccurredAt)
        .order_by_desc(C::Id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(db)
        .await?;
    Ok((items, total))
}

/// The detailed export's columns, in the order [`ExportRow::read`] reads them by position.
/// Only what the report shows: no `decision_json` (kilobytes per row) or hash.
const EXPORT_COLUMNS: [C; 36] = [
    C::Id,
    C::OpType,
    C::Status,
    C::MaskedPan,
    C::Bin,
    C::Last4,
    C::TerminalSerial,
    C::LocationId,
    C::LocationName,
    C::ServiceCode,
    C::Country,
    C::Ica,
    C::IcaName,
    C::ProductCode,
    C::EntryMode,
    C::RulesetId,
    C::RulesetVersion,
    C::RejectCode,
    C::CardAuthResponseCode,
    C::CardholderPaid,
    C::FreeAdultGuests,
    C::PaidAdultGuests,
    C::FreeChildGuests,
    C::PaidChildGuests,
    C::TotalMinor,
    C::Currency,
    C::OverLimit,
    C::OfflinePolicyBreach,
    C::RequestedAt,
    C::OccurredAt,
    C::ConfirmedAt,
    C::UpdatedAt,
    C::ReversedAt,
    C::ReversedBy,
    C::ReversalReason,
    C::Amounts,
];

/// One operation of the detailed export, borrowed from the database row as it was received:
/// reading it allocates nothing, so an export of millions of rows costs no per-row garbage.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow<'a> {
    pub id: &'a str,
    pub op_type: &'a str,
    pub status: &'a str,
    pub masked_pan: &'a str,
    pub bin: &'a str,
    pub last4: &'a str,
    pub terminal_serial: Option<&'a str>,
    pub location_id: Option<&'a str>,
    pub location_name: Option<&'a str>,
    pub service_code: Option<&'a str>,
    pub country: Option<&'a str>,
    pub ica: Option<&'a str>,
    pub ica_name: Option<&'a str>,
    pub product_code: Option<&'a str>,
    pub entry_mode: &'a str,
    pub ruleset_id: Option<&'a str>,
    pub ruleset_version: Option<i32>,
    pub reject_code: Option<&'a str>,
    pub card_auth_response_code: Option<&'a str>,
    pub cardholder_paid: bool,
    pub free_adult_guests: i32,
    pub paid_adult_guests: i32,
    pub free_child_guests: i32,
    pub paid_child_guests: i32,
    pub total_minor: i64,
    pub currency: Option<&'a str>,
    pub over_limit: bool,
    pub offline_policy_breach: Option<&'a str>,
    pub requested_at: i64,
    pub occurred_at: i64,
    pub confirmed_at: Option<i64>,
    pub updated_at: i64,
    pub reversed_at: Option<i64>,
    pub reversed_by: Option<&'a str>,
    pub reversal_reason: Option<&'a str>,
    /// The stored multi-currency list (`EUR:2500;PLN:20000`), if any.
    pub amounts: Option<&'a str>,
    /// The operation's acquirer calls as the report shows them; filled in by the service.
    pub acquirer: Option<&'a str>,
}

/// Reads a row of [`export_stream`] by position from either database's row type.
macro_rules! read_export_row {
    ($r:expr) => {{
        let r = $r;
        ExportRow {
            id: r.try_get(0)?,
            op_type: r.try_get(1)?,
            status: r.try_get(2)?,
            masked_pan: r.try_get(3)?,
            bin: r.try_get(4)?,
            last4: r.try_get(5)?,
            terminal_serial: r.try_get(6)?,
            location_id: r.try_get(7)?,
            location_name: r.try_get(8)?,
            service_code: r.try_get(9)?,
            country: r.try_get(10)?,
            ica: r.try_get(11)?,
            ica_name: r.try_get(12)?,
            product_code: r.try_get(13)?,
            entry_mode: r.try_get(14)?,
            ruleset_id: r.try_get(15)?,
            ruleset_version: r.try_get(16)?,
            reject_code: r.try_get(17)?,
            card_auth_response_code: r.try_get(18)?,
            cardholder_paid: r.try_get(19)?,
            free_adult_guests: r.try_get(20)?,
            paid_adult_guests: r.try_get(21)?,
            free_child_guests: r.try_get(22)?,
            paid_child_guests: r.try_get(23)?,
            total_minor: r.try_get(24)?,
            currency: r.try_get(25)?,
            over_limit: r.try_get(26)?,
            offline_policy_breach: r.try_get(27)?,
            requested_at: r.try_get(28)?,
            occurred_at: r.try_get(29)?,
            confirmed_at: r.try_get(30)?,
            updated_at: r.try_get(31)?,
            reversed_at: r.try_get(32)?,
            reversed_by: r.try_get(33)?,
            reversal_reason: r.try_get(34)?,
            amounts: r.try_get(35)?,
            acquirer: None,
        }
    }};
}

fn decode_err(e: sqlx::Error) -> DbErr {
    DbErr::Type(format!("export row: {e}"))
}

impl<'a> ExportRow<'a> {
    /// The row's fields, borrowed from `row` (a row of [`export_stream`]).
    pub fn read(row: &'a QueryResult) -> Result<Self, DbErr> {
        let read = || -> Result<Self, sqlx::Error> {
            if let Some(r) = row.try_as_pg_row() {
                return Ok(read_export_row!(r));
            }
            if let Some(r) = row.try_as_sqlite_row() {
                return Ok(read_export_row!(r));
            }
            Err(sqlx::Error::Protocol(
                "not a PostgreSQL or SQLite row".into(),
            ))
        };
        read().map_err(decode_err)
    }

    /// The row's keyset position (`occurred_at`, `id`), read without the other fields.
    pub fn key(row: &'a QueryResult) -> Result<(i64, &'a str), DbErr> {
        let key = || -> Result<(i64, &'a str), sqlx::Error> {
            if let Some(r) = row.try_as_pg_row() {
                return Ok((r.try_get(29)?, r.try_get(0)?));
            }
            if let Some(r) = row.try_as_sqlite_row() {
                return Ok((r.try_get(29)?, r.try_get(0)?));
            }
            Err(sqlx::Error::Protocol(
                "not a PostgreSQL or SQLite row".into(),
            ))
        };
        key().map_err(decode_err)
    }
}

/// The matching rows after `after` (occurred_at, id), oldest first, at most `limit`.
fn keyset_page(
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
    after: Option<(i64, &str)>,
    limit: u64,
) -> Select<operations::Entity> {
    let mut q = select(f, scope, zone);
    if let Some((at, id)) = after {
        // The redundant `occurred_at >= at` lets the planners start the index range scan at
        // the page boundary; with the OR alone each page rescans from the first row.
        q = q.filter(C::OccurredAt.gte(at)).filter(
            Condition::any().add(C::OccurredAt.gt(at)).add(
                Condition::all()
                    .add(C::OccurredAt.eq(at))
                    .add(C::Id.gt(id.to_owned())),
            ),
        );
    }
    q.order_by_asc(C::OccurredAt)
        .order_by_asc(C::Id)
        .limit(limit)
}

/// A keyset page of the detailed export as a stream of rows straight off the database
/// connection (read them with [`ExportRow::read`]): nothing is collected, so the page size
/// bounds only how long one statement runs, not memory.
pub async fn export_stream(
    db: &sea_orm::DatabaseConnection,
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
    after: Option<(i64, &str)>,
    limit: u64,
) -> Result<QueryStream, DbErr> {
    let q = keyset_page(f, scope, zone, after, limit)
        .select_only()
        .columns(EXPORT_COLUMNS);
    db.stream(q.build(db.get_database_backend())).await
}

/// The ids of the same keyset page as [`export_stream`] (for the page's acquirer ledger).
pub fn export_page_ids(
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
    after: Option<(i64, &str)>,
    limit: u64,
) -> sea_orm::sea_query::SelectStatement {
    keyset_page(f, scope, zone, after, limit)
        .select_only()
        .column(C::Id)
        .into_query()
}

/// The live feed's change mark: the newest `updated_at` of any operation and how many rows
/// carry it (`(0, 0)` when there are none). Every insert and status change sets `updated_at`,
/// so a change moves the mark; the count tells apart two inserts in the same millisecond.
/// Both queries read the `updated_at` index only.
pub async fn latest_update<C2: ConnectionTrait>(db: &C2) -> Result<(i64, u64), DbErr> {
    let max = operations::Entity::find()
        .select_only()
        .column_as(C::UpdatedAt.max(), "m")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let Some(max) = max else {
        return Ok((0, 0));
    };
    let n = operations::Entity::find()
        .filter(C::UpdatedAt.eq(max))
        .count(db)
        .await?;
    Ok((max, n))
}

pub async fn get<C2: ConnectionTrait>(
    db: &C2,
    id: &str,
) -> Result<Option<operations::Model>, DbErr> {
    operations::Entity::find_by_id(id.to_owned()).one(db).await
}

/// Per (local day, location, service, currency) sums for the summary report, in key order.
#[derive(Debug, Clone, PartialEq, sea_orm::FromQueryResult)]
pub struct SummaryGroup {
    pub day: i64,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub service_code: Option<String>,
    pub currency: Option<String>,
    pub entries: i64,
    pub adult_guests: i64,
    pub child_guests: i64,
    pub free_entries: i64,
    pub paid_entries: i64,
    pub rejected: i64,
    pub amount_minor: i64,
}

fn completed_sum(expr: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!(
        "CAST(COALESCE(SUM(CASE WHEN status = 'COMPLETED' THEN {expr} ELSE 0 END), 0) AS BIGINT)"
    ))
}

/// The summary's groups over completed entries (reversed ones are not entries any more);
/// rejections are counted beside them.
///
/// `local_ms` is the SQL of `occurred_at` on the report zone's wall clock
/// ([`crate::tz::local_ms_sql`]); its whole days are the report's days.
pub async fn summary<C2: ConnectionTrait>(
    db: &C2,
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
    local_ms: &str,
) -> Result<Vec<SummaryGroup>, DbErr> {
    let day = format!("({local_ms}) / 86400000");
    operations::Entity::find()
        .select_only()
        .column_as(Expr::cust(&day), "day")
        .column(C::LocationId)
        .column(C::LocationName)
        .column(C::ServiceCode)
        .column(C::Currency)
        .column_as(completed_sum("1"), "entries")
        .column_as(
            completed_sum("free_adult_guests + paid_adult_guests"),
            "adult_guests",
        )
        .column_as(
            completed_sum("free_child_guests + paid_child_guests"),
            "child_guests",
        )
        .column_as(
            completed_sum("CASE WHEN cardholder_paid THEN 0 ELSE 1 END"),
            "free_entries",
        )
        .column_as(
            completed_sum("CASE WHEN cardholder_paid THEN 1 ELSE 0 END"),
            "paid_entries",
        )
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM(CASE WHEN status = 'REJECTED' THEN 1 ELSE 0 END), 0) AS BIGINT)",
            ),
            "rejected",
        )
        // Entries in several currencies are added from [`mixed_amounts`].
        .column_as(
            completed_sum("CASE WHEN amounts IS NULL THEN total_minor ELSE 0 END"),
            "amount_minor",
        )
        .filter(condition(f, scope, zone))
        .group_by(Expr::cust(&day))
        .group_by(C::LocationId)
        .group_by(C::LocationName)
        .group_by(C::ServiceCode)
        .group_by(C::Currency)
        .order_by_asc(Expr::cust(&day))
        .order_by_asc(C::LocationName)
        .order_by_asc(C::LocationId)
        .order_by_asc(C::ServiceCode)
        .order_by_asc(C::Currency)
        .into_model::<SummaryGroup>()
        .all(db)
        .await
}

/// Currencies of completed entries matching the filter (the summary's amount columns).
pub async fn currencies<C2: ConnectionTrait>(
    db: &C2,
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
) -> Result<Vec<String>, DbErr> {
    let rows: Vec<Option<String>> = operations::Entity::find()
        .select_only()
        .column(C::Currency)
        .filter(condition(f, scope, zone))
        .filter(C::Status.eq("COMPLETED"))
        .filter(C::Currency.is_not_null())
        .distinct()
        .order_by_asc(C::Currency)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// `(key, count)` groups of an expression over the filtered rows.
#[derive(Debug, Clone, PartialEq, sea_orm::FromQueryResult)]
pub struct KeyCount {
    pub key: Option<String>,
    pub n: i64,
    pub guests: i64,
}

pub async fn count_by<C2: ConnectionTrait>(
    db: &C2,
    cond: Condition,
    key_sql: &str,
) -> Result<Vec<KeyCount>, DbErr> {
    operations::Entity::find()
        .select_only()
        .column_as(Expr::cust(format!("CAST({key_sql} AS TEXT)")), "key")
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM(free_adult_guests + paid_adult_guests + free_child_guests + paid_child_guests), 0) AS BIGINT)",
            ),
            "guests",
        )
        .filter(cond)
        .group_by(Expr::cust(key_sql))
        .into_model::<KeyCount>()
        .all(db)
        .await
}

/// The first and last `occurred_at` of the rows matching `cond` (`None` when there are none):
/// the range the local-clock SQL has to be exact over.
pub async fn occurred_range<C2: ConnectionTrait>(
    db: &C2,
    cond: Condition,
) -> Result<Option<(i64, i64)>, DbErr> {
    let r: Option<(Option<i64>, Option<i64>)> = operations::Entity::find()
        .select_only()
        .column_as(C::OccurredAt.min(), "lo")
        .column_as(C::OccurredAt.max(), "hi")
        .filter(cond)
        .into_tuple()
        .one(db)
        .await?;
    Ok(match r {
        Some((Some(lo), Some(hi))) => Some((lo, hi)),
        _ => None,
    })
}

/// Completed entries that cost several currencies, per local day × location × service and
/// stored `amounts` list (few distinct lists: one per price combination), with their count.
#[derive(Debug, Clone, PartialEq, sea_orm::FromQueryResult)]
pub struct MixedGroup {
    pub day: i64,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub service_code: Option<String>,
    pub amounts: Option<String>,
    pub n: i64,
}

pub async fn mixed_amounts<C2: ConnectionTrait>(
    db: &C2,
    f: &OperationFilter,
    scope: &OpScope,
    zone: Tz,
    local_ms: &str,
) -> Result<Vec<MixedGroup>, DbErr> {
    let day = format!("({local_ms}) / 86400000");
    operations::Entity::find()
        .select_only()
        .column_as(Expr::cust(&day), "day")
        .column(C::LocationId)
        .column(C::LocationName)
        .column(C::ServiceCode)
        .column(C::Amounts)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(condition(f, scope, zone))
        .filter(C::Status.eq("COMPLETED"))
        .filter(C::Amounts.is_not_null())
        .group_by(Expr::cust(&day))
        .group_by(C::LocationId)
        .group_by(C::LocationName)
        .group_by(C::ServiceCode)
        .group_by(C::Amounts)
        .into_model::<MixedGroup>()
        .all(db)
        .await
}
