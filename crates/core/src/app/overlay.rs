//! Everything drawn over the list and detail, in one ordered stack: the top overlay takes the
//! keys, and the render draws them bottom to top.
//!
//! At most one overlay of each kind is on the stack: opening a kind already open brings it to
//! the top with its new contents, and an answer arriving for an overlay (a bulk plan, a ledger
//! page) updates it where it stands.

use super::bulk::BulkLayer;
use super::filter_input::FilterInput;
use super::form::FormState;
use super::json::JsonView;
use super::ledger::Ledger;
use super::overwrite::Overwrite;
use super::palette::Palette;
use super::timeline::Timeline;

// At most one of each kind is ever on the stack: boxing the large ones would save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys of every context, from the live keymap.
    Help { scroll: u16 },
    /// The error log.
    Errors { scroll: u16 },
    /// The message log: every flash, warning and error, whole.
    Messages { scroll: u16 },
    /// A wallet's transactions (`L`), over the list and detail.
    Ledger(Ledger),
    /// The raw JSON of a wallet or transaction (`J`).
    Json(JsonView),
    /// The filter line (`/`).
    Filter(FilterInput),
    /// The command palette (`:`).
    Palette(Palette),
    /// A top-up or update form, with its confirm stage.
    Form(FormState),
    /// The bulk top-up's form, plan, preview or progress.
    Bulk(BulkLayer),
    /// Quit was asked while a bulk job runs: stop it and quit, or go back.
    QuitQuestion,
    /// An export's file exists: replace it, or keep it.
    Overwrite(Overwrite),
    /// Every wallet's transactions in a window (`T`, `:timeline`).
    Timeline(Box<Timeline>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverlayKind {
    Help,
    Errors,
    Messages,
    Ledger,
    Json,
    Filter,
    Palette,
    Form,
    Bulk,
    QuitQuestion,
    Overwrite,
    Timeline,
}

impl Overlay {
    pub fn kind(&self) -> OverlayKind {
        match self {
            Overlay::Help { .. } => OverlayKind::Help,
            Overlay::Errors { .. } => OverlayKind::Errors,
            Overlay::Messages { .. } => OverlayKind::Messages,
            Overlay::Ledger(_) => OverlayKind::Ledger,
            Overlay::Json(_) => OverlayKind::Json,
            Overlay::Filter(_) => OverlayKind::Filter,
            Overlay::Palette(_) => OverlayKind::Palette,
            Overlay::Form(_) => OverlayKind::Form,
            Overlay::Bulk(_) => OverlayKind::Bulk,
            Overlay::QuitQuestion => OverlayKind::QuitQuestion,
            Overlay::Overwrite(_) => OverlayKind::Overwrite,
            Overlay::Timeline(_) => OverlayKind::Timeline,
        }
    }
}

/// The stack, bottom first.
#[derive(Debug, Clone, Default)]
pub struct Overlays(Vec<Overlay>);

macro_rules! accessors {
    ($get:ident, $get_mut:ident, $variant:ident, $ty:ty) => {
        pub fn $get(&self) -> Option<&$ty> {
            self.0.iter().rev().find_map(|o| match o {
                Overlay::$variant(x) => Some(x),
                _ => None,
            })
        }

        pub fn $get_mut(&mut self) -> Option<&mut $ty> {
            self.0.iter_mut().rev().find_map(|o| match o {
                Overlay::$variant(x) => Some(x),
                _ => None,
            })
        }
    };
}

impl Overlays {
    /// Bottom to top: the order they are drawn in.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.0.iter()
    }

    pub fn top(&self) -> Option<&Overlay> {
        self.0.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Overlay> {
        self.0.last_mut()
    }

    pub fn top_kind(&self) -> Option<OverlayKind> {
        self.top().map(Overlay::kind)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn has(&self, kind: OverlayKind) -> bool {
        self.0.iter().any(|o| o.kind() == kind)
    }

    /// Opens `overlay` on top; one of its kind already open is replaced.
    pub fn push(&mut self, overlay: Overlay) {
        self.close(overlay.kind());
        self.0.push(overlay);
    }

    /// Replaces the overlay of this kind where it stands, or opens it on top.
    pub fn set(&mut self, overlay: Overlay) {
        let kind = overlay.kind();
        match self.0.iter_mut().find(|o| o.kind() == kind) {
            Some(slot) => *slot = overlay,
            None => self.0.push(overlay),
        }
    }

    /// Closes the overlay of this kind, wherever it stands.
    pub fn close(&mut self, kind: OverlayKind) -> Option<Overlay> {
        let at = self.0.iter().position(|o| o.kind() == kind)?;
        Some(self.0.remove(at))
    }

    /// Closes the top overlay.
    pub fn pop(&mut self) -> Option<Overlay> {
        self.0.pop()
    }

    accessors!(ledger, ledger_mut, Ledger, Ledger);
    accessors!(json, json_mut, Json, JsonView);
    accessors!(filter, filter_mut, Filter, FilterInput);
    accessors!(palette, palette_mut, Palette, Palette);
    accessors!(form, form_mut, Form, FormState);
    accessors!(bulk, bulk_mut, Bulk, BulkLayer);
    accessors!(timeline, timeline_mut, Timeline, Box<Timeline>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_of_each_kind_the_newest_on_top_and_updates_in_place() {
        let mut s = Overlays::default();
        s.push(Overlay::Help { scroll: 0 });
        s.push(Overlay::Errors { scroll: 0 });
        s.push(Overlay::Help { scroll: 3 });
        let kinds: Vec<_> = s.iter().map(Overlay::kind).collect();
        assert_eq!(kinds, [OverlayKind::Errors, OverlayKind::Help]);
        assert!(matches!(s.top(), Some(Overlay::Help { scroll: 3 })));

        s.set(Overlay::Errors { scroll: 7 });
        let kinds: Vec<_> = s.iter().map(Overlay::kind).collect();
        assert_eq!(
            kinds,
            [OverlayKind::Errors, OverlayKind::Help],
            "set keeps the place"
        );
        assert!(matches!(s.iter().next(), Some(Overlay::Errors { scroll: 7 })));

        assert!(s.close(OverlayKind::Errors).is_some());
        assert!(s.close(OverlayKind::Errors).is_none());
        assert_eq!(s.top_kind(), Some(OverlayKind::Help));
        s.pop();
        assert!(s.is_empty());
    }
}
