//! Offline policy per location (issue 19, seed: "Defining fallback to offline entrances"):
//! whether terminals there may admit offline (`locations.offline_allowed`, default true: the
//! behaviour before this migration) and the most offline entries of one card there per day
//! (`locations.offline_max_per_card_per_day`, NULL = no limit); and on an offline operation
//! that breached the policy, which part (`operations.offline_policy_breach`:
//! `OFFLINE_DISABLED` or `DAILY_LIMIT`; such an entry is also `over_limit`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, integer_null, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Locations {
    Table,
    OfflineAllowed,
    OfflineMaxPerCardPerDay,
}

#[derive(DeriveIden)]
enum Operations {
    Table,
    OfflinePolicyBreach,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Locations::Table)
                    .add_column(boolean(Locations::OfflineAllowed).default(true).take())
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Locations::Table)
                    .add_column(integer_null(Locations::OfflineMaxPerCardPerDay).take())
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .add_column(string_null(Operations::OfflinePolicyBreach).take())
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .drop_column(Operations::OfflinePolicyBreach)
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Locations::Table)
                    .drop_column(Locations::OfflineMaxPerCardPerDay)
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Locations::Table)
                    .drop_column(Locations::OfflineAllowed)
                    .take(),
            )
            .await
    }
}
