//! Append-only audit trail of security-relevant actions (PCI DSS req. 10): every admin change,
//! every access to card data (try-a-card, card details, every export: who, when, filters, row
//! count), failed sign-ins, and authorization failures (a 403 from the gate, with the client
//! address). Read by Admin only: the "Audit log" screen and `GET /api/v1/admin/audit-log`.

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

/// An authorization failure noted by the gate ([`super::Principal::require`]) while a request
/// runs; the HTTP edge records it when the answer is indeed a 403 (a caller that only probes a
/// permission, e.g. "may this user also reverse?", is not an authorization failure).
#[derive(Debug, Clone, PartialEq)]
pub struct Denial {
    pub user_id: String,
    pub role: String,
    pub capability: String,
}

tokio::task_local! {
    static DENIALS: std::sync::Mutex<Vec<Denial>>;
}

/// Note a denial for the request being served (no-op outside [`collect_denials`]).
pub fn note_denial(d: Denial) {
    let _ = DENIALS.try_with(|v| {
        if let Ok(mut v) = v.lock() {
            if v.len() < 16 {
                v.push(d);
            }
        }
    });
}

/// Run `f` (a request) and return what it answered with the denials the gate noted meanwhile.
pub async fn collect_denials<F: std::future::Future>(f: F) -> (F::Output, Vec<Denial>) {
    DENIALS
        .scope(std::sync::Mutex::new(Vec::new()), async move {
            let out = f.await;
            let denials = DENIALS
                .try_with(|v| match v.lock() {
                    Ok(mut v) => std::mem::take(&mut *v),
                    Err(p) => std::mem::take(&mut *p.into_inner()),
                })
                .unwrap_or_default();
            (out, denials)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn denials_are_collected_per_request_only() {
        // Outside a request: ignored, no panic.
        note_denial(Denial {
            user_id: "u0".into(),
            role: "ISSUER".into(),
            capability: "UsersView".into(),
        });
        let ((), d) = collect_denials(async {
            note_denial(Denial {
                user_id: "u1".into(),
                role: "ISSUER".into(),
                capability: "UsersView".into(),
            });
        })
        .await;
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].user_id, "u1");
    }
}
