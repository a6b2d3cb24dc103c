use access_core::model::{AppError, AuditEntryView, AuditFilter, Page};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "audit/list")]
pub async fn list_audit(
    #[server(default)] filter: AuditFilter,
) -> Result<Page<AuditEntryView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::audit_log::list(&b, &p, &filter).await?)
}
