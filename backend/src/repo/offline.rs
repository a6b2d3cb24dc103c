//! Queries behind offline mode (POS-API.md, "Offline mode"): the rulesets that apply at a
//! location during a time window, the whitelist of enrolled cards built in one SQL statement,
//! and the idempotent storage of offline entries keyed by the terminal's `offlineId`.

use super::super::entity::{
    bin_ranges, enrolled_cards, operations, ruleset_locations, ruleset_services, ruleset_versions,
    rulesets, terminals,
};
use super::card_facts::counting;
use access_core::domain::Ruleset;
use sea_orm::sea_query::{Alias, Condition, Expr, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
};
use std::collections::HashSet;

/// Rows of one multi-row INSERT: far below SQLite's and PostgreSQL's bound-parameter limits
/// (the operations table has 44 columns).
const INSERT_CHUNK: usize = 200;
/// Values of one `IN (...)` list.
const IN_CHUNK: usize = 500;

/// The current versions of the rulesets that are not deleted, whose validity meets
/// `[from_ms, until_ms]`, and that apply at the location: its service is one of theirs, and
/// the location is listed or they cover all locations of its country. The service checks the
/// snapshots again with the domain's own rules.
pub async fn rulesets_at_location<C: ConnectionTrait>(
    db: &C,
    location_id: &str,
    country: &str,
    service: &str,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<Ruleset>, DbErr> {
    let with_service = Query::select()
        .column(ruleset_services::Column::RulesetId)
        .from(ruleset_services::Entity)
        .and_where(Expr::col(ruleset_services::Column::ServiceCode).eq(service))
        .to_owned();
    let listed_here = Query::select()
        .column(ruleset_locations::Column::RulesetId)
        .from(ruleset_locations::Entity)
        .and_where(Expr::col(ruleset_locations::Column::LocationId).eq(location_id))
        .to_owned();
    let rows = rulesets::Entity::find()
        .filter(rulesets::Column::DeletedAt.is_null())
        .filter(rulesets::Column::ValidFrom.lte(until_ms))
        .filter(rulesets::Column::ValidTo.gt(from_ms))
        .filter(rulesets::Column::Id.in_subquery(with_service))
        .filter(
            Condition::any()
                .add(rulesets::Column::Id.in_subquery(listed_here))
                .add(
                    Condition::all()
                        .add(rulesets::Column::AllLocationsOfCountry.eq(true))
                        .add(rulesets::Column::LocationCountry.eq(country)),
                ),
        )
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let mut cond = Condition::any();
    for r in &rows {
        cond = cond.add(
            Condition::all()
                .add(ruleset_versions::Column::RulesetId.eq(r.id.clone()))
                .add(ruleset_versions::Column::Version.eq(r.current_version)),
        );
    }
    ruleset_versions::Entity::find()
        .filter(cond)
        .order_by_asc(ruleset_versions::Column::RulesetId)
        .all(db)
        .await?
        .iter()
        .map(|v| {
            serde_json::from_str(&v.snapshot_json)
                .map_err(|e| DbErr::Custom(format!("ruleset {} v{}: {e}", v.ruleset_id, v.version)))
        })
        .collect()
}

/// ICAs (leading zeros trimmed) the BIN table lists for an issuer country.
pub async fn icas_of_country<C: ConnectionTrait>(
    db: &C,
    country: &str,
) -> Result<HashSet<String>, DbErr> {
    let icas: Vec<String> = bin_ranges::Entity::find()
        .select_only()
        .column(bin_ranges::Column::Ica)
        .filter(bin_ranges::Column::IssuerCountry.eq(country))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(icas
        .into_iter()
        .map(|i| i.trim_start_matches('0').to_owned())
        .collect())
}

/// One BIN range as enrolled cards can be matched against it: enrolled cards keep a 6-digit
/// BIN, so `from6`/`to6` are the first 6 digits of the range's bounds (a 7–8 digit range is
/// widened to the 6-digit BINs it touches).
#[derive(Debug, Clone)]
pub struct CardBins {
    pub from6: String,
    pub to6: String,
    /// The range's ICA with leading zeros trimmed.
    pub ica: String,
}

/// Which enrolled cards one ruleset admits free at the location now.
#[derive(Debug, Clone)]
pub struct WhitelistRule {
    pub ruleset_id: String,
    pub bins: Vec<CardBins>,
    /// Empty = every product.
    pub product_codes: Vec<String>,
    /// Free cardholder entries per card in the window; `None` = unlimited.
    pub free_limit: Option<u32>,
    /// Entries (free or paid) per card at this location in the window.
    pub per_location_cap: Option<u32>,
    /// Start of the counting window (`None` = all time).
    pub window_start_ms: Option<i64>,
}

/// Cards (by PAN hash) of a ruleset with at least `limit` counting operations in the window
/// that also satisfy `extra`.
fn used_up(rule: &WhitelistRule, now_ms: i64, extra: Condition, limit: u32) -> SelectStatement {
    let mut cond = Condition::all()
        .add(operations::Column::RulesetId.eq(rule.ruleset_id.clone()))
        .add(counting(now_ms))
        .add(extra);
    if let Some(since) = rule.window_start_ms {
        cond = cond.add(operations::Column::OccurredAt.gte(since));
    }
    Query::select()
        .column(operations::Column::PanHash)
        .from(operations::Entity)
        .cond_where(cond)
        .group_by_col(operations::Column::PanHash)
        .and_having(Expr::expr(Func::count(Expr::col(operations::Column::Id))).gte(limit as i64))
        .to_owned()
}

/// The enrolled cards' version: raised by triggers on every change of `enrolled_cards`
/// (migration `m0015_enrolment_version`).
pub async fn enrolment_version<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_string(
            backend,
            "SELECT version FROM enrolment_version WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("enrolment_version".into()))?;
    row.try_get("", "version")
}

/// The cards (PAN hashes, sorted) the rule's usage excludes from the whitelist now — what
/// the whitelist statement's `NOT IN` subqueries leave out — labelled `free` (free entries
/// used up) and `cap` (the location's cap reached).
pub async fn used_up_cards<C: ConnectionTrait>(
    db: &C,
    location_id: &str,
    now_ms: i64,
    rule: &WhitelistRule,
) -> Result<Vec<(&'static str, Vec<String>)>, DbErr> {
    let mut out = Vec::new();
    let mut lists = Vec::new();
    if let Some(n) = rule.free_limit {
        let free = Condition::all().add(operations::Column::CardholderPaid.eq(false));
        lists.push(("free", used_up(rule, now_ms, free, n)));
    }
    if let Some(cap) = rule.per_location_cap {
        let here = Condition::all().add(operations::Column::LocationId.eq(location_id));
        lists.push(("cap", used_up(rule, now_ms, here, cap)));
    }
    let backend = db.get_database_backend();
    for (kind, mut q) in lists {
        q.order_by(operations::Column::PanHash, sea_orm::Order::Asc);
        let cards = db
            .query_all(backend.build(&q))
            .await?
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((kind, cards));
    }
    Ok(out)
}

/// The whitelist hashes of enrolled cards that at least one rule admits, joined by `,` in no
/// particular order (`None`: none). One statement: the per-ruleset usage is aggregated in SQL
/// (`NOT IN (... GROUP BY pan_hash HAVING COUNT(*) >= limit)`), never per card.
pub async fn whitelist_hashes<C: ConnectionTrait>(
    db: &C,
    location_id: &str,
    now_ms: i64,
    rules: &[WhitelistRule],
) -> Result<Option<String>, DbErr> {
    use enrolled_cards::Column as E;
    let mut any = Condition::any();
    let mut some = false;
    for rule in rules {
        if rule.bins.is_empty() {
            continue;
        }
        let mut bins = Condition::any();
        for b in &rule.bins {
            let ica_trimmed = Expr::expr(
                Func::cust(Alias::new("LTRIM"))
                    .arg(Expr::col((enrolled_cards::Entity, E::Ica)))
                    .arg("0"),
            );
            bins = bins.add(
                Condition::all()
                    .add(E::Bin.gte(b.from6.clone()))
                    .add(E::Bin.lte(b.to6.clone()))
                    .add(ica_trimmed.eq(b.ica.clone())),
            );
        }
        let mut c = Condition::all()
            .add(bins)
            .add(E::Status.eq(enrolled_cards::ENROLLED));
        if !rule.product_codes.is_empty() {
            c = c.add(E::ProductCode.is_in(rule.product_codes.clone()));
        }
        if let Some(n) = rule.free_limit {
            let free = Condition::all().add(operations::Column::CardholderPaid.eq(false));
            c = c.add(E::PanHash.not_in_subquery(used_up(rule, now_ms, free, n)));
        }
        if let Some(cap) = rule.per_location_cap {
            let here = Condition::all().add(operations::Column::LocationId.eq(location_id));
            c = c.add(E::PanHash.not_in_subquery(used_up(rule, now_ms, here, cap)));
        }
        any = any.add(c);
        some = true;
    }
    if !some {
        return Ok(None);
    }
    // One row, not a million: the database joins the hashes (hex, so ',' is a safe
    // separator) — per-row decoding would cost more than the query itself. Neither sorted
    // nor made distinct here: a database sort of a million 64-character strings took
    // seconds, the caller's sort of byte slices a fraction of that.
    let backend = db.get_database_backend();
    let inner = enrolled_cards::Entity::find()
        .select_only()
        .column_as(E::WhitelistHash, "h")
        .filter(any)
        .build(backend);
    let agg = match backend {
        DbBackend::Postgres => "string_agg(w.h, ',')",
        _ => "group_concat(w.h, ',')",
    };
    let sql = format!("SELECT {agg} AS hashes FROM ({}) AS w", inner.sql);
    let values = inner.values.map(|v| v.0).unwrap_or_default();
    let row = db
        .query_one(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    match row {
        Some(r) => r.try_get("", "hashes"),
        None => Ok(None),
    }
}

/// Operations already recorded for these offline ids.
pub async fn by_offline_ids<C: ConnectionTrait>(
    db: &C,
    offline_ids: &[String],
) -> Result<Vec<operations::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in offline_ids.chunks(IN_CHUNK) {
        out.extend(
            operations::Entity::find()
                .filter(operations::Column::OfflineId.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The card's offline entries at a location with `occurred_at` in `[from_ms, until_ms)` that
/// still stand (COMPLETED: a reversed entry gives its place back), for the location's daily
/// offline limit. Served by idx (pan_hash, location_id, occurred_at).
pub async fn offline_entries_of_card<C: ConnectionTrait>(
    db: &C,
    pan_hash: &str,
    location_id: &str,
    from_ms: i64,
    until_ms: i64,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    operations::Entity::find()
        .filter(operations::Column::PanHash.eq(pan_hash))
        .filter(operations::Column::LocationId.eq(location_id))
        .filter(operations::Column::OccurredAt.gte(from_ms))
        .filter(operations::Column::OccurredAt.lt(until_ms))
        .filter(operations::Column::OpType.eq("OFFLINE"))
        .filter(operations::Column::Status.eq("COMPLETED"))
        .count(db)
        .await
}

/// Take the terminal's row lock for the rest of the transaction (a no-op update), so that
/// one terminal's reports are stored one after the other; on SQLite it takes the write lock
/// first, before anything is read. `false` when the terminal is gone.
pub async fn lock_terminal<C: ConnectionTrait>(db: &C, terminal_id: &str) -> Result<bool, DbErr> {
    let res = terminals::Entity::update_many()
        .col_expr(
            terminals::Column::UpdatedAt,
            Expr::col(terminals::Column::UpdatedAt).into(),
        )
        .filter(terminals::Column::Id.eq(terminal_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Insert operations in multi-row statements; a duplicate `offline_id` fails with the unique
/// index's violation (the caller retries).
pub async fn insert_operations<C: ConnectionTrait>(
    db: &C,
    rows: Vec<operations::ActiveModel>,
) -> Result<u64, DbErr> {
    let mut n = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        n += operations::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(n)
}
