//! Which zone a view over operations uses, and the zone list the location form offers.

use super::super::entity::locations;
use super::super::error::{ServiceError, ServiceResult};
use super::super::tz::{self, Tz};
use super::super::{Backend, Principal};
use sea_orm::{EntityTrait, QuerySelect};

/// The zone of a view (README "Time zones"): the zone of the one location it is filtered to;
/// else the viewer's `tz`; else UTC. A `tz` that is not an IANA zone is refused (field `tz`).
pub async fn view_zone(
    b: &Backend,
    location_id: Option<&str>,
    viewer_tz: Option<&str>,
) -> ServiceResult<Tz> {
    if let Some(id) = location_id.map(str::trim).filter(|s| !s.is_empty()) {
        let zone: Option<String> = locations::Entity::find_by_id(id.to_owned())
            .select_only()
            .column(locations::Column::TimeZone)
            .into_tuple()
            .one(&b.db)
            .await?;
        // A stored zone always parses (it was checked when saved); UTC stands in otherwise.
        return Ok(zone.as_deref().and_then(tz::parse).unwrap_or(Tz::UTC));
    }
    match viewer_tz.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Tz::UTC),
        Some(name) => tz::parse(name)
            .ok_or_else(|| ServiceError::field("tz", "An IANA time zone, e.g. Europe/Warsaw.")),
    }
}

/// The IANA zones a location may choose (any signed-in user may ask: it is public data).
pub fn names(_p: &Principal) -> Vec<String> {
    tz::zone_names().into_iter().map(str::to_owned).collect()
}

/// The zone a new location in `country` gets when none is chosen.
pub fn default_for_country(country: &str) -> String {
    tz::default_for_country(country).to_owned()
}
