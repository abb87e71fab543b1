//! The detail pane (Enter): the lead's person and company, its status and what happened to
//! its changes in this session, the full error of a failed change, and its signals.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::api::GroupBy;
use crate::app::queue::Phase;
use crate::app::state::{DetailSignals, State, gi};

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
    let sync = match entry.map(|e| e.phase) {
        None if s.queue.done.contains(&lead.id) => "confirmed by Puffle".to_owned(),
        None => "in sync".to_owned(),
        Some(Phase::Pending) => "pending (not sent yet)".to_owned(),
        Some(Phase::Sending(b)) => format!("sending (batch {b})"),
        Some(Phase::Failed) => "failed".to_owned(),
    };
    out.push(Line::from(vec![
        label("shown"),
        Span::styled(shown.as_str(), theme.status(shown)),
        Span::raw(format!("   (Puffle: {})", lead.status)),
    ]));
    out.push(Line::from(vec![label("sync"), Span::raw(sync)]));
    if let Some(err) = entry.and_then(|e| e.error.as_deref()) {
        // The full error, wrapped: this pane is where a rep reads what went wrong.
        for (k, part) in wrap(err, width.saturating_sub(10), 8)
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
        for (at, event) in log {
            out.push(Line::from(vec![
                Span::styled(
                    format!(
                        "  {:>9} ",
                        format!(
                            "{} ago",
                            super::bars::human_age(s.now.saturating_sub(*at).as_secs())
                        )
                    ),
                    theme.dim(),
                ),
                Span::raw(fit(event, width.saturating_sub(12))),
            ]));
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
                if let Some(url) = &sig.url {
                    out.push(Line::from(Span::styled(
                        format!("             {}", fit(url, width.saturating_sub(13))),
                        theme.dim(),
                    )));
                }
            }
        }
    }
    out
}

/// Draw the pane over the list.
pub fn draw(frame: &mut Frame, area: Rect, s: &State, scroll: usize, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(100);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + 1,
        width: w,
        // Above the toast, status and hint lines, so what `o`/`y`/`Y` say stays visible.
        height: area.height.saturating_sub(1 + super::BOTTOM_BARS),
    };
    let inner = usize::from(w.saturating_sub(2));
    let all = lines(s, inner, theme);
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(all.len().saturating_sub(visible));
    let shown: Vec<Line> = all.into_iter().skip(scroll).take(visible).collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(" Lead · o open · y/Y copy email/URL · j/k scroll · Esc close ");
    super::popup::clear(frame, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
