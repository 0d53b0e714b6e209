//! `Keyed<V>`: the small JSON objects of a record (server metadata, addresses by network)
//! as one sorted vector. A `BTreeMap` node reserves room for eleven entries, so a server's
//! one-network address map cost half a kilobyte; a vector costs what it holds.

use super::shared::Shared;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

#[derive(Clone, PartialEq, Eq)]
pub struct Keyed<V>(Vec<(Shared, V)>);

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed(Vec::new())
    }
}

impl<V> Keyed<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Sets `key`, replacing its value if present.
    pub fn insert(&mut self, key: impl Into<Shared>, value: V) {
        let key = key.into();
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Into<Shared>, V> FromIterator<(K, V)> for Keyed<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut all: Vec<(Shared, V)> = iter.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable, then keep the last of equal keys: the JSON object rule.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Shared, V)> = Vec::with_capacity(all.len());
        for (k, v) in all {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        out.shrink_to_fit();
        Keyed(out)
    }
}

impl<V: fmt::Debug> fmt::Debug for Keyed<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: Serialize> Serialize for Keyed<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

/// Reads an object; null or absent reads as empty.
impl<'de, V: Deserialize<'de>> Deserialize<'de> for Keyed<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Object<V> {
            type Value = Keyed<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Keyed::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Keyed::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((k, v)) = map.next_entry::<Shared, V>()? {
                    all.push((k, v));
                }
                Ok(all.into_iter().collect())
            }
        }
        d.deserialize_option(Object(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sorted_last_duplicate_wins_and_round_trips() {
        let m: Keyed<Shared> =
            serde_json::from_str(r#"{"os_type":"Linux","a":1,"os_bit":64,"a":null}"#)
                .expect("object");
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("os_bit").map(Shared::as_str), Some("64"));
        assert_eq!(m.get("a").map(Shared::as_str), Some(""));
        assert_eq!(m.get("missing"), None);
        let keys: Vec<&str> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "os_bit", "os_type"]);
        assert_eq!(
            serde_json::to_string(&m).expect("json"),
            r#"{"a":"","os_bit":"64","os_type":"Linux"}"#
        );
        let none: Keyed<Shared> = serde_json::from_str("null").expect("null");
        assert!(none.is_empty());
    }

    #[test]
    fn insert_keeps_order_and_replaces() {
        let mut m: Keyed<u32> = Keyed::default();
        m.insert("b", 1);
        m.insert("a", 2);
        m.insert("b", 3);
        assert_eq!(m.iter().collect::<Vec<_>>(), [("a", &2), ("b", &3)]);
    }
}
