//! Dispatch of the command line: sets up errors, logging and the runtime, then runs one
//! command. Expected failures print one clear line on stderr and exit with code 2.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::api::{ApiKey, Client, ClientConfig, LeadQuery, MAX_PAGE_SIZE, Status};
use crate::cli::{Cli, Command, LeadsCommand, SendArgs};
use crate::headless;
use crate::store::Store;
use crate::sync::send::{SendOptions, send_all};

/// Exit code for usage, authentication and network errors.
pub const EXIT_FAILURE: u8 = 2;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _log_guard = crate::logging::init(cli.log_file.as_deref());
    if let Err(e) = color_eyre::install() {
        tracing::warn!("color-eyre not installed: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("could not start the async runtime: {e}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(report) => fail(&format!("{report:#}")),
    }
}

/// Print one error line on stderr and return exit code 2.
pub fn fail(message: &str) -> ExitCode {
    tracing::error!("{message}");
    let _ = writeln!(std::io::stderr(), "lead-triage: {message}");
    ExitCode::from(EXIT_FAILURE)
}

async fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(crate::config::config_path);
    let config = match crate::config::load(&config_path) {
        Ok(c) => c,
        Err(e) => return Ok(fail(&e.to_string())),
    };
    let ctx = Ctx { cli, config };
    let cli = &ctx.cli;
    match cli.command {
        Some(Command::DemoServer(ref args)) => {
            crate::demo_server::run_until_signal(args.to_config()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Leads(ref cmd)) => Ok(leads(cmd, &ctx).await),
        Some(Command::Sync { send }) => Ok(sync(&ctx, send).await),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "lead-triage", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        None => tui(&ctx).await,
    }
}

/// Open the TUI on the configured account, or on the built-in server with `--demo`.
/// The command line with the configuration file it pointed to.
struct Ctx {
    cli: Cli,
    config: crate::config::LoadedConfig,
}

impl Ctx {
    /// Command line (or environment) first, then the file, then the default.
    fn base_url(&self) -> String {
        self.cli
            .base_url
            .clone()
            .or_else(|| self.config.file.base_url.clone())
            .unwrap_or_else(|| crate::api::config::DEFAULT_BASE_URL.to_owned())
    }
}

async fn tui(ctx: &Ctx) -> color_eyre::Result<ExitCode> {
    let cli = &ctx.cli;
    let keymap = match crate::keymap::Keymap::load_user(&crate::config::keymap_path()) {
        Ok(k) => k,
        Err(e) => return Ok(fail(&e.to_string())),
    };
    // Keep the demo server alive for as long as the TUI runs.
    let mut _demo = None;
    let (client, key, namespace, source) = if cli.demo {
        let server = crate::demo_server::start(crate::demo_server::ServerConfig::default()).await?;
        let key = ApiKey::new(server.api_key())?;
        let client = match client_for(cli, &server.base_url(), key.clone()) {
            Ok(c) => c,
            Err(e) => return Ok(fail(&e)),
        };
        _demo = Some(server);
        (
            client,
            key,
            "demo".to_owned(),
            "demo: built-in server, no account".to_owned(),
        )
    } else {
        match client_from_env(ctx) {
            Ok((c, key)) => {
                let host = c.base_url().host_str().unwrap_or("?").to_owned();
                (c, key, ctx.base_url(), host)
            }
            Err(e) => return Ok(fail(&e)),
        }
    };
    let store = match open_store(cli, &namespace, &key) {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    let file = &ctx.config.file;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let settings = crate::app::Settings {
        debounce: std::time::Duration::from_millis(
            cli.debounce_ms.or(file.debounce_ms).unwrap_or(1500),
        ),
        concurrency: usize::from(cli.concurrency.or(file.concurrency).unwrap_or(4)),
        backoff: cli.backoff(),
        source,
        color: !no_color && file.color.unwrap_or(true),
        mouse: cli.mouse || file.mouse.unwrap_or(false),
        palette: file.palette().unwrap_or_default(),
        ..crate::app::Settings::default()
    };
    let state = crate::app::State::new(
        settings,
        keymap,
        crate::sync::backoff::Jitter::from_entropy(),
    );
    crate::tui::run(crate::runner::Runner::new(client, state, Some(store))).await?;
    Ok(ExitCode::SUCCESS)
}

/// `lead-triage sync`: send the outbox without the TUI.
async fn sync(ctx: &Ctx, send: SendArgs) -> ExitCode {
    let cli = &ctx.cli;
    let (client, key) = match client_from_env(ctx) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let mut store = match open_store(cli, &ctx.base_url(), &key) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let rows = match store.outbox() {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let report = crate::sync::outbox::send_outbox(
        &client,
        &mut store,
        rows,
        usize::from(send.concurrency),
        cli.backoff(),
    )
    .await;
    let mut out = std::io::stdout().lock();
    if let Err(e) = headless::write_report(&mut out, &report) {
        return fail(&format!("could not write the output: {e}"));
    }
    if let Some(e) = &report.fatal {
        let _ = writeln!(std::io::stderr(), "lead-triage: {e}");
    }
    ExitCode::from(report.exit_code())
}

/// Build the client from the key (`PUFFLE_API_KEY`, else the private config file) and the
/// base URL, or explain what is wrong.
fn client_from_env(ctx: &Ctx) -> Result<(Client, ApiKey), String> {
    let key = ctx.config.api_key().map_err(|e| e.to_string())?;
    let client = client_for(&ctx.cli, &ctx.base_url(), key.clone())?;
    Ok((client, key))
}

fn client_for(cli: &Cli, base_url: &str, key: ApiKey) -> Result<Client, String> {
    let mut cfg = ClientConfig::new(base_url, key).map_err(|e| e.to_string())?;
    cfg.timeout = std::time::Duration::from_millis(cli.timeout_ms.max(1));
    cfg.connect_timeout = cfg.timeout.min(cfg.connect_timeout);
    Client::new(cfg).map_err(|e| e.to_string())
}

/// Open the store of this base URL and account.
fn open_store(cli: &Cli, namespace: &str, key: &ApiKey) -> Result<Store, String> {
    let dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(crate::store::default_data_dir);
    let path = crate::store::namespace_file(&dir, namespace, key);
    Store::open(&path).map_err(|e| format!("{e} (use --data-dir to choose another place)"))
}

async fn leads(cmd: &LeadsCommand, ctx: &Ctx) -> ExitCode {
    let cli = &ctx.cli;
    // Validate the user's input before anything touches the network.
    let (changes, send) = match cmd {
        LeadsCommand::List { .. } => (Vec::new(), None),
        LeadsCommand::Update { items, send } => match headless::parse_items(items) {
            Ok(c) => (c, Some(*send)),
            Err(e) => return fail(&e.to_string()),
        },
        LeadsCommand::Set { status, ids, send } => {
            match headless::parse_ids(ids, std::io::stdin().lock()) {
                Ok(ids) => (
                    crate::sync::batch::set_all(&ids, Status::from(*status)),
                    Some(*send),
                ),
                Err(e) => return fail(&e.to_string()),
            }
        }
    };
    let client = match client_from_env(ctx) {
        Ok((c, _)) => c,
        Err(e) => return fail(&e),
    };
    match (cmd, send) {
        (
            LeadsCommand::List {
                group_by,
                sort_by,
                format,
            },
            _,
        ) => list(&client, *group_by, *sort_by, *format).await,
        (_, Some(send)) => update(&client, changes, send, cli.backoff()).await,
        (_, None) => fail("internal: no send options"),
    }
}

async fn list(
    client: &Client,
    group_by: crate::api::GroupBy,
    sort_by: crate::api::SortBy,
    format: crate::cli::ListFormat,
) -> ExitCode {
    let query = LeadQuery {
        group_by,
        sort_by,
        limit: MAX_PAGE_SIZE,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match headless::list(client, query, format, &mut out).await {
        Ok(summary) => {
            drop(out);
            let mut err = std::io::stderr();
            if summary.skipped > 0 {
                let _ = writeln!(
                    err,
                    "lead-triage: warning: {} rows had no usable id and were left out",
                    summary.skipped
                );
            }
            if let Some(e) = summary.hydration_error {
                let _ = writeln!(
                    err,
                    "lead-triage: warning: could not learn every status ({e}); {} leads are listed as unknown",
                    summary.unknown_status
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            drop(out);
            fail(&e.to_string())
        }
    }
}

async fn update(
    client: &Client,
    changes: Vec<crate::api::StatusChange>,
    send: SendArgs,
    backoff: crate::sync::backoff::Backoff,
) -> ExitCode {
    let opts = SendOptions {
        concurrency: usize::from(send.concurrency),
        backoff,
        ..SendOptions::default()
    };
    let report = send_all(client, changes, &opts).await;
    let mut out = std::io::stdout().lock();
    if let Err(e) = headless::write_report(&mut out, &report) {
        return fail(&format!("could not write the output: {e}"));
    }
    if let Some(e) = &report.fatal {
        let _ = writeln!(std::io::stderr(), "lead-triage: {e}");
    }
    ExitCode::from(report.exit_code())
}
