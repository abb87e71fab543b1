//! Drawing: a pure function of `&State`. It never mutates state and never does I/O.

pub mod ask;
pub mod bars;
pub mod detail;
pub mod fit;
pub mod help;
pub mod popup;
pub mod table;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::app::state::{Mode, State};

use theme::Theme;

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 8;

/// Lines under the table: toast, sync status, key hints.
pub const BOTTOM_BARS: u16 = 3;

/// What a frame cost, in counts (not time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameStats {
    /// Table rows built for this frame.
    pub rows_built: usize,
}

/// The terminal (columns, rows) is too small to draw the app: only a message is drawn, and
/// `update` ignores every key but quitting, so nothing acts that the rep cannot see. The one
/// check both use.
pub fn too_small((width, height): (u16, u16)) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// What the screen says while it is too small: the sizes, that keys wait, and how to quit
/// (with the quit question's answers while it is asked).
pub fn too_small_message(s: &State, (width, height): (u16, u16)) -> String {
    let head = format!(
        "Terminal too small ({width}×{height}, need {MIN_WIDTH}×{MIN_HEIGHT}) · keys are ignored until it is bigger"
    );
    if s.mode == Mode::ConfirmQuit {
        let n = s.queue.unsent();
        format!(
            "{head} · {n} change{} not sent: {}",
            if n == 1 { "" } else { "s" },
            popup::quit_answers_text(s)
        )
    } else {
        match s.keymap.keys_for(crate::app::Action::Quit).first() {
            Some(quit) => format!("{head} · {quit} quits"),
            None => head,
        }
    }
}

/// Draw the whole screen.
pub fn draw(frame: &mut Frame, s: &State) -> FrameStats {
    let area = frame.area();
    let theme = Theme {
        color: s.settings.color,
        palette: s.settings.palette,
    };
    if too_small((area.width, area.height)) {
        let msg = too_small_message(s, (area.width, area.height));
        frame.render_widget(
            Paragraph::new(Line::from(msg)).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return FrameStats::default();
    }
    let [header, table_area, toast, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    bars::header(frame, header, s, &theme);
    let rows_built = table::draw(frame, table_area, s, &theme);
    bars::toast(frame, toast, s, &theme);
    bars::status(frame, status, s, &theme);
    bars::hints(frame, hints, s, &theme);
    match &s.mode {
        Mode::Help { scroll } => help::draw(frame, area, s, *scroll, &theme),
        Mode::ConfirmQuit => popup::confirm_quit(frame, area, s, &theme),
        Mode::Detail { scroll } => detail::draw(frame, area, s, *scroll, &theme),
        Mode::Ask(ask) => ask::draw(frame, area, s, ask, &theme),
        Mode::Normal if !s.chord.is_empty() => help::which_key(frame, area, s, &theme),
        Mode::Normal | Mode::Filter | Mode::Find => {}
    }
    fit::one_glyph_per_cell(frame.buffer_mut());
    FrameStats { rows_built }
}
