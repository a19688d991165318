"""Serving a workshop room: which addresses participants can open, and the warning that goes
with serving beyond this computer.

``quartier dashboard --host 0.0.0.0`` makes the page reachable from every device on the room's
network (and from anyone else on that network). The dashboard prints the addresses once the
server starts, so the trainer can write one on the board.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

__all__ = ["room_addresses", "announce", "announce_from_argv"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def room_addresses(port: int) -> list[str]:
    """``http://<address>:<port>/`` for each IPv4 address of this computer other than loopback.

    Found without sending anything: the host name's addresses, and the address the system would
    use for an outside route (a UDP socket's ``connect`` only picks a route; no packet leaves).
    """
    found: set[str] = set()
    try:
        found.update(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    for target in ("192.0.2.1", "10.255.255.255"):  # documentation and private ranges: never contacted
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((target, 9))
                found.add(s.getsockname()[0])
        except OSError:
            pass
    usable = sorted(a for a in found if not ipaddress.ip_address(a).is_loopback and a != "0.0.0.0")
    return [f"http://{a}:{port}/" for a in usable]


def announce(host: str, port: int, out=sys.stderr) -> None:
    """Print the warning and the addresses when serving beyond this computer."""
    if host in LOOPBACK_HOSTS:
        return
    print(f"WARNING: the dashboard is served on {host}: every device on this network can open it "
          "(no password). Use it on the workshop's own network and stop it after the session.", file=out)
    addresses = room_addresses(port) if host in ("0.0.0.0", "::", "") else [f"http://{host}:{port}/"]
    if addresses:
        print("Participants open one of:", file=out)
        for address in addresses:
            print(f"    {address}", file=out)
    else:
        print("No network address found: is this computer connected to the room's network?", file=out)
    out.flush()


def announce_from_argv(argv: list[str] | None = None) -> None:
    """Called in the Solara server process: read ``--host``/``--port`` from its command line
    (``quartier dashboard`` passes both) and announce."""
    argv = sys.argv if argv is None else argv
    try:
        host = argv[argv.index("--host") + 1]
        port = int(argv[argv.index("--port") + 1])
    except (ValueError, IndexError):
        return
    announce(host, port)
