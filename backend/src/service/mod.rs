//! The service layer: the only place business operations live. Panel server functions,
//! admin REST handlers and the POS API are thin callers of these.

pub mod acquirer_ledger;
pub mod amounts;
pub mod audit_log;
pub mod auth;
pub mod capacity;
pub mod card_transactions;
pub mod dashboard;
pub mod data;
pub mod decision_data;
pub mod enrolled_cards;
pub mod enrolments;
pub mod entry;
pub mod feed_csv;
pub mod fleet;
pub mod locations;
pub mod mrs_sync;
pub mod occupancy_curve;
pub mod offline;
pub mod operations;
pub mod pairing;
pub mod password;
pub mod pos_messages;
pub mod reports;
pub mod rulesets;
pub mod tenants;
pub mod terminals;
pub mod terms;
pub mod try_card;
pub mod users;
pub mod zones;
