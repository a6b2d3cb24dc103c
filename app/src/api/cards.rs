use crate::model::{AppError, CardDetail, CardFilter, CardView, Page};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "cards/list")]
pub async fn list_cards(#[server(default)] filter: CardFilter) -> Result<Page<CardView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(crate::backend::service::enrolled_cards::list(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "cards/get")]
pub async fn get_card(id: String) -> Result<CardDetail, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(crate::backend::service::enrolled_cards::get(&b, &p, &id).await?)
}
