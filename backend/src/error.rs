use access_core::model::{AppError, FieldError};

/// What a service call can fail with. Mapped once to the wire at each edge
/// (`AppError` for server functions and REST).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    #[error("forbidden")]
    Forbidden,
    #[error("consent to the current documents required")]
    ConsentRequired,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("not found")]
    NotFound,
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("conflict on a field: {0:?}")]
    FieldConflict(FieldError),
    #[error("throttled for {0} s")]
    Throttled(u64),
    /// Too many failed sign-ins: the account is locked for this many seconds (or until an
    /// Admin unlocks it).
    #[error("account locked for {0} s")]
    AccountLocked(u64),
    /// No password-hashing slot free in time: retry after this many seconds (503).
    #[error("busy; retry in {0} s")]
    Busy(u64),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn field(field: &str, message: &str) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, message)])
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Unauthenticated => AppError::Unauthenticated,
            ServiceError::InvalidCredentials => AppError::InvalidCredentials,
            ServiceError::Forbidden => AppError::Forbidden,
            ServiceError::ConsentRequired => AppError::ConsentRequired,
            ServiceError::PasswordChangeRequired => AppError::PasswordChangeRequired,
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Validation(v) => AppError::Validation(v),
            ServiceError::Conflict(m) => AppError::Conflict(m),
            ServiceError::FieldConflict(f) => AppError::FieldConflict(vec![f]),
            ServiceError::Throttled(s) => AppError::TooManyRequests {
                retry_after_secs: s,
            },
            ServiceError::AccountLocked(s) => AppError::AccountLocked {
                retry_after_secs: s,
            },
            ServiceError::Busy(s) => AppError::Busy {
                retry_after_secs: s,
            },
            ServiceError::Db(err) => {
                tracing::error!(error = %err, "database error");
                AppError::Internal
            }
            ServiceError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                AppError::Internal
            }
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
