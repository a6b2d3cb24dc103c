//! Wire formatting shared by the fleet handlers: RFC 3339 UTC times, prefixed ids.

use access_core::model::Role;
use backend::clock::from_ms;
use backend::entity::processor_mappings;
use backend::service::fleet::details::Actor;
use backend::service::fleet::{ids, processors};
use chrono::SecondsFormat;
use serde::Serialize;
use utoipa::ToSchema;

/// Epoch milliseconds as RFC 3339 UTC (`2025-01-14T16:00:00Z`).
pub fn ts(ms: i64) -> String {
    from_ms(ms).to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn ts_opt(ms: Option<i64>) -> Option<String> {
    ms.map(ts)
}

pub fn id(prefix: &str, bare: &str) -> String {
    ids::wire(prefix, bare)
}

pub fn id_opt(prefix: &str, bare: Option<&str>) -> Option<String> {
    bare.map(|b| ids::wire(prefix, b))
}

/// A user as an actor: `admin_<uuid>` for administrators, `user_<uuid>` for other users,
/// the stored value when the user is unknown.
pub fn actor_id(a: &Actor) -> String {
    match a.role {
        Some(Role::Admin) => id(ids::ADMIN, &a.id),
        Some(_) => id(ids::USER, &a.id),
        None => a.id.clone(),
    }
}

/// A terminal's `processor_id`: `proc_<uuid>` of its primary processor.
pub fn processor_id(code: Option<&str>) -> Option<String> {
    code.map(|c| match processors::by_code(c) {
        Some(p) => id(ids::PROCESSOR, p.id),
        None => c.to_owned(),
    })
}

/// One processor mapping.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mapping {
    /// `map_<uuid>`
    pub id: String,
    pub processor_code: String,
    pub processor_terminal_id: String,
    pub is_primary: bool,
    /// False once soft-deleted.
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<processor_mappings::Model> for Mapping {
    fn from(m: processor_mappings::Model) -> Self {
        Mapping {
            id: id(ids::MAPPING, &m.id),
            processor_code: m.processor_id,
            processor_terminal_id: m.processor_terminal_id,
            is_primary: m.is_primary,
            active: m.deleted_at.is_none(),
            created_at: ts(m.created_at),
            updated_at: ts(m.updated_at),
        }
    }
}
