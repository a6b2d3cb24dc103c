//! `GET /api/v1/admin/pos-terminals/{terminalID}`: one terminal with its current assignment
//! and, on request, assignment history, the last 25 events, effective configuration and
//! processor mappings.

use super::super::super::entity::{
    processor_mappings, terminal_assignments, terminal_events, terminals, users,
};
use super::super::super::{Backend, Principal};
use super::error::FleetResult;
use super::support;
use access_core::model::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{json, Value};
use std::collections::HashMap;

/// How many events `include_events` shows.
pub const EVENTS_SHOWN: u64 = 25;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailInclude {
    pub assignments: bool,
    pub events: bool,
    pub config: bool,
    pub processors: bool,
}

/// Who did something: a user of the panel/API (name and role when the user still exists).
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub id: String,
    pub name: Option<String>,
    pub role: Option<Role>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub row: terminal_assignments::Model,
    pub assigned_by: Actor,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_type: String,
    pub at: i64,
    pub actor: Option<Actor>,
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TerminalDetails {
    pub terminal: terminals::Model,
    pub tenant_name: Option<String>,
    pub current_assignment: Option<Assignment>,
    /// Newest first; `Some` when requested.
    pub assignments: Option<Vec<Assignment>>,
    /// The last [`EVENTS_SHOWN`], oldest first; `Some` when requested.
    pub events: Option<Vec<Event>>,
    pub effective_config: Option<Value>,
    /// Every mapping, deleted ones too (`deleted_at`); `Some` when requested.
    pub processors: Option<Vec<processor_mappings::Model>>,
}

/// Platform defaults under a terminal's own `config_json` and columns.
pub fn effective_config(t: &terminals::Model) -> Value {
    let mut cfg = json!({
        "settlement_frequency": "end_of_day",
        "settlement_enabled": false,
        "max_transaction_amount": 5_000_000,
        "allowed_channels": ["card_processor", "nfc_purchase"],
        "fee_bps": 0,
    });
    if let (Some(Value::Object(own)), Some(obj)) = (
        support::json_of(t.config_json.as_deref()),
        cfg.as_object_mut(),
    ) {
        for (k, v) in own {
            obj.insert(k, v);
        }
    }
    if let Some(obj) = cfg.as_object_mut() {
        if let Some(f) = &t.settlement_frequency {
            obj.insert("settlement_frequency".into(), json!(f));
        }
        obj.insert("settlement_enabled".into(), json!(t.settlement_enabled));
    }
    cfg
}

/// Users by id, for naming actors.
pub async fn actors(
    b: &Backend,
    ids: impl Iterator<Item = String>,
) -> FleetResult<HashMap<String, Actor>> {
    let mut ids: Vec<String> = ids.collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(&b.db)
        .await?
        .into_iter()
        .map(|u| {
            let actor = Actor {
                id: u.id.clone(),
                name: Some(
                    format!("{} {}", u.first_name, u.last_name)
                        .trim()
                        .to_owned(),
                ),
                role: Role::parse(&u.role),
            };
            (u.id, actor)
        })
        .collect())
}

fn actor_of(known: &HashMap<String, Actor>, id: &str, name: Option<String>) -> Actor {
    known.get(id).cloned().unwrap_or(Actor {
        id: id.to_owned(),
        name,
        role: None,
    })
}

pub async fn get(
    b: &Backend,
    p: &Principal,
    raw_id: &str,
    inc: DetailInclude,
) -> FleetResult<TerminalDetails> {
    support::require(p)?;
    let t = support::find_terminal(&b.db, raw_id).await?;
    let tenant_name = match &t.tenant_id {
        Some(tid) => super::terminals::tenant_names(b, std::iter::once(tid.clone()))
            .await?
            .remove(tid),
        None => None,
    };
    let mut history_q = terminal_assignments::Entity::find()
        .filter(terminal_assignments::Column::TerminalId.eq(t.id.clone()))
        .order_by_desc(terminal_assignments::Column::AssignedAt)
        .order_by_desc(terminal_assignments::Column::Id);
    if !inc.assignments {
        history_q = history_q.filter(terminal_assignments::Column::UnassignedAt.is_null());
    }
    let history = history_q.all(&b.db).await?;
    let events = if inc.events {
        let mut rows = terminal_events::Entity::find()
            .filter(terminal_events::Column::TerminalId.eq(t.id.clone()))
            .order_by_desc(terminal_events::Column::CreatedAt)
            .order_by_desc(terminal_events::Column::Id)
            .limit(EVENTS_SHOWN)
            .all(&b.db)
            .await?;
        rows.reverse();
        Some(rows)
    } else {
        None
    };
    let known = actors(
        b,
        history
            .iter()
            .map(|a| a.assigned_by.clone())
            .chain(events.iter().flatten().filter_map(|e| e.actor_id.clone())),
    )
    .await?;
    let assignments: Vec<Assignment> = history
        .into_iter()
        .map(|row| Assignment {
            assigned_by: actor_of(&known, &row.assigned_by, None),
            row,
        })
        .collect();
    let current_assignment = assignments
        .iter()
        .find(|a| a.row.unassigned_at.is_none())
        .cloned();
    let events = events.map(|rows| {
        rows.into_iter()
            .map(|e| Event {
                actor: e
                    .actor_id
                    .as_deref()
                    .map(|id| actor_of(&known, id, e.actor_name.clone())),
                metadata: support::json_of(e.metadata_json.as_deref()),
                event_type: e.event_type,
                at: e.created_at,
            })
            .collect()
    });
    let processors = if inc.processors {
        Some(super::mappings::all_for_terminal(&b.db, &t.id).await?)
    } else {
        None
    };
    Ok(TerminalDetails {
        tenant_name,
        current_assignment,
        assignments: inc.assignments.then_some(assignments),
        events,
        effective_config: inc.config.then(|| effective_config(&t)),
        processors,
        terminal: t,
    })
}
