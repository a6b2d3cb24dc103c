//! A version counter of what a live decision reads besides the card's own history
//! (`decision_data_version`, one row): the rulesets (current row, saved versions, BIN ranges)
//! and the BIN table. Raised by triggers on every insert, update and delete of those tables,
//! whoever writes. Each app server keeps the parsed rulesets and the BIN table in memory and
//! checks them against this one row per check_entry (read together with the location, so it
//! costs no extra round trip) instead of three queries and a JSON parse of every candidate
//! ruleset per tap; several servers share one PostgreSQL, so the check is in the database.
//!
//! As in `m0015_enrolment_version`: SQLite has row triggers only; PostgreSQL gets one
//! statement trigger per table that runs *before* the statement, so a transaction takes the
//! counter row's lock before it writes anything and two writers queue there instead of
//! deadlocking elsewhere.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DecisionDataVersion {
    Table,
    Id,
    Version,
}

/// The tables whose every change raises the counter.
const TABLES: &[&str] = &[
    "rulesets",
    "ruleset_versions",
    "ruleset_bin_ranges",
    "bin_ranges",
];

fn sqlite_up() -> Vec<String> {
    let mut out = Vec::new();
    for t in TABLES {
        for (op, name) in [
            ("INSERT", "insert"),
            ("UPDATE", "update"),
            ("DELETE", "delete"),
        ] {
            out.push(format!(
                "CREATE TRIGGER decision_data_version_{t}_{name} AFTER {op} ON {t} \
                 BEGIN UPDATE decision_data_version SET version = version + 1 WHERE id = 1; END"
            ));
        }
    }
    out
}

fn sqlite_down() -> Vec<String> {
    let mut out = Vec::new();
    for t in TABLES {
        for name in ["insert", "update", "delete"] {
            out.push(format!(
                "DROP TRIGGER IF EXISTS decision_data_version_{t}_{name}"
            ));
        }
    }
    out
}

fn postgres_up() -> Vec<String> {
    let mut out = vec![
        "CREATE OR REPLACE FUNCTION decision_data_version_bump() RETURNS trigger \
         LANGUAGE plpgsql AS $$ \
         BEGIN UPDATE decision_data_version SET version = version + 1 WHERE id = 1; \
         RETURN NULL; END $$"
            .to_owned(),
    ];
    for t in TABLES {
        out.push(format!(
            "CREATE TRIGGER decision_data_version_bump BEFORE INSERT OR UPDATE OR DELETE OR \
             TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION decision_data_version_bump()"
        ));
    }
    out
}

fn postgres_down() -> Vec<String> {
    let mut out: Vec<String> = TABLES
        .iter()
        .map(|t| format!("DROP TRIGGER IF EXISTS decision_data_version_bump ON {t}"))
        .collect();
    out.push("DROP FUNCTION IF EXISTS decision_data_version_bump()".to_owned());
    out
}

async fn run(
    manager: &SchemaManager<'_>,
    sqlite: Vec<String>,
    postgres: Vec<String>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let stmts = match manager.get_database_backend() {
        DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    for sql in stmts {
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DecisionDataVersion::Table)
                    .col(
                        ColumnDef::new(DecisionDataVersion::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DecisionDataVersion::Version)
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
                    .into_table(DecisionDataVersion::Table)
                    .columns([DecisionDataVersion::Id, DecisionDataVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        run(manager, sqlite_up(), postgres_up()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, sqlite_down(), postgres_down()).await?;
        manager
            .drop_table(
                Table::drop()
                    .table(DecisionDataVersion::Table)
                    .if_exists()
                    .take(),
            )
            .await
    }
}
