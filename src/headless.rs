//! Headless lead commands: input validation and output formats of `leads list`,
//! `leads update` and `leads set`. Everything the user typed is checked before any request.
//! `--filter` selects with the TUI's own filter (`app::select`); [`plan`] says what a change
//! would do (`--dry-run`, `confirm_over`).

pub mod plan;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

use serde_json::Value;
use uuid::Uuid;

use crate::api::hydration_pairs;
use crate::api::{ApiError, Client, Lead, LeadQuery, Status, StatusChange};
use crate::app::filter::Query;
use crate::app::select::{Listing, Local};
use crate::cli::ListFormat;
use crate::sync::engine::Report;
use crate::sync::retry::{RetryBudget, with_retries};
use crate::text::{sanitize_line, tsv_cell};

/// Bad command-line input, named precisely. Exit code 2.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error("--items is not valid JSON: {0}")]
    ItemsNotJson(String),
    #[error("--items must be a JSON array of {{\"entityId\",\"status\"}} objects")]
    ItemsNotArray,
    #[error("--items is empty: give at least one {{\"entityId\",\"status\"}}")]
    NoItems,
    #[error("--items[{index}]: {problem}")]
    BadItem { index: usize, problem: String },
    #[error("{source_name} {position}: {value:?} is not a UUID")]
    BadId {
        source_name: &'static str,
        position: usize,
        value: String,
    },
    #[error("no ids given on stdin")]
    NoIds,
    #[error("could not read stdin: {0}")]
    Stdin(String),
    /// The filter's own messages, e.g. `status:contaced? (new, contacted, dismissed, unknown)`.
    #[error("--filter: {}", .0.join("; "))]
    Filter(Vec<String>),
}

/// Parse `--filter` with the TUI's filter language; a query with an error is refused (in the
/// TUI it matches nothing until fixed, so a typo never selects every lead).
pub fn parse_filter(input: &str) -> Result<Query, InputError> {
    let q = Query::parse(input);
    if q.errors.is_empty() {
        Ok(q)
    } else {
        Err(InputError::Filter(q.errors.clone()))
    }
}

fn shown(v: &str) -> String {
    sanitize_line(v, 80)
}

/// Parse `--items`: a JSON array of `{"entityId": "<uuid>", "status": "new|contacted|dismissed"}`.
pub fn parse_items(json: &str) -> Result<Vec<StatusChange>, InputError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| InputError::ItemsNotJson(e.to_string()))?;
    let arr = value.as_array().ok_or(InputError::ItemsNotArray)?;
    if arr.is_empty() {
        return Err(InputError::NoItems);
    }
    arr.iter()
        .enumerate()
        .map(|(index, item)| {
            let bad = |problem: String| InputError::BadItem { index, problem };
            let obj = item
                .as_object()
                .ok_or_else(|| bad("must be an object with \"entityId\" and \"status\"".into()))?;
            let id = match obj.get("entityId") {
                Some(Value::String(s)) => Uuid::parse_str(s.trim())
                    .map_err(|_| bad(format!("entityId {:?} is not a UUID", shown(s))))?,
                Some(other) => {
                    return Err(bad(format!(
                        "entityId must be a string, not {}",
                        shown(&other.to_string())
                    )));
                }
                None => return Err(bad("missing \"entityId\"".into())),
            };
            let status = match obj.get("status") {
                Some(Value::String(s)) => Status::from_wire(s).ok_or_else(|| {
                    bad(format!(
                        "unknown status {:?} (expected new, contacted or dismissed)",
                        shown(s)
                    ))
                })?,
                Some(_) => return Err(bad("status must be a string".into())),
                None => return Err(bad("missing \"status\"".into())),
            };
            Ok(StatusChange {
                entity_id: id,
                status,
            })
        })
        .collect()
}

/// Parse the ids of `leads set`: arguments, or stdin (one per line, blank lines skipped) when
/// an argument is `-`.
pub fn parse_ids(args: &[String], stdin: impl BufRead) -> Result<Vec<Uuid>, InputError> {
    let mut ids = Vec::new();
    let mut stdin = Some(stdin);
    for (i, arg) in args.iter().enumerate() {
        if arg == "-" {
            let Some(input) = stdin.take() else {
                continue; // a second `-` reads nothing more
            };
            let before = ids.len();
            for (line_no, line) in input.lines().enumerate() {
                let line = line.map_err(|e| InputError::Stdin(e.to_string()))?;
                let t = line.trim();
                if t.is_empty() {
                    continue;
                }
                ids.push(Uuid::parse_str(t).map_err(|_| InputError::BadId {
                    source_name: "stdin line",
                    position: line_no + 1,
                    value: shown(t),
                })?);
            }
            if ids.len() == before {
                return Err(InputError::NoIds);
            }
        } else {
            ids.push(Uuid::parse_str(arg.trim()).map_err(|_| InputError::BadId {
                source_name: "argument",
                position: i + 1,
                value: shown(arg),
            })?);
        }
    }
    Ok(ids)
}

/// What `leads list` found, for the summary on stderr.
#[derive(Debug, Default)]
pub struct ListSummary {
    pub leads: usize,
    pub skipped: usize,
    /// Leads the server sent again on a later page (listed once).
    pub repeated: usize,
    pub unknown_status: usize,
    pub hydration_error: Option<ApiError>,
}

/// Fetch every page, retrying transient failures within `budget`, then write the leads in the
/// chosen format: all of them, or with `filter` only those the TUI's filter shows, in its
/// order (see [`crate::app::select`]). Nothing is written unless the whole listing arrived: a
/// failure leaves stdout empty rather than holding part of a table. A lead the server repeats
/// on a later page is listed once. `observer` hears of long waits.
pub async fn list(
    client: &Client,
    query: LeadQuery,
    format: ListFormat,
    filter: Option<(&Query, Local)>,
    budget: &mut RetryBudget,
    observer: &mut impl crate::sync::engine::Observer,
    out: &mut impl Write,
) -> Result<ListSummary, ListError> {
    let (all, summary) = fetch_all(client, query, budget, observer).await?;
    match filter {
        None => write_leads(format, all.iter(), out)?,
        Some((q, local)) => {
            let listing = Listing::new(&all, local);
            write_leads(format, listing.select(q).into_iter().map(|i| &all[i]), out)?;
        }
    }
    Ok(summary)
}

/// Every page of a listing, retrying transient failures within `budget`, with the statuses
/// learned where the rows carry none (see `leads list`). A lead the server repeats on a later
/// page is kept once, at its first place.
pub async fn fetch_all(
    client: &Client,
    query: LeadQuery,
    budget: &mut RetryBudget,
    observer: &mut impl crate::sync::engine::Observer,
) -> Result<(Vec<Lead>, ListSummary), ApiError> {
    let mut pager = client.pager(query);
    let mut summary = ListSummary::default();
    let mut all: Vec<Lead> = Vec::new();
    let mut seen: HashSet<Uuid> = HashSet::new();
    let notes: std::cell::RefCell<Vec<String>> = Default::default();
    let say = |e: &ApiError, wait: std::time::Duration| {
        if wait >= crate::sync::retry::QUIET_WAIT {
            notes
                .borrow_mut()
                .push(crate::sync::retry::describe_wait(e, wait));
        }
    };
    let mut paced = false;
    loop {
        let next = with_retries(budget, say, async || pager.next_raw_page().await);
        let raw = crate::sync::pacing::noting(client.budget(), &mut paced, observer, next).await;
        for n in notes.borrow_mut().drain(..) {
            observer.note(&n);
        }
        let Some(raw) = raw? else {
            break;
        };
        summary.skipped += raw.skipped;
        let mut leads = Vec::with_capacity(raw.leads.len());
        let mut needs = Vec::with_capacity(raw.leads.len());
        for (lead, on_row) in raw.leads.into_iter().zip(raw.status_on_row) {
            if seen.insert(lead.id) {
                leads.push(lead);
                needs.push(!on_row);
            } else {
                summary.repeated += 1;
            }
        }
        let pairs = hydration_pairs(&leads, &needs);
        if !pairs.is_empty() {
            let learn = with_retries(budget, say, async || {
                client.statuses_from_signals(query.group_by, &pairs).await
            });
            match crate::sync::pacing::noting(client.budget(), &mut paced, observer, learn).await {
                Ok(statuses) => {
                    let learned: HashMap<Uuid, Status> = statuses.into_iter().collect();
                    for l in &mut leads {
                        if let Some(s) = learned.get(&l.id) {
                            l.status = *s;
                        }
                    }
                }
                Err(e @ ApiError::Unauthorized { .. }) => return Err(e),
                Err(e) => {
                    if summary.hydration_error.is_none() {
                        summary.hydration_error = Some(e);
                    }
                }
            }
        }
        all.extend(leads);
        for n in notes.borrow_mut().drain(..) {
            observer.note(&n);
        }
        observer.progress(all.len() as u64, 0);
    }
    summary.leads = all.len();
    summary.unknown_status = all.iter().filter(|l| l.status == Status::Unknown).count();
    Ok((all, summary))
}

/// Write leads as `leads list` prints them.
pub fn write_leads<'a>(
    format: ListFormat,
    leads: impl Iterator<Item = &'a Lead>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match format {
        ListFormat::Tsv => write_tsv(out, leads)?,
        ListFormat::Csv => crate::export::write_csv(out, leads)?,
        ListFormat::Json => {
            #[derive(serde::Serialize)]
            struct Out<'a> {
                leads: Vec<&'a Lead>,
            }
            serde_json::to_writer_pretty(
                &mut *out,
                &Out {
                    leads: leads.collect(),
                },
            )
            .map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

/// The TSV listing: a header, then one row per lead (text cells made safe by [`tsv_cell`]).
fn write_tsv<'a>(
    out: &mut impl Write,
    leads: impl Iterator<Item = &'a Lead>,
) -> std::io::Result<()> {
    use crate::export::io_error;
    const HEADER: [&str; 8] = [
        "id",
        "status",
        "name",
        "company",
        "headline",
        "email",
        "signals",
        "top_score",
    ];
    let mut w = crate::export::tsv_writer(out);
    w.write_record(HEADER).map_err(io_error)?;
    for l in leads {
        let opt = |s: Option<&str>| s.map(tsv_cell).unwrap_or_default();
        let row = [
            l.id.to_string(),
            l.status.to_string(),
            tsv_cell(&l.name),
            opt(l.company_name()),
            opt(l.headline()),
            opt(l.email()),
            l.signal_count.to_string(),
            l.top_score.map(|s| s.to_string()).unwrap_or_default(),
        ];
        w.write_record(&row).map_err(io_error)?;
    }
    w.flush()
}

/// Failure of `leads list`.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Writing failed; a closed stdout shows as [`std::io::ErrorKind::BrokenPipe`].
    #[error("could not write the output: {0}")]
    Io(#[from] std::io::Error),
}

/// Print `{"updated":[…],"errors":[…]}` (the shape of the API's answer).
pub fn write_report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        updated: &'a [Uuid],
        errors: &'a [crate::api::ItemError],
    }
    serde_json::to_writer_pretty(
        &mut *out,
        &Out {
            updated: &report.updated,
            errors: &report.errors,
        },
    )
    .map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "dde45278-8ffc-4934-b480-d8ebf87e5430";

    #[test]
    fn items_are_validated_and_named() {
        let ok = parse_items(&format!(r#"[{{"entityId":"{A}","status":"contacted"}}]"#)).unwrap();
        assert_eq!(ok[0].status, Status::Contacted);
        let e = parse_items(&format!(
            r#"[{{"entityId":"{A}","status":"new"}},{{"entityId":"nope","status":"new"}}]"#
        ))
        .unwrap_err();
        assert_eq!(e.to_string(), "--items[1]: entityId \"nope\" is not a UUID");
        let e =
            parse_items(&format!(r#"[{{"entityId":"{A}","status":"responded"}}]"#)).unwrap_err();
        assert!(e.to_string().contains("unknown status \"responded\""));
        assert_eq!(parse_items("[]"), Err(InputError::NoItems));
        assert_eq!(parse_items("{}"), Err(InputError::ItemsNotArray));
        assert!(matches!(
            parse_items("[{"),
            Err(InputError::ItemsNotJson(_))
        ));
        assert!(
            parse_items(r#"[{"status":"new"}]"#)
                .unwrap_err()
                .to_string()
                .contains("missing \"entityId\"")
        );
    }

    #[test]
    fn ids_from_args_and_stdin() {
        let stdin = format!("{A}\n\n  {A}  \n");
        let ids = parse_ids(&["-".into(), A.into()], stdin.as_bytes()).unwrap();
        assert_eq!(ids.len(), 3);
        let e = parse_ids(&[A.into(), "x\u{1b}[2J".into()], &b""[..]).unwrap_err();
        assert_eq!(e.to_string(), "argument 2: \"x\" is not a UUID");
        let e = parse_ids(&["-".into()], "oops\n".as_bytes()).unwrap_err();
        assert_eq!(e.to_string(), "stdin line 1: \"oops\" is not a UUID");
        assert_eq!(parse_ids(&["-".into()], &b"\n"[..]), Err(InputError::NoIds));
    }

    #[test]
    fn a_filter_with_an_error_is_refused_with_its_message() {
        let e = parse_filter("status:contaced acme").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--filter: status:contaced? (new, contacted, dismissed, unknown)"
        );
        assert!(parse_filter("status:new acme").is_ok());
        assert!(parse_filter("").is_ok());
    }

    fn example_leads() -> Vec<Lead> {
        let mut leads = crate::api::parse::leads_page(include_bytes!(
            "../crates/puffle-api/tests/fixtures/leads-page.json"
        ))
        .unwrap()
        .leads;
        leads[0].name = "Ann \"Jr\", =1\tx".into();
        leads
    }

    #[test]
    fn tsv_cells_are_never_quoted_and_hold_no_tab() {
        let leads = example_leads();
        let mut out = Vec::new();
        write_leads(ListFormat::Tsv, leads.iter(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), leads.len() + 1);
        assert!(text.ends_with('\n') && !text.contains('\r'));
        let first: Vec<&str> = lines[1].split('\t').collect();
        assert_eq!(first.len(), 8, "{first:?}");
        assert_eq!(first[2], "Ann \"Jr\", =1 x");
    }

    #[test]
    fn csv_listing_quotes_and_matches_the_export() {
        let leads = example_leads();
        let mut listed = Vec::new();
        write_leads(ListFormat::Csv, leads.iter(), &mut listed).unwrap();
        let mut exported = Vec::new();
        crate::export::write(&mut exported, &leads, crate::export::Format::Csv).unwrap();
        assert_eq!(listed, exported);
        let text = String::from_utf8(listed).unwrap();
        assert!(text.contains(",\"Ann \"\"Jr\"\", =1\tx\","), "{text}");
    }

    /// Writes fail as a closed pipe does.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_stdout_stays_a_broken_pipe_in_every_format() {
        let leads = example_leads();
        for format in [ListFormat::Tsv, ListFormat::Csv, ListFormat::Json] {
            let e = write_leads(format, leads.iter(), &mut ClosedPipe).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{format:?}");
        }
    }
}
