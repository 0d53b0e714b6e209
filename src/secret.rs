//! The holders of every secret reimage keeps: the secret key and security token (config,
//! cloud), the admin password and user data (ops, the form, the console). One type for
//! all of them, below every layer that needs one, so each secret is wiped from memory on
//! drop and no `Debug` can print it, wherever it travels.

use std::fmt;
use zeroize::{ZeroizeOnDrop, Zeroizing};

/// A secret text: a secret key, a security token, an admin password. Wiped on drop;
/// `Debug` shows only whether it is set; there is no `Display`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself; call only to validate it, sign with it or put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of characters (for "8 of 26" hints without showing the value).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// Typing support for forms: append and delete without exposing the value.
    pub fn push(&mut self, c: char) {
        self.0.push(c);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }
}

/// Its only field is `Zeroizing`, which wipes the text when the secret is dropped.
impl ZeroizeOnDrop for Secret {}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// `secret_key = "…"` in config.toml: the decoded text moves into the wiped holder.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::new)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("Secret(empty)")
        } else {
            f.write_str("Secret(***)")
        }
    }
}

/// Secret bytes (user data as typed or read from a file). Wiped on drop; `Debug` shows
/// only the size.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(value: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Its only field is `Zeroizing`, which wipes the bytes when they are dropped.
impl ZeroizeOnDrop for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("Str0ng!Pass");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Secret::default()), "Secret(empty)");
        let b = SecretBytes::new(b"#!/bin/sh\necho hi\n".to_vec());
        assert_eq!(format!("{b:?}"), "SecretBytes(18 bytes)");
    }
}
