//! Command-line definitions (clap derive). Dispatch lives in `commands.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::api::{GroupBy, SortBy, Status};

pub mod man;

/// The environment variables the program reads: name, meaning.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PUFFLE_API_KEY",
        "your Puffle API key (pk_live_…); never passed on the command line",
    ),
    (
        "PUFFLE_API_BASE_URL",
        "API base URL (default https://app.puffle.ai); plain http:// only for localhost",
    ),
    (
        "LEAD_TRIAGE_LOG",
        "log filter (e.g. debug); logs go to the log file, never to the terminal",
    ),
    (
        "NO_COLOR",
        "when set and not empty, no colour (every state also has a glyph or a word)",
    ),
];

/// Every key of the configuration file: the key with an example value, its meaning. The
/// `[theme]` table is described by [`theme_help`].
pub const CONFIG_KEYS: &[(&str, &str)] = &[
    (
        "base_url = \"https://app.puffle.ai\"",
        "API base URL; PUFFLE_API_BASE_URL and --base-url win",
    ),
    (
        "api_key = \"pk_live_…\"",
        "used only if no other user can read the file (chmod 600)",
    ),
    (
        "debounce_ms = 1500",
        "idle time before queued changes are sent (--debounce-ms)",
    ),
    (
        "concurrency = 4",
        "PATCH requests in flight at once in the TUI (--concurrency)",
    ),
    (
        "color = true",
        "false turns colour off; NO_COLOR always wins",
    ),
    ("mouse = false", "true turns the mouse on (--mouse)"),
    (
        "confirm_over = 500",
        "a change of more leads than this asks first (headless: needs --yes); 0 never asks",
    ),
    (
        "rate_limit_per_min = 100",
        "requests a minute for the key, paced, writes first (--rate-limit-per-min); 0: none",
    ),
    (
        "auto_advance = true",
        "a status key on a lead moves to the next one; false stays",
    ),
    (
        "prefetch = 3",
        "leads below the cursor whose signals the reading pane fetches ahead",
    ),
    (
        "signals_fresh_min = 15",
        "signals fetched less long ago (this run or the last) are not fetched again",
    ),
    (
        "default_view = \"hot\"",
        "the saved view to start on (--view NAME); `all` for every lead",
    ),
    (
        "[views]",
        "saved views, shown as tabs in this order (l/h switch): NAME = \"FILTER\", e.g. hot = \"status:new score:3\"",
    ),
    (
        "[commands.NAME]",
        "your own command: run = \"SHELL COMMAND\" (gets the selection as JSON lines on stdin), key, description, interactive (in the palette, `:`)",
    ),
];

/// The `[theme]` table: the example lines and what they mean.
/// Every key the config file accepts with its meaning: the plain keys, then the `[theme]`
/// table (for `--help` and the man page alike).
pub fn config_keys() -> Vec<(String, String)> {
    CONFIG_KEYS
        .iter()
        .map(|(k, m)| ((*k).to_owned(), (*m).to_owned()))
        .chain(theme_help())
        .collect()
}

pub fn theme_help() -> [(String, String); 2] {
    [
        (
            "[theme]".to_owned(),
            format!(
                "colours per role: {}",
                crate::ui::theme::Palette::roles().join(", ")
            ),
        ),
        (
            "error = \"lightred\"".to_owned(),
            "a colour name, #rrggbb, or 0–255".to_owned(),
        ),
    ]
}

/// The exit codes of the headless commands.
pub const EXIT_CODES: &[(&str, &str)] = &[
    (
        "0",
        "every item was applied (signals generate: every signal got its drafts)",
    ),
    (
        "1",
        "some items failed (e.g. not_found); the JSON output lists them under \"errors\"",
    ),
    (
        "2",
        "usage, authentication or network error (also: a --filter error, or more leads than confirm_over without --yes)",
    ),
];

/// The text after `--help`: environment, every configuration key, files, exit codes.
fn after_help() -> String {
    use std::fmt::Write as _;
    let mut s = String::from("Environment:\n");
    for (name, meaning) in ENVIRONMENT {
        let _ = writeln!(s, "  {name:<21} {meaning}");
    }
    s.push_str(
        "\nConfiguration file: $XDG_CONFIG_HOME/lead-triage/config.toml (or --config PATH), \
         every key optional:\n",
    );
    for (key, meaning) in config_keys() {
        let _ = write!(s, "  {key:<35}");
        // Wrap the meaning to 100 columns, continuing under itself.
        let mut column = 37;
        for word in meaning.split(' ') {
            if column + 1 + word.chars().count() > 100 {
                let _ = write!(s, "\n{:37}", "");
                column = 37;
            }
            let _ = write!(s, " {word}");
            column += 1 + word.chars().count();
        }
        s.push('\n');
    }
    s.push_str(
        "\nKey bindings: $XDG_CONFIG_HOME/lead-triage/keymap.toml replaces the defaults per \
         action (`lead-triage man` lists them).\n\nExit codes (headless commands):\n",
    );
    for (code, meaning) in EXIT_CODES {
        let _ = writeln!(s, "  {code}  {meaning}");
    }
    s.trim_end().to_owned()
}

/// Triage Puffle signal leads from the keyboard.
#[derive(Parser, Debug)]
#[command(name = "lead-triage", version, about, after_help = after_help())]
pub struct Cli {
    /// Puffle API base URL [default: https://app.puffle.ai].
    #[arg(long, global = true, env = "PUFFLE_API_BASE_URL")]
    pub base_url: Option<String>,

    /// Configuration file (default: $XDG_CONFIG_HOME/lead-triage/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log file (default: $XDG_STATE_HOME/lead-triage/lead-triage.log).
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,

    /// Try the app with no account: starts a built-in Puffle-compatible server with demo data
    /// and runs the TUI or the command against it (no key needed).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Where the outbox and the lead cache live (default: $XDG_DATA_HOME/lead-triage).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Timeout of one HTTP request, in milliseconds.
    #[arg(
        long,
        global = true,
        default_value_t = 30_000,
        value_name = "MS",
        hide = true
    )]
    pub timeout_ms: u64,

    /// First retry delay after a transient failure, in milliseconds (doubles up to the cap).
    #[arg(
        long,
        global = true,
        default_value_t = 500,
        value_name = "MS",
        hide = true
    )]
    pub retry_base_ms: u64,

    /// Longest retry delay, in milliseconds.
    #[arg(
        long,
        global = true,
        default_value_t = 30_000,
        value_name = "MS",
        hide = true
    )]
    pub retry_cap_ms: u64,

    /// Idle time after the last change before queued changes are sent, in milliseconds
    /// [default: 1500].
    #[arg(long, value_name = "MS")]
    pub debounce_ms: Option<u64>,

    /// Mouse support: the wheel scrolls, a click moves the cursor, a click in the first
    /// column selects.
    #[arg(long)]
    pub mouse: bool,

    /// Start on this saved view (a name from the config's [views]; `all` for every lead)
    /// [default: the config's default_view].
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,

    /// Requests a minute this process may send with the key, paced so the server never has to
    /// answer 429; the rep's changes go first [default: 100, Puffle's limit; 0: no pacing].
    #[arg(
        long,
        global = true,
        env = "LEAD_TRIAGE_RATE_LIMIT_PER_MIN",
        value_name = "N"
    )]
    pub rate_limit_per_min: Option<u32>,

    /// PATCH requests in flight at once in the TUI [default: 4].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: Option<u16>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List and update leads without the TUI (like `puffle signal lead`).
    #[command(subcommand)]
    Leads(LeadsCommand),
    /// Draft outreach and save edited drafts and votes per signal without the TUI (like
    /// `puffle signal generate` / `puffle signal update`).
    #[command(subcommand)]
    Signals(SignalsCommand),
    /// Send the changes left in the outbox without the TUI, and report what happened.
    Sync {
        #[command(flatten)]
        send: SendArgs,
        /// Send queued changes even over a status a teammate set since (conflicts); without it
        /// they are held and reported (exit 1).
        #[arg(long)]
        force: bool,
    },
    /// Run the built-in Puffle-compatible server (demo data, tests, fault drills).
    #[cfg(feature = "demo")]
    DemoServer(DemoServerArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

#[derive(Subcommand, Debug)]
pub enum LeadsCommand {
    /// Print every lead with its status (with --filter, only the leads the TUI's filter shows
    /// for the query, in the TUI's order).
    List {
        #[arg(long, value_parser = group_by_parser(), default_value_t = GroupBy::Person)]
        group_by: GroupBy,
        #[arg(long, value_parser = sort_by_parser(), default_value_t = SortBy::Recency)]
        sort_by: SortBy,
        #[arg(long, value_enum, default_value_t = ListFormat::Json)]
        format: ListFormat,
        /// Only the leads the TUI's filter shows for QUERY (its language: `status:new acme`,
        /// `is:pending`, `signals:>2`, …), best match first when it has text words.
        #[arg(long, value_name = "QUERY")]
        filter: Option<String>,
        /// Longest total wait for retries, in seconds (a `Retry-After`, or the backoff after
        /// failures); past it the command fails with exit 2 and prints nothing on stdout.
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        max_wait: u64,
    },
    /// Set statuses from a JSON array of {"entityId","status"} (like `puffle signal lead update`).
    Update {
        /// JSON array, e.g. '[{"entityId":"<uuid>","status":"contacted"}]'.
        #[arg(long)]
        items: String,
        #[command(flatten)]
        guard: GuardArgs,
        #[command(flatten)]
        send: SendArgs,
    },
    /// Set one status on many leads: the ids given (`-` reads them from stdin, one per line),
    /// or the leads the TUI's filter shows for --filter.
    Set {
        #[arg(value_parser = settable_status_parser())]
        status: Status,
        /// Entity ids (UUIDs), or `-` for stdin.
        #[arg(
            required_unless_present = "filter",
            conflicts_with = "filter",
            num_args = 1..
        )]
        ids: Vec<String>,
        /// Set the status on the leads the TUI's filter shows for QUERY (every page is listed
        /// first); leads that already show the status are left alone.
        #[arg(long, value_name = "QUERY")]
        filter: Option<String>,
        /// The view --filter lists [default: person].
        #[arg(long, value_parser = group_by_parser(), requires = "filter", conflicts_with = "ids")]
        group_by: Option<GroupBy>,
        #[command(flatten)]
        guard: GuardArgs,
        #[command(flatten)]
        send: SendArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum SignalsCommand {
    /// Draft a DM and/or a public comment per signal from a JSON array of {"id","dm","comment"}
    /// (like `puffle signal generate`; it may cost Puffle credits). Prints {"results":[…]} with
    /// the drafts; exit 0 when every signal got its drafts, 1 when some item failed.
    Generate {
        /// JSON array, e.g. '[{"id":"<signal uuid>","dm":true,"comment":true}]', or `-` to read
        /// it from stdin.
        #[arg(long)]
        items: String,
        /// Longest total wait, in seconds, for retries and for drafts another call is still
        /// writing (`already_in_flight`, asked again after a growing wait).
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        max_wait: u64,
    },
    /// Save edited drafts and votes from a JSON array of {"id","dmText","commentText","vote"}
    /// (vote: "up", "down" or null; like `puffle signal update`). Prints
    /// {"updated":[…],"errors":[…]}.
    Update {
        /// JSON array, e.g. '[{"id":"<signal uuid>","dmText":"Hi …","vote":"up"}]', or `-` to
        /// read it from stdin.
        #[arg(long)]
        items: String,
        /// Longest total wait for retries, in seconds (a `Retry-After`, or the backoff after
        /// failures); past it the command stops with exit 2.
        #[arg(long, default_value_t = 120, value_name = "SECONDS")]
        max_wait: u64,
    },
}

/// What a change does before it sends: show it (`--dry-run`), or go ahead past
/// `confirm_over` (`--yes`).
#[derive(Args, Debug, Clone, Copy)]
pub struct GuardArgs {
    /// Send nothing: print how many leads would change, by status, and list them (id, current
    /// status, new status, name, company). Exit 0.
    #[arg(long)]
    pub dry_run: bool,
    /// Send even when more leads would change than `confirm_over` (config file, default 500)
    /// allows without asking.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Args, Debug, Clone, Copy)]
pub struct SendArgs {
    /// PATCH requests in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// Longest total wait for retries, in seconds (a `Retry-After`, or the backoff after
    /// failures). Past it the command stops with exit 2 and keeps the unsent changes in the
    /// outbox for `lead-triage sync`.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub max_wait: u64,
}

impl SendArgs {
    pub fn engine(
        &self,
        backoff: crate::sync::backoff::Backoff,
    ) -> crate::sync::engine::EngineOptions {
        crate::sync::engine::EngineOptions {
            concurrency: usize::from(self.concurrency),
            backoff,
            max_wait: std::time::Duration::from_secs(self.max_wait),
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Json,
    Tsv,
    Csv,
}

/// A status the API accepts in a PATCH, by its wire name (from `Status::SETTABLE`).
fn settable_status_parser() -> impl clap::builder::TypedValueParser<Value = Status> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Status::SETTABLE.map(Status::as_str))
        .try_map(|s| Status::from_wire(&s).ok_or(format!("not a settable status: {s}")))
}

/// `--group-by`: the API's own names (`person`, `company`), from its table.
fn group_by_parser() -> impl clap::builder::TypedValueParser<Value = GroupBy> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(GroupBy::ALL.map(GroupBy::as_str))
        .try_map(|s| GroupBy::from_wire(&s).ok_or(format!("not a view: {s}")))
}

/// `--sort-by`: the API's own names (`recency`, `signalCount`, `topScore`), from its table.
fn sort_by_parser() -> impl clap::builder::TypedValueParser<Value = SortBy> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(SortBy::ALL.map(SortBy::as_str))
        .try_map(|s| SortBy::from_wire(&s).ok_or(format!("not a sort key: {s}")))
}

#[cfg(feature = "demo")]
#[derive(Args, Debug, Clone)]
pub struct DemoServerArgs {
    /// Port on 127.0.0.1 (0 = random). The address is printed on the first line of stdout.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The key clients must send as `Authorization: Bearer <key>`.
    #[arg(long, default_value = puffle_demo_server::ServerConfig::DEFAULT_API_KEY)]
    pub api_key: String,
    /// Number of person leads (companies are about a third of that).
    #[arg(long, default_value_t = 500)]
    pub leads: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also put `status` on lead rows (the documented rows have none).
    #[arg(long)]
    pub status_on_rows: bool,
    /// Latency added to every API request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of API requests answered with a 5xx (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Requests per minute before answering 429 with Retry-After.
    #[arg(long)]
    pub rate_limit: Option<u32>,
    /// Share of API requests whose connection is closed mid-request (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Serve hostile strings (escape sequences, controls, bidi overrides, 10 KB names).
    #[arg(long)]
    pub hostile: bool,
    /// Largest accepted `limit` on the list endpoints (beyond it 400) [default: 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub page_cap: Option<u64>,
    /// Most ids accepted by `GET /api/signals?ids=` (beyond it 400) [default: 100].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub ids_cap: Option<u64>,
    /// Share of PATCH items neither applied nor listed in the answer (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub omit_rate: f64,
    /// Echo the ids of PATCH answers in upper case.
    #[arg(long)]
    pub upper_case_ids: bool,
    /// With --rate-limit: send X-RateLimit-Limit, -Remaining and -Reset on every answer.
    #[arg(long)]
    pub rate_headers: bool,
    /// Largest PATCH body in bytes; larger ones get 413 payload_too_large.
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: Option<u64>,
    /// Reject a whole PATCH with 400 when any item names an unknown entity.
    #[arg(long)]
    pub strict_batch: bool,
    /// Start every lead page after the first with the previous page's last lead again.
    #[arg(long)]
    pub repeat_lead: bool,
    /// How long `POST /api/signals/generate` takes to draft, in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub generate_ms: u64,
}

impl Cli {
    /// The retry schedule from the flags.
    pub fn backoff(&self) -> crate::sync::backoff::Backoff {
        crate::sync::backoff::Backoff {
            base: std::time::Duration::from_millis(self.retry_base_ms.max(1)),
            cap: std::time::Duration::from_millis(self.retry_cap_ms.max(self.retry_base_ms).max(1)),
        }
    }
}

#[cfg(feature = "demo")]
impl DemoServerArgs {
    pub fn to_config(&self) -> puffle_demo_server::ServerConfig {
        puffle_demo_server::ServerConfig {
            port: self.port,
            api_key: self.api_key.clone(),
            leads: self.leads,
            seed: self.seed,
            status_on_rows: self.status_on_rows,
            latency_ms: self.latency_ms,
            fail_rate: self.fail_rate.clamp(0.0, 1.0),
            rate_limit: self.rate_limit,
            drop_rate: self.drop_rate.clamp(0.0, 1.0),
            hostile: self.hostile,
            page_cap: self.page_cap.and_then(|n| usize::try_from(n).ok()),
            ids_cap: self.ids_cap.and_then(|n| usize::try_from(n).ok()),
            omit_rate: self.omit_rate.clamp(0.0, 1.0),
            upper_case_ids: self.upper_case_ids,
            rate_headers: self.rate_headers,
            max_body_bytes: self
                .max_body_bytes
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            strict_batch: self.strict_batch,
            repeat_lead: self.repeat_lead,
            generate_ms: self.generate_ms,
            ..puffle_demo_server::ServerConfig::default()
        }
    }
}
