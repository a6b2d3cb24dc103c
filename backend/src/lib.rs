//! The server side: storage behind repositories, the service layer that the panel's server
//! functions, the admin REST API and the POS API all call, and the one authorization gate they
//! pass through (`Principal::require`). Depends on `access_core` only; nothing here knows HTTP
//! routing or the UI.
//!
//! Where a query lives (one rule for the whole crate):
//! - `repo/` holds every query that spans tables, is shared by several services, or carries a
//!   concurrency protocol (conditional updates, claims, leases, counters): those are the ones
//!   whose SQL must be read and reviewed on its own.
//! - A service's own single-table reads and writes through its entity stay in the service,
//!   next to the rule they serve; moving one to `repo/` is due when a second service needs it.
//! - Handlers (`server`) and server functions (`app`) never import `entity` or `sea_orm`: they
//!   call services and get owned view types from `access_core::model`.

pub mod acquirer;
pub mod audit;
pub mod client;
pub mod clock;
pub mod db;
pub mod demo;
pub mod demo_world;
pub mod entity;
pub mod error;
pub mod keys;
pub mod mrs;
pub mod principal;
pub mod repo;
pub mod rpm;
pub mod service;
pub mod state;
pub mod tz;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ServiceError;
pub use keys::Keys;
pub use principal::Principal;
pub use state::{Backend, Settings};
