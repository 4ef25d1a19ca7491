//! A correlation match kept while it waits for its group's condition to hold.
//!
//! Only what folding a match into a detection reads is kept (time, location, endpoints, port,
//! user, domain, techniques and the correlation's value key), not the whole event: most
//! matches wait and are then forgotten, so keeping them must cost little.

use std::net::IpAddr;

use jiff::Timestamp;

use crate::engine::event::{Event, EventFormat, Location};

/// The parts of a matching event a detection folds.
#[derive(Debug)]
pub struct WaitingMatch {
    /// Event time in seconds, as counted in the group's window.
    pub time_secs: i64,
    /// The correlation's value key for the event (`value_count`), if it has one.
    pub value: Option<u64>,
    location: Location,
    format: EventFormat,
    time: Option<Timestamp>,
    src_ip: Option<IpAddr>,
    src_host: Option<Box<str>>,
    dst_ip: Option<IpAddr>,
    dst_host: Option<Box<str>>,
    dst_port: Option<u16>,
    user: Option<Box<str>>,
    domain: Option<Box<str>>,
    techniques: Vec<String>,
}

impl WaitingMatch {
    /// Keeps what folding reads of `event`.
    pub fn new(event: &Event, time_secs: i64, value: Option<u64>) -> Self {
        Self {
            time_secs,
            value,
            location: event.location,
            format: event.format,
            time: event.time,
            src_ip: event.src_ip,
            src_host: event.src_host.as_deref().map(Box::from),
            dst_ip: event.dst_ip,
            dst_host: event.dst_host.as_deref().map(Box::from),
            dst_port: event.dst_port,
            user: event.user.as_deref().map(Box::from),
            domain: event.domain.as_deref().map(Box::from),
            techniques: event.techniques.clone(),
        }
    }

    /// An event carrying the kept fields, to fold into a detection.
    pub fn into_event(self) -> Event {
        let mut event = Event::new(self.location, self.format);
        event.time = self.time;
        event.src_ip = self.src_ip;
        event.src_host = self.src_host.map(String::from);
        event.dst_ip = self.dst_ip;
        event.dst_host = self.dst_host.map(String::from);
        event.dst_port = self.dst_port;
        event.user = self.user.map(String::from);
        event.domain = self.domain.map(String::from);
        event.techniques = self.techniques;
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_fields_come_back_on_the_event() {
        let mut event = Event::new(Location { file: 2, line: 17 }, EventFormat::Sshd);
        event.time = Timestamp::from_second(1_700_000_000).ok();
        event.src_ip = "192.0.2.7".parse().ok();
        event.dst_host = Some("web01".to_owned());
        event.dst_port = Some(22);
        event.user = Some("root".to_owned());
        event.message = Some("Failed password for root".to_owned());
        event.techniques = vec!["T1110".to_owned()];

        let back = WaitingMatch::new(&event, 1_700_000_000, Some(9)).into_event();

        assert_eq!(back.location, event.location);
        assert_eq!(back.time, event.time);
        assert_eq!(back.src_ip, event.src_ip);
        assert_eq!(back.dst_host.as_deref(), Some("web01"));
        assert_eq!(back.dst_port, Some(22));
        assert_eq!(back.user.as_deref(), Some("root"));
        assert_eq!(back.techniques, event.techniques);
        // Fields a detection does not fold are not kept.
        assert_eq!(back.message, None);
    }
}
