//! The customer endpoints: `GET /customers/{id}`, `GET /customers/external/{external_id}`,
//! `GET /customers` and `POST /customers/search`. Replies validate against
//! `shared/flexprice/swagger-3-0.json` (`CustomerResponse`, `ListCustomersResponse`) the way
//! `schema.rs` validates wallets; the rest is Flexprice's Go code (`internal/api/v1/customer.go`,
//! `internal/ee/service/customer.go`, `internal/repository/ent/customer.go`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use jsonschema::{Draft, Validator};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};

use flexwallet::api::models::{Customer, CustomerFilter, FilterCondition, RowStatus, SortCondition};
use flexwallet::api::{Client, ClientConfig};
use flexwallet::sandbox::records::CustomerRec;
use flexwallet::sandbox::store::Db;

use crate::common::{KEY, Sandbox, UNBOUND, args, shared};

/// The keys of `customer.Customer` + `types.BaseModel` in Go's order, for a customer without
/// contact (nil pointer, `omitempty`) or integrations (`omitempty`).
const KEYS: [&str; 19] = [
    "id",
    "external_id",
    "name",
    "email",
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
    "timezone",
    "metadata",
    "environment_id",
    "tenant_id",
    "status",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

/// Swagger's components, with the one difference of the code: `metadata` is a Go map without
/// `omitempty`, so a customer without metadata carries `null`, which the spec does not allow.
fn components() -> Value {
    let text = std::fs::read_to_string(shared("swagger-3-0.json")).expect("swagger readable");
    let mut spec: Value = serde_json::from_str(&text).expect("swagger is JSON");
    let slot = &mut spec["components"]["schemas"]["CustomerResponse"]["properties"]["metadata"];
    assert!(!slot.is_null(), "swagger's CustomerResponse has no metadata");
    let orig = slot.take();
    *slot = json!({"anyOf": [orig, {"type": "null"}]});
    spec["components"].take()
}

fn validator(components: &Value, component: &str) -> Validator {
    assert!(
        !components["schemas"][component].is_null(),
        "no component {component}"
    );
    let root = json!({
        "components": components,
        "$ref": format!("#/components/schemas/{component}"),
    });
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .should_validate_formats(true)
        .build(&root)
        .expect("schema compiles")
}

fn check(v: &Validator, what: &str, body: &Value) {
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{body:#}");
}

/// Exactly Go's keys, in Go's order, every one a property of swagger's `CustomerResponse`.
fn check_keys(components: &Value, what: &str, c: &Value) {
    let keys: Vec<&str> = c
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not an object"))
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, KEYS, "{what}");
    let props = &components["schemas"]["CustomerResponse"]["properties"];
    for k in KEYS {
        assert!(!props[k].is_null(), "{k} is not in swagger's CustomerResponse");
    }
    assert_eq!(c["metadata"], Value::Null, "{what}: a nil map");
    assert_eq!(c["status"], "published");
    assert_eq!(c["timezone"], "UTC", "ent's default");
}

async fn seeded(wallets: usize) -> Sandbox {
    let mut a = args();
    a.wallets = wallets;
    Sandbox::start(a).await
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

fn created(c: &Value) -> DateTime<Utc> {
    c["created_at"]
        .as_str()
        .expect("created_at")
        .parse()
        .expect("RFC 3339")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_customer_reply_matches_swagger() {
    let components = components();
    let one = validator(&components, "CustomerResponse");
    let list_schema = validator(&components, "ListCustomersResponse");
    let sb = seeded(60).await;

    let list = sb.get("/customers?limit=1000&expand=integrations").await;
    check(&list_schema, "GET /customers", &list);
    let items = list["items"].as_array().cloned().unwrap_or_default();
    assert!(items.len() > 10, "the seed made customers: {}", items.len());
    let search = sb.post("/customers/search", json!({})).await;
    check(&list_schema, "POST /customers/search", &search);
    for c in items.iter().take(25) {
        check_keys(&components, "GET /customers item", c);
        let id = c["id"].as_str().unwrap();
        let got = sb.get(&format!("/customers/{id}")).await;
        check(&one, "GET /customers/{id}", &got);
        check_keys(&components, "GET /customers/{id}", &got);
        assert_eq!(&got, c, "the list and the single read agree");
        assert_eq!(got["environment_id"], "env_test");
        let ext = got["external_id"].as_str().unwrap();
        let by_ext = sb
            .get(&format!("/customers/external/{ext}?expand=integrations"))
            .await;
        check(&one, "GET /customers/external/{external_id}", &by_ext);
        assert_eq!(by_ext, got);
    }

    let raw: Value =
        serde_json::from_str(&std::fs::read_to_string(shared("swagger-3-0.json")).unwrap()).unwrap();
    let unpatched = validator(&raw["components"], "CustomerResponse");
    assert!(
        !unpatched.is_valid(&items[0]),
        "the spec refuses the null metadata: the patch is needed"
    );
    assert!(
        !one.is_valid(&json!({"created_at": "yesterday"})),
        "formats are checked"
    );
    assert!(!one.is_valid(&json!({"status": "gone"})), "enums are checked");
}

#[tokio::test]
async fn pages_follow_flexprice_offsets_newest_first() {
    let sb = seeded(60).await;
    let all = sb.get("/customers?limit=1000").await;
    let total = all["pagination"]["total"].as_i64().unwrap();
    let everyone = ids(&all);
    assert_eq!(everyone.len() as i64, total);
    assert_eq!(
        all["pagination"],
        json!({"total": total, "limit": 1000, "offset": 1000}),
        "the reply's offset is the request's offset plus the limit"
    );
    let items = all["items"].as_array().unwrap();
    assert!(
        items.windows(2).all(|w| created(&w[0]) >= created(&w[1])),
        "newest first by default"
    );

    let mut paged = Vec::new();
    loop {
        let offset = paged.len();
        let page = sb.get(&format!("/customers?limit=7&offset={offset}")).await;
        assert_eq!(
            page["pagination"],
            json!({"total": total, "limit": 7, "offset": offset + 7})
        );
        let got = ids(&page);
        let n = got.len();
        paged.extend(got);
        if n < 7 {
            break;
        }
    }
    assert_eq!(paged, everyone, "pages add up to the whole list, in order");

    let asc = sb.get("/customers?limit=1000&order=asc").await;
    let mut reversed = everyone.clone();
    reversed.reverse();
    assert_eq!(ids(&asc), reversed);

    // Without a limit, or with 0, the handler's default of 50 applies; `{}` searches too.
    for path in ["/customers", "/customers?limit=0", "/customers?offset=0"] {
        let page = sb.get(path).await;
        assert_eq!(page["pagination"]["limit"], 50, "{path}");
        assert_eq!(page["pagination"]["offset"], 50, "{path}");
    }
    let found = sb
        .post("/customers/search", json!({"offset": 10, "limit": null}))
        .await;
    assert_eq!(
        found["pagination"],
        json!({"total": total, "limit": 50, "offset": 60})
    );
    assert_eq!(
        ids(&found),
        everyone[10..].iter().take(50).cloned().collect::<Vec<_>>()
    );
    let past = sb.get(&format!("/customers?offset={total}")).await;
    assert_eq!(past["items"], json!([]), "an empty page is [], not null");
}

#[tokio::test]
async fn filters_as_query_and_as_search_body() {
    let sb = seeded(40).await;
    let all = sb.get("/customers?limit=1000").await;
    let items = all["items"].as_array().unwrap().clone();
    let (a, b) = (&items[0], &items[3]);
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let (a_ext, b_ext) = (
        a["external_id"].as_str().unwrap(),
        b["external_id"].as_str().unwrap(),
    );
    let a_email = a["email"].as_str().unwrap();

    let q = sb.get(&format!("/customers?external_id={a_ext}")).await;
    assert_eq!(ids(&q), [a_id]);
    assert_eq!(q["pagination"]["total"], 1);
    let q = sb.get(&format!("/customers?email={a_email}")).await;
    assert_eq!(ids(&q), [a_id]);
    let q = sb
        .get(&format!(
            "/customers?customer_ids={b_id}&customer_ids={a_id}&customer_ids=cust_none"
        ))
        .await;
    assert_eq!(ids(&q), [a_id, b_id], "in the list's order, not the filter's");
    let q = sb
        .post(
            "/customers/search",
            json!({"external_ids": [b_ext, "nobody"], "limit": 5}),
        )
        .await;
    assert_eq!(ids(&q), [b_id]);
    for status in ["archived", "deleted"] {
        let q = sb.get(&format!("/customers?status={status}")).await;
        assert_eq!(q["items"], json!([]), "every sandbox customer is published");
    }
    assert_eq!(
        ids(&sb.get("/customers?status=published&limit=1000").await).len(),
        items.len()
    );
    let q = sb
        .post("/customers/search", json!({"metadata": {"tier": "gold"}}))
        .await;
    assert_eq!(q["pagination"]["total"], 0, "no seeded customer has metadata");

    // The search DSL: conditions on columns, sorts before the created_at order.
    let word = a["name"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_uppercase();
    let q = sb
        .post(
            "/customers/search",
            json!({"limit": 1000, "filters": [
                {"field": "name", "operator": "contains", "data_type": "string", "value": {"string": word}}
            ]}),
        )
        .await;
    let named: Vec<&Value> = items
        .iter()
        .filter(|c| c["name"].as_str().unwrap().to_uppercase().contains(&word))
        .collect();
    assert_eq!(
        q["pagination"]["total"],
        named.len() as i64,
        "contains ignores case"
    );
    assert!(ids(&q).contains(&a_id.to_string()));
    let sorted = sb
        .post(
            "/customers/search",
            json!({"limit": 1000, "sort": [{"field": "name", "direction": "asc"}]}),
        )
        .await;
    let names: Vec<&str> = sorted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    let ext_in = sb
        .get(&format!(
            "/customers?filters={}",
            urlencode(
                &json!({"field": "external_id", "operator": "in", "value": {"array": [a_ext]}}).to_string()
            )
        ))
        .await;
    assert_eq!(ids(&ext_in), [a_id], "a query-string condition is JSON");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn unknown_customers_answer_flexprice_404_bodies() {
    let sb = seeded(10).await;
    let r = sb.call(Method::GET, "/customers/cust_nope", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"code": "not_found", "message": "Customer with ID cust_nope was not found",
               "http_status_code": 404, "details": {"customer_id": "cust_nope"}})
    );
    let r = sb.call(Method::GET, "/customers/external/nobody", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"code": "not_found", "message": "Customer with lookup key nobody was not found",
               "http_status_code": 404, "details": {"lookup_key": "nobody"}})
    );
    // gin's GET tree sends /customers/search to /customers/:id.
    let r = sb.call(Method::GET, "/customers/search", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["message"], "Customer with ID search was not found");
    // Flexprice creates no customer for a wallet's customer_id.
    let w = sb.wallet(json!({})).await;
    let cust = w["customer_id"].as_str().unwrap();
    let r = sb.call(Method::GET, &format!("/customers/{cust}"), None).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.json()["details"]["customer_id"], cust);
}

#[tokio::test]
async fn bad_filters_answer_as_flexprice_does() {
    let sb = seeded(10).await;
    let bad = |status: u16, body: Value| (status, body);
    let cases = [
        (
            "/customers?limit=1001",
            bad(
                400,
                json!({"code": "validation_error", "message": "Invalid filter parameters", "http_status_code": 400, "details": {"limit": "must be between 1 and 1000"}}),
            ),
        ),
        (
            "/customers?offset=-1",
            bad(
                400,
                json!({"code": "validation_error", "message": "Invalid filter parameters", "http_status_code": 400, "details": {"offset": "must be non-negative"}}),
            ),
        ),
        (
            "/customers?order=up",
            bad(
                400,
                json!({"code": "validation_error", "message": "Invalid filter parameters", "http_status_code": 400, "details": {"order": "must be either 'asc' or 'desc'"}}),
            ),
        ),
        (
            "/customers?limit=ten",
            bad(
                400,
                json!({"code": "validation_error", "message": "Invalid filter parameters", "http_status_code": 400}),
            ),
        ),
        (
            // `sort` is also a list of conditions: gin cannot bind a column name into it.
            "/customers?sort=name",
            bad(
                400,
                json!({"code": "validation_error", "message": "Invalid filter parameters", "http_status_code": 400}),
            ),
        ),
        (
            "/customers?email=not-an-email",
            bad(
                400,
                json!({"code": "validation_error", "message": "Please provide a valid email", "http_status_code": 400}),
            ),
        ),
        (
            "/customers?start_time=2026-02-01T00:00:00Z&end_time=2026-01-01T00:00:00Z",
            bad(
                400,
                json!({"code": "validation_error", "message": "Please provide a valid time range", "http_status_code": 400, "details": {"end_time": "must be after start_time"}}),
            ),
        ),
        (
            "/customers?expand=wallets",
            bad(
                400,
                json!({"code": "validation_error", "message": "Field is not allowed to be expanded", "http_status_code": 400, "details": {"field": "wallets"}}),
            ),
        ),
        (
            "/customers/cust_x?expand=integrations.provider",
            bad(
                400,
                json!({"code": "validation_error", "message": "Field is not allowed to be expanded", "http_status_code": 400, "details": {"field": "provider"}}),
            ),
        ),
    ];
    for (path, (status, body)) in cases {
        let r = sb.call(Method::GET, path, None).await;
        assert_eq!(r.status.as_u16(), status, "{path}: {}", r.text);
        assert_eq!(r.json(), body, "{path}");
    }
    for body in [json!("limit"), json!({"limit": "5"}), json!({"sort": "name"})] {
        let r = sb
            .call(Method::POST, "/customers/search", Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["message"], "Invalid filter parameters");
    }
    // A condition on no column: marked validation and database at once, so 400 or 500.
    let r = sb
        .call(
            Method::POST,
            "/customers/search",
            Some(json!({"filters": [{"field": "plan", "operator": "eq", "value": {"string": "x"}}]})),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 400 | 500), "{}", r.status);
    assert_eq!(r.json()["message"], "Failed to list customers");
    // An operator without its operand dereferences nil: gin's recovery, an empty 500.
    let r = sb
        .call(
            Method::POST,
            "/customers/search",
            Some(json!({"filters": [{"field": "name", "operator": "eq"}]})),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (500, ""));
}

/// Customers written straight into a database file: two in the sandbox's environment, one in
/// another environment of the same tenant, one of another tenant in the same environment id.
fn database_with_neighbours(path: &std::path::Path) {
    let mut db = Db::open(Some(path)).expect("database opens");
    let at = |d: u32| {
        format!("2026-03-{d:02}T10:00:00Z")
            .parse::<DateTime<Utc>>()
            .unwrap()
    };
    for (id, ext, env, tenant, day) in [
        ("cust_mine_1", "mine-1", "env_test", "tenant_sandbox", 1),
        ("cust_mine_2", "mine-2", "env_test", "tenant_sandbox", 2),
        ("cust_other_env", "other-env", "env_other", "tenant_sandbox", 3),
        ("cust_other_tenant", "theirs-1", "env_test", "tenant_other", 4),
    ] {
        db.insert_customer(&CustomerRec {
            id: id.into(),
            external_id: ext.into(),
            name: format!("Customer {id}"),
            email: format!("{ext}@example.com"),
            environment_id: env.into(),
            tenant_id: tenant.into(),
            created_at: at(day),
        })
        .expect("customer stored");
    }
}

#[tokio::test]
async fn customers_are_scoped_to_the_callers_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.db");
    database_with_neighbours(&path);
    let mut a = args();
    a.db = Some(path);
    let sb = Sandbox::start(a).await;

    let list = sb.get("/customers").await;
    assert_eq!(ids(&list), ["cust_mine_2", "cust_mine_1"]);
    assert_eq!(list["pagination"]["total"], 2);
    for hidden in ["cust_other_env", "cust_other_tenant"] {
        let r = sb.call(Method::GET, &format!("/customers/{hidden}"), None).await;
        assert_eq!(r.status, 404, "{hidden}: {}", r.text);
    }
    for hidden in ["other-env", "theirs-1"] {
        let r = sb
            .call(Method::GET, &format!("/customers/external/{hidden}"), None)
            .await;
        assert_eq!(r.status, 404, "{hidden}: {}", r.text);
    }
    let mine = sb.get("/customers/external/mine-1").await;
    assert_eq!(mine["id"], "cust_mine_1");
    let found = sb
        .post(
            "/customers/search",
            json!({"customer_ids": ["cust_mine_1", "cust_other_env", "cust_other_tenant"]}),
        )
        .await;
    assert_eq!(ids(&found), ["cust_mine_1"]);

    // A key without an environment must name the sandbox's in X-Environment-ID.
    let unbound = |env: Option<&str>| {
        let mut req = sb
            .http
            .get(format!("{}/customers/cust_mine_1", sb.sb.url))
            .header("x-api-key", UNBOUND);
        if let Some(e) = env {
            req = req.header("X-Environment-ID", e);
        }
        req.send()
    };
    let ok = unbound(Some("env_test")).await.unwrap();
    assert_eq!(ok.status(), 200);
    for env in [Some("env_other"), None] {
        let r = unbound(env).await.unwrap();
        assert_eq!(r.status(), 403, "{env:?}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"error": "Access denied", "message": "Invalid or inaccessible environment"})
        );
    }
}

fn client(sb: &Sandbox) -> Client {
    Client::new(ClientConfig::new(sb.sb.url.clone(), SecretString::from(KEY))).expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typed_client_round_trips() {
    let sb = seeded(40).await;
    let api = client(&sb);
    let raw = sb.get("/customers?limit=1000").await;
    let want: Vec<Customer> = serde_json::from_value(raw["items"].clone()).expect("typed items");
    assert!(want.len() > 5);

    let first = &want[0];
    let got = api.get_customer(&first.id).await.expect("get_customer");
    assert_eq!(&got, first);
    assert_eq!(got.status, Some(RowStatus::Published));
    assert_eq!(got.environment_id.as_deref(), Some("env_test"));
    assert!(got.created_at.is_some() && got.metadata.is_none());
    let by_ext = api
        .get_customer_by_external_id(&first.external_id)
        .await
        .expect("by external id");
    assert_eq!(by_ext, got);

    // Every customer, seven a page: the client pages on its own offsets.
    let paged = api
        .list_customers(&CustomerFilter {
            limit: Some(7),
            ..CustomerFilter::default()
        })
        .await
        .expect("list_customers");
    assert_eq!(paged, want);
    let all = api
        .list_customers(&CustomerFilter::default())
        .await
        .expect("list_customers, default page");
    assert_eq!(all, want);
    let rest = api
        .list_customers(&CustomerFilter {
            limit: Some(4),
            offset: Some(3),
            ..CustomerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(rest, want[3..]);
    let page = api
        .customers_page(&CustomerFilter {
            limit: Some(2),
            offset: Some(1),
            order: Some("asc".into()),
            ..CustomerFilter::default()
        })
        .await
        .unwrap();
    let p = page.pagination.expect("pagination");
    assert_eq!((p.total, p.limit, p.offset), (want.len() as i64, 2, 3));
    assert_eq!(page.items[0], want[want.len() - 2]);

    let found = api
        .search_customers(&CustomerFilter {
            external_ids: vec![first.external_id.clone(), want[1].external_id.clone()],
            sort: vec![SortCondition {
                field: "external_id".into(),
                direction: "desc".into(),
            }],
            ..CustomerFilter::default()
        })
        .await
        .expect("search_customers");
    let mut expect: Vec<&Customer> = vec![first, &want[1]];
    expect.sort_by(|a, b| b.external_id.cmp(&a.external_id));
    assert_eq!(found.items.iter().collect::<Vec<_>>(), expect);
    let by_email = api
        .search_customers(&CustomerFilter {
            filters: vec![FilterCondition::text("email", "eq", &first.email)],
            ..CustomerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_email.items, std::slice::from_ref(first));
    let queried = api
        .customers_page(&CustomerFilter {
            filters: vec![FilterCondition::text("email", "eq", &first.email)],
            customer_ids: vec![first.id.clone(), want[1].id.clone()],
            ..CustomerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        queried.items,
        std::slice::from_ref(first),
        "the same filter as a query string"
    );

    let err = api.get_customer("cust_nope").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("not_found"));
    assert_eq!(err.message(), "Customer with ID cust_nope was not found");
    let sorted_list = api
        .list_customers(&CustomerFilter {
            sort: vec![SortCondition::default()],
            ..CustomerFilter::default()
        })
        .await;
    assert!(sorted_list.is_err(), "GET /customers cannot sort");

    // What the client saw is what the sandbox holds, with nothing left over.
    let seen: HashSet<&str> = paged.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(seen.len(), want.len(), "no customer twice");
}
