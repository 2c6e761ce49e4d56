//! What goes into the reducer (actions) and what comes out of it (effects).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::moment::Moment;

use crate::key::KeyEvent;
use chrono::{DateTime, Utc};

use flexprice_wire::models::{TopUpRequest, TransactionPage, TransactionQuery, UpdateWalletRequest, Wallet};
use flexprice_wire::{ApiError, TopUpOutcome};
use flexwallet_bulk::{DraftRow, Issue, JobReport, Plan, Progress};

/// Every user intent and every API result. The reducer turns them into state and effects.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved: expire flashes, age the status bar, advance spinners.
    Tick {
        now: Moment,
        clock: DateTime<Utc>,
    },
    /// The live-refresh timer fired.
    RefreshDue,
    /// The whole list (`GET /wallets`).
    WalletsLoaded {
        generation: u64,
        result: Result<Vec<Wallet>, ApiError>,
    },
    /// Every customer (`GET /customers`, paged): their names and external ids by id, kept
    /// page by page ([`super::customers::by_id`]) so 50,000 customers are never held whole.
    CustomersLoaded {
        generation: u64,
        result: Result<super::customers::Customers, ApiError>,
    },
    /// The wallets in view, refreshed (`POST /wallets/search` by ids).
    WalletsRefreshed {
        generation: u64,
        ids: Vec<String>,
        result: Result<Vec<Wallet>, ApiError>,
    },
    /// One wallet's real-time balance with its breakdown.
    BalanceLoaded {
        generation: u64,
        wallet_id: String,
        result: Result<Box<Wallet>, ApiError>,
    },
    /// The answer to a top-up sent from the form.
    TopUpDone {
        wallet_id: String,
        result: Result<TopUpOutcome, ApiError>,
    },
    /// The answer to `POST /wallets` (and the update after it, if one was needed).
    WalletCreated {
        result: Result<super::lifecycle::Created, ApiError>,
    },
    /// The answer to a terminate: the wallet read back after it (`None`: it could not be read).
    Terminated {
        wallet_id: String,
        result: Result<Option<Box<Wallet>>, ApiError>,
    },
    /// The answer to a manual debit.
    Debited {
        wallet_id: String,
        result: Result<super::lifecycle::Debited, ApiError>,
    },
    /// The answer to an update sent from the form.
    UpdateDone {
        wallet_id: String,
        result: Result<Box<Wallet>, ApiError>,
    },
    /// A bulk plan built by the engine (from the marks or an imported CSV), or its problems.
    BulkPlanned {
        source: String,
        result: Result<Plan, Vec<Issue>>,
    },
    /// One event of the running bulk job (the last one carries the report).
    BulkProgress(Progress),
    /// The bulk job could not start (its journal could not be opened).
    BulkFailed(String),
    /// `:export-results` finished.
    ResultsExported(Result<PathBuf, String>),
    /// One page of the ledger on screen.
    LedgerLoaded {
        generation: u64,
        wallet_id: String,
        result: Result<TransactionPage, ApiError>,
    },
    /// The newest page of the ledger on screen, fetched by live refresh.
    LedgerHeadLoaded {
        generation: u64,
        wallet_id: String,
        result: Result<TransactionPage, ApiError>,
    },
    /// A page of the timeline's window, or of what is new (`head`).
    TimelineLoaded {
        generation: u64,
        head: bool,
        result: Result<TransactionPage, ApiError>,
    },
    /// The timeline's pending transactions asked again (see `Timeline::recheck_pending`).
    TimelineRechecked {
        generation: u64,
        result: Result<TransactionPage, ApiError>,
    },
    /// The timeline's `:export FILE` finished: the path and how many transactions were written.
    TimelineExported(Result<(PathBuf, usize), String>),
    /// A wallet's body exactly as the API returned it (`J`).
    RawWalletLoaded {
        wallet_id: String,
        result: Result<String, ApiError>,
    },
    /// `:wallet ID` for a wallet the list did not hold.
    WalletFound {
        wallet_id: String,
        result: Result<Box<Wallet>, ApiError>,
    },
    /// `:export FILE` finished: the path and how many wallets were written.
    ViewExported(Result<(PathBuf, usize), String>),
    /// An export's file is already there and was not to be replaced: ask first.
    FileExists {
        path: PathBuf,
        write: super::overwrite::PendingWrite,
    },
    /// A wallet's usual top-up (`None`: too few top-ups to have one).
    UsualLoaded {
        wallet_id: String,
        result: Result<Option<flexwallet_bulk::mistakes::Usual>, ApiError>,
    },
    /// The change feed answered: the wallets with a transaction since the feed's last look.
    ChangesLoaded {
        generation: u64,
        result: Result<flexprice_wire::models::Changes, ApiError>,
    },
    /// The wallets the change feed named, fetched again.
    ChangedRefreshed {
        generation: u64,
        ids: Vec<String>,
        result: Result<Vec<Wallet>, ApiError>,
    },
    /// Following (over `serve`): the leader's picture moved on.
    Followed(Arc<super::share::Picture>),
    /// Leading: a follower's fresh copies of wallets, and the ids whose refresh failed.
    Shared {
        wallets: Vec<Wallet>,
        failed: Vec<String>,
    },
    /// `:profile NAME` finished: who we talk to now and whether that profile is read-only.
    ProfileSwitched(Result<super::Switched, String>),
    /// Whether the audit log can be written (told at start, when a line fails, and after a
    /// profile switch). `Err` says which file and why; writes are refused while it lasts.
    AuditLog(Result<(), String>),
    /// A runway pass read `read` of the window's `total` transactions so far.
    RunwayProgress {
        generation: u64,
        read: u64,
        total: Option<u64>,
    },
    /// A runway pass finished: every wallet's burn over the window.
    RunwayLoaded {
        generation: u64,
        result: Result<Arc<super::runway::Runways>, ApiError>,
    },
}

/// Side effects the runtime performs; results come back as actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadWallets {
        generation: u64,
    },
    RefreshWallets {
        generation: u64,
        ids: Vec<String>,
    },
    /// List every customer (answers with `CustomersLoaded`): asked with each list of the
    /// wallets, so a wallet's owner is named without a call per wallet.
    LoadCustomers {
        generation: u64,
    },
    LoadBalance {
        generation: u64,
        wallet_id: String,
    },
    /// Read a wallet's usual top-up from its ledger (answers with `UsualLoaded`).
    LoadUsual {
        wallet_id: String,
    },
    /// Ask the change feed which wallets have a transaction created since `since`.
    LoadChanges {
        generation: u64,
        since: DateTime<Utc>,
    },
    /// Fetch the wallets the change feed named (answers with `ChangedRefreshed`).
    RefreshChanged {
        generation: u64,
        ids: Vec<String>,
    },
    /// Top up a wallet. The runtime writes the audit line first (sending) and sends nothing if
    /// it cannot; the outcome's line follows the answer.
    TopUp {
        wallet_id: String,
        request: TopUpRequest,
    },
    /// `PUT /wallets/{id}` with only the changed fields (audited too).
    UpdateWallet {
        wallet_id: String,
        request: UpdateWalletRequest,
    },
    /// `POST /wallets`, then `PUT /wallets/{id}` with `follow_up` unless it is empty (what the
    /// create does not take: name, price types). Audited like a top-up: a line before each
    /// request, one after its answer.
    CreateWallet {
        request: Box<flexprice_wire::models::CreateWalletRequest>,
        follow_up: UpdateWalletRequest,
    },
    /// `POST /wallets/{id}/terminate` (audited).
    Terminate {
        wallet_id: String,
    },
    /// `POST /wallets/{id}/debit`, `MANUAL_BALANCE_DEBIT` (audited); the request's key is kept
    /// across retries of the same confirm.
    Debit {
        wallet_id: String,
        request: flexprice_wire::models::DebitRequest,
    },
    /// Put text on the clipboard of the operator's terminal (OSC 52: works over SSH).
    Copy(String),
    /// Look up the drafts' wallets and build the plan (answers with `BulkPlanned`).
    PlanBulk {
        drafts: Vec<DraftRow>,
        source: String,
    },
    /// Read and validate a CSV with the engine (answers with `BulkPlanned`).
    ImportPlan {
        path: PathBuf,
        options: flexwallet_bulk::plan::ImportOptions,
    },
    /// Open the job's journal and run the executor; progress comes back as `BulkProgress`.
    StartBulk {
        plan: Arc<Plan>,
        journal_path: PathBuf,
    },
    /// Stop the running job: no new rows, rows in flight finish and are journaled.
    CancelBulk,
    ExportResults {
        path: PathBuf,
        report: Arc<JobReport>,
        /// Files the results must not replace, with what each is: the plan's CSV, the journal.
        protect: Vec<(PathBuf, String)>,
        /// Replace a file already at `path` (the operator said so); otherwise answer
        /// `FileExists`.
        replace: bool,
    },
    /// One page of a wallet's ledger (answers with `LedgerLoaded`).
    LoadLedger {
        generation: u64,
        wallet_id: String,
        query: TransactionQuery,
    },
    /// The newest ledger page again, for live refresh (answers with `LedgerHeadLoaded`).
    LoadLedgerHead {
        generation: u64,
        wallet_id: String,
        query: TransactionQuery,
    },
    /// A page of every wallet's transactions (answers with `TimelineLoaded`): the timeline's
    /// window, or (`head`) what is new since its newest.
    LoadTimeline {
        generation: u64,
        head: bool,
        search: flexprice_wire::models::TransactionSearch,
    },
    /// The span of the timeline's pending transactions, asked again (answers with
    /// `TimelineRechecked`).
    RecheckTimeline {
        generation: u64,
        search: flexprice_wire::models::TransactionSearch,
    },
    /// Write the timeline's rows as CSV (answers with `TimelineExported`, or `FileExists`).
    ExportTimeline {
        path: PathBuf,
        header: Vec<&'static str>,
        rows: Vec<Vec<String>>,
        replace: bool,
    },
    /// `GET /wallets/{id}` kept as text (answers with `RawWalletLoaded`).
    LoadRawWallet {
        wallet_id: String,
    },
    /// `GET /wallets/{id}` (answers with `WalletFound`).
    FindWallet {
        wallet_id: String,
    },
    /// Write these wallets (the view, in its order) as CSV (answers with `ViewExported`).
    ExportView {
        path: PathBuf,
        wallets: Vec<Wallet>,
        /// The customers the console knows (their names and external ids are written beside
        /// the wallets' customer ids).
        customers: std::sync::Arc<crate::app::customers::Customers>,
        /// Replace a file already at `path` (the operator said so); otherwise answer
        /// `FileExists`.
        replace: bool,
    },
    /// Following: hand what this console fetched to the leader (answers with its picture).
    Share {
        wallets: Vec<Wallet>,
        failed: Vec<String>,
    },
    /// Read every wallet's transactions in the window, one paged search for them all, into
    /// a runway pass (answers with `RunwayProgress`, then `RunwayLoaded`).
    LoadRunway {
        generation: u64,
        window: super::runway::Window,
    },
    /// The live refresh interval changed (zero: off).
    SetRefresh(Duration),
    /// Talk to another profile of the config file (answers with `ProfileSwitched`).
    SwitchProfile(String),
    Quit,
}

impl Effect {
    /// What the gate must allow before this effect may leave the core.
    pub fn capability(&self) -> Option<super::gate::Capability> {
        use super::gate::Capability;
        match self {
            Effect::TopUp { .. } => Some(Capability::TopUp),
            Effect::UpdateWallet { .. } => Some(Capability::Update),
            Effect::CreateWallet { .. } => Some(Capability::Create),
            Effect::Terminate { .. } => Some(Capability::Terminate),
            Effect::Debit { .. } => Some(Capability::Debit),
            Effect::PlanBulk { .. } | Effect::StartBulk { .. } => Some(Capability::Bulk),
            Effect::ImportPlan { .. } => Some(Capability::Import),
            Effect::ExportView { .. } | Effect::ExportTimeline { .. } => Some(Capability::Export),
            Effect::ExportResults { .. } => Some(Capability::ExportResults),
            Effect::SwitchProfile(_) => Some(Capability::SwitchProfile),
            _ => None,
        }
    }
}
