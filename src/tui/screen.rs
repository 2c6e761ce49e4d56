//! The terminal as ratatui's backend, writing as few bytes as a frame needs (slow SSH links):
//! nothing for a frame that changed nothing, one SGR sequence per style change, the shortest
//! cursor move.

use std::io::{self, Write};

use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// Frames up to this many bytes go out without the synchronized-update brackets (16 bytes): a
/// frame this small reaches the terminal in one read, so there is nothing half-drawn to hide.
const SYNC_ABOVE: usize = 1024;

/// The graphic rendition the terminal draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

/// What the terminal shows, cell by cell, as far as this backend wrote it: lets a small gap
/// between two changed cells be written over with its own text, cheaper than a cursor move.
#[derive(Debug)]
struct Shown {
    rows: Vec<Vec<Option<Cell>>>,
    /// Cells never written since the last full clear are blank (else unknown).
    cleared: bool,
}

impl Shown {
    fn get(&self, x: u16, y: u16) -> Option<&Cell> {
        match self.rows.get(y as usize).and_then(|r| r.get(x as usize)) {
            Some(c) => c.as_ref(),
            None if self.cleared => Some(&Cell::EMPTY),
            None => None,
        }
    }

    fn set(&mut self, x: u16, y: u16, cell: Option<Cell>) {
        let (x, y) = (x as usize, y as usize);
        if self.rows.len() <= y {
            self.rows.resize_with(y + 1, Vec::new);
        }
        let blank = self.cleared.then_some(Cell::EMPTY);
        if let Some(row) = self.rows.get_mut(y) {
            if row.len() <= x {
                row.resize(x + 1, blank);
            }
            if let Some(slot) = row.get_mut(x) {
                *slot = cell;
            }
        }
    }

    fn forget(&mut self, cleared: bool) {
        self.rows.clear();
        self.cleared = cleared;
    }
}

pub struct Screen<W: Write> {
    out: W,
    /// The frame being drawn; written at `flush` in one go.
    frame: Vec<u8>,
    pen: Pen,
    /// Where the terminal's cursor is, when we know.
    at: Option<(u16, u16)>,
    cursor_shown: Option<bool>,
    shown: Shown,
    /// The terminal's size when the caller knows it (an SSH client's pty, a resize event);
    /// otherwise this process's own terminal is asked.
    size: Option<Size>,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W) -> Screen<W> {
        Screen {
            out,
            frame: Vec::new(),
            pen: Pen::DEFAULT,
            at: None,
            cursor_shown: None,
            // ratatui's first frame assumes a blank screen (the alternate screen starts so).
            shown: Shown {
                rows: Vec::new(),
                cleared: true,
            },
            size: None,
        }
    }

    /// A screen whose size is known (an SSH client's pty): this process's terminal, if it has
    /// one at all, is never asked.
    pub fn sized(mut self, width: u16, height: u16) -> Screen<W> {
        self.set_size(width, height);
        self
    }

    /// The terminal's size changed (a resize event): what ratatui asks from now on.
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.size = Some(Size { width, height });
    }

    /// The writer the frames go to.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Moves the cursor to (x, y) the cheapest way: nothing, reprinting the unchanged cells in
    /// between, a relative or column-only move, or an absolute one.
    fn move_to(&mut self, x: u16, y: u16) {
        if self.at == Some((x, y)) {
            return;
        }
        let mut best = if (x, y) == (0, 0) {
            "\x1b[H".to_string()
        } else if x == 0 {
            format!("\x1b[{}H", y + 1)
        } else {
            format!("\x1b[{};{}H", y + 1, x + 1)
        };
        if let Some((cx, cy)) = self.at
            && cy == y
        {
            let mut options = vec![format!("\x1b[{}G", x + 1)];
            if x > cx {
                // Forward only: after the last column the cursor waits there to wrap, one cell
                // short of where we count it, and a backward relative move would land wrong.
                let n = x - cx;
                options.push(if n == 1 {
                    "\x1b[C".into()
                } else {
                    format!("\x1b[{n}C")
                });
                options.extend(self.gap_text(cx, x, y, best.len()));
            }
            for o in options {
                if o.len() < best.len() {
                    best = o;
                }
            }
        }
        self.frame.extend_from_slice(best.as_bytes());
        self.at = Some((x, y));
    }

    /// The cells from `from` to `to` (excluded) on row `y` as text, if they are known, one column
    /// wide, in the current pen, and shorter than `limit` bytes.
    fn gap_text(&self, from: u16, to: u16, y: u16, limit: usize) -> Option<String> {
        let mut text = String::new();
        for x in from..to {
            let cell = self.shown.get(x, y)?;
            if Pen::of(cell) != self.pen || cell.symbol().width() != 1 {
                return None;
            }
            text.push_str(cell.symbol());
            if text.len() >= limit {
                return None;
            }
        }
        Some(text)
    }

    fn set_pen(&mut self, to: Pen) {
        if to == self.pen {
            return;
        }
        let step = sgr_step(self.pen, to);
        let mut fresh = vec!["0".to_string()];
        fresh.extend(sgr_step(Pen::DEFAULT, to));
        let params = if fresh.join(";").len() < step.join(";").len() {
            fresh
        } else {
            step
        };
        let params = if params == ["0"] {
            String::new()
        } else {
            params.join(";")
        };
        self.frame.extend_from_slice(format!("\x1b[{params}m").as_bytes());
        self.pen = to;
    }

    fn put(&mut self, s: &str) {
        self.frame.extend_from_slice(s.as_bytes());
    }
}

/// SGR parameters that take the terminal from pen `from` to pen `to`.
fn sgr_step(from: Pen, to: Pen) -> Vec<String> {
    let mut p: Vec<String> = Vec::new();
    let removed = from.modifier - to.modifier;
    let mut added = to.modifier - from.modifier;
    if removed.intersects(Modifier::BOLD | Modifier::DIM) {
        // 22 ends both bold and dim: the one that stays is set again.
        p.push("22".into());
        added |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        p.push("25".into());
        added |= to.modifier & (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK);
    }
    for (m, off) in [
        (Modifier::ITALIC, "23"),
        (Modifier::UNDERLINED, "24"),
        (Modifier::REVERSED, "27"),
        (Modifier::HIDDEN, "28"),
        (Modifier::CROSSED_OUT, "29"),
    ] {
        if removed.contains(m) {
            p.push(off.into());
        }
    }
    for (m, on) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if added.contains(m) {
            p.push(on.into());
        }
    }
    if from.fg != to.fg {
        p.push(color(to.fg, 30, 90, 38));
    }
    if from.bg != to.bg {
        p.push(color(to.bg, 40, 100, 48));
    }
    if from.underline != to.underline {
        p.push(match to.underline {
            Color::Reset => "59".into(),
            c => match indexed(c) {
                Some(i) => format!("58;5;{i}"),
                None => color(c, 0, 0, 58),
            },
        });
    }
    p
}

/// The 16 named colours as their palette index.
fn indexed(c: Color) -> Option<u8> {
    Some(match c {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => i,
        _ => return None,
    })
}

/// A colour's SGR parameter: the short 16-colour codes (`base`+n, `bright`+n) where they exist,
/// which are also what a 16-colour terminal understands.
fn color(c: Color, base: u8, bright: u8, extended: u8) -> String {
    match c {
        Color::Reset => format!("{}", extended + 1),
        Color::Rgb(r, g, b) => format!("{extended};2;{r};{g};{b}"),
        Color::Indexed(i) => format!("{extended};5;{i}"),
        named => match indexed(named) {
            Some(i @ 0..8) => format!("{}", base + i),
            Some(i) => format!("{}", bright + i - 8),
            None => format!("{}", extended + 1),
        },
    }
}

impl<W: Write> Write for Screen<W> {
    /// Bytes written around the frames (the clipboard sequence) go straight out; where they
    /// leave the cursor is not ours to know.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.at = None;
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Backend for Screen<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        for (x, y, cell) in content {
            self.move_to(x, y);
            self.set_pen(Pen::of(cell));
            self.put(cell.symbol());
            let width = cell.symbol().width() as u16;
            self.shown.set(x, y, Some(cell.clone()));
            for covered in 1..width {
                self.shown.set(x + covered, y, None);
            }
            // Past a wide or empty symbol, terminals disagree on where the cursor went.
            self.at = (width == 1).then_some((x + 1, y));
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_shown != Some(false) {
            self.put("\x1b[?25l");
            self.cursor_shown = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_shown != Some(true) {
            self.put("\x1b[?25h");
            self.cursor_shown = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        crossterm::cursor::position()
            .map(|(x, y)| Position { x, y })
            .map_err(io::Error::other)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        self.move_to(x, y);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        // Erased cells take the current background: erase with the default one.
        self.set_pen(Pen::DEFAULT);
        self.put(match clear_type {
            ClearType::All => "\x1b[2J",
            ClearType::AfterCursor => "\x1b[J",
            ClearType::BeforeCursor => "\x1b[1J",
            ClearType::CurrentLine => "\x1b[2K",
            ClearType::UntilNewLine => "\x1b[K",
        });
        self.shown.forget(matches!(clear_type, ClearType::All));
        // A clear comes with a resize, and a terminal may move the cursor when it resizes.
        self.at = None;
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        for _ in 0..n {
            self.put("\n");
        }
        self.at = None;
        self.shown.forget(false);
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        if let Some(size) = self.size {
            return Ok(size);
        }
        let (width, height) = crossterm::terminal::size()?;
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        if let Some(size) = self.size {
            return Ok(WindowSize {
                columns_rows: size,
                pixels: Size::default(),
            });
        }
        let crossterm::terminal::WindowSize {
            columns,
            rows,
            width,
            height,
        } = crossterm::terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: columns,
                height: rows,
            },
            pixels: Size { width, height },
        })
    }

    /// Ends the frame: back to the default pen (what comes after a frame, and the shell after
    /// us, starts plain), then the frame in one write.
    fn flush(&mut self) -> io::Result<()> {
        self.set_pen(Pen::DEFAULT);
        if !self.frame.is_empty() {
            let big = self.frame.len() > SYNC_ABOVE;
            if big {
                crossterm::queue!(self.out, BeginSynchronizedUpdate)?;
            }
            self.out.write_all(&self.frame)?;
            if big {
                crossterm::queue!(self.out, EndSynchronizedUpdate)?;
            }
            self.frame.clear();
        }
        self.out.flush()
    }
}

#[cfg(test)]
#[path = "screen_tests.rs"]
mod tests;
