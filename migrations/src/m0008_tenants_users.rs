//! Production day one: organisations can be deactivated (`tenants.active`), users carry a
//! forced password change (`must_change_password`, set by a one-time password) and their last
//! sign-in (`last_sign_in_at`), and an ICA belongs to at most one issuer (unique
//! `tenant_icas.ica`, replacing the plain index).

use crate::common::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, boolean};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Active,
}

#[derive(DeriveIden)]
enum TenantIcas {
    Table,
    Ica,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    MustChangePassword,
    LastSignInAt,
}

const OLD_ICA_INDEX: &str = "idx_tenant_icas_ica";
const ICA_INDEX: &str = "uq_tenant_icas_ica";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tenants::Table)
                    .add_column(boolean(Tenants::Active).default(true))
                    .take(),
            )
            .await?;
        // One column per ALTER: SQLite takes no more.
        for col in [
            boolean(Users::MustChangePassword).default(false).take(),
            big_integer_null(Users::LastSignInAt),
        ] {
            manager
                .alter_table(Table::alter().table(Users::Table).add_column(col).take())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_ICA_INDEX)
                    .table(TenantIcas::Table)
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            ICA_INDEX,
            TenantIcas::Table,
            vec![TenantIcas::Ica],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ICA_INDEX)
                    .table(TenantIcas::Table)
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            OLD_ICA_INDEX,
            TenantIcas::Table,
            vec![TenantIcas::Ica],
            false,
        )
        .await?;
        for col in [Users::LastSignInAt, Users::MustChangePassword] {
            manager
                .alter_table(Table::alter().table(Users::Table).drop_column(col).take())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tenants::Table)
                    .drop_column(Tenants::Active)
                    .take(),
            )
            .await
    }
}
