//! Schema migrations for the whole data model (see `docs/DATA-MODEL.md`).
//!
//! Every migration is written with the sea-query schema builder only, so the same code runs on
//! SQLite and PostgreSQL. Conventions: text UUID ids, `BIGINT` epoch-millisecond instants,
//! `BIGINT` minor-unit money, string enumerations. Foreign keys are declared inside
//! `Table::create` (SQLite cannot add them later).

pub use sea_orm_migration::prelude::*;

mod common;
mod m0001_identity;
mod m0002_places;
mod m0003_rules;
mod m0004_cards_ops;
mod m0005_operations_live;
mod m0006_acquirer_ledger;
mod m0008_tenants_users;
mod m0009_enrolments;
mod m0011_ruleset_owner;
mod m0012_location_capacity;
mod m0013_pos_messages;
mod m0014_offline_policy;
mod m0015_enrolment_version;
mod m0016_operation_amounts;
mod m0017_decision_data_version;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_identity::Migration),
            Box::new(m0002_places::Migration),
            Box::new(m0003_rules::Migration),
            Box::new(m0004_cards_ops::Migration),
            Box::new(m0005_operations_live::Migration),
            Box::new(m0006_acquirer_ledger::Migration),
            Box::new(m0008_tenants_users::Migration),
            Box::new(m0009_enrolments::Migration),
            Box::new(m0011_ruleset_owner::Migration),
            Box::new(m0012_location_capacity::Migration),
            Box::new(m0013_pos_messages::Migration),
            Box::new(m0014_offline_policy::Migration),
            Box::new(m0015_enrolment_version::Migration),
            Box::new(m0016_operation_amounts::Migration),
            Box::new(m0017_decision_data_version::Migration),
        ]
    }
}
