"""supervisord's event listener for `make run` (scripts/serve.py): says on the console when a
process that was running stops and is restarted, at most once a minute for each process, so a
server that crashes again and again is neither silent nor a flood.

A process that never ran (it failed during start-up) is serve.py's to report: it stops
everything then. supervisord gives the events; this prints to stderr (its stdout is
supervisord's event protocol).

Usage (in supervisord.conf): python -m scripts.crash_reports NAME=LABEL...
"""
import sys
from typing import Dict, List, Optional

REPORT_EVERY_SECONDS = 60


class CrashReports:
    """The console lines for supervisord's process state events, rate-limited."""

    def __init__(self, labels: Dict[str, str]) -> None:
        self.labels = labels
        self.has_run: set = set()
        self.last_report: Dict[str, float] = {}
        self.unreported: Dict[str, int] = {}
        self.back_pending: set = set()

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def state_changed(self, name: str, state: str, expected: bool, now: float) -> List[str]:
        """Lines for `name` entering `state` (PROCESS_STATE_<state>) at `now`."""
        if state == "RUNNING":
            self.has_run.add(name)
            if name in self.back_pending:
                self.back_pending.discard(name)
                return [f"{self.label(name)} is running again."]
            return []
        if name not in self.has_run:
            return []
        if state == "FATAL":
            return [f"Gave up restarting {self.label(name)}: it stopped at once on every try. Its error is "
                    "above; fix it, then start again (make run)."]
        if (state == "EXITED" and not expected) or state == "BACKOFF":
            return self._crashed(name, now)
        return []

    def _crashed(self, name: str, now: float) -> List[str]:
        last = self.last_report.get(name)
        if last is not None and now - last < REPORT_EVERY_SECONDS:
            self.unreported[name] = self.unreported.get(name, 0) + 1
            return []
        self.last_report[name] = now
        self.back_pending.add(name)
        return [f"{self.label(name)} stopped unexpectedly (its output above may say why); restarting it."
                + self._meanwhile(name)]

    def _meanwhile(self, name: str) -> str:
        if name.startswith("rasa-"):
            return " HAProxy sends its students to the other Rasa server meanwhile."
        return ""

    def minute_passed(self, now: float) -> List[str]:
        """Lines for the crashes not yet reported, for each process last reported a minute ago."""
        lines = []
        for name, count in sorted(self.unreported.items()):
            if count and now - self.last_report[name] >= REPORT_EVERY_SECONDS:
                lines.append(f"{self.label(name)} stopped {count} more time{'s' if count > 1 else ''} in the last "
                             "minute; still restarting it, waiting a little longer each time.")
                self.unreported[name] = 0
                self.last_report[name] = now
        return lines


def _fields(text: str) -> Dict[str, str]:
    return dict(pair.split(":", 1) for pair in text.split())


def main(arguments: List[str]) -> None:
    import time

    from supervisor import childutils

    reports = CrashReports(dict(argument.split("=", 1) for argument in arguments))
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        event = headers["eventname"]
        lines: Optional[List[str]] = None
        if event.startswith("PROCESS_STATE_"):
            fields = _fields(payload)
            lines = reports.state_changed(fields["processname"], event[len("PROCESS_STATE_"):],
                                          fields.get("expected") == "1", time.time())
        elif event == "TICK_60":
            lines = reports.minute_passed(time.time())
        for line in lines or []:
            print(line, file=sys.stderr, flush=True)
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
