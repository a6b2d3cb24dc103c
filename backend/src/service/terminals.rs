//! Terminals as the access-control side sees them: added to a location by serial number,
//! paired with a one-time code, unpaired or deleted. (The fleet API manages the same rows.)

use super::super::entity::{locations, pairing_codes, terminal_events, terminals};
use super::super::error::{ServiceError, ServiceResult};
use super::super::{audit, Backend, Principal};
use super::pairing;
use access_core::model::{Capability, FieldError, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminalView {
    pub id: String,
    pub serial_number: String,
    pub location_id: Option<String>,
    pub pairing_status: String,
    pub status: String,
    pub paired_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairingCode {
    pub serial_number: String,
    pub code: String,
    pub expires_at: i64,
}

fn view(t: terminals::Model) -> TerminalView {
    TerminalView {
        id: t.id,
        serial_number: t.serial_number,
        location_id: t.location_id,
        pairing_status: t.pairing_status,
        status: t.status,
        paired_at: t.paired_at,
        created_at: t.created_at,
    }
}

/// Record a terminal event (pairing, status changes, entries) for the fleet views.
pub async fn event<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
    event_type: &str,
    actor_id: Option<&str>,
    now: i64,
) -> Result<(), sea_orm::DbErr> {
    terminal_events::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(terminal_id.to_owned()),
        event_type: Set(event_type.to_owned()),
        actor_id: Set(actor_id.map(str::to_owned)),
        actor_name: Set(None),
        metadata_json: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// The location, if the caller may act on it with `cap` (own-tenant roles only on theirs).
async fn location_in_scope(
    b: &Backend,
    p: &Principal,
    cap: Capability,
    location_id: &str,
) -> ServiceResult<locations::Model> {
    let scope = p.require(cap)?;
    let loc = locations::Entity::find_by_id(location_id.to_owned())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if scope == Scope::OwnTenant && loc.tenant_id.as_deref() != p.tenant_id.as_deref() {
        // Someone else's location is, for this caller, not there.
        return Err(ServiceError::NotFound);
    }
    Ok(loc)
}

async fn terminal_in_scope(
    b: &Backend,
    p: &Principal,
    cap: Capability,
    serial: &str,
) -> ServiceResult<terminals::Model> {
    let scope = p.require(cap)?;
    let t = terminals::Entity::find()
        .filter(terminals::Column::SerialNumber.eq(serial))
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if scope == Scope::OwnTenant {
        let loc_id = t.location_id.clone().ok_or(ServiceError::NotFound)?;
        location_in_scope(b, p, cap, &loc_id).await?;
    }
    Ok(t)
}

pub async fn list_for_location(
    b: &Backend,
    p: &Principal,
    location_id: &str,
) -> ServiceResult<Vec<TerminalView>> {
    location_in_scope(b, p, Capability::LocationsView, location_id).await?;
    Ok(terminals::Entity::find()
        .filter(terminals::Column::LocationId.eq(location_id))
        .order_by_asc(terminals::Column::SerialNumber)
        .all(&b.db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

pub fn validate_serial(serial: &str) -> Vec<FieldError> {
    let ok = (4..=64).contains(&serial.len())
        && serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        vec![]
    } else {
        vec![FieldError::new(
            "serial_number",
            "4–64 characters: letters, digits, '-', '_' or '.'.",
        )]
    }
}

pub async fn add_to_location(
    b: &Backend,
    p: &Principal,
    location_id: &str,
    serial: &str,
) -> ServiceResult<TerminalView> {
    let loc = location_in_scope(b, p, Capability::LocationsManage, location_id).await?;
    let serial = serial.trim();
    let errors = validate_serial(serial);
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let now = b.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let model = terminals::ActiveModel {
        id: Set(id.clone()),
        serial_number: Set(serial.to_owned()),
        location_id: Set(Some(loc.id.clone())),
        pairing_status: Set("NOT_PAIRED".into()),
        status: Set("active".into()),
        tenant_id: Set(loc.tenant_id.clone()),
        assigned: Set(false),
        settlement_enabled: Set(false),
        activated_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    model.insert(&b.db).await.map_err(|e| {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            // The input is fine; the state is in the way: 409, not 400.
            ServiceError::FieldConflict(FieldError::new(
                "serial_number",
                "A terminal with this serial number already exists.",
            ))
        } else {
            ServiceError::Db(e)
        }
    })?;
    event(&b.db, &id, "terminal_created", Some(&p.user_id), now).await?;
    record(b, p, "terminal.create", serial).await;
    let t = terminals::Entity::find_by_id(id)
        .one(&b.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(view(t))
}

/// Issue a pairing code for an unpaired terminal: shown once, stored hashed, valid 2 h,
/// single use; a new code replaces any earlier unused one.
pub async fn pairing_code(b: &Backend, p: &Principal, serial: &str) -> ServiceResult<PairingCode> {
    let t = terminal_in_scope(b, p, Capability::LocationsManage, serial).await?;
    if t.pairing_status == "PAIRED" {
        return Err(ServiceError::Conflict(
            "The terminal is already paired; unpair it first.".into(),
        ));
    }
    let now = b.now_ms();
    let code = pairing::new_code();
    let expires_at = now + b.settings.pairing_code_ttl_secs * 1000;
    let txn = b.db.begin().await?;
    pairing_codes::Entity::delete_many()
        .filter(pairing_codes::Column::TerminalId.eq(t.id.clone()))
        .filter(pairing_codes::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    pairing_codes::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(t.id.clone()),
        code_hash: Set(pairing::code_hash(b, serial, &code)),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_by: Set(p.user_id.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    record(b, p, "terminal.pairing_code", serial).await;
    Ok(PairingCode {
        serial_number: serial.to_owned(),
        code,
        expires_at,
    })
}

/// Drop the terminal's key: it must pair again before it can call the POS API.
pub async fn unpair(b: &Backend, p: &Principal, serial: &str) -> ServiceResult<TerminalView> {
    let t = terminal_in_scope(b, p, Capability::LocationsManage, serial).await?;
    let now = b.now_ms();
    let id = t.id.clone();
    let mut m: terminals::ActiveModel = t.into();
    m.pairing_status = Set("NOT_PAIRED".into());
    m.public_key_der = Set(None);
    m.paired_at = Set(None);
    m.updated_at = Set(now);
    let t = m.update(&b.db).await?;
    event(&b.db, &id, "terminal_unpaired", Some(&p.user_id), now).await?;
    record(b, p, "terminal.unpair", serial).await;
    Ok(view(t))
}

/// Move a terminal to another location (`Some`), or unassign it from any (`None`): its next
/// check answers `UNKNOWN_DEVICE` until it is assigned again. Its key and pairing stay, so a
/// moved terminal works at once at its new location; its earlier operations keep theirs.
/// A scoped caller moves only between its own tenant's locations.
pub async fn move_to(
    b: &Backend,
    p: &Principal,
    serial: &str,
    location_id: Option<&str>,
) -> ServiceResult<TerminalView> {
    let t = terminal_in_scope(b, p, Capability::LocationsManage, serial).await?;
    if let Some(l) = location_id {
        location_in_scope(b, p, Capability::LocationsManage, l)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound => ServiceError::field("location_id", "Unknown location."),
                e => e,
            })?;
    }
    let now = b.now_ms();
    let id = t.id.clone();
    let mut m: terminals::ActiveModel = t.into();
    m.location_id = Set(location_id.map(str::to_owned));
    m.updated_at = Set(now);
    let t = m.update(&b.db).await?;
    let kind = if location_id.is_some() {
        "terminal_moved"
    } else {
        "terminal_unassigned"
    };
    event(&b.db, &id, kind, Some(&p.user_id), now).await?;
    record(b, p, "terminal.move", serial).await;
    Ok(view(t))
}

pub async fn delete(b: &Backend, p: &Principal, serial: &str) -> ServiceResult<()> {
    let t = terminal_in_scope(b, p, Capability::LocationsManage, serial).await?;
    terminals::Entity::delete_by_id(t.id).exec(&b.db).await?;
    record(b, p, "terminal.delete", serial).await;
    Ok(())
}

/// What the POS authentication needs about a terminal, looked up on every request so that a
/// status change or unpairing takes effect at once on every app server.
pub async fn for_pos_auth(b: &Backend, serial: &str) -> ServiceResult<Option<terminals::Model>> {
    Ok(terminals::Entity::find()
        .filter(terminals::Column::SerialNumber.eq(serial))
        .one(&b.db)
        .await?)
}

async fn record(b: &Backend, p: &Principal, action: &str, serial: &str) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some("terminal"),
            target_id: Some(serial),
            outcome: "success",
            detail: None,
            client_addr: None,
        },
    )
    .await;
}
