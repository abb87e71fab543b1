//! Messages into `update` and effects out of it.

use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::api::{ApiError, GroupBy, Lead, PatchOutcome};

use super::queue::Batch;
use crate::store::{CachedLeads, OutboxOp, OutboxRow};

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key press (releases and repeats are filtered out before).
    Key(KeyEvent),
    /// A mouse event (only with `--mouse`).
    Mouse(crossterm::event::MouseEvent),
    /// Text pasted into the terminal (bracketed paste): typed into a text input, never run
    /// as keys.
    Paste(String),
    /// The terminal has a new size (columns, rows).
    Resize(u16, u16),
    /// A page of leads arrived.
    Page {
        group: GroupBy,
        generation: u64,
        leads: Vec<Lead>,
        skipped: usize,
        /// No more pages follow.
        last: bool,
    },
    /// Statuses learned for leads of a page that arrived without them.
    Statuses {
        group: GroupBy,
        generation: u64,
        statuses: Vec<(uuid::Uuid, crate::api::Status)>,
    },
    /// Statuses Puffle has now for rows that were on screen before the load listed them
    /// (`Effect::CheckScreen`); empty when they could not be learned.
    ScreenStatuses {
        group: GroupBy,
        generation: u64,
        statuses: Vec<(uuid::Uuid, crate::api::Status)>,
    },
    /// Listing hit a transient failure and will retry after `retry_in`.
    LoadRetrying {
        group: GroupBy,
        generation: u64,
        error: String,
        retry_in: Duration,
    },
    /// Listing failed for good.
    LoadFailed {
        group: GroupBy,
        generation: u64,
        error: ApiError,
    },
    /// A PATCH came back.
    BatchDone {
        batch: u64,
        result: Result<PatchOutcome, ApiError>,
    },
    /// What claiming a batch's leads in the shared store found, before it was sent (only when
    /// some lead was not simply ours to send).
    Claimed {
        batch: u64,
        claims: Vec<(uuid::Uuid, crate::store::Claim)>,
    },
    /// Writing to the outbox failed: what the outbox holds for the leads of that write (`None`:
    /// nothing queued), so `update` can undo in memory what was not saved.
    PersistFailed {
        error: String,
        committed: Vec<(uuid::Uuid, Option<OutboxRow>)>,
    },
    /// Writing to the outbox works again after a failure.
    PersistRecovered,
    /// Cancels the store turned into changes back, because another process had already sent
    /// the change (see `OutboxOp::Cancel`).
    Revived(Vec<OutboxRow>),
    /// The debounce after the last change ran out.
    FlushDue,
    /// The backoff after a failure ran out.
    RetryDue,
    /// Time passed (spinner, countdowns); carries the time since start.
    Tick(Duration),
    /// The request budget changed (who waits, why, how much was sent): for the header's
    /// refresh estimate and the status line's "waiting for the budget".
    Budget(crate::api::BudgetView),
    /// What an earlier run left: unsent changes and the cached listings, with their age in
    /// seconds.
    Restore {
        outbox: Vec<OutboxRow>,
        cache: Vec<(GroupBy, CachedLeads, u64)>,
        /// Hold the restored changes until Puffle's current statuses are learned (the TUI);
        /// `sync` checks by itself.
        check: bool,
    },
    /// More of a cached listing, read and parsed in the background after the first frame
    /// (parsing is half the cost of a start from the cache, so it runs beside the UI thread).
    CachePage {
        group: GroupBy,
        leads: Vec<crate::api::model::Lead>,
        last: bool,
    },
    /// The local store could not be written.
    StoreFailed(String),
    /// The signals of a lead, for the reading pane: fetched from Puffle at `fetched_at` (Unix
    /// seconds), or read from the store's cache (`cached`).
    Signals {
        id: uuid::Uuid,
        result: Result<Vec<crate::api::model::Signal>, ApiError>,
        fetched_at: u64,
        cached: bool,
    },
    /// Drafts came back for these leads' signals (or a per-item error), from the worker.
    Drafted(Vec<(uuid::Uuid, crate::api::outreach::GenerateResult)>),
    /// A generate call failed as a whole for these leads.
    DraftFailed {
        leads: Vec<uuid::Uuid>,
        error: String,
    },
    /// A change to a signal was committed to the store (the merged change), or not.
    SignalUpdateQueued {
        lead: uuid::Uuid,
        update: Result<crate::api::outreach::SignalUpdate, String>,
    },
    /// The changes to signals queued by an earlier run, read back at start.
    RestoreSignalUpdates(Vec<crate::store::SignalOutboxRow>),
    /// The answer to a `PATCH /api/signals` of `sent`.
    SignalsPatched {
        sent: Vec<crate::api::outreach::SignalUpdate>,
        result: Result<crate::api::PatchOutcome, ApiError>,
    },
    /// The editor closed on a draft: its new text, or why it could not run.
    Edited {
        job: super::outreach::EditJob,
        result: Result<String, String>,
    },
    /// Something the runner did that the rep should hear about (an export, an opener error).
    Notice(String),
    /// A command the leads were piped to is done (`Effect::Pipe`).
    PipeDone(super::pipe::PipeDone),
    /// Queue these changes and send them now (the headless commands; the last change per lead
    /// wins). The leads need not be listed.
    Enqueue(Vec<crate::api::StatusChange>),
    /// Put every refused change back in the queue and send now (`lead-triage sync`);
    /// conflicts too only when asked (`sync --force`).
    RetryAllNow { conflicts_too: bool },
    /// Statuses Puffle has now for queued leads (checked at start and by `sync` before
    /// sending): a change whose lead changed elsewhere is held as a conflict. `checked` are the
    /// leads asked about (a lead may have no learnable status); they may be sent now.
    Observed {
        checked: Vec<uuid::Uuid>,
        statuses: Vec<(uuid::Uuid, crate::api::Status)>,
    },
    /// The sync worker, or a request it ran, panicked (caught and logged): nothing more will
    /// come back from it, so the app quits; the outbox keeps every unsent change.
    WorkerFailed(String),
}

/// Something `update` wants done.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// List the leads of a view (page by page, as `Msg::Page`).
    Load { group: GroupBy, generation: u64 },
    /// Send a PATCH.
    Send(Batch),
    /// (Re)start the idle debounce before sending.
    ArmDebounce(std::time::Duration),
    /// Send `Msg::RetryDue` after this long.
    ScheduleRetry(std::time::Duration),
    /// Write queue changes to the outbox (before anything is drawn or sent).
    Persist(Vec<OutboxOp>),
    /// Save the listing of a view to the cache.
    SaveCache(GroupBy),
    /// A large load just finished: hand freed memory back to the system.
    TrimMemory,
    /// Learn Puffle's current statuses of queued leads before sending them (`Msg::Observed`).
    Check {
        group: GroupBy,
        ids: Vec<uuid::Uuid>,
    },
    /// Learn the statuses of rows on screen that the load in progress has not listed yet, in
    /// the budget's "on screen" lane, ahead of the background listing (`Msg::ScreenStatuses`).
    CheckScreen {
        group: GroupBy,
        generation: u64,
        ids: Vec<uuid::Uuid>,
    },
    /// A lead's signals for the reading pane: from the store's cache when fresh there, else
    /// from Puffle (in the budget's "on screen" lane).
    LoadSignals { group: GroupBy, id: uuid::Uuid },
    /// Draft outreach for these leads: each with the signal to draft for, or `None` for its
    /// top signal (fetched first); at most 20 items per call, `already_in_flight` asked again.
    Generate {
        group: GroupBy,
        items: Vec<(uuid::Uuid, Option<String>)>,
        dm: bool,
        comment: bool,
    },
    /// Commit a change to a signal to the store, merged over what is queued for it.
    QueueSignalUpdate {
        lead: uuid::Uuid,
        update: crate::api::outreach::SignalUpdate,
    },
    /// Send changes to signals (`PATCH /api/signals`, at most 200).
    SendSignalUpdates(Vec<crate::api::outreach::SignalUpdate>),
    /// Puffle confirmed these changes: out of the store.
    SettleSignalUpdates(Vec<crate::api::outreach::SignalUpdate>),
    /// Hand the terminal to `$VISUAL` / `$EDITOR` on a draft.
    Edit(super::outreach::EditJob),
    /// Keep signals just fetched in the store's cache.
    SaveSignals {
        id: uuid::Uuid,
        fetched_at: u64,
        signals: std::sync::Arc<Vec<crate::api::model::Signal>>,
    },
    /// Remember where the reading pane goes (in the store).
    RememberLayout(super::pane::PaneLayout),
    /// Open a web address in the browser (only http/https reach here).
    Open(String),
    /// Put text on the clipboard (OSC 52 through the terminal).
    Copy(String),
    /// Write leads to a file in the current directory.
    Export {
        format: crate::export::Format,
        view: &'static str,
        leads: Vec<Lead>,
    },
    /// Suspend the process (Ctrl-Z); the terminal is restored first.
    Suspend,
    /// Run a shell command with leads on its stdin (or, interactive, with the terminal);
    /// `Msg::PipeDone` says how it went.
    Pipe(super::pipe::PipeJob),
    /// Leave the app.
    Quit,
}
