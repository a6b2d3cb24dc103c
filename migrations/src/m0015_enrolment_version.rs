//! A version counter of the enrolled cards (`enrolment_version`, one row), raised by triggers
//! on every insert, update and delete of `enrolled_cards` — whoever writes (the feed, the MRS
//! pull, the panel, a hand-made fix in SQL). App servers cache the offline whitelist and check
//! the cache against this one row instead of re-reading a million cards (several servers
//! share one PostgreSQL, so the check has to be in the database).
//!
//! SQLite has row triggers only (one counter update per written row, in the writer's
//! transaction). PostgreSQL gets a statement trigger that runs *before* the statement: a
//! transaction takes the counter row's lock before it has written any card, so two writers
//! wait for each other at the counter instead of deadlocking over the cards' unique keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EnrolmentVersion {
    Table,
    Id,
    Version,
}

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER enrolment_version_insert AFTER INSERT ON enrolled_cards \
     BEGIN UPDATE enrolment_version SET version = version + 1 WHERE id = 1; END",
    "CREATE TRIGGER enrolment_version_update AFTER UPDATE ON enrolled_cards \
     BEGIN UPDATE enrolment_version SET version = version + 1 WHERE id = 1; END",
    "CREATE TRIGGER enrolment_version_delete AFTER DELETE ON enrolled_cards \
     BEGIN UPDATE enrolment_version SET version = version + 1 WHERE id = 1; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS enrolment_version_insert",
    "DROP TRIGGER IF EXISTS enrolment_version_update",
    "DROP TRIGGER IF EXISTS enrolment_version_delete",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE OR REPLACE FUNCTION enrolment_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN UPDATE enrolment_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$",
    "CREATE TRIGGER enrolment_version_bump BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE \
     ON enrolled_cards FOR EACH STATEMENT EXECUTE FUNCTION enrolment_version_bump()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS enrolment_version_bump ON enrolled_cards",
    "DROP FUNCTION IF EXISTS enrolment_version_bump()",
];

async fn run(manager: &SchemaManager<'_>, sqlite: &[&str], postgres: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let stmts = match manager.get_database_backend() {
        DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    for sql in stmts {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EnrolmentVersion::Table)
                    .col(
                        ColumnDef::new(EnrolmentVersion::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EnrolmentVersion::Version)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .take(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(EnrolmentVersion::Table)
                    .columns([EnrolmentVersion::Id, EnrolmentVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .drop_table(
                Table::drop()
                    .table(EnrolmentVersion::Table)
                    .if_exists()
                    .take(),
            )
            .await
    }
}
