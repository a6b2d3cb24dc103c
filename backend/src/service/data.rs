//! Reference data: the BIN table (CSV import, list) and FX rates (CSV import, list, edit).
//! Everyone who signs in may read it (`DataView`); Admin and User maintain it (`DataManage`).

use super::super::entity::{bin_ranges, fx_rates};
use super::super::error::{ServiceError, ServiceResult};
use super::super::{audit, Backend, Principal};
use access_core::model::{
    check_rate, paging, parse_bin_csv, parse_fx_csv, BinFilter, BinRangeView, Capability, FxFilter,
    FxRateView, ImportReport, Page,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn bin_view(r: bin_ranges::Model) -> BinRangeView {
    BinRangeView {
        id: r.id,
        bin_from: r.bin_from,
        bin_to: r.bin_to,
        ica: r.ica,
        issuer_name: r.issuer_name,
        issuer_country: r.issuer_country,
        product_code: r.product_code,
        created_at: r.created_at,
    }
}

pub async fn list_bins(
    b: &Backend,
    p: &Principal,
    filter: &BinFilter,
) -> ServiceResult<Page<BinRangeView>> {
    p.require(Capability::DataView)?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let mut q = bin_ranges::Entity::find();
    if let Some(bin) = nonempty(&filter.bin) {
        if !bin.bytes().all(|c| c.is_ascii_digit()) || bin.len() > 8 {
            return Err(ServiceError::field("bin", "up to 8 digits"));
        }
        // A range containing this BIN (compared at the stored length), or starting with it.
        q = q.filter(
            Condition::any()
                .add(bin_ranges::Column::BinFrom.starts_with(bin))
                .add(
                    Condition::all()
                        .add(bin_ranges::Column::BinFrom.lte(bin.to_owned()))
                        .add(bin_ranges::Column::BinTo.gte(bin.to_owned())),
                ),
        );
    }
    if let Some(ica) = nonempty(&filter.ica) {
        q = q.filter(bin_ranges::Column::Ica.eq(ica));
    }
    let total = q.clone().count(&b.db).await?;
    let items = q
        .order_by_asc(bin_ranges::Column::BinFrom)
        .order_by_asc(bin_ranges::Column::Id)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(&b.db)
        .await?
        .into_iter()
        .map(bin_view)
        .collect();
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}

/// Import BIN rows. All or nothing; `replace` first empties the table.
pub async fn import_bins(
    b: &Backend,
    p: &Principal,
    csv: &str,
    replace: bool,
) -> ServiceResult<ImportReport> {
    p.require(Capability::DataManage)?;
    let rows = parse_bin_csv(csv).map_err(ServiceError::Validation)?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    if replace {
        bin_ranges::Entity::delete_many().exec(&txn).await?;
    }
    for r in &rows {
        // The same range of the same ICA again updates it.
        bin_ranges::Entity::delete_many()
            .filter(bin_ranges::Column::BinFrom.eq(r.bin_from.clone()))
            .filter(bin_ranges::Column::BinTo.eq(r.bin_to.clone()))
            .filter(bin_ranges::Column::Ica.eq(r.ica.clone()))
            .exec(&txn)
            .await?;
        bin_ranges::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            bin_from: Set(r.bin_from.clone()),
            bin_to: Set(r.bin_to.clone()),
            ica: Set(r.ica.clone()),
            issuer_name: Set(r.issuer_name.clone()),
            issuer_country: Set(r.issuer_country.clone()),
            product_code: Set(r.product_code.clone()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    record(b, p, "bin_ranges.import", &rows.len().to_string()).await;
    Ok(ImportReport {
        imported: rows.len() as u64,
    })
}

fn fx_view(r: fx_rates::Model) -> FxRateView {
    FxRateView {
        id: r.id,
        rate_date: r.rate_date,
        base_currency: r.base_currency,
        quote_currency: r.quote_currency,
        rate: r.rate,
        updated_at: r.updated_at,
    }
}

pub async fn list_fx(
    b: &Backend,
    p: &Principal,
    filter: &FxFilter,
) -> ServiceResult<Page<FxRateView>> {
    p.require(Capability::DataView)?;
    let (page, page_size) = paging(filter.page, filter.page_size);
    let mut q = fx_rates::Entity::find();
    if let Some(d) = nonempty(&filter.date) {
        q = q.filter(fx_rates::Column::RateDate.eq(d));
    }
    if let Some(c) = nonempty(&filter.currency) {
        let c = c.to_uppercase();
        q = q.filter(
            Condition::any()
                .add(fx_rates::Column::BaseCurrency.eq(c.clone()))
                .add(fx_rates::Column::QuoteCurrency.eq(c)),
        );
    }
    let total = q.clone().count(&b.db).await?;
    let items = q
        .order_by_desc(fx_rates::Column::RateDate)
        .order_by_asc(fx_rates::Column::BaseCurrency)
        .order_by_asc(fx_rates::Column::QuoteCurrency)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .all(&b.db)
        .await?
        .into_iter()
        .map(fx_view)
        .collect();
    Ok(Page {
        items,
        page,
        page_size,
        total,
    })
}

/// Import FX rates; a rate for an existing (date, base, quote) replaces it. All or nothing.
pub async fn import_fx(b: &Backend, p: &Principal, csv: &str) -> ServiceResult<ImportReport> {
    p.require(Capability::DataManage)?;
    let rows = parse_fx_csv(csv).map_err(ServiceError::Validation)?;
    let now = b.now_ms();
    let txn = b.db.begin().await?;
    for r in &rows {
        let existing = fx_rates::Entity::find()
            .filter(fx_rates::Column::RateDate.eq(r.rate_date.clone()))
            .filter(fx_rates::Column::BaseCurrency.eq(r.base_currency.clone()))
            .filter(fx_rates::Column::QuoteCurrency.eq(r.quote_currency.clone()))
            .one(&txn)
            .await?;
        match existing {
            Some(e) => {
                let mut m: fx_rates::ActiveModel = e.into();
                m.rate = Set(r.rate.clone());
                m.updated_at = Set(now);
                m.update(&txn).await?;
            }
            None => {
                fx_rates::ActiveModel {
                    id: Set(uuid::Uuid::new_v4().to_string()),
                    rate_date: Set(r.rate_date.clone()),
                    base_currency: Set(r.base_currency.clone()),
                    quote_currency: Set(r.quote_currency.clone()),
                    rate: Set(r.rate.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    txn.commit().await?;
    record(b, p, "fx_rates.import", &rows.len().to_string()).await;
    Ok(ImportReport {
        imported: rows.len() as u64,
    })
}

pub async fn update_fx(
    b: &Backend,
    p: &Principal,
    id: &str,
    rate: &str,
) -> ServiceResult<FxRateView> {
    p.require(Capability::DataManage)?;
    let rate = check_rate("rate", rate).map_err(|e| ServiceError::Validation(vec![e]))?;
    let existing = fx_rates::Entity::find_by_id(id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut m: fx_rates::ActiveModel = existing.into();
    m.rate = Set(rate);
    m.updated_at = Set(b.now_ms());
    let saved = m.update(&b.db).await?;
    record(b, p, "fx_rates.update", id).await;
    Ok(fx_view(saved))
}

async fn record(b: &Backend, p: &Principal, action: &str, target: &str) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("reference_data"),
            target_id: Some(target),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
}
