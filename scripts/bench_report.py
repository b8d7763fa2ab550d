"""Time `make report` on a store of 100,000 synthetic conversations (not part of `make
test`: filling the store alone takes a while). Usage: python scripts/bench_report.py [N].
The figure goes in docs/operations.md by hand."""
import sys
import tempfile
import time
from pathlib import Path

from tests.harness.report_store import fill, write_report


def main(conversations=100_000):
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/conversations.db"
        events = fill(url, conversations)
        start = time.monotonic()
        results = write_report(url, Path(folder) / "results")
        seconds = time.monotonic() - start
        size = (results / "report.html").stat().st_size
    print(f"{conversations:,} conversations ({events:,} events): report in {seconds:.1f} s, page {size / 1024:.0f} KB")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
