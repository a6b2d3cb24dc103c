//! `server admin create --email E [--password-stdin]`: the first (or another) platform Admin,
//! created in an empty or existing database without demo data. Nothing secret is printed
//! unless the command generated it: a one-time password, shown once, that must be changed at
//! the first sign-in.

use crate::config::{AdminCommand, AdminCreate};
use anyhow::Context;
use backend::service::users;
use backend::{Backend, ServiceError};
use std::io::BufRead;

/// Run an `admin` subcommand; returns what to print.
pub async fn run(
    b: &Backend,
    cmd: &AdminCommand,
    stdin: &mut dyn BufRead,
) -> anyhow::Result<String> {
    match cmd {
        AdminCommand::Create(args) => create(b, args, stdin).await,
    }
}

/// `admin create`: the password from the first line of `stdin` with `--password-stdin`,
/// generated otherwise.
pub async fn create(
    b: &Backend,
    args: &AdminCreate,
    stdin: &mut dyn BufRead,
) -> anyhow::Result<String> {
    let password = if args.password_stdin {
        let mut line = String::new();
        stdin
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let pw = line.trim_end_matches(['\r', '\n']).to_owned();
        anyhow::ensure!(!pw.is_empty(), "no password on standard input");
        Some(pw)
    } else {
        None
    };
    let created = users::create_admin(b, &args.email, password)
        .await
        .map_err(explain)?;
    Ok(match &created.one_time_password {
        Some(pw) => format!(
            "Admin {} created.\nOne-time password (shown once; a new one must be chosen at the \
             first sign-in): {pw}\n",
            created.email
        ),
        None => format!(
            "Admin {} created with the password from standard input.\n",
            created.email
        ),
    })
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Validation(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        ServiceError::Conflict(m) => anyhow::anyhow!(m),
        other => anyhow::anyhow!(other),
    }
}
