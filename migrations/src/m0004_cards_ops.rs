//! Cards and operations: enrolled cards, card transactions, FX rates, card holds, operations.
//!
//! Operations copy every field they show (masked PAN, terminal serial, location name, ICA name,
//! ...), so they carry no foreign keys: history survives edits and deletions elsewhere.

use crate::common::{drop_tables, index, pk_text};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EnrolledCards {
    Table,
    Id,
    PanHash,
    WhitelistHash,
    MaskedPan,
    Bin,
    Last4,
    Aref,
    Ica,
    ProductCode,
    EnrolledAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CardTransactions {
    Table,
    Id,
    PanHash,
    ExternalId,
    OccurredAt,
    ClearedAt,
    AmountMinor,
    Currency,
    Mcc,
    MerchantName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FxRates {
    Table,
    Id,
    RateDate,
    BaseCurrency,
    QuoteCurrency,
    Rate,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CardHolds {
    Table,
    PanHash,
    OperationId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Operations {
    Table,
    Id,
    OpType,
    Status,
    PanHash,
    MaskedPan,
    Bin,
    Last4,
    TerminalId,
    TerminalSerial,
    LocationId,
    LocationName,
    ServiceCode,
    Country,
    Ica,
    IcaName,
    ProductCode,
    EntryMode,
    RulesetId,
    RulesetVersion,
    RejectCode,
    CardAuthResponseCode,
    CardholderPaid,
    CardholderPriceMinor,
    FreeEntry,
    Currency,
    FreeAdultGuests,
    PaidAdultGuests,
    FreeChildGuests,
    PaidChildGuests,
    TotalMinor,
    OverLimit,
    OfflineId,
    OfflineBasis,
    ExpiresAt,
    RequestedAt,
    OccurredAt,
    ConfirmedAt,
    UpdatedAt,
    ReversedAt,
    ReversedBy,
    ReversalReason,
    DecisionJson,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EnrolledCards::Table)
                    .col(pk_text(EnrolledCards::Id))
                    .col(string(EnrolledCards::PanHash))
                    .col(string(EnrolledCards::WhitelistHash))
                    .col(string(EnrolledCards::MaskedPan))
                    .col(string(EnrolledCards::Bin))
                    .col(string(EnrolledCards::Last4))
                    .col(string(EnrolledCards::Aref))
                    .col(string(EnrolledCards::Ica))
                    .col(string(EnrolledCards::ProductCode))
                    .col(big_integer(EnrolledCards::EnrolledAt))
                    .col(big_integer(EnrolledCards::CreatedAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_enrolled_cards_pan_hash",
            EnrolledCards::Table,
            vec![EnrolledCards::PanHash],
            true,
        )
        .await?;
        index(
            manager,
            "idx_enrolled_cards_ica",
            EnrolledCards::Table,
            vec![EnrolledCards::Ica],
            false,
        )
        .await?;
        index(
            manager,
            "idx_enrolled_cards_bin",
            EnrolledCards::Table,
            vec![EnrolledCards::Bin],
            false,
        )
        .await?;
        index(
            manager,
            "idx_enrolled_cards_last4",
            EnrolledCards::Table,
            vec![EnrolledCards::Last4],
            false,
        )
        .await?;
        index(
            manager,
            "idx_enrolled_cards_aref",
            EnrolledCards::Table,
            vec![EnrolledCards::Aref],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CardTransactions::Table)
                    .col(pk_text(CardTransactions::Id))
                    .col(string(CardTransactions::PanHash))
                    .col(string_null(CardTransactions::ExternalId))
                    .col(big_integer(CardTransactions::OccurredAt))
                    .col(big_integer(CardTransactions::ClearedAt))
                    .col(big_integer(CardTransactions::AmountMinor))
                    .col(string(CardTransactions::Currency))
                    .col(string(CardTransactions::Mcc))
                    .col(string_null(CardTransactions::MerchantName))
                    .col(big_integer(CardTransactions::CreatedAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_card_transactions_external_id",
            CardTransactions::Table,
            vec![CardTransactions::ExternalId],
            true,
        )
        .await?;
        index(
            manager,
            "idx_card_transactions_pan_at",
            CardTransactions::Table,
            vec![CardTransactions::PanHash, CardTransactions::OccurredAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FxRates::Table)
                    .col(pk_text(FxRates::Id))
                    .col(string(FxRates::RateDate))
                    .col(string(FxRates::BaseCurrency))
                    .col(string(FxRates::QuoteCurrency))
                    .col(string(FxRates::Rate))
                    .col(big_integer(FxRates::CreatedAt))
                    .col(big_integer(FxRates::UpdatedAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_fx_rates_date_pair",
            FxRates::Table,
            vec![
                FxRates::RateDate,
                FxRates::BaseCurrency,
                FxRates::QuoteCurrency,
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Operations::Table)
                    .col(pk_text(Operations::Id))
                    .col(string(Operations::OpType))
                    .col(string(Operations::Status))
                    .col(string(Operations::PanHash))
                    .col(string(Operations::MaskedPan))
                    .col(string(Operations::Bin))
                    .col(string(Operations::Last4))
                    .col(string_null(Operations::TerminalId))
                    .col(string_null(Operations::TerminalSerial))
                    .col(string_null(Operations::LocationId))
                    .col(string_null(Operations::LocationName))
                    .col(string_null(Operations::ServiceCode))
                    .col(string_null(Operations::Country))
                    .col(string_null(Operations::Ica))
                    .col(string_null(Operations::IcaName))
                    .col(string_null(Operations::ProductCode))
                    .col(string(Operations::EntryMode))
                    .col(string_null(Operations::RulesetId))
                    .col(integer_null(Operations::RulesetVersion))
                    .col(string_null(Operations::RejectCode))
                    .col(string_null(Operations::CardAuthResponseCode))
                    .col(boolean(Operations::CardholderPaid).default(false))
                    .col(big_integer_null(Operations::CardholderPriceMinor))
                    .col(boolean(Operations::FreeEntry).default(false))
                    .col(string_null(Operations::Currency))
                    .col(integer(Operations::FreeAdultGuests).default(0))
                    .col(integer(Operations::PaidAdultGuests).default(0))
                    .col(integer(Operations::FreeChildGuests).default(0))
                    .col(integer(Operations::PaidChildGuests).default(0))
                    .col(big_integer(Operations::TotalMinor).default(0))
                    .col(boolean(Operations::OverLimit).default(false))
                    .col(string_null(Operations::OfflineId))
                    .col(string_null(Operations::OfflineBasis))
                    .col(big_integer_null(Operations::ExpiresAt))
                    .col(big_integer(Operations::RequestedAt))
                    .col(big_integer(Operations::OccurredAt))
                    .col(big_integer_null(Operations::ConfirmedAt))
                    .col(big_integer(Operations::UpdatedAt))
                    .col(big_integer_null(Operations::ReversedAt))
                    .col(string_null(Operations::ReversedBy))
                    .col(text_null(Operations::ReversalReason))
                    .col(text_null(Operations::DecisionJson))
                    .take(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "uq_operations_offline_id",
                vec![Operations::OfflineId],
                true,
            ),
            (
                "idx_operations_pan_ruleset_at",
                vec![
                    Operations::PanHash,
                    Operations::RulesetId,
                    Operations::OccurredAt,
                ],
                false,
            ),
            (
                "idx_operations_pan_location_at",
                vec![
                    Operations::PanHash,
                    Operations::LocationId,
                    Operations::OccurredAt,
                ],
                false,
            ),
            (
                "idx_operations_location_at",
                vec![Operations::LocationId, Operations::OccurredAt],
                false,
            ),
            (
                "idx_operations_terminal_at",
                vec![Operations::TerminalSerial, Operations::OccurredAt],
                false,
            ),
            (
                "idx_operations_status_expires",
                vec![Operations::Status, Operations::ExpiresAt],
                false,
            ),
            (
                "idx_operations_ica_at",
                vec![Operations::Ica, Operations::OccurredAt],
                false,
            ),
            ("idx_operations_at", vec![Operations::OccurredAt], false),
        ] {
            index(manager, name, Operations::Table, cols, unique).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CardHolds::Table)
                    .col(pk_text(CardHolds::PanHash))
                    .col(string(CardHolds::OperationId))
                    // No FK to operations: the hold is taken *before* the operation row is
                    // written, so that the card's history is read under the hold.
                    .col(big_integer(CardHolds::ExpiresAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_card_holds_operation",
            CardHolds::Table,
            vec![CardHolds::OperationId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_card_holds_expires",
            CardHolds::Table,
            vec![CardHolds::ExpiresAt],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                CardHolds::Table.into_iden(),
                Operations::Table.into_iden(),
                FxRates::Table.into_iden(),
                CardTransactions::Table.into_iden(),
                EnrolledCards::Table.into_iden(),
            ],
        )
        .await
    }
}
