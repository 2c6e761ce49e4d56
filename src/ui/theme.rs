//! Colours and glyphs: 16-colour safe by default, truecolour only when the terminal says so,
//! no colour at all with `--color never` / `NO_COLOR`. Meaning never rests on colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::api::models::AlertState;
use crate::cli::ColorMode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub truecolor: bool,
}

impl Theme {
    pub fn plain() -> Theme {
        Theme {
            color: false,
            truecolor: false,
        }
    }

    pub fn sixteen() -> Theme {
        Theme {
            color: true,
            truecolor: false,
        }
    }

    /// From `--color`, `NO_COLOR` and `COLORTERM` (SSH rarely forwards COLORTERM, so 16 colours
    /// unless it says truecolor/24bit).
    pub fn detect(mode: ColorMode, no_color: Option<&str>, colorterm: Option<&str>) -> Theme {
        let color = match mode {
            ColorMode::Never => false,
            ColorMode::Always => true,
            ColorMode::Auto => no_color.is_none_or(str::is_empty),
        };
        let truecolor = color && matches!(colorterm, Some("truecolor") | Some("24bit"));
        Theme { color, truecolor }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn alert(&self, s: &AlertState) -> Style {
        match s {
            AlertState::InAlarm => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            AlertState::Warning => self.fg(Color::Yellow),
            AlertState::Info => self.fg(Color::Cyan),
            AlertState::Ok => self.fg(Color::Green),
            AlertState::Other(_) => Style::default(),
        }
    }

    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().add_modifier(Modifier::UNDERLINED)
        }
    }

    pub fn dim(&self) -> Style {
        Style::default().add_modifier(Modifier::DIM)
    }

    pub fn label(&self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn section(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }

    pub fn delta(&self, positive: bool) -> Style {
        let c = if positive { Color::Green } else { Color::Red };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    pub fn badge(&self) -> Style {
        if self.color {
            Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn success(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.truecolor) {
            (true, _) => self.fg(Color::Cyan),
            (false, true) => Style::default().fg(Color::Rgb(90, 90, 100)),
            (false, false) => self.dim(),
        }
    }

    pub fn bar_purchased(&self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn bar_free(&self) -> Style {
        self.fg(Color::Green)
    }
}

/// The word and glyph that carry an alert state without colour.
pub fn alert_label(s: &AlertState) -> String {
    let glyph = match s {
        AlertState::InAlarm => "✖",
        AlertState::Warning => "▲",
        AlertState::Info => "●",
        AlertState::Ok => "✔",
        AlertState::Other(_) => "?",
    };
    format!("{glyph} {s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_in_auto_only() {
        assert!(!Theme::detect(ColorMode::Auto, Some("1"), None).color);
        assert!(Theme::detect(ColorMode::Auto, Some(""), None).color);
        assert!(Theme::detect(ColorMode::Always, Some("1"), None).color);
        assert!(!Theme::detect(ColorMode::Never, None, Some("truecolor")).truecolor);
        assert!(Theme::detect(ColorMode::Auto, None, Some("truecolor")).truecolor);
        assert!(!Theme::detect(ColorMode::Auto, None, None).truecolor);
    }
}
