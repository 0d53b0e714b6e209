//! `Shared`: an immutable string that every record holding the same text points to.
//!
//! A listing of 11,000 servers repeats a few hundred distinct statuses, flavors, zones,
//! image ids and metadata keys and values. Held as `String`s they were a third of the
//! inventory's memory; interned, each distinct text is stored once and a field costs a
//! pointer. Texts nobody holds any more are dropped from the pool as it grows.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shared(Arc<str>);

/// Distinct texts seen, and the pool size at which unheld ones are next swept out.
struct Pool {
    texts: HashSet<Arc<str>>,
    sweep_at: usize,
}

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        texts: HashSet::new(),
        sweep_at: 4096,
    })
});

impl Shared {
    /// The pooled copy of `s`. Long texts are rarely repeated: they get their own copy.
    pub fn new(s: &str) -> Self {
        if s.is_empty() {
            return Shared::default();
        }
        if s.len() > 96 {
            return Shared(Arc::from(s));
        }
        // A poisoned pool still holds valid texts: keep using it.
        let mut pool = POOL.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = pool.texts.get(s) {
            return Shared(Arc::clone(t));
        }
        if pool.texts.len() >= pool.sweep_at {
            pool.texts.retain(|t| Arc::strong_count(t) > 1);
            pool.sweep_at = (pool.texts.len() * 2).max(4096);
        }
        let t: Arc<str> = Arc::from(s);
        pool.texts.insert(Arc::clone(&t));
        Shared(t)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Shared {
    fn default() -> Self {
        static EMPTY: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));
        Shared(Arc::clone(&EMPTY))
    }
}

impl Deref for Shared {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Shared {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl From<&str> for Shared {
    fn from(s: &str) -> Self {
        Shared::new(s)
    }
}

impl From<String> for Shared {
    fn from(s: String) -> Self {
        Shared::new(&s)
    }
}

impl PartialEq<str> for Shared {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Shared {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl Serialize for Shared {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Shared {
    /// Lenient like every text of a reply: a number or bool reads as its text, null as empty.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::lenient::text(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_allocation() {
        let a = Shared::new("c7.large.2");
        let b: Shared = String::from("c7.large.2").into();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "c7.large.2");
        assert_ne!(a, Shared::new("c7.large.4"));
    }

    #[test]
    fn unheld_texts_are_swept_as_the_pool_grows() {
        let kept = Shared::new("kept-across-sweeps");
        for i in 0..20_000 {
            Shared::new(&format!("transient-{i}"));
        }
        let pool = POOL.lock().expect("pool");
        assert!(
            pool.texts.len() < 12_000,
            "pool kept {} texts",
            pool.texts.len()
        );
        assert!(pool.texts.contains("kept-across-sweeps"));
        drop(pool);
        assert!(Arc::ptr_eq(&kept.0, &Shared::new("kept-across-sweeps").0));
    }
}
