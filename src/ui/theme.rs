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
    pub new: Color,
    pub contacted: Color,
    pub dismissed: Color,
    pub unknown: Color,
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
            new: Color::Cyan,
            contacted: Color::Green,
            dismissed: Color::DarkGray,
            unknown: Color::Yellow,
        }
    }
}

impl Palette {
    /// The role names, as written in the `[theme]` table.
    pub const ROLES: [&'static str; 10] = [
        "accent",
        "selected",
        "pending",
        "error",
        "dim",
        "ok",
        "new",
        "contacted",
        "dismissed",
        "unknown",
    ];

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
            "new" => &mut self.new,
            "contacted" => &mut self.contacted,
            "dismissed" => &mut self.dismissed,
            "unknown" => &mut self.unknown,
            other => {
                return Err(format!(
                    "unknown theme role {other:?} (roles: {})",
                    Palette::ROLES.join(", ")
                ));
            }
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
        match s {
            Status::New => self.fg(self.palette.new),
            Status::Contacted => self.fg(self.palette.contacted),
            Status::Dismissed => self.fg(self.palette.dismissed),
            Status::Unknown => self.fg(self.palette.unknown),
        }
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
