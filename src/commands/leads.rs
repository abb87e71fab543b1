//! `lead-triage leads list|update|set`: input checked before any request, `--filter` through
//! the TUI's own filter, `--dry-run` and `confirm_over` before anything is sent, and the
//! sending through the one engine.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use uuid::Uuid;

use crate::api::{Client, GroupBy, Lead, LeadQuery, MAX_PAGE_SIZE, SortBy, Status, StatusChange};
use crate::app::filter::Query;
use crate::app::select::{Listing, Local};
use crate::cli::{GuardArgs, LeadsCommand, ListFormat, SendArgs};
use crate::headless::{self, ListSummary, plan::Plan};
use crate::sync::retry::RetryBudget;

use super::{
    Ctx, Shown, Target, connect, fail, is_broken_pipe, open_store, send_through_engine, store_path,
};

/// Run one `leads` command.
pub(super) async fn run(cmd: &LeadsCommand, ctx: &Ctx) -> ExitCode {
    // Validate the user's input before anything touches the network.
    match cmd {
        LeadsCommand::List {
            group_by,
            sort_by,
            format,
            max_wait,
            filter,
        } => {
            let query = match filter.as_deref().map(headless::parse_filter).transpose() {
                Ok(q) => q,
                Err(e) => return fail(&e.to_string()),
            };
            let target = match connect(ctx).await {
                Ok(t) => t,
                Err(e) => return fail(&e),
            };
            let local = match &query {
                None => Local::default(),
                Some(_) => local_state(ctx, &target, *group_by).unwrap_or_else(|e| {
                    let _ = writeln!(
                        std::io::stderr(),
                        "lead-triage: warning: {e}; the filter sees Puffle's statuses only"
                    );
                    Local::default()
                }),
            };
            let budget = RetryBudget::new(ctx.cli.backoff(), Some(Duration::from_secs(*max_wait)));
            let query_of_list = LeadQuery {
                group_by: *group_by,
                sort_by: *sort_by,
                limit: MAX_PAGE_SIZE,
            };
            let filter = query.as_ref().map(|q| (q, local));
            list(&target.client, query_of_list, *format, filter, budget).await
        }
        LeadsCommand::Update { items, guard, send } => match headless::parse_items(items) {
            Ok(changes) => change(ctx, Wanted::Given(changes), guard, send).await,
            Err(e) => fail(&e.to_string()),
        },
        LeadsCommand::Set {
            status,
            ids,
            filter,
            group_by,
            guard,
            send,
        } => {
            let status = *status;
            let wanted = match filter {
                Some(f) if f.trim().is_empty() => {
                    // An unset shell variable (`--filter "$Q"`) must not select every lead.
                    return fail("--filter is empty: it would select every lead; give a query");
                }
                Some(f) => match headless::parse_filter(f) {
                    Ok(query) => Wanted::Filter {
                        query,
                        group: group_by.unwrap_or(GroupBy::Person),
                        status,
                    },
                    Err(e) => return fail(&e.to_string()),
                },
                None => match headless::parse_ids(ids, std::io::stdin().lock()) {
                    Ok(ids) => Wanted::Given(crate::sync::batch::set_all(&ids, status)),
                    Err(e) => return fail(&e.to_string()),
                },
            };
            change(ctx, wanted, guard, send).await
        }
    }
}

/// What a change asks for.
enum Wanted {
    /// These changes (`--items`, or ids).
    Given(Vec<StatusChange>),
    /// One status on the leads the filter shows in `group`.
    Filter {
        query: Query,
        group: GroupBy,
        status: Status,
    },
}

/// Plan a change where it needs a listing (`--filter`, `--dry-run`), show it or check it
/// against `confirm_over`, then send it through the engine.
async fn change(ctx: &Ctx, wanted: Wanted, guard: &GuardArgs, send: &SendArgs) -> ExitCode {
    let cli = &ctx.cli;
    let target = match connect(ctx).await {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let mut budget = RetryBudget::new(cli.backoff(), Some(Duration::from_secs(send.max_wait)));
    let planned = match &wanted {
        Wanted::Given(_) if !guard.dry_run => Ok(None),
        Wanted::Given(changes) => plan_given(ctx, &target, changes, &mut budget)
            .await
            .map(Some),
        Wanted::Filter {
            query,
            group,
            status,
        } => plan_filter(ctx, &target, query, *group, *status, &mut budget)
            .await
            .map(Some),
    };
    let plan = match planned {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    if guard.dry_run {
        let plan = plan.unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "lead-triage: {}; nothing sent (--dry-run)",
            plan.summary("would")
        );
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        return match plan.write_tsv(&mut out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("could not write the output: {e}")),
        };
    }
    let (changes, what, count) = match (&plan, wanted) {
        (Some(p), _) => (p.to_send(), p.what(), p.changes.len()),
        (None, Wanted::Given(changes)) => {
            let merged = crate::sync::batch::merge_last_wins(changes.iter().copied());
            let what = headless::plan::what(merged.iter().map(|c| c.status), merged.len());
            (changes, what, merged.len())
        }
        (None, Wanted::Filter { .. }) => return fail("internal: a filter without a plan"),
    };
    if let Some(limit) = ctx.config.file.confirm_over()
        && count > limit
        && !guard.yes
    {
        return fail(&format!(
            "this would {what}, more than confirm_over ({limit}) allows without asking; nothing sent. Pass --yes to send them, or --dry-run to see them"
        ));
    }
    if let Some(p) = &plan {
        let _ = writeln!(std::io::stderr(), "lead-triage: {}", p.summary("will"));
    }
    if changes.is_empty() {
        // Nothing to send: the report is empty, as when every item was applied.
        let report = crate::sync::engine::Report::default();
        return match headless::write_report(&mut std::io::stdout().lock(), &report) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("could not write the output: {e}")),
        };
    }
    let store = match open_store(cli, &target.namespace, &target.key) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    send_through_engine(
        target.client.clone(),
        Some(store),
        crate::sync::engine::Scope::Changes(changes),
        &send.engine(cli.backoff()),
    )
    .await
}

/// The leads the filter shows in `group`, each to get `status`.
async fn plan_filter(
    ctx: &Ctx,
    target: &Target,
    query: &Query,
    group: GroupBy,
    status: Status,
    budget: &mut RetryBudget,
) -> Result<Plan, String> {
    let local = local_state(ctx, target, group)?;
    let all = fetch_for_change(&target.client, group, budget).await?;
    let listing = Listing::new(&all, local);
    let picked = listing.select(query);
    let changes: Vec<StatusChange> = picked
        .iter()
        .map(|&i| StatusChange {
            entity_id: all[i].id,
            status,
        })
        .collect();
    let by_id: HashMap<Uuid, &Lead> = picked.iter().map(|&i| (all[i].id, &all[i])).collect();
    Ok(Plan::new(&changes, |id| {
        Some((*by_id.get(id)?, listing.shown(id)?))
    }))
}

/// The given changes over the listing (`--dry-run`): the person view, and the company view
/// too when some id is not a person.
async fn plan_given(
    ctx: &Ctx,
    target: &Target,
    changes: &[StatusChange],
    budget: &mut RetryBudget,
) -> Result<Plan, String> {
    let wanted: HashSet<Uuid> = changes.iter().map(|c| c.entity_id).collect();
    let mut found: HashMap<Uuid, (Lead, Status)> = HashMap::new();
    for group in [GroupBy::Person, GroupBy::Company] {
        if found.len() == wanted.len() {
            break;
        }
        let local = local_state(ctx, target, group)?;
        let all = fetch_for_change(&target.client, group, budget).await?;
        let listing = Listing::new(&all, local);
        for l in all {
            if wanted.contains(&l.id)
                && !found.contains_key(&l.id)
                && let Some(s) = listing.shown(&l.id)
            {
                found.insert(l.id, (l, s));
            }
        }
    }
    Ok(Plan::new(changes, |id| found.get(id).map(|(l, s)| (l, *s))))
}

/// Every lead of `group`, to plan a change on. A listing that could not learn every status
/// is refused: what the filter selects and what already is so would be guesses.
async fn fetch_for_change(
    client: &Client,
    group: GroupBy,
    budget: &mut RetryBudget,
) -> Result<Vec<Lead>, String> {
    let query = LeadQuery {
        group_by: group,
        sort_by: SortBy::Recency,
        limit: MAX_PAGE_SIZE,
    };
    let mut shown = Shown(crate::progress::Progress::new("leads listed", None));
    let fetched = headless::fetch_all(client, query, budget, &mut shown).await;
    shown.0.finish();
    let (all, summary) = fetched.map_err(|e| format!("{e}; nothing sent"))?;
    say_list_notes(&summary);
    match summary.hydration_error {
        Some(e) => Err(format!(
            "could not learn every status ({e}); {} leads unknown; nothing sent",
            summary.unknown_status
        )),
        None => Ok(all),
    }
}

/// What the filter sees besides the listing: this account's queued changes, and the statuses
/// the TUI last saw in `group` (none with `--demo`: the TUI forgets the demo's cache at start).
/// A store that does not exist yet is not created: then there is nothing local.
fn local_state(ctx: &Ctx, target: &Target, group: GroupBy) -> Result<Local, String> {
    let cli = &ctx.cli;
    if !store_path(cli, &target.namespace, &target.key).exists() {
        return Ok(Local::default());
    }
    let mut store = open_store(cli, &target.namespace, &target.key)?;
    let outbox = store
        .outbox()
        .map_err(|e| format!("could not read the outbox: {e}"))?;
    let mut cached = HashMap::new();
    if !cli.demo {
        // Only a cache: one that cannot be read marks nothing as changed elsewhere.
        let chunks = store.cache_chunks(group).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "lead cache unreadable");
            0
        });
        for k in 0..chunks {
            match store.load_cache(group, k) {
                Ok(Some(c)) => cached.extend(c.leads.into_iter().map(|l| (l.id, l.status))),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "lead cache unreadable"),
            }
        }
    }
    Ok(Local { outbox, cached })
}

/// The notes of a listing on stderr: repeated leads, rows without an id.
fn say_list_notes(summary: &ListSummary) {
    let mut err = std::io::stderr();
    if summary.repeated > 0 {
        let _ = writeln!(
            err,
            "lead-triage: note: the server sent {} lead{} again on a later page; each is listed once",
            summary.repeated,
            if summary.repeated == 1 { "" } else { "s" }
        );
    }
    if summary.skipped > 0 {
        let _ = writeln!(
            err,
            "lead-triage: warning: {} rows had no usable id and were left out",
            summary.skipped
        );
    }
}

async fn list(
    client: &Client,
    query: LeadQuery,
    format: ListFormat,
    filter: Option<(&Query, Local)>,
    mut budget: RetryBudget,
) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut shown = Shown(crate::progress::Progress::new("leads listed", None));
    let result = headless::list(
        client,
        query,
        format,
        filter,
        &mut budget,
        &mut shown,
        &mut out,
    )
    .await;
    shown.0.finish();
    match result {
        Ok(summary) => {
            drop(out);
            say_list_notes(&summary);
            if let Some(e) = summary.hydration_error {
                let _ = writeln!(
                    std::io::stderr(),
                    "lead-triage: warning: could not learn every status ({e}); {} leads are listed as unknown",
                    summary.unknown_status
                );
            }
            ExitCode::SUCCESS
        }
        Err(headless::ListError::Io(e)) if is_broken_pipe(&e) => {
            // The reader went away (`| head`): stop quietly, like other Unix tools.
            tracing::debug!("stdout closed: {e}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            drop(out);
            fail(&format!("{e}; nothing was printed"))
        }
    }
}
