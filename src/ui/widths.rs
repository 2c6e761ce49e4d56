//! Column widths from content for the wallet list: which columns show in a width, and how wide
//! each is, so that nothing is cut while the row has room for it elsewhere.
//!
//! Each column says what its content needs (`want`), the narrowest it may be drawn (`min`) and
//! how much it matters (`priority`). The essential columns (priority up to [`ESSENTIAL`]) are
//! placed first; figures and ids get their whole width before any text grows past its
//! minimum; text then grows to a comfortable `cap`; only then are the optional columns added,
//! each whole; what is left goes to text still cut, and the rest to the stretch column.

/// Columns of this priority or more important are shown whenever their minimum fits.
pub const ESSENTIAL: u8 = 2;

/// One space between columns (ratatui's `column_spacing(1)`).
const GAP: u16 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// What the widest content (and the header) needs.
    pub want: u16,
    /// The narrowest it is drawn at: text below its want is cut with `…`, a figure goes
    /// compact (`≈12.3M`). An id has `min == want`: whole or not shown.
    pub min: u16,
    /// Text: the width it grows to before optional columns are shown; past it only from room
    /// nothing else wants. Figures and ids: ignored.
    pub cap: u16,
    /// 0 first; up to [`ESSENTIAL`] always shown when it fits; above, only when whole.
    pub priority: u8,
    pub text: bool,
    /// A figure column: the widths (below `want`) at which more of its figures are whole, so
    /// that room for all but the widest still makes the others whole.
    pub steps: Vec<u16>,
}

impl Spec {
    /// A column shown whole or not at all (ids, codes, words from a short list).
    pub fn whole(want: u16, priority: u8) -> Spec {
        Spec {
            want,
            min: want,
            cap: want,
            priority,
            text: false,
            steps: Vec::new(),
        }
    }

    /// A figure: whole when it can be, compact down to `min` otherwise.
    pub fn figure(want: u16, min: u16, priority: u8) -> Spec {
        Spec {
            want,
            min: min.min(want),
            cap: want,
            priority,
            text: false,
            steps: Vec::new(),
        }
    }

    /// The widths at which more of a figure column's figures are whole.
    pub fn with_steps(mut self, steps: Vec<u16>) -> Spec {
        self.steps = steps;
        self
    }

    /// Free text (names): cut with `…` when it must be.
    pub fn text(want: u16, min: u16, cap: u16, priority: u8) -> Spec {
        let min = min.min(want);
        Spec {
            want,
            min,
            cap: cap.clamp(min, want),
            priority,
            text: true,
            steps: Vec::new(),
        }
    }
}

/// The width of each column in `width` (`None`: not shown), in the order given. `stretch`
/// (a text column, if shown) takes what no column wants, so the table spans the width.
pub fn fit(specs: &[Spec], width: u16, stretch: Option<usize>) -> Vec<Option<u16>> {
    let mut shown: Vec<Option<u16>> = vec![None; specs.len()];
    let used = |shown: &[Option<u16>]| -> u16 {
        let cols = shown.iter().flatten().count() as u16;
        shown.iter().flatten().sum::<u16>() + cols.saturating_sub(1) * GAP
    };
    let gap = |shown: &[Option<u16>]| if shown.iter().any(Option::is_some) { GAP } else { 0 };
    // 1. The essential columns, most important first, each at its minimum: a figure's whole
    // width does not push out an essential column after it.
    for priority in 0..=ESSENTIAL {
        for (i, s) in specs.iter().enumerate() {
            if s.priority != priority || s.want == 0 {
                continue;
            }
            if s.min <= width.saturating_sub(used(&shown) + gap(&shown)) {
                shown[i] = Some(s.min);
            }
        }
    }
    // 2. Figures still compact grow whole where the room allows, then text grows to its cap.
    let mut spare = width.saturating_sub(used(&shown));
    make_whole(specs, &mut shown, &mut spare);
    grow(specs, &mut shown, &mut spare, |s| s.text.then_some(s.cap));
    // 3. The optional columns, whole, most important first.
    let lowest = specs.iter().map(|s| s.priority).max().unwrap_or(0);
    for priority in ESSENTIAL + 1..=lowest {
        for (i, s) in specs.iter().enumerate() {
            if s.priority != priority || s.want == 0 {
                continue;
            }
            let cost = s.want + gap(&shown);
            if cost <= spare {
                shown[i] = Some(s.want);
                spare -= cost;
            }
        }
    }
    // 4. Figures and text still cut, whole; then the stretch column takes the rest.
    make_whole(specs, &mut shown, &mut spare);
    grow(specs, &mut shown, &mut spare, |s| s.text.then_some(s.want));
    if let Some(w) = stretch.and_then(|i| shown.get_mut(i)).and_then(Option::as_mut) {
        *w += spare;
    }
    shown
}

/// Figures shown compact, most important first, made whole as far as the room allows: to
/// their widest figure, or to the widest the room can hold (the wider ones stay compact). A
/// figure even all the room cannot make whole (`≈7.92e28`) takes nothing a name could use.
fn make_whole(specs: &[Spec], shown: &mut [Option<u16>], spare: &mut u16) {
    let mut order: Vec<usize> = (0..specs.len()).filter(|&i| !specs[i].text).collect();
    order.sort_by_key(|&i| specs[i].priority);
    for i in order {
        let s = &specs[i];
        if let Some(w) = shown[i].as_mut() {
            let reach = *w + *spare;
            let to = s
                .steps
                .iter()
                .copied()
                .chain([s.want])
                .filter(|&t| t > *w && t <= reach)
                .max();
            if let Some(t) = to {
                *spare -= t - *w;
                *w = t;
            }
        }
    }
}

/// Hands `spare` out one cell at a time, round the shown columns that `target` names, until
/// each reaches its target: cut texts share the room evenly, and a cell that cannot go to
/// every one goes first to the column nearest whole.
fn grow(specs: &[Spec], shown: &mut [Option<u16>], spare: &mut u16, target: impl Fn(&Spec) -> Option<u16>) {
    loop {
        let mut short: Vec<(u16, usize)> = specs
            .iter()
            .zip(shown.iter())
            .enumerate()
            .filter_map(|(i, (s, w))| {
                let (w, t) = ((*w)?, target(s)?);
                (w < t).then(|| (t - w, i))
            })
            .collect();
        if short.is_empty() || *spare == 0 {
            return;
        }
        short.sort_unstable();
        for (_, i) in short {
            if *spare == 0 {
                return;
            }
            if let Some(w) = shown[i].as_mut() {
                *w += 1;
                *spare -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(shown: &[Option<u16>]) -> u16 {
        let n = shown.iter().flatten().count() as u16;
        shown.iter().flatten().sum::<u16>() + n.saturating_sub(1)
    }

    #[test]
    fn whole_figures_before_longer_names() {
        let specs = [
            Spec::text(30, 10, 20, 1),
            Spec::figure(12, 9, 1),
            Spec::whole(10, 1),
        ];
        // 10 + 12 + 10 + 2 gaps = 34: the name gets the 6 left over its minimum.
        assert_eq!(fit(&specs, 40, Some(0)), [Some(16), Some(12), Some(10)]);
        // Too narrow for the whole figure: compact, never below its minimum.
        assert_eq!(fit(&specs, 31, Some(0)), [Some(10), Some(9), Some(10)]);
    }

    #[test]
    fn optional_columns_only_whole_and_after_names_reach_their_cap() {
        let specs = [Spec::text(30, 10, 20, 1), Spec::whole(33, 3), Spec::whole(6, 4)];
        // 20 for the name, then the id does not fit whole (20+1+33 > 40), the status does.
        assert_eq!(fit(&specs, 40, Some(0)), [Some(33), None, Some(6)]);
        assert_eq!(total(&fit(&specs, 40, Some(0))), 40);
        // Wide: every column whole, the name whole too, and the rest stretches it.
        assert_eq!(fit(&specs, 100, Some(0)), [Some(59), Some(33), Some(6)]);
    }

    #[test]
    fn texts_share_the_room_evenly() {
        let specs = [Spec::text(25, 10, 28, 1), Spec::text(21, 10, 28, 1)];
        // 39 for two texts: the spare 19 goes one by one; the odd one makes the shorter whole.
        assert_eq!(fit(&specs, 40, None), [Some(19), Some(20)]);
        assert_eq!(fit(&specs, 39, None), [Some(19), Some(19)]);
        assert_eq!(fit(&specs, 60, None), [Some(25), Some(21)]);
    }

    #[test]
    fn a_text_shorter_than_its_minimum_is_as_wide_as_it_is() {
        // "Acme Corp": 9 wide, under the minimum of 10 and the cap of 32.
        let specs = [Spec::text(9, 10, 32, 1), Spec::text(40, 10, 32, 1)];
        assert_eq!(specs[0].cap, 9);
        assert_eq!(fit(&specs, 80, Some(1)), [Some(9), Some(70)]);
        assert_eq!(fit(&specs, 30, Some(1)), [Some(9), Some(20)]);
    }

    #[test]
    fn a_figure_that_cannot_be_whole_leaves_the_room_to_names() {
        // One balance of 42 digits in 40 columns: compact at 9, the name whole (and stretched).
        let specs = [Spec::text(18, 10, 32, 1), Spec::figure(42, 9, 1)];
        assert_eq!(fit(&specs, 40, Some(0)), [Some(30), Some(9)]);
        // Room to make it whole: the figure first, the name takes what is left.
        assert_eq!(fit(&specs, 60, Some(0)), [Some(17), Some(42)]);
        assert_eq!(fit(&specs, 80, Some(0)), [Some(37), Some(42)]);
        // Room for all but the widest figure: whole up to the widest that fits.
        let specs = [
            Spec::text(18, 10, 32, 1),
            Spec::figure(42, 9, 1).with_steps(vec![6, 13, 42]),
        ];
        assert_eq!(fit(&specs, 40, Some(0)), [Some(26), Some(13)]);
    }

    #[test]
    fn empty_columns_and_tiny_widths() {
        let specs = [Spec::text(5, 4, 5, 0), Spec::figure(0, 0, 1), Spec::whole(8, 1)];
        assert_eq!(fit(&specs, 80, Some(0)), [Some(71), None, Some(8)]);
        assert_eq!(fit(&specs, 3, Some(0)), [None, None, None]);
    }
}
