//! Access rules: the BIN table, rulesets (current state), their versions, child lists and usage.

use crate::common::{drop_tables, fk, index, pk_text};
use crate::m0001_identity::Tenants;
use crate::m0002_places::{Locations, Services};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BinRanges {
    Table,
    Id,
    BinFrom,
    BinTo,
    Ica,
    IssuerName,
    IssuerCountry,
    ProductCode,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Rulesets {
    Table,
    Id,
    CurrentVersion,
    Name,
    Description,
    ValidFrom,
    ValidTo,
    IssuerCountry,
    ProductCodes,
    Rpm,
    TotalUsageLimit,
    TotalUsagePeriodDays,
    CardholderFreeEnabled,
    CardholderFreeCount,
    CardholderFreePeriodDays,
    CardholderPerLocationLimit,
    CardholderPaidEnabled,
    CardholderPaidCount,
    CardholderPriceMinor,
    CardholderCurrency,
    AdultFreeEnabled,
    AdultFreeCount,
    AdultPaidEnabled,
    AdultPaidCount,
    AdultPriceMinor,
    AdultCurrency,
    AdultMaxPerEntry,
    ChildFreeEnabled,
    ChildFreeCount,
    ChildPaidEnabled,
    ChildPaidCount,
    ChildPriceMinor,
    ChildCurrency,
    ChildMaxPerEntry,
    ChildFreeUnderAge,
    SpendEnabled,
    SpendAmountMinor,
    SpendCurrency,
    SpendPeriodDays,
    SpendMccs,
    SpendGraceDays,
    LocationCountry,
    AllLocationsOfCountry,
    TenantId,
    CreatedBy,
    CreatedAt,
    ModifiedBy,
    ModifiedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum RulesetVersions {
    Table,
    Id,
    RulesetId,
    Version,
    SnapshotJson,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RulesetBinRanges {
    Table,
    Id,
    RulesetId,
    Ica,
    BinFrom,
    BinTo,
}

#[derive(DeriveIden)]
enum RulesetLocations {
    Table,
    RulesetId,
    LocationId,
}

#[derive(DeriveIden)]
enum RulesetServices {
    Table,
    RulesetId,
    ServiceCode,
}

#[derive(DeriveIden)]
enum RulesetUsage {
    Table,
    RulesetId,
    Used,
    UpdatedAt,
}

fn to_ruleset(
    name: &str,
    table: impl IntoIden + 'static,
    col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    fk(
        name,
        table,
        col,
        Rulesets::Table,
        Rulesets::Id,
        ForeignKeyAction::Cascade,
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BinRanges::Table)
                    .col(pk_text(BinRanges::Id))
                    .col(string(BinRanges::BinFrom))
                    .col(string(BinRanges::BinTo))
                    .col(string(BinRanges::Ica))
                    .col(string(BinRanges::IssuerName))
                    .col(string(BinRanges::IssuerCountry))
                    .col(string(BinRanges::ProductCode))
                    .col(big_integer(BinRanges::CreatedAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_bin_ranges_from_to",
            BinRanges::Table,
            vec![BinRanges::BinFrom, BinRanges::BinTo],
            false,
        )
        .await?;
        index(
            manager,
            "idx_bin_ranges_ica",
            BinRanges::Table,
            vec![BinRanges::Ica],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Rulesets::Table)
                    .col(pk_text(Rulesets::Id))
                    .col(integer(Rulesets::CurrentVersion).default(1))
                    .col(string(Rulesets::Name))
                    .col(text(Rulesets::Description).default(""))
                    .col(big_integer(Rulesets::ValidFrom))
                    .col(big_integer(Rulesets::ValidTo))
                    .col(string_null(Rulesets::IssuerCountry))
                    .col(string(Rulesets::ProductCodes).default(""))
                    .col(boolean(Rulesets::Rpm).default(false))
                    .col(big_integer_null(Rulesets::TotalUsageLimit))
                    .col(integer_null(Rulesets::TotalUsagePeriodDays))
                    .col(boolean(Rulesets::CardholderFreeEnabled).default(false))
                    .col(integer_null(Rulesets::CardholderFreeCount))
                    .col(integer_null(Rulesets::CardholderFreePeriodDays))
                    .col(integer_null(Rulesets::CardholderPerLocationLimit))
                    .col(boolean(Rulesets::CardholderPaidEnabled).default(false))
                    .col(integer_null(Rulesets::CardholderPaidCount))
                    .col(big_integer_null(Rulesets::CardholderPriceMinor))
                    .col(string_null(Rulesets::CardholderCurrency))
                    .col(boolean(Rulesets::AdultFreeEnabled).default(false))
                    .col(integer_null(Rulesets::AdultFreeCount))
                    .col(boolean(Rulesets::AdultPaidEnabled).default(false))
                    .col(integer_null(Rulesets::AdultPaidCount))
                    .col(big_integer_null(Rulesets::AdultPriceMinor))
                    .col(string_null(Rulesets::AdultCurrency))
                    .col(integer(Rulesets::AdultMaxPerEntry).default(0))
                    .col(boolean(Rulesets::ChildFreeEnabled).default(false))
                    .col(integer_null(Rulesets::ChildFreeCount))
                    .col(boolean(Rulesets::ChildPaidEnabled).default(false))
                    .col(integer_null(Rulesets::ChildPaidCount))
                    .col(big_integer_null(Rulesets::ChildPriceMinor))
                    .col(string_null(Rulesets::ChildCurrency))
                    .col(integer(Rulesets::ChildMaxPerEntry).default(0))
                    .col(integer_null(Rulesets::ChildFreeUnderAge))
                    .col(boolean(Rulesets::SpendEnabled).default(false))
                    .col(big_integer_null(Rulesets::SpendAmountMinor))
                    .col(string_null(Rulesets::SpendCurrency))
                    .col(integer_null(Rulesets::SpendPeriodDays))
                    .col(string(Rulesets::SpendMccs).default(""))
                    .col(integer_null(Rulesets::SpendGraceDays))
                    .col(string_null(Rulesets::LocationCountry))
                    .col(boolean(Rulesets::AllLocationsOfCountry).default(false))
                    .col(string_null(Rulesets::TenantId))
                    .col(string(Rulesets::CreatedBy))
                    .col(big_integer(Rulesets::CreatedAt))
                    .col(string(Rulesets::ModifiedBy))
                    .col(big_integer(Rulesets::ModifiedAt))
                    .col(big_integer_null(Rulesets::DeletedAt))
                    .foreign_key(&mut fk(
                        "fk_rulesets_tenant",
                        Rulesets::Table,
                        Rulesets::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_rulesets_valid",
            Rulesets::Table,
            vec![Rulesets::ValidFrom, Rulesets::ValidTo],
            false,
        )
        .await?;
        index(
            manager,
            "idx_rulesets_tenant",
            Rulesets::Table,
            vec![Rulesets::TenantId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RulesetVersions::Table)
                    .col(pk_text(RulesetVersions::Id))
                    .col(string(RulesetVersions::RulesetId))
                    .col(integer(RulesetVersions::Version))
                    .col(text(RulesetVersions::SnapshotJson))
                    .col(string(RulesetVersions::CreatedBy))
                    .col(big_integer(RulesetVersions::CreatedAt))
                    .foreign_key(&mut to_ruleset(
                        "fk_ruleset_versions_ruleset",
                        RulesetVersions::Table,
                        RulesetVersions::RulesetId,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_ruleset_versions_ruleset_version",
            RulesetVersions::Table,
            vec![RulesetVersions::RulesetId, RulesetVersions::Version],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RulesetBinRanges::Table)
                    .col(pk_text(RulesetBinRanges::Id))
                    .col(string(RulesetBinRanges::RulesetId))
                    .col(string(RulesetBinRanges::Ica))
                    .col(string(RulesetBinRanges::BinFrom))
                    .col(string(RulesetBinRanges::BinTo))
                    .foreign_key(&mut to_ruleset(
                        "fk_ruleset_bin_ranges_ruleset",
                        RulesetBinRanges::Table,
                        RulesetBinRanges::RulesetId,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_ruleset_bin_ranges_from_to",
            RulesetBinRanges::Table,
            vec![RulesetBinRanges::BinFrom, RulesetBinRanges::BinTo],
            false,
        )
        .await?;
        index(
            manager,
            "idx_ruleset_bin_ranges_ruleset",
            RulesetBinRanges::Table,
            vec![RulesetBinRanges::RulesetId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RulesetLocations::Table)
                    .col(string(RulesetLocations::RulesetId))
                    .col(string(RulesetLocations::LocationId))
                    .primary_key(
                        Index::create()
                            .col(RulesetLocations::RulesetId)
                            .col(RulesetLocations::LocationId),
                    )
                    .foreign_key(&mut to_ruleset(
                        "fk_ruleset_locations_ruleset",
                        RulesetLocations::Table,
                        RulesetLocations::RulesetId,
                    ))
                    .foreign_key(&mut fk(
                        "fk_ruleset_locations_location",
                        RulesetLocations::Table,
                        RulesetLocations::LocationId,
                        Locations::Table,
                        Locations::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_ruleset_locations_location",
            RulesetLocations::Table,
            vec![RulesetLocations::LocationId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RulesetServices::Table)
                    .col(string(RulesetServices::RulesetId))
                    .col(string(RulesetServices::ServiceCode))
                    .primary_key(
                        Index::create()
                            .col(RulesetServices::RulesetId)
                            .col(RulesetServices::ServiceCode),
                    )
                    .foreign_key(&mut to_ruleset(
                        "fk_ruleset_services_ruleset",
                        RulesetServices::Table,
                        RulesetServices::RulesetId,
                    ))
                    .foreign_key(&mut fk(
                        "fk_ruleset_services_service",
                        RulesetServices::Table,
                        RulesetServices::ServiceCode,
                        Services::Table,
                        Services::Code,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RulesetUsage::Table)
                    .col(pk_text(RulesetUsage::RulesetId))
                    .col(big_integer(RulesetUsage::Used).default(0))
                    .col(big_integer(RulesetUsage::UpdatedAt))
                    .foreign_key(&mut to_ruleset(
                        "fk_ruleset_usage_ruleset",
                        RulesetUsage::Table,
                        RulesetUsage::RulesetId,
                    ))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                RulesetUsage::Table.into_iden(),
                RulesetServices::Table.into_iden(),
                RulesetLocations::Table.into_iden(),
                RulesetBinRanges::Table.into_iden(),
                RulesetVersions::Table.into_iden(),
                Rulesets::Table.into_iden(),
                BinRanges::Table.into_iden(),
            ],
        )
        .await
    }
}
