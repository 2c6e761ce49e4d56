//! Metadata, Flexprice's `map[string]string`, kept compact: the console holds one per wallet.
//!
//! A `BTreeMap<String, String>` allocates a whole 11-entry leaf node (544 bytes) for the one or
//! two entries a wallet usually has; 100,000 wallets made that 55 MB. This keeps the entries
//! in one boxed slice sorted by key, each text boxed at its exact length: the same map as
//! Flexprice's on the wire (keys in order, as Go encodes a map; the last of a repeated key
//! wins, as Go decodes one), a tenth of the memory.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Metadata(Box<[(Box<str>, Box<str>)]>);

impl Metadata {
    pub fn new() -> Self {
        Metadata::default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).ok().map(|i| &*self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> Option<String> {
        let (key, value) = (key.into(), value.into().into_boxed_str());
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value).into()),
            Err(i) => {
                let mut entries = std::mem::take(&mut self.0).into_vec();
                entries.insert(i, (key.into_boxed_str(), value));
                self.0 = entries.into_boxed_slice();
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.find(key).ok()?;
        let mut entries = std::mem::take(&mut self.0).into_vec();
        let (_, value) = entries.remove(i);
        self.0 = entries.into_boxed_slice();
        Some(value.into())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key))
    }

    /// Sorts by key; of a repeated key the last entry wins.
    fn from_entries(mut entries: Vec<(Box<str>, Box<str>)>) -> Self {
        // A stable sort keeps repeated keys in arrival order: keep the last of each run.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Box<str>, Box<str>)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match out.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => out.push(entry),
            }
        }
        Metadata(out.into_boxed_slice())
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Metadata::from_entries(
            iter.into_iter()
                .map(|(k, v)| (k.into().into_boxed_str(), v.into().into_boxed_str()))
                .collect(),
        )
    }
}

impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for Metadata {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Metadata {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Box<str>, Box<str>)>,
        fn(&'a (Box<str>, Box<str>)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = Metadata;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of string values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metadata, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some((k, v)) = map.next_entry::<Box<str>, Box<str>>()? {
                    entries.push((k, v));
                }
                Ok(Metadata::from_entries(entries))
            }
        }
        d.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any sequence of inserts and removes leaves the same map a `BTreeMap` would hold.
        #[test]
        fn behaves_as_a_sorted_map(ops in prop::collection::vec((any::<bool>(), "[a-d]{0,2}", "[x-z]{0,3}"), 0..40)) {
            let mut ours = Metadata::new();
            let mut model = BTreeMap::new();
            for (insert, k, v) in ops {
                if insert {
                    prop_assert_eq!(ours.insert(k.clone(), v.clone()), model.insert(k, v));
                } else {
                    prop_assert_eq!(ours.remove(&k), model.remove(&k));
                }
                prop_assert_eq!(ours.len(), model.len());
                let expected: Vec<(&str, &str)> = model.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                prop_assert_eq!(ours.iter().collect::<Vec<_>>(), expected);
            }
            for (k, v) in &model {
                prop_assert_eq!(ours.get(k), Some(v.as_str()));
            }
        }

        /// The wire form is the `BTreeMap`'s, both ways, repeated keys included (the last wins).
        #[test]
        fn wire_form_matches_a_btreemap(entries in prop::collection::vec(("[a-c]{1,2}", "[ -~]{0,4}"), 0..8)) {
            let body = format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let ours: Metadata = serde_json::from_str(&body).unwrap();
            let model: BTreeMap<String, String> = serde_json::from_str(&body).unwrap();
            prop_assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&model).unwrap());
            let collected: Metadata = entries.into_iter().collect();
            prop_assert_eq!(collected, ours);
        }
    }

    #[test]
    fn refuses_what_flexprice_would() {
        for bad in [r#"{"a": 1}"#, r#"{"a": null}"#, r#"["a"]"#, r#""a""#] {
            assert!(
                serde_json::from_str::<Metadata>(bad).is_err(),
                "{bad} was accepted"
            );
        }
        let m: Metadata = serde_json::from_str(r#"{"b":"2","a":"1"}"#).unwrap();
        assert_eq!(format!("{m:?}"), r#"{"a": "1", "b": "2"}"#);
        assert_eq!(m.get("a"), Some("1"));
        assert!(m.contains_key("b") && !m.contains_key("c"));
    }
}
