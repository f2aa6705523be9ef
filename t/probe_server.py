#!/usr/bin/python3
# t/probe_server.py - SMTP servers for t/probe_live.sh (run with /usr/bin/python3).
#
#   probe_server.py MODE ADDR PORT [CHAIN KEY]
#
# MODE:
#   requiretls  aiosmtpd with STARTTLS (CHAIN/KEY); after STARTTLS its EHLO
#               reply announces REQUIRETLS (no Debian 12 MTA does)
#   plain       aiosmtpd without TLS: no STARTTLS at all
#   silent      accepts and never sends a banner
#   bigline     banner, then an EHLO reply whose first line is 100 KB
#   reset       banner, reads EHLO, then resets the connection (RST)
#   tlsstall    banner, EHLO with STARTTLS, "220" to STARTTLS, then silence
#   starttls454 banner, EHLO with STARTTLS, "454 4.7.0" to STARTTLS
#   garbage     answers like a web server
#   banner554   "554 5.7.1 no service" as its banner
#   inject      "220" to STARTTLS with a plaintext reply glued behind it
#               (STARTTLS response injection: must never be read as TLS-protected)
#   blackhole   listens with a full accept queue and never accepts: SYNs
#               are dropped, a connect times out
#   earlyreset  banner, then a reset before our EHLO (our write meets a dead socket)
#   tlsclose    banner, EHLO with STARTTLS, "220" to STARTTLS, then a close (FIN)
#   tlsreset    banner, EHLO with STARTTLS, "220" to STARTTLS, then a reset
#               (our TLS ClientHello meets a dead socket: no SIGPIPE)
# Prints "ready" on stdout once it listens; runs until SIGTERM.
import asyncio
import signal
import socket
import ssl
import struct
import sys
import threading


def aiosmtpd_main(mode, addr, port, chain=None, key=None):
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if session.ssl is not None:
                # before the last line ("250 HELP"), as a real extension
                responses.insert(len(responses) - 1, "250-REQUIRETLS")
            return responses

    ctx = None
    if mode == "requiretls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(chain, key)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    srv = loop.run_until_complete(loop.create_server(
        lambda: SMTP(Handler(), hostname="mx.example.test", tls_context=ctx,
                     require_starttls=False),
        host=addr, port=port, reuse_address=True))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("ready", flush=True)
    loop.run_forever()
    srv.close()


def readline(conn):
    buf = b""
    while not buf.endswith(b"\n"):
        b = conn.recv(1)
        if not b:
            raise ConnectionError("eof")
        buf += b
    return buf


def drain(conn):
    while conn.recv(4096):
        pass


def fault(mode, conn):
    try:
        if mode == "silent":
            drain(conn)
            return
        if mode == "garbage":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            drain(conn)
            return
        if mode == "banner554":
            conn.sendall(b"554 5.7.1 no service\r\n")
            readline(conn)              # QUIT
            conn.sendall(b"221 2.0.0 bye\r\n")
            return
        conn.sendall(b"220 fault.example.test ESMTP\r\n")
        if mode == "earlyreset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        readline(conn)                  # EHLO
        if mode == "bigline":
            conn.sendall(b"250-" + b"x" * (100 * 1024) + b"\r\n250 STARTTLS\r\n")
            drain(conn)
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif mode in ("tlsstall", "starttls454", "tlsreset", "inject", "tlsclose"):
            conn.sendall(b"250-fault.example.test\r\n250 STARTTLS\r\n")
            readline(conn)              # STARTTLS
            if mode == "inject":
                conn.sendall(b"220 2.0.0 go ahead\r\n250-injected\r\n250 REQUIRETLS\r\n")
                drain(conn)
                return
            if mode == "tlsclose":
                conn.sendall(b"220 2.0.0 go ahead\r\n")
                conn.shutdown(socket.SHUT_WR)
                return
            if mode == "tlsreset":
                conn.sendall(b"220 2.0.0 go ahead\r\n")
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if mode == "tlsstall":
                conn.sendall(b"220 2.0.0 go ahead\r\n")
            else:
                conn.sendall(b"454 4.7.0 TLS not available\r\n")
            drain(conn)
    except OSError:
        pass
    finally:
        conn.close()


def blackhole_main(addr, port):
    s = socket.socket(socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(0)
    fillers = []
    for _ in range(2):                  # fill the accept queue (backlog 0 holds one)
        c = socket.socket(socket.AF_INET)
        c.settimeout(0.5)
        try:
            c.connect((addr, port))
        except OSError:
            pass
        fillers.append(c)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("ready", flush=True)
    signal.pause()


def fault_main(mode, addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("ready", flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=fault, args=(mode, conn), daemon=True).start()


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "blackhole":
        blackhole_main(addr, port)
    elif mode in ("requiretls", "plain"):
        aiosmtpd_main(mode, addr, port, *sys.argv[4:6])
    elif mode in ("silent", "bigline", "reset", "tlsstall", "starttls454", "earlyreset", "tlsreset", "garbage", "banner554", "inject", "tlsclose"):
        fault_main(mode, addr, port)
    else:
        sys.exit("unknown mode " + mode)


main()
