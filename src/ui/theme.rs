//! Styles from the 16 ANSI colours plus bold/reversed, so the app reads well on light and dark
//! terminals. With colour off (`NO_COLOR`), only modifiers remain; colour is never the only
//! signal (every state also has a glyph or a word).

use ratatui::style::{Color, Modifier, Style};

use crate::api::Status;

/// The colours of each role. The defaults use only the 16 ANSI colours, which every terminal
/// maps to its own palette (so they suit light and dark backgrounds alike); a `[theme]` table
/// in the configuration file can change any of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub accent: Color,
    pub selected: Color,
    pub pending: Color,
    pub error: Color,
    pub dim: Color,
    pub ok: Color,
    /// One colour per status, in the order of `Status::ALL` (indexed by `Status::index`).
    pub status: [Color; Status::ALL.len()],
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            accent: Color::Cyan,
            selected: Color::Magenta,
            pending: Color::Yellow,
            error: Color::Red,
            dim: Color::DarkGray,
            ok: Color::Green,
            // new, contacted, dismissed, unknown
            status: [Color::Cyan, Color::Green, Color::DarkGray, Color::Yellow],
        }
    }
}

impl Palette {
    /// The roles that are not a status, as written in the `[theme]` table.
    const GENERAL: [&'static str; 6] = ["accent", "selected", "pending", "error", "dim", "ok"];

    /// Every role name of the `[theme]` table: the general roles, then one per status.
    pub fn roles() -> Vec<&'static str> {
        let statuses = Status::ALL.map(Status::as_str);
        Palette::GENERAL.into_iter().chain(statuses).collect()
    }

    /// Set one role from a colour name (`red`, `lightblue`, `#ff8800`, `208`).
    pub fn set(&mut self, role: &str, value: &str) -> Result<(), String> {
        let color: Color = value.parse().map_err(|_| {
            format!("{value:?} is not a colour (try red, lightblue, #ff8800 or 208)")
        })?;
        let slot = match role {
            "accent" => &mut self.accent,
            "selected" => &mut self.selected,
            "pending" => &mut self.pending,
            "error" => &mut self.error,
            "dim" => &mut self.dim,
            "ok" => &mut self.ok,
            other => match Status::from_name(other) {
                Some(st) => &mut self.status[st.index()],
                None => {
                    return Err(format!(
                        "unknown theme role {other:?} (roles: {})",
                        Palette::roles().join(", ")
                    ));
                }
            },
        };
        *slot = color;
        Ok(())
    }
}

/// The styles the screen uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub palette: Palette,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn header(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    pub fn column_titles(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn cursor(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn selected_mark(&self) -> Style {
        self.fg(self.palette.selected).add_modifier(Modifier::BOLD)
    }

    pub fn selected_row(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn status(&self, s: Status) -> Style {
        self.fg(self.palette.status[s.index()])
    }

    pub fn pending(&self) -> Style {
        self.fg(self.palette.pending).add_modifier(Modifier::ITALIC)
    }

    pub fn error(&self) -> Style {
        self.fg(self.palette.error).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.fg(self.palette.dim)
    }

    pub fn key(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    pub fn banner(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }

    pub fn toast(&self) -> Style {
        self.fg(self.palette.ok)
    }

    pub fn popup_border(&self) -> Style {
        self.fg(self.palette.accent)
    }
}
