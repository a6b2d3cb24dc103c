//! Server functions of the reference-data screen (BIN table, FX rates).

use access_core::model::{
    AppError, BinFilter, BinRangeView, FxFilter, FxRateView, ImportReport, Page,
};
#[cfg(feature = "ssr")]
use backend::service::data;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "data/bins")]
pub async fn list_bins(
    #[server(default)] filter: BinFilter,
) -> Result<Page<BinRangeView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(data::list_bins(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "data/fx")]
pub async fn list_fx(#[server(default)] filter: FxFilter) -> Result<Page<FxRateView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(data::list_fx(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "data/import-bins")]
pub async fn import_bins(csv: String, replace: Option<String>) -> Result<ImportReport, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let r = data::import_bins(&b, &p, &csv, replace.is_some_and(|v| !v.is_empty())).await?;
    leptos_axum::redirect("/data?done=bins-imported");
    Ok(r)
}

#[server(prefix = "/api/fn", endpoint = "data/import-fx")]
pub async fn import_fx(csv: String) -> Result<ImportReport, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let r = data::import_fx(&b, &p, &csv).await?;
    leptos_axum::redirect("/data?done=fx-imported");
    Ok(r)
}

#[server(prefix = "/api/fn", endpoint = "data/update-fx")]
pub async fn update_fx(id: String, rate: String) -> Result<FxRateView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(data::update_fx(&b, &p, &id, &rate).await?)
}
