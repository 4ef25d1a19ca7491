//! One eve object turned into a normalized [`Event`].
//!
//! The `event_type` picks the event format and action; the sub-objects an event carries
//! (`alert`, `flow`, `http`, `tls`, `dns`...) fill the fields they have, so an alert that comes
//! with its HTTP request also gets the URL. Integers are read as `u64` from serde_json's exact
//! number form, never through `f64`. Nested eve fields kept in `extra` use their dotted eve path
//! (`alert.category`, `flow.state`).

use std::net::IpAddr;

use jiff::tz::TimeZone;
use serde_json::{Map, Value as Json};

use super::dns::{fill_dns, scalar_text};
use crate::engine::event::{Action, Event, EventFormat, Location};
use crate::engine::ingest::address::{Peer, parse_peer};
use crate::engine::ingest::time::parse_iso8601;

type Object = Map<String, Json>;

/// Builds the event for one eve object, or says why it cannot be one.
pub(super) fn build_event(
    object: &Object,
    location: Location,
    zone: &TimeZone,
    relay_host: Option<&str>,
) -> Result<Event, &'static str> {
    let event_type = object
        .get("event_type")
        .and_then(Json::as_str)
        .ok_or("no event_type")?;
    let (format, action) = kind_of(event_type);
    let mut event = Event::new(location, format);
    event.action = action;

    event.time = match object.get("timestamp") {
        None => None,
        Some(Json::String(text)) => Some(parse_iso8601(text, zone).map_err(|_| "bad timestamp")?),
        Some(_) => return Err("bad timestamp"),
    };
    fill_common(object, &mut event, relay_host);
    if format == EventFormat::SuricataOther {
        event.push_extra("event_type", event_type);
    }

    if let Some(alert) = child(object, "alert") {
        fill_alert(alert, &mut event);
    }
    if matches!(event_type, "flow" | "alert")
        && let Some(flow) = child(object, "flow")
    {
        fill_flow(flow, &mut event);
    }
    if let Some(netflow) = child(object, "netflow") {
        fill_netflow(netflow, &mut event);
    }
    if let Some(http) = child(object, "http") {
        fill_http(http, &mut event);
    }
    if let Some(tls) = child(object, "tls") {
        fill_tls(tls, &mut event);
    }
    if let Some(dns) = child(object, "dns") {
        fill_dns(dns, &mut event);
    }
    if let Some(ssh) = child(object, "ssh") {
        keep(
            ssh,
            &["client.software_version", "server.software_version"],
            "ssh",
            &mut event,
        );
    }
    if let Some(fileinfo) = child(object, "fileinfo") {
        keep(
            fileinfo,
            &["filename", "sha256", "size"],
            "fileinfo",
            &mut event,
        );
    }
    Ok(event)
}

fn kind_of(event_type: &str) -> (EventFormat, Option<Action>) {
    match event_type {
        "alert" => (EventFormat::SuricataAlert, Some(Action::Alert)),
        "flow" | "netflow" => (EventFormat::SuricataFlow, Some(Action::Connection)),
        "dns" => (EventFormat::SuricataDns, Some(Action::Query)),
        "http" => (EventFormat::SuricataHttp, Some(Action::Request)),
        "tls" => (EventFormat::SuricataTls, Some(Action::Handshake)),
        "ssh" => (EventFormat::SuricataOther, Some(Action::Handshake)),
        _ => (EventFormat::SuricataOther, None),
    }
}

/// Endpoints, protocol, sensor and flow id: the top-level fields every event type shares.
fn fill_common(object: &Object, event: &mut Event, relay_host: Option<&str>) {
    if let Some(src) = object.get("src_ip").and_then(Json::as_str) {
        set_peer(src, &mut event.src_ip, &mut event.src_host);
    }
    if let Some(dst) = object.get("dest_ip").and_then(Json::as_str) {
        set_peer(dst, &mut event.dst_ip, &mut event.dst_host);
    }
    event.src_port = object.get("src_port").and_then(as_u16);
    event.dst_port = object.get("dest_port").and_then(as_u16);
    event.proto = object
        .get("proto")
        .map(|proto| scalar_text(proto).to_ascii_lowercase());
    event.reporter = object
        .get("host")
        .and_then(Json::as_str)
        .or(relay_host)
        .map(str::to_owned);

    if let Some(flow_id) = object.get("flow_id") {
        event.push_extra("flow_id", flow_id_text(flow_id));
    }
    for key in ["app_proto", "in_iface", "community_id"] {
        if let Some(value) = object.get(key) {
            event.push_extra(key, scalar_text(value));
        }
    }
}

/// `flow_id` as decimal text: exact for any u64, whether written as a number or a string.
fn flow_id_text(value: &Json) -> String {
    match value {
        Json::Number(number) => number
            .as_u64()
            .map_or_else(|| number.to_string(), |id| id.to_string()),
        Json::String(text) => text
            .trim()
            .parse::<u64>()
            .map_or_else(|_| text.clone(), |id| id.to_string()),
        other => other.to_string(),
    }
}

fn fill_alert(alert: &Object, event: &mut Event) {
    event.signature = alert
        .get("signature")
        .and_then(Json::as_str)
        .map(str::to_owned);
    event.signature_id = alert.get("signature_id").and_then(Json::as_u64);
    event.sensor_severity = alert
        .get("severity")
        .and_then(Json::as_u64)
        .and_then(|severity| u8::try_from(severity).ok());
    keep(alert, &["category", "action", "gid", "rev"], "alert", event);

    let Some(metadata) = child(alert, "metadata") else {
        return;
    };
    for technique in strings(metadata.get("mitre_technique_id")) {
        let technique = technique.trim().to_ascii_uppercase();
        if !technique.is_empty() && !event.techniques.contains(&technique) {
            event.techniques.push(technique);
        }
    }
    for key in [
        "mitre_tactic_id",
        "mitre_tactic_name",
        "mitre_technique_name",
    ] {
        let values = strings(metadata.get(key));
        if !values.is_empty() {
            event.push_extra(key, values.join(","));
        }
    }
}

fn fill_flow(flow: &Object, event: &mut Event) {
    event.bytes_out = flow.get("bytes_toserver").and_then(Json::as_u64);
    event.bytes_in = flow.get("bytes_toclient").and_then(Json::as_u64);
    set_duration(flow, event, "flow");
    keep(
        flow,
        &[
            "pkts_toserver",
            "pkts_toclient",
            "state",
            "reason",
            "alerted",
        ],
        "flow",
        event,
    );
}

/// Netflow records are one direction each: the bytes are those the source sent.
fn fill_netflow(netflow: &Object, event: &mut Event) {
    event.bytes_out = netflow.get("bytes").and_then(Json::as_u64);
    set_duration(netflow, event, "netflow");
    keep(netflow, &["pkts", "age"], "netflow", event);
}

/// Duration from `start`/`end`; when they cannot give one, they are kept as written.
fn set_duration(object: &Object, event: &mut Event, prefix: &str) {
    let time = |key: &str| {
        let text = object.get(key)?.as_str()?;
        parse_iso8601(text, &TimeZone::UTC).ok()
    };
    let duration = match (time("start"), time("end")) {
        (Some(start), Some(end)) if end >= start => Some(end.duration_since(start).as_secs_f64()),
        _ => None,
    };
    match duration {
        Some(seconds) => event.duration_secs = Some(seconds),
        None => keep(object, &["start", "end"], prefix, event),
    }
}

fn fill_http(http: &Object, event: &mut Event) {
    let text = |key: &str| http.get(key).and_then(Json::as_str).map(str::to_owned);
    event.domain = text("hostname");
    event.url = text("url");
    event.http_method = text("http_method");
    event.user_agent = text("http_user_agent");
    event.http_status = http.get("status").and_then(as_u16);
    event.bytes_in = http.get("length").and_then(Json::as_u64).or(event.bytes_in);
    keep(
        http,
        &["protocol", "http_content_type", "http_refer"],
        "http",
        event,
    );
}

fn fill_tls(tls: &Object, event: &mut Event) {
    event.domain = tls.get("sni").and_then(Json::as_str).map(str::to_owned);
    keep(
        tls,
        &[
            "version",
            "subject",
            "issuerdn",
            "fingerprint",
            "ja3.hash",
            "ja3s.hash",
        ],
        "tls",
        event,
    );
}

/// Copies the named (possibly dotted) fields of a sub-object into `extra` as `prefix.name`.
fn keep(object: &Object, names: &[&str], prefix: &str, event: &mut Event) {
    for name in names {
        let mut value = None;
        let mut current = Some(object);
        for part in name.split('.') {
            value = current.and_then(|inner| inner.get(part));
            current = value.and_then(Json::as_object);
        }
        if let Some(value) = value {
            event.push_extra(format!("{prefix}.{name}"), scalar_text(value));
        }
    }
}

fn child<'o>(object: &'o Object, key: &str) -> Option<&'o Object> {
    object.get(key).and_then(Json::as_object)
}

/// A metadata value: an array of strings, or one string.
fn strings(value: Option<&Json>) -> Vec<&str> {
    match value {
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        Some(Json::String(text)) => vec![text.as_str()],
        _ => Vec::new(),
    }
}

fn as_u16(value: &Json) -> Option<u16> {
    value.as_u64().and_then(|number| u16::try_from(number).ok())
}

fn set_peer(text: &str, ip: &mut Option<IpAddr>, host: &mut Option<String>) {
    match parse_peer(text) {
        Peer::Ip(address) => *ip = Some(address),
        Peer::Host(name) => *host = Some(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_of(json: &str) -> Result<Event, &'static str> {
        let value: Json = serde_json::from_str(json).unwrap();
        build_event(
            value.as_object().unwrap(),
            Location { file: 0, line: 1 },
            &TimeZone::UTC,
            None,
        )
    }

    #[test]
    fn alert_with_tls_and_mitre_metadata() {
        let event = event_of(
            r#"{"timestamp":"2018-07-05T15:07:20.910626-0400","flow_id":904992230150281,"event_type":"alert","src_ip":"192.168.86.85","src_port":55641,"dest_ip":"192.168.156.70","dest_port":443,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2024833,"rev":3,"signature":"ET POLICY Observed IP Lookup Domain","category":"Potential Corporate Privacy Violation","severity":1,"metadata":{"mitre_technique_id":["t1071","T1071.001"],"mitre_tactic_id":["TA0011"],"mitre_tactic_name":["Command_And_Control"]}},"tls":{"sni":"l2.io","version":"TLS 1.2"},"app_proto":"tls","flow":{"bytes_toserver":793,"bytes_toclient":343,"start":"2018-07-05T15:07:19.659593-0400"}}"#,
        )
        .unwrap();
        assert_eq!(event.format, EventFormat::SuricataAlert);
        assert_eq!(event.action, Some(Action::Alert));
        assert_eq!(
            event.time,
            Some("2018-07-05T19:07:20.910626Z".parse().unwrap())
        );
        assert_eq!(event.proto.as_deref(), Some("tcp"));
        assert_eq!(event.signature_id, Some(2024833));
        assert_eq!(event.sensor_severity, Some(1));
        assert_eq!(event.techniques, vec!["T1071", "T1071.001"]);
        assert_eq!(event.extra("mitre_tactic_id"), Some("TA0011"));
        assert_eq!(
            event.extra("alert.category"),
            Some("Potential Corporate Privacy Violation")
        );
        assert_eq!(event.domain.as_deref(), Some("l2.io"));
        assert_eq!(event.bytes_out, Some(793));
        assert_eq!(event.extra("flow_id"), Some("904992230150281"));
        assert_eq!(event.extra("app_proto"), Some("tls"));
    }

    #[test]
    fn flow_id_above_2_pow_53_as_number_and_string() {
        for id in ["18446744073709551615", r#""18446744073709551615""#] {
            let event = event_of(&format!(
                r#"{{"event_type":"flow","flow_id":{id},"src_ip":"::1"}}"#
            ))
            .unwrap();
            assert_eq!(event.extra("flow_id"), Some("18446744073709551615"), "{id}");
        }
    }

    #[test]
    fn flow_bytes_and_duration() {
        let event = event_of(
            r#"{"timestamp":"2022-07-11T05:52:18.378379+0000","event_type":"flow","src_ip":"2001:0db8:0000:0000:0000:0000:0000:0001","dest_ip":"1.2.3.4","proto":"UDP","app_proto":"failed","flow":{"pkts_toserver":2,"bytes_toserver":108,"bytes_toclient":54,"start":"2022-07-11T05:48:21.714860+0000","end":"2022-07-11T05:48:23.214860+0000","state":"closed","reason":"timeout"}}"#,
        )
        .unwrap();
        assert_eq!(event.format, EventFormat::SuricataFlow);
        assert_eq!(event.src_ip, Some("2001:db8::1".parse().unwrap()));
        assert_eq!(event.bytes_out, Some(108));
        assert_eq!(event.bytes_in, Some(54));
        assert_eq!(event.duration_secs, Some(1.5));
        assert_eq!(event.extra("flow.state"), Some("closed"));
        assert_eq!(event.extra("flow.reason"), Some("timeout"));
        assert_eq!(event.extra("app_proto"), Some("failed"));
    }

    #[test]
    fn http_event_and_zone_less_time() {
        let event = event_of(
            r#"{"timestamp":"2019-01-02T03:50:11.315110","event_type":"http","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","http":{"hostname":"example.org","url":"/a?b","http_user_agent":"curl/7.58.0","http_method":"GET","status":404,"length":166}}"#,
        )
        .unwrap();
        assert_eq!(
            event.time,
            Some("2019-01-02T03:50:11.31511Z".parse().unwrap())
        );
        assert_eq!(event.domain.as_deref(), Some("example.org"));
        assert_eq!(event.url.as_deref(), Some("/a?b"));
        assert_eq!(event.http_status, Some(404));
        assert_eq!(event.bytes_in, Some(166));
        assert_eq!(event.user_agent.as_deref(), Some("curl/7.58.0"));
    }

    #[test]
    fn stats_has_no_addresses_and_bad_times_are_errors() {
        let event = event_of(r#"{"timestamp":"2022-07-11T05:53:51.912203+0000","event_type":"stats","stats":{"uptime":5}}"#)
            .unwrap();
        assert_eq!(event.format, EventFormat::SuricataOther);
        assert_eq!(event.src_ip, None);
        assert_eq!(event.extra("event_type"), Some("stats"));
        assert_eq!(
            event_of(r#"{"timestamp":"2021-02-26T917-0500","event_type":"alert"}"#),
            Err("bad timestamp")
        );
        assert_eq!(
            event_of(r#"{"timestamp":"2021-02-26T09:17:00Z"}"#),
            Err("no event_type")
        );
    }
}
