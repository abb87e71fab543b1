//! The error envelope `{"error":{"code","message"}}` and the errors that produce it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every error the demo server answers with. The `Display` text becomes the envelope `message`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400 `invalid_request`.
    #[error("{0}")]
    InvalidRequest(String),
    /// 401 `unauthorized`.
    #[error("missing or invalid API key; send `Authorization: Bearer <key>`")]
    Unauthorized,
    /// 404 `not_found` for unknown routes.
    #[error("no route for {0}")]
    NotFound(String),
    /// 405 `method_not_allowed`.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 413 `payload_too_large` (the `max_body_bytes` switch).
    #[error("request body is {got} bytes; this server accepts at most {limit} bytes")]
    PayloadTooLarge { limit: usize, got: usize },
    /// 429 `rate_limited`, with `Retry-After` in whole seconds.
    #[error("rate limit exceeded; retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Injected 500/502/503 `internal_error` (`fail_rate`), with the raw `Retry-After` of
    /// `fail_retry_after` when that is set.
    #[error("injected failure (demo server fault injection)")]
    Injected {
        status: StatusCode,
        retry_after: Option<String>,
    },
    /// A forced answer of the `script` switch: any 4xx/5xx, with an optional raw `Retry-After`.
    #[error("forced answer {} (demo server script)", status.as_u16())]
    Forced {
        status: StatusCode,
        retry_after: Option<String>,
    },
}

impl ApiError {
    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::InvalidRequest(message.into())
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Injected { status, .. } | ApiError::Forced { status, .. } => *status,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Injected { .. } => "internal_error",
            ApiError::Forced { status, .. } => forced_code(*status),
        }
    }
}

/// The envelope code of a forced status: the documented codes where there is one.
fn forced_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        413 => "payload_too_large",
        422 => "unprocessable_entity",
        429 => "rate_limited",
        503 => "service_unavailable",
        500..=599 => "internal_error",
        _ => "invalid_request",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code(), "message": self.to_string() } });
        let mut response = (self.status(), axum::Json(body)).into_response();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after_secs } => {
                Some(HeaderValue::from(*retry_after_secs))
            }
            ApiError::Injected { retry_after, .. } | ApiError::Forced { retry_after, .. } => {
                // Validated when the setting was made; an invalid value is simply not sent.
                retry_after
                    .as_deref()
                    .and_then(|v| HeaderValue::from_str(v).ok())
            }
            _ => None,
        };
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
