//! Wiring: configuration → backend → router → listener.

use crate::config::Config;
use crate::http::{self, AppState};
use anyhow::Context;
use app::ui::{shell, App, OUTPUT_NAME};
use axum::Router;
use backend::{db, demo, Backend, Settings, SystemClock};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// The leptos options of a site. A release site (`cargo xtask site --release`) has content-hashed
/// bundle names, listed in `<site>/hash.txt`: the pages then ask for those.
pub fn leptos_options(site_root: &Path, addr: SocketAddr) -> LeptosOptions {
    let hash_file = site_root.join("hash.txt");
    // leptos reads the file relative to the executable's folder; an absolute path wins.
    let hash_file = hash_file
        .is_file()
        .then(|| std::path::absolute(&hash_file).ok())
        .flatten();
    let options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr);
    match hash_file {
        Some(f) => options
            .hash_files(true)
            .hash_file(f.display().to_string().into())
            .build(),
        None => options.build(),
    }
}

/// The services' tunables from the configuration.
pub fn settings(cfg: &Config) -> Settings {
    Settings {
        // Served over TLS (directly, or in production always, behind a TLS-terminating
        // proxy): the cookie must say so too.
        secure_cookies: cfg.secure_cookies || cfg.tls().is_some() || cfg.is_production(),
        session_idle_secs: cfg.session_idle_secs,
        session_max_secs: cfg.session_max_secs,
        trusted_proxies: cfg.trusted_proxies.clone(),
        acquirer_timeout: std::time::Duration::from_millis(cfg.acquirer_timeout_ms),
        // Bounded to 1..=3600 by the flag's parser.
        grant_ttl_secs: cfg.grant_ttl_secs as i64,
        pos_velocity_per_minute: cfg.pos_velocity_per_minute,
        rpm_timeout: std::time::Duration::from_millis(cfg.rpm_timeout_ms),
        ..Settings::default()
    }
}

/// Open (and migrate) the database and load the secrets.
pub async fn backend(cfg: &Config) -> anyhow::Result<Backend> {
    let url = cfg.database_url();
    if db::is_sqlite(&url) {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating data folder {}", cfg.data_dir.display()))?;
    }
    let keys = crate::secrets::load(
        crate::secrets::Given {
            pan_hash: cfg.pan_hash_key.as_deref(),
            whitelist: cfg.whitelist_key.as_deref(),
            token: cfg.token_signing_key.as_deref(),
        },
        cfg.is_production(),
        &cfg.data_dir,
    )?;
    let conn = db::open(&url, None).await?;
    let acquirer_timeout = std::time::Duration::from_millis(cfg.acquirer_timeout_ms);
    let settings = settings(cfg);
    let mut backend = Backend::new(conn, Arc::new(SystemClock), keys, settings);
    if let Some(url) = &cfg.rpm_url {
        let rpm = crate::rpm_http::HttpRpm::new(
            url,
            std::time::Duration::from_millis(cfg.rpm_timeout_ms),
            cfg.is_production(),
        )
        .context("the RPM rule engine (--rpm-url)")?;
        tracing::info!(url = %rpm.display_url(), "RPM rule engine: HTTP");
        backend = backend.with_rpm(Arc::new(rpm));
    }
    Ok(match &cfg.acquirer_url {
        Some(url) => {
            let http = crate::acquirer_http::HttpAcquirer::with_policy(
                url,
                acquirer_timeout,
                cfg.is_production(),
            )
            .context("the acquirer adapter (--acquirer-url)")?;
            tracing::info!(url = %http.display_url(), "acquirer: HTTP gateway");
            backend.with_acquirer(Arc::new(http))
        }
        None => backend,
    })
}

/// Every route of the server: health, admin REST, the panel (pages and server functions).
pub fn router(state: AppState) -> Router {
    router_with(state, false)
}

/// As [`router`]; `hsts`: the server speaks TLS itself, so browsers are told to stay on HTTPS.
pub fn router_with(state: AppState, hsts: bool) -> Router {
    let routes = generate_route_list(App);
    let backend = state.backend.clone();
    let options = state.leptos_options.clone();
    let panel_context = {
        let backend = backend.clone();
        move || provide_context(backend.clone())
    };
    let router = Router::new()
        .route("/healthz", axum::routing::get(http::health::healthz))
        .route("/readyz", axum::routing::get(http::health::readyz))
        .merge(http::admin::routes())
        .merge(http::hardening::harden_pos(http::pos::routes()))
        .merge(http::fleet::routes())
        .merge(http::openapi::routes())
        .route(
            "/api/panel/operations/events",
            axum::routing::get(http::live::operations_events),
        )
        .leptos_routes_with_context(&state, routes, panel_context, move || {
            shell(options.clone())
        })
        // The 404 page is the panel's own (its frame asks the backend who is signed in).
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let backend = backend.clone();
                move || provide_context(backend.clone())
            },
            shell,
        ))
        // Server functions' errors with their real status (401/403/404/422…), not Leptos' 500;
        // inside the audit layer, which then sees the 403.
        .layer(axum::middleware::from_fn(http::error::server_fn_status))
        // Hashed bundle files are immutable; everything else under /pkg is revalidated.
        .layer(axum::middleware::from_fn(http::assets::cache_headers))
        // A 403 from the authorization gate goes into the audit log (with the client address).
        .layer(axum::middleware::from_fn_with_state(
            backend.clone(),
            http::audit::record_denials,
        ))
        .layer(axum::middleware::from_fn_with_state(
            backend.clone(),
            http::pages::require_session,
        ))
        // gzip where the client accepts it: the WASM bundle, the pages, exports and the
        // offline whitelist (megabytes of hex) shrink severalfold. The default predicate leaves
        // the SSE stream, images and tiny bodies alone.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(http::origin::same_origin_writes))
        .layer(axum::middleware::from_fn_with_state(
            backend,
            http::stamp_client_ip,
        ))
        .layer(axum::middleware::from_fn(move |req, next| async move {
            if hsts {
                crate::tls::hsts(req, next).await
            } else {
                next.run(req).await
            }
        }));
    http::hardening::harden(router).with_state(state)
}

/// Expire unconfirmed grants, release their cards and void their authorizations, and retry the
/// voids and refunds still owed to the acquirer (with backoff), every few seconds. Every app
/// server runs one; the updates are conditional, so they don't conflict.
pub fn spawn_sweeper(backend: Backend) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            match backend::service::entry::sweep_expired(&backend).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(expired = n, "expired unconfirmed grants"),
                Err(e) => tracing::warn!(error = %e, "grant sweeper failed"),
            }
            match backend::service::acquirer_ledger::retry_due(&backend).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(settled = n, "owed voids/refunds accepted"),
                Err(e) => tracing::warn!(error = %e, "acquirer retry job failed"),
            }
            match backend::service::auth::purge(&backend).await {
                Ok((0, 0)) => {}
                Ok((sessions, throttles)) => {
                    tracing::debug!(
                        sessions,
                        throttles,
                        "expired sessions and throttle rows purged"
                    )
                }
                Err(e) => tracing::warn!(error = %e, "session/throttle purge failed"),
            }
        }
    });
}

/// Pull the MRS enrolment feed on a schedule (see `service::mrs_sync`), from `--mrs-url` or,
/// with `--demo`, from the simulator. Failures are logged and retried at the next tick.
fn spawn_mrs_pull(backend: Backend, cfg: &Config) -> anyhow::Result<()> {
    use backend::mrs::{Mrs, SimulatedMrs};
    let timeout = std::time::Duration::from_secs(30);
    let mrs: Arc<dyn Mrs> = match &cfg.mrs_url {
        Some(url) => {
            let http = crate::mrs_http::HttpMrs::new(url, timeout)?;
            tracing::info!(url = %http.display_url(), "pulling enrolments from MRS");
            Arc::new(http)
        }
        None if cfg.demo => Arc::new(SimulatedMrs::default()),
        None => {
            tracing::info!("no --mrs-url: enrolments arrive through the admin API only");
            return Ok(());
        }
    };
    let every = std::time::Duration::from_secs(cfg.mrs_interval_secs);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match backend::service::mrs_sync::sync(&backend, mrs.as_ref()).await {
                Ok(r) if r.changes == Default::default() => {}
                Ok(r) => tracing::info!(
                    enrolled = r.changes.enrolled,
                    updated = r.changes.updated,
                    unenrolled = r.changes.unenrolled,
                    unchanged = r.changes.unchanged,
                    "MRS enrolments applied"
                ),
                Err(e) => tracing::warn!(error = %e, "MRS pull failed; retrying at the next tick"),
            }
        }
    });
    Ok(())
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> anyhow::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Serve HTTPS until Ctrl-C / SIGTERM.
pub async fn serve_tls(listener: crate::tls::TlsListener, app: Router) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    axum::serve(
        listener.tap_io(|_| {}),
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// Start an HTTPS server for tests on a free loopback port (certificate and key in PEM files);
/// returns its base URL (`https://localhost:port`).
pub async fn spawn_tls_for_tests(
    backend: Backend,
    cert: &Path,
    key: &Path,
) -> anyhow::Result<String> {
    let config = crate::tls::server_config(cert, key)?;
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = tcp.local_addr()?;
    let listener = crate::tls::TlsListener::new(tcp, config)?;
    let state = AppState::new(backend, leptos_options(Path::new("target/site"), addr));
    let app = router_with(state, true);
    tokio::spawn(async move {
        use axum::serve::ListenerExt;
        let _ = axum::serve(
            listener.tap_io(|_| {}),
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Ok(format!("https://localhost:{}", addr.port()))
}

/// Start a server for tests on a free loopback port; returns its base URL.
pub async fn spawn_for_tests(backend: Backend) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(backend, leptos_options(Path::new("target/site"), addr));
    let app = router(state);
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    Ok(format!("http://{addr}"))
}

pub async fn run(cfg: Config) -> anyhow::Result<()> {
    if let Some(crate::config::Command::Admin(cmd)) = &cfg.command {
        let backend = backend(&cfg).await?;
        let out = crate::admin_cli::run(&backend, cmd, &mut std::io::stdin().lock()).await?;
        print!("{out}");
        return Ok(());
    }
    cfg.check_serving().map_err(|e| anyhow::anyhow!(e))?;
    // Read the certificate before anything else: a bad one stops the start at once.
    let tls = match cfg.tls() {
        Some((cert, key)) => Some(crate::tls::server_config(cert, key)?),
        None => None,
    };
    let backend = backend(&cfg).await?;
    if cfg.demo {
        let report = demo::seed(&backend, cfg.demo_admin_password.clone()).await?;
        print_demo(&cfg, &report);
    }
    if !backend::service::users::has_admin(&backend).await? {
        tracing::warn!(
            "no admin yet: create one with `server admin create --email you@example.com` \
             (same --database-url / DATABASE_URL), or try the demo with --demo"
        );
    }
    if !cfg.trusted_proxies.is_empty() {
        tracing::info!(proxies = ?cfg.trusted_proxies, "trusted proxies");
    }
    spawn_sweeper(backend.clone());
    spawn_mrs_pull(backend.clone(), &cfg)?;
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("binding {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(backend, leptos_options(&cfg.site_root, addr));
    match tls {
        Some(config) => {
            tracing::info!(%addr, "listening (HTTPS)");
            println!("\n  Access Control is running at https://{addr}/\n");
            let listener = crate::tls::TlsListener::new(listener, config)?;
            serve_tls(listener, router_with(state, true)).await
        }
        None => {
            tracing::info!(%addr, "listening");
            println!("\n  Access Control is running at http://{addr}/\n");
            serve(listener, router(state)).await
        }
    }
}

fn print_demo(cfg: &Config, r: &demo::DemoReport) {
    if !r.created {
        println!(
            "\n  Demo data already present. Sign in as {} (password as printed on first start{}).",
            r.admin_email,
            if cfg.demo_admin_password.is_some() {
                ", or DEMO_ADMIN_PASSWORD"
            } else {
                ""
            }
        );
        return;
    }
    println!("\n  Demo data seeded.");
    if let Some(pw) = &r.admin_password {
        println!("  Admin sign-in: {} / {}", r.admin_email, pw);
    }
    if let Some(pw) = &r.other_users_password {
        println!(
            "  Other demo users (user@, provider@, issuer@, callcenter@demo.example) password: {pw}"
        );
    }
    if let Some((serial, code)) = &r.pairing_code {
        println!("  Terminal {serial} is ready to pair with code {code} (valid 2 hours).");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn cfg(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("server").chain(args.iter().copied()))
            .expect("parses")
    }

    #[test]
    fn production_forces_secure_cookies_and_sessions_follow_the_flags() {
        assert!(!settings(&cfg(&[])).secure_cookies);
        let s = settings(&cfg(&["--production", "--trusted-proxies", "10.0.0.0/8"]));
        assert!(s.secure_cookies);
        assert_eq!(s.trusted_proxies.len(), 1);
        let s = settings(&cfg(&[
            "--session-idle-secs",
            "120",
            "--session-max-secs",
            "600",
        ]));
        assert_eq!((s.session_idle_secs, s.session_max_secs), (120, 600));
    }
}
