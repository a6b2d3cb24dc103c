//! Sign-in, sessions (panel cookies and API bearer tokens), throttling, consent state.

use super::super::entity::{consents, documents, users};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{sessions, throttle};
use super::super::{audit, Backend, Principal};
use super::password;
use crate::model::{Me, PasswordChange, Role};
use base64::Engine;
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub const COOKIE_NAME: &str = "ac_session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Cookie,
    Bearer,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "COOKIE",
            SessionKind::Bearer => "BEARER",
        }
    }
}

pub struct Issued {
    pub token: String,
    pub expires_at: i64,
    pub principal: Principal,
    /// Signed in with a one-time password: everything but the password change (and sign-out)
    /// answers `password_change_required` until a new one is chosen.
    pub password_change_required: bool,
}

/// A cookie's value from the request headers.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Check e-mail and password (throttled per account and per client address) and open a session.
pub async fn sign_in(
    b: &Backend,
    email: &str,
    password_clear: &str,
    client_addr: Option<&str>,
    kind: SessionKind,
) -> ServiceResult<Issued> {
    let email = email.trim().to_lowercase();
    let now = b.now_ms();
    let keys = [
        format!("login:{email}"),
        format!("login-ip:{}", client_addr.unwrap_or("-")),
    ];
    for key in &keys {
        if let Some(secs) = throttle::locked_for(&b.db, key, now).await? {
            return Err(ServiceError::Throttled(secs));
        }
    }
    let user = match super::super::repo::users::find_by_email(&b.db, &email).await? {
        Some(u) if !u.disabled && tenant_active(b, u.tenant_id.as_deref()).await? => Some(u),
        _ => None,
    };
    let ok = password::verify(
        password_clear.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let Some(user) = user.filter(|_| ok) else {
        let s = &b.settings;
        for key in &keys {
            throttle::record_failure(
                &b.db,
                key,
                now,
                s.throttle_max_failures,
                s.throttle_window_secs * 1000,
                s.throttle_lock_secs * 1000,
            )
            .await?;
        }
        audit::record(
            &b.db,
            now,
            audit::Entry {
                actor: audit::Actor::System,
                action: "sign_in",
                target_type: Some("user"),
                target_id: None,
                outcome: "failure",
                detail: Some(serde_json::json!({ "email": email })),
                client_addr,
            },
        )
        .await;
        return Err(ServiceError::InvalidCredentials);
    };
    throttle::clear(&b.db, &keys[0]).await?;
    let token = new_token();
    let ttl = match kind {
        SessionKind::Cookie => b.settings.session_idle_secs,
        SessionKind::Bearer => b.settings.bearer_ttl_secs,
    };
    let expires_at = now + ttl * 1000;
    sessions::insert(
        &b.db,
        b.keys.token_hash(&token),
        &user.id,
        kind.as_str(),
        now,
        expires_at,
    )
    .await?;
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::User(&user.id),
            action: "sign_in",
            target_type: Some("user"),
            target_id: Some(&user.id),
            outcome: "success",
            detail: Some(serde_json::json!({ "kind": kind.as_str() })),
            client_addr,
        },
    )
    .await;
    users::Entity::update_many()
        .col_expr(users::Column::LastSignInAt, Some(now).into())
        .filter(users::Column::Id.eq(user.id.as_str()))
        .exec(&b.db)
        .await?;
    let password_change_required = user.must_change_password;
    let principal = principal_for(b, user).await?;
    Ok(Issued {
        token,
        expires_at,
        principal,
        password_change_required,
    })
}

/// A user may act only while its organisation (if any) is active.
async fn tenant_active(b: &Backend, tenant_id: Option<&str>) -> ServiceResult<bool> {
    Ok(match tenant_id {
        None => true,
        Some(t) => super::super::repo::tenants::get(&b.db, t)
            .await?
            .is_some_and(|t| t.active),
    })
}

/// Resolve a session token to its user. Cookie sessions slide: each use extends them (written
/// at most once a minute, to keep reads read-only). A user who must still change its one-time
/// password gets `PasswordChangeRequired`; only [`authenticate_pending`] lets it through.
pub async fn authenticate(b: &Backend, token: &str, kind: SessionKind) -> ServiceResult<Principal> {
    let (principal, must_change) = authenticate_pending(b, token, kind).await?;
    if must_change {
        return Err(ServiceError::PasswordChangeRequired);
    }
    Ok(principal)
}

/// As [`authenticate`], also for a user who must change its password (the second value): for
/// the password change itself, sign-out and "who am I".
pub async fn authenticate_pending(
    b: &Backend,
    token: &str,
    kind: SessionKind,
) -> ServiceResult<(Principal, bool)> {
    let now = b.now_ms();
    let hash = b.keys.token_hash(token);
    let session = sessions::find(&b.db, &hash)
        .await?
        .filter(|s| s.kind == kind.as_str() && s.expires_at > now)
        .ok_or(ServiceError::Unauthenticated)?;
    if kind == SessionKind::Cookie && now - session.last_seen_at > 60_000 {
        sessions::touch(&b.db, &hash, now, now + b.settings.session_idle_secs * 1000).await?;
    }
    let user = users::Entity::find_by_id(session.user_id.clone())
        .one(&b.db)
        .await?
        .filter(|u| !u.disabled)
        .ok_or(ServiceError::Unauthenticated)?;
    if !tenant_active(b, user.tenant_id.as_deref()).await? {
        return Err(ServiceError::Unauthenticated);
    }
    let must_change = user.must_change_password;
    Ok((principal_for(b, user).await?, must_change))
}

/// Self-service password change with the current password. Ends the user's other sessions and
/// tokens (the one making the change, `keep_token`, stays) and lifts a forced change.
pub async fn change_password(
    b: &Backend,
    p: &Principal,
    keep_token: &str,
    change: &PasswordChange,
    client_addr: Option<&str>,
) -> ServiceResult<()> {
    let errors = change.validate();
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let user = users::Entity::find_by_id(p.user_id.clone())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    if !password::verify(
        change.current_password.clone(),
        Some(user.password_hash.clone()),
    )
    .await
    {
        return Err(ServiceError::field(
            "current_password",
            "The current password is not correct.",
        ));
    }
    let hash = password::hash(change.new_password.clone()).await?;
    let now = b.now_ms();
    let mut model: users::ActiveModel = user.into();
    model.password_hash = Set(hash);
    model.must_change_password = Set(false);
    model.updated_at = Set(now);
    model.update(&b.db).await?;
    sessions::delete_for_user_except(&b.db, &p.user_id, &b.keys.token_hash(keep_token)).await?;
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::User(&p.user_id),
            action: "user.password_change",
            target_type: Some("user"),
            target_id: Some(&p.user_id),
            outcome: "success",
            detail: None,
            client_addr,
        },
    )
    .await;
    Ok(())
}

pub async fn sign_out(b: &Backend, token: &str) -> ServiceResult<()> {
    sessions::delete(&b.db, &b.keys.token_hash(token)).await?;
    Ok(())
}

async fn principal_for(b: &Backend, user: users::Model) -> ServiceResult<Principal> {
    let role = Role::parse(&user.role)
        .ok_or_else(|| ServiceError::Internal(format!("user {} has unknown role", user.id)))?;
    let consent_ok = !role.needs_consent() || pending_documents(b, &user.id).await?.is_empty();
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        role,
        tenant_id: user.tenant_id,
        consent_ok,
    })
}

/// The current T&C and Privacy Policy (latest effective version of each) the user has not
/// accepted yet.
pub async fn pending_documents(b: &Backend, user_id: &str) -> ServiceResult<Vec<documents::Model>> {
    let today = b.clock.now().format("%Y-%m-%d").to_string();
    let mut pending = Vec::new();
    for kind in ["TERMS", "PRIVACY"] {
        let current = documents::Entity::find()
            .filter(documents::Column::Kind.eq(kind))
            .filter(documents::Column::EffectiveDate.lte(today.clone()))
            .order_by_desc(documents::Column::EffectiveDate)
            .order_by_desc(documents::Column::UploadedAt)
            .one(&b.db)
            .await?;
        if let Some(doc) = current {
            let accepted = consents::Entity::find_by_id((user_id.to_owned(), doc.id.clone()))
                .one(&b.db)
                .await?
                .is_some();
            if !accepted {
                pending.push(doc);
            }
        }
    }
    Ok(pending)
}

pub fn me(
    p: &Principal,
    first_name: String,
    last_name: String,
    password_change_required: bool,
) -> Me {
    Me {
        id: p.user_id.clone(),
        email: p.email.clone(),
        first_name,
        last_name,
        role: p.role,
        tenant_id: p.tenant_id.clone(),
        consent_required: !p.consent_ok,
        password_change_required,
    }
}

pub async fn current_user(b: &Backend, p: &Principal) -> ServiceResult<Me> {
    let user = users::Entity::find_by_id(p.user_id.clone())
        .one(&b.db)
        .await?
        .ok_or(ServiceError::Unauthenticated)?;
    let must_change = user.must_change_password;
    Ok(me(p, user.first_name, user.last_name, must_change))
}
