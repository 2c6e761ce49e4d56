//! Where the console's memory goes with 100,000 wallets: live heap bytes counted by a global
//! allocator wrapper, step by step (the list reply, its decode, the table the console keeps),
//! and what the main parts of a wallet cost. `cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use secrecy::SecretString;

use flexwallet::api::models::{ListResponse, Wallet};
use flexwallet::api::{Client, ClientConfig};
use flexwallet::app::WalletTable;
use flexwallet::cli::SandboxArgs;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const N: usize = 100_000;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn mb(bytes: isize) -> String {
    format!("{:>7.1} MB", bytes as f64 / 1e6)
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // The sandbox's own wallets (the ones `flexwallet sandbox --wallets 100000` serves), as
    // the text of the list reply; the sandbox is gone before anything is counted.
    let text = rt.block_on(async {
        let args = SandboxArgs {
            wallets: N,
            seed: 1,
            ..SandboxArgs::default()
        };
        let sb = flexwallet::sandbox::start_embedded(args).await.expect("sandbox");
        let mut cfg = ClientConfig::new(sb.url.clone(), SecretString::from(sb.api_key.clone()));
        cfg.environment_id = Some(sb.environment_id.clone());
        let client = Client::new(cfg).expect("client");
        let wallets = client.list_wallets(None).await.expect("list");
        let text = serde_json::to_string(&ListResponse {
            items: wallets,
            pagination: None,
        })
        .expect("encode");
        sb.shutdown().await;
        text
    });
    drop(rt);
    // As the client holds a reply: exactly its length.
    let mut text = text;
    text.shrink_to_fit();

    // What was live before the reply arrived.
    let base = live() - text.capacity() as isize;
    println!("memory with {N} sandbox wallets (live heap bytes, counted by the allocator):");
    println!(
        "  list reply text                      {}",
        mb(text.capacity() as isize)
    );
    let t = Instant::now();
    let list: ListResponse<Wallet> = flexwallet::api::decode(200, &text).expect("decode");
    let decoded = live() - base - text.capacity() as isize;
    println!(
        "  decoded wallets (Vec<Wallet>)        {}  ({} B a wallet, {} inline; {:.0} ms)",
        mb(decoded),
        decoded / N as isize,
        std::mem::size_of::<Wallet>(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let text_capacity = text.capacity() as isize;
    drop(text);
    let wallets = list.items;

    // What the parts cost: clone them alone and count.
    let before = live();
    let metadata: Vec<_> = wallets.iter().map(|w| w.metadata.clone()).collect();
    let meta_bytes = live() - before - (metadata.capacity() * std::mem::size_of_val(&metadata[0])) as isize;
    drop(metadata);
    let before = live();
    let strings: Vec<_> = wallets
        .iter()
        .map(|w| {
            (
                w.id.clone(),
                w.customer_id.clone(),
                w.currency.clone(),
                w.name.clone(),
                w.description.clone(),
            )
        })
        .collect();
    let string_bytes = live() - before - (strings.capacity() * std::mem::size_of_val(&strings[0])) as isize;
    drop(strings);
    println!(
        "    of which metadata maps             {}  ({} B a wallet)",
        mb(meta_bytes),
        meta_bytes / N as isize
    );
    println!(
        "    of which 5 text fields' heap       {}  ({} B a wallet; tenant, environment and users are shared)",
        mb(string_bytes),
        string_bytes / N as isize
    );
    println!(
        "    of which the wallets themselves    {}  ({} B a wallet)",
        mb((N * std::mem::size_of::<Wallet>()) as isize),
        std::mem::size_of::<Wallet>()
    );

    println!(
        "    of which the Vec's spare capacity  {}",
        mb(((wallets.capacity() - wallets.len()) * std::mem::size_of::<Wallet>()) as isize)
    );
    let mut table = WalletTable::default();
    table.replace_all(wallets, flexwallet::moment::Moment::ZERO, 0);
    let table_bytes = live() - base;
    println!(
        "  what the console keeps: the table     {}  ({} B a wallet: rows, search text, sort keys, index, view)",
        mb(table_bytes),
        table_bytes / N as isize
    );
    println!(
        "  peak while loading (reply + decoded wallets)  {}",
        mb(text_capacity + decoded)
    );
    std::hint::black_box(&table);
}
