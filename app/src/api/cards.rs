use access_core::model::{AppError, CardDetail, CardFilter, CardView, EnrolmentImportReport, Page};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "cards/list")]
pub async fn list_cards(#[server(default)] filter: CardFilter) -> Result<Page<CardView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::enrolled_cards::list(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "cards/get")]
pub async fn get_card(id: String) -> Result<CardDetail, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::enrolled_cards::get(&b, &p, &id).await?)
}

/// Enrolments from a CSV pasted or chosen in the panel (the same import as the REST API's).
#[server(prefix = "/api/fn", endpoint = "cards/import")]
pub async fn import_enrolments(csv: String) -> Result<EnrolmentImportReport, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::enrolments::import_csv(&b, &p, &csv).await?)
}

/// Unenrol a card now; its row and history stay.
#[server(prefix = "/api/fn", endpoint = "cards/unenrol")]
pub async fn unenrol_card(id: String) -> Result<EnrolmentImportReport, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::enrolments::unenrol(&b, &p, &id, None).await?)
}
