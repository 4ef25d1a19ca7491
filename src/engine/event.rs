//! The normalized event: one record per parsed log line, whatever format it came from.
//!
//! Every parser in [`crate::engine::ingest`] fills the same [`Event`], so rules, analytics and
//! exports are written once. Fields a format has no column for stay `None`; nothing is invented.
//! Fields we do not model are kept in [`Event::extra`] under their original names.

use std::fmt;
use std::net::IpAddr;

use compact_str::CompactString;
use jiff::Timestamp;
use serde::Serialize;

/// Which grammar produced an event. Serialized in `snake_case` (`zeek_conn`, `suricata_alert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFormat {
    /// macOS application firewall (`socketfilterfw`, kernel stealth-mode lines).
    Appfirewall,
    /// OpenSSH (and Dropbear) authentication messages inside syslog.
    Sshd,
    /// Other syslog lines that carry a login outcome (PAM, `su`, `sudo`).
    SyslogAuth,
    /// Linux netfilter kernel lines: iptables LOG, UFW, nftables.
    Netfilter,
    /// Zeek `conn.log`.
    ZeekConn,
    /// Zeek `dns.log`.
    ZeekDns,
    /// Zeek `http.log`.
    ZeekHttp,
    /// Zeek `ssl.log`.
    ZeekSsl,
    /// Zeek `ssh.log`.
    ZeekSsh,
    /// Zeek `notice.log`.
    ZeekNotice,
    /// Any other Zeek log, kept with its fields in `extra`.
    ZeekOther,
    /// Suricata eve `alert`.
    SuricataAlert,
    /// Suricata eve `flow` (and `netflow`).
    SuricataFlow,
    /// Suricata eve `dns`.
    SuricataDns,
    /// Suricata eve `http`.
    SuricataHttp,
    /// Suricata eve `tls`.
    SuricataTls,
    /// Any other Suricata eve event type (ssh, fileinfo, anomaly...).
    SuricataOther,
    /// Windows Defender Firewall `pfirewall.log`.
    WindowsFirewall,
    /// Apache / nginx access log (common, combined, vhost-combined).
    WebAccess,
}

impl EventFormat {
    /// Every format, in declaration order: `ALL[format.index()] == format`.
    pub const ALL: [Self; 19] = [
        Self::Appfirewall,
        Self::Sshd,
        Self::SyslogAuth,
        Self::Netfilter,
        Self::ZeekConn,
        Self::ZeekDns,
        Self::ZeekHttp,
        Self::ZeekSsl,
        Self::ZeekSsh,
        Self::ZeekNotice,
        Self::ZeekOther,
        Self::SuricataAlert,
        Self::SuricataFlow,
        Self::SuricataDns,
        Self::SuricataHttp,
        Self::SuricataTls,
        Self::SuricataOther,
        Self::WindowsFirewall,
        Self::WebAccess,
    ];

    /// Position in [`EventFormat::ALL`], for per-format tables on the hot path.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in JSON output and in `--format`-style listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Appfirewall => "appfirewall",
            Self::Sshd => "sshd",
            Self::SyslogAuth => "syslog_auth",
            Self::Netfilter => "netfilter",
            Self::ZeekConn => "zeek_conn",
            Self::ZeekDns => "zeek_dns",
            Self::ZeekHttp => "zeek_http",
            Self::ZeekSsl => "zeek_ssl",
            Self::ZeekSsh => "zeek_ssh",
            Self::ZeekNotice => "zeek_notice",
            Self::ZeekOther => "zeek_other",
            Self::SuricataAlert => "suricata_alert",
            Self::SuricataFlow => "suricata_flow",
            Self::SuricataDns => "suricata_dns",
            Self::SuricataHttp => "suricata_http",
            Self::SuricataTls => "suricata_tls",
            Self::SuricataOther => "suricata_other",
            Self::WindowsFirewall => "windows_firewall",
            Self::WebAccess => "web_access",
        }
    }
}

impl fmt::Display for EventFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the line records. Firewall verdicts, login steps, and sensor records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Traffic let through (firewall ALLOW/ACCEPT, UFW ALLOW, ALF Allow).
    Allow,
    /// Traffic refused: deny, drop, block, reject.
    Deny,
    /// Logged without a verdict (UFW AUDIT, pfirewall INFO-EVENTS-LOST).
    Audit,
    /// An authentication attempt; see [`Event::outcome`].
    Login,
    /// A login for a user name that does not exist on the host.
    InvalidUser,
    /// A session or connection closed (sshd "Disconnected from", "Received disconnect").
    Disconnect,
    /// A connection record from a sensor (Zeek conn, Suricata flow).
    Connection,
    /// A DNS query or answer.
    Query,
    /// An HTTP request.
    Request,
    /// A TLS or SSH handshake record.
    Handshake,
    /// A sensor alert or notice (Suricata alert, Zeek notice).
    Alert,
    /// A line we parsed but that records none of the above (sshd key-exchange errors...).
    Info,
}

impl Action {
    /// Lower-case name, as in JSON output and rule field values.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Audit => "audit",
            Self::Login => "login",
            Self::InvalidUser => "invalid_user",
            Self::Disconnect => "disconnect",
            Self::Connection => "connection",
            Self::Query => "query",
            Self::Request => "request",
            Self::Handshake => "handshake",
            Self::Alert => "alert",
            Self::Info => "info",
        }
    }
}

/// The result of an authentication step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The login was accepted.
    Success,
    /// The login was refused (wrong password, unknown user, PAM failure...).
    Failure,
}

impl Outcome {
    /// Lower-case name, as in JSON output and rule field values.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// Where a line came from: an index into the scan's file list and a 1-based line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Index of the file in the scan (see [`crate::engine::ingest::FileReport`]).
    pub file: u32,
    /// 1-based line number in the decompressed text.
    pub line: u64,
}

/// One normalized log record.
///
/// Addresses are parsed forms; when a log names a host rather than an address, the name goes
/// into `src_host` / `dst_host` and the address stays `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Where the line is.
    pub location: Location,
    /// Which grammar parsed it.
    pub format: EventFormat,
    /// When it happened, in UTC. `None` when the line carries no usable time.
    pub time: Option<Timestamp>,
    /// What the line records.
    pub action: Option<Action>,
    /// Success or failure, for authentication steps.
    pub outcome: Option<Outcome>,
    /// Source (originator, client, attacker side) address.
    pub src_ip: Option<IpAddr>,
    /// Source host name when the log gives a name instead of an address.
    pub src_host: Option<String>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Destination (responder, server) address.
    pub dst_ip: Option<IpAddr>,
    /// Destination host name when the log gives a name instead of an address.
    pub dst_host: Option<String>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// Transport protocol, lower case (`tcp`, `udp`, `icmp`, `ipv6-icmp`, or a number).
    pub proto: Option<String>,
    /// Bytes sent by the source (Zeek `orig_bytes`, Suricata `bytes_toserver`).
    pub bytes_out: Option<u64>,
    /// Bytes sent by the destination (Zeek `resp_bytes`, Suricata `bytes_toclient`).
    pub bytes_in: Option<u64>,
    /// Connection duration in seconds.
    pub duration_secs: Option<f64>,
    /// User name (login user, HTTP auth user).
    pub user: Option<String>,
    /// Program, process or service that wrote or owns the line (`sshd`, `Dropbox`, `http`).
    pub process: Option<String>,
    /// The host that wrote the log (syslog hostname, Zeek sensor), not a traffic endpoint.
    pub reporter: Option<String>,
    /// DNS query name, TLS SNI, or HTTP Host.
    pub domain: Option<String>,
    /// HTTP request target or full URL.
    pub url: Option<String>,
    /// HTTP method.
    pub http_method: Option<String>,
    /// HTTP status code.
    pub http_status: Option<u16>,
    /// HTTP user agent.
    pub user_agent: Option<String>,
    /// Authentication method (`password`, `publickey`, `keyboard-interactive/pam`).
    pub auth_method: Option<String>,
    /// Alert signature or notice name (Suricata `alert.signature`, Zeek `note`).
    pub signature: Option<String>,
    /// Alert signature id (Suricata `alert.signature_id`).
    pub signature_id: Option<u64>,
    /// Alert severity as the sensor gives it (Suricata 1 = high).
    pub sensor_severity: Option<u8>,
    /// ATT&CK technique ids the sensor attached (Suricata `metadata.mitre_technique_id`).
    pub techniques: Vec<String>,
    /// Short human message: the part of the line after framing, for display and keyword rules.
    pub message: Option<String>,
    /// Fields the format has and the model does not, under their original names.
    ///
    /// Compact strings keep short names and values inline: most are, and parsing a line should
    /// not cost an allocation per field.
    pub extra: Vec<(CompactString, CompactString)>,
}

impl Event {
    /// An empty event at `location`, with every field unset.
    pub fn new(location: Location, format: EventFormat) -> Self {
        Self {
            location,
            format,
            time: None,
            action: None,
            outcome: None,
            src_ip: None,
            src_host: None,
            src_port: None,
            dst_ip: None,
            dst_host: None,
            dst_port: None,
            proto: None,
            bytes_out: None,
            bytes_in: None,
            duration_secs: None,
            user: None,
            process: None,
            reporter: None,
            domain: None,
            url: None,
            http_method: None,
            http_status: None,
            user_agent: None,
            auth_method: None,
            signature: None,
            signature_id: None,
            sensor_severity: None,
            techniques: Vec::new(),
            message: None,
            extra: Vec::new(),
        }
    }

    /// The value of an unmodelled field kept in [`Event::extra`].
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Keeps an unmodelled field.
    pub fn push_extra(&mut self, name: impl Into<CompactString>, value: impl Into<CompactString>) {
        self.extra.push((name.into(), value.into()));
    }

    /// Source address as text: the address when known, else the host name.
    pub fn src_text(&self) -> Option<String> {
        self.src_ip
            .map(|ip| ip.to_string())
            .or_else(|| self.src_host.clone())
    }

    /// Destination address as text: the address when known, else the host name.
    pub fn dst_text(&self) -> Option<String> {
        self.dst_ip
            .map(|ip| ip.to_string())
            .or_else(|| self.dst_host.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_index_is_the_position_in_all() {
        for (position, format) in EventFormat::ALL.iter().enumerate() {
            assert_eq!(format.index(), position, "{format}");
        }
    }
}
