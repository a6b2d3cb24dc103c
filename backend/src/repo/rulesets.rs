//! Ruleset storage. A ruleset's current state is a `rulesets` row (columns for lists and
//! filters) plus child rows (BIN ranges, locations, services) used to find candidates fast;
//! each saved version is an immutable JSON snapshot of the domain `Ruleset`, which is what
//! the engine evaluates and what "Show rule" displays for an operation's version.

use super::super::entity::{
    ruleset_bin_ranges, ruleset_locations, ruleset_services, ruleset_usage, ruleset_versions,
    rulesets,
};
use access_core::domain::{Limit, LocationScope, Ruleset};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use std::collections::HashSet;

fn count(l: Option<&Limit>) -> Option<i32> {
    match l {
        Some(Limit::Count(n)) => Some(*n as i32),
        _ => None,
    }
}

/// Columns of the current-state row from a domain ruleset.
fn row(r: &Ruleset, version: i32) -> rulesets::ActiveModel {
    let ch = &r.cardholder;
    let (loc_country, all_of_country) = match &r.locations {
        LocationScope::Country { country } => (Some(country.clone()), true),
        LocationScope::Locations { .. } => (None, false),
    };
    let paid = |p: &Option<access_core::domain::PaidTerms>| {
        (
            p.is_some(),
            p.as_ref().and_then(|p| count(Some(&p.limit))),
            p.as_ref().map(|p| p.price.minor()),
            p.as_ref().map(|p| p.price.currency().code().to_owned()),
        )
    };
    let (ch_paid, ch_paid_count, ch_price, ch_cur) = paid(&ch.paid);
    let (a_paid, a_paid_count, a_price, a_cur) = paid(&r.adults.paid);
    let (c_paid, c_paid_count, c_price, c_cur) = paid(&r.children.paid);
    rulesets::ActiveModel {
        id: Set(r.id.to_string()),
        current_version: Set(version),
        name: Set(r.name.clone()),
        description: Set(r.description.clone()),
        valid_from: Set(r.valid_from.timestamp_millis()),
        valid_to: Set(r.valid_to.map(|t| t.timestamp_millis()).unwrap_or(i64::MAX)),
        issuer_country: Set(r.issuer_country.clone()),
        product_codes: Set(r.product_codes.join(",")),
        rpm: Set(r.rpm),
        enrolled_only: Set(r.enrolled_only),
        total_usage_limit: Set(r.total_usage.map(|t| t.limit as i64)),
        total_usage_period_days: Set(r.total_usage.and_then(|t| t.period_days).map(|d| d as i32)),
        cardholder_free_enabled: Set(ch.free.is_some()),
        cardholder_free_count: Set(count(ch.free.as_ref())),
        cardholder_free_period_days: Set(ch.period_days.map(|d| d as i32)),
        cardholder_per_location_limit: Set(ch.per_location_cap.map(|d| d as i32)),
        cardholder_paid_enabled: Set(ch_paid),
        cardholder_paid_count: Set(ch_paid_count),
        cardholder_price_minor: Set(ch_price),
        cardholder_currency: Set(ch_cur),
        adult_free_enabled: Set(r.adults.free.is_some()),
        adult_free_count: Set(count(r.adults.free.as_ref())),
        adult_paid_enabled: Set(a_paid),
        adult_paid_count: Set(a_paid_count),
        adult_price_minor: Set(a_price),
        adult_currency: Set(a_cur),
        adult_max_per_entry: Set(r.adults.max_per_entry as i32),
        child_free_enabled: Set(r.children.free.is_some()),
        child_free_count: Set(count(r.children.free.as_ref())),
        child_paid_enabled: Set(c_paid),
        child_paid_count: Set(c_paid_count),
        child_price_minor: Set(c_price),
        child_currency: Set(c_cur),
        child_max_per_entry: Set(r.children.max_per_entry as i32),
        child_free_under_age: Set(r.child_free_under_age.map(i32::from)),
        spend_enabled: Set(r.spend.is_some()),
        spend_amount_minor: Set(r.spend.as_ref().map(|s| s.amount.minor())),
        spend_currency: Set(r
            .spend
            .as_ref()
            .map(|s| s.amount.currency().code().to_owned())),
        spend_period_days: Set(r.spend.as_ref().map(|s| s.period_days as i32)),
        spend_mccs: Set(r
            .spend
            .as_ref()
            .map(|s| {
                s.mccs
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()),
        spend_grace_days: Set(r.spend.as_ref().map(|s| s.grace_days as i32)),
        location_country: Set(loc_country),
        all_locations_of_country: Set(all_of_country),
        ..Default::default()
    }
}

/// Save `r` as a new version (creating the ruleset on first save); returns the version.
/// Run inside a transaction: the row, its children and the snapshot change together.
pub async fn save_version<C: ConnectionTrait>(
    db: &C,
    r: &Ruleset,
    tenant_id: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<u32, DbErr> {
    let id = r.id.to_string();
    let existing = rulesets::Entity::find_by_id(id.clone()).one(db).await?;
    let version = existing
        .as_ref()
        .map(|e| e.current_version + 1)
        .unwrap_or(1);
    let mut snapshot = r.clone();
    snapshot.version = version as u32;
    let mut model = row(&snapshot, version);
    model.modified_by = Set(actor.to_owned());
    model.modified_at = Set(now);
    match &existing {
        Some(e) => {
            model.tenant_id = Set(e.tenant_id.clone());
            model.owner_tenant_id = Set(e.owner_tenant_id.clone());
            model.created_by = Set(e.created_by.clone());
            model.created_at = Set(e.created_at);
            model.deleted_at = Set(e.deleted_at);
            model.update(db).await?;
        }
        None => {
            model.tenant_id = Set(tenant_id.map(str::to_owned));
            // The tenant a ruleset is created under owns it (an issuer); none = the platform.
            model.owner_tenant_id = Set(tenant_id.map(str::to_owned));
            model.created_by = Set(actor.to_owned());
            model.created_at = Set(now);
            model.deleted_at = Set(None);
            model.insert(db).await?;
            ruleset_usage::ActiveModel {
                ruleset_id: Set(id.clone()),
                used: Set(0),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    ruleset_bin_ranges::Entity::delete_many()
        .filter(ruleset_bin_ranges::Column::RulesetId.eq(id.clone()))
        .exec(db)
        .await?;
    for b in &r.bin_ranges {
        ruleset_bin_ranges::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            ruleset_id: Set(id.clone()),
            ica: Set(b.ica.clone()),
            bin_from: Set(b.from.clone()),
            bin_to: Set(b.to.clone()),
        }
        .insert(db)
        .await?;
    }
    ruleset_locations::Entity::delete_many()
        .filter(ruleset_locations::Column::RulesetId.eq(id.clone()))
        .exec(db)
        .await?;
    if let LocationScope::Locations { ids } = &r.locations {
        for loc in ids.iter().collect::<HashSet<_>>() {
            ruleset_locations::ActiveModel {
                ruleset_id: Set(id.clone()),
                location_id: Set(loc.to_string()),
            }
            .insert(db)
            .await?;
        }
    }
    ruleset_services::Entity::delete_many()
        .filter(ruleset_services::Column::RulesetId.eq(id.clone()))
        .exec(db)
        .await?;
    for s in r.services.iter().collect::<HashSet<_>>() {
        ruleset_services::ActiveModel {
            ruleset_id: Set(id.clone()),
            service_code: Set(s.clone()),
        }
        .insert(db)
        .await?;
    }
    ruleset_versions::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        ruleset_id: Set(id),
        version: Set(version),
        snapshot_json: Set(serde_json::to_string(&snapshot)
            .map_err(|e| DbErr::Custom(format!("ruleset snapshot: {e}")))?),
        created_by: Set(actor.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(version as u32)
}

fn parse(v: &ruleset_versions::Model) -> Result<Ruleset, DbErr> {
    serde_json::from_str(&v.snapshot_json)
        .map_err(|e| DbErr::Custom(format!("ruleset {} v{}: {e}", v.ruleset_id, v.version)))
}

pub async fn load_version<C: ConnectionTrait>(
    db: &C,
    id: &str,
    version: u32,
) -> Result<Option<Ruleset>, DbErr> {
    ruleset_versions::Entity::find()
        .filter(ruleset_versions::Column::RulesetId.eq(id))
        .filter(ruleset_versions::Column::Version.eq(version as i32))
        .one(db)
        .await?
        .as_ref()
        .map(parse)
        .transpose()
}

/// The current version and row of a ruleset that is not deleted.
pub async fn load_current<C: ConnectionTrait>(
    db: &C,
    id: &str,
) -> Result<Option<(Ruleset, rulesets::Model)>, DbErr> {
    let Some(row) = rulesets::Entity::find_by_id(id.to_owned())
        .filter(rulesets::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(load_version(db, id, row.current_version as u32)
        .await?
        .map(|r| (r, row)))
}

/// Every saved version, newest first (the rule's history).
pub async fn versions<C: ConnectionTrait>(
    db: &C,
    id: &str,
) -> Result<Vec<ruleset_versions::Model>, DbErr> {
    ruleset_versions::Entity::find()
        .filter(ruleset_versions::Column::RulesetId.eq(id))
        .order_by_desc(ruleset_versions::Column::Version)
        .all(db)
        .await
}

pub async fn soft_delete<C: ConnectionTrait>(
    db: &C,
    id: &str,
    actor: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let res = rulesets::Entity::update_many()
        .col_expr(rulesets::Column::DeletedAt, Expr::value(Some(now)))
        .col_expr(rulesets::Column::ModifiedBy, Expr::value(actor))
        .col_expr(rulesets::Column::ModifiedAt, Expr::value(now))
        .filter(rulesets::Column::Id.eq(id))
        .filter(rulesets::Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// `column <= p8 AND column_to || '99' >= p8`: the stored ranges are 6–8 digits of equal
/// length each, `p8` is the card's first 8 digits. Padding `to` with '9's makes one string
/// comparison right for every stored length (see the unit test in the service tests).
pub fn bin_contains<C: ColumnTrait>(from: C, to: C, p8: &str) -> Condition {
    // `||` is string concatenation on both SQLite and PostgreSQL.
    let padded = Expr::col(to.as_column_ref())
        .binary(sea_orm::sea_query::BinOper::Custom("||"), Expr::val("99"));
    Condition::all()
        .add(from.lte(p8))
        .add(Expr::expr(padded).gte(p8))
}

/// [`bin_contains`] in Rust, for rows held in memory: `from <= p8 AND to || '99' >= p8`,
/// compared byte by byte as both databases compare these digit strings.
pub fn bin_range_contains(from: &str, to: &str, p8: &str) -> bool {
    from.as_bytes() <= p8.as_bytes() && to.bytes().chain(*b"99").cmp(p8.bytes()).is_ge()
}

/// A ruleset as [`candidates`] sees it, held in memory by each app server
/// (`service::decision_data`): its current version and what selects it.
#[derive(Debug, Clone)]
pub struct LiveRuleset {
    pub ruleset: Ruleset,
    pub valid_from: i64,
    pub valid_to: i64,
    /// `(bin_from, bin_to)` of its `ruleset_bin_ranges` rows.
    pub bins: Vec<(String, String)>,
}

impl LiveRuleset {
    /// What [`candidates`] asks of a ruleset, for a card's first 8 digits at `now_ms`.
    pub fn selects(&self, p8: &str, now_ms: i64) -> bool {
        self.valid_from <= now_ms
            && self.valid_to > now_ms
            && self
                .bins
                .iter()
                .any(|(from, to)| bin_range_contains(from, to, p8))
    }
}

/// Every ruleset that is not deleted, at its current version, with its BIN ranges (three
/// queries whatever the number of rulesets).
pub async fn all_live<C: ConnectionTrait>(db: &C) -> Result<Vec<LiveRuleset>, DbErr> {
    let rows = rulesets::Entity::find()
        .filter(rulesets::Column::DeletedAt.is_null())
        .all(db)
        .await?;
    let versions = ruleset_versions::Entity::find()
        .from_raw_sql(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT v.* FROM ruleset_versions v JOIN rulesets r \
             ON r.id = v.ruleset_id AND r.current_version = v.version \
             WHERE r.deleted_at IS NULL",
        ))
        .all(db)
        .await?;
    let mut bins: std::collections::HashMap<String, Vec<(String, String)>> = Default::default();
    for b in ruleset_bin_ranges::Entity::find().all(db).await? {
        bins.entry(b.ruleset_id)
            .or_default()
            .push((b.bin_from, b.bin_to));
    }
    let mut snapshots: std::collections::HashMap<String, Ruleset> = Default::default();
    for v in &versions {
        snapshots.insert(v.ruleset_id.clone(), parse(v)?);
    }
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(LiveRuleset {
                ruleset: snapshots.remove(&r.id)?,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
                bins: bins.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect())
}

/// Active, not deleted rulesets with a BIN range containing the card — the engine then
/// checks the rest (ICA, product, country, location, service, validity).
pub async fn candidates<C: ConnectionTrait>(
    db: &C,
    pan: &str,
    now_ms: i64,
) -> Result<Vec<Ruleset>, DbErr> {
    let p8 = &pan[..pan.len().min(8)];
    let ids: Vec<String> = ruleset_bin_ranges::Entity::find()
        .filter(bin_contains(
            ruleset_bin_ranges::Column::BinFrom,
            ruleset_bin_ranges::Column::BinTo,
            p8,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.ruleset_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    current_versions(db, ids, now_ms).await
}

/// Active, not deleted rulesets with a BIN range of `ica` that overlaps the card's leading
/// digits `bin` (an enrolled card keeps 6): the rulesets the card may fall under somewhere.
pub async fn for_card_bin<C: ConnectionTrait>(
    db: &C,
    ica: &str,
    bin: &str,
    now_ms: i64,
) -> Result<Vec<Ruleset>, DbErr> {
    let card = bin.as_bytes();
    let overlaps = |from: &str, to: &str| {
        let (from, to) = (from.as_bytes(), to.as_bytes());
        let n = card.len().min(from.len()).min(to.len());
        n > 0 && from[..n] <= card[..n] && card[..n] <= to[..n]
    };
    // Leading zeros of an ICA don't matter ("0047" is "47"): match every spelling.
    let digits = ica.trim_start_matches('0');
    let spellings: Vec<String> = (0..=11usize.saturating_sub(digits.len()))
        .map(|zeros| format!("{}{digits}", "0".repeat(zeros)))
        .collect();
    let ids: Vec<String> = ruleset_bin_ranges::Entity::find()
        .filter(ruleset_bin_ranges::Column::Ica.is_in(spellings))
        .all(db)
        .await?
        .into_iter()
        .filter(|b| overlaps(&b.bin_from, &b.bin_to))
        .map(|b| b.ruleset_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    current_versions(db, ids, now_ms).await
}

/// The current versions of those of `ids` that are valid at `now_ms` and not deleted.
async fn current_versions<C: ConnectionTrait>(
    db: &C,
    ids: Vec<String>,
    now_ms: i64,
) -> Result<Vec<Ruleset>, DbErr> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows = rulesets::Entity::find()
        .filter(rulesets::Column::Id.is_in(ids))
        .filter(rulesets::Column::DeletedAt.is_null())
        .filter(rulesets::Column::ValidFrom.lte(now_ms))
        .filter(rulesets::Column::ValidTo.gt(now_ms))
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
        .all(db)
        .await?
        .iter()
        .map(parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    #[test]
    fn bin_filter_renders_for_both_backends() {
        let q = ruleset_bin_ranges::Entity::find().filter(bin_contains(
            ruleset_bin_ranges::Column::BinFrom,
            ruleset_bin_ranges::Column::BinTo,
            "54123456",
        ));
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let sql = q.clone().build(backend).to_string();
            assert!(
                sql.ends_with(r#"("ruleset_bin_ranges"."bin_to" || '99') >= '54123456'"#),
                "{sql}"
            );
        }
    }
}
