//! The wallet list's columns: the named sets (`c` cycles them), each column's want from the
//! content, and the figures' decimal points lined up.

use crate::app::App;
use crate::app::table::{Column, ColumnSet, Row as WalletRow};
use crate::ui::widths::{Spec, fit};

/// A column on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    /// `●` on a marked row.
    Marker,
    /// `!` when the row is stale: freshness shows at every width (Updated says it in words).
    Fresh,
    /// A sortable column; `Customer` is the customer's name, `Id` the whole wallet id.
    Data(Column),
    /// The balance change seen in this refresh cycle.
    Delta,
    /// The customer's external id (the operator's own key for it).
    External,
    /// The customer's id, whole.
    CustomerId,
}

impl Col {
    pub fn title(self) -> &'static str {
        match self {
            Col::Marker | Col::Fresh => "",
            Col::Delta => "Change",
            Col::External => "External ID",
            Col::CustomerId => "Customer ID",
            Col::Data(Column::Id) => "Wallet ID",
            Col::Data(c) => c.title(),
        }
    }

    pub fn right(self) -> bool {
        matches!(
            self,
            Col::Delta | Col::Data(Column::Balance | Column::Credits | Column::Updated | Column::Runway)
        )
    }
}

/// Each set's columns in display order, with their priority (0 first; up to 2 shown whenever
/// they fit; above, only whole and when the essential ones have their room).
pub fn set_columns(set: ColumnSet) -> &'static [(Col, u8)] {
    use Column as C;
    match set {
        ColumnSet::Balances => &[
            (Col::Marker, 0),
            (Col::Fresh, 0),
            (Col::Data(C::Name), 1),
            (Col::Data(C::Customer), 1),
            (Col::Data(C::Currency), 1),
            (Col::Data(C::Balance), 1),
            (Col::Delta, 2),
            // Optional: shown whole once the figures are (a balance is never made compact
            // for it), first of the optional ones.
            (Col::Data(C::Runway), 3),
            (Col::Data(C::Credits), 3),
            (Col::Data(C::Status), 3),
            (Col::Data(C::Type), 5),
            (Col::Data(C::Alert), 1),
            (Col::Data(C::Updated), 4),
        ],
        ColumnSet::Credits => &[
            (Col::Marker, 0),
            (Col::Fresh, 0),
            (Col::Data(C::Name), 1),
            (Col::Data(C::Customer), 1),
            (Col::Data(C::Credits), 1),
            (Col::Data(C::Currency), 3),
            (Col::Data(C::Balance), 3),
            (Col::Data(C::Status), 2),
            (Col::Data(C::Type), 4),
            (Col::Data(C::Alert), 1),
            (Col::Data(C::Runway), 2),
            (Col::Data(C::Updated), 5),
        ],
        ColumnSet::Customers => &[
            (Col::Marker, 0),
            (Col::Fresh, 0),
            (Col::Data(C::Customer), 1),
            (Col::External, 1),
            (Col::Data(C::Name), 2),
            (Col::Data(C::Currency), 2),
            (Col::Data(C::Balance), 3),
            (Col::CustomerId, 4),
            (Col::Data(C::Status), 5),
            (Col::Data(C::Alert), 3),
        ],
        ColumnSet::Ids => &[
            (Col::Marker, 0),
            (Col::Fresh, 0),
            (Col::Data(C::Name), 1),
            (Col::Data(C::Id), 1),
            (Col::Data(C::Customer), 2),
            (Col::CustomerId, 2),
            (Col::Data(C::Currency), 3),
            (Col::Data(C::Balance), 3),
        ],
    }
}

/// How far a column's figures reach past their decimal point (the point and the digits after
/// it) on screen: every figure is padded to it, so the points line up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Points {
    pub balance: usize,
    pub credits: usize,
    pub delta: usize,
}

impl Points {
    pub fn of(&self, col: Col) -> usize {
        match col {
            Col::Data(Column::Balance) => self.balance,
            Col::Data(Column::Credits) => self.credits,
            Col::Delta => self.delta,
            _ => 0,
        }
    }
}

/// The point and digits after it in `figure` (`12.3456` → 5, `12` → 0).
pub fn after_point(figure: &str) -> usize {
    figure.find('.').map_or(0, |at| figure[at..].chars().count())
}

/// `figure` padded on the right so that its point sits `reach` from the right edge. A compact
/// figure (`≈12.3M`) is not padded: it is not read to the cent.
pub fn aligned(figure: String, reach: usize) -> String {
    let have = after_point(&figure);
    if figure.starts_with(crate::money::fit::COMPACT) || have >= reach {
        return figure;
    }
    // A figure with no point pads past where the point would be.
    let pad = if have == 0 { reach } else { reach - have };
    format!("{figure}{}", " ".repeat(pad))
}

/// The columns shown, with widths, and where the figures' points sit.
pub struct Layout {
    pub cols: Vec<(Col, u16)>,
    pub points: Points,
}

/// Words from a short list are as wide as the longest of them, whichever rows are on screen:
/// a column does not change width as the list scrolls.
const STATUS_WIDTH: u16 = 6;
const TYPE_WIDTH: u16 = 9;
const ALERT_WIDTH: u16 = 10;
const UPDATED_WIDTH: u16 = 7;
/// Names are cut no shorter than this, and grow to their cap before optional columns show.
const NAME_MIN: u16 = 10;
const NAME_CAP: u16 = 32;
const EXTERNAL_CAP: u16 = 36;
/// The Change column's width while no change is wider: `-150.00` fits.
const DELTA_WIDTH: u16 = 7;
/// A figure compact (`≈12.3M`) takes no less.
const FIGURE_MIN: u16 = 9;

fn chars(s: &str) -> u16 {
    u16::try_from(s.chars().count()).unwrap_or(u16::MAX)
}

/// The columns of the current set that fit in `width`, each sized from the rows on screen: a
/// name is cut only when the columns beside it need their room. `exact` is a money column's
/// figure for a row as it is shown when it fits (the list's formatting).
pub fn layout_by(
    app: &App,
    rows: &[&WalletRow],
    width: u16,
    exact: impl Fn(&WalletRow, Col) -> Option<String>,
) -> Layout {
    let set = set_columns(app.column_set);
    let widest = |f: &dyn Fn(&WalletRow) -> u16| rows.iter().map(|r| f(r)).max().unwrap_or(0);
    let figures = |col: Col| -> (u16, usize, Vec<u16>) {
        let exact: Vec<String> = rows.iter().filter_map(|r| exact(r, col)).collect();
        // A change with its time (`+5.00 since 14:02`) is not lined up: its point is not last.
        let reach = exact
            .iter()
            .filter(|f| !f.contains(' '))
            .map(|f| after_point(f))
            .max()
            .unwrap_or(0);
        let mut steps: Vec<u16> = exact.into_iter().map(|f| chars(&aligned(f, reach))).collect();
        steps.sort_unstable();
        steps.dedup();
        (steps.last().copied().unwrap_or(0), reach, steps)
    };
    let mut points = Points::default();
    let customer = |r: &WalletRow| chars(&app.customer_label(&r.wallet.customer_id));
    let external = |r: &WalletRow| {
        app.customer(&r.wallet.customer_id)
            .map_or(0, |c| chars(&c.external_id))
    };
    let sort = app.table.sort.column;
    let specs: Vec<Spec> = set
        .iter()
        .map(|&(col, priority)| {
            // The header, with the sort arrow when it has one.
            let header = chars(col.title()) + u16::from(col == Col::Data(sort));
            match col {
                Col::Marker | Col::Fresh => Spec::whole(1, priority),
                Col::Data(Column::Name) => Spec::text(
                    widest(&|r| chars(r.wallet.display_name())).max(header),
                    NAME_MIN,
                    NAME_CAP,
                    priority,
                ),
                Col::Data(Column::Customer) => {
                    Spec::text(widest(&customer).max(header), NAME_MIN, NAME_CAP, priority)
                }
                Col::External => Spec::text(widest(&external).max(header), NAME_MIN, EXTERNAL_CAP, priority),
                Col::Data(Column::Id) => Spec::whole(widest(&|r| chars(&r.wallet.id)).max(header), priority),
                Col::CustomerId => {
                    Spec::whole(widest(&|r| chars(&r.wallet.customer_id)).max(header), priority)
                }
                Col::Data(Column::Currency) => {
                    Spec::whole(widest(&|r| chars(&r.wallet.currency)).max(header), priority)
                }
                Col::Data(Column::Status) => Spec::whole(STATUS_WIDTH.max(header), priority),
                Col::Data(Column::Type) => Spec::whole(TYPE_WIDTH.max(header), priority),
                Col::Data(Column::Alert) => Spec::whole(ALERT_WIDTH.max(header), priority),
                Col::Data(Column::Updated) => Spec::whole(UPDATED_WIDTH.max(header), priority),
                // Whole or not at all: a time left cut is a wrong time.
                Col::Data(Column::Runway) => Spec::whole(
                    widest(&|r| chars(&crate::ui::runway::cell_text(app, &r.wallet))).max(header),
                    priority,
                ),
                Col::Delta => {
                    let (want, reach, steps) = figures(col);
                    points.delta = reach;
                    // With live refresh on, the column stays, as wide as a usual change: one
                    // arriving redraws its cell, not every row (issue 10: a change costs a few
                    // hundred bytes over SSH). With it off, a change is rare: no column
                    // until one is on screen.
                    let want = if want == 0 && !app.live.enabled() {
                        0
                    } else {
                        want.max(header).max(DELTA_WIDTH)
                    };
                    Spec::figure(want, FIGURE_MIN.min(want), priority).with_steps(steps)
                }
                Col::Data(Column::Balance | Column::Credits) => {
                    let (want, reach, steps) = figures(col);
                    if col == Col::Data(Column::Balance) {
                        points.balance = reach;
                    } else {
                        points.credits = reach;
                    }
                    Spec::figure(want.max(header), FIGURE_MIN, priority).with_steps(steps)
                }
            }
        })
        .collect();
    let stretch = set.iter().position(|(c, _)| *c == Col::Data(Column::Name));
    let cols = set
        .iter()
        .zip(fit(&specs, width, stretch))
        .filter_map(|(&(col, _), w)| Some((col, w?)))
        .collect();
    Layout { cols, points }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_line_up() {
        let reach = [
            after_point("10,037.6575"),
            after_point("750.00"),
            after_point("12"),
        ]
        .into_iter()
        .max()
        .unwrap();
        assert_eq!(reach, 5);
        assert_eq!(aligned("750.00".into(), reach), "750.00  ");
        assert_eq!(aligned("10,037.6575".into(), reach), "10,037.6575");
        assert_eq!(aligned("12".into(), reach), "12     ");
        assert_eq!(aligned("≈12.3M".into(), reach), "≈12.3M");
    }

    #[test]
    fn every_set_has_a_name_and_a_customer() {
        for set in ColumnSet::ALL {
            let cols = set_columns(set);
            assert!(cols.iter().any(|c| c.0 == Col::Data(Column::Name)), "{set:?}");
            assert!(cols.iter().any(|c| c.0 == Col::Data(Column::Customer)), "{set:?}");
        }
    }
}
