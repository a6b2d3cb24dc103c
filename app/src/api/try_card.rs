//! Server function of the "Try a card" box (rule and location details).

use access_core::model::{AppError, TryCardInput, TryCardResult};
use leptos::prelude::*;

/// The real engine for a test card at a location and time, explained; records nothing.
#[server(prefix = "/api/fn", endpoint = "try_card")]
pub async fn try_card(input: TryCardInput) -> Result<TryCardResult, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::try_card::try_card(&b, &p, &input).await?)
}
