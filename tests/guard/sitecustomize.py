"""Loaded by every Python process the tests start (PYTHONPATH): no connection leaves this
machine. An attempt is refused and written to $REFLECT_NET_LOG, which the test then reads."""

import ipaddress
import os
import socket

_LOG = os.environ.get("REFLECT_NET_LOG")
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _outside(sock: socket.socket, address: object) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return False
    host = str(address[0]).split("%")[0]
    if host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _refuse(address: object) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"pid {os.getpid()}: {address}\n")
    raise ConnectionRefusedError(f"outbound connection blocked in tests: {address}")


def connect(sock: socket.socket, address: object) -> None:
    if _outside(sock, address):
        _refuse(address)
    _connect(sock, address)


def connect_ex(sock: socket.socket, address: object) -> int:
    if _outside(sock, address):
        _refuse(address)
    return _connect_ex(sock, address)


if _LOG:
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
