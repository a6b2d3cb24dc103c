use access_core::model::{AppError, Me};
use leptos::prelude::*;

/// Sign in with e-mail and password; sets the session cookie and goes to the dashboard.
#[server(prefix = "/api/fn", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use backend::service::auth::{self, SessionKind, COOKIE_NAME};
    let b = super::ctx::backend()?;
    let addr = super::ctx::client_addr().await;
    let issued = auth::sign_in(&b, &email, &password, addr.as_deref(), SessionKind::Cookie).await?;
    // A new session id at every sign-in: the session this browser held before is dropped
    // (no fixation; the old id is worthless even if it leaked).
    if let Some(previous) = super::ctx::session_token().await {
        auth::sign_out(&b, &previous).await?;
    }
    let secure = if b.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    // The cookie may live as long as the session can (the server ends it sooner when idle).
    let cookie = format!(
        "{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        issued.token, b.settings.session_max_secs
    );
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
    let target = if issued.password_change_required {
        "/password"
    } else if issued.principal.consent_ok {
        "/"
    } else {
        "/consent"
    };
    leptos_axum::redirect(target);
    Ok(())
}

#[server(prefix = "/api/fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use backend::service::auth::{self, COOKIE_NAME};
    let b = super::ctx::backend()?;
    if let Some(token) = super::ctx::session_token().await {
        auth::sign_out(&b, &token).await?;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let secure = if b.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let expired = format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}");
    if let Ok(value) = axum::http::HeaderValue::from_str(&expired) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None` when signed out.
#[server(prefix = "/api/fn", endpoint = "me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use backend::service::auth;
    match super::ctx::principal_pending().await {
        Ok((b, p, _, _)) => Ok(Some(auth::current_user(&b, &p).await?)),
        Err(AppError::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Choose a new password with the current one (also the forced change after a one-time
/// password); then on to the dashboard (or the documents to accept).
#[server(prefix = "/api/fn", endpoint = "password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use access_core::model::{FieldError, PasswordChange};
    use backend::service::auth;
    let (b, p, token, _) = super::ctx::principal_pending().await?;
    if new_password != confirm_password {
        return Err(AppError::Validation(vec![FieldError::new(
            "confirm_password",
            "The two new passwords differ.",
        )]));
    }
    let addr = super::ctx::client_addr().await;
    let change = PasswordChange {
        current_password,
        new_password,
    };
    auth::change_password(&b, &p, &token, &change, addr.as_deref()).await?;
    leptos_axum::redirect(if p.consent_ok { "/" } else { "/consent" });
    Ok(())
}
