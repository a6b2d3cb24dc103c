//! Append-only audit trail of security-relevant actions.

use super::entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a str),
    Terminal(&'a str),
    System,
}

pub struct Entry<'a> {
    pub actor: Actor<'a>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<serde_json::Value>,
    pub client_addr: Option<&'a str>,
}

/// Record one entry. A failure to audit is logged, never hidden, but does not undo the action
/// that was already committed.
pub async fn record<C: ConnectionTrait>(db: &C, at_ms: i64, e: Entry<'_>) {
    let (kind, id) = match e.actor {
        Actor::User(id) => ("USER", Some(id.to_owned())),
        Actor::Terminal(id) => ("TERMINAL", Some(id.to_owned())),
        Actor::System => ("SYSTEM", None),
    };
    let row = audit_log::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        at: Set(at_ms),
        actor_kind: Set(kind.to_owned()),
        actor_id: Set(id),
        action: Set(e.action.to_owned()),
        target_type: Set(e.target_type.map(str::to_owned)),
        target_id: Set(e.target_id.map(str::to_owned)),
        outcome: Set(e.outcome.to_owned()),
        detail_json: Set(e.detail.map(|d| d.to_string())),
        client_addr: Set(e.client_addr.map(str::to_owned)),
    };
    if let Err(err) = row.insert(db).await {
        tracing::error!(error = %err, action = e.action, "audit log write failed");
    }
}
