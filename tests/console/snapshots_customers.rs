//! Customers by name and columns that fit: the list and the detail at 80x24, 120x40 and
//! 200x50 on the demo data, every column set, and the rule that nothing shown is cut while its
//! row has blank room for it.

use flexwallet::app::App;
use flexwallet::app::table::ColumnSet;
use flexwallet::key::KeyCode;
use flexwallet::ui::columns::Col;
use flexwallet::ui::list::layout;

use super::{app, key, select, snap};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

/// A wallet whose description is longer than the detail's value column at 80 and 120.
const DESCRIBED: &str = "Acme Corp – usage credits";

/// The list's inner width at this terminal size (list beside the detail from 120 columns).
fn list_width(a: &App) -> u16 {
    let body = a.size.0;
    let list = if a.is_wide() { body * 60 / 100 } else { body };
    list - 2
}

/// The list's part of each screen line (the detail pane beside it left out).
fn list_part(a: &App, s: &str) -> String {
    let keep = usize::from(list_width(a)) + 2;
    s.lines()
        .map(|l| l.chars().take(keep).collect::<String>() + "\n")
        .collect()
}

/// The detail pane's lines inside its border, from its title line down.
fn pane(a: &App, s: &str) -> Vec<String> {
    let left = if a.is_wide() {
        s.lines().nth(1).unwrap().chars().position(|c| c == '┐').unwrap() + 1
    } else {
        0
    };
    s.lines()
        .skip(2)
        .take_while(|l| !l.contains('└'))
        .map(|l| l.chars().skip(left + 1).filter(|c| *c != '│').collect())
        .collect()
}

/// The rows on screen, as the list draws them.
fn on_screen(a: &App) -> Vec<&flexwallet::app::table::Row> {
    let t = &a.table;
    t.view()
        .iter()
        .skip(t.offset)
        .take(a.list_height())
        .map(|&i| &t.rows[i as usize])
        .collect()
}

#[test]
fn list_and_detail_at_every_size() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        select(&mut a, DESCRIBED);
        insta::assert_snapshot!(format!("customers_list_{w}x{h}"), snap(&a));
        if !a.is_wide() {
            a.update(key(KeyCode::Enter));
            insta::assert_snapshot!(format!("customers_detail_{w}x{h}"), snap(&a));
        }
    }
}

#[test]
fn every_column_set_at_every_size() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        for set in &ColumnSet::ALL[1..] {
            a.update(key(KeyCode::Char('c')));
            assert_eq!(a.column_set, *set);
            let s = snap(&a);
            assert!(s.contains(&format!("{} columns", set.name())), "{s}");
            insta::assert_snapshot!(format!("columns_{}_{w}x{h}", set.name()), s);
        }
    }
}

/// As seen: at 80 columns there was no customer column, at 200 the customer was a cut id
/// (`cust_01KYSEAK…`), and nine rows in a row read `Postpaid Wallet … EUR`. Now every row
/// names its customer, at every width, and those rows can be told apart.
#[test]
fn every_row_names_its_customer_at_every_width() {
    for (w, h) in SIZES {
        let a = app(w, h, false);
        let s = list_part(&a, &snap(&a));
        assert!(!s.contains("cust_"), "{w}x{h}: a customer shown by id\n{s}");
        // The list's rows start under its border and header.
        let lines: Vec<&str> = s.lines().skip(3).collect();
        let mut generic = 0;
        for (line, row) in lines.iter().zip(on_screen(&a)) {
            let name = a.customer_label(&row.wallet.customer_id);
            assert!(
                !name.starts_with("cust_"),
                "no name for {}",
                row.wallet.customer_id
            );
            // Whole, or cut only where the row has no room (checked below): its start.
            let chars: Vec<char> = name.chars().collect();
            let cut = (6..chars.len())
                .any(|k| line.contains(&format!("{}…", chars[..k].iter().collect::<String>())));
            assert!(
                line.contains(&name) || cut,
                "{w}x{h}: {name} not on its row: {line}"
            );
            generic += usize::from(row.wallet.display_name() == "Postpaid Wallet - EUR");
        }
        assert!(
            generic >= 5,
            "rows of the same wallet name, told apart by customer:\n{s}"
        );
    }
}

/// As seen: `10,037.6575` beside `665.27` with the points not lined up. Every figure of a
/// money column has its point in the same place.
#[test]
fn decimal_points_line_up() {
    let a = app(200, 50, false);
    let s = list_part(&a, &snap(&a));
    let with_four = s.lines().find(|l| l.contains("5,856.6175"));
    assert!(
        with_four.is_some(),
        "the demo's 4-decimal balance is on screen:\n{s}"
    );
    let header = s.lines().find(|l| l.contains("Balance")).unwrap();
    let header_end = header.find("Balance").unwrap() + "Balance".len();
    // The Balance column's figures: the last `.` at or before the header's end, per row.
    let points: std::collections::HashSet<usize> = s
        .lines()
        // Rows only: the bottom edge's totals have currencies and points too.
        .filter(|l| l.starts_with('│'))
        .filter(|l| l.contains(" EUR ") || l.contains(" USD ") || l.contains(" CRD "))
        .map(|l| {
            let cells: Vec<char> = l.chars().collect();
            let end = cells.len().min(header_end + 1);
            cells[..end].iter().rposition(|c| *c == '.').unwrap()
        })
        .collect();
    assert_eq!(points.len(), 1, "points at {points:?}\n{s}");
}

/// As seen: at 120 the detail pane's id wrapped to column 0, and long descriptions did too.
/// A value too long for its line goes on under its value column, or under its label whole.
#[test]
fn detail_lines_never_wrap_to_column_zero() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        select(&mut a, DESCRIBED);
        if !a.is_wide() {
            a.update(key(KeyCode::Enter));
        }
        let s = snap(&a);
        let id = a.table.selected_id().unwrap().to_string();
        let cust = a.selected_wallet().unwrap().customer_id.clone();
        assert!(s.contains(&id), "{w}x{h}: the id is not whole on one line\n{s}");
        assert!(s.contains(&cust), "{w}x{h}: the customer id is not whole\n{s}");
        assert!(s.contains("Acme Corp"), "{s}");
        // The detail pane: every line after its title line starts indented.
        let pane = pane(&a, &s);
        let title = a.selected_wallet().unwrap().display_name().to_string();
        for l in pane.iter().filter(|l| !l.trim().is_empty()) {
            assert!(
                l.starts_with(' ') || l.starts_with("──") || l.starts_with(&title),
                "{w}x{h}: a line at column 0: {l:?}\n{s}"
            );
        }
        let words = super::words(&pane.join("\n"));
        assert!(
            words.contains("Main usage wallet (more than 120 transactions: ledger paging)"),
            "{s}"
        );
    }
}

/// The rule behind every layout: a column is cut (text shortened, a figure compact) only when
/// no column beside it has blank room — for every set, at every size, on the demo rows.
#[test]
fn nothing_is_cut_while_the_row_has_room() {
    // Unfiltered, and a few short rows (names shorter than a column's minimum).
    let views = SIZES.iter().flat_map(|&size| {
        [
            (size, ""),
            (size, "globex corporation"),
            (size, "customer:acme-corp"),
        ]
    });
    for ((w, h), filter) in views {
        let mut a = app(w, h, false);
        if !filter.is_empty() {
            a.table
                .set_filter(Some(flexwallet::app::filter::Filter::parse(filter).unwrap()));
        }
        for _ in ColumnSet::ALL {
            let rows = on_screen(&a);
            let width = list_width(&a);
            let l = layout(&a, &rows, width);
            let total: u16 = l.cols.iter().map(|c| c.1).sum::<u16>() + l.cols.len() as u16 - 1;
            assert_eq!(total, width, "{w}x{h} {:?}: {:?}", a.column_set, l.cols);
            let needs = |col: Col| -> u16 {
                let title =
                    col.title().chars().count() as u16 + u16::from(col == Col::Data(a.table.sort.column));
                let cells = if matches!(
                    col,
                    Col::Delta
                        | Col::Data(flexwallet::app::Column::Balance | flexwallet::app::Column::Credits)
                ) {
                    // With live refresh on, the Change column keeps room for a usual change
                    // (`-150.00`), so one arriving redraws a cell, not the rows.
                    let kept = if col == Col::Delta { 7 } else { 0 };
                    aligned_need(&a, &rows, col).max(kept)
                } else {
                    rows.iter().map(|r| cell_need(&a, r, col)).max().unwrap_or(0)
                };
                cells.max(title)
            };
            let cut: Vec<Col> = l
                .cols
                .iter()
                .filter(|(c, w)| needs(*c) > *w)
                .map(|c| c.0)
                .collect();
            let slack: u16 = l
                .cols
                .iter()
                .filter(|(c, _)| *c != Col::Data(flexwallet::app::Column::Name))
                .map(|(c, w)| w.saturating_sub(needs(*c)))
                .sum();
            assert!(
                cut.is_empty() || slack == 0,
                "{w}x{h} {:?}: {cut:?} cut while {slack} cells are blank: {:?}",
                a.column_set,
                l.cols
            );
            a.update(key(KeyCode::Char('c')));
        }
    }
}

/// What a money column needs for its figures whole, their points lined up.
fn aligned_need(a: &App, rows: &[&flexwallet::app::table::Row], col: Col) -> u16 {
    use flexwallet::ui::columns::{after_point, aligned};
    let figures: Vec<String> = rows
        .iter()
        .filter_map(|r| flexwallet::ui::list::exact_figure(a, r, col))
        .collect();
    let reach = figures
        .iter()
        .filter(|f| !f.contains(' '))
        .map(|f| after_point(f))
        .max()
        .unwrap_or(0);
    figures
        .into_iter()
        .map(|f| aligned(f, reach).chars().count() as u16)
        .max()
        .unwrap_or(0)
}

/// What a cell needs to be whole.
fn cell_need(a: &App, r: &flexwallet::app::table::Row, col: Col) -> u16 {
    use flexwallet::app::Column as C;
    let w = &r.wallet;
    let n = |s: &str| s.chars().count() as u16;
    match col {
        Col::Marker | Col::Fresh => 1,
        Col::Data(C::Name) => n(w.display_name()),
        Col::Data(C::Customer) => n(&a.customer_label(&w.customer_id)),
        Col::External => a.customer(&w.customer_id).map_or(0, |c| n(&c.external_id)),
        Col::CustomerId => n(&w.customer_id),
        Col::Data(C::Id) => n(&w.id),
        Col::Data(C::Currency) => n(&w.currency),
        Col::Data(C::Balance | C::Credits) | Col::Delta => unreachable!("sized by aligned_need"),
        // Words from a short list: their column is as wide as the longest of them.
        Col::Data(C::Status) => 6,
        Col::Data(C::Type) => 9,
        Col::Data(C::Alert) => 10,
        Col::Data(C::Updated) => 7,
        Col::Data(C::Runway) => n(&flexwallet::ui::runway::cell_text(a, w)),
    }
}

/// The list's title gives up the column set's name before it runs into its corner: a filter
/// typed at 120 columns was cut (`· balances columns (c: n┐`).
#[test]
fn the_title_is_never_cut() {
    for ((w, h), filter) in SIZES.iter().flat_map(|&size| {
        [
            (size, ""),
            (size, "alert:in_alarm"),
            (size, "!status:closed currency:eur"),
        ]
    }) {
        let mut a = app(w, h, false);
        if !filter.is_empty() {
            a.table
                .set_filter(Some(flexwallet::app::filter::Filter::parse(filter).unwrap()));
        }
        let s = snap(&a);
        let top: Vec<char> = s.lines().nth(1).unwrap().chars().collect();
        let corner = top.iter().position(|c| *c == '┐').unwrap();
        assert!(
            matches!(top[corner - 1], '─' | ' '),
            "{w}x{h}: {}",
            top.iter().collect::<String>()
        );
        assert!(s.lines().nth(1).unwrap().contains(filter), "{s}");
    }
}
