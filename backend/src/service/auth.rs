//! Sign-in, sessions (panel cookies and API bearer tokens), throttling, consent state.

use super::super::entity::{consents, documents, users};
use super::super::error::{ServiceError, ServiceResult};
use super::super::repo::{sessions, throttle};
use super::super::{audit, Backend, Principal};
use super::password;
use access_core::model::{Me, PasswordChange, Role};
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

/// The throttle key of an account (by e-mail, so unknown e-mails are throttled alike).
pub fn account_key(email: &str) -> String {
    format!("login:{}", email.trim().to_lowercase())
}

fn address_key(client_addr: Option<&str>) -> String {
    format!("login-ip:{}", client_addr.unwrap_or("-"))
}

/// Check e-mail and password and open a session. Throttled per client address (soft: that
/// address waits for its window to end, answered 429 with `Retry-After`) and per account (10
/// failures lock it for 30 minutes, or until an Admin unlocks it). Each attempt is reserved
/// atomically *before* the password is checked, so parallel guesses cannot exceed the
/// allowance; the argon2 check itself waits for a bounded hashing slot.
pub async fn sign_in(
    b: &Backend,
    email: &str,
    password_clear: &str,
    client_addr: Option<&str>,
    kind: SessionKind,
) -> ServiceResult<Issued> {
    let email = email.trim().to_lowercase();
    let now = b.now_ms();
    let s = &b.settings;
    let addr_key = address_key(client_addr);
    let addr_limit = throttle::Limit {
        max: s.addr_max_attempts,
        window_ms: s.addr_window_secs * 1000,
        lock_ms: None,
    };
    let account = account_key(&email);
    let account_limit = throttle::Limit {
        max: s.throttle_max_failures,
        window_ms: s.throttle_window_secs * 1000,
        lock_ms: Some(s.throttle_lock_secs * 1000),
    };
    if let Err(r) = throttle::reserve(&b.db, &addr_key, now, addr_limit).await? {
        return Err(ServiceError::Throttled(r.retry_after_secs));
    }
    if let Err(r) = throttle::reserve(&b.db, &account, now, account_limit).await? {
        throttle::refund(&b.db, &addr_key).await?;
        audit_failure(b, now, &email, client_addr, "locked").await;
        return Err(if r.locked {
            ServiceError::AccountLocked(r.retry_after_secs)
        } else {
            ServiceError::Throttled(r.retry_after_secs)
        });
    }
    let user = match super::super::repo::users::find_by_email(&b.db, &email).await? {
        Some(u) if !u.disabled && tenant_active(b, u.tenant_id.as_deref()).await? => Some(u),
        _ => None,
    };
    let verified = password::verify(
        b,
        password_clear.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let ok = match verified {
        Ok(ok) => ok,
        Err(e) => {
            // Not checked (busy): the attempt is given back to both counters.
            throttle::refund(&b.db, &addr_key).await?;
            throttle::refund(&b.db, &account).await?;
            return Err(e);
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        throttle::failed(&b.db, &account, now, account_limit).await?;
        audit_failure(b, now, &email, client_addr, "invalid_credentials").await;
        return Err(ServiceError::InvalidCredentials);
    };
    throttle::refund(&b.db, &addr_key).await?;
    throttle::clear(&b.db, &account).await?;
    let token = new_token();
    let ttl = match kind {
        SessionKind::Cookie => b
            .settings
            .session_idle_secs
            .min(b.settings.session_max_secs),
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

async fn audit_failure(
    b: &Backend,
    now: i64,
    email: &str,
    client_addr: Option<&str>,
    reason: &str,
) {
    audit::record(
        &b.db,
        now,
        audit::Entry {
            actor: audit::Actor::System,
            action: "sign_in",
            target_type: Some("user"),
            target_id: None,
            outcome: "failure",
            detail: Some(serde_json::json!({ "email": email, "reason": reason })),
            client_addr,
        },
    )
    .await;
}

/// Delete expired sessions (idle, or past their absolute lifetime) and throttle rows that no
/// longer hold anything back; the background sweeper calls it. Answers both counts.
pub async fn purge(b: &Backend) -> ServiceResult<(u64, u64)> {
    let now = b.now_ms();
    let s = &b.settings;
    let sessions = sessions::delete_expired(&b.db, now).await?
        + sessions::delete_older_than(&b.db, now - s.session_max_secs * 1000, "COOKIE").await?;
    let longest = [s.throttle_window_secs, s.addr_window_secs]
        .into_iter()
        .max()
        .unwrap_or(0);
    let throttles = throttle::purge_stale(&b.db, now, longest * 1000).await?;
    Ok((sessions, throttles))
}

/// Lift an account's sign-in lock (and forget its failures).
pub async fn unlock(b: &Backend, email: &str) -> ServiceResult<()> {
    throttle::clear(&b.db, &account_key(email)).await?;
    Ok(())
}

/// Until when an account is locked (epoch ms), if it is.
pub async fn locked_until(b: &Backend, email: &str) -> ServiceResult<Option<i64>> {
    Ok(throttle::locked_until(&b.db, &account_key(email), b.now_ms()).await?)
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
    let max_ms = b.settings.session_max_secs * 1000;
    let idle_ms = b.settings.session_idle_secs * 1000;
    let session = sessions::find(&b.db, &hash)
        .await?
        .filter(|s| s.kind == kind.as_str() && s.expires_at > now)
        // Cookie sessions: idle timeout (above) and an absolute lifetime however active.
        .filter(|s| kind == SessionKind::Bearer || now < s.created_at + max_ms)
        .ok_or(ServiceError::Unauthenticated)?;
    // Slide on use; written at most once a minute (or a quarter of the idle time, if shorter).
    if kind == SessionKind::Cookie && now - session.last_seen_at > (idle_ms / 4).min(60_000) {
        let expires = (now + idle_ms).min(session.created_at + max_ms);
        sessions::touch(&b.db, &hash, now, expires).await?;
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
        b,
        change.current_password.clone(),
        Some(user.password_hash.clone()),
    )
    .await?
    {
        return Err(ServiceError::field(
            "current_password",
            "The current password is not correct.",
        ));
    }
    let hash = password::hash(b, change.new_password.clone()).await?;
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
