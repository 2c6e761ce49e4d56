use proptest::prelude::*;
use ratatui::layout::{Rect, Size};
use ratatui::style::{Color, Modifier, Style};
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::Screen;

const W: u16 = 12;
const H: u16 = 4;

fn terminal() -> Terminal<Screen<Vec<u8>>> {
    Terminal::with_options(
        Screen::new(Vec::new()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )
    .unwrap()
}

type Span = (u16, u16, String, Style);

/// Draws one frame of `spans`; returns the bytes it wrote.
fn frame(term: &mut Terminal<Screen<Vec<u8>>>, spans: &[Span]) -> Vec<u8> {
    let before = term.backend().out.len();
    term.draw(|f| {
        for (x, y, text, style) in spans {
            f.buffer_mut().set_stringn(*x, *y, text, (W - x) as usize, *style);
        }
    })
    .unwrap();
    term.backend().out[before..].to_vec()
}

fn vt_color(c: Color) -> vt100::Color {
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        c => vt100::Color::Idx(super::indexed(c).unwrap()),
    }
}

/// The terminal after `bytes` shows exactly what the last frame drew.
fn assert_shows(bytes: &[u8], term: &Terminal<Screen<Vec<u8>>>, spans: &[Span]) {
    let parser = parse(bytes);
    let mut want = ratatui::buffer::Buffer::empty(Rect::new(0, 0, W, H));
    for (x, y, text, style) in spans {
        want.set_stringn(*x, *y, text, (W - x) as usize, *style);
    }
    let screen = parser.screen();
    for y in 0..H {
        for x in 0..W {
            let got = screen.cell(y, x).unwrap();
            if got.is_wide_continuation() {
                continue;
            }
            let cell = &want[(x, y)];
            let text = |s: &str| {
                if s.is_empty() {
                    " ".to_string()
                } else {
                    s.to_string()
                }
            };
            let mut m = cell.modifier;
            // vt100 keeps one intensity: of bold and dim together, it shows the last one set.
            if m.contains(Modifier::BOLD | Modifier::DIM) {
                assert!(got.bold() || got.dim(), "cell ({x}, {y}) lost its intensity");
                m.remove(if got.bold() { Modifier::DIM } else { Modifier::BOLD });
            }
            assert_eq!(
                (
                    text(got.contents()),
                    got.fgcolor(),
                    got.bgcolor(),
                    got.bold(),
                    got.dim(),
                    got.italic(),
                    got.underline(),
                    got.inverse()
                ),
                (
                    text(cell.symbol()),
                    vt_color(cell.fg),
                    vt_color(cell.bg),
                    m.contains(Modifier::BOLD),
                    m.contains(Modifier::DIM),
                    m.contains(Modifier::ITALIC),
                    m.contains(Modifier::UNDERLINED),
                    m.contains(Modifier::REVERSED)
                ),
                "cell ({x}, {y}) after {:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
    assert!(screen.hide_cursor());
    assert_eq!(
        term.backend().pen,
        super::Pen::DEFAULT,
        "a frame ends in the default pen"
    );
}

fn style() -> impl Strategy<Value = Style> {
    let colors = prop::sample::select(vec![
        Color::Reset,
        Color::Red,
        Color::Green,
        Color::Blue,
        Color::LightCyan,
        Color::White,
        Color::Indexed(200),
        Color::Rgb(90, 90, 100),
    ]);
    let mods = prop::sample::subsequence(
        vec![
            Modifier::BOLD,
            Modifier::DIM,
            Modifier::ITALIC,
            Modifier::UNDERLINED,
            Modifier::REVERSED,
        ],
        0..=3,
    );
    (colors.clone(), colors, mods).prop_map(|(fg, bg, mods)| {
        let m = mods.into_iter().fold(Modifier::empty(), |a, b| a | b);
        Style::default().fg(fg).bg(bg).add_modifier(m)
    })
}

fn span_of(symbols: Vec<&'static str>) -> impl Strategy<Value = Span> {
    let text = prop::collection::vec(prop::sample::select(symbols), 1..6).prop_map(|v| v.concat());
    (0..W, 0..H, text, style())
}

fn span() -> impl Strategy<Value = Span> {
    span_of(vec!["a", "b", "1", " ", "█", "│"])
}

/// With wide characters too: where one is half overwritten, terminals blank the other half in
/// the current pen, which ratatui's diff does not model; the reference there is what ratatui's
/// own crossterm backend makes the terminal show.
fn wide_span() -> impl Strategy<Value = Span> {
    span_of(vec!["a", "b", " ", "█", "コ"])
}

/// A writer whose bytes stay readable while a backend owns it.
#[derive(Clone, Default)]
struct Tap(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Tap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn parse(bytes: &[u8]) -> vt100::Parser {
    let mut parser = vt100::Parser::new(
        std::num::NonZeroU16::new(H).unwrap(),
        std::num::NonZeroU16::new(W).unwrap(),
        0,
    );
    parser.process(bytes);
    parser
}

/// Each cell as the terminal shows it; bold and dim as one intensity (vt100 keeps one).
fn cells(parser: &vt100::Parser) -> Vec<(String, vt100::Color, vt100::Color, bool, bool, bool, bool)> {
    let screen = parser.screen();
    (0..H)
        .flat_map(|y| (0..W).map(move |x| (x, y)))
        .filter_map(|(x, y)| screen.cell(y, x))
        .map(|c| {
            let text = if c.contents().is_empty() {
                " "
            } else {
                c.contents()
            };
            (
                text.to_string(),
                c.fgcolor(),
                c.bgcolor(),
                c.bold() || c.dim(),
                c.italic(),
                c.underline(),
                c.inverse(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever frames follow each other, the terminal shows the last one exactly, however
    /// the moves, gaps and pens were shortened.
    #[test]
    fn the_terminal_shows_every_frame(
        base in prop::collection::vec(span(), 0..8),
        changes in prop::collection::vec(prop::collection::vec(span(), 0..4), 1..4),
    ) {
        let mut term = terminal();
        let mut bytes = frame(&mut term, &base);
        assert_shows(&bytes, &term, &base);
        for extra in changes {
            let spans: Vec<Span> = base.iter().chain(&extra).cloned().collect();
            bytes.extend(frame(&mut term, &spans));
            assert_shows(&bytes, &term, &spans);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_terminal_shows_what_ratatuis_backend_would(
        base in prop::collection::vec(wide_span(), 0..8),
        changes in prop::collection::vec(prop::collection::vec(wide_span(), 0..4), 1..4),
    ) {
        let mut ours = terminal();
        let theirs_out = Tap::default();
        let mut theirs = Terminal::with_options(
            ratatui::backend::CrosstermBackend::new(theirs_out.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, W, H)),
            },
        )
        .unwrap();
        for extra in std::iter::once(Vec::new()).chain(changes) {
            let spans: Vec<Span> = base.iter().chain(&extra).cloned().collect();
            frame(&mut ours, &spans);
            theirs
                .draw(|f| {
                    for (x, y, text, style) in &spans {
                        f.buffer_mut().set_stringn(*x, *y, text, (W - x) as usize, *style);
                    }
                })
                .unwrap();
            let (a, b) = (&ours.backend().out, theirs_out.0.borrow());
            prop_assert_eq!(cells(&parse(a)), cells(&parse(&b)), "after {:?}", String::from_utf8_lossy(a));
        }
    }
}

#[test]
fn a_frame_that_changes_nothing_writes_nothing() {
    let mut term = terminal();
    let spans = vec![(0, 0, "hello".to_string(), Style::default().fg(Color::Green))];
    assert!(!frame(&mut term, &spans).is_empty());
    assert_eq!(frame(&mut term, &spans), b"");
}

#[test]
fn named_colours_use_the_short_codes_and_a_run_sets_its_pen_once() {
    let mut term = terminal();
    let green = Style::default().fg(Color::Green).add_modifier(Modifier::BOLD);
    let out = frame(&mut term, &[(2, 1, "+1.00".to_string(), green)]);
    // First frame: the cursor is hidden once.
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\x1b[2;3H\x1b[1;32m+1.00\x1b[?25l\x1b[m"
    );
}

#[test]
fn a_small_gap_is_written_over_and_a_long_one_skipped() {
    let mut term = terminal();
    let line = |t: &str| vec![(0, 0, t.to_string(), Style::default())];
    frame(&mut term, &line("2026-11-23 2"));
    // On the cursor's row: a column move beats a full one.
    let out = frame(&mut term, &line("2126-11-23 2"));
    assert_eq!(String::from_utf8(out).unwrap(), "\x1b[2G1");
    // Where the cursor already is: no move.
    let out = frame(&mut term, &line("2136-11-23 2"));
    assert_eq!(String::from_utf8(out).unwrap(), "3");
    // Two changed cells one apart: reprinting the cell between beats a move.
    let out = frame(&mut term, &line("3146-11-23 2"));
    assert_eq!(String::from_utf8(out).unwrap(), "\x1b[H314");
    // Far apart: a column move.
    let out = frame(&mut term, &line("4146-11-23 3"));
    assert_eq!(String::from_utf8(out).unwrap(), "\x1b[H4\x1b[12G3");
}

#[test]
fn big_frames_are_synchronized_small_ones_not() {
    let mut term = Terminal::with_options(
        Screen::new(Vec::new()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    term.draw(|f| {
        for y in 0..24 {
            f.buffer_mut().set_string(0, y, "x".repeat(80), Style::default());
        }
    })
    .unwrap();
    let out = String::from_utf8(term.backend().out.clone()).unwrap();
    assert!(
        out.starts_with("\x1b[?2026h") && out.ends_with("\x1b[?2026l"),
        "{out:?}"
    );
    let n = out.len();
    term.draw(|f| {
        for y in 0..24 {
            f.buffer_mut().set_string(0, y, "x".repeat(80), Style::default());
        }
        f.buffer_mut().set_string(5, 5, "y", Style::default());
    })
    .unwrap();
    assert_eq!(&term.backend().out[n..], b"\x1b[6;6Hy");
}

#[test]
fn after_a_clear_or_bytes_of_its_own_the_cursor_is_placed_again() {
    use ratatui::backend::Backend;
    use ratatui::buffer::Cell;
    let mut s = Screen::new(Vec::new());
    let a = Cell::new("a");
    s.draw([(0, 0, &a)].into_iter()).unwrap();
    Backend::flush(&mut s).unwrap();
    s.clear().unwrap();
    s.draw([(1, 0, &a)].into_iter()).unwrap();
    Backend::flush(&mut s).unwrap();
    std::io::Write::write_all(&mut s, b"\x1b]52;c;eA==\x07").unwrap();
    s.draw([(2, 0, &a)].into_iter()).unwrap();
    Backend::flush(&mut s).unwrap();
    assert_eq!(
        String::from_utf8(s.out).unwrap(),
        "\x1b[Ha\x1b[2J\x1b[1;2Ha\x1b]52;c;eA==\x07\x1b[1;3Ha"
    );
}

#[test]
fn a_sized_screen_answers_its_own_size_and_a_resize_clears_without_asking_the_process() {
    use ratatui::backend::Backend;
    // Under `cargo test` this process's terminal is some other size, or there is none: every
    // answer here has to come from what the screen was told.
    let mut term = Terminal::with_options(
        Screen::new(Vec::new()).sized(37, 11),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 37, 11)),
        },
    )
    .unwrap();
    assert_eq!(term.backend().size().unwrap(), Size::new(37, 11));
    assert_eq!(
        term.backend_mut().window_size().unwrap().columns_rows,
        Size::new(37, 11)
    );
    term.backend_mut().set_size(53, 7);
    term.resize(Rect::new(0, 0, 53, 7)).unwrap();
    assert_eq!(term.backend().size().unwrap(), Size::new(53, 7));
    // The whole viewport is the whole terminal: one clear from the top-left corner.
    Backend::flush(term.backend_mut()).unwrap();
    let out = String::from_utf8(term.backend().get_ref().clone()).unwrap();
    assert!(out.ends_with("\x1b[H\x1b[J"), "{out:?}");
}
