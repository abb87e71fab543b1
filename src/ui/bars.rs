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

/// View, sort, filter and counts. When the line is too narrow, the least important parts
/// go first (the source, the app's name, the view and sort), never the counts.
pub fn header(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let list = s.list();
    let data = s.data();
    let view = match s.group {
        GroupBy::Person => "people",
        GroupBy::Company => "companies",
    };
    let arrow = if s.descending { "↓" } else { "↑" };
    let sort = if s.filter_ranked {
        // `S` reverses the ranking too: worst matches first.
        let reversed = s.descending != s.sort.descending_by_default();
        format!("sort best match {}", if reversed { "↑" } else { "↓" })
    } else {
        format!("sort {} {arrow}", s.sort.label())
    };
    // (priority: lower is kept longer, span)
    let mut parts: Vec<(u8, Span)> = vec![
        (4, Span::styled(" lead-triage ", theme.header())),
        (3, Span::raw(format!("│ {view} │ {sort} "))),
    ];
    if !s.filter.is_empty() || s.mode == Mode::Filter {
        parts.push((2, Span::raw("│ filter ")));
        parts.push((
            2,
            Span::styled(format!("\"{}\" ", fit(&s.filter, 30)), theme.key()),
        ));
    }
    let noun = match s.group {
        GroupBy::Person => "leads",
        GroupBy::Company => "companies",
    };
    parts.push((
        0,
        Span::raw(format!(
            "│ {} / {} {noun} ",
            list.rows.len(),
            data.leads.len()
        )),
    ));
    let in_range = list.range_bounds().map_or(0, |(a, b)| {
        list.rows[a..=b.min(list.rows.len().saturating_sub(1))]
            .iter()
            .filter(|i| !list.selected.contains(i))
            .count()
    });
    if !list.selected.is_empty() || list.range.is_some() {
        let hidden = list.selected.len() - list.visible_selected;
        let mut sel = format!("│ {} selected", list.selected.len() + in_range);
        if list.range.is_some() {
            sel.push_str(&format!(" (range: {in_range})"));
        }
        if hidden > 0 {
            sel.push_str(&format!(" ({hidden} hidden)"));
        }
        parts.push((0, Span::styled(sel + " ", theme.selected_mark())));
    }
    if let Some(age) = data.cached_age {
        parts.push((
            2,
            Span::styled(
                format!("│ cached, {} old ", human_age(age)),
                theme.pending(),
            ),
        ));
    }
    if !data.changed_elsewhere.is_empty() {
        parts.push((
            2,
            Span::styled(
                format!("│ ⇄ {} changed elsewhere ", data.changed_elsewhere.len()),
                theme.pending(),
            ),
        ));
    }
    match &data.load {
        LoadState::Loading if data.cached_age.is_some() => {
            parts.push((1, Span::styled("│ refreshing… ", theme.pending())))
        }
        LoadState::Loading => parts.push((
            1,
            Span::styled(format!("│ loading {}… ", data.leads.len()), theme.pending()),
        )),
        LoadState::Retrying(e) => parts.push((
            1,
            Span::styled(format!("│ offline: {} ", fit(e, 70)), theme.error()),
        )),
        LoadState::Failed(e) => parts.push((
            1,
            Span::styled(
                format!("│ load failed: {} (Ctrl-R to retry) ", fit(e, 60)),
                theme.error(),
            ),
        )),
        _ => {}
    }
    parts.push((
        5,
        Span::styled(format!("│ {}", s.settings.source), theme.dim()),
    ));
    let width = usize::from(area.width);
    let total = |p: &[(u8, Span)]| p.iter().map(|(_, sp)| sp.width()).sum::<usize>();
    for drop in (2..=5).rev() {
        if total(&parts) <= width {
            break;
        }
        parts.retain(|(prio, _)| *prio < drop);
    }
    let spans: Vec<Span> = parts.into_iter().map(|(_, sp)| sp).collect();
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
        let mut spans = vec![
            Span::styled(" /", theme.key()),
            Span::raw(s.filter.clone()),
            Span::styled("▏", theme.key()),
        ];
        match s.filter_errors.first() {
            Some(e) => spans.push(Span::styled(format!("  ✗ {e}"), theme.error())),
            None => spans.push(Span::styled("  Enter keep · Esc clear", theme.dim())),
        }
        Line::from(spans)
    } else if let Some(e) = s.filter_errors.first() {
        Line::from(Span::styled(
            format!(" ✗ filter: {e} · / to edit"),
            theme.error(),
        ))
    } else if let Some(t) = &s.toast {
        Line::from(Span::styled(
            fit(&format!(" {t}"), usize::from(area.width)),
            theme.toast(),
        ))
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
    // Refused changes are counted as failed above, never as waiting.
    let waiting = c.waiting();
    if s.queue.offline && waiting > 0 {
        spans.push(Span::styled(
            format!(
                "  offline: {waiting} change{} waiting",
                if waiting == 1 { "" } else { "s" }
            ),
            theme.error(),
        ));
    }
    if let Some(at) = s.retry_at {
        let left = at.saturating_sub(s.now);
        let text = match &s.queue.wait_reason {
            Some(reason) => reason.describe(left),
            None => format!("retrying in {} s", left.as_secs_f64().ceil() as u64),
        };
        spans.push(Span::styled(
            format!("  {text} · $ sends now"),
            theme.pending(),
        ));
    }
    if s.queue.auth_blocked {
        spans.push(Span::styled("  sending stopped (bad key)", theme.error()));
    }
    let conflicts = s.queue.conflicts();
    if conflicts > 0 {
        spans.push(Span::styled(
            format!(
                "  {conflicts} conflict{} · r keeps yours · T takes Puffle's",
                if conflicts == 1 { "" } else { "s" }
            ),
            theme.error(),
        ));
    } else if c.failed > 0 {
        spans.push(Span::styled("  ] next failed · r retry", theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Hints for the most used actions, with their keys taken from the keymap.
const HINTS: [(Action, &str); 14] = [
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
    (Action::Detail, "detail"),
    (Action::SwitchView, "view"),
    (Action::SortNext, "sort"),
];

/// Hints while typing a filter (its keys are fixed, not from the keymap).
const FILTER_HINTS: [(&str, &str); 6] = [
    ("Enter", "keep"),
    ("Esc", "clear"),
    ("↑/↓", "move"),
    ("Ctrl-W", "delete word"),
    ("Ctrl-U", "clear line"),
    ("status: is: score: signals:", "tokens"),
];

/// The hint bar, generated from the keymap: only actions that still have a key are shown.
pub fn hints(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    let pairs: Vec<(String, &str)> = if s.mode == Mode::Filter {
        FILTER_HINTS
            .iter()
            .map(|(k, name)| ((*k).to_string(), *name))
            .collect()
    } else {
        HINTS
            .iter()
            .filter_map(|(action, name)| Some((s.keymap.keys_for(*action).first()?.clone(), *name)))
            .collect()
    };
    for (key, name) in pairs {
        let w = super::fit::width(&key) + name.len() + 3;
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        spans.push(Span::styled(key.clone(), theme.key()));
        spans.push(Span::styled(format!(" {name}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
