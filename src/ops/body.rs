//! The exact request body, as the official SDK writes it: unset fields omitted, every value
//! a string, keys in the order of the SDK model of the route (3.1.219), `", "`/`": "`
//! separators (the SDK's `simplejson.dumps`). The models differ:
//!
//! | route | keys | metadata |
//! |---|---|---|
//! | ECS /v2 change (`ChangeServerOsWithCloudInitOption`) | adminpass keyname userid imageid metadata mode isAutoPay | __system__encrypted __system__cmkid user_data BYOL |
//! | ECS /v1 change (`…WithoutCloudInitOption`) | adminpass keyname userid imageid mode metadata isAutoPay | __system__encrypted __system__cmkid BYOL |
//! | ECS /v2 reinstall | adminpass keyname userid metadata mode | as /v2 change |
//! | ECS /v1 reinstall | adminpass keyname userid mode metadata | as /v1 change |
//! | BMS change / reinstall (`OsChange`, `OsReinstall`) | adminpass keyname userid imageid metadata | user_data __system__encrypted __system__cmkid |
//!
//! [`Body::to_bytes`] is what is sent, byte for byte; [`Body::masked`] what is shown.

use super::input::OpKind;
use super::route::Route;
use crate::secret::Secret;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;
use std::io;
use zeroize::Zeroizing;

/// What `adminpass` shows when masked.
pub const PASSWORD_MASK: &str = "********";

/// Where the password goes in a body written with [`Body::marked`] (a plan file).
pub const PASSWORD_MARKER: &str = "<secret:adminpass>";
/// Where the base64 user data goes in a body written with [`Body::marked`].
pub const USER_DATA_MARKER: &str = "<secret:user_data>";

/// How the secrets of a body are written.
#[derive(Clone, Copy)]
enum View<'a> {
    /// As they are: the bytes sent.
    Reveal,
    /// The password as `********`, the user data as this text.
    Mask(&'a str),
    /// Each as its marker.
    Mark,
}

/// `metadata` of any of the six bodies.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `"1"` or `"0"`.
    pub system_encrypted: Option<&'static str>,
    pub system_cmkid: Option<String>,
    /// Base64 text, and the size before encoding (for the masked view).
    pub user_data: Option<(Secret, usize)>,
    /// Only ever `"true"`.
    pub byol: Option<&'static str>,
}

impl Metadata {
    pub fn is_empty(&self) -> bool {
        self.system_encrypted.is_none()
            && self.system_cmkid.is_none()
            && self.user_data.is_none()
            && self.byol.is_none()
    }
}

/// The body of one change/reinstall request.
#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    pub op: OpKind,
    /// Decides the key order (the SDK model of the route).
    pub route: Route,
    pub adminpass: Option<Secret>,
    pub keyname: Option<String>,
    pub userid: Option<String>,
    pub imageid: Option<String>,
    pub metadata: Metadata,
    /// Only ever `"withStopServer"`.
    pub mode: Option<&'static str>,
    /// `"true"` / `"false"`.
    pub is_auto_pay: Option<&'static str>,
}

/// A JSON object with its keys in a fixed order, strings only (what the SDK models hold).
struct Ordered<'a>(Vec<(&'static str, Value<'a>)>);

enum Value<'a> {
    Str(&'a str),
    Obj(Ordered<'a>),
}

impl Ordered<'_> {
    fn new() -> Self {
        Ordered(Vec::with_capacity(8))
    }
}

impl<'a> Ordered<'a> {
    fn put(&mut self, key: &'static str, value: Option<&'a str>) {
        if let Some(v) = value {
            self.0.push((key, Value::Str(v)));
        }
    }
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Str(v) => s.serialize_str(v),
            Value::Obj(o) => o.serialize(s),
        }
    }
}

/// Separators as the SDK writes them: `", "` and `": "`.
struct SdkFormatter;

impl serde_json::ser::Formatter for SdkFormatter {
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

/// Largest body: 32 KB of user data is about 44 KB of base64, plus the other fields.
const BODY_CAPACITY: usize = 64 * 1024;

impl Body {
    fn metadata<'a>(&'a self, user_data: Option<&'a str>) -> Option<Ordered<'a>> {
        let m = &self.metadata;
        if m.is_empty() {
            return None;
        }
        let mut o = Ordered::new();
        if self.route == Route::Bms {
            o.put("user_data", user_data);
        }
        o.put("__system__encrypted", m.system_encrypted);
        o.put("__system__cmkid", m.system_cmkid.as_deref());
        if self.route == Route::V2 {
            o.put("user_data", user_data);
        }
        if self.route != Route::Bms {
            o.put("BYOL", m.byol);
        }
        Some(o)
    }

    /// The body with the secrets as given, masked or marked.
    fn ordered<'a>(&'a self, view: View<'a>) -> Ordered<'a> {
        let user_data = self.metadata.user_data.as_ref().map(|(b64, _)| match view {
            View::Reveal => b64.expose(),
            View::Mask(text) => text,
            View::Mark => USER_DATA_MARKER,
        });
        let mut inner = Ordered::new();
        inner.put(
            "adminpass",
            self.adminpass.as_ref().map(|p| match view {
                View::Reveal => p.expose(),
                View::Mask(_) => PASSWORD_MASK,
                View::Mark => PASSWORD_MARKER,
            }),
        );
        inner.put("keyname", self.keyname.as_deref());
        inner.put("userid", self.userid.as_deref());
        inner.put("imageid", self.imageid.as_deref());
        let metadata = self.metadata(user_data);
        // /v1 models put `mode` before `metadata`, /v2 after.
        if self.route == Route::V1 {
            inner.put("mode", self.mode);
        }
        if let Some(m) = metadata {
            inner.0.push(("metadata", Value::Obj(m)));
        }
        if self.route == Route::V2 {
            inner.put("mode", self.mode);
        }
        if self.op == OpKind::Change && self.route != Route::Bms {
            inner.put("isAutoPay", self.is_auto_pay);
        }
        Ordered(vec![(self.op.root_key(), Value::Obj(inner))])
    }

    fn user_data_mask(&self) -> String {
        match &self.metadata.user_data {
            Some((_, len)) => format!("<{len} bytes, base64>"),
            None => String::from("<none>"),
        }
    }

    /// Serialises into a buffer reserved up front, so it never reallocates: a reallocation
    /// would leave an unwiped copy of the password behind.
    fn write(&self, view: View<'_>) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(BODY_CAPACITY));
        let mut ser = serde_json::Serializer::with_formatter(&mut *out, SdkFormatter);
        // Serializing strings into a Vec cannot fail.
        if let Err(e) = self.ordered(view).serialize(&mut ser) {
            tracing::error!(error = %e, "request body did not serialize");
        }
        out
    }

    /// The bytes to send, secrets included, in a buffer wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.write(View::Reveal)
    }

    /// The body with each secret replaced by its marker ([`PASSWORD_MARKER`],
    /// [`USER_DATA_MARKER`]): what a plan file keeps, filled again when it is applied.
    pub fn marked(&self) -> String {
        String::from_utf8_lossy(&self.write(View::Mark)).into_owned()
    }

    /// The body for screens and logs: password as `********`, user data as its size.
    pub fn masked(&self) -> String {
        let mask = self.user_data_mask();
        String::from_utf8_lossy(&self.write(View::Mask(&mask))).into_owned()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_fields(op: OpKind, route: Route) -> Body {
        Body {
            op,
            route,
            adminpass: None,
            keyname: Some("k".into()),
            userid: Some("u".into()),
            imageid: (op == OpKind::Change).then(|| "i".into()),
            metadata: Metadata {
                system_encrypted: Some("1"),
                system_cmkid: Some("c".into()),
                user_data: (route != Route::V1).then(|| (Secret::new("ZA=="), 1)),
                byol: (route != Route::Bms).then_some("true"),
            },
            mode: (route != Route::Bms).then_some("withStopServer"),
            is_auto_pay: (op == OpKind::Change && route != Route::Bms).then_some("true"),
        }
    }

    /// The keys in the order they are written.
    fn keys(body: &Body) -> String {
        let text = String::from_utf8_lossy(&body.to_bytes()).into_owned();
        let pieces: Vec<&str> = text.split("\": ").collect();
        pieces[..pieces.len() - 1]
            .iter()
            .filter_map(|p| p.rsplit('"').next())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn each_route_in_its_sdk_model_order() {
        use OpKind::*;
        assert_eq!(
            keys(&all_fields(Change, Route::V2)),
            "os-change keyname userid imageid metadata __system__encrypted __system__cmkid user_data BYOL mode isAutoPay"
        );
        assert_eq!(
            keys(&all_fields(Change, Route::V1)),
            "os-change keyname userid imageid mode metadata __system__encrypted __system__cmkid BYOL isAutoPay"
        );
        assert_eq!(
            keys(&all_fields(Reinstall, Route::V2)),
            "os-reinstall keyname userid metadata __system__encrypted __system__cmkid user_data BYOL mode"
        );
        assert_eq!(
            keys(&all_fields(Reinstall, Route::V1)),
            "os-reinstall keyname userid mode metadata __system__encrypted __system__cmkid BYOL"
        );
        assert_eq!(
            keys(&all_fields(Change, Route::Bms)),
            "os-change keyname userid imageid metadata user_data __system__encrypted __system__cmkid"
        );
    }

    #[test]
    fn sdk_separators_and_masking() {
        let body = Body {
            op: OpKind::Change,
            route: Route::V2,
            adminpass: None,
            keyname: Some("kp-admin".into()),
            userid: Some("9f8e7d6c5b4a39281706f5e4d3c2b1a0".into()),
            imageid: Some("b3f1c6a2-8d4e-4f7a-9c1b-2e5d6f7a8b9c".into()),
            metadata: Metadata {
                user_data: Some((Secret::new("IyEvYmluL2Jhc2gKZWNobyBoaQo="), 20)),
                ..Default::default()
            },
            mode: Some("withStopServer"),
            is_auto_pay: None,
        };
        assert_eq!(
            String::from_utf8_lossy(&body.to_bytes()),
            r#"{"os-change": {"keyname": "kp-admin", "userid": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "imageid": "b3f1c6a2-8d4e-4f7a-9c1b-2e5d6f7a8b9c", "metadata": {"user_data": "IyEvYmluL2Jhc2gKZWNobyBoaQo="}, "mode": "withStopServer"}}"#
        );
        assert_eq!(
            body.masked(),
            r#"{"os-change": {"keyname": "kp-admin", "userid": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "imageid": "b3f1c6a2-8d4e-4f7a-9c1b-2e5d6f7a8b9c", "metadata": {"user_data": "<20 bytes, base64>"}, "mode": "withStopServer"}}"#
        );
    }

    #[test]
    fn password_never_in_debug_or_masked_and_the_buffer_never_moves() {
        let body = Body {
            op: OpKind::Reinstall,
            route: Route::V1,
            adminpass: Some(Secret::new("Str0ng!Pass")),
            keyname: None,
            userid: None,
            imageid: None,
            metadata: Metadata::default(),
            mode: None,
            is_auto_pay: None,
        };
        assert_eq!(
            body.masked(),
            r#"{"os-reinstall": {"adminpass": "********"}}"#
        );
        assert!(!format!("{body:?}").contains("Str0ng"));
        let bytes = body.to_bytes();
        assert_eq!(
            &bytes[..],
            br#"{"os-reinstall": {"adminpass": "Str0ng!Pass"}}"#
        );
        assert_eq!(
            bytes.capacity(),
            BODY_CAPACITY,
            "written without reallocating"
        );
    }
}
