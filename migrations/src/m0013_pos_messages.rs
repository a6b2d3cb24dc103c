//! POS messages (issue 19, seed: "Setting up POS messages"): the text a terminal shows for a
//! reject code, per language, as an Admin set it. Only overrides are stored: a code and
//! language without a row uses the built-in text (the seed's English texts), so a new reject
//! code or a reset needs no data change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PosMessages {
    Table,
    Code,
    Language,
    Message,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PosMessages::Table)
                    .col(string(PosMessages::Code))
                    .col(string(PosMessages::Language))
                    .col(text(PosMessages::Message))
                    .col(big_integer(PosMessages::UpdatedAt))
                    .col(string(PosMessages::UpdatedBy))
                    .primary_key(
                        Index::create()
                            .col(PosMessages::Code)
                            .col(PosMessages::Language),
                    )
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PosMessages::Table).if_exists().take())
            .await
    }
}
