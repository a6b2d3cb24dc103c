//! Identity and compliance: tenants, users, sessions, throttling, T&C documents, consents, audit.

use crate::common::{drop_tables, fk, index, pk_text};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Tenants {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TenantIcas {
    Table,
    TenantId,
    Ica,
}

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    FirstName,
    LastName,
    Role,
    TenantId,
    PasswordHash,
    Disabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    UserId,
    Kind,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum AuthThrottle {
    Table,
    Key,
    Failures,
    WindowStart,
    LockedUntil,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    Kind,
    EffectiveDate,
    FileName,
    ContentType,
    Content,
    Sha256,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    UserId,
    DocumentId,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorKind,
    ActorId,
    Action,
    TargetType,
    TargetId,
    Outcome,
    DetailJson,
    ClientAddr,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(pk_text(Tenants::Id))
                    .col(string(Tenants::Name))
                    .col(string(Tenants::Kind))
                    .col(big_integer(Tenants::CreatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TenantIcas::Table)
                    .col(string(TenantIcas::TenantId))
                    .col(string(TenantIcas::Ica))
                    .primary_key(
                        Index::create()
                            .col(TenantIcas::TenantId)
                            .col(TenantIcas::Ica),
                    )
                    .foreign_key(&mut fk(
                        "fk_tenant_icas_tenant",
                        TenantIcas::Table,
                        TenantIcas::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_tenant_icas_ica",
            TenantIcas::Table,
            vec![TenantIcas::Ica],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_text(Users::Id))
                    .col(string(Users::Email))
                    .col(string(Users::FirstName))
                    .col(string(Users::LastName))
                    .col(string(Users::Role))
                    .col(string_null(Users::TenantId))
                    .col(string(Users::PasswordHash))
                    .col(boolean(Users::Disabled).default(false))
                    .col(big_integer(Users::CreatedAt))
                    .col(big_integer(Users::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_users_tenant",
                        Users::Table,
                        Users::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_users_email",
            Users::Table,
            vec![Users::Email],
            true,
        )
        .await?;
        index(
            manager,
            "idx_users_tenant",
            Users::Table,
            vec![Users::TenantId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_text(Sessions::TokenHash))
                    .col(string(Sessions::UserId))
                    .col(string(Sessions::Kind))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .col(big_integer(Sessions::LastSeenAt))
                    .foreign_key(&mut fk(
                        "fk_sessions_user",
                        Sessions::Table,
                        Sessions::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_sessions_user",
            Sessions::Table,
            vec![Sessions::UserId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_sessions_expires",
            Sessions::Table,
            vec![Sessions::ExpiresAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuthThrottle::Table)
                    .col(pk_text(AuthThrottle::Key))
                    .col(integer(AuthThrottle::Failures).default(0))
                    .col(big_integer(AuthThrottle::WindowStart))
                    .col(big_integer_null(AuthThrottle::LockedUntil))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(pk_text(Documents::Id))
                    .col(string(Documents::Kind))
                    .col(string(Documents::EffectiveDate))
                    .col(string(Documents::FileName))
                    .col(string(Documents::ContentType))
                    .col(blob(Documents::Content))
                    .col(string(Documents::Sha256))
                    .col(string(Documents::UploadedBy))
                    .col(big_integer(Documents::UploadedAt))
                    .take(),
            )
            .await?;
        index(
            manager,
            "uq_documents_kind_date",
            Documents::Table,
            vec![Documents::Kind, Documents::EffectiveDate],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(string(Consents::UserId))
                    .col(string(Consents::DocumentId))
                    .col(big_integer(Consents::AcceptedAt))
                    .primary_key(
                        Index::create()
                            .col(Consents::UserId)
                            .col(Consents::DocumentId),
                    )
                    .foreign_key(&mut fk(
                        "fk_consents_user",
                        Consents::Table,
                        Consents::UserId,
                        Users::Table,
                        Users::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_consents_document",
                        Consents::Table,
                        Consents::DocumentId,
                        Documents::Table,
                        Documents::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_consents_document",
            Consents::Table,
            vec![Consents::DocumentId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_text(AuditLog::Id))
                    .col(big_integer(AuditLog::At))
                    .col(string(AuditLog::ActorKind))
                    .col(string_null(AuditLog::ActorId))
                    .col(string(AuditLog::Action))
                    .col(string_null(AuditLog::TargetType))
                    .col(string_null(AuditLog::TargetId))
                    .col(string(AuditLog::Outcome))
                    .col(text_null(AuditLog::DetailJson))
                    .col(string_null(AuditLog::ClientAddr))
                    .take(),
            )
            .await?;
        index(
            manager,
            "idx_audit_log_at",
            AuditLog::Table,
            vec![AuditLog::At],
            false,
        )
        .await?;
        index(
            manager,
            "idx_audit_log_target",
            AuditLog::Table,
            vec![AuditLog::TargetType, AuditLog::TargetId],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            vec![
                AuditLog::Table.into_iden(),
                Consents::Table.into_iden(),
                Documents::Table.into_iden(),
                AuthThrottle::Table.into_iden(),
                Sessions::Table.into_iden(),
                Users::Table.into_iden(),
                TenantIcas::Table.into_iden(),
                Tenants::Table.into_iden(),
            ],
        )
        .await
    }
}
