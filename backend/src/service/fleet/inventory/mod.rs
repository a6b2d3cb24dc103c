//! The terminal-ID inventory: processor-issued IDs, imported in batches, reserved for a
//! terminal (for [`RESERVATION_TTL_MS`]), assigned (which creates the processor mapping),
//! released back to the pool, or retired for good.
//!
//! | from \ to | available | reserved | assigned | retired |
//! |---|---|---|---|---|
//! | available | – | reserve | – (assign needs a reservation) | retire |
//! | reserved | release, expiry | – | assign | `invalid_transition` |
//! | assigned | release | – | – | `currently_assigned` |
//! | retired | `invalid_transition` | never | `not_reserved` | `invalid_transition` |
//!
//! Every transition is a conditional `UPDATE ... WHERE status = <expected>` checked by rows
//! affected, so two app servers can never both win one ID. An expired reservation counts as
//! available everywhere; it is written back as `available` lazily (listing, reserving) and
//! keeps `reserved_by`/`reserved_until`, so assigning it still answers `reservation_expired`.

use super::super::super::entity::terminal_id_inventory as inv;
use super::error::{FleetError, FleetResult};
use super::ids;
use super::processors::{self, Processor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

mod pool;
mod release;
mod reserve;

pub use pool::{import, list, ImportInput, ImportResult, InventoryPage, InventoryQuery};
pub use release::{release, release_for_mapping_locked, retire, RetireInput};
pub use reserve::{assign, reserve, ReserveInput};

/// How long a reservation holds an ID.
pub const RESERVATION_TTL_MS: i64 = 60 * 60 * 1000;
/// The most IDs one import may carry.
pub const MAX_IMPORT: usize = 10_000;
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

pub const AVAILABLE: &str = "available";
pub const RESERVED: &str = "reserved";
pub const ASSIGNED: &str = "assigned";
pub const RETIRED: &str = "retired";

/// The status as callers see it: a lapsed reservation is available.
pub fn effective_status(m: &inv::Model, now: i64) -> &str {
    if m.status == RESERVED && m.reserved_until.is_none_or(|u| u <= now) {
        AVAILABLE
    } else {
        m.status.as_str()
    }
}

/// Rows that may be taken now: available, or reserved with the reservation lapsed.
fn takeable(now: i64) -> Condition {
    Condition::any().add(inv::Column::Status.eq(AVAILABLE)).add(
        Condition::all()
            .add(inv::Column::Status.eq(RESERVED))
            .add(inv::Column::ReservedUntil.lte(now)),
    )
}

/// Write lapsed reservations of a processor back as `available` (reservation fields kept).
async fn sweep_expired<C: ConnectionTrait>(db: &C, processor: &str, now: i64) -> FleetResult<()> {
    inv::Entity::update_many()
        .col_expr(inv::Column::Status, Expr::value(AVAILABLE))
        .col_expr(inv::Column::UpdatedAt, Expr::value(now))
        .filter(inv::Column::ProcessorId.eq(processor))
        .filter(inv::Column::Status.eq(RESERVED))
        .filter(inv::Column::ReservedUntil.lte(now))
        .exec(db)
        .await?;
    Ok(())
}

/// The processor a path names.
fn processor_of(raw: &str) -> FleetResult<&'static Processor> {
    processors::find(raw).ok_or(FleetError::ProcessorNotFound)
}

async fn item<C: ConnectionTrait>(db: &C, raw_id: &str) -> FleetResult<inv::Model> {
    let id = ids::parse(raw_id, ids::INVENTORY).ok_or(FleetError::InventoryNotFound)?;
    inv::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(FleetError::InventoryNotFound)
}

#[cfg(test)]
mod tests {
    use super::reserve::assign_refusal;
    use super::*;

    fn row(status: &str, reserved_by: Option<&str>, until: Option<i64>) -> inv::Model {
        inv::Model {
            id: "i".into(),
            processor_id: "nibss".into(),
            terminal_code: "2070LA01".into(),
            status: status.into(),
            reserved_by: reserved_by.map(str::to_owned),
            reserved_at: None,
            reserved_until: until,
            assigned_terminal_id: None,
            assigned_at: None,
            mapping_id: None,
            batch_id: None,
            notes: None,
            released_at: None,
            retired_at: None,
            retired_reason: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn lapsed_reservation_is_available() {
        assert_eq!(
            effective_status(&row("reserved", Some("t"), Some(10)), 10),
            "available"
        );
        assert_eq!(
            effective_status(&row("reserved", Some("t"), Some(11)), 10),
            "reserved"
        );
        assert_eq!(
            effective_status(&row("assigned", None, None), 10),
            "assigned"
        );
    }

    #[test]
    fn assign_refusals() {
        let live = row("reserved", Some("t"), Some(100));
        assert!(assign_refusal(&live, "t", 50).is_none());
        assert!(matches!(
            assign_refusal(&live, "u", 50),
            Some(FleetError::NotReserved)
        ));
        assert!(matches!(
            assign_refusal(&live, "t", 100),
            Some(FleetError::ReservationExpired)
        ));
        let swept = row("available", Some("t"), Some(100));
        assert!(matches!(
            assign_refusal(&swept, "t", 200),
            Some(FleetError::ReservationExpired)
        ));
        assert!(matches!(
            assign_refusal(&row("available", None, None), "t", 0),
            Some(FleetError::NotReserved)
        ));
        assert!(matches!(
            assign_refusal(&row("retired", None, None), "t", 0),
            Some(FleetError::NotReserved)
        ));
    }
}
