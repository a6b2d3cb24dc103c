//! Server functions of the Locations screens (and their terminals). Form fields arrive flat,
//! one argument each, so the forms post before WASM loads.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use access_core::model::LocationInput;
use access_core::model::{
    AppError, LocationFilter, LocationView, OccupancyView, Page, ServiceView,
};
#[cfg(feature = "ssr")]
use backend::service::{capacity, locations, terminals};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A terminal as the location screen lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalRow {
    pub serial_number: String,
    pub pairing_status: String,
    pub status: String,
    pub paired_at: Option<i64>,
}

/// A freshly issued pairing code (shown once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCode {
    pub serial_number: String,
    pub code: String,
    pub expires_at: i64,
}

#[server(prefix = "/api/fn", endpoint = "locations/list")]
pub async fn list_locations(
    #[server(default)] filter: LocationFilter,
) -> Result<Page<LocationView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(locations::list(&b, &p, &filter).await?)
}

/// The IANA zones the location form offers (the server's list: the browser bundles no zone
/// database).
#[server(prefix = "/api/fn", endpoint = "locations/time_zones")]
pub async fn list_time_zones() -> Result<Vec<String>, AppError> {
    let (_b, p) = super::ctx::principal().await?;
    Ok(backend::service::zones::names(&p))
}

#[server(prefix = "/api/fn", endpoint = "locations/get")]
pub async fn get_location(id: String) -> Result<LocationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(locations::get(&b, &p, &id).await?)
}

/// The location's live occupancy now (people in, seats held, capacity).
#[server(prefix = "/api/fn", endpoint = "locations/occupancy")]
pub async fn location_occupancy(id: String) -> Result<OccupancyView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(capacity::view(&b, &p, &id).await?)
}

#[server(prefix = "/api/fn", endpoint = "locations/services")]
pub async fn list_services() -> Result<Vec<ServiceView>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(locations::services(&b, &p).await?)
}

#[server(prefix = "/api/fn", endpoint = "locations/terminals")]
pub async fn list_terminals(location_id: String) -> Result<Vec<TerminalRow>, AppError> {
    let (b, p) = super::ctx::principal().await?;
    Ok(terminals::list_for_location(&b, &p, &location_id)
        .await?
        .into_iter()
        .map(|t| TerminalRow {
            serial_number: t.serial_number,
            pairing_status: t.pairing_status,
            status: t.status,
            paired_at: t.paired_at,
        })
        .collect())
}

#[server(prefix = "/api/fn", endpoint = "locations/create")]
pub async fn create_location(
    name: String,
    country: String,
    service_code: String,
    postal_code: String,
    city: String,
    address: Option<String>,
    cooldown_minutes: Option<String>,
    capacity: Option<String>,
    stay_minutes: Option<String>,
    time_zone: Option<String>,
    offline_allowed: Option<String>,
    offline_max_per_card_per_day: Option<String>,
    tenant_id: Option<String>,
) -> Result<LocationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let input = LocationInput {
        name,
        country,
        service_code,
        postal_code,
        city,
        address,
        cooldown_minutes,
        capacity,
        stay_minutes,
        time_zone,
        offline_allowed,
        offline_max_per_card_per_day,
        tenant_id,
    };
    let loc = locations::create(&b, &p, &input).await?;
    leptos_axum::redirect(&format!("/locations/{}?done=location-created", loc.id));
    Ok(loc)
}

#[server(prefix = "/api/fn", endpoint = "locations/update")]
pub async fn update_location(
    id: String,
    name: String,
    country: String,
    service_code: String,
    postal_code: String,
    city: String,
    address: Option<String>,
    cooldown_minutes: Option<String>,
    capacity: Option<String>,
    stay_minutes: Option<String>,
    time_zone: Option<String>,
    offline_allowed: Option<String>,
    offline_max_per_card_per_day: Option<String>,
    tenant_id: Option<String>,
) -> Result<LocationView, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let input = LocationInput {
        name,
        country,
        service_code,
        postal_code,
        city,
        address,
        cooldown_minutes,
        capacity,
        stay_minutes,
        time_zone,
        offline_allowed,
        offline_max_per_card_per_day,
        tenant_id,
    };
    let loc = locations::update(&b, &p, &id, &input).await?;
    leptos_axum::redirect(&format!("/locations/{}?done=location-updated", loc.id));
    Ok(loc)
}

#[server(prefix = "/api/fn", endpoint = "locations/delete")]
pub async fn delete_location(id: String) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    locations::delete(&b, &p, &id).await?;
    leptos_axum::redirect("/locations?done=location-deleted");
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "locations/add-terminal")]
pub async fn add_terminal(location_id: String, serial_number: String) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    terminals::add_to_location(&b, &p, &location_id, &serial_number).await?;
    leptos_axum::redirect(&format!("/locations/{location_id}?done=terminal-added"));
    Ok(())
}

/// No redirect: the code is shown once, in the page that asked for it.
#[server(prefix = "/api/fn", endpoint = "locations/pairing-code")]
pub async fn issue_pairing_code(serial_number: String) -> Result<IssuedCode, AppError> {
    let (b, p) = super::ctx::principal().await?;
    let c = terminals::pairing_code(&b, &p, &serial_number).await?;
    Ok(IssuedCode {
        serial_number: c.serial_number,
        code: c.code,
        expires_at: c.expires_at,
    })
}

#[server(prefix = "/api/fn", endpoint = "locations/unpair")]
pub async fn unpair_terminal(location_id: String, serial_number: String) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    terminals::unpair(&b, &p, &serial_number).await?;
    leptos_axum::redirect(&format!("/locations/{location_id}?done=terminal-unpaired"));
    Ok(())
}

/// Move a terminal from `location_id` to `to` (another location's id), or unassign it from
/// any location when `to` is empty; back to the location it was at.
#[server(prefix = "/api/fn", endpoint = "locations/move-terminal")]
pub async fn move_terminal(
    location_id: String,
    serial_number: String,
    to: Option<String>,
) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    let to = to.as_deref().map(str::trim).filter(|s| !s.is_empty());
    terminals::move_to(&b, &p, &serial_number, to).await?;
    leptos_axum::redirect(&format!("/locations/{location_id}?done=terminal-moved"));
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "locations/delete-terminal")]
pub async fn delete_terminal(location_id: String, serial_number: String) -> Result<(), AppError> {
    let (b, p) = super::ctx::principal().await?;
    terminals::delete(&b, &p, &serial_number).await?;
    leptos_axum::redirect(&format!("/locations/{location_id}?done=terminal-deleted"));
    Ok(())
}
