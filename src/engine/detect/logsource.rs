//! Which of our event formats a Sigma `logsource` covers.
//!
//! Events are routed only to the rules of their log source, so a firewall rule never runs
//! over sshd lines. The mapping follows Sigma's taxonomy (`category: firewall`,
//! `category: webserver`, `product: zeek` + `service: dns`, `product: linux` + `service: sshd`)
//! plus `product: suricata` and `product: macos` + `service: appfirewall` for our own formats.

use rsigma_parser::LogSource;

use crate::engine::event::EventFormat;

const FIREWALLS: &[EventFormat] = &[
    EventFormat::Netfilter,
    EventFormat::WindowsFirewall,
    EventFormat::Appfirewall,
];

const ZEEK: &[EventFormat] = &[
    EventFormat::ZeekConn,
    EventFormat::ZeekDns,
    EventFormat::ZeekHttp,
    EventFormat::ZeekSsl,
    EventFormat::ZeekSsh,
    EventFormat::ZeekNotice,
    EventFormat::ZeekOther,
];

const SURICATA: &[EventFormat] = &[
    EventFormat::SuricataAlert,
    EventFormat::SuricataFlow,
    EventFormat::SuricataDns,
    EventFormat::SuricataHttp,
    EventFormat::SuricataTls,
    EventFormat::SuricataOther,
];

/// The formats whose events a rule with this log source should see. Empty when we have no
/// format for it (the rule loads but never runs).
pub fn formats_for(logsource: &LogSource) -> Vec<EventFormat> {
    let product = lower(logsource.product.as_deref());
    let service = lower(logsource.service.as_deref());
    let category = lower(logsource.category.as_deref());

    let formats: Vec<EventFormat> = match (product.as_deref(), category.as_deref()) {
        (Some("zeek"), _) => zeek_formats(service.as_deref()),
        (Some("suricata"), _) => suricata_formats(service.or(category).as_deref()),
        (Some("macos"), _) if is_firewall(service.as_deref(), category.as_deref()) => {
            vec![EventFormat::Appfirewall]
        }
        (Some("linux"), Some("firewall")) => vec![EventFormat::Netfilter],
        (Some("windows"), Some("firewall")) => vec![EventFormat::WindowsFirewall],
        (Some("linux"), _) => linux_formats(service.as_deref()),
        (_, Some("firewall")) => FIREWALLS.to_vec(),
        (_, Some("webserver")) => vec![EventFormat::WebAccess],
        (Some("apache" | "nginx"), _) => vec![EventFormat::WebAccess],
        (_, Some("proxy")) => vec![EventFormat::ZeekHttp, EventFormat::SuricataHttp],
        (_, Some("dns")) => vec![EventFormat::ZeekDns, EventFormat::SuricataDns],
        _ => Vec::new(),
    };
    formats
}

fn lower(text: Option<&str>) -> Option<String> {
    text.map(str::to_ascii_lowercase)
}

fn is_firewall(service: Option<&str>, category: Option<&str>) -> bool {
    matches!(service, Some("appfirewall" | "alf")) || category == Some("firewall")
}

fn zeek_formats(service: Option<&str>) -> Vec<EventFormat> {
    let format = match service {
        None => return ZEEK.to_vec(),
        Some("conn") => EventFormat::ZeekConn,
        Some("dns") => EventFormat::ZeekDns,
        Some("http") => EventFormat::ZeekHttp,
        Some("ssl" | "tls") => EventFormat::ZeekSsl,
        Some("ssh") => EventFormat::ZeekSsh,
        Some("notice") => EventFormat::ZeekNotice,
        Some(_) => EventFormat::ZeekOther,
    };
    vec![format]
}

fn suricata_formats(service: Option<&str>) -> Vec<EventFormat> {
    let format = match service {
        None => return SURICATA.to_vec(),
        Some("alert") => EventFormat::SuricataAlert,
        Some("flow" | "netflow") => EventFormat::SuricataFlow,
        Some("dns") => EventFormat::SuricataDns,
        Some("http") => EventFormat::SuricataHttp,
        Some("tls") => EventFormat::SuricataTls,
        Some(_) => EventFormat::SuricataOther,
    };
    vec![format]
}

fn linux_formats(service: Option<&str>) -> Vec<EventFormat> {
    match service {
        Some("sshd") => vec![EventFormat::Sshd],
        Some("auth" | "syslog" | "pam") => vec![EventFormat::Sshd, EventFormat::SyslogAuth],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(product: Option<&str>, service: Option<&str>, category: Option<&str>) -> LogSource {
        LogSource {
            product: product.map(str::to_owned),
            service: service.map(str::to_owned),
            category: category.map(str::to_owned),
            ..LogSource::default()
        }
    }

    #[test]
    fn sigma_taxonomy_maps_to_our_formats() {
        let ssh = formats_for(&source(Some("linux"), Some("sshd"), None));
        assert_eq!(ssh, vec![EventFormat::Sshd]);

        let firewall = formats_for(&source(None, None, Some("firewall")));
        assert_eq!(firewall, FIREWALLS.to_vec());

        let zeek_dns = formats_for(&source(Some("zeek"), Some("dns"), None));
        assert_eq!(zeek_dns, vec![EventFormat::ZeekDns]);

        let web = formats_for(&source(None, None, Some("webserver")));
        assert_eq!(web, vec![EventFormat::WebAccess]);

        let alf = formats_for(&source(Some("macos"), Some("appfirewall"), None));
        assert_eq!(alf, vec![EventFormat::Appfirewall]);

        let windows = formats_for(&source(Some("windows"), None, Some("process_creation")));
        assert!(windows.is_empty());
    }
}
