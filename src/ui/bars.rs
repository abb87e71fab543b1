//! The one-line bars: header, toast/banner, sync status, and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::GroupBy;
use crate::app::Action;
use crate::app::state::{LoadState, Mode, State};

use super::fit::fit;
use super::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// View, sort, filter and counts.
pub fn header(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let list = s.list();
    let data = s.data();
    let view = match s.group {
        GroupBy::Person => "people",
        GroupBy::Company => "companies",
    };
    let arrow = if s.descending { "↓" } else { "↑" };
    let mut spans = vec![
        Span::styled(" lead-triage ", theme.header()),
        Span::raw(format!("│ {view} │ sort {} {arrow} ", s.sort.label())),
    ];
    if !s.filter.is_empty() || s.mode == Mode::Filter {
        spans.push(Span::raw("│ filter "));
        spans.push(Span::styled(
            format!("\"{}\" ", fit(&s.filter, 30)),
            theme.key(),
        ));
    }
    spans.push(Span::raw(format!(
        "│ {} / {} leads ",
        list.rows.len(),
        data.leads.len()
    )));
    if !list.selected.is_empty() {
        let hidden = list.selected.len() - list.visible_selected;
        let mut sel = format!("│ {} selected", list.selected.len());
        if hidden > 0 {
            sel.push_str(&format!(" ({hidden} hidden)"));
        }
        spans.push(Span::styled(sel + " ", theme.selected_mark()));
    }
    if let Some(age) = data.cached_age {
        spans.push(Span::styled(
            format!("│ cached, {} old ", human_age(age)),
            theme.pending(),
        ));
    }
    if !data.changed_elsewhere.is_empty() {
        spans.push(Span::styled(
            format!("│ ⇄ {} changed elsewhere ", data.changed_elsewhere.len()),
            theme.pending(),
        ));
    }
    match &data.load {
        LoadState::Loading if data.cached_age.is_some() => {
            spans.push(Span::styled("│ refreshing… ", theme.pending()))
        }
        LoadState::Loading => spans.push(Span::styled(
            format!("│ loading {}… ", data.leads.len()),
            theme.pending(),
        )),
        LoadState::Retrying(e) => spans.push(Span::styled(
            format!("│ offline: {} ", fit(e, 70)),
            theme.error(),
        )),
        LoadState::Failed(e) => spans.push(Span::styled(
            format!("│ load failed: {} (Ctrl-R to retry) ", fit(e, 60)),
            theme.error(),
        )),
        _ => {}
    }
    spans.push(Span::styled(
        format!("│ {}", s.settings.source),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "42 s", "5 min", "3 h", "2 d".
pub fn human_age(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// The banner (global problem) or the last toast.
pub fn toast(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let line = if let Some(b) = &s.banner {
        Line::from(Span::styled(
            fit(&format!(" ⚠ {b}"), usize::from(area.width)),
            theme.banner(),
        ))
    } else if s.mode == Mode::Filter {
        Line::from(vec![
            Span::styled(" /", theme.key()),
            Span::raw(s.filter.clone()),
            Span::styled("▏", theme.key()),
            Span::styled("  Enter keep · Esc clear", theme.dim()),
        ])
    } else if let Some(t) = &s.toast {
        Line::from(Span::styled(format!(" {t}"), theme.toast()))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `pending N · sending M · failed K`, a spinner while sending, and retry/offline notes.
pub fn status(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let c = s.queue.counts;
    let mut spans = Vec::new();
    if c.sending > 0 {
        let frame_no = (s.now.as_millis() / 100) as usize % SPINNER.len();
        spans.push(Span::styled(
            format!(" {} ", SPINNER[frame_no]),
            theme.pending(),
        ));
    } else {
        spans.push(Span::raw("   "));
    }
    spans.push(Span::styled(
        format!("pending {}", c.pending),
        if c.pending > 0 {
            theme.pending()
        } else {
            theme.dim()
        },
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        format!("sending {}", c.sending),
        if c.sending > 0 {
            theme.pending()
        } else {
            theme.dim()
        },
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        format!("failed {}", c.failed),
        if c.failed > 0 {
            theme.error()
        } else {
            theme.dim()
        },
    ));
    if s.queue.offline {
        spans.push(Span::styled(
            format!(
                "  offline: {} change{} waiting",
                s.queue.unsent(),
                if s.queue.unsent() == 1 { "" } else { "s" }
            ),
            theme.error(),
        ));
    }
    if let Some(at) = s.retry_at {
        let left = at.saturating_sub(s.now).as_secs_f64().ceil() as u64;
        spans.push(Span::styled(
            format!("  retrying in {left} s"),
            theme.pending(),
        ));
    }
    if s.queue.auth_blocked {
        spans.push(Span::styled("  sending stopped (bad key)", theme.error()));
    }
    if c.failed > 0 {
        spans.push(Span::styled("  ] next failed · r retry", theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Hints for the most used actions, with their keys taken from the keymap.
const HINTS: [(Action, &str); 11] = [
    (Action::MoveDown, "down"),
    (Action::ToggleSelect, "select"),
    (Action::RangeSelect, "range"),
    (Action::SetNew, "new"),
    (Action::SetContacted, "contacted"),
    (Action::SetDismissed, "dismiss"),
    (Action::Undo, "undo"),
    (Action::Filter, "filter"),
    (Action::Flush, "send"),
    (Action::Help, "help"),
    (Action::Quit, "quit"),
];

/// The hint bar, generated from the keymap: only actions that still have a key are shown.
pub fn hints(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    for (action, name) in HINTS {
        let keys = s.keymap.keys_for(action);
        let Some(key) = keys.first() else {
            continue;
        };
        let w = super::fit::width(key) + name.len() + 3;
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        spans.push(Span::styled(key.clone(), theme.key()));
        spans.push(Span::styled(format!(" {name}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
