//! Malformed answers for `/api` requests: the runtime `malformed` fault.
//!
//! Set through `POST /__faults` as `{"malformed": "<mode>"}` (`null` or `"off"` clears it). It is
//! the last stage of the pipeline in `faults.rs`, after authentication: the request is counted,
//! logged, rate limited, delayed, failed or dropped like any other, a request with a bad key
//! still gets its 401, and only then does a malformed answer take the place of the handler's.
//!
//! Apart from [`Malformed::CursorLoop`], the route handler does not run, so a PATCH answered
//! with a malformed response changes nothing on the server: the client must keep the change and
//! send it again once the fault is cleared.

use std::io;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// What a malformed answer looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Malformed {
    /// `json`: a 200 whose body is not JSON: the start of the expected document, cut off
    /// (`{"leads": [ {"id": `), followed by a few bytes of garbage (C0 controls, ESC included,
    /// and bytes that are not UTF-8). No byte of the garbage can start a JSON value, so the body
    /// never parses.
    Json,
    /// `html`: a 502 `text/html` error page (`<html><body>Bad Gateway</body></html>`), as a
    /// proxy in front of the API would send.
    Html,
    /// `types`: a 200 with valid JSON whose fields all have the wrong type: `"leads": "nope"`
    /// (GET leads), `"updated": 5` (PATCH), `"signals": {}` (GET signals), with a pagination
    /// object of the wrong shape as well.
    Types,
    /// `missing`: a 200 with `{}` for every endpoint.
    Missing,
    /// `truncated`: a 200 whose `Content-Length` promises the whole (valid) document, but only
    /// the first half is sent before the connection is aborted.
    Truncated,
    /// `huge`: a 200 with a [`HUGE_BYTES`] (50 MiB) JSON document, streamed in
    /// [`HUGE_CHUNK`]-byte chunks that share one buffer (nothing of that size is ever held in
    /// memory), without a `Content-Length`, so the client has to count while reading.
    Huge,
    /// `cursor_loop`: `GET /api/signals/leads` ignores the `cursor` it is sent and answers the
    /// first page, whose `pagination` is `{"cursor": "<id of that page's last row>",
    /// "hasMore": true}`: the same cursor on every call, for ever. The real handler runs (the
    /// rows are genuine); every other endpoint behaves normally.
    CursorLoop,
    /// `hostile_error`: a 400 `{"error":{"code","message"}}` envelope whose code and message
    /// carry terminal escape sequences (`ESC ]0;PWNED BEL`, `ESC [2J`, 8-bit `CSI 31m`), C0
    /// controls and bidi overrides/isolates.
    HostileError,
}

/// Total size of a [`Malformed::Huge`] body.
pub(crate) const HUGE_BYTES: usize = 50 * 1024 * 1024;
/// Size of one chunk of a [`Malformed::Huge`] body.
pub(crate) const HUGE_CHUNK: usize = 64 * 1024;

/// The message of the [`Malformed::HostileError`] envelope.
pub(crate) const HOSTILE_MESSAGE: &str = "request refused \u{1b}]0;PWNED\u{7}by policy\u{1b}[2J\u{1b}[H \u{9b}31mred\u{202e}desrever\u{202c} \u{2066}isolated\u{2069} zero\u{200b}width\r\nsecond line\u{7}\u{0}";
/// The code of the [`Malformed::HostileError`] envelope.
const HOSTILE_CODE: &str = "invalid_request\u{1b}[5m\u{202e}";

/// The cursor sent by [`Malformed::CursorLoop`] when the first page is empty.
const LOOP_CURSOR: &str = "cursor-loop";

impl Malformed {
    /// Every mode, in documentation order.
    pub(crate) const ALL: [Malformed; 8] = [
        Malformed::Json,
        Malformed::Html,
        Malformed::Types,
        Malformed::Missing,
        Malformed::Truncated,
        Malformed::Huge,
        Malformed::CursorLoop,
        Malformed::HostileError,
    ];

    /// The name used in `/__faults`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Malformed::Json => "json",
            Malformed::Html => "html",
            Malformed::Types => "types",
            Malformed::Missing => "missing",
            Malformed::Truncated => "truncated",
            Malformed::Huge => "huge",
            Malformed::CursorLoop => "cursor_loop",
            Malformed::HostileError => "hostile_error",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Malformed> {
        Malformed::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// `json, html, …` for error messages.
    pub(crate) fn names() -> String {
        Malformed::ALL.map(Malformed::as_str).join(", ")
    }
}

/// Which endpoint a request is for; the malformed bodies mimic each one's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    ListLeads,
    PatchLeads,
    ListSignals,
    /// Unknown `/api` paths and wrong methods.
    Other,
}

impl Endpoint {
    fn of(method: &Method, path: &str) -> Endpoint {
        match (method, path.trim_end_matches('/')) {
            (&Method::GET, "/api/signals/leads") => Endpoint::ListLeads,
            (&Method::PATCH, "/api/signals/leads") => Endpoint::PatchLeads,
            (&Method::GET, "/api/signals") => Endpoint::ListSignals,
            _ => Endpoint::Other,
        }
    }

    /// The name of the top-level array of a good answer.
    fn array(self) -> &'static str {
        match self {
            Endpoint::ListLeads => "leads",
            Endpoint::PatchLeads => "updated",
            Endpoint::ListSignals => "signals",
            Endpoint::Other => "data",
        }
    }
}

/// Answers an authenticated `/api` request in `mode`. `garbage` supplies the random bytes of
/// [`Malformed::Json`] (drawn only in that mode).
pub(crate) async fn respond(
    mode: Malformed,
    req: Request,
    next: Next,
    garbage: impl FnOnce() -> Vec<u8>,
) -> Response {
    let endpoint = Endpoint::of(req.method(), req.uri().path());
    match mode {
        Malformed::Json => not_json(endpoint, garbage()),
        Malformed::Html => html(),
        Malformed::Types => json_200(wrong_types(endpoint)),
        Malformed::Missing => json_200(json!({})),
        Malformed::Truncated => truncated(endpoint),
        Malformed::Huge => huge(endpoint),
        Malformed::CursorLoop if endpoint == Endpoint::ListLeads => cursor_loop(req, next).await,
        Malformed::CursorLoop => next.run(req).await,
        Malformed::HostileError => hostile_error(),
    }
}

fn with_type(mut response: Response, content_type: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn json_200(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn not_json(endpoint: Endpoint, garbage: Vec<u8>) -> Response {
    let mut body = match endpoint {
        Endpoint::PatchLeads => br#"{"updated": [ "#.to_vec(),
        _ => format!(r#"{{"{}": [ {{"id": "#, endpoint.array()).into_bytes(),
    };
    body.extend(garbage);
    with_type((StatusCode::OK, body).into_response(), "application/json")
}

/// Bytes that cannot start a JSON value: C0 controls (ESC among them) and bytes >= 0x80 (not
/// UTF-8 on their own). Whitespace among them is skipped by a parser, which then still finds no
/// value.
pub(crate) fn garbage_byte(roll: u64) -> u8 {
    let low = (roll >> 8) as u8;
    if roll & 1 == 0 {
        low & 0x1f
    } else {
        0x80 | low
    }
}

fn html() -> Response {
    with_type(
        (
            StatusCode::BAD_GATEWAY,
            "<html><body>Bad Gateway</body></html>",
        )
            .into_response(),
        "text/html; charset=utf-8",
    )
}

fn wrong_types(endpoint: Endpoint) -> Value {
    match endpoint {
        Endpoint::ListLeads => json!({
            "leads": "nope",
            "pagination": {"cursor": ["x"], "hasMore": "yes", "count": "many"},
        }),
        Endpoint::PatchLeads => json!({"updated": 5, "errors": "none"}),
        Endpoint::ListSignals => json!({"signals": {}, "pagination": 7}),
        Endpoint::Other => json!({"data": "nope", "error": 5}),
    }
}

/// A valid document of the endpoint's shape, a few KB long (padding included), so that half
/// of it is a real chunk of bytes.
fn complete_document(endpoint: Endpoint) -> Vec<u8> {
    let padding = "x".repeat(8 * 1024);
    let value = match endpoint {
        Endpoint::PatchLeads => json!({"updated": [], "errors": [], "padding": padding}),
        Endpoint::Other => json!({"data": [], "padding": padding}),
        _ => json!({
            endpoint.array(): [],
            "padding": padding,
            "pagination": {"cursor": null, "hasMore": false, "count": 0},
        }),
    };
    value.to_string().into_bytes()
}

fn truncated(endpoint: Endpoint) -> Response {
    let full = Bytes::from(complete_document(endpoint));
    let promised = full.len();
    let mut response = Response::new(half_then_abort(
        full,
        "demo server: injected truncated body",
    ));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(promised));
    response
}

/// A body that yields the first half of `full`, then fails. Under a `Content-Length` of the
/// whole, hyper aborts the connection with the length unmet, and the client sees a body that
/// ended early. Also used by the `cut` script step (`faults.rs`).
pub(crate) fn half_then_abort(full: Bytes, reason: &'static str) -> Body {
    let half = full.slice(..full.len() / 2);
    // Yield the first half, then pause so hyper flushes it to the socket (a body that is
    // `Pending` gets its buffered bytes written), then fail.
    let stream = futures::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(half), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((
                        Err(io::Error::new(io::ErrorKind::ConnectionAborted, reason)),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    Body::from_stream(stream)
}

/// `{"<array>":["xxx…","xxx…",…,"end"],"pagination":{…}}`, [`HUGE_BYTES`] in total, as
/// chunks that share one buffer.
fn huge_parts(endpoint: Endpoint) -> impl Iterator<Item = Bytes> + Send + 'static {
    let head = Bytes::from(format!(r#"{{"{}":["#, endpoint.array()));
    let tail = Bytes::from_static(br#""end"],"pagination":{"cursor":null,"hasMore":false}}"#);
    // One padding element per chunk: `"xxx…x",`.
    let mut element = Vec::with_capacity(HUGE_CHUNK);
    element.push(b'"');
    element.resize(HUGE_CHUNK - 2, b'x');
    element.extend_from_slice(b"\",");
    let element = Bytes::from(element);
    let chunks = (HUGE_BYTES - head.len() - tail.len()) / HUGE_CHUNK;
    let last = HUGE_BYTES - head.len() - tail.len() - chunks * HUGE_CHUNK;
    // The remainder as one shorter element (`"x…x",`), so the total is exact.
    let rest = if last >= 3 {
        let mut v = Vec::with_capacity(last);
        v.push(b'"');
        v.resize(last - 2, b'x');
        v.extend_from_slice(b"\",");
        Bytes::from(v)
    } else {
        Bytes::from(vec![b' '; last])
    };
    std::iter::once(head)
        .chain(std::iter::repeat_n(element, chunks))
        .chain([rest, tail])
}

fn huge(endpoint: Endpoint) -> Response {
    let parts = huge_parts(endpoint).map(Ok::<Bytes, io::Error>);
    with_type(
        Response::new(Body::from_stream(futures::stream::iter(parts))),
        "application/json",
    )
}

/// The request's URI without its `cursor` parameter.
fn without_cursor(uri: &Uri) -> Option<Uri> {
    let query = uri.query().unwrap_or_default();
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut rebuilt = uri.path().to_owned();
    if !kept.is_empty() {
        rebuilt.push('?');
        rebuilt.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(kept)
                .finish(),
        );
    }
    rebuilt.parse().ok()
}

async fn cursor_loop(mut req: Request, next: Next) -> Response {
    if let Some(uri) = without_cursor(req.uri()) {
        *req.uri_mut() = uri;
    }
    let response = next.run(req).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    // The handler built this page in memory already; reading it back costs nothing new.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return super::faults::dropped_response(),
    };
    let Ok(mut page) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let count = page["leads"].as_array().map_or(0, Vec::len);
    let cursor = page["leads"]
        .as_array()
        .and_then(|rows| rows.last())
        .and_then(|row| row["id"].as_str())
        .unwrap_or(LOOP_CURSOR)
        .to_owned();
    if let Some(obj) = page.as_object_mut() {
        obj.insert(
            "pagination".into(),
            json!({"cursor": cursor, "hasMore": true, "count": count}),
        );
    }
    json_200(page)
}

fn hostile_error() -> Response {
    let body = json!({"error": {"code": HOSTILE_CODE, "message": HOSTILE_MESSAGE}});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Malformed::ALL {
            assert_eq!(Malformed::parse(m.as_str()), Some(m));
            assert_eq!(serde_json::to_value(m).ok(), Some(Value::from(m.as_str())));
        }
        assert_eq!(Malformed::parse("off"), None);
    }

    #[test]
    fn garbage_never_starts_a_value() {
        for roll in 0..4096u64 {
            let b = garbage_byte(roll.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            assert!(!(0x20..0x80).contains(&b), "{b:#x}");
        }
    }

    #[test]
    fn cursor_is_stripped() {
        let uri: Uri = "/api/signals/leads?groupBy=person&cursor=abc&limit=100"
            .parse()
            .unwrap_or_default();
        let out = without_cursor(&uri).map(|u| u.to_string());
        assert_eq!(
            out.as_deref(),
            Some("/api/signals/leads?groupBy=person&limit=100")
        );
    }

    #[test]
    fn huge_bodies_have_the_promised_size_and_share_their_chunks() {
        let parts: Vec<Bytes> = huge_parts(Endpoint::ListLeads).collect();
        assert_eq!(parts.iter().map(Bytes::len).sum::<usize>(), HUGE_BYTES);
        assert!(parts[0].starts_with(br#"{"leads":["#));
        assert!(parts.iter().all(|p| p.len() <= HUGE_CHUNK));
        // The padding chunks are views of one buffer, not copies.
        assert_eq!(parts[1].as_ptr(), parts[2].as_ptr());
        let tail = parts.last().map(|b| b.to_vec()).unwrap_or_default();
        assert!(tail.ends_with(b"}}"));
    }

    #[test]
    fn truncated_documents_are_valid_json() {
        for e in [
            Endpoint::ListLeads,
            Endpoint::PatchLeads,
            Endpoint::ListSignals,
            Endpoint::Other,
        ] {
            assert!(serde_json::from_slice::<Value>(&complete_document(e)).is_ok());
        }
    }
}
