//! Tolerant readers for reply fields: the API sends some numbers as strings and the other
//! way round, and null where a value is absent. A reply of an unexpected shape must become
//! an error message, never a panic, and an odd scalar must not fail a whole listing.

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A text field: a string, or a number or bool as its text; null reads as empty. Objects
/// and arrays keep their JSON text. `T` is `String` for unique texts (ids, names) and
/// `Shared` for repeated ones.
pub fn text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str> + Default,
{
    d.deserialize_any(Text(PhantomData))
}

/// An optional text field: null reads as `None`, any other value as its text.
pub fn opt_text<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str> + Default,
{
    struct Opt<T>(PhantomData<T>);
    impl<'de, T: for<'a> From<&'a str> + Default> Visitor<'de> for Opt<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, number, bool or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            text(d).map(Some)
        }
    }
    d.deserialize_option(Opt(PhantomData))
}

struct Text<T>(PhantomData<T>);

impl<'de, T: for<'a> From<&'a str> + Default> Visitor<'de> for Text<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, bool or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::from(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(T::from(if v { "true" } else { "false" }))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(T::from(v.to_string().as_str()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(T::from(v.to_string().as_str()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        let n = serde_json::Number::from_f64(v).map_or_else(String::new, |n| n.to_string());
        Ok(T::from(n.as_str()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(T::from(v.to_string().as_str()))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(T::from(v.to_string().as_str()))
    }
}

/// A number that may arrive as a string; unparsable or null reads as `None`.
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A bool that may arrive as `"true"`/`"false"` or null.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => false,
    })
}

/// Any field where null means "the default".
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list kept for the life of the inventory: null reads as empty, and the spare room a
/// growing vector reserves is given back.
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let mut v: Vec<T> = null_as_default(d)?;
    v.shrink_to_fit();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::shared::Shared;

    #[derive(Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "text")]
        s: String,
        #[serde(default, deserialize_with = "opt_text")]
        o: Option<Shared>,
        #[serde(default, deserialize_with = "u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "bool")]
        b: bool,
        #[serde(default, deserialize_with = "list")]
        l: Vec<u32>,
    }

    #[test]
    fn scalars_of_any_type_read_as_text() {
        for (json, want) in [
            (r#""a""#, "a"),
            ("7", "7"),
            ("-2", "-2"),
            ("1.5", "1.5"),
            ("true", "true"),
            ("null", ""),
            (r#"{"k":1}"#, r#"{"k":1}"#),
            ("[1]", "[1]"),
        ] {
            let r: Row = serde_json::from_str(&format!(r#"{{"s":{json},"o":{json}}}"#))
                .unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(r.s, want, "{json}");
            let o = if json == "null" { None } else { Some(want) };
            assert_eq!(r.o.as_deref(), o, "{json}");
        }
    }

    #[test]
    fn numbers_bools_and_lists_tolerate_strings_and_null() {
        let r: Row = serde_json::from_str(r#"{"n":"42","b":"TRUE","l":null}"#).expect("row");
        assert_eq!((r.n, r.b, r.l.len()), (Some(42), true, 0));
        let r: Row = serde_json::from_str(r#"{"n":"x","b":1,"l":[1,2,3,4,5]}"#).expect("row");
        assert_eq!((r.n, r.b), (None, false));
        assert_eq!(r.l.capacity(), 5);
        assert_eq!(r.s, "");
    }
}
