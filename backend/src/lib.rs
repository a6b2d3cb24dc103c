//! Server-side half of the app (feature `ssr`): storage behind repositories, the service
//! layer that the panel's server functions, the admin REST API and the POS API all call, and
//! the one authorization gate they pass through.

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

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ServiceError;
pub use keys::Keys;
pub use principal::Principal;
pub use state::{Backend, Settings};
