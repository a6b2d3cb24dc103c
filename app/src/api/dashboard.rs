use access_core::model::{AppError, DashboardData, DashboardFilter};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "dashboard/data")]
pub async fn get_dashboard(
    #[server(default)] filter: DashboardFilter,
) -> Result<DashboardData, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::dashboard::data(&b, &p, &filter).await?)
}
