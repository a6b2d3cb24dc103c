use serde::{Deserialize, Serialize};

/// A validation problem, named by the field it concerns so forms can show it beside the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Find the message for one field in a list of validation errors.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// The error every panel server function and admin REST endpoint answers with.
/// Serializable so the browser gets the field errors, not just a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("Invalid e-mail or password.")]
    InvalidCredentials,
    #[error("you do not have permission for this")]
    Forbidden,
    #[error("the Terms and Conditions and the Privacy Policy must be accepted first")]
    ConsentRequired,
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// Well-formed input that breaks a rule no schema states (a card number's check digit, a
    /// CSV row, a reference to something that does not exist…): the REST API answers 422 (400
    /// is for input that does not match its documented schema). Same `fields` as `Validation`.
    #[error("invalid input")]
    Unprocessable(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    /// A conflict caused by one field's value (an ICA owned by another issuer, …): 409 with
    /// `fields` naming it.
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("conflict"))]
    FieldConflict(Vec<FieldError>),
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("This account is locked after too many failed sign-ins; retry in {retry_after_secs} s or ask an administrator to unlock it.")]
    AccountLocked { retry_after_secs: u64 },
    #[error("The server is busy; retry in {retry_after_secs} s.")]
    Busy { retry_after_secs: u64 },
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Validation(errors)
            | AppError::Unprocessable(errors)
            | AppError::FieldConflict(errors) => errors,
            _ => &[],
        }
    }

    /// Stable machine-readable code for REST clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden => "forbidden",
            AppError::ConsentRequired => "consent_required",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::NotFound => "not_found",
            AppError::Validation(_) | AppError::Unprocessable(_) => "invalid_request",
            AppError::Conflict(_) | AppError::FieldConflict(_) => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::AccountLocked { .. } => "account_locked",
            AppError::Busy { .. } => "service_unavailable",
            AppError::Internal => "internal_error",
            AppError::Transport(_) => "transport_error",
        }
    }
}

#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
