//! The detail pane (Enter): the lead's person and company, its status and where its change
//! is (pending, sending, waiting to retry, refused), what happened to each attempt in this
//! session, the full error of a failed change, and its signals.
//!
//! Its lines are built by one function, [`lines`], for drawing and for bounding the scroll
//! (`update` asks [`max_scroll`] with the terminal size the state knows).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use uuid::Uuid;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::GroupBy;
use crate::app::action::{Action, Layer};
use crate::app::queue::{CONFLICT, NOT_ACKNOWLEDGED, Phase};
use crate::app::state::{DetailSignals, State, gi};
use crate::keymap::Resolved;

use super::bars::{conflict_keys, joined, sends_now};
use super::fit::{fit, wrap};
use super::theme::Theme;

/// The lines of the pane, `width` columns wide.
pub fn lines(s: &State, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(detail) = &s.detail else {
        return Vec::new();
    };
    let data = &s.data[gi(detail.group)];
    let Some(lead) = data.by_id.get(&detail.id).map(|&i| &data.leads[i as usize]) else {
        return vec![Line::from("This lead is no longer in the list.")];
    };
    let label = |l: &str| Span::styled(format!("{l:<10}"), theme.dim());
    let value = |v: Option<&str>| fit(v.unwrap_or("–"), width.saturating_sub(10));
    let mut out = vec![Line::from(Span::styled(
        fit(lead.name(), width),
        theme.header(),
    ))];
    out.push(Line::default());
    let person_title = match detail.group {
        GroupBy::Person => "Person",
        GroupBy::Company => "Contact",
    };
    out.push(Line::from(Span::styled(person_title, theme.key())));
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
    out.push(Line::default());
    out.push(Line::from(Span::styled("Company", theme.key())));
    let company = lead.company.as_deref();
    out.push(Line::from(vec![
        label("name"),
        Span::raw(value(lead.company_name())),
    ]));
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
    out.push(Line::default());

    // Status and sync.
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
    out.push(Line::default());

    // Signals.
    out.push(Line::from(Span::styled(
        format!("Signals ({})", lead.signal_count),
        theme.key(),
    )));
    match &detail.signals {
        DetailSignals::Loading => out.push(Line::from(Span::styled("loading…", theme.pending()))),
        DetailSignals::Failed(e) => out.push(Line::from(Span::styled(
            fit(&format!("could not load: {e}"), width),
            theme.error(),
        ))),
        DetailSignals::Loaded(v) if v.is_empty() => out.push(Line::from("none")),
        DetailSignals::Loaded(v) => {
            for sig in v {
                let date = sig.created_at.as_deref().map(|d| d.get(..10).unwrap_or(d));
                let score = sig
                    .score
                    .map(|x| format!("{x}"))
                    .unwrap_or_else(|| "–".into());
                let meaning = sig.score.and_then(score_meaning);
                out.push(Line::from(vec![
                    Span::styled(format!("  {} ", date.unwrap_or("----------")), theme.dim()),
                    Span::styled(format!("{score:>3} "), theme.key()),
                    Span::raw(fit(
                        &format!(
                            "{} · {}",
                            sig.label.as_deref().unwrap_or("signal"),
                            sig.title.as_deref().unwrap_or("")
                        ),
                        width.saturating_sub(18),
                    )),
                ]));
                let indent = "             ";
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
                for (what, text) in [
                    ("DM draft", &sig.dm_text),
                    ("comment draft", &sig.comment_text),
                ] {
                    if let Some(text) = text {
                        out.push(Line::from(Span::styled(
                            format!("{indent}{what}:"),
                            theme.key(),
                        )));
                        for part in wrap(text, room, 6) {
                            out.push(Line::from(format!("{indent}{part}")));
                        }
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
    out
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

/// Lines of content the pane shows at once in a terminal of `size` (columns, rows).
pub fn visible_lines(size: (u16, u16)) -> usize {
    super::Layout::of_size(size).detail_lines()
}

/// Largest useful scroll of the pane in the terminal size the state knows: its lines (the
/// same [`lines`] it draws) less those it shows.
pub fn max_scroll(s: &State) -> usize {
    let layout = s.layout();
    let theme = Theme {
        color: s.settings.color,
        palette: s.settings.palette,
    };
    let all = lines(
        s,
        usize::from(layout.detail.width.saturating_sub(2)),
        &theme,
    )
    .len();
    all.saturating_sub(layout.detail_lines())
}

/// " Lead · o open · y/Y copy email/URL · j/k scroll · Esc close · Ctrl-C quit ", from the
/// detail layer's keys (and Ctrl-C only while it quits in the list).
pub fn title(s: &State) -> String {
    let key = |a| s.keymap.key_in(Layer::Detail, a);
    let both = |a: Option<String>, b: Option<String>, ab: &str, one: &str, other: &str| match (a, b)
    {
        (Some(a), Some(b)) => Some(format!("{a}/{b} {ab}")),
        (Some(a), None) => Some(format!("{a} {one}")),
        (None, Some(b)) => Some(format!("{b} {other}")),
        (None, None) => None,
    };
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let quits = s.keymap.resolve(&[], ctrl_c) == Resolved::Action(Action::Quit);
    let parts = [
        Some("Lead".to_string()),
        key(Action::OpenUrl).map(|k| format!("{k} open")),
        both(
            key(Action::CopyEmail),
            key(Action::CopyUrl),
            "copy email/URL",
            "copy email",
            "copy URL",
        ),
        both(
            key(Action::MoveDown),
            key(Action::MoveUp),
            "scroll",
            "scroll down",
            "scroll up",
        ),
        key(Action::Escape).map(|k| format!("{k} close")),
        quits.then(|| "Ctrl-C quit".to_string()),
    ];
    format!(" {} ", joined(parts))
}

/// Draw the pane in its box (`Layout::detail`), above the toast, status and hint lines, so
/// what `o`/`y`/`Y` say stays visible.
pub fn draw(frame: &mut Frame, popup: Rect, s: &State, scroll: usize, theme: &Theme) {
    let inner = usize::from(popup.width.saturating_sub(2));
    let all = lines(s, inner, theme);
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(all.len().saturating_sub(visible));
    let shown: Vec<Line> = all.into_iter().skip(scroll).take(visible).collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(title(s));
    super::popup::clear(frame, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
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
