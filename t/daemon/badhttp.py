#!/usr/bin/python3
"""badhttp - malformed and hostile HTTP against the metrics port (t/daemon/ops.sh).

usage: badhttp.py HOST PORT ROUNDS
Each round: garbage bytes, a request line without a version, a header far
over the limit, a POST with a body, a huge Content-Length never sent, NUL
bytes, a half-sent request left open (slowloris) and 40 connections opened
and dropped.  The server's answers are not checked here (the caller checks
that mail goes on and that a proper scrape still works); prints "done".
"""
import socket
import sys

host, port, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
PAYLOADS = [
    b"GARBAGE\r\n\r\n",
    b"GET /metrics\r\n\r\n",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"A" * 100000 + b"\r\n\r\n",
    b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc",
    b"GET /\x00\x01\x02 HTTP/1.1\r\nHost: \x00\r\n\r\n",
    b"\xff\xfe\xfd" * 1000,
    b"GET /metrics HTTP/9.9\r\n\r\n",
]
held = []
for _ in range(rounds):
    for p in PAYLOADS:
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.sendall(p)
            try:
                s.recv(4096)
            except OSError:
                pass
            s.close()
        except OSError:
            pass
    try:
        s = socket.create_connection((host, port), timeout=2)
        s.sendall(b"GET /metr")      # never finished
        held.append(s)
    except OSError:
        pass
    for _ in range(40):
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError:
            pass
for s in held:
    s.close()
print("done")
