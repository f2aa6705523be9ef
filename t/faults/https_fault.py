#!/usr/bin/python3
"""https_fault - MTA-STS policy hosts that misbehave, for t/faults_live.sh.

  https_fault.py CERT KEY ADDR:MODE...

Listens on ADDR:443 for each ADDR:MODE.  Modes:
  good       TLS; answers GET with 200 text/plain and an enforce policy whose
             mx is mx.DOMAIN (DOMAIN from the Host header minus "mta-sts.")
  silent     TLS handshake completes; the request is read and never answered
  slowloris  TLS; status line and headers at once (Content-Length 120), then
             the body one byte a second
  slowhead   TLS; the status line and headers one byte a second
  stall      accepts the TCP connection, never reads the ClientHello
Runs until killed; prints "ready" once every socket listens.
"""
import socket
import ssl
import sys
import threading
import time

held = []


def policy(host):
    dom = host.split(":")[0].lower()
    if dom.startswith("mta-sts."):
        dom = dom[len("mta-sts."):]
    return ("version: STSv1\nmode: enforce\nmx: mx.%s\nmax_age: 86400\n" % dom).encode()


def read_request(t):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 16384:
        chunk = t.recv(4096)
        if not chunk:
            return None
        data += chunk
    host = ""
    for line in data.split(b"\r\n")[1:]:
        if line.lower().startswith(b"host:"):
            host = line[5:].strip().decode("ascii", "replace")
    return host


def handle(ctx, mode, c):
    try:
        if mode == "stall":
            held.append(c)
            return
        t = ctx.wrap_socket(c, server_side=True)
        host = read_request(t)
        if host is None:
            return
        body = policy(host)
        if mode == "good":
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                      b"Connection: close\r\n\r\n" % len(body) + body)
            t.close()
        elif mode == "silent":
            held.append(t)
        elif mode == "slowloris":
            body = body.ljust(120, b"\n")
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body))
            for i in range(len(body)):
                t.sendall(body[i:i + 1])
                time.sleep(1)
        elif mode == "slowhead":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
            for i in range(len(head)):
                t.sendall(head[i:i + 1])
                time.sleep(1)
            t.sendall(body)
    except (OSError, ssl.SSLError):
        pass


def listen(ctx, addr, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 443))
    s.listen(64)

    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handle, args=(ctx, mode, c), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    for a in sys.argv[3:]:
        addr, mode = a.rsplit(":", 1)
        if mode not in ("good", "silent", "slowloris", "slowhead", "stall"):
            sys.exit("unknown mode " + mode)
        listen(ctx, addr, mode)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
