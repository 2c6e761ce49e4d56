//! The customer object (swagger `CustomerResponse`: Go's `customer.Customer` with its base
//! model) and the customer filter (`types.CustomerFilter`) of the list and the search.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// A customer as `GET /customers/{id}`, `GET /customers/external/{external_id}` and the lists
/// return it. Flexprice always writes the strings (empty when unset) and `metadata` (`null`
/// when unset); `contact` and `integrations` only when set. Fields this client does not know
/// are ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default)]
    pub address_line1: String,
    #[serde(default)]
    pub address_line2: String,
    #[serde(default)]
    pub address_city: String,
    #[serde(default)]
    pub address_state: String,
    #[serde(default)]
    pub address_postal_code: String,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub address_country: String,
    /// IANA name; Flexprice defaults it to `UTC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RowStatus>,
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// With `expand=integrations`: the provider mappings, kept as they came (another part of
    /// the API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrations: Option<Vec<serde_json::Value>>,
}

impl Customer {
    pub fn display_name(&self) -> &str {
        [&self.name, &self.external_id, &self.id]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(String::as_str)
            .unwrap_or("(unnamed)")
    }
}

/// The operand of a [`FilterCondition`] (`types.Value`): set the one the operator reads
/// (`string` for eq/contains/not_contains, `array` for in/not_in, `date` for before/after,
/// `number` for gt/lt).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FilterValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array: Option<Vec<String>>,
}

/// One condition of the search DSL (`types.FilterCondition`). The field is a column name
/// (`name`, `email`, `external_id`, `created_at`…); an unknown one fails the whole search.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FilterCondition {
    pub field: String,
    /// `eq`, `contains`, `not_contains`, `gt`, `lt`, `in`, `not_in`, `before`, `after`.
    pub operator: String,
    /// `string`, `number`, `date` or `array` (Flexprice reads the operand, not this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    pub value: FilterValue,
}

impl FilterCondition {
    /// A condition on a text column: `eq`, `contains` or `not_contains`.
    pub fn text(field: &str, operator: &str, value: &str) -> Self {
        FilterCondition {
            field: field.into(),
            operator: operator.into(),
            data_type: Some("string".into()),
            value: FilterValue {
                string: Some(value.into()),
                ..FilterValue::default()
            },
        }
    }
}

/// `types.SortCondition`: `direction` is `asc` (the default) or `desc`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SortCondition {
    pub field: String,
    pub direction: String,
}

/// `types.CustomerFilter`: the body of `POST /customers/search`, and through
/// [`CustomerFilter::query_pairs`] the query of `GET /customers`. Without a limit Flexprice
/// answers 50 a page (at most 1,000); newest first unless `order` is `asc`; only published
/// customers unless `status` says otherwise. Flexprice validates `start_time`/`end_time` but
/// does not filter customers by them.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CustomerFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<RowStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// `integrations` is the only field a customer expands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expand: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub customer_ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Every pair must be in the customer's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterCondition>,
    /// Search only: on `GET /customers` Flexprice also takes `sort` as a column name and fails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<SortCondition>,
}

impl CustomerFilter {
    /// The filter as `GET /customers` binds it (gin's form binding): lists as repeated keys,
    /// the metadata map and each condition as JSON. `None` when it has a `sort`, which only the
    /// search accepts.
    pub fn query_pairs(&self) -> Option<Vec<(&'static str, String)>> {
        if !self.sort.is_empty() {
            return None;
        }
        let mut q: Vec<(&'static str, String)> = Vec::new();
        let mut one = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                q.push((k, v));
            }
        };
        one("limit", self.limit.map(|v| v.to_string()));
        one("offset", self.offset.map(|v| v.to_string()));
        one("status", self.status.as_ref().map(|s| s.as_str().to_string()));
        one("order", self.order.clone());
        one("expand", self.expand.clone());
        one("external_id", self.external_id.clone());
        one("email", self.email.clone());
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        one("start_time", self.start_time.as_ref().map(time));
        one("end_time", self.end_time.as_ref().map(time));
        one(
            "metadata",
            self.metadata.as_ref().and_then(|m| serde_json::to_string(m).ok()),
        );
        q.extend(self.customer_ids.iter().map(|v| ("customer_ids", v.clone())));
        q.extend(self.external_ids.iter().map(|v| ("external_ids", v.clone())));
        q.extend(
            self.filters
                .iter()
                .filter_map(|f| serde_json::to_string(f).ok())
                .map(|v| ("filters", v)),
        );
        Some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn a_customer_decodes_with_nulls_missing_and_unknown_fields() {
        let c: Customer = serde_json::from_value(json!({
            "id": "cust_1", "external_id": "acme", "name": "Acme", "email": "",
            "address_line1": "", "timezone": "UTC", "metadata": null,
            "environment_id": "env_1", "status": "published",
            "created_at": "2026-08-22T10:11:12.1234Z", "updated_at": "2026-08-22T10:11:12Z",
            "created_by": "user_1", "billing_cycle": "monthly",
        }))
        .unwrap();
        assert_eq!(c.display_name(), "Acme");
        assert_eq!(c.metadata, None);
        assert_eq!(c.status, Some(RowStatus::Published));
        assert_eq!(
            c.created_at.unwrap().timestamp_subsec_micros(),
            123_400,
            "the fraction is kept"
        );
        let bare: Customer = serde_json::from_value(json!({"id": "cust_2"})).unwrap();
        assert_eq!(bare.display_name(), "cust_2");
        assert_eq!(bare.contact, None);
    }

    #[test]
    fn the_filter_is_a_body_and_a_query() {
        let f = CustomerFilter {
            limit: Some(10),
            customer_ids: vec!["cust_1".into(), "cust_2".into()],
            email: Some("a@b.co".into()),
            metadata: Some(Metadata::from([("tier", "gold")])),
            start_time: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
            filters: vec![FilterCondition::text("name", "contains", "acme")],
            ..CustomerFilter::default()
        };
        let body = serde_json::to_value(&f).unwrap();
        assert_eq!(body["customer_ids"], json!(["cust_1", "cust_2"]));
        assert_eq!(body["filters"][0]["value"], json!({"string": "acme"}));
        assert!(body.get("sort").is_none() && body.get("offset").is_none());
        let q = f.query_pairs().unwrap();
        assert!(q.contains(&("limit", "10".into())));
        assert!(q.contains(&("customer_ids", "cust_2".into())));
        assert!(q.contains(&("metadata", r#"{"tier":"gold"}"#.into())));
        assert!(q.contains(&("start_time", "2026-01-02T03:04:05Z".into())));
        assert_eq!(q.iter().filter(|(k, _)| *k == "filters").count(), 1);
        let sorted = CustomerFilter {
            sort: vec![SortCondition {
                field: "name".into(),
                direction: "asc".into(),
            }],
            ..CustomerFilter::default()
        };
        assert_eq!(sorted.query_pairs(), None);
        assert_eq!(
            serde_json::to_value(CustomerFilter::default()).unwrap(),
            json!({})
        );
    }
}
