#!/usr/bin/python3
"""notifyd - a stand-in for systemd's notify socket (t/daemon/ops.sh).

usage: notifyd.py SOCKET OUTFILE
Binds an AF_UNIX SOCK_DGRAM socket at SOCKET and appends every datagram to
OUTFILE, one line per field ("READY=1", "STATUS=..."), flushed at once.
Runs until killed.
"""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        data = s.recv(65536)
        for field in data.decode("utf-8", "replace").split("\n"):
            if field:
                f.write(field + "\n")
