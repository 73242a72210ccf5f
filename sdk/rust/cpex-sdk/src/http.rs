//! Outbound HTTP through the host (`cpex.http_request`, docs/abi.md §3.5). Only for plugins run with
//! `execution: worker` and granted `sandbox_policy.allowed_network`; the host refuses to load an inline plugin
//! that uses it. A request the grant does not allow ends the call with `network_denied` (it never returns here);
//! a transport failure or an oversized response is an [`HttpError`] the plugin can handle (fail closed!).
//!
//! ```text
//! let res = cpex_sdk::http::Request::get("https://lists.example.com/allow?tool=x").send()?;
//! if res.status == 200 && res.text() == "allow" { … }
//! ```

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// Bytes that travel as MessagePack `bin` (serde's default for `Vec<u8>` is an array of integers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                Ok(Bytes(v.as_bytes().to_vec()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bytes, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Bytes(out))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// One request: method, absolute URL, headers (the host sets `Host`, `Content-Length` and `Connection`), body.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// An absolute `http://` or `https://` URL.
    pub url: String,
    /// Header names and values.
    pub headers: BTreeMap<String, String>,
    /// The request body (empty: none).
    pub body: Bytes,
}

impl Request {
    /// A request with `method` to `url`.
    pub fn new(method: &str, url: &str) -> Self {
        Request { method: method.to_string(), url: url.to_string(), headers: BTreeMap::new(), body: Bytes::default() }
    }
    /// A GET request.
    pub fn get(url: &str) -> Self {
        Request::new("GET", url)
    }
    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_string(), value.to_string());
        self
    }
    /// Set the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Bytes(body.into());
        self
    }
    /// Send it through the host (see [`send`]).
    pub fn send(&self) -> Result<Response, HttpError> {
        send(self)
    }
}

/// The response: status, headers (lower-case names; repeated headers joined with `, `), body. Redirects are
/// not followed: a 3xx arrives as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: BTreeMap<String, String>,
    /// Response body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A request that was allowed but did not produce a response: `connect_failed`, `response_too_large`,
/// `bad_response`, or `invalid_response` (the SDK could not read the host's answer).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct HttpError {
    /// Machine-readable code.
    pub code: String,
    /// What happened.
    pub message: String,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

#[derive(Deserialize)]
struct Wire {
    status: Option<u16>,
    headers: Option<BTreeMap<String, String>>,
    body: Option<Bytes>,
    error: Option<HttpError>,
}

/// Decode the host's answer message.
pub fn decode_response(bytes: &[u8]) -> Result<Response, HttpError> {
    let bad = |m: String| HttpError { code: "invalid_response".to_string(), message: m };
    let w: Wire = rmp_serde::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if let Some(e) = w.error {
        return Err(e);
    }
    Ok(Response {
        status: w.status.ok_or_else(|| bad("no status".to_string()))?,
        headers: w.headers.unwrap_or_default(),
        body: w.body.unwrap_or_default().0,
    })
}

#[cfg(target_arch = "wasm32")]
mod sys {
    #[link(wasm_import_module = "cpex")]
    extern "C" {
        pub fn http_request(ptr: *const u8, len: i32) -> i32;
        pub fn http_response_read(ptr: *mut u8, cap: i32) -> i32;
    }
}

/// Send `req` through the host and wait for the answer (the call's deadline still applies).
#[cfg(target_arch = "wasm32")]
pub fn send(req: &Request) -> Result<Response, HttpError> {
    let bytes = rmp_serde::to_vec_named(req)
        .map_err(|e| HttpError { code: "invalid_request".to_string(), message: e.to_string() })?;
    let n = unsafe { sys::http_request(bytes.as_ptr(), bytes.len() as i32) } as usize;
    let mut buf = vec![0u8; n];
    let got = unsafe { sys::http_response_read(buf.as_mut_ptr(), n as i32) } as usize;
    buf.truncate(got.min(n));
    decode_response(&buf)
}

/// Natively: the responder installed with [`crate::testing::set_http_responder`], else `connect_failed`.
#[cfg(not(target_arch = "wasm32"))]
pub fn send(req: &Request) -> Result<Response, HttpError> {
    crate::abi::native::http(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_travels_as_bin_and_responses_decode() {
        let bytes = rmp_serde::to_vec_named(&Request::get("http://x/").body(vec![1u8, 2])).unwrap();
        // ... "body" (fixstr 4) then bin8 of 2 bytes.
        assert!(bytes.windows(8).any(|w| w == [0xa4, b'b', b'o', b'd', b'y', 0xc4, 2, 1]));
        let ok = rmp_serde::to_vec_named(&serde_json::json!({ "status": 200, "headers": { "a": "b" } })).unwrap();
        assert_eq!(decode_response(&ok).unwrap().status, 200);
        let err = rmp_serde::to_vec_named(&serde_json::json!({ "error": { "code": "connect_failed", "message": "m" } })).unwrap();
        assert_eq!(decode_response(&err).unwrap_err().code, "connect_failed");
    }
}
