//! Styles from the 16 ANSI colours plus bold/reversed, so the app reads well on light and dark
//! terminals. With colour off (`NO_COLOR`), only modifiers remain; colour is never the only
//! signal (every state also has a glyph or a word).

use ratatui::style::{Color, Modifier, Style};

use crate::api::Status;

/// The styles the screen uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
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
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn column_titles(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn cursor(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn selected_mark(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    pub fn selected_row(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::New => self.fg(Color::Cyan),
            Status::Contacted => self.fg(Color::Green),
            Status::Dismissed => self.fg(Color::DarkGray),
            Status::Unknown => self.fg(Color::Yellow),
        }
    }

    pub fn pending(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::ITALIC)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
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
        self.fg(Color::Green)
    }

    pub fn popup_border(&self) -> Style {
        self.fg(Color::Cyan)
    }
}
