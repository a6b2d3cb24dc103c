//! sea-orm entities, one module per table; they mirror `migrations` column for column
//! (see docs/DATA-MODEL.md). Ids are text UUIDs, instants `i64` epoch milliseconds, money
//! `i64` minor units, enumerations strings, JSON columns text (`*_json`).

pub mod acquirer_calls;
pub mod audit_log;
pub mod auth_throttle;
pub mod bin_ranges;
pub mod card_holds;
pub mod card_transactions;
pub mod collection_sessions;
pub mod consents;
pub mod documents;
pub mod enrolled_cards;
pub mod enrolment_events;
pub mod fx_rates;
pub mod location_capacity_claims;
pub mod locations;
pub mod mrs_sync_state;
pub mod operations;
pub mod pairing_codes;
pub mod pos_messages;
pub mod processor_mappings;
pub mod ruleset_bin_ranges;
pub mod ruleset_cap_claims;
pub mod ruleset_locations;
pub mod ruleset_services;
pub mod ruleset_usage;
pub mod ruleset_versions;
pub mod rulesets;
pub mod services;
pub mod sessions;
pub mod tenant_icas;
pub mod tenants;
pub mod terminal_assignments;
pub mod terminal_events;
pub mod terminal_id_inventory;
pub mod terminals;
pub mod users;

pub mod prelude {
    pub use super::acquirer_calls::Entity as AcquirerCalls;
    pub use super::audit_log::Entity as AuditLog;
    pub use super::auth_throttle::Entity as AuthThrottle;
    pub use super::bin_ranges::Entity as BinRanges;
    pub use super::card_holds::Entity as CardHolds;
    pub use super::card_transactions::Entity as CardTransactions;
    pub use super::collection_sessions::Entity as CollectionSessions;
    pub use super::consents::Entity as Consents;
    pub use super::documents::Entity as Documents;
    pub use super::enrolled_cards::Entity as EnrolledCards;
    pub use super::fx_rates::Entity as FxRates;
    pub use super::locations::Entity as Locations;
    pub use super::operations::Entity as Operations;
    pub use super::pairing_codes::Entity as PairingCodes;
    pub use super::processor_mappings::Entity as ProcessorMappings;
    pub use super::ruleset_bin_ranges::Entity as RulesetBinRanges;
    pub use super::ruleset_locations::Entity as RulesetLocations;
    pub use super::ruleset_services::Entity as RulesetServices;
    pub use super::ruleset_usage::Entity as RulesetUsage;
    pub use super::ruleset_versions::Entity as RulesetVersions;
    pub use super::rulesets::Entity as Rulesets;
    pub use super::services::Entity as Services;
    pub use super::sessions::Entity as Sessions;
    pub use super::tenant_icas::Entity as TenantIcas;
    pub use super::tenants::Entity as Tenants;
    pub use super::terminal_assignments::Entity as TerminalAssignments;
    pub use super::terminal_events::Entity as TerminalEvents;
    pub use super::terminal_id_inventory::Entity as TerminalIdInventory;
    pub use super::terminals::Entity as Terminals;
    pub use super::users::Entity as Users;
}
