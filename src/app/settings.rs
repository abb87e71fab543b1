//! Settings that shape the app's behaviour, from the command line, the config file and the
//! defaults (`commands::tui` builds them).

use std::time::Duration;

use crate::sync::backoff::Backoff;

/// Settings that shape behaviour.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Idle time after the last change before sending starts.
    pub debounce: Duration,
    /// PATCH requests in flight at once.
    pub concurrency: usize,
    pub backoff: Backoff,
    /// Where the leads come from, for the header (e.g. "app.puffle.ai" or "demo").
    pub source: String,
    /// Use colours (off with `NO_COLOR`).
    pub color: bool,
    /// Unsent changes survive a restart (the outbox is on disk).
    pub durable: bool,
    /// Mouse support is on.
    pub mouse: bool,
    /// Colours of the screen's roles.
    pub palette: crate::ui::theme::Palette,
    /// A status key acting on more leads than this asks first (0: never asks).
    pub confirm_over: usize,
    /// With the reading pane open, a status key on the cursor's lead moves to the next one.
    pub auto_advance: bool,
    /// Leads below the cursor whose signals the reading pane fetches ahead.
    pub prefetch: usize,
    /// Signals fetched less than this long ago are not fetched again (memory or store).
    pub signals_fresh: Duration,
    /// Saved views (name and filter), shown as tabs after "all".
    pub views: Vec<super::views::SavedView>,
    /// The `[commands]` entries of the configuration file (palette, keys, pipe).
    pub commands: Vec<super::pipe::UserCommand>,
}

/// The default of `confirm_over` (the same for the headless commands).
pub const CONFIRM_OVER: usize = crate::config::DEFAULT_CONFIRM_OVER;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            debounce: Duration::from_millis(1500),
            concurrency: 4,
            backoff: Backoff::default(),
            source: "demo".into(),
            color: true,
            durable: false,
            mouse: false,
            palette: crate::ui::theme::Palette::default(),
            confirm_over: CONFIRM_OVER,
            auto_advance: true,
            prefetch: super::pane::PREFETCH,
            signals_fresh: super::pane::SIGNALS_FRESH,
            views: Vec::new(),
            commands: Vec::new(),
        }
    }
}
