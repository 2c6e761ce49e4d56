//! Text that every wallet repeats (its tenant, environment, the users who created and updated
//! it), decoded into one shared copy rather than one allocation per wallet.
//!
//! 100,000 wallets carry four such ids each: as `String`s that was 400,000 allocations of the
//! same few texts, 16 MB of a console that holds them all. The pool hashes with foldhash
//! (hashbrown's default): SipHash showed in the decode profile.

use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use hashbrown::HashSet;
use serde::de::Visitor;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedStr(Arc<str>);

/// Distinct texts a thread's pool keeps; past this (not ids that repeat after all) a text gets
/// its own copy, so the pool stays small whatever a reply holds.
const POOL_CAP: usize = 1024;

thread_local! {
    static POOL: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

impl SharedStr {
    /// The pooled copy of `text`, pooled now if the pool has room.
    pub fn interned(text: &str) -> Self {
        POOL.with_borrow_mut(|pool| {
            if let Some(shared) = pool.get(text) {
                return SharedStr(shared.clone());
            }
            let shared: Arc<str> = Arc::from(text);
            if pool.len() < POOL_CAP {
                pool.insert(shared.clone());
            }
            SharedStr(shared)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> Self {
        SharedStr(Arc::from(text))
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> Self {
        SharedStr(Arc::from(text))
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl Visitor<'_> for StrVisitor {
            type Value = SharedStr;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SharedStr, E> {
                Ok(SharedStr::interned(v))
            }
        }
        d.deserialize_str(StrVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_copies_share_one_allocation() {
        let [a, b]: [SharedStr; 2] = serde_json::from_str(r#"["tenant_1","tenant_1"]"#).unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "tenant_1");
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""tenant_1""#);
        // Escapes decode to the same text, and so to the same copy.
        let c: SharedStr = serde_json::from_str(r#""tenant\u005f1""#).unwrap();
        assert!(Arc::ptr_eq(&a.0, &c.0));
        assert!(serde_json::from_str::<SharedStr>("1").is_err());
    }

    #[test]
    fn the_pool_stays_bounded() {
        std::thread::spawn(|| {
            for i in 0..POOL_CAP + 100 {
                let s = SharedStr::interned(&format!("user_{i}"));
                assert_eq!(s.as_str(), format!("user_{i}"));
            }
            assert_eq!(POOL.with_borrow(HashSet::len), POOL_CAP);
            // Past the cap a text is still decoded right, only not shared.
            let late = format!("user_{}", POOL_CAP + 50);
            assert!(!Arc::ptr_eq(
                &SharedStr::interned(&late).0,
                &SharedStr::interned(&late).0
            ));
        })
        .join()
        .unwrap();
    }
}
