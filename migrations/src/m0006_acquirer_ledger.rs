//! The acquirer lifecycle made durable (issue 13):
//!
//! - `acquirer_calls`: one row per call to the acquirer for an operation (account status,
//!   authorization, additional authorization, void, refund) with its reference, amount,
//!   idempotency key (unique: a retried call is never a second charge), outcome and, for voids
//!   and refunds still owed, the retry schedule (`attempts`, `next_attempt_at`).
//! - `operations.confirm_claim`: the token of the confirm that owns an operation while it talks
//!   to the acquirer (set by a conditional update on a `PENDING`, unexpired row).
//! - `ruleset_cap_claims`: one row per capped ruleset and period, taken by a conditional update
//!   (`holder`, `held_until`: a lease) while a grant that uses the cap is decided and written,
//!   and counting those grants (`seq`); so a ruleset's total-usage cap is never exceeded by
//!   concurrent cards, on any app server, on SQLite and PostgreSQL.

use crate::common::{drop_tables, index, pk_text};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer, string, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Operations {
    Table,
    ConfirmClaim,
}

#[derive(DeriveIden)]
enum AcquirerCalls {
    Table,
    Id,
    OperationId,
    Kind,
    Reference,
    AmountMinor,
    Currency,
    IdempotencyKey,
    Outcome,
    ResponseCode,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RulesetCapClaims {
    Table,
    RulesetId,
    PeriodStart,
    Seq,
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
                    .table(Operations::Table)
                    .add_column(string_null(Operations::ConfirmClaim))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AcquirerCalls::Table)
                    .col(pk_text(AcquirerCalls::Id))
                    .col(string(AcquirerCalls::OperationId))
                    .col(string(AcquirerCalls::Kind))
                    .col(string_null(AcquirerCalls::Reference))
                    .col(big_integer_null(AcquirerCalls::AmountMinor))
                    .col(string_null(AcquirerCalls::Currency))
                    .col(string(AcquirerCalls::IdempotencyKey))
                    .col(string(AcquirerCalls::Outcome))
                    .col(string_null(AcquirerCalls::ResponseCode))
                    .col(integer(AcquirerCalls::Attempts).default(0))
                    .col(big_integer_null(AcquirerCalls::NextAttemptAt))
                    .col(string_null(AcquirerCalls::LastError))
                    .col(big_integer(AcquirerCalls::CreatedAt))
                    .col(big_integer(AcquirerCalls::UpdatedAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_acquirer_calls_idempotency_key",
            AcquirerCalls::Table,
            vec![AcquirerCalls::IdempotencyKey],
            true,
        )
        .await?;
        index(
            manager,
            "idx_acquirer_calls_operation",
            AcquirerCalls::Table,
            vec![AcquirerCalls::OperationId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_acquirer_calls_outcome_next",
            AcquirerCalls::Table,
            vec![AcquirerCalls::Outcome, AcquirerCalls::NextAttemptAt],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(RulesetCapClaims::Table)
                    .col(string(RulesetCapClaims::RulesetId))
                    .col(big_integer(RulesetCapClaims::PeriodStart))
                    .col(big_integer(RulesetCapClaims::Seq).default(0))
                    .col(string_null(RulesetCapClaims::Holder))
                    .col(big_integer(RulesetCapClaims::HeldUntil).default(0))
                    .col(big_integer(RulesetCapClaims::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(RulesetCapClaims::RulesetId)
                            .col(RulesetCapClaims::PeriodStart),
                    )
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                RulesetCapClaims::Table.into_iden(),
                AcquirerCalls::Table.into_iden(),
            ],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Operations::Table)
                    .drop_column(Operations::ConfirmClaim)
                    .take(),
            )
            .await
    }
}
