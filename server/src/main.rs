use clap::Parser;
use server::config::Config;

#[tokio::main]
async fn main() {
    let cfg = Config::parse();
    server::telemetry::init(cfg.log_format);
    if let Err(e) = server::startup::run(cfg).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
