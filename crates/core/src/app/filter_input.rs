//! The filter line (`/`): typed text, apply on Enter, a bad term explained under the input.

use super::{Overlay, OverlayKind};
use crate::key::KeyEvent;
use crate::key::to_input_request;
use tui_input::Input;

use super::filter::Filter;
use super::{App, Effect, FlashKind};
use crate::keymap::Command;

#[derive(Debug, Clone, Default)]
pub struct FilterInput {
    pub input: Input,
    /// Why the last Enter was refused; the previous filter stays active meanwhile.
    pub error: Option<String>,
    /// What the filter applies to: the wallets, or the timeline's transactions.
    pub target: FilterTarget,
}

/// What a filter line filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FilterTarget {
    #[default]
    Wallets,
    /// The timeline's transactions (`app::timeline::filter`).
    Timeline,
}

impl FilterInput {
    pub fn paste(&mut self, text: &str) {
        let mut value = self.input.value().to_string();
        let at = value
            .char_indices()
            .nth(self.input.cursor())
            .map(|(i, _)| i)
            .unwrap_or(value.len());
        // A pasted id may come with a newline (or worse): the filter is one line.
        let clean = flexprice_wire::text::clean(text);
        value.insert_str(at, &clean);
        let cursor = self.input.cursor() + clean.chars().count();
        self.input = Input::new(value).with_cursor(cursor);
        self.error = None;
    }
}

impl App {
    pub(super) fn open_filter(&mut self) {
        let current = self
            .table
            .filter
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default();
        self.open_filter_for(FilterTarget::Wallets, current);
    }

    pub(super) fn open_filter_for(&mut self, target: FilterTarget, current: String) {
        self.overlays.push(Overlay::Filter(FilterInput {
            input: Input::new(current),
            error: None,
            target,
        }));
    }

    /// Applies `text` as the filter; on a bad term the previous filter stays and the reason is
    /// returned.
    pub fn apply_filter(&mut self, text: &str) -> Result<(), String> {
        let filter = Filter::parse(text).map_err(|e| e.to_string())?;
        self.table.set_filter(Some(filter));
        self.table.scroll_into_view(self.list_height());
        Ok(())
    }

    fn submit_timeline_filter(&mut self) {
        let text = self
            .overlays
            .filter()
            .map(|f| f.input.value().to_string())
            .unwrap_or_default();
        match self.apply_timeline_filter(&text) {
            Ok(shown) => {
                self.overlays.close(OverlayKind::Filter);
                let held = self.overlays.timeline().map_or(0, |t| t.entries.len());
                let text = if text.trim().is_empty() {
                    "Timeline filter cleared".to_string()
                } else {
                    format!("Timeline filter {}: {shown} of {held} transactions", text.trim())
                };
                self.flash(FlashKind::Info, text);
            }
            Err(e) => {
                if let Some(f) = self.overlays.filter_mut() {
                    f.error = Some(e);
                }
            }
        }
    }

    /// A key for the filter line on top.
    pub(super) fn on_filter_key(&mut self, key: KeyEvent, cmd: Option<Command>) -> Vec<Effect> {
        match cmd {
            Some(Command::Back) => {
                self.overlays.close(OverlayKind::Filter);
                Vec::new()
            }
            Some(Command::Submit)
                if self
                    .overlays
                    .filter()
                    .is_some_and(|f| f.target == FilterTarget::Timeline) =>
            {
                self.submit_timeline_filter();
                Vec::new()
            }
            Some(Command::Submit) => {
                let text = self
                    .overlays
                    .filter()
                    .map(|f| f.input.value().to_string())
                    .unwrap_or_default();
                let before = self.table.selected_id().map(str::to_string);
                match self.apply_filter(&text) {
                    Ok(()) => {
                        self.overlays.close(OverlayKind::Filter);
                        let shown = self.table.view().len();
                        let text = match &self.table.filter {
                            Some(f) => format!("Filter {}: {shown} of {} wallets", f.text, self.table.len()),
                            None => "Filter cleared: all wallets shown".to_string(),
                        };
                        self.flash(FlashKind::Info, text);
                    }
                    Err(e) => {
                        if let Some(f) = self.overlays.filter_mut() {
                            f.error = Some(e);
                        }
                    }
                }
                if self.loaded_once && self.table.selected_id() != before.as_deref() {
                    self.detail_scroll = 0;
                    return self.load_balance().into_iter().collect();
                }
                Vec::new()
            }
            _ => {
                if let Some(f) = self.overlays.filter_mut()
                    && let Some(req) = to_input_request(&key)
                {
                    f.input.handle(req);
                    f.error = None;
                }
                Vec::new()
            }
        }
    }
}
