//! The headless side of the one send engine: `leads set`, `leads update` and `sync` queue their
//! changes in the same [`Queue`](crate::app::queue::Queue), persist them in the same outbox and
//! send them through the same worker as the TUI (the [`Runner`] without a terminal). Merge,
//! batching, concurrency, backoff, splitting of refused batches and reconciliation are the
//! TUI's, so the two can never disagree.
//!
//! A command ends when every one of its changes has an outcome: applied, refused by Puffle
//! (with its code), or not acknowledged (left out of [`MAX_UNACKED`] answers in a row). It
//! stops early, keeping what was not sent in the outbox, when the key is refused, when the
//! waits Puffle or the backoff ask for would exceed `max_wait` in total, or on Ctrl-C.
//!
//! [`MAX_UNACKED`]: crate::app::queue::MAX_UNACKED

use std::collections::HashSet;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::api::{ApiError, Client, GroupBy, ItemError, StatusChange};
use crate::app::queue::{CONFLICT, NOT_ACKNOWLEDGED, Phase};
use crate::app::{Msg, Settings, State};
use crate::runner::Runner;
use crate::store::{OutboxOp, Store};
use crate::sync::backoff::{Backoff, Jitter};
use crate::sync::retry::{RetryBudget, with_retries};

/// Waits shorter than this are not worth a line on stderr.
const QUIET_WAIT: Duration = Duration::from_secs(3);

/// How a headless command sends.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    pub concurrency: usize,
    pub backoff: Backoff,
    /// Longest total time spent waiting for retries before giving up (the changes are kept).
    pub max_wait: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            concurrency: 4,
            backoff: Backoff::default(),
            max_wait: Duration::from_secs(120),
        }
    }
}

/// What to send.
#[derive(Clone, Debug)]
pub enum Scope {
    /// These changes (`leads set`, `leads update`).
    Changes(Vec<StatusChange>),
    /// Everything the outbox holds, refused changes included (`sync`). Unless `force`, the
    /// statuses Puffle has now are checked first: a change whose lead changed elsewhere is held
    /// as a conflict and reported, not sent.
    Outbox { force: bool },
}

/// Why a command stopped before every change had an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// Puffle rejected the key.
    Unauthorized(ApiError),
    /// Waiting longer would exceed `--max-wait`.
    MaxWait { asked: String, max_wait: Duration },
    /// Ctrl-C (or SIGTERM).
    Interrupted,
    /// The local store could not be written: nothing may be claimed as kept.
    Store(String),
    /// The sync worker failed (a bug); what was not applied stays in the outbox.
    Internal(String),
    /// The statuses Puffle has now could not be checked before sending (`sync`).
    Check(String),
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Unauthorized(e) => write!(f, "{e}"),
            Stopped::MaxWait { asked, max_wait } => write!(
                f,
                "{asked}, longer than --max-wait {} s allows; stopped",
                max_wait.as_secs()
            ),
            Stopped::Interrupted => f.write_str("interrupted"),
            Stopped::Store(e) => write!(f, "{e}"),
            Stopped::Internal(e) => write!(f, "internal error in the sync worker: {e}"),
            Stopped::Check(e) => write!(
                f,
                "could not check Puffle's current statuses before sending ({e}); nothing sent (--force sends without the check)"
            ),
        }
    }
}

/// What happened to one change of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Puffle applied it.
    Applied,
    /// Puffle refused it, with its code (`not_found`, `invalid_request`, …).
    Refused(String),
    /// Left out of [`MAX_UNACKED`] answers in a row.
    NotAcknowledged,
    /// The lead's status on Puffle changed since the change was made (`sync`); held.
    Conflict { theirs: crate::api::Status },
    /// Not sent before the command stopped (see [`Report::stopped`]); kept in the outbox.
    NotSent,
}

impl Outcome {
    /// The per-item code in the output (`errors[].error`).
    pub fn code(&self) -> &str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Refused(code) => code,
            Outcome::NotAcknowledged => NOT_ACKNOWLEDGED,
            Outcome::Conflict { .. } => CONFLICT,
            Outcome::NotSent => "not_sent",
        }
    }
}

/// The outcome of every change of a command.
#[derive(Debug, Default)]
pub struct Report {
    /// Each change with its outcome (`updated` and `errors` are the same, as printed).
    pub outcomes: Vec<(Uuid, Outcome)>,
    /// Applied by Puffle.
    pub updated: Vec<Uuid>,
    /// Refused (the server's code), not acknowledged, or not sent (`not_sent`).
    pub errors: Vec<ItemError>,
    /// Changes left in the outbox for `lead-triage sync` (not sent, or sent without an answer).
    pub kept: usize,
    pub stopped: Option<Stopped>,
    /// PATCH requests made.
    pub requests: usize,
}

impl Report {
    /// 0: every change applied; 1: some were refused or not acknowledged; 2: stopped before
    /// the end (key, wait, store); 130: interrupted.
    pub fn exit_code(&self) -> u8 {
        match &self.stopped {
            Some(Stopped::Interrupted) => 130,
            Some(_) => 2,
            None if self.errors.is_empty() => 0,
            None => 1,
        }
    }

    /// The line for stderr when changes were kept, naming the command that sends them.
    pub fn kept_line(&self) -> Option<String> {
        (self.kept > 0).then(|| {
            format!(
                "{} change{} kept, `lead-triage sync` sends {}",
                self.kept,
                if self.kept == 1 { "" } else { "s" },
                if self.kept == 1 { "it" } else { "them" }
            )
        })
    }
}

/// What the engine tells the user while it runs.
pub trait Observer {
    /// A line worth telling (a long wait, why it stopped waiting).
    fn note(&mut self, line: &str);
    /// `done` of `total` changes have an outcome.
    fn progress(&mut self, _done: u64, _total: u64) {}
}

impl<F: FnMut(&str)> Observer for F {
    fn note(&mut self, line: &str) {
        self(line)
    }
}

/// Send `scope` through the engine; `observer` hears of long waits and progress. With a store,
/// changes are in the outbox before they are sent and stay there until applied.
pub async fn run(
    client: Client,
    mut store: Option<Store>,
    scope: Scope,
    opts: &EngineOptions,
    observer: &mut impl Observer,
) -> Report {
    let (outbox, first) = match (&scope, store.as_mut()) {
        (Scope::Outbox { .. }, Some(s)) => match s.outbox() {
            Ok(rows) => (rows, None),
            Err(e) => (Vec::new(), Some(Msg::StoreFailed(e.to_string()))),
        },
        _ => (Vec::new(), None),
    };
    let headless_changes = matches!(scope, Scope::Changes(_));
    // `sync` stopped before it put refused rows back: none of them was sent this time.
    let mut retried = headless_changes;
    let client_for_check = client.clone();
    let mut runner = Runner::new(client, engine_state(opts), store);
    let mut report = Report::default();
    if let Some(m) = first {
        runner.apply(m);
    }
    let ours: HashSet<Uuid> = match scope {
        Scope::Changes(changes) => {
            let ids = changes.iter().map(|c| c.entity_id).collect();
            runner.apply(Msg::Enqueue(changes));
            ids
        }
        Scope::Outbox { force } => {
            let ids = outbox.iter().map(|r| r.id).collect();
            let check = Check {
                client: &client_for_check,
                opts,
            };
            check
                .restore(&mut runner, outbox, force, observer, &mut report)
                .await;
            if report.stopped.is_none() {
                runner.apply(Msg::RetryAllNow {
                    conflicts_too: force,
                });
                retried = true;
            }
            ids
        }
    };
    drive(&mut runner, &ours, opts, observer, &mut report).await;
    finish(&mut runner, &ours, retried, headless_changes, report)
}

/// The state the engine runs: no debounce, the command's concurrency and backoff.
fn engine_state(opts: &EngineOptions) -> State {
    let settings = Settings {
        debounce: Duration::ZERO,
        concurrency: opts.concurrency.max(1),
        backoff: opts.backoff,
        ..Settings::default()
    };
    State::new(
        settings,
        crate::keymap::Keymap::default(),
        Jitter::from_entropy(),
    )
}

/// `sync`'s look at Puffle before it sends the outbox again.
struct Check<'a> {
    client: &'a Client,
    opts: &'a EngineOptions,
}

impl Check<'_> {
    /// Put the outbox back in the queue and, unless `force`, learn the statuses Puffle has now
    /// for its leads, so a lead changed elsewhere is held as a conflict rather than overwritten.
    async fn restore(
        &self,
        runner: &mut Runner,
        outbox: Vec<crate::store::OutboxRow>,
        force: bool,
        observer: &mut impl Observer,
        report: &mut Report,
    ) {
        let mut by_group: [Vec<Uuid>; 2] = Default::default();
        for r in &outbox {
            by_group[usize::from(r.group == GroupBy::Company)].push(r.id);
        }
        runner.apply(Msg::Restore {
            outbox,
            cache: Vec::new(),
            check: false,
        });
        if force {
            return;
        }
        let mut budget = RetryBudget::new(self.opts.backoff, Some(self.opts.max_wait));
        for (group, ids) in [GroupBy::Person, GroupBy::Company]
            .into_iter()
            .zip(by_group)
        {
            if ids.is_empty() {
                continue;
            }
            let asked = ids.clone();
            let found = with_retries(
                &mut budget,
                |e, wait| {
                    if wait >= crate::sync::retry::QUIET_WAIT {
                        observer.note(&crate::sync::retry::describe_wait(e, wait));
                    }
                },
                async || self.client.current_statuses(group, &ids).await,
            )
            .await;
            match found {
                Ok(statuses) => runner.apply(Msg::Observed {
                    checked: asked,
                    statuses,
                }),
                Err(e) => {
                    // Sending without the check could overwrite a teammate: stop.
                    report.stopped = Some(match e {
                        ApiError::Unauthorized { .. } => Stopped::Unauthorized(e),
                        other => Stopped::Check(other.to_string()),
                    });
                }
            }
        }
    }
}

/// Why the command must stop now, read from the runner (store, worker, key).
fn must_stop(runner: &Runner) -> Option<Stopped> {
    if let Some(e) = runner.store_error() {
        return Some(Stopped::Store(e));
    }
    if let Some(e) = runner.worker_failure() {
        return Some(Stopped::Internal(e.to_owned()));
    }
    runner
        .state
        .queue
        .auth_blocked
        .then_some(Stopped::Unauthorized(ApiError::Unauthorized {
            message: None,
        }))
}

/// Run the engine until every change of `ours` has an outcome, or until it must stop.
async fn drive(
    runner: &mut Runner,
    ours: &HashSet<Uuid>,
    opts: &EngineOptions,
    observer: &mut impl Observer,
    report: &mut Report,
) {
    let mut waited = Duration::ZERO;
    let mut noted_retry: Option<Duration> = None;
    let mut paced = false;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    while report.stopped.is_none() {
        if let Some(why) = must_stop(runner) {
            report.stopped = Some(why);
            break;
        }
        let s = &runner.state;
        let outcomes = ours
            .iter()
            .filter(|id| {
                s.queue
                    .entries
                    .get(id)
                    .is_none_or(|e| e.phase == Phase::Failed)
            })
            .count();
        observer.progress(outcomes as u64, ours.len() as u64);
        if outcomes == ours.len() {
            break;
        }
        // A wait is taken from the budget when it is scheduled, so a wait that would go past
        // it stops the command at once instead of sleeping first.
        if let Some(at) = s.retry_at
            && noted_retry != Some(at)
        {
            noted_retry = Some(at);
            let left = at.saturating_sub(s.now);
            let asked = s
                .queue
                .wait_reason
                .as_ref()
                .map(|r| r.describe(left))
                .unwrap_or_else(|| format!("retrying in {} s", left.as_secs()));
            if waited + left > opts.max_wait {
                report.stopped = Some(Stopped::MaxWait {
                    asked,
                    max_wait: opts.max_wait,
                });
                break;
            }
            if waited.is_zero() && !left.is_zero() {
                // The first wait says how long the command will keep trying.
                observer.note(&format!(
                    "{asked}; will keep trying for up to {} s (--max-wait)",
                    opts.max_wait.as_secs()
                ));
            } else if left >= QUIET_WAIT {
                observer.note(&asked);
            }
            waited += left;
        }
        tokio::select! {
            m = runner.next_msg() => runner.handle(m),
            _ = tokio::time::sleep(QUIET_WAIT), if !paced => {
                if let Some(line) = runner.budget_view().and_then(|v| crate::sync::pacing::line(&v)) {
                    observer.note(&line);
                    paced = true;
                }
            }
            _ = &mut interrupt => {
                report.stopped = Some(Stopped::Interrupted);
                break;
            }
        }
    }
}

/// The outcome of one change once the engine stopped (`None`: cancelled by a later change in
/// the same command, nothing to report). Refusals of `leads set`/`update` are dropped from the
/// outbox (`forget`): they are reported here, and the outbox is for what can still be sent.
fn outcome_of(
    runner: &Runner,
    id: &Uuid,
    retried: bool,
    headless_changes: bool,
    report: &mut Report,
    forget: &mut Vec<OutboxOp>,
) -> Option<Outcome> {
    let s = &runner.state;
    Some(match s.queue.entries.get(id) {
        None if s.queue.done.contains(id) => Outcome::Applied,
        // Never saved (the store failed): not sent, and not kept either.
        None if matches!(report.stopped, Some(Stopped::Store(_))) => Outcome::NotSent,
        None => return None,
        Some(e) if e.phase == Phase::Failed && retried => {
            if headless_changes {
                forget.push(OutboxOp::Delete(*id));
            }
            match e.error.as_deref() {
                Some(NOT_ACKNOWLEDGED) => Outcome::NotAcknowledged,
                Some(CONFLICT) => Outcome::Conflict {
                    theirs: e.confirmed,
                },
                Some(code) => Outcome::Refused(code.to_owned()),
                None => Outcome::Refused("error".into()),
            }
        }
        Some(_) => {
            report.kept += 1;
            Outcome::NotSent
        }
    })
}

/// The report once the engine stopped: one outcome per change, sorted by id.
fn finish(
    runner: &mut Runner,
    ours: &HashSet<Uuid>,
    retried: bool,
    headless_changes: bool,
    mut report: Report,
) -> Report {
    let started = Instant::now();
    let mut forget = Vec::new();
    for id in ours {
        let Some(outcome) = outcome_of(
            runner,
            id,
            retried,
            headless_changes,
            &mut report,
            &mut forget,
        ) else {
            continue;
        };
        match &outcome {
            Outcome::Applied => report.updated.push(*id),
            other => report.errors.push(ItemError {
                id: id.to_string(),
                error: other.code().to_owned(),
            }),
        }
        report.outcomes.push((*id, outcome));
    }
    report.requests = runner.patch_requests();
    if !forget.is_empty()
        && let Err(e) = runner.write_outbox(&forget)
    {
        tracing::warn!(error = %e, "could not drop reported refusals from the outbox");
    }
    if !runner.durable() && report.kept > 0 {
        // Without a store nothing is kept: say so rather than promise a later sync.
        report.kept = 0;
    }
    report.updated.sort_unstable();
    report.outcomes.sort_by_key(|(id, _)| *id);
    report.errors.sort_by(|a, b| a.id.cmp(&b.id));
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "report built"
    );
    report
}
