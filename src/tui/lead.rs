//! The leader of `serve`: one headless console that lists and refreshes the wallets for every
//! session (the list, its re-lists, the change feed and the wallets it names) and publishes its
//! picture. Each session's console follows it: one copy of the wallets in memory however many
//! operators are logged in, and what a session fetches for itself (the rows on its screen, a
//! balance, a top-up's answer) comes back here for everyone.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flexprice_wire::models::Wallet;
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::api::Reads;
use crate::app::share::{Feed, Picture};
use crate::app::{Action, App, Effect, Origin};
use crate::keymap::Keymap;

/// What a session needs to follow the leader.
#[derive(Clone)]
pub struct Follow {
    /// The leader's latest picture.
    pub pictures: watch::Receiver<Arc<Picture>>,
    /// Where a session's fresh wallets (and the ids whose refresh failed) go.
    pub share: mpsc::UnboundedSender<(Vec<Wallet>, Vec<String>)>,
    /// The leader's clock origin: every console's moments are on the same clock, so a row's
    /// fetch time means the same thing in every session.
    pub origin: Instant,
}

/// Starts the leader: it lists the wallets now and refreshes at each of `ticks` until `stop`.
pub fn spawn(
    reads: Reads,
    refresh: Duration,
    ticks: Option<BoxStream<'static, ()>>,
    stop: CancellationToken,
) -> Result<Follow, String> {
    let origin = Instant::now();
    let moment = move || flexwallet_core::moment::Moment::after(origin.elapsed());
    let keymap = Keymap::builtin().map_err(|e| format!("the built-in keymap: {e}"))?;
    let mut app = App::new(
        keymap,
        Origin::default(),
        true,
        refresh,
        moment(),
        chrono::Utc::now(),
        super::runtime_env(),
    );
    app.feed = Feed::Lead;
    let (pictures_tx, pictures) = watch::channel(Arc::new(app.picture()));
    let (share, mut shared) = mpsc::unbounded_channel::<(Vec<Wallet>, Vec<String>)>();
    tokio::spawn(async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut runner = Runner {
            reads,
            tx,
            slots: HashMap::new(),
        };
        for e in app.start() {
            runner.run(e);
        }
        let mut ticks = ticks;
        loop {
            let action = tokio::select! {
                Some(a) = rx.recv() => a,
                Some((wallets, failed)) = shared.recv() => Action::Shared { wallets, failed },
                _ = async { match ticks.as_mut() { Some(t) => { t.next().await; } None => std::future::pending().await } } => Action::RefreshDue,
                _ = tokio::time::sleep(Duration::from_secs(1)) => Action::Tick { now: moment(), clock: chrono::Utc::now() },
                _ = stop.cancelled() => break,
            };
            let publish = !matches!(action, Action::Tick { .. });
            if publish {
                app.now = moment();
                app.clock = chrono::Utc::now();
            }
            let reloaded = matches!(
                action,
                Action::WalletsLoaded { .. } | Action::CustomersLoaded { .. }
            );
            for e in app.update(action) {
                runner.run(e);
            }
            // Answers that came together make one picture: the sessions' screens refresh on
            // the same tick, and their rows arrive within moments of each other.
            while let Ok((wallets, failed)) = shared.try_recv() {
                app.update(Action::Shared { wallets, failed });
            }
            if publish {
                pictures_tx.send_replace(Arc::new(app.picture()));
            }
            if reloaded {
                super::memory::release_freed();
            }
        }
    });
    Ok(Follow {
        pictures,
        share,
        origin,
    })
}

/// The leader's reads, one task per kind (a newer one replaces an older).
struct Runner {
    reads: Reads,
    tx: mpsc::UnboundedSender<Action>,
    slots: HashMap<&'static str, AbortHandle>,
}

impl Runner {
    fn spawn<F>(&mut self, slot: &'static str, fut: F)
    where
        F: Future<Output = Action> + Send + 'static,
    {
        if let Some(old) = self.slots.remove(slot) {
            old.abort();
        }
        let tx = self.tx.clone();
        let handle = tokio::spawn(async move {
            let _ = tx.send(fut.await);
        });
        self.slots.insert(slot, handle.abort_handle());
    }

    fn run(&mut self, effect: Effect) {
        let reads = self.reads.clone();
        match effect {
            Effect::LoadWallets { generation } => self.spawn("list", async move {
                Action::WalletsLoaded {
                    generation,
                    result: reads.list_wallets().await,
                }
            }),
            // The customers' names go into the picture with the wallets: listed once here,
            // not once per session.
            Effect::LoadCustomers { generation } => self.spawn("customers", async move {
                Action::CustomersLoaded {
                    generation,
                    result: super::list_customers(&reads).await,
                }
            }),
            Effect::LoadChanges { generation, since } => self.spawn("changes", async move {
                Action::ChangesLoaded {
                    generation,
                    result: reads.changed_wallets(since).await,
                }
            }),
            Effect::RefreshChanged { generation, ids } => self.spawn("changed", async move {
                Action::ChangedRefreshed {
                    generation,
                    result: reads.wallets_by_id(&ids).await,
                    ids,
                }
            }),
            // One pass for every session: its figures go out in the picture.
            Effect::LoadRunway { generation, window } => {
                let tx = self.tx.clone();
                self.spawn(
                    "runway",
                    super::runway::run(reads.client().clone(), generation, window, tx),
                );
            }
            // A leader has no screen, no keys and writes nothing.
            other => tracing::debug!(effect = ?other, "the leader ignores an effect"),
        }
    }
}
