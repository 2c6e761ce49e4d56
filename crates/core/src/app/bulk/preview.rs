//! The bulk plan's preview: its rows scrolled with the list's keys, the total typed into its own
//! field (digits only, so `j` and `k` never type), and the form it came from kept for `Esc`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tui_input::Input;

use super::BulkForm;
use crate::app::scroll::Extent;
use crate::key::{KeyCode, KeyEvent, KeyModifiers};
use crate::keymap::Command;
use flexprice_wire::models::Metadata;
use flexwallet_bulk::Issue;
use flexwallet_bulk::plan::Plan;

/// Where the preview's keys go: the rows (moved through with the list's keys) or the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreviewFocus {
    #[default]
    Rows,
    Total,
}

/// A value every row of the plan shares, or not (then it is shown per row).
#[derive(Debug, Clone, PartialEq)]
pub enum Shared<T> {
    Same(T),
    Varies,
}

impl<T: PartialEq + Clone> Shared<T> {
    /// What `values` share; `None` for no values at all.
    fn of(mut values: impl Iterator<Item = T>) -> Option<Shared<T>> {
        let first = values.next()?;
        Some(if values.all(|v| v == first) {
            Shared::Same(first)
        } else {
            Shared::Varies
        })
    }

    pub fn varies(&self) -> bool {
        matches!(self, Shared::Varies)
    }
}

impl<T: Clone> Shared<Option<&T>> {
    fn cloned(self) -> Shared<Option<T>> {
        match self {
            Shared::Same(v) => Shared::Same(v.cloned()),
            Shared::Varies => Shared::Varies,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Preview {
    pub plan: Arc<Plan>,
    pub typed: Input,
    /// The typed total was confirmed and is not the plan's.
    pub mismatch: bool,
    /// The rows are marked wallets, not lines of a file.
    pub from_marks: bool,
    /// The form the plan came from, as it was filled: `Esc` goes back to it.
    pub form: Option<Box<BulkForm>>,
    pub focus: PreviewFocus,
    /// The row under the cursor, and the first row on screen.
    pub selected: usize,
    pub offset: usize,
    /// `(row, issue)` pairs sorted by row; an issue is an index into [`Preview::issue`].
    pub row_issues: Arc<Vec<(usize, usize)>>,
    /// The issues that name no row of the plan (the job already ran, the usual not checked).
    pub general: Arc<Vec<usize>>,
    /// Warnings (not mistakes) that name a row.
    pub row_warnings: usize,
    pub expiry: Shared<Option<DateTime<Utc>>>,
    pub priority: Shared<Option<i64>>,
    pub description: Shared<Option<String>>,
    pub metadata: Shared<Option<Metadata>>,
    /// The rows the last frame had room for (page size and scrolling follow it).
    pub rows_shown: Arc<Extent>,
}

impl Preview {
    pub fn new(plan: Arc<Plan>, from_marks: bool, form: Option<Box<BulkForm>>) -> Preview {
        // Rows are in line order (a file's lines, or the marks' 1, 2, 3…): an issue's line finds
        // its row by a binary search, with no map of a million lines.
        let row_of = |issue: &Issue| {
            plan.rows
                .binary_search_by_key(&issue.line, |r| r.line)
                .ok()
                .filter(|_| issue.line > 0)
        };
        let mut row_issues = Vec::new();
        let mut general = Vec::new();
        for (i, issue) in plan.mistakes.iter().chain(&plan.warnings).enumerate() {
            match row_of(issue) {
                Some(row) => row_issues.push((row, i)),
                None => general.push(i),
            }
        }
        row_issues.sort_unstable();
        let row_warnings = row_issues
            .iter()
            .filter(|(_, i)| *i >= plan.mistakes.len())
            .count();
        let expiry =
            Shared::of(plan.rows.iter().map(|r| r.request.expiry_date_utc)).unwrap_or(Shared::Same(None));
        let priority = Shared::of(plan.rows.iter().map(|r| r.request.priority)).unwrap_or(Shared::Same(None));
        let description = Shared::of(plan.rows.iter().map(|r| r.request.description.as_ref()))
            .map_or(Shared::Same(None), |s| s.cloned());
        let metadata = Shared::of(plan.rows.iter().map(|r| r.request.metadata.as_ref()))
            .map_or(Shared::Same(None), |s| s.cloned());
        Preview {
            plan,
            typed: Input::default(),
            mismatch: false,
            from_marks,
            form,
            focus: PreviewFocus::Rows,
            selected: 0,
            offset: 0,
            row_issues: Arc::new(row_issues),
            general: Arc::new(general),
            row_warnings,
            expiry,
            priority,
            description,
            metadata,
            rows_shown: Arc::new(Extent::default()),
        }
    }

    /// Issue `i`: the plan's mistakes first, then its warnings.
    pub fn issue(&self, i: usize) -> Option<&Issue> {
        let m = self.plan.mistakes.len();
        if i < m {
            self.plan.mistakes.get(i)
        } else {
            self.plan.warnings.get(i - m)
        }
    }

    /// The issues of one row.
    pub fn issues_of(&self, row: usize) -> impl Iterator<Item = &Issue> {
        let from = self.row_issues.partition_point(|(r, _)| *r < row);
        self.row_issues[from..]
            .iter()
            .take_while(move |(r, _)| *r == row)
            .filter_map(|(_, i)| self.issue(*i))
    }

    /// Moves the cursor over the rows; the rows on screen follow it.
    fn move_to(&mut self, cmd: Command) {
        let last = self.plan.rows.len().saturating_sub(1);
        let page = usize::from(self.rows_shown.page());
        self.selected = match cmd {
            Command::Down => self.selected.saturating_add(1),
            Command::Up => self.selected.saturating_sub(1),
            Command::PageDown => self.selected.saturating_add(page),
            Command::PageUp => self.selected.saturating_sub(page),
            Command::Top => 0,
            Command::Bottom => last,
            _ => self.selected,
        }
        .min(last);
        self.offset = crate::app::follow(self.selected, self.offset, page);
    }

    /// A key for the total field: a digit, a separator, or editing. Letters are never typed.
    fn edits_total(&self, key: &KeyEvent) -> bool {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        match key.code {
            KeyCode::Char(c) => c.is_ascii_digit() || matches!(c, '.' | ',' | '_' | ' '),
            KeyCode::Backspace | KeyCode::Delete | KeyCode::Left | KeyCode::Right => true,
            KeyCode::Home | KeyCode::End => self.focus == PreviewFocus::Total,
            _ => false,
        }
    }

    /// A key on the preview; what the layer around it must do.
    pub fn on_key(&mut self, key: KeyEvent, cmd: Option<Command>) -> PreviewAnswer {
        if self.edits_total(&key) {
            self.focus = PreviewFocus::Total;
            super::super::form::confirm_input(&mut self.typed, key);
            self.mismatch = false;
            return PreviewAnswer::Stay;
        }
        match cmd {
            Some(Command::Back) => PreviewAnswer::Back,
            Some(Command::Confirm) if self.plan.confirms(self.typed.value()) => PreviewAnswer::Send,
            Some(Command::Confirm) => {
                self.mismatch = true;
                self.focus = PreviewFocus::Total;
                PreviewAnswer::Stay
            }
            Some(Command::NextField | Command::PrevField) => {
                self.focus = match self.focus {
                    PreviewFocus::Rows => PreviewFocus::Total,
                    PreviewFocus::Total => PreviewFocus::Rows,
                };
                PreviewAnswer::Stay
            }
            Some(
                c @ (Command::Down
                | Command::Up
                | Command::PageDown
                | Command::PageUp
                | Command::Top
                | Command::Bottom),
            ) => {
                self.move_to(c);
                PreviewAnswer::Stay
            }
            _ => PreviewAnswer::Stay,
        }
    }
}

/// What a key on the preview asks of the bulk layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewAnswer {
    Stay,
    /// Back to the form (or closed, for an imported file).
    Back,
    /// The total typed is the plan's: start the job.
    Send,
}
