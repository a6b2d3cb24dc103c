//! Shared pieces of the fleet services: the gate, terminal lookup and locking, events, audit.

use super::super::super::entity::{terminal_events, terminals};
use super::super::super::{audit, Backend, Principal};
use super::error::{FleetError, FleetResult};
use super::ids;
use access_core::model::Capability;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// The fleet API is for the Admin role only.
pub fn require(p: &Principal) -> FleetResult<()> {
    p.require(Capability::FleetApi)?;
    Ok(())
}

/// The fleet status of a terminal (the seed's "Terminal Status" table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::VariantArray)]
pub enum TerminalStatus {
    Active,
    Inactive,
    Suspended,
    Blocked,
}

impl TerminalStatus {
    /// Every variant, from the derive: a new variant cannot be missing here.
    pub const ALL: &'static [TerminalStatus] = <TerminalStatus as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        match self {
            TerminalStatus::Active => "active",
            TerminalStatus::Inactive => "inactive",
            TerminalStatus::Suspended => "suspended",
            TerminalStatus::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s.trim())
    }

    /// The event recorded when a terminal enters this status.
    pub fn event_type(self) -> &'static str {
        match self {
            TerminalStatus::Active => "terminal_activated",
            TerminalStatus::Inactive => "terminal_deactivated",
            TerminalStatus::Suspended => "terminal_suspended",
            TerminalStatus::Blocked => "terminal_blocked",
        }
    }
}

/// Event types that change the fleet status; their metadata holds `{"from", "to"}`, which is
/// how metrics reconstruct a terminal's status at a past instant.
pub const STATUS_EVENTS: [&str; 4] = [
    "terminal_activated",
    "terminal_deactivated",
    "terminal_suspended",
    "terminal_blocked",
];

/// The terminal named by a wire or bare id, or `terminal_not_found`.
pub async fn find_terminal<C: ConnectionTrait>(
    db: &C,
    raw_id: &str,
) -> FleetResult<terminals::Model> {
    let id = ids::parse(raw_id, ids::TERMINAL).ok_or(FleetError::TerminalNotFound)?;
    terminals::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(FleetError::TerminalNotFound)
}

/// Lock the terminal row for the rest of the transaction: a no-op write as the transaction's
/// first statement (PostgreSQL: row lock; SQLite: the database write lock, taken before any
/// read so the transaction can never fail to upgrade). `terminal_not_found` if it is gone.
pub async fn lock_terminal<C: ConnectionTrait>(db: &C, id: &str) -> FleetResult<()> {
    let res = terminals::Entity::update_many()
        .col_expr(
            terminals::Column::UpdatedAt,
            Expr::col(terminals::Column::UpdatedAt).into(),
        )
        .filter(terminals::Column::Id.eq(id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(FleetError::TerminalNotFound);
    }
    Ok(())
}

/// Touch the terminal's `updated_at` (its fleet record changed).
pub async fn touch_terminal<C: ConnectionTrait>(db: &C, id: &str, now: i64) -> FleetResult<()> {
    terminals::Entity::update_many()
        .col_expr(terminals::Column::UpdatedAt, Expr::value(now))
        .filter(terminals::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Record a terminal event with optional metadata (shown by `include_events`).
pub async fn record_event<C: ConnectionTrait>(
    db: &C,
    terminal_id: &str,
    event_type: &str,
    p: &Principal,
    metadata: Option<serde_json::Value>,
    now: i64,
) -> FleetResult<()> {
    terminal_events::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        terminal_id: Set(terminal_id.to_owned()),
        event_type: Set(event_type.to_owned()),
        actor_id: Set(Some(p.user_id.clone())),
        actor_name: Set(None),
        metadata_json: Set(metadata.map(|m| m.to_string())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Audit a fleet change (after it committed).
pub async fn audit(
    b: &Backend,
    p: &Principal,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: Option<serde_json::Value>,
) {
    audit::record(
        &b.db,
        b.now_ms(),
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action,
            target_type: Some(target_type),
            target_id: Some(target_id),
            outcome: "success",
            detail,
            client_addr: None,
        },
    )
    .await;
}

/// A JSON text column as a value (`None` when empty or not JSON).
pub fn json_of(text: Option<&str>) -> Option<serde_json::Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// `%text%` for a case-insensitive `LIKE ... ESCAPE '\'` against a lower-cased column.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Optional free text: trimmed, empty as `None`, at most `max` characters.
pub fn opt_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<access_core::model::FieldError>,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(access_core::model::FieldError::new(
            field,
            format!("At most {max} characters."),
        ));
        return None;
    }
    Some(v.to_owned())
}

/// A JSON object of bounded size, as stored text.
pub fn json_object(
    field: &str,
    value: &serde_json::Value,
    max_bytes: usize,
    errors: &mut Vec<access_core::model::FieldError>,
) -> Option<String> {
    if !value.is_object() {
        errors.push(access_core::model::FieldError::new(
            field,
            "Must be a JSON object.",
        ));
        return None;
    }
    let text = value.to_string();
    if text.len() > max_bytes {
        errors.push(access_core::model::FieldError::new(
            field,
            format!("At most {max_bytes} bytes."),
        ));
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("Ab%_\\"), "%ab\\%\\_\\\\%");
    }

    #[test]
    fn status_round_trip() {
        for &s in TerminalStatus::ALL {
            assert_eq!(TerminalStatus::parse(s.as_str()), Some(s));
            assert!(STATUS_EVENTS.contains(&s.event_type()));
        }
        assert_eq!(TerminalStatus::parse("ACTIVE"), None);
    }
}
