//! The reading pane (Enter): the cursor's lead (person and company, or a company and its
//! people), its status and where its change is (pending, sending, waiting to retry, refused),
//! what happened to each attempt in this session, the full error of a failed change, and its
//! signals, each with what its score means, its excerpt and drafts.
//!
//! Its lines are built by one function, [`lines`], for drawing and for bounding the scroll
//! (`update` asks [`max_scroll`] with the terminal size the state knows).

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use uuid::Uuid;

use crate::api::GroupBy;
use crate::app::action::{Action, Layer};
use crate::app::pane::SignalsEntry;
use crate::app::queue::{CONFLICT, NOT_ACKNOWLEDGED, Phase};
use crate::app::state::{State, gi};

use super::bars::{conflict_keys, human_age, joined, sends_now};
use super::fit::{fit, wrap};
use super::theme::Theme;

/// The lines of the pane, `width` columns wide.
pub fn lines(s: &State, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    lines_and_starts(s, width, theme).0
}

/// The pane's lines, and the line each signal starts on (Tab scrolls there). What a rep
/// decides from comes first: who (the person and their company, or the company and its
/// people), then the signals; the status and sync history last.
pub fn lines_and_starts(
    s: &State,
    width: usize,
    theme: &Theme,
) -> (Vec<Line<'static>>, Vec<usize>) {
    let mut starts = Vec::new();
    if s.pane.is_none() {
        return (Vec::new(), starts);
    }
    let Some(lead) = s.cursor_lead() else {
        return (vec![Line::from("No lead here: the list is empty.")], starts);
    };
    let group = s.group;
    let current = s.pane.as_ref().map_or(0, |p| p.signal);
    let label = |l: &str| Span::styled(format!("{l:<10}"), theme.dim());
    let value = |v: Option<&str>| fit(v.unwrap_or("–"), width.saturating_sub(10));
    let mut out = vec![Line::from(Span::styled(
        fit(lead.name(), width),
        theme.header(),
    ))];
    let company = lead.company.as_deref();
    if group == GroupBy::Person {
        // A headline can be long: wrapped (up to 4 lines) rather than cut.
        for (k, part) in wrap(lead.headline().unwrap_or("–"), width.saturating_sub(10), 4)
            .into_iter()
            .enumerate()
        {
            out.push(Line::from(vec![
                label(if k == 0 { "headline" } else { "" }),
                Span::raw(part),
            ]));
        }
        out.push(Line::from(vec![
            label("email"),
            Span::raw(value(lead.email())),
        ]));
        out.push(Line::from(vec![
            label("LinkedIn"),
            Span::raw(value(lead.linkedin_url())),
        ]));
        let about: Vec<&str> = [lead.company_name(), lead.domain(), lead.industry()]
            .into_iter()
            .flatten()
            .collect();
        let about = (!about.is_empty()).then(|| about.join(" · "));
        out.push(Line::from(vec![
            label("company"),
            Span::raw(value(about.as_deref())),
        ]));
    } else {
        out.push(Line::from(vec![
            label("domain"),
            Span::raw(value(lead.domain())),
        ]));
        out.push(Line::from(vec![
            label("industry"),
            Span::raw(value(lead.industry())),
        ]));
        out.push(Line::from(vec![
            label("LinkedIn"),
            Span::raw(value(company.and_then(|c| c.linkedin_url.as_deref()))),
        ]));
    }
    out.push(Line::default());

    let entry = s.signals.get(&lead.id);
    let known = match entry {
        Some(SignalsEntry::Loaded { signals, .. }) => Some(signals.len()),
        _ => None,
    };
    if group == GroupBy::Company {
        people(s, &lead.id, known.is_some(), width, theme, &mut out);
    }
    out.push(Line::from(Span::styled(
        format!("Signals ({})", known.unwrap_or(lead.signal_count as usize)),
        theme.key(),
    )));
    let signals = match entry {
        None | Some(SignalsEntry::Loading) => {
            out.push(Line::from(Span::styled("loading…", theme.pending())));
            None
        }
        Some(SignalsEntry::Failed { error, .. }) => {
            for part in wrap(&format!("could not load: {error}"), width, 3) {
                out.push(Line::from(Span::styled(part, theme.error())));
            }
            None
        }
        Some(SignalsEntry::Loaded {
            signals,
            fetched_at,
            refreshing,
            ..
        }) => {
            let age = human_age(crate::app::pane::unix_now(s).saturating_sub(*fetched_at));
            let again = if *refreshing {
                " · fetching again…"
            } else {
                ""
            };
            out.push(Line::from(Span::styled(
                fit(&format!("fetched {age} ago{again}"), width),
                theme.dim(),
            )));
            Some(signals)
        }
    };
    match signals {
        None => {}
        Some(v) if v.is_empty() => out.push(Line::from("none")),
        Some(v) => {
            for (k, sig) in v.iter().enumerate() {
                starts.push(out.len());
                let mark = if k == current.min(v.len() - 1) {
                    "▸ "
                } else {
                    "  "
                };
                let date = sig.created_at.as_deref().map(|d| d.get(..10).unwrap_or(d));
                let score = sig
                    .score
                    .map(|x| format!("{x}"))
                    .unwrap_or_else(|| "–".into());
                let meaning = sig.score.and_then(score_meaning);
                out.push(Line::from(vec![
                    Span::styled(mark, theme.key()),
                    Span::styled(format!("{} ", date.unwrap_or("----------")), theme.dim()),
                    Span::styled(format!("{score:>3} "), theme.key()),
                    Span::raw(fit(
                        &format!(
                            "{} · {}",
                            sig.label.as_deref().unwrap_or("signal"),
                            sig.title.as_deref().unwrap_or("")
                        ),
                        width.saturating_sub(19),
                    )),
                ]));
                let indent = "              ";
                let room = width.saturating_sub(indent.len());
                let about: Vec<&str> = [meaning, sig.source.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                if !about.is_empty() {
                    out.push(Line::from(Span::styled(
                        format!("{indent}{}", fit(&about.join(" · "), room)),
                        theme.dim(),
                    )));
                }
                if let Some(text) = &sig.excerpt {
                    for part in wrap(text, room, 4) {
                        out.push(Line::from(format!("{indent}{part}")));
                    }
                }
                use crate::app::outreach::{Kind, draft_text, notes};
                for (what, kind) in [("DM draft", Kind::Dm), ("comment draft", Kind::Comment)] {
                    if let Some(text) = draft_text(s, sig, kind) {
                        out.push(Line::from(Span::styled(
                            format!("{indent}{what}:"),
                            theme.key(),
                        )));
                        // Its own line breaks kept, each line wrapped (12 lines at most).
                        let mut left = 12usize;
                        for line in text.split('\n') {
                            for part in wrap(line, room, left.max(1)) {
                                out.push(Line::from(format!("{indent}{part}")));
                                left = left.saturating_sub(1);
                            }
                            if left == 0 {
                                break;
                            }
                        }
                    }
                }
                // Only the signal under the pane's cursor is what the outreach keys act on.
                if k == current.min(v.len() - 1) {
                    for note in notes(s, &lead.id, sig) {
                        out.push(Line::from(Span::styled(
                            format!("{indent}{}", fit(&note, room)),
                            theme.pending(),
                        )));
                    }
                }
                if let Some(url) = &sig.url {
                    out.push(Line::from(Span::styled(
                        format!("{indent}{}", fit(url, room)),
                        theme.dim(),
                    )));
                }
            }
        }
    }
    out.push(Line::default());
    status(s, lead, width, theme, &mut out);
    (out, starts)
}

/// The lead's status and where its change is, the full error, and this session's history.
fn status(
    s: &State,
    lead: &crate::app::record::LeadRecord,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let label = |l: &str| Span::styled(format!("{l:<10}"), theme.dim());
    out.push(Line::from(Span::styled("Status", theme.key())));
    let entry = s.queue.entries.get(&lead.id);
    let shown = s.queue.shown(&lead.id, lead.status);
    out.push(Line::from(vec![
        label("shown"),
        Span::styled(shown.as_str(), theme.status(shown)),
        Span::raw(format!("   (Puffle: {})", lead.status)),
    ]));
    let failed = entry.is_some_and(|e| e.phase == Phase::Failed);
    let sync_style = if failed {
        theme.error()
    } else if entry.is_some() {
        theme.pending()
    } else {
        ratatui::style::Style::new()
    };
    for (k, part) in wrap(&sync_phase(s, &lead.id), width.saturating_sub(10), 4)
        .into_iter()
        .enumerate()
    {
        out.push(Line::from(vec![
            label(if k == 0 { "sync" } else { "" }),
            Span::styled(part, sync_style),
        ]));
    }
    if let Some(err) = entry.and_then(|e| e.error.as_deref()) {
        // The full error, wrapped: this pane is where a rep reads what went wrong.
        let text = match explain(err) {
            Some(means) => format!("{err}: {means}"),
            None => err.to_owned(),
        };
        for (k, part) in wrap(&text, width.saturating_sub(10), 8)
            .into_iter()
            .enumerate()
        {
            out.push(Line::from(vec![
                label(if k == 0 { "error" } else { "" }),
                Span::styled(part, theme.error()),
            ]));
        }
    }
    if let Some(log) = s.sync_log.get(&lead.id) {
        // Every change and attempt of this session, oldest first, each with its result.
        out.push(Line::from(label("history")));
        for (at, event) in log {
            let age = format!(
                "{} ago",
                super::bars::human_age(s.now.saturating_sub(*at).as_secs())
            );
            for (k, part) in wrap(event, width.saturating_sub(12), 3)
                .into_iter()
                .enumerate()
            {
                let when = if k == 0 { age.as_str() } else { "" };
                out.push(Line::from(vec![
                    Span::styled(format!("  {when:>9} "), theme.dim()),
                    Span::raw(part),
                ]));
            }
        }
    }
}

/// A company's people (those its signals name), each with the status shown in the person
/// view, and the key that selects them all.
fn people(
    s: &State,
    company: &Uuid,
    known: bool,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let people = crate::app::pane::people(s, company);
    let select = s
        .keymap
        .key_in(Layer::Detail, Action::SelectPeople)
        .filter(|_| people.iter().any(|(_, i)| i.is_some()))
        .map_or(String::new(), |k| format!(" · {k} selects them"));
    out.push(Line::from(Span::styled(
        format!("People ({}){select}", people.len()),
        theme.key(),
    )));
    if !known {
        out.push(Line::from(Span::styled(
            "  (named by its signals, once they load)",
            theme.dim(),
        )));
    }
    let data = &s.data[gi(GroupBy::Person)];
    for (id, at) in people {
        let line = match at.map(|i| &data.leads[i as usize]) {
            Some(p) => {
                let shown = s.queue.shown(&p.id, p.status);
                let about = [p.headline(), p.email()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ");
                Line::from(vec![
                    Span::raw("  "),
                    Span::styled(format!("{:<10}", shown.as_str()), theme.status(shown)),
                    Span::raw(fit(
                        &format!("{} · {about}", p.name()),
                        width.saturating_sub(12),
                    )),
                ])
            }
            None => Line::from(Span::styled(
                fit(
                    &format!("  person {id} (not in the person view yet)"),
                    width,
                ),
                theme.dim(),
            )),
        };
        out.push(line);
    }
    out.push(Line::default());
}

/// Where a lead's change is, in words: in sync or confirmed; pending; sending (which
/// attempt); waiting to retry (after how many attempts, why, and when the next one is); or
/// refused (with the code) or held as a conflict.
pub fn sync_phase(s: &State, id: &Uuid) -> String {
    let Some(e) = s.queue.entries.get(id) else {
        return if s.queue.done.contains(id) {
            "confirmed by Puffle".into()
        } else {
            "in sync".into()
        };
    };
    let tried = match e.attempts {
        1 => "attempt 1 failed".to_owned(),
        n => format!("{n} attempts failed"),
    };
    match e.phase {
        Phase::Sending(batch) => {
            let then = e.next.map_or(String::new(), |n| format!(" · then {n}"));
            format!(
                "sending (batch {batch}, attempt {}){then}",
                e.attempts.max(1)
            )
        }
        Phase::Failed if e.error.as_deref() == Some(CONFLICT) => joined([
            Some("held, not sent: the lead changed on Puffle since (a teammate?)".into()),
            conflict_keys(s),
        ]),
        Phase::Failed => {
            let code = e.error.as_deref().unwrap_or("error");
            let after = if e.attempts > 1 {
                format!(" after {} attempts", e.attempts)
            } else {
                String::new()
            };
            joined([
                Some(format!("failed: refused by Puffle ({code}){after}")),
                s.keymap.hint(Action::Retry, "retries"),
            ])
        }
        Phase::Pending if s.queue.auth_blocked => {
            "not sent: sending stopped (Puffle rejected the API key)".into()
        }
        Phase::Pending if s.queue.is_held(id) => {
            "waiting: Puffle's current status is checked first (a teammate may have changed it)"
                .into()
        }
        Phase::Pending => match s.retry_at {
            Some(at) => {
                let left = at.saturating_sub(s.now);
                let when = s.queue.wait_reason.as_ref().map_or_else(
                    || format!("retrying in {} s", left.as_secs_f64().ceil() as u64),
                    |r| r.describe(left),
                );
                if e.attempts == 0 {
                    joined([Some(format!("waiting to send: {when}")), sends_now(s)])
                } else {
                    let what = format!("waiting to retry: {tried} · {when}");
                    joined([Some(what), sends_now(s)])
                }
            }
            None if e.attempts > 0 => {
                let what = format!("queued again: {tried}; goes with the next batch");
                joined([Some(what), sends_now(s)])
            }
            None => joined([
                Some("pending: not sent yet, goes after a short pause".into()),
                sends_now(s),
            ]),
        },
    }
}

/// What a refusal code means, for the codes lead-triage itself gives or knows.
fn explain(code: &str) -> Option<&'static str> {
    Some(match code {
        NOT_ACKNOWLEDGED => {
            "Puffle left this change out of its answer too many times; whether it applied is unknown"
        }
        CONFLICT => "the lead's status on Puffle changed after this change was made",
        "not_found" => "Puffle has no such lead (deleted, or not visible to this key)",
        "unauthorized" => "Puffle rejected the API key",
        "forbidden" => "the API key may not change this lead",
        _ => return None,
    })
}

/// Lines of content the pane shows at once with the state's terminal size and layout.
pub fn visible_lines(s: &State) -> usize {
    s.layout().detail_lines()
}

fn inner_width(s: &State) -> usize {
    usize::from(s.layout().detail.width.saturating_sub(2))
}

fn plain(s: &State) -> Theme {
    Theme {
        color: s.settings.color,
        palette: s.settings.palette,
    }
}

/// Largest useful scroll of the pane in the terminal size the state knows: its lines (the
/// same [`lines`] it draws) less those it shows.
pub fn max_scroll(s: &State) -> usize {
    let all = lines(s, inner_width(s), &plain(s)).len();
    all.saturating_sub(visible_lines(s))
}

/// The line each of the current lead's signals starts on, as drawn.
pub fn signal_starts(s: &State) -> Vec<usize> {
    lines_and_starts(s, inner_width(s), &plain(s)).1
}

/// " Lead · Tab next signal · O open signal · Esc close ", from the detail layer's keys.
pub fn title(s: &State) -> String {
    let key = |a| s.keymap.key_in(Layer::Detail, a);
    let parts = [
        Some(match s.group {
            GroupBy::Person => "Lead".to_string(),
            GroupBy::Company => "Company".to_string(),
        }),
        key(Action::NextSignal).map(|k| format!("{k} next signal")),
        key(Action::OpenSignal).map(|k| format!("{k} open signal")),
        key(Action::Escape).map(|k| format!("{k} close")),
    ];
    format!(" {} ", joined(parts))
}

/// Draw the pane where the layout puts it: beside or below the list, or as a popup over it
/// (above the toast, status and hint lines, so what its keys say stays visible).
pub fn draw(frame: &mut Frame, layout: &super::Layout, s: &State, scroll: usize, theme: &Theme) {
    let area = layout.detail;
    let inner = usize::from(area.width.saturating_sub(2));
    let all = lines(s, inner, theme);
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll = scroll.min(all.len().saturating_sub(visible));
    let shown: Vec<Line> = all.into_iter().skip(scroll).take(visible).collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(title(s));
    if layout.pane == Some(super::layout::PanePlace::Popup) {
        super::popup::clear(frame, area);
    }
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

/// What a score means on Puffle's 1–3 "sellability" scale (older accounts score 0–100 and get
/// no words).
fn score_meaning(score: f64) -> Option<&'static str> {
    [
        (3.0, "3 of 3: easy sell now"),
        (2.0, "2 of 3: worth knowing"),
        (1.0, "1 of 3: irrelevant"),
    ]
    .into_iter()
    .find(|(k, _)| *k == score)
    .map(|(_, words)| words)
}
