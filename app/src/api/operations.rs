use access_core::model::{
    AppError, CardTransactionView, LocationOption, OperationDetail, OperationFilter, OperationView,
    Page, RuleVersionView,
};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "operations/list")]
pub async fn list_operations(
    #[server(default)] filter: OperationFilter,
) -> Result<Page<OperationView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::operations::list(&b, &p, &filter).await?)
}

#[server(prefix = "/api/fn", endpoint = "operations/get")]
pub async fn get_operation(id: String) -> Result<OperationDetail, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::operations::get(&b, &p, &id).await?)
}

#[server(prefix = "/api/fn", endpoint = "operations/rule")]
pub async fn operation_rule(id: String) -> Result<RuleVersionView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::operations::rule(&b, &p, &id).await?)
}

#[server(prefix = "/api/fn", endpoint = "operations/transactions")]
pub async fn operation_transactions(id: String) -> Result<Vec<CardTransactionView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::operations::transactions(&b, &p, &id).await?)
}

#[server(prefix = "/api/fn", endpoint = "operations/locations")]
pub async fn operation_locations() -> Result<Vec<LocationOption>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::operations::locations(&b, &p).await?)
}

#[server(prefix = "/api/fn", endpoint = "operations/reverse")]
pub async fn reverse_operation(
    id: String,
    reason: Option<String>,
) -> Result<OperationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    // The panel asks why (the REST API leaves it optional for integrations): a reversal gives a
    // visit back and voids or refunds money, and the audit trail should say why.
    if reason
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .is_empty()
    {
        return Err(AppError::Validation(vec![
            access_core::model::FieldError::new("reason", "Say why the entry is reversed."),
        ]));
    }
    Ok(backend::service::operations::reverse(&b, &p, &id, reason).await?)
}
