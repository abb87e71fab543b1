//! Drawing: a pure function of `&State`. It never mutates state and never does I/O.

pub mod ask;
pub mod bars;
pub mod detail;
pub mod fit;
pub mod help;
pub mod hints;
pub mod layout;
pub mod palette;
pub mod popup;
mod progress;
pub mod table;
pub mod tabs;
pub mod theme;

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::app::state::{Mode, State};

use theme::Theme;

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 8;

pub use layout::{BOTTOM_BARS, CHROME_LINES, Hit, Layout};

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

/// Draw the whole screen, every area where [`Layout`] puts it (the layout `update` reads).
pub fn draw(frame: &mut Frame, s: &State) -> FrameStats {
    let area = frame.area();
    let layout = Layout::of_area(
        area,
        s.pane_place((area.width, area.height)),
        !s.settings.views.is_empty(),
    );
    let theme = Theme {
        color: s.settings.color,
        palette: s.settings.palette,
    };
    if layout.too_small {
        let msg = too_small_message(s, (layout.area.width, layout.area.height));
        frame.render_widget(
            Paragraph::new(Line::from(msg)).wrap(ratatui::widgets::Wrap { trim: true }),
            layout.area,
        );
        return FrameStats::default();
    }
    let area = layout.area;
    bars::header(frame, layout.header, s, &theme);
    tabs::draw(frame, layout.tabs, s, &theme);
    let rows_built = table::draw(frame, &layout, s, &theme);
    bars::toast(frame, layout.toast, s, &theme);
    bars::status(frame, layout.status, s, &theme);
    hints::draw(frame, layout.hints, s, &theme);
    if let Some(pane) = &s.pane {
        detail::draw(frame, &layout, s, pane.scroll, &theme);
    }
    match &s.mode {
        Mode::Help { scroll } => help::draw(frame, layout.help, s, *scroll, &theme),
        Mode::ConfirmQuit => popup::confirm_quit(frame, area, s, &theme),
        Mode::Ask(ask) => ask::draw(frame, area, s, ask, &theme),
        Mode::ConfirmDrafts(ask) => popup::confirm_drafts(frame, area, s, ask, &theme),
        Mode::MarkContacted(lead) => popup::mark_contacted(frame, area, s, lead, &theme),
        Mode::Normal if !s.chord.is_empty() => help::which_key(frame, area, s, &theme),
        Mode::Palette => palette::draw(frame, layout.help, s, &theme),
        Mode::Normal | Mode::Filter | Mode::Find | Mode::Pipe => {}
    }
    fit::one_glyph_per_cell(frame.buffer_mut());
    FrameStats { rows_built }
}
