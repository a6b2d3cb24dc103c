//! An index on `operations.updated_at`, so the live feed's "latest change" probe
//! (`MAX(updated_at)`, once a second per app server) reads one index entry, not the table.

use crate::common::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Operations {
    Table,
    UpdatedAt,
}

const NAME: &str = "idx_operations_updated_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            NAME,
            Operations::Table,
            vec![Operations::UpdatedAt],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Operations::Table).to_owned())
            .await
    }
}
