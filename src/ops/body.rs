//! The exact request body (API doc 8.2, 8.3): unset fields omitted, every value a string,
//! keys in the SDK model order (`adminpass, keyname, userid, imageid, metadata, mode,
//! isAutoPay`; metadata `__system__encrypted, __system__cmkid, user_data, BYOL`) and the
//! SDK's `", "`/`": "` separators. The doc's v2 example lists `mode` before `metadata`; the
//! SDK model (which decides the order on the wire) has it after, and servers ignore order.

use super::input::OpKind;
use super::secret::Secret;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use zeroize::Zeroizing;

/// What `adminpass` shows when masked.
pub const PASSWORD_MASK: &str = "********";

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

#[derive(Serialize)]
struct WireInner<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    adminpass: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    userid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    imageid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<WireMetadata<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'a str>,
    #[serde(rename = "isAutoPay", skip_serializing_if = "Option::is_none")]
    is_auto_pay: Option<&'a str>,
}

#[derive(Serialize)]
struct WireMetadata<'a> {
    #[serde(
        rename = "__system__encrypted",
        skip_serializing_if = "Option::is_none"
    )]
    system_encrypted: Option<&'a str>,
    #[serde(rename = "__system__cmkid", skip_serializing_if = "Option::is_none")]
    system_cmkid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_data: Option<&'a str>,
    #[serde(rename = "BYOL", skip_serializing_if = "Option::is_none")]
    byol: Option<&'a str>,
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

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
}

impl Body {
    fn wire<'a>(&'a self, masked: &'a str) -> BTreeMap<&'static str, WireInner<'a>> {
        let reveal = masked.is_empty();
        let m = &self.metadata;
        let metadata = (!m.is_empty()).then(|| WireMetadata {
            system_encrypted: m.system_encrypted,
            system_cmkid: m.system_cmkid.as_deref(),
            user_data: m
                .user_data
                .as_ref()
                .map(|(b64, _)| if reveal { b64.expose() } else { masked }),
            byol: m.byol,
        });
        let inner = WireInner {
            adminpass: self
                .adminpass
                .as_ref()
                .map(|p| if reveal { p.expose() } else { PASSWORD_MASK }),
            keyname: self.keyname.as_deref(),
            userid: self.userid.as_deref(),
            imageid: self.imageid.as_deref(),
            metadata,
            mode: self.mode,
            is_auto_pay: self.is_auto_pay,
        };
        BTreeMap::from([(self.op.root_key(), inner)])
    }

    fn user_data_mask(&self) -> String {
        match &self.metadata.user_data {
            Some((_, len)) => format!("<{len} bytes, base64>"),
            None => String::from("<none>"),
        }
    }

    fn write(&self, masked: &str) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64 * 1024));
        let mut ser = serde_json::Serializer::with_formatter(&mut *out, SdkFormatter);
        // Serializing strings into a Vec cannot fail.
        if let Err(e) = self.wire(masked).serialize(&mut ser) {
            tracing::error!(error = %e, "request body did not serialize");
        }
        out
    }

    /// The bytes to send, secrets included. Wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.write("")
    }

    /// The body as a JSON value, secrets included (for the client's `&Value` API; drop it
    /// right after sending). Key order is not kept by `Value`; servers do not depend on it.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self.wire("")).unwrap_or(serde_json::Value::Null)
    }

    /// The body for screens and logs: password as `********`, user data as its size.
    pub fn masked(&self) -> String {
        let mask = self.user_data_mask();
        String::from_utf8_lossy(&self.write(&mask)).into_owned()
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

    #[test]
    fn sdk_order_separators_and_masking() {
        let body = Body {
            op: OpKind::Change,
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
    fn password_never_in_debug_or_masked() {
        let body = Body {
            op: OpKind::Reinstall,
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
        assert_eq!(
            body.to_value(),
            serde_json::json!({"os-reinstall": {"adminpass": "Str0ng!Pass"}})
        );
    }
}
