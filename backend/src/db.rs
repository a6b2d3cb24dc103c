//! Opening the database (SQLite file by default, PostgreSQL by URL) and migrating it.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, Statement};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbOpenError {
    #[error("cannot connect to the database: {0}")]
    Connect(DbErr),
    #[error("cannot migrate the database: {0}")]
    Migrate(DbErr),
}

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

/// Connect and bring the schema up to date. `schema` (PostgreSQL only) selects a schema via
/// the search path, which is how tests get a private, disposable database.
pub async fn open(url: &str, schema: Option<&str>) -> Result<DatabaseConnection, DbOpenError> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        // sqlx pings a pooled connection before handing it out (one more round trip per
        // statement, seen in the entry-path profile). It stays on: with it off (2026-12-07) a
        // full integration run hung once in a test with no CPU, the signature of a reused
        // connection left mid-protocol; until that is understood, a broken connection must be
        // caught by the ping rather than by the request that gets it.
        .acquire_timeout(Duration::from_secs(30));
    if is_sqlite(url) {
        // One writer at a time is SQLite's model; a small pool with WAL lets readers proceed.
        // The settings go on every pooled connection (a PRAGMA run once would reach only one):
        // WAL, fsync at checkpoints rather than every commit (durable across process crashes,
        // the usual WAL trade-off), a writer waits for the lock instead of failing, FKs on.
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        opts.max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    // 32 MiB of page cache per connection (default 2 MiB): bulk enrolment
                    // inserts into random-keyed indexes stop thrashing once the table is large.
                    .pragma("cache_size", "-32768")
            });
    } else {
        opts.max_connections(32).min_connections(2);
    }
    if let Some(schema) = schema {
        opts.set_schema_search_path(schema.to_owned());
    }
    let db = Database::connect(opts)
        .await
        .map_err(DbOpenError::Connect)?;
    Migrator::up(&db, None)
        .await
        .map_err(DbOpenError::Migrate)?;
    Ok(db)
}

/// `SELECT 1`, for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1",
    ))
    .await
    .map(|_| ())
}

/// A throw-away database for one test: a temp SQLite file, or a fresh PostgreSQL schema.
pub struct TestDb {
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<TempDir>,
}

/// Minimal temp dir (removed on drop), to avoid a dependency for tests only.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_suffix() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("ac-test-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("test.db").display());
        TestDb {
            url,
            schema: None,
            _dir: Some(TempDir(dir)),
        }
    }

    /// A fresh schema in `TEST_DATABASE_URL`, or `None` when that is unset.
    pub async fn postgres() -> Option<TestDb> {
        let url = std::env::var("TEST_DATABASE_URL").ok()?;
        let schema = format!("t_{}", random_suffix());
        let admin = Database::connect(url.clone())
            .await
            .expect("TEST_DATABASE_URL reachable");
        admin
            .execute(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE SCHEMA \"{schema}\""),
            ))
            .await
            .expect("create test schema");
        admin.close().await.ok();
        Some(TestDb {
            url,
            schema: Some(schema),
            _dir: None,
        })
    }

    /// Every database the test run covers: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite()];
        dbs.extend(TestDb::postgres().await);
        dbs
    }

    pub fn name(&self) -> &'static str {
        if self.schema.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    pub async fn open(&self) -> DatabaseConnection {
        open(&self.url, self.schema.as_deref())
            .await
            .expect("open test database")
    }
}

// Schemas are left for the dropping test run to clean: `Drop` can't run async code, so
// a PostgreSQL schema is dropped by `cleanup` when a test calls it.
impl TestDb {
    pub async fn cleanup(&self) {
        if let Some(schema) = &self.schema {
            if let Ok(admin) = Database::connect(self.url.clone()).await {
                let _ = admin
                    .execute(Statement::from_string(
                        admin.get_database_backend(),
                        format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
                    ))
                    .await;
                admin.close().await.ok();
            }
        }
    }
}
