//! A currency per price (issue 19): a ruleset may price the cardholder in EUR and guests in
//! PLN, so one entry can cost amounts in several currencies. `operations.amounts` lists them
//! (`EUR:2500;PLN:20000`, minor units, in order of first use) when there is more than one;
//! `total_minor` and `currency` keep the first (all of it for a single-currency entry, as
//! before), so existing rows need no rewrite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Operations {
    Table,
    Amounts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .add_column(text_null(Operations::Amounts))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .drop_column(Operations::Amounts)
                    .take(),
            )
            .await
    }
}
