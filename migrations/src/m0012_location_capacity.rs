//! Live capacity (issue 19): a location's typical stay (`locations.stay_minutes`, default 120),
//! the guest seats a grant reserves while its confirm runs (`operations.reserved_guests`), and
//! one lease row per capped location (`location_capacity_claims`), taken by a conditional
//! update, so one decision per location at a time counts the occupancy and writes its grant,
//! on any app server.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Locations {
    Table,
    StayMinutes,
}

#[derive(DeriveIden)]
enum Operations {
    Table,
    ReservedGuests,
}

#[derive(DeriveIden)]
enum LocationCapacityClaims {
    Table,
    LocationId,
    Holder,
    HeldUntil,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Locations::Table)
                    .add_column(integer(Locations::StayMinutes).default(120).take())
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .add_column(integer(Operations::ReservedGuests).default(0).take())
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LocationCapacityClaims::Table)
                    .col(
                        string(LocationCapacityClaims::LocationId)
                            .primary_key()
                            .take(),
                    )
                    .col(string_null(LocationCapacityClaims::Holder))
                    .col(big_integer(LocationCapacityClaims::HeldUntil).default(0))
                    .col(big_integer(LocationCapacityClaims::UpdatedAt))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(LocationCapacityClaims::Table)
                    .if_exists()
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .drop_column(Operations::ReservedGuests)
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Locations::Table)
                    .drop_column(Locations::StayMinutes)
                    .take(),
            )
            .await
    }
}
