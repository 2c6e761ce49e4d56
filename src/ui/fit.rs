//! Columns fitted by content (the ledger's and the bulk preview's): each column as wide as its
//! header and the cells on screen, shown whole or not at all (most important first); text cut
//! only while the row has no room for it, and the room left over spread as spacing, never
//! poured into one column (a 60-character Reason beside a cut key).

/// One column that may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// What its header and widest cell on screen need (text: the least it is drawn at).
    pub width: u16,
    /// 1 is always shown (cut to the room left if it must be); 2, 3… only when whole.
    pub priority: u8,
    /// A narrower form of that column (by index): shown only when that one is not.
    pub instead_of: Option<usize>,
    /// Columns it may grow by from the room left once the columns are chosen (text drawn at
    /// `width` and cut, whole at `width + grow`): it gets them before the spacing does.
    pub grow: u16,
}

impl Candidate {
    pub fn new(width: u16, priority: u8) -> Candidate {
        Candidate {
            width,
            priority,
            instead_of: None,
            grow: 0,
        }
    }

    /// Text drawn at `min` columns at least (cut with `…`), whole at `want`.
    pub fn text(want: u16, min: u16, priority: u8) -> Candidate {
        let min = min.min(want);
        Candidate {
            width: min,
            priority,
            instead_of: None,
            grow: want - min,
        }
    }
}

/// The widths (`None`: left out), in the candidates' order, and the spacing between columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fit {
    pub widths: Vec<Option<u16>>,
    pub spacing: u16,
}

/// Text shown cut grows whole once the columns of this priority or more important are placed,
/// before the less important ones are added: a name is not cut to make room for an extra id.
const GROW_AFTER: u8 = 2;

/// Gives the chosen text columns the room they want from what is left, in order.
fn grow(candidates: &[Candidate], widths: &mut [Option<u16>], used: &mut u16, width: u16) {
    for (w, c) in widths.iter_mut().zip(candidates) {
        if let Some(w) = w.as_mut() {
            let want = c.width.saturating_add(c.grow);
            let more = want.saturating_sub(*w).min(width.saturating_sub(*used));
            *w += more;
            *used += more;
        }
    }
}

/// Chooses the columns for `width`: by priority, then in the given order; one space between
/// columns, two when the room allows.
pub fn fit(candidates: &[Candidate], width: u16) -> Fit {
    let mut widths: Vec<Option<u16>> = vec![None; candidates.len()];
    let mut used: u16 = 0;
    let lowest = candidates.iter().map(|c| c.priority).max().unwrap_or(0);
    for priority in 1..=lowest.max(GROW_AFTER) {
        if priority == GROW_AFTER + 1 {
            grow(candidates, &mut widths, &mut used, width);
        }
        for (i, c) in candidates.iter().enumerate() {
            if c.priority != priority
                || c.instead_of
                    .is_some_and(|j| widths.get(j).is_some_and(Option::is_some))
            {
                continue;
            }
            let gap = u16::from(used > 0);
            let room = width.saturating_sub(used + gap);
            let w = if c.width <= room {
                c.width
            } else if priority == 1 && room > 0 {
                // Too narrow for even the essential columns: what is left, cut.
                room
            } else {
                continue;
            };
            widths[i] = Some(w);
            used += gap + w;
        }
    }
    grow(candidates, &mut widths, &mut used, width);
    let shown = widths.iter().flatten().count() as u16;
    let spare = width.saturating_sub(used);
    let spacing = if shown > 1 && spare >= shown - 1 { 2 } else { 1 };
    Fit { widths, spacing }
}

/// Pads figures so that their decimal points line up once right-aligned (`5.00` over
/// `0.125`, `10,037.6575` over `12.00`): each figure (the text up to its first space, a
/// currency code may follow) gets spaces after it for the decimals it has fewer of.
pub fn align_points(cells: &mut [String]) {
    let tail = |s: &str| {
        let figure = s.split(' ').next().unwrap_or("");
        figure.split_once('.').map_or(0, |(_, f)| f.chars().count() + 1)
    };
    let widest = cells.iter().map(|c| tail(c)).max().unwrap_or(0);
    for c in cells.iter_mut() {
        let pad = widest - tail(c);
        if pad > 0 && !c.is_empty() {
            let at = c.find(' ').unwrap_or(c.len());
            c.insert_str(at, &" ".repeat(pad));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_columns_by_priority_and_spare_room_as_spacing() {
        let c = [
            Candidate::new(16, 1),
            Candidate::new(25, 1),
            Candidate::new(21, 2),
            Candidate {
                instead_of: Some(2),
                ..Candidate::new(9, 2)
            },
            Candidate::new(30, 3),
        ];
        // 16 + 25 + 21 + 2 gaps = 64: the narrow form is not needed, the 30 does not fit.
        let f = fit(&c, 70);
        assert_eq!(f.widths, vec![Some(16), Some(25), Some(21), None, None]);
        assert_eq!(f.spacing, 2);
        // 16 + 25 + 1 = 42; the 21 does not fit in 52, its narrow form does.
        let f = fit(&c, 52);
        assert_eq!(f.widths, vec![Some(16), Some(25), None, Some(9), None]);
        // Too narrow: the essential ones, the last one cut.
        let f = fit(&c, 30);
        assert_eq!(f.widths, vec![Some(16), Some(13), None, None, None]);
        assert_eq!(f.spacing, 1);
        // Room for everything.
        let f = fit(&c, 200);
        assert_eq!(f.widths.iter().flatten().count(), 4);
    }

    #[test]
    fn decimal_points_line_up() {
        let mut cells = vec![
            "5.00 USD".to_string(),
            "0.125 EUR".to_string(),
            "10,037.6575".to_string(),
            "7".to_string(),
            String::new(),
        ];
        align_points(&mut cells);
        assert_eq!(cells, ["5.00   USD", "0.125  EUR", "10,037.6575", "7     ", ""]);
    }

    #[test]
    fn text_grows_to_whole_before_the_spacing_widens() {
        let c = [
            Candidate::text(40, 12, 1),
            Candidate::new(10, 1),
            Candidate::new(20, 3),
        ];
        // 12 + 1 + 10 = 23; the name grows whole before the optional 20 is tried, and the
        // 27 left do not make it whole: cut at 39, nothing else shown.
        let f = fit(&c, 50);
        assert_eq!(f.widths, vec![Some(39), Some(10), None]);
        assert_eq!(f.spacing, 1);
        // Whole, and two columns to spare: spacing 2.
        let f = fit(&c, 76);
        assert_eq!(f.widths, vec![Some(40), Some(10), Some(20)]);
        assert_eq!(f.spacing, 2);
    }
}
