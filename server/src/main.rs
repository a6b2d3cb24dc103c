use clap::Parser;
use server::config::Config;

#[tokio::main]
async fn main() {
    release_big_buffers();
    let cfg = Config::parse();
    server::telemetry::init(cfg.log_format);
    if let Err(e) = server::startup::run(cfg).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Password hashing allocates ≈19 MiB per hash (argon2). glibc's malloc raises its mmap
/// threshold after the first such buffer is freed, so later ones come from per-thread arenas
/// and stay resident after use: a burst of sign-ins then left the process at ~800 MiB even
/// with hashing bounded to one per core. A fixed threshold (128 KiB, glibc's default start)
/// keeps big buffers mmapped, so each is given back to the system when freed (measured by
/// `the_real_binary_stays_under_300_mib_during_a_sign_in_burst`: ~120 MiB peak for 500).
fn release_big_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called first thing, before other threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
