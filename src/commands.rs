//! Dispatch of the command line: sets up errors, logging and the runtime, then runs one
//! command. Expected failures print one clear line on stderr and exit with code 2.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::api::{ApiKey, Client, ClientConfig};
use crate::cli::{Cli, Command, SendArgs};
use crate::headless;
use crate::store::Store;

mod leads;
mod signals;

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
        #[cfg(feature = "demo")]
        Some(Command::DemoServer(ref args)) => {
            puffle_demo_server::run_until_signal(args.to_config()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Leads(ref cmd)) => Ok(leads::run(cmd, &ctx).await),
        Some(Command::Signals(ref cmd)) => Ok(signals::run(cmd, &ctx).await),
        Some(Command::Sync { send, force }) => Ok(sync(&ctx, send, force).await),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut cmd, "lead-triage", &mut text);
            Ok(print_all(&text))
        }
        Some(Command::Man) => Ok(print_all(crate::cli::man::page().as_bytes())),
        None => tui(&ctx).await,
    }
}

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

#[cfg(feature = "demo")]
type DemoHandle = puffle_demo_server::ServerHandle;
#[cfg(not(feature = "demo"))]
type DemoHandle = ();

/// Start the built-in server for `--demo`: its handle and base URL.
#[cfg(feature = "demo")]
async fn start_demo() -> Result<(DemoHandle, String, String), String> {
    let server = puffle_demo_server::start(puffle_demo_server::ServerConfig::default())
        .await
        .map_err(|e| format!("could not start the built-in demo server: {e}"))?;
    let (url, key) = (server.base_url(), server.api_key().to_owned());
    Ok((server, url, key))
}

#[cfg(not(feature = "demo"))]
async fn start_demo() -> Result<(DemoHandle, String, String), String> {
    Err("this build has no built-in demo server (it was built without the `demo` feature)".into())
}

/// What the commands talk to: the configured account, or the built-in server with `--demo`.
struct Target {
    client: Client,
    key: ApiKey,
    /// Names the store: the base URL, or `demo`, so changes made in the demo never mix with an
    /// account's outbox.
    namespace: String,
    /// Shown in the title bar.
    source: String,
    /// The built-in server with `--demo`, kept alive as long as the target.
    _demo: Option<DemoHandle>,
}

/// Connect to the configured account (key from `PUFFLE_API_KEY` or the private config file),
/// or with `--demo` start the built-in server on a random loopback port and use it, with no
/// key, base URL or account involved.
async fn connect(ctx: &Ctx) -> Result<Target, String> {
    let cli = &ctx.cli;
    if cli.demo {
        let (server, url, key) = start_demo().await?;
        let key = ApiKey::new(&key).map_err(|e| e.to_string())?;
        let client = client_for(ctx, &url, key.clone())?;
        Ok(Target {
            client,
            key,
            namespace: "demo".to_owned(),
            source: "demo: built-in server, no account".to_owned(),
            _demo: Some(server),
        })
    } else {
        let (client, key) = client_from_env(ctx)?;
        let source = client.base_url().host_str().unwrap_or("?").to_owned();
        Ok(Target {
            client,
            key,
            namespace: ctx.base_url(),
            source,
            _demo: None,
        })
    }
}

/// Open the TUI on the configured account, or on the built-in server with `--demo`.
async fn tui(ctx: &Ctx) -> color_eyre::Result<ExitCode> {
    let cli = &ctx.cli;
    let keymap = match crate::keymap::Keymap::load_user(&crate::config::keymap_path()) {
        Ok(k) => k,
        Err(e) => return Ok(fail(&e.to_string())),
    };
    let commands = match crate::config::commands::resolve(
        ctx.config.file.commands.iter().flatten(),
        &keymap,
    ) {
        Ok(c) => c,
        Err(e) => {
            let path = (cli.config.clone()).unwrap_or_else(crate::config::config_path);
            return Ok(fail(&format!("{}: {e}", path.display())));
        }
    };
    // `_demo` keeps the demo server alive for as long as the TUI runs.
    let Target {
        client,
        key,
        namespace,
        source,
        _demo,
    } = match connect(ctx).await {
        Ok(t) => t,
        Err(e) => return Ok(fail(&e)),
    };
    let (mut store, recovered) = match open_store_checked(cli, &namespace, &key, false) {
        Ok(s) => s,
        Err(e) => return Ok(fail(&e)),
    };
    // The built-in server starts from the same seed on every run, so the previous demo's
    // cached statuses would all read as "changed elsewhere". Unsent demo changes (the
    // outbox) are kept and sent to the new server.
    if cli.demo
        && let Err(e) = store.clear_cache()
    {
        tracing::warn!(error = %e, "could not clear the demo cache");
    }
    let file = &ctx.config.file;
    let (views, start_view) = match saved_views(cli, file) {
        Ok(v) => v,
        Err(e) => return Ok(fail(&e)),
    };
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
        confirm_over: file.confirm_over().unwrap_or(0),
        auto_advance: file.auto_advance.unwrap_or(true),
        prefetch: file.prefetch.unwrap_or(crate::app::pane::PREFETCH),
        signals_fresh: file
            .signals_fresh_min
            .map_or(crate::app::pane::SIGNALS_FRESH, |m| {
                std::time::Duration::from_secs(m.saturating_mul(60))
            }),
        views,
        commands,
        ..crate::app::Settings::default()
    };
    let mut state = crate::app::State::new(
        settings,
        keymap,
        crate::sync::backoff::Jitter::from_entropy(),
    );
    crate::app::views::start(&mut state, start_view);
    state.banner = recovered;
    let exit = crate::tui::run(crate::runner::Runner::new(client, state, Some(store))).await?;
    if let crate::tui::Exit::WorkerFailed(banner) = &exit {
        // Printed after the terminal is restored, so it stays on the rep's screen.
        return Ok(fail(banner));
    }
    Ok(ExitCode::from(exit.code()))
}

/// The config's saved views and the tab to start on (`--view`, else `default_view`).
fn saved_views(
    cli: &Cli,
    file: &crate::config::FileConfig,
) -> Result<(Vec<crate::app::views::SavedView>, usize), String> {
    let pairs: Vec<(String, String)> = (file.views.iter().flatten())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let views = crate::app::views::parse(&pairs)?;
    let tab = match cli.view.as_deref().or(file.default_view.as_deref()) {
        Some(name) => crate::app::views::by_name(&views, name)?,
        None => 0,
    };
    Ok((views, tab))
}

/// `lead-triage sync`: send the outbox without the TUI, through the same engine.
async fn sync(ctx: &Ctx, send: SendArgs, force: bool) -> ExitCode {
    let cli = &ctx.cli;
    let target = match connect(ctx).await {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let store = match open_store(cli, &target.namespace, &target.key) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let client = target.client.clone();
    let leads = send_through_engine(
        target.client,
        Some(store),
        crate::sync::engine::Scope::Outbox { force },
        &send.engine(cli.backoff()),
    )
    .await;
    // Then the changes to signals (edited drafts, votes) the TUI left queued.
    let mut store = match open_store(cli, &target.namespace, &target.key) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let wait = std::time::Duration::from_secs(send.max_wait);
    match signals::send_queued(&client, &mut store, cli.backoff(), wait).await {
        Err(e) => fail(&e),
        Ok(refused) if refused > 0 && leads == ExitCode::SUCCESS => ExitCode::from(1),
        Ok(_) => leads,
    }
}

/// A progress line on stderr (a bar on a terminal, notes only when piped).
struct Shown(crate::progress::Progress);

impl crate::sync::engine::Observer for Shown {
    fn note(&mut self, line: &str) {
        self.0.note(line);
    }
    fn progress(&mut self, done: u64, total: u64) {
        if total > 0 {
            self.0.set_total(total);
        }
        self.0.set(done);
    }
}

/// Send through the one engine, print `{"updated":[…],"errors":[…]}`, and exit with its code.
async fn send_through_engine(
    client: Client,
    store: Option<Store>,
    scope: crate::sync::engine::Scope,
    opts: &crate::sync::engine::EngineOptions,
) -> ExitCode {
    let mut shown = Shown(crate::progress::Progress::new("sending", None));
    let report = crate::sync::engine::run(client, store, scope, opts, &mut shown).await;
    shown.0.finish();
    // A closed stdout (`| head`) is not an error: the exit code still tells what happened.
    if let Err(e) = headless::write_report(&mut std::io::stdout().lock(), &report)
        && !is_broken_pipe(&e)
    {
        return fail(&format!("could not write the output: {e}"));
    }
    let mut err = std::io::stderr();
    let conflicts = report
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, crate::sync::engine::Outcome::Conflict { .. }))
        .count();
    if conflicts > 0 {
        let _ = writeln!(
            err,
            "lead-triage: {conflicts} change{} held: the lead changed on Puffle since it was queued (a teammate?); kept in the outbox · the TUI shows them (r keeps yours, T takes Puffle's) · `sync --force` sends yours",
            if conflicts == 1 { "" } else { "s" }
        );
    }
    if let Some(stopped) = &report.stopped {
        let _ = writeln!(err, "lead-triage: {stopped}");
    }
    if let Some(line) = report.kept_line() {
        let _ = writeln!(err, "lead-triage: {line}");
    } else if report.stopped.is_some() {
        let unsent = report
            .errors
            .iter()
            .filter(|e| e.error == "not_sent")
            .count();
        if unsent > 0 {
            let _ = writeln!(
                err,
                "lead-triage: {unsent} change{} not sent and not kept (no local store)",
                if unsent == 1 { "" } else { "s" }
            );
        }
    }
    ExitCode::from(report.exit_code())
}

/// Build the client from the key (`PUFFLE_API_KEY`, else the private config file) and the
/// base URL, or explain what is wrong.
fn client_from_env(ctx: &Ctx) -> Result<(Client, ApiKey), String> {
    let key = ctx.config.api_key().map_err(|e| e.to_string())?;
    let client = client_for(ctx, &ctx.base_url(), key.clone())?;
    Ok((client, key))
}

fn client_for(ctx: &Ctx, base_url: &str, key: ApiKey) -> Result<Client, String> {
    let cli = &ctx.cli;
    let mut cfg = ClientConfig::new(base_url, key).map_err(|e| e.to_string())?;
    cfg.timeout = std::time::Duration::from_millis(cli.timeout_ms.max(1));
    cfg.connect_timeout = cfg.timeout.min(cfg.connect_timeout);
    let per_min = cli
        .rate_limit_per_min
        .or(ctx.config.file.rate_limit_per_min)
        .unwrap_or(crate::api::DEFAULT_PER_MIN);
    cfg.rate_limit_per_min = (per_min > 0).then_some(per_min);
    Client::new(cfg).map_err(|e| e.to_string())
}

/// Open the store of this base URL and account. A damaged store is recovered into a new one
/// (see `store::recover`); the line saying so is returned for the rep.
fn open_store_checked(
    cli: &Cli,
    namespace: &str,
    key: &ApiKey,
    full_path: bool,
) -> Result<(Store, Option<String>), String> {
    Store::open_checked(&store_path(cli, namespace, key))
        .map(|(s, r)| (s, r.map(|r| crate::text::clean(&r.describe(full_path)))))
        .map_err(|e| format!("{e} (use --data-dir to choose another place)"))
}

/// The store file of this base URL and account.
fn store_path(cli: &Cli, namespace: &str, key: &ApiKey) -> std::path::PathBuf {
    let dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(crate::store::default_data_dir);
    crate::store::namespace_file(&dir, namespace, key)
}

/// [`open_store_checked`] for the headless commands: a recovery is said on stderr.
fn open_store(cli: &Cli, namespace: &str, key: &ApiKey) -> Result<Store, String> {
    let (store, recovered) = open_store_checked(cli, namespace, key, true)?;
    if let Some(line) = recovered {
        let _ = writeln!(std::io::stderr(), "lead-triage: warning: {line}");
    }
    Ok(store)
}

/// The reader of our stdout went away (`lead-triage leads list | head -1`).
fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Write `bytes` to stdout. A closed stdout ends the command quietly with success.
fn print_all(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("could not write the output: {e}")),
    }
}
