//! Server functions of the Rules screens.

use access_core::model::rules_form::FormMap;
use access_core::model::{
    AppError, LocationView, Page, RulesetDetail, RulesetFilter, RulesetSummary,
};
#[cfg(feature = "ssr")]
use backend::service::{locations, rulesets};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "rules/list")]
pub async fn list_rulesets(
    #[server(default)] filter: RulesetFilter,
) -> Result<Page<RulesetSummary>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(rulesets::list(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "rules/get")]
pub async fn get_ruleset(id: String) -> Result<RulesetDetail, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(rulesets::get(&b, &p, &id).await?)
}

/// The locations the form offers (every one the caller can see).
#[server(prefix = "/api/fn", endpoint = "rules/locations")]
pub async fn rule_locations() -> Result<Vec<LocationView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let filter = access_core::model::LocationFilter {
        page_size: Some(200),
        ..Default::default()
    };
    Ok(locations::list(&b, &p, &filter).await?.items)
}

/// Create (`id` empty) or edit (a new version) from the flat form fields `f[...]`.
#[server(prefix = "/api/fn", endpoint = "rules/save")]
pub async fn save_ruleset(id: Option<String>, f: FormMap) -> Result<RulesetDetail, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let draft =
        access_core::model::rules_form::draft_from_form(&f).map_err(AppError::Validation)?;
    let saved = match id.filter(|i| !i.is_empty()) {
        Some(id) => rulesets::update(&b, &p, &id, &draft).await?,
        None => rulesets::create(&b, &p, &draft).await?,
    };
    leptos_axum::redirect(&format!("/rules/{}?done=rule-saved", saved.summary.id));
    Ok(saved)
}

#[server(prefix = "/api/fn", endpoint = "rules/delete")]
pub async fn delete_ruleset(id: String) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    rulesets::delete(&b, &p, &id).await?;
    leptos_axum::redirect("/rules?done=rule-deleted");
    Ok(())
}
