//! One TAXII GET with everything a flaky or strict server needs: the TAXII `Accept` header,
//! credentials, timeouts, retries with exponential backoff, `429 Retry-After`, a cap on the
//! body size, and JSON errors that name the URL.
//!
//! Proxies come from the environment (`HTTPS_PROXY`, `NO_PROXY`…), which reqwest reads itself.

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use super::error::TaxiiError;
use super::resources::{DateHeaders, Paged};

/// The media type every TAXII 2.1 request accepts.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The largest error body read to explain a failed request.
const ERROR_BODY_LIMIT_BYTES: u64 = 64 * 1024;

/// The longest exponential backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How the client talks to the server; the defaults suit a public server on the internet.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time for one whole request, body included (medallion needs seconds for a first page).
    pub request_timeout: Duration,
    /// Time to open a connection.
    pub connect_timeout: Duration,
    /// Extra attempts after a failed one (connection errors, 5xx, 429).
    pub max_retries: u32,
    /// The first backoff; it doubles with each retry, up to a minute.
    pub retry_base_delay: Duration,
    /// The longest `Retry-After` the client waits; a longer one fails the request.
    pub max_retry_after: Duration,
    /// The largest response body read, in bytes (after decompression).
    pub max_body_bytes: u64,
    /// The `limit` sent with every object and manifest request.
    pub page_limit: u32,
    /// The most pages one listing may take before it is treated as a runaway server.
    pub max_pages: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(20),
            max_retries: 3,
            retry_base_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(15 * 60),
            max_body_bytes: 256 * 1024 * 1024,
            page_limit: 1000,
            max_pages: 10_000,
        }
    }
}

/// How the client proves who it is. `Debug` never shows a secret.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No authentication (MITRE's public server).
    #[default]
    Anonymous,
    /// HTTP Basic authentication.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Anonymous => formatter.write_str("Anonymous"),
            Self::Basic { user, .. } => write!(formatter, "Basic({user}, <secret>)"),
            Self::Bearer { .. } => formatter.write_str("Bearer(<secret>)"),
        }
    }
}

/// A reqwest client with the TAXII conventions applied to every request.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    credentials: Credentials,
    options: ClientOptions,
}

impl Transport {
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Self, TaxiiError> {
        let http = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("ThreatLens/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(TaxiiError::ClientSetup)?;
        Ok(Self {
            http,
            credentials,
            options,
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// GETs `url` and decodes its JSON body, retrying what can be retried: connection
    /// failures, bodies cut off in transfer, 5xx and 429.
    pub async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<Paged<T>, TaxiiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let retries_left = attempt <= self.options.max_retries;
            tracing::debug!(%url, attempt, "TAXII GET");

            let transport_error = match self.attempt(url).await {
                Ok(Attempt::Body { bytes, dates }) => return decode(url, &bytes, dates),
                Ok(Attempt::Refused { status, response }) => {
                    let delay = match self.retry_delay(url, status, response.headers(), attempt)? {
                        Some(delay) if retries_left => delay,
                        _ => return Err(failure(url, status, response).await),
                    };
                    tracing::warn!(%url, %status, "TAXII server busy; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                Err(AttemptError::Fatal(error)) => return Err(error),
                Err(AttemptError::Transport(source)) => source,
            };
            if !(retries_left && is_transient(&transport_error)) {
                return Err(TaxiiError::Unreachable {
                    url: url.to_string(),
                    attempts: attempt,
                    source: transport_error,
                });
            }
            let delay = self.backoff(attempt);
            let error = &transport_error;
            tracing::warn!(%url, %error, "TAXII request failed; retrying in {delay:?}");
            tokio::time::sleep(delay).await;
        }
    }

    /// One request: the whole body of a success, or the unsuccessful response.
    async fn attempt(&self, url: &Url) -> Result<Attempt, AttemptError> {
        let response = self
            .request(url)
            .send()
            .await
            .map_err(AttemptError::Transport)?;
        let status = response.status();
        if !status.is_success() {
            return Ok(Attempt::Refused { status, response });
        }
        let dates = DateHeaders {
            first: header_text(response.headers(), "x-taxii-date-added-first"),
            last: header_text(response.headers(), "x-taxii-date-added-last"),
        };
        let bytes = read_capped(url, response, self.options.max_body_bytes).await?;
        Ok(Attempt::Body { bytes, dates })
    }

    fn request(&self, url: &Url) -> reqwest::RequestBuilder {
        let request = self.http.get(url.clone()).header(ACCEPT, TAXII_MEDIA_TYPE);
        match &self.credentials {
            Credentials::Anonymous => request,
            Credentials::Basic { user, password } => request.basic_auth(user, Some(password)),
            Credentials::Bearer { token } => request.bearer_auth(token),
        }
    }

    /// How long to wait before retrying a response with `status`, or `None` if it is final.
    fn retry_delay(
        &self,
        url: &Url,
        status: StatusCode,
        headers: &HeaderMap,
        attempt: u32,
    ) -> Result<Option<Duration>, TaxiiError> {
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, jiff::Timestamp::now()));
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
            if wait > self.options.max_retry_after || attempt > self.options.max_retries {
                return Err(TaxiiError::RateLimited {
                    wait_secs: wait.as_secs(),
                    url: url.to_string(),
                });
            }
            return Ok(Some(wait));
        }
        let transient = matches!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
        );
        let wait = retry_after.unwrap_or_else(|| self.backoff(attempt));
        Ok((transient && wait <= self.options.max_retry_after).then_some(wait))
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.options
            .retry_base_delay
            .saturating_mul(factor)
            .min(MAX_BACKOFF)
    }
}

enum Attempt {
    Body {
        bytes: Vec<u8>,
        dates: DateHeaders,
    },
    Refused {
        status: StatusCode,
        response: reqwest::Response,
    },
}

enum AttemptError {
    /// Worth another try if the error is transient.
    Transport(reqwest::Error),
    /// Final (the body is too large).
    Fatal(TaxiiError),
}

fn decode<T: DeserializeOwned>(
    url: &Url,
    bytes: &[u8],
    dates: DateHeaders,
) -> Result<Paged<T>, TaxiiError> {
    let body = serde_json::from_slice(bytes).map_err(|source| TaxiiError::Json {
        url: url.to_string(),
        source,
    })?;
    Ok(Paged { body, dates })
}

fn is_transient(error: &reqwest::Error) -> bool {
    // A body cut off in transfer surfaces as a decode error when decompression is on.
    error.is_connect()
        || error.is_timeout()
        || error.is_request()
        || error.is_body()
        || error.is_decode()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Reads the body, failing as soon as it passes `limit_bytes`.
async fn read_capped(
    url: &Url,
    mut response: reqwest::Response,
    limit_bytes: u64,
) -> Result<Vec<u8>, AttemptError> {
    let too_large = || {
        AttemptError::Fatal(TaxiiError::TooLarge {
            limit_bytes,
            url: url.to_string(),
        })
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit_bytes)
    {
        return Err(too_large());
    }

    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
        if body.len() as u64 + chunk.len() as u64 > limit_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error for a final unsuccessful response, with the server's TAXII error text if any.
async fn failure(url: &Url, status: StatusCode, response: reqwest::Response) -> TaxiiError {
    let detail = read_capped(url, response, ERROR_BODY_LIMIT_BYTES)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<ErrorBody>(&bytes).ok())
        .map(|body| {
            let text = [body.title, body.description]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ");
            if text.is_empty() {
                text
            } else {
                format!("; {text}")
            }
        })
        .unwrap_or_default();
    let url = url.to_string();
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => TaxiiError::AccessDenied {
            status: status.as_u16(),
            detail,
            url,
        },
        _ => TaxiiError::Status {
            status: status.as_u16(),
            detail,
            url,
        },
    }
}

/// The TAXII error message resource.
#[derive(serde::Deserialize)]
struct ErrorBody {
    title: Option<String>,
    description: Option<String>,
}

/// A `Retry-After` value: delay seconds or an HTTP date (RFC 9110), relative to `now`.
pub(crate) fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = date.duration_since(now);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: jiff::Timestamp = "2015-10-21T07:27:30Z".parse().unwrap();

        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let date = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now);
        assert_eq!(date, Some(Duration::from_secs(30)));
        let past = parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now);
        assert_eq!(past, Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn credentials_debug_hides_secrets() {
        let basic = Credentials::Basic {
            user: "analyst".into(),
            password: "hunter2".into(),
        };
        let bearer = Credentials::Bearer {
            token: "tok-123".into(),
        };

        assert_eq!(format!("{basic:?}"), "Basic(analyst, <secret>)");
        assert!(!format!("{bearer:?}").contains("tok-123"));
    }
}
