//! Normalized events as NDJSON records: what `threatlens events` prints for jq and for tests.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::event::{Action, Event, EventFormat, Outcome};

/// One event as a flat JSON object. Unset fields are left out.
#[derive(Debug, Serialize)]
pub struct EventRecord<'a> {
    /// Path of the file.
    pub file: &'a str,
    /// 1-based line number.
    pub line: u64,
    /// RFC 3339 UTC time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Which grammar parsed the line.
    pub format: EventFormat,
    /// Source address, or host name under `src_host`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_ip: Option<String>,
    /// Source host name when the log gives a name instead of an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_host: Option<&'a str>,
    /// Source port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    /// Destination address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_ip: Option<String>,
    /// Destination host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_host: Option<&'a str>,
    /// Destination port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_port: Option<u16>,
    /// Transport protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proto: Option<&'a str>,
    /// What the line records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// Login success or failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// User name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<&'a str>,
    /// Program or service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<&'a str>,
    /// Host that wrote the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter: Option<&'a str>,
    /// Bytes sent by the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    /// Bytes sent by the destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_in: Option<u64>,
    /// Duration in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<f64>,
    /// DNS name, HTTP host or TLS SNI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<&'a str>,
    /// URL or request target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'a str>,
    /// HTTP method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_method: Option<&'a str>,
    /// HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// HTTP user agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<&'a str>,
    /// Authentication method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_method: Option<&'a str>,
    /// Alert signature or notice name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<&'a str>,
    /// Alert signature id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_id: Option<u64>,
    /// Sensor's own severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor_severity: Option<u8>,
    /// ATT&CK techniques the sensor attached.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub techniques: &'a [String],
    /// Human message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    /// Fields not modelled, under their original names.
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl<'a> EventRecord<'a> {
    /// The record for `event`, read from the file at `path`.
    pub fn new(event: &'a Event, path: &'a str) -> Self {
        Self {
            file: path,
            line: event.location.line,
            time: event.time.map(|time| time.to_string()),
            format: event.format,
            src_ip: event.src_ip.map(|ip| ip.to_string()),
            src_host: event.src_host.as_deref(),
            src_port: event.src_port,
            dst_ip: event.dst_ip.map(|ip| ip.to_string()),
            dst_host: event.dst_host.as_deref(),
            dst_port: event.dst_port,
            proto: event.proto.as_deref(),
            action: event.action,
            outcome: event.outcome,
            user: event.user.as_deref(),
            process: event.process.as_deref(),
            reporter: event.reporter.as_deref(),
            bytes_out: event.bytes_out,
            bytes_in: event.bytes_in,
            duration_secs: event.duration_secs,
            domain: event.domain.as_deref(),
            url: event.url.as_deref(),
            http_method: event.http_method.as_deref(),
            http_status: event.http_status,
            user_agent: event.user_agent.as_deref(),
            auth_method: event.auth_method.as_deref(),
            signature: event.signature.as_deref(),
            signature_id: event.signature_id,
            sensor_severity: event.sensor_severity,
            techniques: &event.techniques,
            message: event.message.as_deref(),
            extra: event
                .extra
                .iter()
                .map(|(key, value)| {
                    (
                        key.to_string(),
                        serde_json::Value::String(value.to_string()),
                    )
                })
                .collect(),
        }
    }
}

/// Writes one event as a JSON line.
pub fn write_event(event: &Event, path: &str, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &EventRecord::new(event, path))?;
    out.write_all(b"\n")
}
