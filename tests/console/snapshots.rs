//! Whole screens on ratatui's TestBackend, from the sandbox's deterministic demo data.

use std::sync::OnceLock;
use std::time::Duration;

use flexwallet::moment::Moment;

use chrono::{TimeZone, Utc};
use flexwallet::key::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

use flexwallet::api::models::{TransactionPage, TransactionQuery, Wallet};
use flexwallet::api::{ApiError, RetryPolicy};
use flexwallet::app::{Action, App, Effect, Origin};
use flexwallet::keymap::Keymap;
use flexwallet::ui::{self, Theme};

/// The demo wallets and the real-time balance of each, fetched once from an embedded sandbox.
struct Demo {
    wallets: Vec<Wallet>,
    /// Every customer: the list names each wallet's owner.
    customers: Vec<flexwallet::api::models::Customer>,
    balances: Vec<(String, Wallet)>,
    /// The first ledger page and the raw body of [`LEDGER_WALLET`].
    ledger: TransactionPage,
    raw: String,
}

/// A wallet with more than a page of transactions, one of them a pending invoiced top-up.
const LEDGER_WALLET: &str = "Acme Corp – usage credits";

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (sb, client) = crate::forms_sandbox::sandbox_and_client(RetryPolicy::default()).await;
            let wallets = client.list_wallets(None).await.unwrap();
            let customers = client
                .list_customers(&flexwallet::api::models::CustomerFilter {
                    order: Some("asc".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
            let mut balances = Vec::new();
            for w in &wallets {
                balances.push((w.id.clone(), client.real_time_balance(&w.id).await.unwrap()));
            }
            let id = &wallets
                .iter()
                .find(|w| w.display_name() == LEDGER_WALLET)
                .unwrap()
                .id;
            let query = TransactionQuery {
                limit: Some(50),
                offset: Some(0),
                ..Default::default()
            };
            let ledger = client.transactions_page(id, &query).await.unwrap();
            let raw = client.get_wallet_raw(id).await.unwrap();
            sb.shutdown().await;
            Demo {
                wallets,
                customers,
                balances,
                ledger,
                raw,
            }
        })
    })
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

/// An app at a fixed clock, `width`x`height`, started (its first list asked for, not answered).
fn started(width: u16, height: u16, read_only: bool, origin: Origin) -> App {
    let clock = Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap();
    let mut app = App::new(
        Keymap::builtin().unwrap(),
        origin,
        read_only,
        Duration::from_secs(5),
        Moment::from_secs(1_000),
        clock,
        flexwallet::app::Env::sequential("/nonexistent/flexwallet-jobs"),
    );
    app.update(Action::Resize(width, height));
    app.start();
    app
}

/// An app loaded with the demo data, at a fixed clock, `width`x`height`.
pub(crate) fn app(width: u16, height: u16, read_only: bool) -> App {
    let d = demo();
    let origin = Origin {
        profile: "demo".into(),
        host: "sandbox:8080".into(),
        environment: Some("env_demo".into()),
        key_source: "FLEXPRICE_API_KEY".into(),
    };
    let mut app = started(width, height, read_only, origin);
    let now = app.now;
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(d.wallets.clone()),
    });
    app.update(Action::CustomersLoaded {
        generation: 1,
        result: Ok(flexwallet::app::customers::by_id(d.customers.clone())),
    });
    app.live.last_success = Some(now);
    balance_for_selected(&mut app);
    app
}

/// Delivers the real-time balance of the selected wallet, as the runtime would.
fn balance_for_selected(app: &mut App) {
    let Some(id) = app.table.selected_id().map(str::to_string) else {
        return;
    };
    let Some((_, w)) = demo().balances.iter().find(|(i, _)| *i == id) else {
        return;
    };
    let generation = app.live.balance_generation;
    app.update(Action::BalanceLoaded {
        generation,
        wallet_id: id,
        result: Ok(Box::new(w.clone())),
    });
}

fn select(app: &mut App, name: &str) {
    let pos = app
        .table
        .view()
        .iter()
        .position(|&i| app.table.rows[i as usize].wallet.display_name() == name);
    let pos = pos.unwrap_or_else(|| panic!("no wallet named {name}"));
    app.update(key(KeyCode::Home));
    for _ in 0..pos {
        app.update(key(KeyCode::Down));
    }
    balance_for_selected(app);
}

fn screen(app: &App, theme: Theme) -> (String, Terminal<TestBackend>) {
    let mut term = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    term.draw(|f| ui::render(app, &theme, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let line: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    (out, term)
}

/// The screen's words in order, frame lines and wrapping taken out: a message wrapped over
/// several lines reads as one.
fn words(screen: &str) -> String {
    screen
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn snap(app: &App) -> String {
    screen(app, Theme::sixteen()).0
}

const SHOWCASE: &str = "Initech – AI tokens";

#[test]
fn list_and_detail_side_by_side_120x40() {
    let mut a = app(120, 40, false);
    select(&mut a, SHOWCASE);
    insta::assert_snapshot!("list_detail_120x40", snap(&a));
}

#[test]
fn list_80x24() {
    let a = app(80, 24, false);
    insta::assert_snapshot!("list_80x24", snap(&a));
}

#[test]
fn detail_80x24() {
    let mut a = app(80, 24, false);
    select(&mut a, SHOWCASE);
    a.update(key(KeyCode::Enter));
    insta::assert_snapshot!("detail_80x24", snap(&a));
}

#[test]
fn read_only_80x24() {
    let mut a = app(80, 24, true);
    a.update(key(KeyCode::Char('t')));
    let s = snap(&a);
    assert!(s.contains("READ-ONLY") && s.contains("read-only mode"), "{s}");
    a.update(key(KeyCode::Char('?')));
    let help = snap(&a);
    assert!(
        !help.contains("Top up wallet") && !help.contains("Edit wallet"),
        "{help}"
    );
    insta::assert_snapshot!("read_only_80x24", s);
    insta::assert_snapshot!("read_only_help_80x24", help);
}

#[test]
fn error_flash_80x24() {
    let mut a = app(80, 24, false);
    a.update(key(KeyCode::Char('r')));
    let generation = a.live.list_generation;
    let err = ApiError::from_reply(
        503,
        "/wallets",
        r#"{"code":"service_unavailable","message":"Service unavailable","http_status_code":503}"#,
    );
    a.update(Action::WalletsLoaded {
        generation,
        result: Err(err),
    });
    let s = snap(&a);
    assert!(s.contains("503 service_unavailable"), "{s}");
    insta::assert_snapshot!("error_flash_80x24", s);
    a.update(key(KeyCode::Char('E')));
    insta::assert_snapshot!("error_log_80x24", snap(&a));
}

#[test]
fn no_color_has_no_colors_but_the_same_words() {
    let mut a = app(120, 40, false);
    select(&mut a, SHOWCASE);
    let (text, term) = screen(&a, Theme::plain());
    let buf = term.backend().buffer();
    let colored = buf
        .content
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(colored, 0, "NO_COLOR screen has {colored} coloured cells");
    assert_eq!(text, snap(&a), "NO_COLOR must not change any word or glyph");
    let (_, colored_term) = screen(&a, Theme::sixteen());
    assert!(
        colored_term
            .backend()
            .buffer()
            .content
            .iter()
            .any(|c| c.fg == Color::Red),
        "the 16-colour theme uses red for in_alarm"
    );
    insta::assert_snapshot!("no_color_120x40", text);
}

fn top_up_form(a: &mut App) {
    select(a, SHOWCASE);
    a.update(key(KeyCode::Char('t')));
}

/// The idempotency key is random: show a fixed one in snapshots.
fn fixed_key(s: String) -> String {
    let re_start = s.find("fw-");
    match re_start {
        Some(i) => {
            let end = s[i..]
                .find(|c: char| c.is_whitespace())
                .map(|e| i + e)
                .unwrap_or(s.len());
            format!("{}fw-KEY{}", &s[..i], " ".repeat(end - i - 6) + &s[end..])
        }
        None => s,
    }
}

#[test]
fn top_up_form_empty_filled_and_error() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = app(w, h, false);
        top_up_form(&mut a);
        insta::assert_snapshot!(format!("topup_empty_{w}x{h}"), fixed_key(snap(&a)));
        chars(&mut a, "25");
        a.update(key(KeyCode::Tab));
        a.update(key(KeyCode::Tab));
        chars(&mut a, "+30d");
        insta::assert_snapshot!(format!("topup_filled_{w}x{h}"), fixed_key(snap(&a)));
        a.update(key(KeyCode::BackTab));
        a.update(key(KeyCode::BackTab));
        chars(&mut a, ".0000000001");
        a.update(key(KeyCode::Enter));
        let s = fixed_key(snap(&a));
        assert!(s.contains("at most 9 decimal places"), "{s}");
        insta::assert_snapshot!(format!("topup_error_{w}x{h}"), s);
    }
}

#[test]
fn update_form_empty_filled_and_error() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = app(w, h, false);
        select(&mut a, SHOWCASE);
        a.update(key(KeyCode::Char('e')));
        insta::assert_snapshot!(format!("update_open_{w}x{h}"), snap(&a));
        chars(&mut a, " (prod)");
        insta::assert_snapshot!(format!("update_filled_{w}x{h}"), snap(&a));
        // Warning threshold on the wrong side of critical.
        let warning = a
            .overlays
            .form()
            .unwrap()
            .fields()
            .iter()
            .position(|f| f.id == "alert_settings.warning.threshold")
            .unwrap();
        while a.overlays.form().unwrap().focus != warning {
            a.update(key(KeyCode::Tab));
        }
        for _ in 0..12 {
            a.update(key(KeyCode::Backspace));
        }
        chars(&mut a, "1");
        a.update(key(KeyCode::Enter));
        let s = snap(&a);
        assert!(s.contains("warning threshold must be at or above"), "{s}");
        insta::assert_snapshot!(format!("update_error_{w}x{h}"), s);
    }
}

#[path = "snapshots_bulk.rs"]
mod bulk;

#[path = "snapshots_incident.rs"]
mod incident;

#[path = "snapshots_forms.rs"]
mod forms;

#[path = "snapshots_layers.rs"]
mod layers;

#[path = "snapshots_customers.rs"]
mod customers;

#[test]
fn filter_line_applied_and_bad_term() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = app(w, h, false);
        a.update(key(KeyCode::Char('/')));
        chars(&mut a, "alert:in_alarm");
        insta::assert_snapshot!(format!("filter_typing_{w}x{h}"), snap(&a));
        a.update(key(KeyCode::Enter));
        let s = snap(&a);
        assert!(s.contains("· /alert:in_alarm"), "{s}");
        insta::assert_snapshot!(format!("filter_applied_{w}x{h}"), s);
        a.update(key(KeyCode::Char('/')));
        chars(&mut a, " balance<lots");
        a.update(key(KeyCode::Enter));
        let s = snap(&a);
        assert!(s.contains("`balance<lots`: `lots` is not a number"), "{s}");
        assert!(s.contains("· /alert:in_alarm "), "the previous filter stays: {s}");
        insta::assert_snapshot!(format!("filter_bad_term_{w}x{h}"), s);
    }
}

/// As seen: 12,349,479.50 credits showed `2,349,479.50`, -1,234,567.50 lost its sign, and a
/// +12,345,678 change showed `45,679.50`. Every figure on screen is whole, or compact and
/// marked `≈`, at every width; never a different number.
#[test]
fn big_and_negative_figures_are_never_cut() {
    for (w, h) in [(80, 24), (100, 30), (120, 40), (200, 50)] {
        let mut a = app(w, h, false);
        let ids: Vec<String> = a.table.rows.iter().take(3).map(|r| r.wallet.id.clone()).collect();
        let mut wallets: Vec<flexwallet::api::models::Wallet> =
            a.table.rows.iter().map(|r| r.wallet.as_ref().clone()).collect();
        for w in wallets.iter_mut() {
            let figures = if w.id == ids[0] {
                Some(("12349479.50", "12349479.50"))
            } else if w.id == ids[1] {
                Some(("-1234567.50", "-1234567.50"))
            } else if w.id == ids[2] {
                Some(("-12345678901.23", "-12345678901.23"))
            } else {
                None
            };
            if let Some((credits, balance)) = figures {
                w.credit_balance = credits.parse().unwrap();
                w.balance = balance.parse().unwrap();
                w.currency = "usd".into();
                w.conversion_rate = rust_decimal::Decimal::ONE;
            }
        }
        let generation = a.live.list_generation;
        a.update(Action::WalletsLoaded {
            generation,
            result: Ok(wallets),
        });
        a.update(key(KeyCode::Home));
        let (s, _) = screen(&a, Theme::plain());
        assert!(s.contains("12,349,479.50"), "{w}x{h}:\n{s}");
        assert!(s.contains("-1,234,567.50"), "{w}x{h}:\n{s}");
        // Too wide for 80 columns even after Name gives up its spare room: compact, marked.
        assert!(
            s.contains("-12,345,678,901.23") || s.contains("≈-12.34B"),
            "{w}x{h}:\n{s}"
        );
        // No figure that is the tail of another.
        for cut in [
            " 2,349,479.50",
            " 1,234,567.50",
            " 45,678,901.23",
            " 5,678,901.23",
        ] {
            assert!(!s.contains(cut), "{w}x{h}: {cut:?} in\n{s}");
        }
    }
}

/// As seen: a breakdown at Decimal's maximum crashed the console (`Addition overflowed`).
/// Sums and products of figures from the API are checked: what cannot be computed says
/// "out of range", the figures themselves are shown as given, and nothing panics.
#[test]
fn figures_at_the_decimal_limits_show_out_of_range_and_never_panic() {
    use rust_decimal::Decimal;
    let mut a = app(80, 24, false);
    let mut wallets: Vec<flexwallet::api::models::Wallet> =
        a.table.rows.iter().map(|r| r.wallet.as_ref().clone()).collect();
    let first = a.table.rows[a.table.view()[0] as usize].wallet.id.clone();
    let edge = wallets.iter_mut().find(|w| w.id == first).unwrap();
    edge.balance = Decimal::MAX;
    edge.credit_balance = Decimal::MAX;
    edge.credits_available_breakdown = Some(Box::new(flexwallet::api::models::CreditBreakdown {
        purchased: Decimal::MAX,
        free: Decimal::MAX,
    }));
    let generation = a.live.list_generation;
    a.update(Action::WalletsLoaded {
        generation,
        result: Ok(wallets.clone()),
    });
    // A refresh that swings the balance from the maximum to the minimum: no delta, no panic.
    wallets.iter_mut().find(|w| w.id == first).unwrap().balance = Decimal::MIN;
    let generation = a.live.list_generation;
    a.update(Action::WalletsLoaded {
        generation,
        result: Ok(wallets),
    });
    a.update(key(KeyCode::Home));
    // The real-time balance answers with the same extremes.
    let mut rt = a.table.get(&first).unwrap().wallet.as_ref().clone();
    rt.credits_available_breakdown = Some(Box::new(flexwallet::api::models::CreditBreakdown {
        purchased: Decimal::MAX,
        free: Decimal::MAX,
    }));
    let generation = a.live.balance_generation;
    a.update(Action::BalanceLoaded {
        generation,
        wallet_id: first.clone(),
        result: Ok(Box::new(rt)),
    });
    a.update(key(KeyCode::Enter));
    let (s, _) = screen(&a, Theme::plain());
    let words = words(&s);
    assert!(words.contains("out of range"), "{s}");
    assert!(
        s.contains("79,228,162,514,264,337,593,543,950,335"),
        "the figure itself is shown:\n{s}"
    );
    // Back at the maximum, the top-up form refuses to compute a balance it cannot hold.
    let mut wallets: Vec<flexwallet::api::models::Wallet> =
        a.table.rows.iter().map(|r| r.wallet.as_ref().clone()).collect();
    wallets.iter_mut().find(|w| w.id == first).unwrap().balance = Decimal::MAX;
    let generation = a.live.list_generation;
    a.update(Action::WalletsLoaded {
        generation,
        result: Ok(wallets),
    });
    a.update(key(KeyCode::Char('t')));
    chars(&mut a, "1");
    a.update(key(KeyCode::Enter));
    let form = a.overlays.form().expect("the form stays open");
    let (s, _) = screen(&a, Theme::plain());
    assert!(
        form.fields()
            .iter()
            .any(|f| f.error.as_deref().is_some_and(|e| e.contains("out of range"))),
        "{s}"
    );
}

/// As seen: a wrong key or an unreachable URL left `⠸ Loading wallets…` spinning, the cause
/// cut off, and no retry. The whole cause is shown wrapped, with where it was sent and when
/// it is tried again.
#[test]
fn a_failed_start_shows_the_whole_cause_and_retries() {
    let origin = Origin {
        profile: "prod".into(),
        host: "api.cloud.flexprice.io".into(),
        environment: Some("env_live".into()),
        key_source: "PROD_FLEXPRICE_KEY (api_key_env)".into(),
    };
    let mut a = started(80, 24, false, origin);
    let err = ApiError::from_reply(
        401,
        "/wallets",
        r#"{"error":{"message":"the API key was refused (Unauthorized): check FLEXPRICE_API_KEY or the profile's api_key_command, and that the key belongs to this environment"}}"#,
    );
    a.update(Action::WalletsLoaded {
        generation: 1,
        result: Err(err),
    });
    let (s, _) = screen(&a, Theme::plain());
    let words = words(&s);
    assert!(words.contains("Loading the wallets failed"), "{s}");
    assert!(
        words.contains("belongs to this environment"),
        "the cause is whole:\n{s}"
    );
    assert!(words.contains("profile prod · api.cloud.flexprice.io"), "{s}");
    assert!(
        words.contains("API key from PROD_FLEXPRICE_KEY (api_key_env)"),
        "{s}"
    );
    assert!(words.contains("trying again in 2s · r tries now"), "{s}");
    assert!(!words.contains("LIVE"), "{s}");
    // r tries now.
    assert_eq!(
        a.update(key(KeyCode::Char('r'))),
        vec![
            Effect::LoadWallets { generation: 2 },
            Effect::LoadCustomers { generation: 2 }
        ]
    );
}

/// As seen: after an outage a +5 top-up showed as `-5.47`, read as "this interval". A change
/// that covers more than one interval says since when; an ordinary one is just the figure.
#[test]
fn a_change_that_covers_an_outage_says_since_when() {
    let mut a = app(80, 24, false);
    a.update(key(KeyCode::Home));
    let advance = |a: &mut App, secs: u64| {
        let (now, clock) = (
            a.now + Duration::from_secs(secs),
            a.clock + chrono::Duration::seconds(secs as i64),
        );
        a.update(Action::Tick { now, clock });
    };
    // One refresh cycle in which the first row on screen gains `by`.
    let cycle = |a: &mut App, by: &str| {
        let effects = a.update(Action::RefreshDue);
        let (generation, ids) = effects
            .iter()
            .find_map(|e| match e {
                Effect::RefreshWallets { generation, ids } => Some((*generation, ids.clone())),
                _ => None,
            })
            .expect("the rows on screen are refreshed");
        let first = a.table.rows[a.table.view()[0] as usize].wallet.id.clone();
        let wallets = ids
            .iter()
            .map(|id| {
                let mut w = a.table.get(id).unwrap().wallet.as_ref().clone();
                if *id == first {
                    w.balance += by.parse::<rust_decimal::Decimal>().unwrap();
                }
                w
            })
            .collect();
        a.update(Action::WalletsRefreshed {
            generation,
            ids,
            result: Ok(wallets),
        });
    };
    // Nothing answered for ten minutes (12:00 → 12:10), then a +5 is seen.
    advance(&mut a, 600);
    cycle(&mut a, "5");
    let (s, _) = screen(&a, Theme::plain());
    assert!(s.contains("+5.00 since 12:00") || s.contains("+5 12:00"), "{s}");
    // The next interval: an ordinary change, no time.
    advance(&mut a, 5);
    cycle(&mut a, "1");
    let (s, _) = screen(&a, Theme::plain());
    assert!(s.contains("+1.00"), "{s}");
    assert!(!s.contains("since 12:"), "{s}");
}
