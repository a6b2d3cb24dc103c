//! The platform fleet API's services (shared/spec/003): terminals, metrics, analytics,
//! collections, processor mappings, terminal-ID inventory.
//!
//! Every operation starts with `Capability::FleetApi` (Admin only). Ids cross this boundary
//! bare (the stored UUID); inputs also accept the wire's prefixed form (`term_<uuid>`, see
//! [`ids`]). Times are epoch milliseconds; the HTTP layer formats them.
//!
//! State changes that must not race run in a transaction whose first statement locks the
//! terminal row ([`support::lock_terminal`]): on PostgreSQL that serializes changes per
//! terminal, on SQLite it takes the write lock before anything is read. Inventory transitions
//! are conditional `UPDATE ... WHERE status = ...` statements checked by rows affected, so
//! they are atomic across app servers sharing the database.

pub mod analytics;
pub mod assignment;
pub mod buckets;
pub mod collections;
pub mod details;
pub mod error;
pub mod ids;
pub mod inventory;
pub mod mappings;
pub mod metrics;
pub mod processors;
pub mod status;
pub mod support;
pub mod terminals;

pub use error::{FleetError, FleetResult};
