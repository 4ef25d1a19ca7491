#!/usr/bin/env python3
"""Writes ThreatLens's demo incident: auth.log, ufw.log and conn.log for one morning.

The story (all times UTC, 2026-03-14, host web01 = 10.0.0.5):

  01:58  203.0.113.45 runs a slow SYN scan of web01; UFW logs the closed ports it hits.
  02:04  the same address brute-forces sshd: root, a dozen invented user names, then `deploy`.
  02:31  `Accepted password for deploy`: a valid account after many failures.
  02:34  the attacker fetches an implant from its own box (203.0.113.45:8080).
  02:36  web01 beacons to 198.51.100.77:443 about every 60 s with near-constant sizes.
  07:42  web01 uploads about 900 MiB to 198.51.100.91:443 over 28 minutes.

Around that: internet background noise on the firewall, a few sshd bots under any brute-force
threshold, an admin's public-key logins, cron, web traffic to web01 and browsing from two
workstations. Every address is from the documentation ranges (RFC 5737) or 10.0.0.0/8.

Deterministic: the same seed gives the same bytes. Standard library only.
Usage: python3 generate_demo.py [OUTPUT_DIR]   (default: this script's directory)
"""

import random
import string
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20260314
DAY = datetime(2026, 3, 14, tzinfo=timezone.utc)
END_OF_CAPTURE = 12 * 3600  # the logs were collected at noon
BOOT = DAY - timedelta(days=9, hours=4, minutes=17, seconds=3)

HOST = "web01"
WEB01 = "10.0.0.5"
RESOLVER = "10.0.0.2"
ADMIN_VPN = "10.0.1.20"
BACKUP = "10.0.0.30"
WORKSTATIONS = ["10.0.0.21", "10.0.0.22"]

ATTACKER = "203.0.113.45"
C2 = "198.51.100.77"
DROP = "198.51.100.91"
MIRROR = "192.0.2.10"
ATTACKER_INFRA = {ATTACKER, C2, DROP}

WEB01_MAC = "52:54:00:3a:7c:15"
GATEWAY_MAC = "00:1c:73:9e:41:02"

SCAN_START = 1 * 3600 + 58 * 60 + 2.318207
BRUTE_START = 2 * 3600 + 4 * 60 + 11
LOGIN_TIME = 2 * 3600 + 31 * 60 + 48
LOGIN_PORT = 52110
DOWNLOAD_TIME = 2 * 3600 + 34 * 60 + 40.216733
BEACON_START = 2 * 3600 + 36 * 60 + 12.904417
EXFIL_START = 7 * 3600 + 42 * 60 + 13.482913
EXFIL_SECONDS = 1687.413582
EXFIL_BYTES = 944_291_376

rng = random.Random(SEED)


# ---------------------------------------------------------------- shared helpers


def syslog_time(seconds):
    """`Mar 14 02:11:07`: RFC 3164 time, no year, day padded to two columns."""
    moment = DAY + timedelta(seconds=seconds)
    return f"{moment:%b} {moment.day:>2} {moment:%H:%M:%S}"


def epoch(seconds):
    return DAY.timestamp() + seconds


def zeek_stamp(seconds):
    return (DAY + timedelta(seconds=seconds)).strftime("%Y-%m-%d-%H-%M-%S")


def internet_host(exclude=ATTACKER_INFRA):
    """A random address from one of the three documentation ranges."""
    while True:
        net = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
        address = f"{net}.{rng.randint(2, 254)}"
        if address not in exclude and address != MIRROR:
            return address


def ephemeral_port():
    return rng.randint(32768, 60999)


def poisson_times(start, end, mean_gap):
    """Arrival times of a Poisson process between start and end."""
    times = []
    now = start + rng.expovariate(1 / mean_gap)
    while now < end:
        times.append(now)
        now += rng.expovariate(1 / mean_gap)
    return times


class Pids:
    """Process ids handed out in time order, as the kernel would."""

    def __init__(self, first):
        self.next = first

    def take(self):
        pid = self.next
        self.next += rng.randint(1, 23)
        return pid


# ---------------------------------------------------------------- Zeek conn rows


@dataclass
class Conn:
    start: float
    orig: str
    orig_port: int
    resp: str
    resp_port: int
    proto: str = "tcp"
    service: str = "-"
    duration: float | None = None
    orig_bytes: int | None = None
    resp_bytes: int | None = None
    state: str = "SF"
    history: str = "ShADadFf"
    orig_pkts: int = 0
    resp_pkts: int = 0
    stage: str = "background"
    uid: str = field(default="")
    ip_bytes: tuple[int, int] | None = None

    def end(self):
        return self.start + (self.duration or 0.0)


def is_local(address):
    return address.startswith("10.")


def zeek_uid():
    alphabet = string.ascii_letters + string.digits
    return "C" + "".join(rng.choice(alphabet) for _ in range(rng.choice([16, 17, 17, 18])))


def tcp_session(start, orig, orig_port, resp, resp_port, service, duration, sent, received, stage):
    """A completed TCP connection with packet counts that fit its byte counts."""
    return Conn(
        start=start,
        orig=orig,
        orig_port=orig_port,
        resp=resp,
        resp_port=resp_port,
        service=service,
        duration=duration,
        orig_bytes=sent,
        resp_bytes=received,
        orig_pkts=max(4, sent // 1448 + 3 + rng.randint(0, 3)),
        resp_pkts=max(3, received // 1448 + 2 + rng.randint(0, 3)),
        stage=stage,
    )


def blocked_probe(start, src, sport, dst, dport, proto, ip_len, stage):
    """What the sensor records for a packet the firewall dropped: one packet, no answer."""
    if proto == "icmp":
        conn = Conn(start, src, sport, dst, dport, "icmp", "-", None, None, None, "OTH", "-",
                    1, 0, stage)
        conn.ip_bytes = (ip_len, 0)
        return conn
    history = "S" if proto == "tcp" else "D"
    conn = Conn(start, src, sport, dst, dport, proto, "-", None, None, None, "S0", history,
                1, 0, stage)
    conn.ip_bytes = (ip_len, 0)
    return conn


def conn_row(conn):
    def value(number, decimals=None):
        if number is None:
            return "-"
        return f"{number:.{decimals}f}" if decimals is not None else str(number)

    header_bytes = 28 if conn.proto == "udp" else 52
    if conn.ip_bytes:
        orig_ip, resp_ip = conn.ip_bytes
    else:
        orig_ip = (conn.orig_bytes or 0) + conn.orig_pkts * header_bytes
        resp_ip = (conn.resp_bytes or 0) + conn.resp_pkts * header_bytes
    fields = [
        f"{epoch(conn.start):.6f}",
        conn.uid,
        conn.orig,
        str(conn.orig_port),
        conn.resp,
        str(conn.resp_port),
        conn.proto,
        conn.service,
        value(conn.duration, 6),
        value(conn.orig_bytes),
        value(conn.resp_bytes),
        conn.state,
        "T" if is_local(conn.orig) else "F",
        "T" if is_local(conn.resp) else "F",
        "0",
        conn.history,
        str(conn.orig_pkts),
        str(orig_ip),
        str(conn.resp_pkts),
        str(resp_ip),
        "-",
    ]
    return "\t".join(fields)


CONN_FIELDS = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes "
    "resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes "
    "resp_pkts resp_ip_bytes tunnel_parents"
).split()
CONN_TYPES = (
    "time string addr port addr port enum string interval count count string bool bool count "
    "string count count count count set[string]"
).split()


# ---------------------------------------------------------------- UFW lines


def ufw_line(seconds, src, dst, proto, sport, dport, ttl, ip_id, tcp_shape="zmap"):
    """A `[UFW BLOCK]` kernel line as Ubuntu's rsyslog writes it (trailing space included)."""
    uptime = (DAY + timedelta(seconds=seconds) - BOOT).total_seconds()
    head = (
        f"{syslog_time(seconds)} {HOST} kernel: [{uptime:.6f}] [UFW BLOCK] IN=eth0 OUT= "
        f"MAC={WEB01_MAC}:{GATEWAY_MAC}:08:00 SRC={src} DST={dst}"
    )
    if proto == "tcp":
        if tcp_shape == "nmap":
            length, flags, window = 44, "", 1024
        elif tcp_shape == "linux":
            length, flags, window = 60, " DF", 64240
        else:
            length, flags, window = 40, "", 65535
        body = (
            f" LEN={length} TOS=0x00 PREC=0x00 TTL={ttl} ID={ip_id}{flags} PROTO=TCP "
            f"SPT={sport} DPT={dport} WINDOW={window} RES=0x00 SYN URGP=0 "
        )
        return head + body, length
    if proto == "udp":
        payload = rng.choice([20, 28, 36, 48, 56])
        length = 28 + payload
        body = (
            f" LEN={length} TOS=0x00 PREC=0x00 TTL={ttl} ID={ip_id} PROTO=UDP "
            f"SPT={sport} DPT={dport} LEN={length - 20} "
        )
        return head + body, length
    body = (
        f" LEN=28 TOS=0x00 PREC=0x00 TTL={ttl} ID={ip_id} PROTO=ICMP TYPE=8 CODE=0 "
        f"ID={sport} SEQ={dport} "
    )
    return head + body, 28


# Ports the attacker's scan found closed (22, 80 and 443 are open and not logged by UFW).
SCAN_PORTS = [
    21, 23, 25, 53, 110, 111, 135, 139, 143, 445, 587, 993, 995, 1433, 1521, 1723, 2049,
    2375, 3306, 3389, 5432, 5900, 5985, 6379, 8000, 8008, 8080, 8081, 8443, 8888, 9000,
    9090, 9200, 10000, 11211, 27017, 5601, 6443, 7001, 9100,
]
OPEN_PORTS = [22, 80, 443]

BACKGROUND_TCP_PORTS = [23, 23, 23, 445, 445, 3389, 3389, 5555, 8080, 8443, 6379, 2375,
                        5900, 1433, 3306, 81, 8088, 7547, 25, 2323, 9530, 37215]
BACKGROUND_UDP_PORTS = [5060, 5060, 161, 1900, 123, 19, 389, 11211, 53413]


def scan_stage(ufw, conns):
    """The attacker's vertical scan: nmap -sS -T2 style, one source port, random IP ids."""
    source_port = 40000 + rng.randint(0, 999)
    ports = SCAN_PORTS + OPEN_PORTS
    rng.shuffle(ports)
    now = SCAN_START
    for port in ports:
        if port in OPEN_PORTS:
            answered = Conn(now, ATTACKER, source_port, WEB01, port, "tcp", "-", 0.000412, 0, 0,
                            "RSTO", "ShR", 2, 1, "scan")
            answered.ip_bytes = (84, 44)
            conns.append(answered)
        else:
            line, length = ufw_line(now, ATTACKER, WEB01, "tcp", source_port, port, 49,
                                    rng.randint(1, 65535), "nmap")
            ufw.append((now, line, "scan"))
            conns.append(blocked_probe(now, ATTACKER, source_port, WEB01, port, "tcp", length,
                                       "scan"))
        now += rng.uniform(2.1, 5.4)
    return now


def firewall_noise(ufw, conns):
    """Internet background radiation: many sources, each trying one to three ports."""
    for start in poisson_times(0, END_OF_CAPTURE, 240):
        source = internet_host()
        shape = rng.choice(["zmap", "zmap", "linux", "udp", "icmp"])
        probes = rng.choice([1, 1, 1, 2, 3])
        now = start
        for _ in range(probes):
            ttl = rng.randint(38, 246)
            if shape == "udp":
                port, proto, sport = rng.choice(BACKGROUND_UDP_PORTS), "udp", ephemeral_port()
            elif shape == "icmp":
                port, proto, sport = rng.randint(0, 9), "icmp", rng.randint(1, 65535)
            else:
                port, proto, sport = rng.choice(BACKGROUND_TCP_PORTS), "tcp", ephemeral_port()
            ip_id = 54321 if shape == "zmap" else rng.randint(1, 65535)
            line, length = ufw_line(now, source, WEB01, proto, sport, port, ttl, ip_id, shape)
            ufw.append((now, line, "background"))
            if proto == "icmp":
                conns.append(blocked_probe(now, source, 8, WEB01, 0, "icmp", length, "background"))
            else:
                conns.append(blocked_probe(now, source, sport, WEB01, port, proto, length,
                                           "background"))
            now += rng.uniform(0.5, 90)


# ---------------------------------------------------------------- auth.log sessions


@dataclass
class Session:
    """One sshd connection (or one other program's run) rendered into auth.log lines."""

    start: float
    render: object
    stage: str
    peer: tuple[str, int] | None = None


def pam_failure(ip, user):
    tail = f"  user={user}" if user else " "
    return (
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
        f"rhost={ip}{tail}"
    )


def failed_session(start, ip, port, user, valid, attempts, ending, stage):
    """sshd lines of a connection whose password attempts all fail."""

    def render(pid):
        lines = []
        now = start
        who = user if valid else f"invalid user {user}"
        if not valid:
            lines.append((now, f"sshd[{pid}]: Invalid user {user} from {ip} port {port}"))
            now += rng.uniform(0.2, 1.5)
            lines.append((now, f"sshd[{pid}]: pam_unix(sshd:auth): check pass; user unknown"))
        lines.append((now, f"sshd[{pid}]: {pam_failure(ip, user if valid else None)}"))
        for _ in range(attempts):
            now += rng.uniform(1.8, 3.2)
            failed = f"Failed password for {who} from {ip} port {port} ssh2"
            lines.append((now, f"sshd[{pid}]: {failed}"))
        tag = "authenticating user " + user if valid else f"invalid user {user}"
        if attempts >= 6:
            lines.append((now, f"sshd[{pid}]: error: maximum authentication attempts exceeded "
                               f"for {who} from {ip} port {port} ssh2 [preauth]"))
            lines.append((now, f"sshd[{pid}]: Disconnecting {tag} {ip} port {port}: "
                               "Too many authentication failures [preauth]"))
        elif ending == "bye":
            now += rng.uniform(0.1, 0.6)
            lines.append((now, f"sshd[{pid}]: Received disconnect from {ip} port {port}:11: "
                               "Bye Bye [preauth]"))
            lines.append((now, f"sshd[{pid}]: Disconnected from {tag} {ip} port {port} [preauth]"))
        else:
            now += rng.uniform(0.1, 0.6)
            lines.append((now, f"sshd[{pid}]: Connection closed by {tag} {ip} port {port} "
                               "[preauth]"))
        if attempts > 1:
            more = pam_failure(ip, user if valid else None).replace(
                "authentication failure;", f"{attempts - 1} more authentication failures;"
            ).replace("pam_unix(sshd:auth): ", "PAM ")
            lines.append((now, f"sshd[{pid}]: {more}"))
        return lines, now

    return Session(start, render, stage, (ip, port))


def key_fingerprint(kind):
    alphabet = string.ascii_letters + string.digits + "+/"
    return f"{kind} SHA256:" + "".join(rng.choice(alphabet) for _ in range(43))


class Logind:
    """systemd-logind's session numbers, handed out in time order."""

    pid = 612

    def __init__(self):
        self.next = 9

    def take(self):
        number = self.next
        self.next += 1
        return number


def interactive_session(start, ip, port, user, uid, method, seconds, logind, stage, sudo=None):
    """An accepted login: sshd, PAM session, logind, optional sudo, then logout."""
    fingerprint = key_fingerprint(method[1]) if method[0] == "publickey" else None

    def render(pid):
        lines = []
        accepted = f"Accepted {method[0]} for {user} from {ip} port {port} ssh2"
        if fingerprint:
            accepted += f": {fingerprint}"
        lines.append((start, f"sshd[{pid}]: {accepted}"))
        lines.append((start, f"sshd[{pid}]: pam_unix(sshd:session): session opened for user "
                             f"{user}(uid={uid}) by (uid=0)"))
        number = logind.take()
        lines.append((start, f"systemd-logind[{Logind.pid}]: New session {number} of user {user}."))
        lines.append((start + 0.3, f"systemd: pam_unix(systemd-user:session): session opened "
                                   f"for user {user}(uid={uid}) by (uid=0)"))
        for offset, command in sudo or []:
            when = start + offset
            lines.append((when, f"sudo:   {user} : TTY=pts/1 ; PWD=/home/{user} ; USER=root ; "
                                f"COMMAND={command}"))
            lines.append((when, f"sudo: pam_unix(sudo:session): session opened for user "
                                f"root(uid=0) by {user}(uid={uid})"))
            lines.append((when + rng.uniform(2, 40), "sudo: pam_unix(sudo:session): session "
                                                     "closed for user root"))
        end = start + seconds
        lines.append((end, f"sshd[{pid}]: Received disconnect from {ip} port {port}:11: "
                           "disconnected by user"))
        lines.append((end, f"sshd[{pid}]: Disconnected from user {user} {ip} port {port}"))
        lines.append((end, f"sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}"))
        lines.append((end, f"systemd-logind[{Logind.pid}]: Session {number} logged out. "
                           "Waiting for processes to exit."))
        lines.append((end + 0.01, f"systemd-logind[{Logind.pid}]: Removed session {number}."))
        return lines, end

    return Session(start, render, stage, (ip, port))


def cron_run(start, user="root", uid=0):
    def render(pid):
        lines = [
            (start, f"CRON[{pid}]: pam_unix(cron:session): session opened for user "
                    f"{user}(uid={uid}) by (uid=0)"),
            (start + rng.uniform(0.01, 0.9), f"CRON[{pid}]: pam_unix(cron:session): session "
                                             f"closed for user {user}"),
        ]
        return lines, start

    return Session(start, render, "background")


def bot_session(start, ip):
    """One sshd connection from an internet bot, below any brute-force threshold."""
    port = ephemeral_port()
    kind = rng.choice(["closed", "invalid", "root", "banner", "reset"])
    if kind == "invalid":
        user = rng.choice(["ubnt", "pi", "test", "hadoop", "steam"])
        return failed_session(start, ip, port, user, False, 1, "bye", "background")
    if kind == "root":
        return failed_session(start, ip, port, "root", True, 1, "bye", "background")

    def render(pid):
        if kind == "banner":
            text = (f"sshd[{pid}]: banner exchange: Connection from {ip} port {port}: "
                    "invalid format")
        elif kind == "reset":
            text = f"sshd[{pid}]: Connection reset by {ip} port {port} [preauth]"
        else:
            text = f"sshd[{pid}]: Connection closed by {ip} port {port} [preauth]"
        end = start + rng.uniform(0.2, 8)
        return [(end, text)], end

    return Session(start, render, "background", (ip, port))


INVALID_USERS = ["admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "pi",
                 "ftpuser", "guest", "support", "jenkins", "www", "mysql"]


def brute_force_sessions():
    """Hydra-like: ~100 connections over 27 minutes, then the `deploy` password works."""
    plan = []
    for _ in range(46):
        plan.append(("root", True, rng.choice([1, 2, 3, 3, 6])))
    for user in INVALID_USERS:
        for _ in range(rng.randint(2, 4)):
            plan.append((user, False, rng.choice([1, 1, 2, 3])))
    rng.shuffle(plan)
    plan += [("deploy", True, 3), ("deploy", True, 2)]

    gaps = [rng.uniform(8, 24) for _ in plan]
    span = LOGIN_TIME - 9 - BRUTE_START
    scale = span / sum(gaps)
    increments = [rng.randint(4, 12) for _ in plan]
    port = LOGIN_PORT - sum(increments)

    sessions = []
    now = BRUTE_START
    for (user, valid, attempts), gap, step in zip(plan, gaps, increments):
        ending = rng.choice(["bye", "bye", "closed"])
        sessions.append(failed_session(now, ATTACKER, port, user, valid, attempts, ending,
                                       "brute force"))
        now += gap * scale
        port += step
    return sessions


# ---------------------------------------------------------------- the day


def build():
    ufw, conns, sessions = [], [], []

    scan_stage(ufw, conns)
    firewall_noise(ufw, conns)

    logind = Logind()
    sessions.append(interactive_session(
        LOGIN_TIME, ATTACKER, LOGIN_PORT, "deploy", 1001, ("password",), 941.6, logind,
        "valid account", sudo=[(51, "/usr/bin/bash"), (190, "/usr/bin/systemctl daemon-reload")],
    ))
    sessions += brute_force_sessions()

    admin_logins = [(0 * 3600 + 41 * 60 + 9, 622), (8 * 3600 + 58 * 60 + 30, 1840),
                    (11 * 3600 + 20 * 60 + 3, 905)]
    for start, seconds in admin_logins:
        sessions.append(interactive_session(
            start, ADMIN_VPN, ephemeral_port(), "alice", 1000, ("publickey", "ED25519"), seconds,
            logind, "background", sudo=[(rng.uniform(30, 200), "/usr/bin/journalctl -u nginx")],
        ))
    sessions.append(interactive_session(
        1 * 3600 + 30 * 60 + 2, BACKUP, ephemeral_port(), "backup", 998, ("publickey", "RSA"),
        233.9, logind, "background",
    ))

    for start in poisson_times(0, END_OF_CAPTURE, 1500):
        sessions.append(bot_session(start, internet_host()))

    for hour in range(12):
        sessions.append(cron_run(hour * 3600 + 17 * 60 + 1))
    sessions.append(cron_run(6 * 3600 + 25 * 60 + 1))
    for minute in range(0, 12 * 60, 30):
        sessions.append(cron_run(minute * 60 + 9 * 60 + 1, "www-data", 33))

    auth = render_auth(sessions, conns)
    network_stages(conns)
    return auth, ufw, conns


def render_auth(sessions, conns):
    """Gives processes ids in time order, renders them, and adds sshd's TCP rows to conns."""
    sessions.sort(key=lambda session: session.start)
    pids = Pids(1874)
    auth = []
    for session in sessions:
        lines, end = session.render(pids.take())
        auth += [(when, f"{syslog_time(when)} {HOST} {text}", session.stage)
                 for when, text in lines]
        if session.peer is None:
            continue
        source, port = session.peer
        handshake = rng.uniform(0.3, 1.2)  # TCP and key exchange come before the first log line
        seconds = max(end - session.start, 0.0) + handshake + rng.uniform(0.05, 0.4)
        if session.stage == "valid account" or source in (ADMIN_VPN, BACKUP):
            sent, received = rng.randint(40_000, 220_000), rng.randint(90_000, 900_000)
        else:
            sent, received = rng.randint(1_150, 2_900), rng.randint(1_500, 2_700)
        conns.append(tcp_session(session.start - handshake, source, port, WEB01, 22, "ssh",
                                 seconds, sent, received, session.stage))
    return auth


def network_stages(conns):
    """Zeek rows for the implant download, the beacon, the upload and normal traffic."""
    conns.append(tcp_session(DOWNLOAD_TIME, WEB01, ephemeral_port(), ATTACKER, 8080, "http",
                             1.873409, 143, 2_871_642, "implant download"))

    now = BEACON_START
    while now < END_OF_CAPTURE - 30:
        if rng.random() > 0.006:  # a beacon is lost now and then
            tasked = rng.random() < 0.01
            received = rng.randint(7_800, 8_400) if tasked else rng.randint(1_239, 1_262)
            conn = tcp_session(now, WEB01, ephemeral_port(), C2, 443, "ssl",
                               rng.uniform(0.18, 0.45), rng.randint(517, 531), received,
                               "beaconing")
            conn.orig_pkts, conn.resp_pkts = rng.randint(7, 8), rng.randint(6, 7)
            conns.append(conn)
        now += 60 + rng.gauss(0, 1.4)

    exfil = tcp_session(EXFIL_START, WEB01, ephemeral_port(), DROP, 443, "ssl", EXFIL_SECONDS,
                        EXFIL_BYTES, 48_211, "exfiltration")
    exfil.resp_pkts = EXFIL_BYTES // 2896 + 41
    conns.append(exfil)

    for start in poisson_times(0, END_OF_CAPTURE, 55):
        port = rng.choice([443, 443, 443, 80])
        conns.append(tcp_session(start, internet_host(), ephemeral_port(), WEB01, port,
                                 "ssl" if port == 443 else "http", rng.lognormvariate(-0.5, 1.2),
                                 rng.randint(320, 3_400), int(rng.lognormvariate(9.5, 1.4)),
                                 "background"))
    for start in poisson_times(0, END_OF_CAPTURE, 110):
        query = rng.randint(28, 62)
        conn = Conn(start, WEB01, ephemeral_port(), RESOLVER, 53, "udp", "dns",
                    rng.uniform(0.0004, 0.048), query, query + rng.randint(16, 180), "SF", "Dd",
                    1, 1, "background")
        conns.append(conn)
    for start in poisson_times(6 * 3600 + 12 * 60, 6 * 3600 + 14 * 60, 9):
        conns.append(tcp_session(start, WEB01, ephemeral_port(), MIRROR, 80, "http",
                                 rng.uniform(0.3, 6.0), rng.randint(180, 420),
                                 rng.randint(2_000, 4_800_000), "background"))
    for workstation in WORKSTATIONS:
        for start in poisson_times(7 * 3600 + 30 * 60, END_OF_CAPTURE, 45):
            conns.append(tcp_session(start, workstation, ephemeral_port(), internet_host(), 443,
                                     "ssl", rng.lognormvariate(0.5, 1.5),
                                     int(rng.lognormvariate(7.5, 1.0)),
                                     int(rng.lognormvariate(10, 1.6)), "background"))


# ---------------------------------------------------------------- writing


def write_all(directory):
    auth, ufw, conns = build()

    auth.sort(key=lambda item: item[0])
    ufw.sort(key=lambda item: item[0])
    # Zeek writes a connection when it ends, so rows are in end-time order.
    conns.sort(key=lambda conn: conn.end())
    for conn in conns:
        conn.uid = zeek_uid()

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "auth.log").write_text("".join(line + "\n" for _, line, _ in auth))
    (directory / "ufw.log").write_text("".join(line + "\n" for _, line, _ in ufw))

    header = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        f"#open\t{zeek_stamp(0)}",
        "#fields\t" + "\t".join(CONN_FIELDS),
        "#types\t" + "\t".join(CONN_TYPES),
    ]
    rows = [conn_row(conn) for conn in conns]
    footer = [f"#close\t{zeek_stamp(END_OF_CAPTURE)}"]
    (directory / "conn.log").write_text("\n".join(header + rows + footer) + "\n")

    summary = {
        "auth.log": [(number, stage) for number, (_, _, stage) in enumerate(auth, 1)],
        "ufw.log": [(number, stage) for number, (_, _, stage) in enumerate(ufw, 1)],
        "conn.log": [(number, conn.stage) for number, conn in enumerate(conns, len(header) + 1)],
    }
    for name, numbered in summary.items():
        print(f"{name}: {len(numbered)} records")
        stages = {}
        for number, stage in numbered:
            stages.setdefault(stage, []).append(number)
        for stage, numbers in stages.items():
            print(f"  {stage:<17} {len(numbers):>5} lines, first {numbers[0]}, last {numbers[-1]}")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    write_all(target)
