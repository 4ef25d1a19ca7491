//! The field mapping between our [`Event`] and the field names Sigma rules use.
//!
//! [`SigmaView`] borrows an event and answers rsigma's field look-ups without copying the event
//! into JSON. A rule may name a field by our own model name (`src_ip`, `dst_port`, `user`), by
//! Sigma's firewall and web-server taxonomy (`c-ip`, `cs-uri-stem`, `sc-status`), or by Zeek's
//! column names (`id.orig_h`, `query`, `status_code`); every name resolves to the same model
//! field. Names the model does not know are looked up in [`Event::extra`] under the original
//! name, which is where parsers keep unmodelled columns such as Zeek's `conn_state`.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::net::IpAddr;

use rsigma_eval::{Event as SigmaEvent, EventValue};
use serde_json::{Map, Value};

use crate::engine::event::{Action, Event};

/// A model field a Sigma field name resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Source address, or source host name when the log gives no address.
    SrcIp,
    /// Source host name.
    SrcHost,
    /// Source port.
    SrcPort,
    /// Destination address, or destination host name.
    DstIp,
    /// Destination host name.
    DstHost,
    /// Destination port.
    DstPort,
    /// Transport protocol.
    Proto,
    /// Action (`allow`, `deny`, `login`...).
    Action,
    /// Login outcome.
    Outcome,
    /// User name.
    User,
    /// Process or service.
    Process,
    /// Host that wrote the log.
    Reporter,
    /// DNS name, HTTP host or TLS server name.
    Domain,
    /// Full HTTP target.
    Url,
    /// HTTP target without its query string.
    UrlPath,
    /// HTTP query string without the `?`.
    UrlQuery,
    /// HTTP method.
    HttpMethod,
    /// HTTP status code.
    HttpStatus,
    /// HTTP user agent.
    UserAgent,
    /// Authentication method.
    AuthMethod,
    /// Alert signature or notice name.
    Signature,
    /// Alert signature id.
    SignatureId,
    /// Sensor severity.
    SensorSeverity,
    /// Human message.
    Message,
    /// Source format name.
    Format,
    /// True when the line records a login for an unknown user.
    InvalidUser,
    /// Bytes sent by the source.
    BytesOut,
    /// Bytes sent by the destination.
    BytesIn,
    /// Connection duration in seconds.
    Duration,
    /// ATT&CK technique ids the sensor attached.
    Techniques,
    /// Event time, RFC 3339.
    Time,
}

/// Resolves a rule's field name to a model field; `None` means "look in `extra`".
pub fn field_of(name: &str) -> Option<Field> {
    let field = match name {
        "src_ip" | "c-ip" | "id.orig_h" | "src" | "SourceIp" | "source.ip" => Field::SrcIp,
        "src_host" => Field::SrcHost,
        "src_port" | "id.orig_p" | "c-port" | "SourcePort" | "source.port" => Field::SrcPort,
        "dst_ip" | "s-ip" | "id.resp_h" | "dst" | "DestinationIp" | "destination.ip" => {
            Field::DstIp
        }
        "dst_host" => Field::DstHost,
        "dst_port" | "s-port" | "id.resp_p" | "DestinationPort" | "destination.port" => {
            Field::DstPort
        }
        "proto" | "protocol" => Field::Proto,
        "action" => Field::Action,
        "outcome" => Field::Outcome,
        "user" | "username" | "cs-username" | "c-user" => Field::User,
        "process" | "program" => Field::Process,
        "reporter" => Field::Reporter,
        "domain" | "query" | "host" | "cs-host" | "r-dns" | "server_name" | "sni" => Field::Domain,
        "url" | "uri" | "cs-uri" | "c-uri" => Field::Url,
        "cs-uri-stem" | "c-uri-stem" => Field::UrlPath,
        "cs-uri-query" | "c-uri-query" => Field::UrlQuery,
        "http_method" | "method" | "cs-method" | "c-method" => Field::HttpMethod,
        "http_status" | "status_code" | "sc-status" => Field::HttpStatus,
        "user_agent" | "cs-user-agent" | "c-useragent" | "useragent" => Field::UserAgent,
        "auth_method" => Field::AuthMethod,
        "signature" | "note" | "alert.signature" => Field::Signature,
        "signature_id" | "alert.signature_id" => Field::SignatureId,
        "sensor_severity" | "alert.severity" => Field::SensorSeverity,
        "message" | "msg" => Field::Message,
        "format" => Field::Format,
        "invalid_user" => Field::InvalidUser,
        "bytes_out" | "orig_bytes" | "bytes_toserver" | "cs-bytes" => Field::BytesOut,
        "bytes_in" | "resp_bytes" | "bytes_toclient" | "sc-bytes" => Field::BytesIn,
        "duration" | "duration_secs" => Field::Duration,
        "techniques" => Field::Techniques,
        "time" | "@timestamp" | "timestamp" => Field::Time,
        _ => return None,
    };
    Some(field)
}

/// A borrowed view of one [`Event`] that rsigma evaluates rules against.
///
/// Address texts are formatted at most once per event, and only when a rule asks for them.
pub struct SigmaView<'a> {
    event: &'a Event,
    src_text: OnceCell<String>,
    dst_text: OnceCell<String>,
}

impl<'a> SigmaView<'a> {
    /// A view of `event`.
    pub fn new(event: &'a Event) -> Self {
        Self {
            event,
            src_text: OnceCell::new(),
            dst_text: OnceCell::new(),
        }
    }

    /// The event behind the view.
    pub fn event(&self) -> &'a Event {
        self.event
    }

    /// Source address as text (address, else host name).
    pub fn src_text(&self) -> Option<&str> {
        match self.event.src_ip {
            Some(ip) => Some(self.src_text.get_or_init(|| address_text(ip))),
            None => self.event.src_host.as_deref(),
        }
    }

    /// Destination address as text (address, else host name).
    pub fn dst_text(&self) -> Option<&str> {
        match self.event.dst_ip {
            Some(ip) => Some(self.dst_text.get_or_init(|| address_text(ip))),
            None => self.event.dst_host.as_deref(),
        }
    }

    /// The value of a model field, if the event has it.
    pub fn value(&self, field: Field) -> Option<EventValue<'_>> {
        let event = self.event;
        match field {
            Field::SrcIp => borrowed(self.src_text()),
            Field::SrcHost => borrowed(event.src_host.as_deref()),
            Field::SrcPort => event.src_port.map(|port| EventValue::Int(i64::from(port))),
            Field::DstIp => borrowed(self.dst_text()),
            Field::DstHost => borrowed(event.dst_host.as_deref()),
            Field::DstPort => event.dst_port.map(|port| EventValue::Int(i64::from(port))),
            Field::Proto => borrowed(event.proto.as_deref()),
            Field::Action => borrowed(event.action.map(Action::as_str)),
            Field::Outcome => borrowed(event.outcome.map(|outcome| outcome.as_str())),
            Field::User => borrowed(event.user.as_deref()),
            Field::Process => borrowed(event.process.as_deref()),
            Field::Reporter => borrowed(event.reporter.as_deref()),
            Field::Domain => borrowed(event.domain.as_deref()),
            Field::Url => borrowed(event.url.as_deref()),
            Field::UrlPath => borrowed(event.url.as_deref().map(url_path)),
            Field::UrlQuery => borrowed(event.url.as_deref().and_then(url_query)),
            Field::HttpMethod => borrowed(event.http_method.as_deref()),
            Field::HttpStatus => event
                .http_status
                .map(|code| EventValue::Int(i64::from(code))),
            Field::UserAgent => borrowed(event.user_agent.as_deref()),
            Field::AuthMethod => borrowed(event.auth_method.as_deref()),
            Field::Signature => borrowed(event.signature.as_deref()),
            Field::SignatureId => event.signature_id.map(int_from_u64),
            Field::SensorSeverity => event
                .sensor_severity
                .map(|level| EventValue::Int(i64::from(level))),
            Field::Message => borrowed(event.message.as_deref()),
            Field::Format => Some(EventValue::Str(Cow::Borrowed(event.format.as_str()))),
            Field::InvalidUser => Some(EventValue::Bool(event.action == Some(Action::InvalidUser))),
            Field::BytesOut => event.bytes_out.map(int_from_u64),
            Field::BytesIn => event.bytes_in.map(int_from_u64),
            Field::Duration => event.duration_secs.map(EventValue::Float),
            Field::Techniques => techniques(event),
            Field::Time => event
                .time
                .map(|time| EventValue::Str(Cow::Owned(time.to_string()))),
        }
    }

    /// The value of `name`, by model field or by `extra` key, as text for grouping.
    pub fn text(&self, name: &str) -> Option<String> {
        let value = self.get_field(name)?;
        match value {
            EventValue::Str(text) => Some(text.into_owned()),
            EventValue::Int(number) => Some(number.to_string()),
            EventValue::Float(number) => Some(number.to_string()),
            EventValue::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// Every string the event holds, for keyword rules.
    fn strings(&self) -> impl Iterator<Item = &str> {
        let event = self.event;
        let texts = [
            self.src_text(),
            self.dst_text(),
            event.proto.as_deref(),
            event.user.as_deref(),
            event.process.as_deref(),
            event.reporter.as_deref(),
            event.domain.as_deref(),
            event.url.as_deref(),
            event.http_method.as_deref(),
            event.user_agent.as_deref(),
            event.auth_method.as_deref(),
            event.signature.as_deref(),
            event.message.as_deref(),
        ];
        let extra = event.extra.iter().map(|(_, value)| value.as_str());
        texts.into_iter().flatten().chain(extra)
    }
}

impl SigmaEvent for SigmaView<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        match field_of(path) {
            Some(field) => self.value(field),
            None => borrowed(self.event.extra(path)),
        }
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.strings().any(pred)
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        self.strings().map(Cow::Borrowed).collect()
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        self.strings().for_each(visit);
    }

    fn to_json(&self) -> Value {
        let mut object = Map::new();
        for name in JSON_FIELDS {
            if let Some(value) = self.get_field(name) {
                object.insert((*name).to_owned(), value.to_json());
            }
        }
        for (key, value) in &self.event.extra {
            object
                .entry(key.to_string())
                .or_insert_with(|| Value::String(value.to_string()));
        }
        Value::Object(object)
    }
}

/// Our own field names, in the order [`SigmaView::to_json`] writes them.
const JSON_FIELDS: &[&str] = &[
    "time",
    "format",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "proto",
    "action",
    "outcome",
    "user",
    "process",
    "reporter",
    "domain",
    "url",
    "http_method",
    "http_status",
    "user_agent",
    "auth_method",
    "signature",
    "signature_id",
    "bytes_out",
    "bytes_in",
    "duration",
    "message",
];

/// An address as `Display` writes it; IPv4 (nearly every address in firewall and auth logs)
/// without the formatting machinery, which cost more than the rest of a rule match.
fn address_text(address: IpAddr) -> String {
    let IpAddr::V4(v4) = address else {
        return address.to_string();
    };
    let mut text = String::with_capacity(15);
    for (index, octet) in v4.octets().into_iter().enumerate() {
        if index > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

fn borrowed(text: Option<&str>) -> Option<EventValue<'_>> {
    text.map(|text| EventValue::Str(Cow::Borrowed(text)))
}

fn int_from_u64(number: u64) -> EventValue<'static> {
    i64::try_from(number).map_or(EventValue::Float(number as f64), EventValue::Int)
}

fn techniques(event: &Event) -> Option<EventValue<'_>> {
    if event.techniques.is_empty() {
        return None;
    }
    let ids = event
        .techniques
        .iter()
        .map(|id| EventValue::Str(Cow::Borrowed(id.as_str())))
        .collect();
    Some(EventValue::Array(ids))
}

/// The part of a request target before `?`.
fn url_path(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}

/// The part of a request target after `?`, if any.
fn url_query(url: &str) -> Option<&str> {
    url.split_once('?').map(|(_, query)| query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{EventFormat, Location};

    fn web_event() -> Event {
        let mut event = Event::new(Location { file: 0, line: 7 }, EventFormat::WebAccess);
        event.src_ip = "203.0.113.9".parse().ok();
        event.url = Some("/index.php?id=1%27+OR+1=1".to_owned());
        event.http_status = Some(200);
        event.push_extra("conn_state", "REJ");
        event
    }

    #[test]
    fn sigma_names_resolve_to_model_fields() {
        let event = web_event();
        let view = SigmaView::new(&event);

        assert_eq!(view.text("c-ip").as_deref(), Some("203.0.113.9"));
        assert_eq!(view.text("id.orig_h").as_deref(), Some("203.0.113.9"));
        assert_eq!(view.text("cs-uri-stem").as_deref(), Some("/index.php"));
        assert_eq!(view.text("cs-uri-query").as_deref(), Some("id=1%27+OR+1=1"));
        assert_eq!(view.get_field("sc-status"), Some(EventValue::Int(200)));
        assert_eq!(view.text("conn_state").as_deref(), Some("REJ"));
        assert_eq!(view.get_field("user"), None);
    }

    #[test]
    fn address_text_matches_display() {
        let addresses = [
            "0.0.0.0",
            "10.0.1.9",
            "192.168.100.255",
            "8.80.100.200",
            "::1",
        ];
        for text in addresses {
            let address: IpAddr = text.parse().unwrap_or(IpAddr::from([1, 2, 3, 4]));
            assert_eq!(address_text(address), address.to_string());
            assert_eq!(address_text(address), text);
        }
        for octet in 0..=255u8 {
            let address = IpAddr::from([octet, 255 - octet, octet / 3, 7]);
            assert_eq!(address_text(address), address.to_string());
        }
    }

    #[test]
    fn keyword_search_sees_extra_values_and_addresses() {
        let event = web_event();
        let view = SigmaView::new(&event);

        assert!(view.any_string_value(&|text| text == "REJ"));
        assert!(view.any_string_value(&|text| text == "203.0.113.9"));
        assert!(!view.any_string_value(&|text| text == "absent"));
    }
}
