//! The project's build tool, so that building, running and testing need only cargo, rustup's
//! wasm target and the package registries (no cargo-leptos, no downloaded binaries):
//!
//! - `cargo xtask site [--release]`: the WASM bundle, CSS and assets under `target/site`.
//! - `cargo xtask run [--release | --debug-site] [-- <server args>]`: the site (the release
//!   bundle unless `--debug-site`), then the server (`--release`: a release build) with `--demo`.
//! - `cargo xtask bench-load`: the panel's cold load in headless Chromium (prints figures).
//! - `cargo xtask test`: every check and test, as CI runs them (`.ci/run`), API conformance
//!   (Schemathesis against the OpenAPI document) included.
//!
//! The names and paths below mirror `[[workspace.metadata.leptos]]` in the root Cargo.toml.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

/// `name` in the leptos metadata: the file names of the bundle.
const OUTPUT_NAME: &str = "access-control";
const SITE_ROOT: &str = "target/site";
const SITE_PKG_DIR: &str = "pkg";
const STYLE_FILE: &str = "style/main.css";
const ASSETS_DIR: &str = "public";
const FRONTEND_PACKAGE: &str = "frontend";
const SERVER_PACKAGE: &str = "server";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const WASM_RELEASE_PROFILE: &str = "wasm-release";
/// npm's binaryen (Debian's wasm-opt 108 produces a module that fails to hydrate).
const BINARYEN_VERSION: &str = "132";
const TOOLS_DIR: &str = "target/tools";
/// Under the site root after a release build: the bundle's content hashes (leptos' format).
const HASH_FILE: &str = "hash.txt";
const CHROMIUM: &str = "/usr/bin/chromium";
const END2END_DIR: &str = "end2end";
const DEMO_ADMIN_EMAIL: &str = "admin@demo.example";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Schemathesis from PyPI, pinned so that a new release's checks cannot break the build.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
const SCHEMATHESIS_VENV: &str = "schemathesis-venv";
/// Fixed, so a failure reproduces; few examples per operation keep the step within minutes.
const SCHEMATHESIS_SEED: &str = "1";
const SCHEMATHESIS_MAX_EXAMPLES: &str = "5";
/// A demo location (Warsaw lounge) to stand the fuzzed POS terminal at.
const DEMO_LOCATION_ID: &str = "00000000-0000-4000-8000-0000000000a1";

#[derive(Parser)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Build, run and test the access control panel"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the hydrating WASM bundle, the CSS and the assets into target/site.
    Site {
        /// Build with the wasm-release profile and shrink the bundle with wasm-opt -Oz.
        #[arg(long)]
        release: bool,
    },
    /// Build the site and the server, then run the server with --demo. The site is the
    /// release bundle (small, content-hashed, cached by browsers); the server a debug build.
    Run {
        /// Release build of the server too.
        #[arg(long)]
        release: bool,
        /// The debug bundle instead (much faster to rebuild while working on the panel;
        /// about 26 MB, hydrates slowly, no long-lived caching).
        #[arg(long, conflicts_with = "release")]
        debug_site: bool,
        /// Extra arguments for the server, after `--` (e.g. `-- --listen 127.0.0.1:8080`).
        #[arg(last = true)]
        server_args: Vec<OsString>,
    },
    /// Run every check and test: fmt, clippy, cargo test, the site, and the browser tests.
    Test,
    /// Only the API conformance step: build the server, then Schemathesis against a demo
    /// server (see `schemathesis.toml`).
    Conformance {
        /// Use the debug server and pos-sim already built under target/debug.
        #[arg(long)]
        no_build: bool,
    },
    /// The cold-load benchmark: release site and server, a demo server, then
    /// `end2end/bench/cold-load.mjs` in headless Chromium (prints the figures).
    BenchLoad,
    /// Only the browser tests: build the site and the server, then Playwright (with
    /// `-- <args>` for Playwright, e.g. `-- tests/users.spec.ts`).
    E2e {
        #[arg(last = true)]
        playwright_args: Vec<OsString>,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = workspace_root()
        .and_then(|root| {
            std::env::set_current_dir(&root)
                .with_context(|| format!("cannot enter the workspace root {}", root.display()))
        })
        .and_then(|()| match cli.command {
            Cmd::Site { release } => build_site(release),
            Cmd::Run {
                release,
                debug_site,
                server_args,
            } => run_server(release, !debug_site, server_args),
            Cmd::Test => test_all(),
            Cmd::E2e { playwright_args } => e2e_only(&playwright_args),
            Cmd::BenchLoad => bench_load(),
            Cmd::Conformance { no_build } => {
                if !no_build {
                    build_server_for_tests()?;
                }
                api_conformance()
            }
        });
    if let Err(err) = result {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask is not inside the workspace")
}

/// Cargo's target directory (relative to the workspace root unless CARGO_TARGET_DIR says else).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The command line, for the log (`cargo` for the cargo that runs xtask).
fn describe(cmd: &Command) -> String {
    let program = cmd.get_program();
    let mut line = if std::env::var_os("CARGO").is_some_and(|cargo| cargo == program) {
        "cargo".to_owned()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs a command with inherited output; an error unless it exits with 0.
fn run(cmd: &mut Command) -> Result<()> {
    let line = describe(cmd);
    println!("$ {line}");
    flush();
    let status = cmd
        .status()
        .with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

fn flush() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}

// ---------------------------------------------------------------------------------------------
// site

fn ensure_wasm_target() -> Result<()> {
    let output = match Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            println!("xtask: rustup not found; assuming the {WASM_TARGET} target is installed");
            return Ok(());
        }
        Err(err) => return Err(err).context("cannot run rustup"),
    };
    if !output.status.success() {
        bail!(
            "`rustup target list --installed` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let installed = String::from_utf8_lossy(&output.stdout);
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// `cargo xtask site`: target/site/pkg/{access-control.js, access-control_bg.wasm,
/// access-control.css} and the assets of public/ in target/site.
fn build_site(release: bool) -> Result<()> {
    ensure_wasm_target()?;

    let mut build = cargo();
    build.args([
        "build",
        "-p",
        FRONTEND_PACKAGE,
        "--lib",
        "--target",
        WASM_TARGET,
    ]);
    if release {
        build.args(["--profile", WASM_RELEASE_PROFILE]);
    }
    run(&mut build)?;

    let profile_dir = if release {
        WASM_RELEASE_PROFILE
    } else {
        "debug"
    };
    let input = target_dir()
        .join(WASM_TARGET)
        .join(profile_dir)
        .join(format!("{FRONTEND_PACKAGE}.wasm"));
    let site_root = Path::new(SITE_ROOT);
    let pkg_dir = site_root.join(SITE_PKG_DIR);
    fs::create_dir_all(&pkg_dir).with_context(|| format!("cannot create {}", pkg_dir.display()))?;
    // wasm-bindgen and wasm-opt take a while on a release bundle: skip them when the
    // compiled module is the one the site was last made from.
    // Outside the site root, which is served.
    let stamp_file = target_dir().join("site-bundle.stamp");
    let stamp = bundle_stamp(&input, release)?;
    if fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        println!("xtask: the bundle in {} is up to date", pkg_dir.display());
    } else {
        let _ = fs::remove_file(&stamp_file);
        build_bundle(release, &input, site_root, &pkg_dir)?;
        fs::write(&stamp_file, &stamp)
            .with_context(|| format!("cannot write {}", stamp_file.display()))?;
    }

    let css = pkg_dir.join(format!("{OUTPUT_NAME}.css"));
    fs::copy(STYLE_FILE, &css)
        .with_context(|| format!("cannot copy {STYLE_FILE} to {}", css.display()))?;

    let assets = Path::new(ASSETS_DIR);
    if assets.is_dir() {
        copy_dir(assets, site_root)?;
    }
    println!("xtask: site ready in {SITE_ROOT}");
    Ok(())
}

/// What the bundle is made from: the profile and the compiled module's size and mtime.
fn bundle_stamp(input: &Path, release: bool) -> Result<String> {
    let meta = fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    Ok(format!(
        "release={release} len={} mtime={mtime}\n",
        meta.len()
    ))
}

/// wasm-bindgen (and for a release, wasm-opt and content-hashed names) into `pkg_dir`.
fn build_bundle(release: bool, input: &Path, site_root: &Path, pkg_dir: &Path) -> Result<()> {
    // wasm-bindgen only adds snippet files: drop those of earlier builds.
    let snippets = pkg_dir.join("snippets");
    if snippets.exists() {
        fs::remove_dir_all(&snippets)
            .with_context(|| format!("cannot remove {}", snippets.display()))?;
    }

    println!(
        "xtask: wasm-bindgen {} -> {}/{OUTPUT_NAME}{{.js,_bg.wasm}}",
        input.display(),
        pkg_dir.display()
    );
    flush();
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(input)
        .web(true)?
        .out_name(OUTPUT_NAME)
        .typescript(false)
        .generate(pkg_dir)
        .with_context(|| format!("wasm-bindgen failed on {}", input.display()))?;

    let bg_wasm = pkg_dir.join(format!("{OUTPUT_NAME}_bg.wasm"));
    // Hashed names of an earlier release build would otherwise pile up (and a stale hash
    // file would point the server at them after a debug build).
    remove_hashed(site_root, pkg_dir)?;
    if release {
        let wasm_opt = ensure_wasm_opt()?;
        let before = fs::metadata(&bg_wasm)?.len();
        run(Command::new(&wasm_opt)
            .arg("-Oz")
            .arg(&bg_wasm)
            .arg("-o")
            .arg(&bg_wasm))?;
        println!("xtask: wasm-opt -Oz: {} before", human_size(before));
        let wasm = hash_name(pkg_dir, &bg_wasm, "wasm")?;
        print_sizes(&wasm.1)?;
        let js = hash_name(pkg_dir, &pkg_dir.join(format!("{OUTPUT_NAME}.js")), "js")?;
        // Read by leptos' <HydrationScripts> (LeptosOptions::hash_files, set by the server
        // when this file exists): the page then asks for the hashed names.
        let hash_file = site_root.join(HASH_FILE);
        fs::write(&hash_file, format!("js: {}\nwasm: {}\n", js.0, wasm.0))
            .with_context(|| format!("cannot write {}", hash_file.display()))?;
        println!(
            "xtask: content-hashed names: {}, {} ({})",
            js.1.display(),
            wasm.1.display(),
            hash_file.display()
        );
    } else {
        print_sizes(&bg_wasm)?;
    }

    Ok(())
}

/// `<OUTPUT_NAME>.<hash>.<ext>`: the file renamed after (a prefix of) its content's SHA-256,
/// so browsers may cache it for good (`Cache-Control: immutable`, see server/src/http/assets.rs).
fn hash_name(pkg_dir: &Path, file: &Path, ext: &str) -> Result<(String, PathBuf)> {
    use sha2::{Digest, Sha256};
    let bytes = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let digest = Sha256::digest(&bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let to = pkg_dir.join(format!("{OUTPUT_NAME}.{hash}.{ext}"));
    fs::rename(file, &to)
        .with_context(|| format!("cannot rename {} to {}", file.display(), to.display()))?;
    Ok((hash, to))
}

/// Removes the hash file and the content-hashed bundle files of an earlier release build.
fn remove_hashed(site_root: &Path, pkg_dir: &Path) -> Result<()> {
    let hash_file = site_root.join(HASH_FILE);
    if hash_file.exists() {
        fs::remove_file(&hash_file)
            .with_context(|| format!("cannot remove {}", hash_file.display()))?;
    }
    let prefix = format!("{OUTPUT_NAME}.");
    for entry in
        fs::read_dir(pkg_dir).with_context(|| format!("cannot read {}", pkg_dir.display()))?
    {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let hashed = name.strip_prefix(&prefix).is_some_and(|rest| {
            rest.split_once('.').is_some_and(|(hash, ext)| {
                hash.len() == 16
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
                    && matches!(ext, "js" | "wasm")
            })
        });
        if hashed {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// npm's wasm-opt under target/tools, installed there when missing (or of another version).
fn ensure_wasm_opt() -> Result<PathBuf> {
    let tools = Path::new(TOOLS_DIR);
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    let manifest = tools.join("node_modules/binaryen/package.json");
    let wanted = format!("\"version\": \"{BINARYEN_VERSION}.");
    let current = fs::read_to_string(&manifest).unwrap_or_default();
    if wasm_opt.exists() && current.contains(&wanted) {
        return Ok(wasm_opt);
    }
    fs::create_dir_all(tools)?;
    run(Command::new("npm")
        .args(["install", "--prefix", TOOLS_DIR, "--no-audit", "--no-fund"])
        .arg(format!("binaryen@{BINARYEN_VERSION}")))?;
    if !wasm_opt.exists() {
        bail!(
            "npm installed binaryen but {} is missing",
            wasm_opt.display()
        );
    }
    Ok(wasm_opt)
}

fn print_sizes(wasm: &Path) -> Result<()> {
    use flate2::{write::GzEncoder, Compression};
    let bytes = fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(&bytes)?;
    let gzipped = gz.finish()?.len() as u64;
    println!(
        "xtask: {}: {} raw, {} gzipped",
        wasm.display(),
        human_size(bytes.len() as u64),
        human_size(gzipped)
    );
    Ok(())
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let source = entry.path();
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&source, &dest)?;
        } else {
            fs::copy(&source, &dest).with_context(|| {
                format!("cannot copy {} to {}", source.display(), dest.display())
            })?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// run

fn leptos_env(cmd: &mut Command) {
    cmd.env("LEPTOS_SITE_ROOT", SITE_ROOT)
        .env("LEPTOS_OUTPUT_NAME", OUTPUT_NAME)
        .env("LEPTOS_SITE_PKG_DIR", SITE_PKG_DIR);
}

fn run_server(release: bool, release_site: bool, server_args: Vec<OsString>) -> Result<()> {
    build_site(release_site)?;
    let mut build = cargo();
    build.args(["build", "-p", SERVER_PACKAGE]);
    if release {
        build.arg("--release");
    }
    run(&mut build)?;

    let binary = target_dir()
        .join(if release { "release" } else { "debug" })
        .join(SERVER_PACKAGE);
    let mut server = Command::new(&binary);
    leptos_env(&mut server);
    if !server_args.iter().any(|arg| arg == "--demo") {
        server.arg("--demo");
    }
    server.args(&server_args);
    println!("$ {}", describe(&server));
    flush();
    let err = server.exec();
    Err(err).with_context(|| format!("cannot start {}", binary.display()))
}

// ---------------------------------------------------------------------------------------------
// test

enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

#[derive(Default)]
struct Steps {
    done: Vec<(String, Outcome, Duration)>,
}

impl Steps {
    /// Runs one step under a header, times it and records its outcome; true if it passed.
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result<()>) -> bool {
        let number = self.done.len() + 1;
        println!("\n==> [{number}] {name}");
        flush();
        let start = Instant::now();
        let result = f();
        let elapsed = start.elapsed();
        flush();
        let outcome = match result {
            Ok(()) => {
                println!("<== [{number}] {name}: ok in {}", duration(elapsed));
                Outcome::Passed
            }
            Err(err) => {
                println!(
                    "<== [{number}] {name}: FAILED in {}: {err:#}",
                    duration(elapsed)
                );
                Outcome::Failed(format!("{err:#}"))
            }
        };
        let passed = matches!(outcome, Outcome::Passed);
        self.done.push((name.to_owned(), outcome, elapsed));
        passed
    }

    fn skip(&mut self, name: &str, why: &str) {
        let number = self.done.len() + 1;
        println!("\n==> [{number}] {name}: skipped ({why})");
        self.done.push((
            name.to_owned(),
            Outcome::Skipped(why.to_owned()),
            Duration::ZERO,
        ));
    }

    fn finish(self, total: Duration) -> Result<()> {
        println!("\n==> summary");
        let mut failed = Vec::new();
        for (name, outcome, elapsed) in &self.done {
            match outcome {
                Outcome::Passed => println!("  ok       {:>9}  {name}", duration(*elapsed)),
                Outcome::Failed(why) => {
                    println!("  FAILED   {:>9}  {name}: {why}", duration(*elapsed));
                    failed.push(name.as_str());
                }
                Outcome::Skipped(why) => {
                    println!("  skipped  {:>9}  {name}: {why}", "");
                    failed.push(name.as_str());
                }
            }
        }
        println!("  total    {:>9}", duration(total));
        flush();
        if failed.is_empty() {
            println!("xtask test: all steps passed");
            Ok(())
        } else {
            bail!("not passed: {}", failed.join(", "))
        }
    }
}

fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        format!("{}m{:04.1}s", (secs / 60.0) as u64, secs % 60.0)
    } else {
        format!("{secs:.1}s")
    }
}

/// `cargo xtask test`. Every workspace build here uses one package selection
/// (`--workspace --exclude frontend`, with test targets) so that `cargo test` and the server
/// build share their artifacts: the frontend is built for wasm32 only, where the `app` crate
/// gets `hydrate` alone (a native workspace build would unify `ssr` + `hydrate` into `app`).
fn test_all() -> Result<()> {
    let start = Instant::now();
    let mut steps = Steps::default();

    let tools_ok = steps.step(
        "install what is missing (wasm target, chromium, end2end node_modules)",
        || {
            ensure_wasm_target()?;
            ensure_chromium()?;
            ensure_node_modules()
        },
    );
    steps.step("cargo fmt --check", || {
        run(cargo().args(["fmt", "--all", "--", "--check"]))
    });
    steps.step("cargo clippy (workspace, native, all targets)", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            FRONTEND_PACKAGE,
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    steps.step("cargo clippy (frontend, wasm32)", || {
        ensure_wasm_target()?;
        run(cargo().args([
            "clippy",
            "-p",
            FRONTEND_PACKAGE,
            "--lib",
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]))
    });
    steps.step("cargo test", || {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) => println!("xtask: TEST_DATABASE_URL={url}"),
            Err(_) => println!("xtask: TEST_DATABASE_URL is not set"),
        }
        run(cargo().args(["test", "--workspace", "--exclude", FRONTEND_PACKAGE]))
    });
    let site_ok = steps.step("site (debug)", || build_site(false));
    let server_ok = steps.step("build the server", build_server_for_tests);
    let conformance = "API conformance (Schemathesis)";
    if server_ok {
        steps.step(conformance, api_conformance);
    } else {
        steps.skip(conformance, "the server did not build");
    }
    let e2e = "browser tests (playwright)";
    if tools_ok && site_ok && server_ok {
        steps.step(e2e, end_to_end);
    } else {
        steps.skip(e2e, "an earlier step they need failed");
    }
    steps.finish(start.elapsed())
}

/// The server binary, built with the same selection and targets as `cargo test --workspace`
/// (a narrower `-p server` would unify features differently and recompile every dependency).
fn build_server_for_tests() -> Result<()> {
    run(cargo().args([
        "build",
        "--workspace",
        "--exclude",
        FRONTEND_PACKAGE,
        "--bins",
        "--tests",
    ]))
}

fn e2e_only(playwright_args: &[OsString]) -> Result<()> {
    ensure_chromium()?;
    ensure_node_modules()?;
    build_site(false)?;
    build_server_for_tests()?;
    end_to_end_with(playwright_args)
}

/// `cargo xtask bench-load`: the panel's cold load in headless Chromium, against the release
/// site and server (what `cargo xtask run` serves).
fn bench_load() -> Result<()> {
    ensure_chromium()?;
    ensure_node_modules()?;
    build_site(true)?;
    run(cargo().args(["build", "-p", SERVER_PACKAGE, "--release"]))?;
    let demo = DemoServer::start_profile("bench-load", &[], "release")?;
    let result = run(Command::new("node")
        .arg("bench/cold-load.mjs")
        .current_dir(END2END_DIR)
        .env("BASE_URL", demo.base_url())
        .env("DEMO_ADMIN_EMAIL", DEMO_ADMIN_EMAIL)
        .env("DEMO_ADMIN_PASSWORD", &demo.password));
    demo.finish(result.is_err());
    result
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    let apt = |args: &[&str]| -> Result<()> {
        let mut cmd = if is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "apt-get"]);
            sudo
        };
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null());
        run(&mut cmd)
    };
    apt(&["update"])?;
    apt(&["install", "-y", "chromium"])?;
    if !Path::new(CHROMIUM).exists() {
        bail!("chromium was installed but {CHROMIUM} is missing");
    }
    Ok(())
}

/// `npm ci` in end2end when node_modules is missing or older than package-lock.json.
fn ensure_node_modules() -> Result<()> {
    let dir = Path::new(END2END_DIR);
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

/// The server under test; stopped (SIGTERM, then SIGKILL) when dropped.
struct Server {
    child: Child,
    stopped: bool,
}

impl Server {
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn end_to_end() -> Result<()> {
    end_to_end_with(&[])
}

fn end_to_end_with(playwright_args: &[OsString]) -> Result<()> {
    let demo = DemoServer::start("e2e")?;
    let result = run(Command::new("npx")
        .args(["--no-install", "playwright", "test"])
        .args(playwright_args)
        .current_dir(END2END_DIR)
        .env("BASE_URL", demo.base_url())
        .env("DEMO_ADMIN_EMAIL", DEMO_ADMIN_EMAIL)
        .env("DEMO_ADMIN_PASSWORD", &demo.password)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"));
    demo.finish(result.is_err());
    if result.is_err() {
        println!("xtask: screenshots and traces of failures are under {END2END_DIR}/test-results");
    }
    result
}

/// The debug server with `--demo` on a fresh data dir under target/<name>, on a free port.
struct DemoServer {
    server: Server,
    addr: SocketAddr,
    password: String,
    log_path: PathBuf,
}

impl DemoServer {
    fn start(name: &str) -> Result<Self> {
        Self::start_with(name, &[])
    }

    fn start_with(name: &str, envs: &[(&str, &str)]) -> Result<Self> {
        Self::start_profile(name, envs, "debug")
    }

    /// As [`DemoServer::start_with`], with the server of `profile` (`debug` or `release`).
    fn start_profile(name: &str, envs: &[(&str, &str)], profile: &str) -> Result<Self> {
        let root = std::env::current_dir()?;
        let dir = root.join(target_dir()).join(name);
        let data_dir = dir.join("data");
        if data_dir.exists() {
            fs::remove_dir_all(&data_dir)
                .with_context(|| format!("cannot remove {}", data_dir.display()))?;
        }
        fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let log_path = dir.join("server.log");
        let log = File::create(&log_path)
            .with_context(|| format!("cannot create {}", log_path.display()))?;

        let addr: SocketAddr = {
            let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
            listener.local_addr()?
        };
        let password = random_password()?;
        let binary = root.join(target_dir()).join(profile).join(SERVER_PACKAGE);

        let mut cmd = Command::new(&binary);
        leptos_env(&mut cmd);
        cmd.env("LEPTOS_SITE_ADDR", addr.to_string())
            .env("DEMO_ADMIN_PASSWORD", &password)
            // A fresh store in the data dir, whatever the developer's shell points at.
            .env_remove("DATABASE_URL")
            .envs(envs.iter().copied())
            .arg("--demo")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(&data_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        println!("$ {}  (log: {})", describe(&cmd), log_path.display());
        flush();
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut server = Server {
            child,
            stopped: false,
        };

        if let Err(err) = wait_ready(&mut server.child, addr) {
            server.stop();
            print_log(&log_path, None);
            return Err(err);
        }
        println!("xtask: server ready at http://{addr}");
        Ok(DemoServer {
            server,
            addr,
            password,
            log_path,
        })
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server; with `failed`, shows the end of its log.
    fn finish(mut self, failed: bool) {
        self.server.stop();
        if failed {
            print_log(&self.log_path, Some(150));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// API conformance

/// Schemathesis (`--checks all`) against every operation of `/api-docs/openapi.json` on a demo
/// server: the admin and fleet APIs with a dedicated Admin's bearer token (so that fuzzing the
/// user endpoints cannot lock out the demo admin the setup signs in with), then the POS API
/// with a paired terminal's JWT. Configuration (which statuses count as accepting
/// schema-valid data) is in `schemathesis.toml`.
fn api_conformance() -> Result<()> {
    let st = ensure_schemathesis()?;
    // The demo's velocity limit would refuse a fuzzer's burst of card taps with 429.
    let demo = DemoServer::start_with("schemathesis", &[("POS_VELOCITY_PER_MINUTE", "0")])?;
    let result = fuzz_demo(&st, &demo);
    demo.finish(result.is_err());
    result
}

fn fuzz_demo(st: &Path, demo: &DemoServer) -> Result<()> {
    let addr = demo.addr;
    let admin = bearer_token(addr, DEMO_ADMIN_EMAIL, &demo.password)?;

    // A dedicated Admin for the fuzzer; created with a one-time password, so it chooses its own.
    let email = "schemathesis@demo.example";
    let one_time = random_password()?;
    api_json(
        addr,
        "POST",
        "/api/v1/admin/users",
        Some(&admin),
        &serde_json::json!({"first_name": "Schema", "last_name": "Thesis", "email": email,
            "role": "ADMIN", "password": one_time}),
    )?;
    let first = bearer_token(addr, email, &one_time)?;
    let password = random_password()?;
    api_json(
        addr,
        "POST",
        "/api/v1/auth/password",
        Some(&first),
        &serde_json::json!({"current_password": one_time, "new_password": password}),
    )?;
    let fuzzer = bearer_token(addr, email, &password)?;

    // A terminal at a demo location, paired by pos-sim with its own key.
    let serial = "SCHEMATHESIS-1";
    api_json(
        addr,
        "POST",
        &format!("/api/v1/admin/locations/{DEMO_LOCATION_ID}/terminals"),
        Some(&admin),
        &serde_json::json!({"serial_number": serial}),
    )?;
    let code = api_json(
        addr,
        "POST",
        &format!("/api/v1/admin/terminals/{serial}/pairing-code"),
        Some(&admin),
        &serde_json::json!({}),
    )?;
    let code = code["code"]
        .as_str()
        .context("the pairing-code answer has no `code`")?
        .to_owned();
    let sim_state = target_dir().join("schemathesis").join("pos-sim");
    if sim_state.exists() {
        fs::remove_dir_all(&sim_state)?;
    }
    let pos_sim = target_dir().join("debug").join("pos-sim");
    let quiet = |cmd: &mut Command| -> Result<String> {
        let line = describe(cmd);
        let out = cmd
            .output()
            .with_context(|| format!("cannot start `{line}`"))?;
        if !out.status.success() {
            bail!(
                "`{line}` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    quiet(
        Command::new(&pos_sim)
            .arg("--state")
            .arg(&sim_state)
            .args(["pair", "--server", &demo.base_url(), "--serial", serial])
            .args(["--code", &code]),
    )?;

    let schema = format!("{}/api-docs/openapi.json", demo.base_url());
    let st_run = |token: &str, paths: [&str; 2]| -> Result<()> {
        run(Command::new(st)
            .args(["--no-color", "--config-file", "schemathesis.toml", "run"])
            .arg(&schema)
            .args(["--url", &demo.base_url()])
            .args(["--checks", "all"])
            .args(["--seed", SCHEMATHESIS_SEED])
            .args(["--max-examples", SCHEMATHESIS_MAX_EXAMPLES])
            .args(paths)
            .arg("-H")
            .arg(format!("Authorization: Bearer {token}")))
    };
    // The POS run first: its JWT lives at most 300 s, and fuzzing the admin API may unpair
    // the terminal.
    let jwt = quiet(Command::new(&pos_sim).arg("--state").arg(&sim_state).args([
        "token",
        "--lifetime",
        "300",
    ]))?;
    let pos = st_run(&jwt, ["--include-path-regex", "^/pos/"]);
    let admin_run = st_run(&fuzzer, ["--exclude-path-regex", "^/pos/"]);
    pos.context("the POS API")?;
    admin_run.context("the admin and fleet APIs")
}

/// Schemathesis in a virtualenv under target/, installed from PyPI when missing.
fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = target_dir().join(SCHEMATHESIS_VENV);
    let st = venv.join("bin").join("st");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains(SCHEMATHESIS_VERSION))
        .unwrap_or(false);
    if installed {
        return Ok(st);
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")))?;
    Ok(st)
}

/// `POST /api/v1/auth/token`: a bearer token.
fn bearer_token(addr: SocketAddr, email: &str, password: &str) -> Result<String> {
    let answer = api_json(
        addr,
        "POST",
        "/api/v1/auth/token",
        None,
        &serde_json::json!({"email": email, "password": password}),
    )?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no access_token for {email}: {answer}"))
}

/// A JSON request; the JSON answer, an error unless the status is 2xx.
fn api_json(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<serde_json::Value> {
    let body = body.to_string();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, answer) =
        http_exchange(addr, request.as_bytes()).with_context(|| format!("{method} {path}"))?;
    if !(200..300).contains(&status) {
        bail!("{method} {path} answered {status}: {answer}");
    }
    if answer.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(&answer).with_context(|| format!("{method} {path}: not JSON: {answer}"))
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`): status and body
/// (de-chunked when the answer is chunked).
fn http_exchange(addr: SocketAddr, request: &[u8]) -> Result<(u16, String)> {
    let timeout = Duration::from_secs(30);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| format!("not an HTTP answer: {:?}", String::from_utf8_lossy(&raw)))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = &raw[split + 4..];
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP answer: {head:?}"))?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if !chunked {
        return Ok((status, String::from_utf8_lossy(body).into_owned()));
    }
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        let data = &body[end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        body = data[size..].strip_prefix(b"\r\n").unwrap_or(&data[size..]);
    }
    Ok((status, String::from_utf8_lossy(&out).into_owned()))
}

fn random_password() -> Result<String> {
    let mut bytes = [0u8; 12];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("cannot read /dev/urandom")?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // Upper and lower case, digits and a symbol: passes any reasonable strength rule.
    Ok(format!("E2e-{hex}-Pw!"))
}

fn wait_ready(child: &mut Child, addr: SocketAddr) -> Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited ({status}) before it was ready");
        }
        let last = match http_status(addr, "/readyz") {
            Ok(200) => return Ok(()),
            Ok(code) => format!("GET /readyz answered {code}"),
            Err(err) => format!("GET /readyz: {err:#}"),
        };
        if Instant::now() >= deadline {
            bail!(
                "the server was not ready within {}s ({last})",
                READY_TIMEOUT.as_secs()
            );
        }
        thread::sleep(Duration::from_millis(250));
    }
}

/// A minimal HTTP/1.1 GET (no client crate needed): the status code.
fn http_status(addr: SocketAddr, path: &str) -> Result<u16> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = Vec::new();
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let status_line = head.lines().next().unwrap_or_default();
    status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP answer: {status_line:?}"))
}

/// The server's log (its last `tail` lines, if given).
fn print_log(path: &Path, tail: Option<usize>) {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = tail.map_or(0, |n| lines.len().saturating_sub(n));
    println!("---- {} ({} lines) ----", path.display(), lines.len());
    for line in &lines[from..] {
        println!("{line}");
    }
    println!("---- end of server log ----");
    flush();
}
