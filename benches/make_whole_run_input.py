#!/usr/bin/env python3
"""Builds the whole-run benchmark input: real log lines repeated to about a gigabyte.

Writes three files into OUTPUT_DIR, one per format, since formats are recognized per file:

  auth.log  the real VPS auth.log (sshd brute force, CRON) of syslog_auth/vps2022_auth.log
  ufw.log   the real VPS firewall log (UFW BLOCK kernel lines) of iptables_ufw/vps2022_ufw.log
  conn.log  the real Zeek conn rows of zeek/rita_beacon_2024-04-19 (24 hourly files), under one
            header block

Each source covers less than a day, so repetition k is the source moved k days later: syslog
dates are rewritten (kernel uptimes move too), Zeek `ts` values gain k * 86400 seconds. Lines stay
in time order and keep every other byte, with one exception: in Zeek rows, the remote (non-local)
IPv4 address gets k added to its second octet, since a capture repeated day after day would
otherwise turn every pair of hosts into a perfect 24-hour beacon. Syslog has no year; the first
line is in 2022 (pass `--year 2022`), and the repetitions run on into later years.

Usage: make_whole_run_input.py CORPUS_DIR OUTPUT_DIR [AUTH_MIB UFW_MIB CONN_MIB]
"""

import gzip
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

SYSLOG_START_YEAR = 2022
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAY_SECONDS = 86400


def syslog_day(day):
    return f"{MONTHS[day.month - 1]} {day.day:>2}"


def split_syslog(line):
    """(month, day, rest from the clock on) of an RFC 3164 line."""
    month = MONTHS.index(line[0:3]) + 1
    day = int(line[4:6])
    return month, day, line[6:]


def split_uptime(rest):
    """Splits out the kernel uptime of `... kernel: [547219.375133] ...`, if there is one."""
    marker = "kernel: ["
    start = rest.find(marker)
    if start < 0:
        return rest, None, ""
    start += len(marker)
    end = rest.find("]", start)
    try:
        uptime = float(rest[start:end])
    except ValueError:
        return rest, None, ""
    return rest[:start], uptime, rest[end:]


def write_syslog(source, target, limit_bytes, with_uptime):
    lines = source.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    first_month, first_day, _ = split_syslog(lines[0])
    first = date(SYSLOG_START_YEAR, first_month, first_day)

    parsed = []
    for line in lines:
        month, day, rest = split_syslog(line)
        offset_days = (date(SYSLOG_START_YEAR, month, day) - first).days
        parsed.append((offset_days, split_uptime(rest) if with_uptime else (rest, None, "")))

    written = 0
    repetition = 0
    with open(target, "w", encoding="utf-8", errors="surrogateescape", newline="\n") as out:
        while written < limit_bytes:
            shift_days = repetition * (max(offset for offset, _ in parsed) + 1)
            chunk = []
            for offset, (head, uptime, tail) in parsed:
                day = syslog_day(first + timedelta(days=shift_days + offset))
                if uptime is None:
                    chunk.append(f"{day}{head}\n")
                else:
                    moved = uptime + shift_days * DAY_SECONDS
                    chunk.append(f"{day}{head}{moved:.6f}{tail}\n")
            text = "".join(chunk)
            out.write(text)
            written += len(text.encode("utf-8", errors="surrogateescape"))
            repetition += 1
    return written, repetition


def read_zeek_conn(directory):
    header, rows, close = [], [], None
    for path in sorted(directory.glob("conn.*.log.gz")):
        with gzip.open(path, "rt", encoding="utf-8", errors="surrogateescape") as stream:
            for line in stream.read().splitlines():
                if line.startswith("#close"):
                    close = line
                elif line.startswith("#"):
                    if not rows:  # the first file's header stands for all of them
                        header.append(line)
                elif line:
                    rows.append(line)
    return header, rows, close


def moved_close(close, days):
    """The `#close` line of the last repetition."""
    stamp = datetime.strptime(close.split("\t")[1], "%Y-%m-%d-%H-%M-%S") + timedelta(days=days)
    return f"#close\t{stamp:%Y-%m-%d-%H-%M-%S}"


def write_zeek(directory, target, limit_bytes):
    header, rows, close = read_zeek_conn(directory)
    fields = next(line for line in header if line.startswith("#fields")).split("\t")[1:]
    ts_column = fields.index("ts")
    address_columns = [
        (fields.index("id.orig_h"), fields.index("local_orig")),
        (fields.index("id.resp_h"), fields.index("local_resp")),
    ]

    split_rows = [row.split("\t") for row in rows]
    stamps = []
    remote = []
    for cells in split_rows:
        seconds, _, fraction = cells[ts_column].partition(".")
        stamps.append((int(seconds), fraction))
        remote.append([(column, cells[column].split(".")) for column, local in address_columns
                       if cells[local] != "T" and cells[column].count(".") == 3])

    written = 0
    repetition = 0
    with open(target, "w", encoding="utf-8", errors="surrogateescape", newline="\n") as out:
        text = "".join(f"{line}\n" for line in header)
        out.write(text)
        written += len(text)
        while written < limit_bytes:
            shift = repetition * DAY_SECONDS
            chunk = []
            for cells, (seconds, fraction), addresses in zip(split_rows, stamps, remote):
                cells[ts_column] = f"{seconds + shift}.{fraction}"
                for column, (a, b, c, d) in addresses:
                    cells[column] = f"{a}.{(int(b) + repetition) % 256}.{c}.{d}"
                chunk.append("\t".join(cells) + "\n")
            text = "".join(chunk)
            out.write(text)
            written += len(text.encode("utf-8", errors="surrogateescape"))
            repetition += 1
        if close:
            out.write(moved_close(close, repetition - 1) + "\n")
    return written, repetition


def main():
    if len(sys.argv) not in (3, 6):
        sys.exit(__doc__)
    corpus, output = Path(sys.argv[1]), Path(sys.argv[2])
    mib = [int(value) for value in sys.argv[3:6]] or [400, 400, 300]
    output.mkdir(parents=True, exist_ok=True)

    jobs = [
        ("auth.log", lambda limit: write_syslog(
            corpus / "syslog_auth/vps2022_auth.log", output / "auth.log", limit, False)),
        ("ufw.log", lambda limit: write_syslog(
            corpus / "iptables_ufw/vps2022_ufw.log", output / "ufw.log", limit, True)),
        ("conn.log", lambda limit: write_zeek(
            corpus / "zeek/rita_beacon_2024-04-19", output / "conn.log", limit)),
    ]
    for (name, job), size in zip(jobs, mib):
        written, repetitions = job(size << 20)
        print(f"{name}: {written / 1e6:.0f} MB, {repetitions} repetitions of the source")


if __name__ == "__main__":
    main()
