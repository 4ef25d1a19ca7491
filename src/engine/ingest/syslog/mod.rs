//! Syslog files: the framing of each line (see [`framing`]) and dispatch of its message to the
//! grammar of the program that wrote it.
//!
//! - `sshd`, `sshd-session`, `sshd-auth`, `sshd(pam_unix)` and `dropbear` go to [`sshd`].
//! - `kernel` goes to [`netfilter`], then to the macOS kernel stealth-mode grammar.
//! - `socketfilterfw` (and its `sockerfilterfw` typo), `Firewall` and `ipfw` go to
//!   [`appfirewall`].
//! - PAM authentication failures of other services (`su`, `sudo`, `login`) become
//!   [`EventFormat::SyslogAuth`] events.
//! - Lines with no syslog header are tried as bare netfilter lines.
//!
//! Everything else is counted as skipped with a reason: other programs' lines, syslogd's
//! `last message repeated` notices, and continuation lines of multi-line messages (which start
//! with a tab). A header that cannot be read (a month like `MMM`, `Feb 29` in a common year) is a
//! line error; the next line is read as usual.
//!
//! [`sshd`]: crate::engine::ingest::sshd
//! [`netfilter`]: crate::engine::ingest::netfilter
//! [`appfirewall`]: crate::engine::ingest::appfirewall

pub mod framing;
pub mod pam;

use crate::engine::event::{Event, EventFormat, Location};
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::sshd::SshdParser;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext, appfirewall, netfilter};
use framing::{Frame, Header};

/// Reads syslog lines.
#[derive(Debug)]
pub struct SyslogParser {
    context: ParseContext,
    sshd: SshdParser,
}

impl SyslogParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self {
            context,
            sshd: SshdParser::default(),
        }
    }

    fn location(&self, line: &Line<'_>) -> Location {
        Location {
            file: self.context.file,
            line: line.number,
        }
    }

    fn parse_framed(
        &mut self,
        frame: &Frame<'_>,
        location: Location,
        out: &mut Vec<Event>,
    ) -> LineVerdict {
        let Some(program) = frame.program else {
            return LineVerdict::Skipped("no program tag".into());
        };
        let name = program.rsplit('/').next().unwrap_or(program);
        let event = |format| {
            let mut event = Event::new(location, format);
            event.time = frame.time;
            event.reporter = frame.host.map(str::to_owned);
            event.process = Some(name.to_owned());
            event.message = Some(frame.message.to_owned());
            if let Some(pid) = frame.pid {
                event.push_extra("pid", pid);
            }
            for (name, value) in &frame.extra {
                event.push_extra(*name, *value);
            }
            event
        };

        match ProgramFamily::of(name) {
            ProgramFamily::Sshd => {
                let session = (frame.host.unwrap_or_default(), frame.pid);
                self.sshd
                    .parse(frame.message, session, event(EventFormat::Sshd), out)
            }
            ProgramFamily::Kernel => parse_kernel(frame.message, event, out),
            ProgramFamily::AppFirewall => {
                appfirewall::parse_message(frame.message, event(EventFormat::Appfirewall), out)
            }
            ProgramFamily::Other => {
                pam::parse_failure(frame.message, event(EventFormat::SyslogAuth), out)
                    .unwrap_or_else(|| LineVerdict::Skipped("other program".into()))
            }
        }
    }
}

impl LineParser for SyslogParser {
    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        let text = line.text.trim_end();
        if text.starts_with('\t') {
            return LineVerdict::Skipped("continuation line".into());
        }
        if text.starts_with('#') {
            return LineVerdict::Skipped("comment line".into());
        }
        if text.starts_with("-- ") && text.ends_with(" --") {
            // journalctl's `-- Logs begin at ... --`, `-- Reboot --`, `-- No entries --`.
            return LineVerdict::Skipped("journal marker".into());
        }
        let location = self.location(line);
        let header = framing::parse_header(text, &mut self.context.years, &self.context.zone);
        match header {
            Err(error) => LineVerdict::Error(error.reason()),
            Ok(Header::Repeated) => LineVerdict::Skipped("repeated message notice".into()),
            Ok(Header::Framed(frame)) => self.parse_framed(&frame, location, out),
            Ok(Header::Bare) => parse_bare(text, location, out),
        }
    }
}

/// Which grammar reads a program's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProgramFamily {
    Sshd,
    Kernel,
    AppFirewall,
    Other,
}

impl ProgramFamily {
    fn of(name: &str) -> Self {
        match name {
            "sshd" | "sshd-session" | "sshd-auth" | "dropbear" => Self::Sshd,
            _ if name.starts_with("sshd(") => Self::Sshd,
            "kernel" => Self::Kernel,
            "socketfilterfw" | "sockerfilterfw" | "Firewall" | "ipfw" => Self::AppFirewall,
            _ => Self::Other,
        }
    }
}

fn parse_kernel(
    message: &str,
    event: impl Fn(EventFormat) -> Event,
    out: &mut Vec<Event>,
) -> LineVerdict {
    let body = strip_uptime(message);
    let mut netfilter_event = event(EventFormat::Netfilter);
    match netfilter::parse_message(body, &mut netfilter_event) {
        Some(Ok(())) => {
            out.push(netfilter_event);
            return LineVerdict::Parsed;
        }
        Some(Err(reason)) => return LineVerdict::Error(reason.into()),
        None => {}
    }
    if appfirewall::is_kernel_message(body) {
        return appfirewall::parse_message(body, event(EventFormat::Appfirewall), out);
    }
    LineVerdict::Skipped("other kernel message".into())
}

/// A line with no syslog header: a bare netfilter line, or text we cannot frame.
fn parse_bare(text: &str, location: Location, out: &mut Vec<Event>) -> LineVerdict {
    let mut event = Event::new(location, EventFormat::Netfilter);
    match netfilter::parse_message(strip_uptime(text), &mut event) {
        Some(Ok(())) => {
            out.push(event);
            LineVerdict::Parsed
        }
        Some(Err(reason)) => LineVerdict::Error(reason.into()),
        None => LineVerdict::Error("no syslog header".into()),
    }
}

/// Drops the kernel's `[  307.757925] ` uptime in front of a message.
fn strip_uptime(message: &str) -> &str {
    let trimmed = message.trim_start();
    let Some(inner) = trimmed.strip_prefix('[') else {
        return message;
    };
    let Some((stamp, rest)) = inner.split_once(']') else {
        return message;
    };
    let is_uptime = stamp
        .trim()
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.')
        && !stamp.trim().is_empty();
    if is_uptime {
        rest.trim_start()
    } else {
        message
    }
}

/// True when `line` has syslog framing (or is a bare netfilter line); used to recognize files.
pub fn looks_like(line: &str) -> bool {
    let line = line.trim_end();
    if line.is_empty() || line.starts_with('\t') {
        return false;
    }
    if framing::has_header(line) {
        return true;
    }
    let mut probe = Event::new(Location { file: 0, line: 0 }, EventFormat::Netfilter);
    matches!(
        netfilter::parse_message(strip_uptime(line), &mut probe),
        Some(Ok(()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{Action, Outcome};
    use crate::engine::ingest::testing::{context, feed_lines};

    fn parse(lines: &[&str]) -> (Vec<Event>, Vec<LineVerdict>) {
        let (verdicts, events) = feed_lines(&mut SyslogParser::new(context(2024)), lines);
        (events, verdicts)
    }

    #[test]
    fn sshd_line_gets_reporter_and_process() {
        let (events, verdicts) = parse(&[
            "Jun  8 12:34:56 web1 sshd[7]: Failed password for root from 192.0.2.9 port 2 ssh2",
        ]);
        assert_eq!(verdicts, vec![LineVerdict::Parsed]);
        let event = &events[0];
        assert_eq!(event.reporter.as_deref(), Some("web1"));
        assert_eq!(event.process.as_deref(), Some("sshd"));
        assert_eq!(event.action, Some(Action::Login));
        assert_eq!(event.outcome, Some(Outcome::Failure));
        assert_eq!(event.time, Some("2024-06-08T12:34:56Z".parse().unwrap()));
    }

    #[test]
    fn pam_failures_of_other_services() {
        let (events, _) = parse(&[
            "Jun  8 12:34:56 web1 su: pam_unix(su:auth): authentication failure; logname=bob \
             uid=1000 euid=0 tty=pts/0 ruser=bob rhost=  user=root",
        ]);
        let event = &events[0];
        assert_eq!(event.format, EventFormat::SyslogAuth);
        assert_eq!(
            (event.action, event.outcome),
            (Some(Action::Login), Some(Outcome::Failure))
        );
        assert_eq!(event.user.as_deref(), Some("root"));
        assert_eq!(event.extra("pam_service"), Some("su"));
        assert_eq!(event.src_ip, None);
    }

    #[test]
    fn noise_is_skipped_with_reasons() {
        let (_, verdicts) = parse(&[
            "Jan 22 07:53:01 host CRON[31051]: (root) CMD (touch /var/run/x)",
            "\tmany syslog parsers.",
            "Nov 18 01:15:43: --- last message repeated 5 times ---",
            "Jan 22 07:54:32 host Job `cron.daily' terminated",
            "Nov 18 08:30:20 kernel: [997.390602] sda2: rw=0, want=65, limit=2",
            "-- Reboot --",
        ]);
        assert_eq!(
            verdicts,
            vec![
                LineVerdict::Skipped("other program".into()),
                LineVerdict::Skipped("continuation line".into()),
                LineVerdict::Skipped("repeated message notice".into()),
                LineVerdict::Skipped("no program tag".into()),
                LineVerdict::Skipped("other kernel message".into()),
                LineVerdict::Skipped("journal marker".into()),
            ]
        );
    }

    #[test]
    fn unreadable_lines_are_errors() {
        let (_, verdicts) = parse(&[
            "MMM 22 07:54:32 host anacron[29782]: Normal exit (1 job run)",
            "with another line",
        ]);
        assert_eq!(
            verdicts,
            vec![
                LineVerdict::Error("bad month in syslog date".into()),
                LineVerdict::Error("no syslog header".into()),
            ]
        );
    }

    #[test]
    fn cut_lines_never_panic() {
        let samples = [
            "<38>1 2019-07-08T17:40:17.954167-04:00 h sshd 5 - [a b=\"[x]\"] Failed unknown \
             for invalid user r from 192.0.2.2 port 5 ssh2",
            "Mar 19 23:48:18 <auth.info> pancake sshd[55517]: Invalid user r00t from 2001:db8::1",
            "Jul 10 23:57:29 h dropbear[825]: [825] Jul 10 23:57:29 Exit before auth from \
             <192.0.2.3:52289>: (user 'root', 10 fails): Max auth tries reached - user 'root'",
            "Nov  2 04:07:35 mac socketfilterfw[112] <Info>: Dröpbox: Allow TCP LISTEN  (in:0 out:1)",
            "Jan  1 00:00:03 mac kernel[0]: Stealth Mode connection attempt to UDP fe80::1:22 \
             from fe80::2:3:5353",
            "Jun  8 12:34:56 h sshd[7]: Received disconnect from 10.0.0.1 port 5:11: Bye [preauth]",
            "Jun  8 12:34:56 h sshd[7]: Disconnecting invalid user é 10.0.0.1 port 5: x [preauth]",
            "2024-06-08 12:39:00.5 h sshd[9]: pam_unix(sshd:auth): authentication failure; rhost=x",
        ];
        for sample in samples {
            for (end, _) in sample.char_indices() {
                let _ = parse(&[&sample[..end]]);
                let _ = looks_like(&sample[..end]);
            }
        }
    }

    #[test]
    fn looks_like_accepts_framings_and_rejects_prose() {
        for line in [
            "Jun  8 12:34:56 host sshd[1]: x",
            "<38>1 2019-07-08T17:40:16.954167-04:00 h sshd 1 - - x",
            "2016-10-25T12:37:23.297265-07:00 INFO periodic_scheduler[13707]: x",
            "srv sshd[13709]: error: PAM: Authentication failure",
            "Mar 19 23:48:18 <auth.info> pancake sshd[55517]: Invalid user r00t",
        ] {
            assert!(looks_like(line), "{line}");
        }
        for line in [
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
            "This file: is prose.",
            "\tcontinued",
        ] {
            assert!(!looks_like(line), "{line}");
        }
    }
}
