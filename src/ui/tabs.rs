//! The saved views' tabs under the header: "all 1,000 │ hot 12 left │ replied queue zero",
//! the one on screen lit (none while the filter is the rep's own).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::find::thousands;
use crate::app::state::State;

use super::theme::Theme;

/// The tabs as (text, lit) pairs.
pub fn labels(s: &State) -> Vec<(String, bool)> {
    let active = crate::app::views::active(s);
    let mut out = vec![(
        format!("all {}", thousands(s.data().leads.len())),
        active == Some(0),
    )];
    for (k, v) in s.settings.views.iter().enumerate() {
        let count = match s.view_counts.get(k).copied().flatten() {
            Some(0) => "queue zero".to_owned(),
            Some(n) => format!("{} left", thousands(n)),
            None => "…".to_owned(),
        };
        out.push((format!("{} {count}", v.name), active == Some(k + 1)));
    }
    out
}

/// Draw the tabs (nothing when there are no saved views).
pub fn draw(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    if area.height == 0 || s.settings.views.is_empty() {
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, (text, lit)) in labels(s).into_iter().enumerate() {
        if k > 0 {
            spans.push(Span::styled(" │ ", theme.dim()));
        }
        // Lit by brackets too, so it shows without colours.
        spans.push(if lit {
            Span::styled(format!("[{text}]"), theme.header())
        } else {
            Span::styled(format!(" {text} "), theme.dim())
        });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
