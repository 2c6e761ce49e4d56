//! "FILE exists: replace it?": an export never replaces a file without asking. The runtime
//! writes only new files unless told to replace (`replace: false` first); when the file is
//! there it answers `FileExists`, and this question decides.

use std::path::PathBuf;

use super::{Action, App, Effect, FlashKind, Overlay, OverlayKind};
use crate::keymap::Command;

/// What was to be written when the file turned out to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingWrite {
    /// `:export FILE`: the wallets in view.
    View,
    /// `:export-results FILE`: the last bulk job's results.
    Results,
    /// `:export FILE` over the timeline: the transactions shown.
    Timeline,
}

/// The question on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    pub path: PathBuf,
    pub write: PendingWrite,
}

impl App {
    /// `:export FILE`: the wallets in view, in view order.
    pub(super) fn export_view(&mut self, path: PathBuf, replace: bool) -> Vec<Effect> {
        let wallets = self
            .table
            .view()
            .iter()
            .filter_map(|&i| self.table.rows.get(i as usize).map(|r| (*r.wallet).clone()))
            .collect();
        vec![Effect::ExportView {
            path,
            wallets,
            customers: self.table.shared_customers(),
            replace,
        }]
    }

    /// The file of an export is there: ask before replacing it.
    pub(super) fn on_file_exists(&mut self, path: PathBuf, write: PendingWrite) -> Vec<Effect> {
        self.overlays.push(Overlay::Overwrite(Overwrite { path, write }));
        Vec::new()
    }

    /// Enter replaces the file (what is written is what is in view now), Esc keeps it.
    pub(super) fn on_overwrite_key(&mut self, cmd: Option<Command>) -> Vec<Effect> {
        let Some(Overlay::Overwrite(q)) = self.overlays.top().cloned() else {
            return Vec::new();
        };
        match cmd {
            Some(Command::Confirm) => {
                self.overlays.close(OverlayKind::Overwrite);
                match q.write {
                    PendingWrite::View => self.export_view(q.path, true),
                    PendingWrite::Results => self.export_results_to(q.path, true),
                    PendingWrite::Timeline => self.export_timeline(q.path, true),
                }
            }
            Some(Command::Back) => {
                self.overlays.close(OverlayKind::Overwrite);
                self.flash(
                    FlashKind::Info,
                    format!("Kept {}: nothing was written", q.path.display()),
                );
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}

/// The runtime's answer when the file is there and `replace` was false.
pub fn exists(path: PathBuf, write: PendingWrite) -> Action {
    Action::FileExists { path, write }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tests::{code, loaded};
    use crate::key::KeyCode;

    fn palette(app: &mut App, text: &str) -> Vec<Effect> {
        crate::app::tests::key(app, ':');
        app.update(Action::Paste(text.into()));
        code(app, KeyCode::Enter)
    }

    #[test]
    fn export_asks_before_replacing_a_file() {
        let (mut app, _) = loaded(3);
        let effects = palette(&mut app, "export /tmp/x.csv");
        assert!(
            matches!(effects.as_slice(), [Effect::ExportView { replace: false, .. }]),
            "first ask for a new file only: {effects:?}"
        );
        app.update(exists("/tmp/x.csv".into(), PendingWrite::View));
        assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Overwrite));
        // Esc keeps the file.
        assert!(code(&mut app, KeyCode::Esc).is_empty());
        assert_eq!(app.overlays.top_kind(), None);
        assert!(app.flash.as_ref().unwrap().text.contains("nothing was written"));
        // Enter replaces it, with the view of now.
        app.update(exists("/tmp/x.csv".into(), PendingWrite::View));
        let effects = code(&mut app, KeyCode::Enter);
        let [
            Effect::ExportView {
                path,
                wallets,
                replace: true,
                ..
            },
        ] = effects.as_slice()
        else {
            panic!("{effects:?}");
        };
        assert_eq!(path, &PathBuf::from("/tmp/x.csv"));
        assert_eq!(wallets.len(), 3);
        assert_eq!(app.overlays.top_kind(), None);
    }
}
