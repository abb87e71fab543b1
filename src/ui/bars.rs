//! The one-line bars: header, toast/banner, sync status, and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::GroupBy;
use crate::app::Action;
use crate::app::action::Layer;
use crate::app::state::{LoadState, Mode, State};

use super::fit::fit;
use super::progress::{budget_wait, progress};
use super::theme::Theme;
use crate::app::find::thousands;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// View, sort, counts, what the next status key acts on, filter and position. When the line
/// is too narrow, the least important parts go first (the source, the app's name, the
/// position, the filter), never the view, the sort, the counts or the scope.
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
        format!("best match {}", if reversed { "↑" } else { "↓" })
    } else {
        format!("{} {arrow}", s.sort.label())
    };
    // (priority: lower is kept longer, span)
    let mut parts: Vec<(u8, Span)> = vec![
        (4, Span::styled(" lead-triage ", theme.header())),
        (0, Span::raw(format!("│ {view} │ sort {sort} "))),
    ];
    let noun = match s.group {
        GroupBy::Person => "leads",
        GroupBy::Company => "companies",
    };
    let matching = list.rows.len() - list.no_longer_match.min(list.rows.len());
    parts.push((
        0,
        Span::raw(format!(
            "│ {} / {} {noun} ",
            thousands(matching),
            thousands(data.leads.len())
        )),
    ));
    if list.no_longer_match > 0 {
        parts.push((
            0,
            Span::styled(
                format!(
                    "({} shown no longer match) ",
                    thousands(list.no_longer_match)
                ),
                theme.pending(),
            ),
        ));
    }
    let (scope, style) = scope(s);
    parts.push((0, Span::styled(scope, style(theme))));
    if !s.filter.is_empty() || s.mode == Mode::Filter {
        parts.push((2, Span::raw("│ filter ")));
        parts.push((
            2,
            Span::styled(format!("\"{}\" ", fit(&s.filter, 30)), theme.key()),
        ));
    }
    if !list.rows.is_empty() {
        parts.push((
            3,
            Span::styled(
                format!(
                    "│ row {} of {} ",
                    thousands(list.cursor + 1),
                    thousands(list.rows.len())
                ),
                theme.dim(),
            ),
        ));
    }
    if let Some(age) = data.cached_age {
        parts.push((
            1,
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
        LoadState::Loading => parts.push((1, Span::styled(progress(s), theme.pending()))),
        LoadState::Retrying(e) => parts.push((
            1,
            Span::styled(format!("│ offline: {} ", fit(e, 70)), theme.error()),
        )),
        LoadState::Failed(e) => {
            let retry = (s.keymap.key(Action::Reload))
                .map_or(String::new(), |k| format!("({k} to retry) "));
            parts.push((
                1,
                Span::styled(
                    format!("│ load failed: {} {retry}", fit(e, 60)),
                    theme.error(),
                ),
            ))
        }
        _ => {}
    }
    parts.push((
        5,
        Span::styled(format!("│ {}", s.settings.source), theme.dim()),
    ));
    let width = usize::from(area.width);
    let total = |p: &[(u8, Span)]| {
        p.iter()
            .map(|(_, sp)| super::fit::width(&sp.content))
            .sum::<usize>()
    };
    for drop in (2..=5).rev() {
        if total(&parts) <= width {
            break;
        }
        parts.retain(|(prio, _)| *prio < drop);
    }
    let essentials: Vec<(u8, Span)> = parts.iter().filter(|(p, _)| *p == 0).cloned().collect();
    if total(&essentials) > width {
        // Too narrow even for the essentials: say everything in fewer words. (Otherwise a
        // long state note at the end, such as an offline error, is only cut at the edge.)
        for (_, sp) in &mut parts {
            *sp = Span::styled(compact(&sp.content), sp.style);
        }
    }
    let spans: Vec<Span> = parts.into_iter().map(|(_, sp)| sp).collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The header's essentials in fewer words, for narrow terminals.
fn compact(text: &str) -> String {
    const SHORTER: [(&str, &str); 7] = [
        (" │ sort ", " · "),
        ("best match", "best"),
        (" / ", "/"),
        (" leads ", " "),
        (" selected", " sel"),
        (" hidden)", " hid)"),
        (" shown no longer match)", " stale)"),
    ];
    SHORTER
        .iter()
        .fold(text.to_string(), |t, (long, short)| t.replace(long, short))
}

/// What the next status key acts on: "→ this row", "→ 52 selected", "→ 52 selected (3
/// hidden)", with the style to show it in.
fn scope(s: &State) -> (String, fn(&Theme) -> ratatui::style::Style) {
    let list = s.list();
    let in_range = list.range_bounds().map_or(0, |(a, b)| {
        list.rows[a..=b.min(list.rows.len().saturating_sub(1))]
            .iter()
            .filter(|i| !list.selected.contains(i))
            .count()
    });
    if list.selected.is_empty() && list.range.is_none() {
        let what = if list.rows.is_empty() {
            "│ → no row "
        } else {
            "│ → this row "
        };
        return (what.to_string(), Theme::dim);
    }
    let hidden = list.selected.len() - list.visible_selected.min(list.selected.len());
    let mut sel = format!("│ → {} selected", thousands(list.selected.len() + in_range));
    if list.range.is_some() {
        sel.push_str(&format!(" (range {})", thousands(in_range)));
    }
    if hidden > 0 {
        sel.push_str(&format!(" ({} hidden)", thousands(hidden)));
    }
    (sel + " ", Theme::selected_mark)
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
        let keys = [(Action::Accept, "keep"), (Action::Escape, "clear")];
        match s.filter_errors.first() {
            Some(e) => spans.push(Span::styled(format!("  ✗ {e}"), theme.error())),
            None => spans.push(Span::styled(
                format!("  {}", layer_hints(s, Layer::Filter, &keys)),
                theme.dim(),
            )),
        }
        Line::from(spans)
    } else if s.mode == Mode::Pipe {
        super::palette::pipe_prompt(s, theme)
    } else if s.mode == Mode::Find {
        Line::from(vec![
            Span::styled(" find ", theme.key()),
            Span::raw(s.find.clone()),
            Span::styled("▏", theme.key()),
            Span::styled(
                format!(
                    "  {}",
                    joined(
                        ["jumps, does not filter", "a number goes to that row"]
                            .map(|t| Some(t.to_string()))
                            .into_iter()
                            .chain(
                                [(Action::Accept, "stay"), (Action::Escape, "back")]
                                    .iter()
                                    .map(|(a, t)| layer_hint(s, Layer::Find, *a, t))
                            )
                    )
                ),
                theme.dim(),
            ),
        ])
    } else if let Some(e) = s.filter_errors.first() {
        let edit =
            (s.keymap.key(Action::Filter)).map_or(String::new(), |k| format!(" · {k} to edit"));
        Line::from(Span::styled(format!(" ✗ filter: {e}{edit}"), theme.error()))
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
        let now = s.keymap.hint(Action::Flush, "sends now");
        spans.push(Span::styled(
            format!("  {}", joined([Some(text), now])),
            theme.pending(),
        ));
    }
    if let Some(text) = budget_wait(s) {
        spans.push(Span::styled(format!("  {text}"), theme.pending()));
    }
    let drafting = (s.outreach.drafting.values())
        .filter(|d| {
            d.error.is_none() || d.error.as_deref() == Some(crate::api::outreach::ALREADY_IN_FLIGHT)
        })
        .count();
    if drafting > 0 {
        spans.push(Span::styled(
            format!("  drafting {drafting}…"),
            theme.pending(),
        ));
    }
    let edits = crate::app::outreach::unsent(s);
    if edits > 0 {
        spans.push(Span::styled(
            format!(
                "  {edits} signal change{} pending",
                if edits == 1 { "" } else { "s" }
            ),
            theme.pending(),
        ));
    }
    if let Some(text) = crate::app::session::status_text(s) {
        spans.push(Span::styled(format!("  {text}"), theme.dim()));
    }
    if s.queue.auth_blocked {
        spans.push(Span::styled("  sending stopped (bad key)", theme.error()));
    }
    let conflicts = s.queue.conflicts();
    if conflicts > 0 {
        let what = format!(
            "{conflicts} conflict{}",
            if conflicts == 1 { "" } else { "s" }
        );
        spans.push(Span::styled(
            format!("  {}", joined([Some(what), conflict_keys(s)])),
            theme.error(),
        ));
    } else if c.failed > 0 {
        let keys = [
            s.keymap.hint(Action::NextFailed, "next failed"),
            s.keymap.hint(Action::Retry, "retry"),
        ];
        let text = joined(keys);
        if !text.is_empty() {
            spans.push(Span::styled(format!("  {text}"), theme.dim()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The parts that are there, joined by ` · `.
pub fn joined(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// `"{key} {text}"` with the first key of `action` in `layer`; `None` when it has no key.
/// In the two questions Esc always cancels, so an unbound `escape` still shows Esc there.
pub fn layer_hint(s: &State, layer: Layer, action: Action, text: &str) -> Option<String> {
    key_or_fixed(s, layer, action).map(|k| format!("{k} {text}"))
}

/// The first key of `action` in `layer`, or Esc for `escape` in a question (Esc is fixed
/// there), or `None`.
pub fn key_or_fixed(s: &State, layer: Layer, action: Action) -> Option<String> {
    let fixed = action == Action::Escape && matches!(layer, Layer::Confirm | Layer::Quit);
    (s.keymap.key_in(layer, action)).or_else(|| fixed.then(|| "Esc".to_string()))
}

/// [`layer_hint`] for each `(action, text)`, joined by ` · `.
pub fn layer_hints(s: &State, layer: Layer, hints: &[(Action, &str)]) -> String {
    joined(hints.iter().map(|(a, t)| layer_hint(s, layer, *a, t)))
}

/// "r keeps yours · T takes Puffle's", from the list's keys (what a conflict can do).
pub fn conflict_keys(s: &State) -> Option<String> {
    let text = joined([
        s.keymap.hint(Action::Retry, "keeps yours"),
        s.keymap.hint(Action::TakeTheirs, "takes Puffle's"),
    ]);
    (!text.is_empty()).then_some(text)
}

/// "$ sends now", or `None` when the flush action has no key.
pub fn sends_now(s: &State) -> Option<String> {
    s.keymap.hint(Action::Flush, "sends now")
}
