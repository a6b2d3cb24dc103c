//! The Organisations screen's server functions.

use access_core::model::{AppError, OrgLocation, OrganisationView};
use leptos::prelude::*;

#[server(prefix = "/api/fn", endpoint = "tenants/list")]
pub async fn list_organisations() -> Result<Vec<OrganisationView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::tenants::list(&b, &p).await?)
}

#[server(prefix = "/api/fn", endpoint = "tenants/get")]
pub async fn get_organisation(id: String) -> Result<OrganisationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::tenants::get(&b, &p, &id).await?)
}

/// Form fields arrive flat; `icas` is one text field (commas, spaces or new lines).
#[server(prefix = "/api/fn", endpoint = "tenants/create")]
pub async fn create_organisation(
    name: String,
    kind: String,
    #[server(default)] icas: String,
) -> Result<OrganisationView, AppError> {
    use access_core::model::{split_icas, OrganisationInput};
    let (b, p) = super::ctx::principal().await?;
    let input = OrganisationInput {
        name,
        kind,
        icas: split_icas(&icas),
    };
    let org = backend::service::tenants::create(&b, &p, &input).await?;
    leptos_axum::redirect(&format!(
        "/organisations/{}?done=organisation-created",
        org.id
    ));
    Ok(org)
}

#[server(prefix = "/api/fn", endpoint = "tenants/update")]
pub async fn update_organisation(
    id: String,
    name: String,
    #[server(default)] icas: String,
) -> Result<OrganisationView, AppError> {
    use access_core::model::{split_icas, OrganisationInput};
    let (b, p) = super::ctx::principal().await?;
    let input = OrganisationInput {
        name,
        kind: String::new(),
        icas: split_icas(&icas),
    };
    Ok(backend::service::tenants::update(&b, &p, &id, &input).await?)
}

/// `active` = "true" / "false", as the form posts it.
#[server(prefix = "/api/fn", endpoint = "tenants/active")]
pub async fn set_organisation_active(
    id: String,
    active: String,
) -> Result<OrganisationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::tenants::set_active(&b, &p, &id, active == "true").await?)
}

#[server(prefix = "/api/fn", endpoint = "tenants/assign-location")]
pub async fn assign_location(
    id: String,
    location_id: String,
) -> Result<OrganisationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::tenants::assign_location(&b, &p, &id, &location_id).await?)
}

#[server(prefix = "/api/fn", endpoint = "tenants/unassign-location")]
pub async fn unassign_location(
    id: String,
    location_id: String,
) -> Result<OrganisationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::tenants::unassign_location(&b, &p, &id, &location_id).await?)
}

#[server(prefix = "/api/fn", endpoint = "tenants/unassigned-locations")]
pub async fn unassigned_locations() -> Result<Vec<OrgLocation>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(backend::service::tenants::unassigned_locations(&b, &p).await?)
}
