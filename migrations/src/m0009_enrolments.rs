//! Card enrolment as the MRS feed delivers it: an enrolment keeps its row when the card is
//! unenrolled (`status`, `unenrolled_at`), one AREF is one enrolment (unique), every change is
//! kept in `enrolment_events` (the card's history), the MRS pull adapter's cursor lives in
//! `mrs_sync_state` (so several app servers share it), and a ruleset can admit enrolled cards
//! only (`rulesets.enrolled_only`).

use crate::common::{index, pk_text};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, boolean, string, string_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EnrolledCards {
    Table,
    Status,
    UnenrolledAt,
    UpdatedAt,
    Aref,
}

#[derive(DeriveIden)]
enum EnrolmentEvents {
    Table,
    Id,
    CardId,
    Kind,
    EffectiveAt,
    RecordedAt,
    Source,
    Actor,
}

#[derive(DeriveIden)]
enum MrsSyncState {
    Table,
    Name,
    Cursor,
    LastSuccessAt,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Rulesets {
    Table,
    EnrolledOnly,
}

const OLD_AREF_INDEX: &str = "idx_enrolled_cards_aref";
const AREF_INDEX: &str = "uq_enrolled_cards_aref";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite takes no more.
        for col in [
            string(EnrolledCards::Status).default("ENROLLED").take(),
            big_integer_null(EnrolledCards::UnenrolledAt),
            big_integer(EnrolledCards::UpdatedAt).default(0).take(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EnrolledCards::Table)
                        .add_column(col)
                        .take(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_AREF_INDEX)
                    .table(EnrolledCards::Table)
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            AREF_INDEX,
            EnrolledCards::Table,
            vec![EnrolledCards::Aref],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(EnrolmentEvents::Table)
                    .col(pk_text(EnrolmentEvents::Id))
                    .col(string(EnrolmentEvents::CardId))
                    .col(string(EnrolmentEvents::Kind))
                    .col(big_integer(EnrolmentEvents::EffectiveAt))
                    .col(big_integer(EnrolmentEvents::RecordedAt))
                    .col(string(EnrolmentEvents::Source))
                    .col(string_null(EnrolmentEvents::Actor))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_enrolment_events_card",
            EnrolmentEvents::Table,
            vec![EnrolmentEvents::CardId, EnrolmentEvents::RecordedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MrsSyncState::Table)
                    .col(pk_text(MrsSyncState::Name))
                    .col(string_null(MrsSyncState::Cursor))
                    .col(big_integer_null(MrsSyncState::LastSuccessAt))
                    .col(string_null(MrsSyncState::LastError))
                    .col(big_integer(MrsSyncState::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Rulesets::Table)
                    .add_column(boolean(Rulesets::EnrolledOnly).default(false))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Rulesets::Table)
                    .drop_column(Rulesets::EnrolledOnly)
                    .take(),
            )
            .await?;
        for table in [
            MrsSyncState::Table.into_iden(),
            EnrolmentEvents::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(AREF_INDEX)
                    .table(EnrolledCards::Table)
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            OLD_AREF_INDEX,
            EnrolledCards::Table,
            vec![EnrolledCards::Aref],
            false,
        )
        .await?;
        for col in [
            EnrolledCards::UpdatedAt,
            EnrolledCards::UnenrolledAt,
            EnrolledCards::Status,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EnrolledCards::Table)
                        .drop_column(col)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
