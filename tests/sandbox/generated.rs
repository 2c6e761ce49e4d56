//! Generated requests against the wallet endpoints, shaped from the request schemas and query
//! parameters of `shared/flexprice/wallets.openapi.json` (plus the routes the spec lacks): half
//! plausible, to reach the ledger, half bent: wrong-typed and extra fields, huge numbers, long
//! decimals, zero and negative amounts, non-object, null and broken bodies, odd wallet ids.
//! No reply may be a 5xx that WALLET_API.md does not document, and every 4xx carries
//! Flexprice's error body ([`replies::check`]).

mod replies;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::common::{KEY, Reply, Sandbox, args, shared};

/// Bounded for a debug build (a few seconds); the seed makes every run draw the same cases.
/// `PROPTEST_CASES` asks for a longer run with the same seed.
const CASES: u32 = 96;
const SEED: [u8; 32] = *b"flexprice-sandbox-fidelity-seed!";

/// What `{id}` becomes: one of the case's wallets, or a literal (percent-encoded) segment.
#[derive(Debug, Clone)]
enum Target {
    Fixture(usize),
    Raw(String),
}

#[derive(Debug, Clone)]
pub struct Req {
    method: Method,
    path: String,
    id: Target,
    query: Vec<(String, String)>,
    /// Sent byte for byte; `None` sends no body.
    body: Option<String>,
}

/// Plausible values are of the field's type and mostly valid; bent ones may be anything.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Plausible,
    Bent,
}

fn raw_number(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON number")
}

/// The whitespace-separated words of `list`, plus `more` (values with spaces, or empty).
fn words<'a>(list: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    list.split_whitespace().chain(more.iter().copied()).collect()
}

fn strings(items: &[&str]) -> BoxedStrategy<Value> {
    select(items.iter().map(|s| json!(s)).collect::<Vec<_>>()).boxed()
}

fn numbers(items: &[&str]) -> BoxedStrategy<Value> {
    select(items.iter().map(|n| raw_number(n)).collect::<Vec<_>>()).boxed()
}

/// Plausible words, and in bent mode the others too.
fn pick(
    mode: Mode,
    plausible: &str,
    bent: &str,
    make: fn(&[&str]) -> BoxedStrategy<Value>,
) -> BoxedStrategy<Value> {
    match mode {
        Mode::Plausible => make(&words(plausible, &[])),
        Mode::Bent => make(&words(&format!("{plausible} {bent}"), &[])),
    }
}

/// A value of some other JSON type than the field wants (or `null`, which Go ignores).
fn junk() -> BoxedStrategy<Value> {
    let values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!("x"),
        json!([]),
        json!([1]),
    ];
    let values = values
        .into_iter()
        .chain([json!({}), json!({"a": 1}), raw_number("1e400")]);
    select(values.collect::<Vec<_>>()).boxed()
}

/// Decimals as Flexprice takes them (strings or numbers): ordinary, zero, negative, at and past
/// what `numeric(20,9)` and `rust_decimal` hold, and with more digits than are stored.
fn decimals(mode: Mode) -> BoxedStrategy<Value> {
    let texts = pick(
        mode,
        "10 0.5 0 -5 99999999999 100000000000 79228162514264337593543950335 0.0000000001 \
         1.000000000000000000000000001 12.3456789012345678 -0",
        "1e3 123456789012345678901234567890 10000000000000000000000000000000000000000 abc NaN",
        strings,
    );
    let as_numbers = pick(
        mode,
        "10 10.5 -1 0 99999999999.999999999 0.000000001 79228162514264337593543950335",
        "1e30 79228162514264337593543950336 0.000000000000000000000000000001",
        numbers,
    );
    match mode {
        Mode::Plausible => prop_oneof![3 => texts, 1 => as_numbers].boxed(),
        Mode::Bent => prop_oneof![3 => texts, 1 => as_numbers, 1 => strings(&["", " 1"])].boxed(),
    }
}

fn integers(mode: Mode) -> BoxedStrategy<Value> {
    let plausible = "0 1 -1 50 1000 1001 20250101 20991231 9223372036854775807 -9223372036854775808";
    pick(
        mode,
        plausible,
        "20251301 99999999999999999999999 1.5 1e3",
        numbers,
    )
}

fn dates(mode: Mode) -> BoxedStrategy<Value> {
    let plausible = "2099-01-01T00:00:00Z 2000-01-01T00:00:00Z 2099-01-01T00:00:00.123456789+05:30";
    match mode {
        Mode::Plausible => strings(&words(plausible, &[])),
        Mode::Bent => strings(&words(plausible, &["2026-13-45T00:00:00Z", "yesterday", ""])),
    }
}

fn texts() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => strings(&["", "x", "Ünïcödé €", "null", "wallet_X", "0", " ", "a\u{0}b", "<script>"]),
        1 => "[a-z]{200,400}".prop_map(Value::String),
    ]
    .boxed()
}

/// Resolves `$ref`s of the spec's components.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

/// Decimals are plain strings in the spec; these names hold them.
fn is_decimal(name: &str) -> bool {
    let names = "amount credits credits_to_add bonus_credits_to_add conversion_rate topup_conversion_rate \
                 initial_credits_to_load threshold credits_available_gt";
    names.split_whitespace().any(|n| n == name)
}

fn is_date(name: &str, schema: &Value) -> bool {
    schema["format"] == "date-time"
        || name.ends_with("_utc")
        || name.ends_with("_time")
        || name.starts_with("expiry_date_")
}

/// A value for field `name` of `schema`.
fn value(spec: &Value, schema: &Value, name: &str, depth: u32, mode: Mode) -> BoxedStrategy<Value> {
    let schema = resolve(spec, schema);
    let typed: BoxedStrategy<Value> = if let Some(options) = schema["enum"].as_array() {
        let mut options = options.clone();
        if mode == Mode::Bent {
            options.extend([json!("NOT_IN_ENUM"), json!("")]);
        }
        select(options).boxed()
    } else if is_decimal(name) {
        decimals(mode)
    } else {
        match schema["type"].as_str() {
            Some("string") if is_date(name, schema) => dates(mode),
            Some("string") if name == "currency" => pick(mode, "usd USD eur", "us usdx", strings),
            Some("string") if name == "customer_id" => {
                pick(mode, "cust_gen_a cust_gen_b", "_cust cust_", strings)
            }
            Some("string") => texts(),
            Some("integer") => integers(mode),
            Some("number") => decimals(mode),
            Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
            Some("array") if depth < 3 => {
                proptest::collection::vec(value(spec, &schema["items"], name, depth + 1, mode), 0..3)
                    .prop_map(Value::Array)
                    .boxed()
            }
            Some("object") if depth < 3 && schema["properties"].is_object() => {
                object(spec, schema, depth + 1, mode)
                    .prop_map(Value::Object)
                    .boxed()
            }
            Some("object") if schema["additionalProperties"].is_object() => {
                let values = match mode {
                    Mode::Plausible => texts(),
                    Mode::Bent => prop_oneof![4 => texts(), 1 => junk()].boxed(),
                };
                proptest::collection::btree_map("[a-z_]{1,8}", values, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect()))
                    .boxed()
            }
            _ => junk(),
        }
    };
    match mode {
        Mode::Plausible => typed,
        Mode::Bent => prop_oneof![6 => typed, 1 => junk()].boxed(),
    }
}

/// An object of `schema`: each field now and then (required ones more often when bent),
/// sometimes a field the struct does not have (Go ignores it).
fn object(spec: &Value, schema: &Value, depth: u32, mode: Mode) -> BoxedStrategy<Map<String, Value>> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
        let name = name.clone();
        let v = value(spec, prop, &name, depth, mode);
        let v = match (required.contains(&name.as_str()), mode) {
            (true, Mode::Plausible) => proptest::option::weighted(0.5, v).boxed(),
            (true, Mode::Bent) => proptest::option::weighted(0.85, v).boxed(),
            (false, Mode::Plausible) => proptest::option::weighted(0.2, v).boxed(),
            (false, Mode::Bent) => proptest::option::weighted(0.5, v).boxed(),
        };
        fields.push(v.prop_map(move |v| v.map(|v| (name.clone(), v))).boxed());
    }
    fields.push(
        proptest::option::weighted(0.15, junk())
            .prop_map(|v| v.map(|v| ("no_such_field".to_string(), v)))
            .boxed(),
    );
    fields.prop_map(|kv| kv.into_iter().flatten().collect()).boxed()
}

/// A body for `schema`: an object of it, plausible or bent, else not an object or not JSON.
/// A request each operation accepts; plausible bodies are this with some fields redrawn.
fn valid_body(method: &Method, path: &str) -> Map<String, Value> {
    let body = match (method.as_str(), path) {
        ("POST", "/wallets") => json!({"customer_id": "cust_gen_a", "currency": "usd"}),
        ("POST", "/wallets/{id}/top-up") => {
            json!({"credits_to_add": "10", "transaction_reason": "FREE_CREDIT_GRANT"})
        }
        ("POST", "/wallets/{id}/debit") => {
            json!({"credits": "1", "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": "k"})
        }
        ("POST", "/wallets/{id}/modify") => json!({"modification_type": "prepaid_to_postpaid"}),
        ("POST", "/wallets/search") => json!({"limit": 50}),
        _ => json!({}),
    };
    body.as_object().cloned().unwrap_or_default()
}

/// A body for `schema`: plausible (a valid body with some fields redrawn), bent, or not an
/// object (or not JSON).
fn body(spec: &Value, schema: &Value, valid: Map<String, Value>) -> BoxedStrategy<Option<String>> {
    let schema = resolve(spec, schema);
    let as_text = |m: Map<String, Value>| Some(Value::Object(m).to_string());
    let redrawn = move |m: Map<String, Value>| {
        let mut b = valid.clone();
        b.extend(m);
        Some(Value::Object(b).to_string())
    };
    let other = words(
        r#"null "x" 12 -0.5 1e400 true [] [null,null] ["X"] [{}] { {}} {"a": nul {"limit":50}{}"#,
        &["", " "],
    );
    prop_oneof![
        5 => object(spec, schema, 0, Mode::Plausible).prop_map(redrawn),
        3 => object(spec, schema, 0, Mode::Bent).prop_map(as_text),
        2 => select(other.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>()),
    ]
    .boxed()
}

fn query(spec: &Value, params: &[(String, Value)]) -> BoxedStrategy<Vec<(String, String)>> {
    let bent = words(
        "1 0 -1 1001 abc asc desc true wallet.x customer,wallet nope 1e3",
        &[""],
    );
    let mut fields: Vec<BoxedStrategy<Option<(String, String)>>> = Vec::new();
    for (name, schema) in params {
        let schema = resolve(spec, schema);
        let plausible: Vec<&str> = match (schema["enum"].as_array(), schema["type"].as_str()) {
            (Some(e), _) => e.iter().filter_map(Value::as_str).collect(),
            (_, Some("integer")) => words("1 50 0 1000", &[]),
            (_, Some("number")) => words("0 10.5", &[]),
            (_, Some("boolean")) => words("true false", &[]),
            _ if name == "expand" => words("credits_available_breakdown customer wallet", &[]),
            _ if is_date(name, schema) => words("2000-01-01T00:00:00Z 2099-01-01T00:00:00Z", &[]),
            _ => words("x cust_gen_a", &[]),
        };
        let values = prop_oneof![
            3 => select(plausible.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            1 => select(bent.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        ];
        let name = name.clone();
        fields.push(
            proptest::option::weighted(0.15, values)
                .prop_map(move |v| v.map(|v| (name.clone(), v)))
                .boxed(),
        );
    }
    fields.prop_map(|kv| kv.into_iter().flatten().collect()).boxed()
}

fn target() -> BoxedStrategy<Target> {
    let odd = words(
        "nope %20 %00 a%2Fb .. %E2%82%AC search transactions wallet_ %25 %FF %C3%28 \
         wallet_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        &[],
    );
    prop_oneof![
        3 => (0..FIXTURES).prop_map(Target::Fixture),
        2 => select(odd.iter().map(|s| Target::Raw(s.to_string())).collect::<Vec<_>>()),
        1 => "[a-z0-9_]{300}".prop_map(Target::Raw),
    ]
    .boxed()
}

/// An operation: method, path, body schema, query parameters.
type Op = (Method, String, Option<Value>, Vec<(String, Value)>);

/// The routes the spec lacks (WALLET_API.md §4), described the same way.
fn unlisted() -> Vec<Op> {
    let debit = json!({"type": "object", "required": ["transaction_reason", "idempotency_key"],
        "properties": {"credits": {"type": "string"}, "idempotency_key": {"type": "string"},
            "transaction_reason": {"type": "string", "enum": ["MANUAL_BALANCE_DEBIT"]},
            "description": {"type": "string"}, "metadata": {"$ref": "#/components/schemas/types.Metadata"}}});
    let modify = json!({"type": "object", "required": ["modification_type"],
        "properties": {"modification_type": {"type": "string", "enum": ["prepaid_to_postpaid"]}}});
    let list_query = words("wallet_ids status alert_enabled limit offset order expand", &[])
        .into_iter()
        .map(|n| (n.to_string(), json!({"type": "string"})))
        .collect();
    let cached = "/wallets/{id}/balance/real-time-cached".to_string();
    vec![
        (Method::POST, "/wallets/{id}/debit".into(), Some(debit), vec![]),
        (Method::POST, "/wallets/{id}/modify".into(), Some(modify), vec![]),
        (Method::GET, "/wallets".into(), None, list_query),
        (Method::GET, cached, None, vec![]),
    ]
}

/// One strategy per operation of the spec (and of [`unlisted`]).
fn requests(spec: &Value) -> Union<BoxedStrategy<Req>> {
    let mut ops = unlisted();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let method: Method = method.to_uppercase().parse().expect("HTTP method");
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            let params = op["parameters"].as_array().into_iter().flatten();
            let params = params
                .filter(|p| p["in"] == "query")
                .map(|p| (p["name"].as_str().unwrap_or("").to_string(), p["schema"].clone()))
                .collect();
            let schema = (!schema.is_null()).then(|| schema.clone());
            ops.push((method, path.clone(), schema, params));
        }
    }
    Union::new(ops.into_iter().map(|(method, path, schema, params)| {
        let bodies = match &schema {
            Some(s) => body(spec, s, valid_body(&method, &path)),
            // Handlers without a body never read one; send one now and then anyway.
            None => proptest::option::weighted(0.1, Just("[\"X\"]".to_string())).boxed(),
        };
        (target(), query(spec, &params), bodies)
            .prop_map(move |(id, query, body)| Req {
                method: method.clone(),
                path: path.clone(),
                id,
                query,
                body,
            })
            .boxed()
    }))
}

const FIXTURES: usize = 4;

/// The wallets a case's requests aim at: an active prepaid one with rates, an alert and an
/// auto top-up; a postpaid one; a closed one; one with an invoiced auto top-up.
async fn fixtures(sb: &Sandbox) -> Vec<String> {
    let alert = json!({"critical": {"threshold": "10", "condition": "below"}, "alert_enabled": true});
    let bodies = [
        json!({"conversion_rate": "2", "topup_conversion_rate": "1.5", "initial_credits_to_load": "100",
               "auto_topup": {"enabled": true, "threshold": "5", "amount": "10", "invoicing": false},
               "alert_settings": alert}),
        json!({"wallet_type": "POST_PAID", "initial_credits_to_load": "5"}),
        json!({"initial_credits_to_load": "3"}),
        json!({"auto_topup": {"enabled": true, "threshold": "1", "amount": "50", "invoicing": true}}),
    ];
    let mut ids = Vec::new();
    for b in bodies {
        ids.push(sb.wallet(b).await["id"].as_str().expect("wallet id").to_string());
    }
    let r = sb
        .call(Method::POST, &format!("/wallets/{}/terminate", ids[2]), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    ids
}

/// The reply, or why there was none (a handler that panics drops the connection).
async fn send(sb: &Sandbox, ids: &[String], req: &Req) -> Result<Reply, String> {
    let id = match &req.id {
        Target::Fixture(i) => ids[*i].clone(),
        Target::Raw(s) => s.clone(),
    };
    let url = format!("{}{}", sb.sb.url, req.path.replace("{id}", &id));
    let mut r = sb
        .http
        .request(req.method.clone(), url)
        .header("x-api-key", KEY)
        .query(&req.query);
    if let Some(b) = &req.body {
        r = r.header("content-type", "application/json").body(b.clone());
    }
    let resp = r.send().await.map_err(|e| format!("no reply: {e:?}"))?;
    Ok(Reply {
        status: resp.status(),
        headers: resp.headers().clone(),
        text: resp.text().await.map_err(|e| format!("no body: {e:?}"))?,
    })
}

/// Replies seen, by route and status (printed at the end, to show what the cases reached).
type Seen = Mutex<BTreeMap<(String, u16), usize>>;

async fn run_case(reqs: &[Req], seen: &Seen) -> Result<(), String> {
    let sb = Sandbox::start(args()).await;
    let ids = fixtures(&sb).await;
    let mut outcome = Ok(());
    for req in reqs {
        let checked = send(&sb, &ids, req).await.and_then(|r| {
            if let Ok(mut seen) = seen.lock() {
                let route = format!("{} {}", req.method, req.path);
                *seen.entry((route, r.status.as_u16())).or_default() += 1;
            }
            replies::check(req, &r)
        });
        if let Err(why) = checked {
            outcome = Err(format!("{req:?}\n→ {why}"));
            break;
        }
    }
    let Sandbox { sb, http } = sb;
    drop(http);
    let _ = tokio::time::timeout(Duration::from_secs(5), sb.shutdown()).await;
    outcome
}

/// Generated requests (see the module doc). The reference is WALLET_API.md: §1 for the error
/// body, gin's 404 and the 200s, §2 for the overflow 500, §4 for the search panic and each
/// endpoint's rules; the shapes come from `wallets.openapi.json`.
#[test]
fn generated_requests_get_only_documented_answers() {
    let text = std::fs::read_to_string(shared("wallets.openapi.json")).expect("spec readable");
    let spec: Value = serde_json::from_str(&text).expect("spec is JSON");
    let strategy = proptest::collection::vec(requests(&spec), 1..=5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let defaults = Config::default();
    let cases = match std::env::var_os("PROPTEST_CASES") {
        Some(_) => defaults.cases,
        None => CASES,
    };
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..defaults
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &SEED));
    let seen = Seen::default();
    let started = Instant::now();
    let result = runner.run(&strategy, |reqs| {
        rt.block_on(run_case(&reqs, &seen)).map_err(TestCaseError::fail)
    });
    eprintln!(
        "{cases} generated cases in {:?}; replies by route and status:",
        started.elapsed()
    );
    for ((route, status), n) in seen.lock().map(|s| s.clone()).unwrap_or_default() {
        eprintln!("  {n:4} × {status} {route}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}
