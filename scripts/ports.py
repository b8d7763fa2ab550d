"""Free ports of the loopback address, for the servers `make run` starts (scripts/serve.py)
and the ones the tests start (tests/harness/)."""
import socket
from typing import List

HOST = "127.0.0.1"


def free_ports(count: int) -> List[int]:
    """`count` different free ports of 127.0.0.1 (all held at once while they are found)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind((HOST, 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port() -> int:
    return free_ports(1)[0]


if __name__ == "__main__":
    import sys

    print(*free_ports(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
