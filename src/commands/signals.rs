//! `lead-triage signals generate|update` (like `puffle signal generate` / `update`): outreach
//! per signal without the TUI. `--items` is checked whole before any request (exit 2).
//!
//! * `generate` drafts in calls of at most 20 items; an item answered `already_in_flight`
//!   (another call is writing that draft) is asked again after a growing wait, within
//!   `--max-wait`. Prints `{"results":[…]}` (the API's shape, drafts included). Exit 0 when
//!   every signal got its drafts, 1 when some item failed (its error in its result), 2 when
//!   the command stopped (key refused, network, `--max-wait` spent on transient failures),
//!   with the results so far and `not_sent` for the rest.
//! * `update` sends edited drafts and votes in calls of at most 200 items; a refused call
//!   (400, 413) is split until the bad item is alone; ids left out of an answer are asked
//!   again and reported `not_acknowledged` after [`MAX_UNACKED`] answers. Prints
//!   `{"updated":[…],"errors":[…]}`, exit codes as `leads update`.
//!
//! Transient failures (429, 5xx, timeouts, lost connections) are retried through the one retry
//! helper ([`with_retries`]); waits are said on stderr. Answers pass through the app's
//! boundary (`api::boundary`), so no escape sequence of the server's reaches a terminal; the
//! JSON output is otherwise the text as drafted. The API key is never printed.

mod items;

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use uuid::Uuid;

use crate::api::outreach::{
    ALREADY_IN_FLIGHT, GenerateItem, GenerateResult, MAX_GENERATE_ITEMS, MAX_SIGNAL_PATCH_ITEMS,
    SignalUpdate,
};
use crate::api::{ApiError, Client, ItemError};
use crate::app::queue::{MAX_UNACKED, NOT_ACKNOWLEDGED};
use crate::cli::SignalsCommand;
use crate::sync::backoff::Backoff;
use crate::sync::retry::{QUIET_WAIT, RetryBudget, describe_wait, with_retries};

use super::{Ctx, Shown, connect, fail, is_broken_pipe};

/// The per-item code of an item the command stopped before sending.
const NOT_SENT: &str = "not_sent";

/// Run one `signals` command.
pub(super) async fn run(cmd: &SignalsCommand, ctx: &Ctx) -> ExitCode {
    let (raw, max_wait) = match cmd {
        SignalsCommand::Generate { items, max_wait }
        | SignalsCommand::Update { items, max_wait } => (items, Duration::from_secs(*max_wait)),
    };
    let text = match items::read(raw, std::io::stdin().lock()) {
        Ok(t) => t,
        Err(e) => return fail(&e.to_string()),
    };
    let parsed = match cmd {
        SignalsCommand::Generate { .. } => items::parse_generate(&text).map(Wanted::Drafts),
        SignalsCommand::Update { .. } => items::parse_update(&text).map(Wanted::Updates),
    };
    let wanted = match parsed {
        Ok(w) => w,
        Err(e) => return fail(&e.to_string()),
    };
    let target = match connect(ctx).await {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let backoff = ctx.cli.backoff();
    let mut budget = RetryBudget::new(backoff, Some(max_wait));
    let mut shown = Shown(crate::progress::Progress::new("signals", None));
    let client = &target.client;
    let (written, stopped, failed) = match wanted {
        Wanted::Drafts(items) => {
            let out = generate(client, &items, &mut budget, backoff, max_wait, &mut shown).await;
            shown.0.finish();
            let failed = out.results.iter().filter(|r| r.error.is_some()).count();
            say_generated(&out.results);
            (write_results(&out.results), out.stopped, failed)
        }
        Wanted::Updates(updates) => {
            let out = update(client, &updates, &mut budget, &mut shown).await;
            shown.0.finish();
            (write_updates(&out), out.stopped, out.errors.len())
        }
    };
    if let Err(e) = written
        && !is_broken_pipe(&e)
    {
        return fail(&format!("could not write the output: {e}"));
    }
    match stopped {
        Some(e) => fail(&format!("{e}; stopped")),
        None if failed == 0 => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    }
}

/// `lead-triage sync`, after the leads: the edited drafts and votes the TUI left queued in the
/// store are sent; each confirmed one leaves the store. Said on stderr; `Err` when the sending
/// stopped (the rest stays queued), else how many Puffle refused.
pub(super) async fn send_queued(
    client: &Client,
    store: &mut crate::store::Store,
    backoff: Backoff,
    max_wait: Duration,
) -> Result<usize, String> {
    let rows = store.signal_outbox().map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return Ok(0);
    }
    let updates: Vec<SignalUpdate> = rows.into_iter().map(|r| r.update).collect();
    let mut budget = RetryBudget::new(backoff, Some(max_wait));
    let mut shown = Shown(crate::progress::Progress::new("signal changes", None));
    let out = update(client, &updates, &mut budget, &mut shown).await;
    shown.0.finish();
    let done: Vec<SignalUpdate> = updates
        .iter()
        .filter(|u| out.updated.iter().any(|id| id == &u.id))
        .cloned()
        .collect();
    store
        .settle_signal_updates(&done)
        .map_err(|e| e.to_string())?;
    let _ = writeln!(
        std::io::stderr(),
        "lead-triage: sent {} of {} queued signal change{} (edited drafts, votes)",
        done.len(),
        updates.len(),
        plural(updates.len())
    );
    for e in &out.errors {
        let _ = writeln!(
            std::io::stderr(),
            "lead-triage: signal {}: {}",
            e.id,
            e.error
        );
    }
    match out.stopped {
        Some(e) => Err(format!("{e}; the signal changes not sent stay queued")),
        None => Ok(out.errors.len()),
    }
}

/// What the user asked for, checked.
enum Wanted {
    Drafts(Vec<GenerateItem>),
    Updates(Vec<SignalUpdate>),
}

/// Where a command stopped: the failure that ended it.
type Stop = Option<ApiError>;

/// `note` for [`with_retries`]: long waits are said (after the call, through the observer).
fn say_later(notes: &std::cell::RefCell<Vec<String>>) -> impl FnMut(&ApiError, Duration) + '_ {
    |e, wait| {
        if wait >= QUIET_WAIT {
            notes.borrow_mut().push(describe_wait(e, wait));
        }
    }
}

/// One call through the retry helper, with the pacing said when the budget holds it back.
async fn call<T>(
    client: &Client,
    budget: &mut RetryBudget,
    paced: &mut bool,
    observer: &mut Shown,
    op: impl AsyncFnMut() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let notes = std::cell::RefCell::new(Vec::new());
    let sent = with_retries(budget, say_later(&notes), op);
    let answer = crate::sync::pacing::noting(client.budget(), paced, observer, sent).await;
    for n in notes.into_inner() {
        crate::sync::engine::Observer::note(observer, &n);
    }
    answer
}

/// The outcome of `signals generate`.
struct Generated {
    /// One per item, in the order given.
    results: Vec<GenerateResult>,
    stopped: Stop,
}

fn failed(id: &str, error: &str) -> GenerateResult {
    GenerateResult {
        id: id.to_owned(),
        error: Some(error.to_owned()),
        ..GenerateResult::default()
    }
}

fn uuid_of(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id.trim()).ok()
}

/// The wait before asking again for drafts in flight: the backoff's base, doubling each round,
/// at most its cap.
fn in_flight_wait(backoff: Backoff, round: u32) -> Duration {
    backoff
        .base
        .saturating_mul(2u32.saturating_pow(round.min(16)))
        .min(backoff.cap)
}

async fn generate(
    client: &Client,
    items: &[GenerateItem],
    budget: &mut RetryBudget,
    backoff: Backoff,
    max_wait: Duration,
    observer: &mut Shown,
) -> Generated {
    let mut results: Vec<Option<GenerateResult>> = vec![None; items.len()];
    let mut unacked = vec![0u32; items.len()];
    let mut pending: Vec<usize> = (0..items.len()).collect();
    let mut waited = Duration::ZERO;
    let mut paced = false;
    let mut round = 0u32;
    observer.0.set_total(items.len() as u64);
    let stopped = 'rounds: loop {
        let mut again = Vec::new();
        for chunk in pending.chunks(MAX_GENERATE_ITEMS) {
            let batch: Vec<GenerateItem> = chunk.iter().map(|&i| items[i].clone()).collect();
            let answer = call(client, budget, &mut paced, observer, async || {
                client.generate_drafts(&batch).await
            })
            .await;
            let answer = match answer {
                Ok(a) => a,
                Err(e) => break 'rounds Some(e),
            };
            let mut by_id: HashMap<Uuid, GenerateResult> = HashMap::new();
            for r in answer {
                if let Some(id) = uuid_of(&r.id) {
                    by_id.entry(id).or_insert(r);
                }
            }
            for &i in chunk {
                let got = uuid_of(&items[i].id).and_then(|id| by_id.remove(&id));
                match got {
                    Some(r) if r.error.as_deref() == Some(ALREADY_IN_FLIGHT) => {
                        results[i] = Some(GenerateResult {
                            id: items[i].id.clone(),
                            ..r
                        });
                        again.push(i);
                    }
                    Some(r) => {
                        results[i] = Some(GenerateResult {
                            id: items[i].id.clone(),
                            ..r
                        });
                    }
                    None => {
                        unacked[i] += 1;
                        if unacked[i] >= MAX_UNACKED {
                            results[i] = Some(failed(&items[i].id, NOT_ACKNOWLEDGED));
                        } else {
                            again.push(i);
                        }
                    }
                }
            }
            let done = results.iter().flatten().filter(|r| !in_flight(r)).count();
            observer.0.set(done as u64);
        }
        if again.is_empty() {
            break None;
        }
        let in_flight_now = again
            .iter()
            .filter(|&&i| results[i].as_ref().is_some_and(in_flight))
            .count();
        let wait = if in_flight_now > 0 {
            in_flight_wait(backoff, round)
        } else {
            Duration::ZERO
        };
        if budget.waited() + waited + wait > max_wait {
            let line = format!(
                "{in_flight_now} draft{} still being written by another call (already_in_flight); stopped waiting after {} s (--max-wait {} s)",
                plural(in_flight_now),
                (budget.waited() + waited).as_secs(),
                max_wait.as_secs()
            );
            crate::sync::engine::Observer::note(observer, &line);
            for &i in &again {
                if results[i].is_none() {
                    results[i] = Some(failed(&items[i].id, NOT_ACKNOWLEDGED));
                }
            }
            break None;
        }
        if in_flight_now > 0 {
            let line = format!(
                "{in_flight_now} draft{} already being written by another call (already_in_flight); asking again in {:.1} s",
                plural(in_flight_now),
                wait.as_secs_f64()
            );
            crate::sync::engine::Observer::note(observer, &line);
            tokio::time::sleep(wait).await;
            waited += wait;
            round += 1;
        }
        pending = again;
    };
    let results = items
        .iter()
        .zip(results)
        .map(|(item, r)| match (r, &stopped) {
            // Stopped before its drafts came: not sent this time (a refusal in flight included).
            (Some(r), Some(_)) if in_flight(&r) => failed(&item.id, NOT_SENT),
            (Some(r), _) => r,
            (None, _) => failed(&item.id, NOT_SENT),
        })
        .collect();
    Generated { results, stopped }
}

fn in_flight(r: &GenerateResult) -> bool {
    r.error.as_deref() == Some(ALREADY_IN_FLIGHT)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The summary of `signals generate` on stderr (codes are the boundary's cleaned ones).
fn say_generated(results: &[GenerateResult]) {
    let ok = results.iter().filter(|r| r.error.is_none()).count();
    let mut codes: Vec<(String, usize)> = Vec::new();
    for r in results {
        if let Some(e) = &r.error {
            let code = crate::text::sanitize_line(e, 60);
            match codes.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => codes.push((code, 1)),
            }
        }
    }
    let mut line = format!(
        "lead-triage: drafted for {ok} of {} signal{}",
        results.len(),
        plural(results.len())
    );
    if !codes.is_empty() {
        let list: Vec<String> = codes.iter().map(|(c, n)| format!("{c} ({n})")).collect();
        line.push_str(&format!("; failed: {}", list.join(", ")));
    }
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Print `{"results":[…]}`.
fn write_results(results: &[GenerateResult]) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        results: &'a [GenerateResult],
    }
    write_json(&Out { results })
}

fn write_json(value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// The outcome of `signals update`, in the order given.
struct Updated {
    updated: Vec<String>,
    errors: Vec<ItemError>,
    stopped: Stop,
}

async fn update(
    client: &Client,
    updates: &[SignalUpdate],
    budget: &mut RetryBudget,
    observer: &mut Shown,
) -> Updated {
    let mut outcome: Vec<Option<Result<(), String>>> = vec![None; updates.len()];
    let mut unacked = vec![0u32; updates.len()];
    let mut queue: VecDeque<Vec<usize>> = (0..updates.len())
        .collect::<Vec<_>>()
        .chunks(MAX_SIGNAL_PATCH_ITEMS)
        .map(<[usize]>::to_vec)
        .collect();
    let mut paced = false;
    observer.0.set_total(updates.len() as u64);
    let mut stopped = None;
    while let Some(chunk) = queue.pop_front() {
        let batch: Vec<SignalUpdate> = chunk.iter().map(|&i| updates[i].clone()).collect();
        let answer = call(client, budget, &mut paced, observer, async || {
            client.patch_signals(&batch).await
        })
        .await;
        match answer {
            Ok(out) => {
                let (applied, refused) = out.by_entity();
                let mut left = Vec::new();
                for &i in &chunk {
                    let id = uuid_of(&updates[i].id);
                    if let Some(code) = id.and_then(|id| refused.get(&id)) {
                        outcome[i] = Some(Err((*code).to_owned()));
                    } else if id.is_some_and(|id| applied.contains(&id)) {
                        outcome[i] = Some(Ok(()));
                    } else {
                        unacked[i] += 1;
                        if unacked[i] >= MAX_UNACKED {
                            outcome[i] = Some(Err(NOT_ACKNOWLEDGED.to_owned()));
                        } else {
                            left.push(i);
                        }
                    }
                }
                if !left.is_empty() {
                    queue.push_back(left);
                }
            }
            // A refused call: halves, until the item Puffle refuses is alone.
            Err(ApiError::Invalid { .. } | ApiError::PayloadTooLarge { .. }) if chunk.len() > 1 => {
                let (a, b) = chunk.split_at(chunk.len() / 2);
                queue.push_front(b.to_vec());
                queue.push_front(a.to_vec());
            }
            Err(e @ (ApiError::Invalid { .. } | ApiError::PayloadTooLarge { .. })) => {
                outcome[chunk[0]] = Some(Err(e.code().to_owned()));
            }
            Err(e) => {
                stopped = Some(e);
                break;
            }
        }
        observer
            .0
            .set(outcome.iter().filter(|o| o.is_some()).count() as u64);
    }
    let mut out = Updated {
        updated: Vec::new(),
        errors: Vec::new(),
        stopped,
    };
    for (u, o) in updates.iter().zip(outcome) {
        match o {
            Some(Ok(())) => out.updated.push(u.id.clone()),
            Some(Err(error)) => out.errors.push(ItemError {
                id: u.id.clone(),
                error,
            }),
            None => out.errors.push(ItemError {
                id: u.id.clone(),
                error: NOT_SENT.to_owned(),
            }),
        }
    }
    out
}

/// Print `{"updated":[…],"errors":[…]}`, and the summary on stderr.
fn write_updates(out: &Updated) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        updated: &'a [String],
        errors: &'a [ItemError],
    }
    let total = out.updated.len() + out.errors.len();
    let _ = writeln!(
        std::io::stderr(),
        "lead-triage: updated {} of {total} signal{}",
        out.updated.len(),
        plural(total)
    );
    write_json(&Out {
        updated: &out.updated,
        errors: &out.errors,
    })
}
