//! Runs every migration up, down and up again on SQLite (in memory) and, when
//! `TEST_DATABASE_URL` is set, on PostgreSQL inside a throw-away schema; checks the seed rows and
//! a few constraints with raw SQL.

use migrations::{Migrator, MigratorTrait, SchemaManager};
use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement,
};

type TestResult = Result<(), String>;

fn err(e: DbErr) -> String {
    e.to_string()
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<u64, DbErr> {
    db.execute(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|r| r.rows_affected())
}

async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64, String> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map_err(err)?
        .ok_or("no row")?;
    row.try_get_by_index::<i64>(0).map_err(err)
}

/// The statement must succeed.
async fn ok(db: &DatabaseConnection, sql: &str) -> TestResult {
    exec(db, sql)
        .await
        .map(|_| ())
        .map_err(|e| format!("`{sql}` failed: {e}"))
}

/// The statement must be refused by a constraint.
async fn refused(db: &DatabaseConnection, sql: &str) -> TestResult {
    match exec(db, sql).await {
        Err(e) => {
            let msg = e.to_string().to_lowercase();
            if ["unique", "duplicate", "foreign key"]
                .iter()
                .any(|k| msg.contains(k))
            {
                Ok(())
            } else {
                Err(format!("`{sql}` failed, but not on a constraint: {e}"))
            }
        }
        Ok(_) => Err(format!("`{sql}` should have violated a constraint")),
    }
}

const TABLES: &[&str] = &[
    "tenants",
    "tenant_icas",
    "users",
    "sessions",
    "auth_throttle",
    "documents",
    "consents",
    "audit_log",
    "services",
    "locations",
    "terminals",
    "terminal_events",
    "terminal_assignments",
    "processor_mappings",
    "terminal_id_inventory",
    "collection_sessions",
    "pairing_codes",
    "bin_ranges",
    "rulesets",
    "ruleset_versions",
    "ruleset_bin_ranges",
    "ruleset_locations",
    "ruleset_services",
    "ruleset_usage",
    "enrolled_cards",
    "card_transactions",
    "fx_rates",
    "card_holds",
    "operations",
    "enrolment_events",
    "acquirer_calls",
    "ruleset_cap_claims",
    "location_capacity_claims",
    "pos_messages",
    "mrs_sync_state",
    "enrolment_version",
];

async fn assert_tables(db: &DatabaseConnection, present: bool) -> TestResult {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        let has = manager.has_table(*table).await.map_err(err)?;
        if has != present {
            return Err(format!(
                "table {table}: present = {has}, expected {present}"
            ));
        }
    }
    Ok(())
}

async fn check_constraints(db: &DatabaseConnection) -> TestResult {
    // The services are seeded.
    let n = count(
        db,
        "SELECT COUNT(*) FROM services WHERE (code = 'LOUNGE' AND name = 'Lounge') \
         OR (code = 'FAST_LINE' AND name = 'Fast Line')",
    )
    .await?;
    if n != 2 {
        return Err(format!("expected the 2 seeded services, found {n}"));
    }

    // terminals.serial_number is unique; defaults fill the status columns.
    ok(db, "INSERT INTO terminals (id, serial_number, created_at, updated_at) VALUES ('t1', 'PAX-1', 0, 0)").await?;
    refused(db, "INSERT INTO terminals (id, serial_number, created_at, updated_at) VALUES ('t2', 'PAX-1', 0, 0)").await?;
    let n = count(
        db,
        "SELECT COUNT(*) FROM terminals WHERE pairing_status = 'NOT_PAIRED' AND status = 'active'",
    )
    .await?;
    if n != 1 {
        return Err("terminal defaults not applied".into());
    }

    // users.email is unique; sessions and consents go with their user.
    let user = "INSERT INTO users (id, email, first_name, last_name, role, password_hash, \
                created_at, updated_at) VALUES ";
    ok(
        db,
        &format!("{user}('u1', 'a@example.com', 'A', 'B', 'ADMIN', 'x', 0, 0)"),
    )
    .await?;
    refused(
        db,
        &format!("{user}('u2', 'a@example.com', 'A', 'B', 'ADMIN', 'x', 0, 0)"),
    )
    .await?;
    // A user of an unknown tenant is refused (foreign key).
    refused(
        db,
        &format!("{user}('u3', 'c@example.com', 'A', 'B', 'ISSUER', 'x', 0, 0)")
            .replace("password_hash,", "password_hash, tenant_id,")
            .replace("'x', 0", "'x', 'no-such-tenant', 0"),
    )
    .await?;
    ok(
        db,
        "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at, last_seen_at) \
            VALUES ('h1', 'u1', 'COOKIE', 0, 1, 0)",
    )
    .await?;
    ok(db, "DELETE FROM users WHERE id = 'u1'").await?;
    if count(db, "SELECT COUNT(*) FROM sessions").await? != 0 {
        return Err("sessions were not deleted with their user".into());
    }

    // m0008: users start without a forced change and never signed in; tenants start active;
    // an ICA belongs to at most one issuer.
    ok(
        db,
        &format!("{user}('u4', 'd@example.com', 'A', 'B', 'ADMIN', 'x', 0, 0)"),
    )
    .await?;
    let n = count(
        db,
        "SELECT COUNT(*) FROM users WHERE id = 'u4' AND must_change_password = false \
         AND last_sign_in_at IS NULL",
    )
    .await?;
    if n != 1 {
        return Err("user defaults of m0008 not applied".into());
    }
    for (id, name) in [("ti1", "Bank One"), ("ti2", "Bank Two")] {
        ok(
            db,
            &format!(
                "INSERT INTO tenants (id, name, kind, created_at) VALUES ('{id}', '{name}', 'ISSUER', 0)"
            ),
        )
        .await?;
    }
    if count(db, "SELECT COUNT(*) FROM tenants WHERE active = true").await? < 2 {
        return Err("tenants.active does not default to true".into());
    }
    ok(
        db,
        "INSERT INTO tenant_icas (tenant_id, ica) VALUES ('ti1', '777')",
    )
    .await?;
    refused(
        db,
        "INSERT INTO tenant_icas (tenant_id, ica) VALUES ('ti2', '777')",
    )
    .await?;
    ok(db, "DELETE FROM tenants WHERE id IN ('ti1', 'ti2')").await?;

    // documents: one version per (kind, effective_date).
    let doc = "INSERT INTO documents (id, kind, effective_date, file_name, content_type, content, \
               sha256, uploaded_by, uploaded_at) VALUES ";
    ok(
        db,
        &format!(
            "{doc}('d1', 'TERMS', '2025-01-01', 'a.pdf', 'application/pdf', X'00', 's', 'u', 0)"
        )
        .replace("X'00'", blob_literal(db)),
    )
    .await?;
    refused(
        db,
        &format!(
            "{doc}('d2', 'TERMS', '2025-01-01', 'a.pdf', 'application/pdf', X'00', 's', 'u', 0)"
        )
        .replace("X'00'", blob_literal(db)),
    )
    .await?;

    // enrolled_cards.pan_hash is unique.
    let card = "INSERT INTO enrolled_cards (id, pan_hash, whitelist_hash, masked_pan, bin, last4, \
                aref, ica, product_code, enrolled_at, created_at) VALUES ";
    ok(
        db,
        &format!(
            "{card}('c1', 'h', 'w', '541234******1234', '541234', '1234', 'r', '1', 'MCG', 0, 0)"
        ),
    )
    .await?;
    refused(
        db,
        &format!(
            "{card}('c2', 'h', 'w', '541234******1234', '541234', '1234', 'r', '1', 'MCG', 0, 0)"
        ),
    )
    .await?;

    // operations.offline_id is unique when set; many online operations have none.
    let op = "INSERT INTO operations (id, op_type, status, pan_hash, masked_pan, bin, last4, \
              entry_mode, offline_id, requested_at, occurred_at, updated_at) VALUES ";
    ok(
        db,
        &format!("{op}('o1', 'ONLINE', 'PENDING', 'h', 'm', 'b', 'l', 'CHIP', NULL, 0, 0, 0)"),
    )
    .await?;
    ok(
        db,
        &format!("{op}('o2', 'ONLINE', 'PENDING', 'h', 'm', 'b', 'l', 'CHIP', NULL, 0, 0, 0)"),
    )
    .await?;
    ok(
        db,
        &format!("{op}('o3', 'OFFLINE', 'COMPLETED', 'h', 'm', 'b', 'l', 'CHIP', 'x', 0, 0, 0)"),
    )
    .await?;
    refused(
        db,
        &format!("{op}('o4', 'OFFLINE', 'COMPLETED', 'h', 'm', 'b', 'l', 'CHIP', 'x', 0, 0, 0)"),
    )
    .await?;

    // One hold per card.
    ok(
        db,
        "INSERT INTO card_holds (pan_hash, operation_id, expires_at) VALUES ('h', 'o1', 1)",
    )
    .await?;
    refused(
        db,
        "INSERT INTO card_holds (pan_hash, operation_id, expires_at) VALUES ('h', 'o2', 1)",
    )
    .await?;

    // fx_rates: one rate per day and pair.
    let fx =
        "INSERT INTO fx_rates (id, rate_date, base_currency, quote_currency, rate, created_at, \
              updated_at) VALUES ";
    ok(
        db,
        &format!("{fx}('f1', '2025-01-01', 'EUR', 'PLN', '4.25', 0, 0)"),
    )
    .await?;
    refused(
        db,
        &format!("{fx}('f2', '2025-01-01', 'EUR', 'PLN', '4.30', 0, 0)"),
    )
    .await?;

    // Terminal-ID inventory: a code once per processor.
    let inv = "INSERT INTO terminal_id_inventory (id, processor_id, terminal_code, created_at, \
               updated_at) VALUES ";
    ok(db, &format!("{inv}('i1', 'nibss', '2070LA12', 0, 0)")).await?;
    ok(db, &format!("{inv}('i2', 'interswitch', '2070LA12', 0, 0)")).await?;
    refused(db, &format!("{inv}('i3', 'nibss', '2070LA12', 0, 0)")).await?;

    // Ruleset children go with their ruleset; versions are unique per ruleset.
    ok(
        db,
        "INSERT INTO rulesets (id, name, valid_from, valid_to, created_by, created_at, \
            modified_by, modified_at) VALUES ('r1', 'R', 0, 1, 'u', 0, 'u', 0)",
    )
    .await?;
    ok(
        db,
        "INSERT INTO ruleset_bin_ranges (id, ruleset_id, ica, bin_from, bin_to) \
            VALUES ('b1', 'r1', '1', '541234', '541299')",
    )
    .await?;
    ok(
        db,
        "INSERT INTO ruleset_services (ruleset_id, service_code) VALUES ('r1', 'LOUNGE')",
    )
    .await?;
    refused(
        db,
        "INSERT INTO ruleset_services (ruleset_id, service_code) VALUES ('r1', 'NOPE')",
    )
    .await?;
    let ver = "INSERT INTO ruleset_versions (id, ruleset_id, version, snapshot_json, created_by, \
               created_at) VALUES ";
    ok(db, &format!("{ver}('v1', 'r1', 1, '{{}}', 'u', 0)")).await?;
    refused(db, &format!("{ver}('v2', 'r1', 1, '{{}}', 'u', 0)")).await?;
    ok(db, "DELETE FROM rulesets WHERE id = 'r1'").await?;
    let left = count(db, "SELECT COUNT(*) FROM ruleset_bin_ranges").await?
        + count(db, "SELECT COUNT(*) FROM ruleset_services").await?
        + count(db, "SELECT COUNT(*) FROM ruleset_versions").await?;
    if left != 0 {
        return Err("ruleset children were not deleted with the ruleset".into());
    }
    Ok(())
}

fn blob_literal(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        sea_orm_migration::sea_orm::DatabaseBackend::Postgres => "'\\x00'::bytea",
        _ => "X'00'",
    }
}

async fn cycle(db: &DatabaseConnection) -> TestResult {
    Migrator::up(db, None).await.map_err(err)?;
    assert_tables(db, true).await?;
    check_constraints(db).await?;
    Migrator::down(db, None).await.map_err(err)?;
    assert_tables(db, false).await?;
    Migrator::up(db, None).await.map_err(err)?;
    assert_tables(db, true).await?;
    // A fresh schema again: the same checks pass on the re-created tables.
    check_constraints(db).await?;
    if !Migrator::get_pending_migrations(db)
        .await
        .map_err(err)?
        .is_empty()
    {
        return Err("migrations still pending after up".into());
    }
    Ok(())
}

#[tokio::test]
async fn migrate_sqlite_memory() {
    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.sqlx_logging(false);
    let db = Database::connect(opts).await.expect("connect sqlite");
    exec(&db, "PRAGMA foreign_keys = ON").await.expect("pragma");
    cycle(&db).await.expect("sqlite migration cycle");
}

fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

#[tokio::test]
async fn migrate_postgres() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL migration test");
        return;
    };
    let schema = format!("t_{}", random_hex());
    let mut admin_opts = ConnectOptions::new(url.clone());
    admin_opts.sqlx_logging(false).max_connections(1);
    let admin = Database::connect(admin_opts)
        .await
        .expect("connect postgres");
    exec(&admin, &format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create schema");

    let result = async {
        let mut opts = ConnectOptions::new(url.clone());
        opts.sqlx_logging(false)
            .max_connections(2)
            .set_schema_search_path(schema.clone());
        let db = Database::connect(opts).await.map_err(err)?;
        let r = cycle(&db).await;
        db.close().await.map_err(err)?;
        r
    }
    .await;

    let dropped = exec(&admin, &format!("DROP SCHEMA \"{schema}\" CASCADE")).await;
    result.expect("postgres migration cycle");
    dropped.expect("drop schema");
}
