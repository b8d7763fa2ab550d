"""What `make run` says on the console when a process under supervisord dies (scripts/crash_reports.py)."""
from scripts.crash_reports import REPORT_EVERY_SECONDS, CrashReports


def reports() -> CrashReports:
    return CrashReports({"rasa-1": "Rasa server 1", "actions": "the action server"})


def test_a_crash_of_a_running_process_is_reported_at_once_and_its_return():
    crash = reports()
    assert crash.state_changed("rasa-1", "RUNNING", False, 0) == []
    [line] = crash.state_changed("rasa-1", "EXITED", False, 10)
    assert "Rasa server 1 stopped unexpectedly" in line and "other Rasa server" in line
    assert crash.state_changed("rasa-1", "STARTING", False, 10) == []
    assert crash.state_changed("rasa-1", "RUNNING", False, 40) == ["Rasa server 1 is running again."]


def test_a_process_crashing_again_and_again_is_reported_once_a_minute_with_a_count():
    crash = reports()
    crash.state_changed("actions", "RUNNING", False, 0)
    assert len(crash.state_changed("actions", "EXITED", False, 1)) == 1
    for second in range(2, 12):
        assert crash.state_changed("actions", "BACKOFF", False, second) == []
    assert crash.minute_passed(30) == []
    [line] = crash.minute_passed(1 + REPORT_EVERY_SECONDS)
    assert "the action server stopped 10 more times in the last minute" in line
    assert crash.minute_passed(200) == []  # nothing new: silent


def test_expected_stops_and_start_up_failures_are_not_reported_here():
    crash = reports()
    # never ran: a start-up failure, which scripts/serve.py reports as it stops everything
    assert crash.state_changed("actions", "BACKOFF", False, 1) == []
    crash.state_changed("rasa-1", "RUNNING", False, 0)
    assert crash.state_changed("rasa-1", "STOPPING", False, 5) == []
    assert crash.state_changed("rasa-1", "EXITED", True, 5) == []


def test_giving_up_is_always_reported():
    crash = reports()
    crash.state_changed("actions", "RUNNING", False, 0)
    crash.state_changed("actions", "EXITED", False, 1)
    [line] = crash.state_changed("actions", "FATAL", False, 2)
    assert "Gave up restarting the action server" in line
