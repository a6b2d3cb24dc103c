//! The fleet API's errors, each with the seed's machine-readable code.

use super::super::super::error::ServiceError;
use access_core::model::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// Authentication, authorization and database failures, as everywhere else.
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("Terminal does not exist.")]
    TerminalNotFound,
    #[error("{0}")]
    InvalidFilter(String),
    #[error("{0}")]
    InvalidDateRange(String),
    #[error("invalid request")]
    InvalidRequest(Vec<FieldError>),
    #[error("Terminal is not active.")]
    TerminalInactive,
    #[error("Terminal is not assigned to a business.")]
    TerminalUnassigned,
    #[error("{0}")]
    DuplicateMapping(String),
    /// A processor code in a request body that names no processor.
    #[error("Unknown processor.")]
    InvalidProcessor,
    /// The processor of the path (`/pos-processors/{processorID}/...`) does not exist: the
    /// resource addressed is missing, so 404 (the seed answered 400 `invalid_processor`).
    #[error("Unknown processor.")]
    ProcessorNotFound,
    #[error("Processor mapping does not exist.")]
    MappingNotFound,
    #[error("Cannot delete the primary mapping without setting another as primary first.")]
    CannotDeletePrimary,
    #[error("No terminal IDs available for the specified processor.")]
    NoAvailableIds,
    #[error("Terminal already has a reservation for this processor.")]
    AlreadyReserved,
    #[error("Inventory item not found.")]
    InventoryNotFound,
    #[error("Terminal ID is not reserved for this terminal.")]
    NotReserved,
    #[error("Reservation has expired.")]
    ReservationExpired,
    #[error("No terminal IDs provided.")]
    EmptyList,
    #[error("Terminal ID is already available.")]
    AlreadyAvailable,
    #[error("Cannot retire an assigned terminal ID - release it first.")]
    CurrentlyAssigned,
    /// A lifecycle move the status tables do not allow and the seed names no code for.
    #[error("{0}")]
    InvalidTransition(String),
}

impl FleetError {
    pub fn field(field: &str, message: &str) -> Self {
        FleetError::InvalidRequest(vec![FieldError::new(field, message)])
    }

    /// The seed's error code; `None` for [`FleetError::Service`], which keeps the codes of
    /// the rest of the admin API (`unauthorized`, `forbidden`, `internal_error`, ...).
    pub fn code(&self) -> Option<&'static str> {
        use FleetError::*;
        Some(match self {
            Service(_) => return None,
            TerminalNotFound => "terminal_not_found",
            InvalidFilter(_) => "invalid_filter",
            InvalidDateRange(_) => "invalid_date_range",
            InvalidRequest(_) => "invalid_request",
            TerminalInactive => "terminal_inactive",
            TerminalUnassigned => "terminal_unassigned",
            DuplicateMapping(_) => "duplicate_mapping",
            InvalidProcessor => "invalid_processor",
            ProcessorNotFound => "processor_not_found",
            MappingNotFound => "mapping_not_found",
            CannotDeletePrimary => "cannot_delete_primary",
            NoAvailableIds => "no_available_ids",
            AlreadyReserved => "already_reserved",
            InventoryNotFound => "inventory_not_found",
            NotReserved => "not_reserved",
            ReservationExpired => "reservation_expired",
            EmptyList => "empty_list",
            AlreadyAvailable => "already_available",
            CurrentlyAssigned => "currently_assigned",
            InvalidTransition(_) => "invalid_transition",
        })
    }

    /// The HTTP status the seed gives the code (404 for the "does not exist" family).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            FleetError::TerminalNotFound
                | FleetError::ProcessorNotFound
                | FleetError::MappingNotFound
                | FleetError::NoAvailableIds
                | FleetError::InventoryNotFound
        )
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            FleetError::InvalidRequest(v) => v,
            _ => &[],
        }
    }
}

impl From<sea_orm::DbErr> for FleetError {
    fn from(e: sea_orm::DbErr) -> Self {
        FleetError::Service(ServiceError::Db(e))
    }
}

pub type FleetResult<T> = Result<T, FleetError>;
