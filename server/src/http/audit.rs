//! Authorization failures into the audit log: the gate ([`backend::Principal::require`])
//! notes each refusal while a request runs; when the answer is indeed 403, one `authz.denied`
//! entry is recorded with the user, the role, the capability asked for, the method and path
//! (no query string: it may carry filters with card data) and the client address. The panel's
//! server functions (`/api/fn/…`) answer with the same statuses ([`super::error::server_fn_status`]),
//! so one test serves both; a refusal that was only a probe ("may this user also reverse?")
//! inside a call that succeeded is no failure.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use backend::{audit, Backend};

pub async fn record_denials(
    State(b): State<Backend>,
    super::ClientAddr(ip): super::ClientAddr,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let (resp, denials) = audit::collect_denials(next.run(req)).await;
    let status = resp.status();
    if status == StatusCode::FORBIDDEN {
        if let Some(d) = denials.first() {
            audit::record(
                &b.db,
                b.now_ms(),
                audit::Entry {
                    actor: audit::Actor::User(&d.user_id),
                    action: "authz.denied",
                    target_type: None,
                    target_id: None,
                    outcome: "denied",
                    detail: Some(serde_json::json!({
                        "role": d.role,
                        "capability": d.capability,
                        "method": method,
                        "path": path,
                    })),
                    client_addr: ip.as_deref(),
                },
            )
            .await;
        }
    }
    resp
}
