//! Server functions of the POS messages screen (Admin only).

use access_core::model::{AppError, PosMessageFilter, PosMessagePreview, PosMessageView};
#[cfg(feature = "ssr")]
use backend::service::pos_messages;
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "pos-messages/list")]
pub async fn list_pos_messages(
    #[server(default)] filter: PosMessageFilter,
) -> Result<Vec<PosMessageView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(pos_messages::list(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "pos-messages/update")]
pub async fn update_pos_message(
    language: String,
    code: String,
    message: String,
) -> Result<PosMessageView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(pos_messages::update(&b, &p, &language, &code, &message).await?)
}

#[server(prefix = "/api/fn", endpoint = "pos-messages/reset")]
pub async fn reset_pos_message(language: String, code: String) -> Result<PosMessageView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(pos_messages::reset(&b, &p, &language, &code).await?)
}

#[server(prefix = "/api/fn", endpoint = "pos-messages/preview")]
pub async fn preview_pos_message(
    code: String,
    accept_language: String,
) -> Result<PosMessagePreview, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(pos_messages::preview(&b, &p, &code, &accept_language).await?)
}
