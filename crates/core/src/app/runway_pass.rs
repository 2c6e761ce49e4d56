//! When a runway pass is due (at start, every [`runway::EVERY`], on `r`), and what its
//! progress and answer do to the table. A follower over `serve` runs none: the leader's pass
//! comes with its picture.

use std::sync::Arc;

use flexprice_wire::ApiError;

use super::runway::{self, Runways, Window};
use super::{App, Effect, share};
use crate::moment::Moment;

/// The pass in flight and the next one's time.
#[derive(Debug, Clone, Default)]
pub struct Pass {
    generation: u64,
    in_flight: bool,
    next_due: Option<Moment>,
}

impl App {
    /// A pass, if one is due (`force`: `r`, or the start) and none is under way.
    pub(super) fn runway_due(&mut self, force: bool) -> Option<Effect> {
        if self.feed == share::Feed::Follow || self.runway_pass.in_flight {
            return None;
        }
        if !force && self.runway_pass.next_due.is_some_and(|due| self.now < due) {
            return None;
        }
        let pass = &mut self.runway_pass;
        pass.generation += 1;
        pass.in_flight = true;
        let generation = pass.generation;
        let mut board = self.table.runway.clone();
        board.computing = Some((0, None));
        self.table.set_runway(board);
        Some(Effect::LoadRunway {
            generation,
            window: Window::ending(self.clock, runway::DEFAULT_WINDOW_HOURS),
        })
    }

    pub(super) fn on_runway_progress(
        &mut self,
        generation: u64,
        read: u64,
        total: Option<u64>,
    ) -> Vec<Effect> {
        if generation == self.runway_pass.generation && self.runway_pass.in_flight {
            let mut board = self.table.runway.clone();
            board.computing = Some((read, total));
            self.table.set_runway(board);
        }
        Vec::new()
    }

    pub(super) fn on_runway_loaded(
        &mut self,
        generation: u64,
        result: Result<Arc<Runways>, ApiError>,
    ) -> Vec<Effect> {
        if generation != self.runway_pass.generation {
            return Vec::new();
        }
        self.runway_pass.in_flight = false;
        let mut board = self.table.runway.clone();
        board.computing = None;
        match result {
            Ok(figures) => {
                board.figures = Some(figures);
                board.done_at = Some(self.clock);
                board.failed = None;
                self.runway_pass.next_due = Some(self.now + runway::EVERY);
            }
            Err(e) => {
                // The last figures stay, said to be as old as they are.
                self.log_error("runway (transactions search)", &e);
                board.failed = Some(e.to_string());
                self.runway_pass.next_due = Some(self.now + runway::RETRY);
            }
        }
        self.table.set_runway(board);
        Vec::new()
    }
}
