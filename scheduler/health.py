"""What a monitor reads from ``loa status``: whether anything needs a person (the exit code, ``health`` in --json)
and the one line of ``loa status --check`` in the Nagios plugin convention.

Two code schemes, each where its readers expect it (README "Monitor"):

- ``loa status``: 0 nothing needs a person, 3 something does, 1 cannot tell (the database does not answer), 2 bad
  input — loa's codes, as every command has them.
- ``loa status --check``: Nagios's 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. CRITICAL when nothing is published at
  all (no daemon running while posts wait for one, or one died without stopping); WARNING for the rest that needs
  a person; UNKNOWN when loa cannot tell, whatever the reason (bad config included: the monitor can do nothing else
  with it).
"""
from __future__ import annotations

from typing import Any

from loa.posts.i18n import t

EXIT_HEALTHY = 0
EXIT_NEEDS_A_PERSON = 3
# the order of the reasons, in --json and in the --check line: what stops everything first
COUNTED = ("stuck", "failed", "unknown", "missed", "waiting", "draft")
NAGIOS = {"ok": (0, "OK"), "warning": (1, "WARNING"), "critical": (2, "CRITICAL")}
NAGIOS_UNKNOWN = 3
QUEUED = ("pending", "retry_wait")  # publications still to go out (drafts' included)


def health(items: list[dict[str, Any]], needing: dict[str, int]) -> dict[str, Any]:
    """``state`` (ok, warning, critical), ``exit`` (0 or 3) and ``reasons``: what needs a person, from the
    attention list's system items (no daemon, paused channels, stuck sends) and the counts per status."""
    reasons: list[dict[str, Any]] = []
    if any(item["status"] == "stopped" for item in items):
        reasons.append({"status": "stopped"})
    reasons += [{"status": "paused", "channel": item["channel"]} for item in items if item["status"] == "paused"]
    counts = {**needing, "stuck": sum(item["status"] == "stuck" for item in items)}
    reasons += [{"status": status, "count": counts[status]} for status in COUNTED if counts.get(status)]
    state = "critical" if reasons and reasons[0]["status"] == "stopped" else "warning" if reasons else "ok"
    return {"state": state, "exit": EXIT_NEEDS_A_PERSON if reasons else EXIT_HEALTHY, "reasons": reasons}


def reason_text(reason: dict[str, Any]) -> str:
    """One reason in a few words: "2 unknown", "channel facebook paused", "no daemon running"."""
    if reason["status"] == "stopped":
        return t("monitor.reason_stopped")
    if reason["status"] == "paused":
        return t("monitor.reason_paused", channel=reason["channel"])
    return t(f"monitor.reason_{reason['status']}", count=reason["count"])


def check_line(report: dict[str, Any]) -> tuple[str, int]:
    """``loa status --check``: (the Nagios line with its performance data, the Nagios exit code)."""
    state = report["health"]
    code, word = NAGIOS[state["state"]]
    queued = sum(report["deliveries"].get(status, 0) for status in QUEUED)
    alive = report["daemon"]["alive"]
    summary = [reason_text(reason) for reason in state["reasons"]]
    summary.append(t("monitor.queued", count=queued))
    if state["state"] != "critical":  # else the first reason already says no daemon runs
        summary.append(t("monitor.daemon_up" if alive else "monitor.daemon_down"))
    counts = {reason["status"]: reason["count"] for reason in state["reasons"] if "count" in reason}
    perf = {"queued": queued, "daemon_up": int(alive),
            "paused": sum(reason["status"] == "paused" for reason in state["reasons"]),
            **{status: counts.get(status, 0) for status in ("failed", "unknown", "missed", "draft")}}
    return f"LOA {word} - {', '.join(summary)} | {' '.join(f'{k}={v}' for k, v in perf.items())}", code


def unknown_line(message: str) -> str:
    """``loa status --check`` when loa cannot tell: the reason on the same one line (a "|" in it would start
    Nagios's performance data)."""
    return f"LOA UNKNOWN - {' '.join(message.replace('|', '/').split())}"
