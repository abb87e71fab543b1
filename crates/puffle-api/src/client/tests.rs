//! Unit tests of the HTTP client's pure parts.

use super::*;

#[test]
fn status_codes_map_to_typed_errors() {
    let env = br#"{"error":{"code":"invalid_request","message":"items must contain between 1 and 200 entries"}}"#;
    assert!(matches!(
        status_error(StatusCode::BAD_REQUEST, env, None),
        ApiError::Invalid { status: 400, .. }
    ));
    assert!(matches!(
        status_error(StatusCode::UNAUTHORIZED, b"", None),
        ApiError::Unauthorized { .. }
    ));
    assert_eq!(
        status_error(
            StatusCode::TOO_MANY_REQUESTS,
            b"slow down",
            Some(Duration::from_secs(3))
        )
        .retry_after(),
        Some(Duration::from_secs(3))
    );
    assert!(matches!(
        status_error(StatusCode::BAD_GATEWAY, b"<html>", None),
        ApiError::Server { status: 502, .. }
    ));
    assert!(matches!(
        status_error(StatusCode::NOT_FOUND, b"", None),
        ApiError::Http { status: 404, .. }
    ));
}

#[test]
fn debug_output_never_shows_the_key() {
    let key = ApiKey::new("pk_live_TOPSECRET").unwrap();
    let cfg = ClientConfig::new("https://app.puffle.ai", key).unwrap();
    let c = Client::new(cfg.clone()).unwrap();
    for text in [
        format!("{cfg:?}"),
        format!("{c:?}"),
        format!("{:?}", c.pager(LeadQuery::default())),
    ] {
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}

#[test]
fn url_keeps_a_base_path() {
    let key = ApiKey::new("pk_test").unwrap();
    let c = Client::new(ClientConfig::new("http://127.0.0.1:9/prefix/", key).unwrap()).unwrap();
    assert_eq!(
        c.url("/api/signals/leads").as_str(),
        "http://127.0.0.1:9/prefix/api/signals/leads"
    );
}

#[test]
fn the_enum_tables_agree_with_their_parsers() {
    use crate::{GroupBy, SortBy, Status};
    for (i, st) in Status::ALL.into_iter().enumerate() {
        assert_eq!(st.index(), i, "index is the position in ALL");
        assert_eq!(Status::from_name(st.as_str()), Some(st));
        assert_eq!(Status::from_wire(st.as_str()).is_some(), st.is_settable());
        assert_eq!(st.to_string(), st.as_str());
    }
    assert!(Status::SETTABLE.iter().all(|s| Status::ALL.contains(s)));
    for g in GroupBy::ALL {
        assert_eq!(GroupBy::from_wire(g.as_str()), Some(g));
    }
    for k in SortBy::ALL {
        assert_eq!(SortBy::from_wire(k.as_str()), Some(k));
    }
    assert_eq!(Status::from_wire("unknown"), None, "never sent in a PATCH");
    assert_eq!(Status::from_name("Contacted"), None, "names are exact");
}
