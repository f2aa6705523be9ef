#!/usr/bin/python3
"""smapc - socketmap protocol checks against a running daemon (t/daemon/socketmap.sh).

usage: smapc.py ADDR CHECK [ARG]
ADDR: unix:/path or inet:PORT@HOST.  Prints one line per check result,
"ok DESCRIPTION" or "not ok DESCRIPTION: why"; exit 0 when all passed.
Nothing here decides a map's answer: only keys whose answer the protocol
fixes (not a domain -> "NOTFOUND ", unknown map -> PERM) are checked exactly.
"""
import socket
import sys
import time

ADDR = sys.argv[1]
results = []


def check(cond, what, why=""):
    results.append(cond)
    print(("ok " if cond else "not ok ") + what + ("" if cond else ": " + why))


def dial(timeout=5.0):
    if ADDR.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(ADDR[5:])
    else:
        port, _, host = ADDR[5:].partition("@")
        s = socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
    s.settimeout(timeout)
    return s


def ns(text):
    b = text.encode() if isinstance(text, str) else text
    return str(len(b)).encode() + b":" + b + b","


def read_reply(s):
    """one netstring reply, or None when the server closed the connection"""
    buf = b""
    while b":" not in buf:
        c = s.recv(1)
        if not c:
            return None
        buf += c
        if len(buf) > 6:
            raise ValueError("bad reply length %r" % buf)
    n = int(buf[:-1])
    data = b""
    while len(data) < n + 1:
        c = s.recv(n + 1 - len(data))
        if not c:
            raise ValueError("short reply")
        data += c
    if data[-1:] != b",":
        raise ValueError("reply without ','")
    return data[:-1].decode()


def closed(s, within=3.0):
    """True when the server closes s (EOF or reset) within `within` seconds"""
    s.settimeout(within)
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def well_formed(r):
    return r is not None and (r.startswith("OK ") or r == "NOTFOUND " or r.startswith("TEMP ")
                              or r.startswith("PERM "))


def answers():
    s = dial()
    # several requests in one write, answered in order
    s.sendall(ns("tls [mx.example.test]:2525") + ns("nosuchmap example.com") + ns("tls [192.0.2.1]") +
              ns("tls") + ns("tls 10.0.0.1"))
    r = [read_reply(s) for _ in range(5)]
    check(r[0] == "NOTFOUND ", "a [host]:port key: exactly 'NOTFOUND ' (with the space)", repr(r[0]))
    check(r[1] is not None and r[1].startswith("PERM ") and "unknown map" in r[1], "unknown map -> PERM", repr(r[1]))
    check(r[2] == "NOTFOUND ", "an IP literal key: NOTFOUND", repr(r[2]))
    check(r[3] is not None and r[3].startswith("PERM "), "a request without a key -> PERM", repr(r[3]))
    check(r[4] == "NOTFOUND ", "a bare IP address key: NOTFOUND", repr(r[4]))
    # every map answers something well formed (the decisions are the lead's)
    for m in ("tls", "requiretls", "sendmail"):
        s.sendall(ns(m + " [mx.example.test]"))
        rr = read_reply(s)
        check(well_formed(rr), "map %s answers a well-formed reply" % m, repr(rr))
    # 200 requests back to back on the same connection
    good = 0
    for i in range(200):
        s.sendall(ns("tls [10.0.0.%d]:25" % (i % 250)))
        if read_reply(s) == "NOTFOUND ":
            good += 1
    check(good == 200, "200 requests on one connection, each answered", "%d answered" % good)
    s.close()


def partial():
    s = dial()
    req = ns("tls [mx.example.test]:25") + ns("nosuchmap x")
    for b in req:
        s.sendall(bytes([b]))
        time.sleep(0.002)
    r1, r2 = read_reply(s), read_reply(s)
    check(r1 == "NOTFOUND " and r2 is not None and r2.startswith("PERM "),
          "requests written byte by byte are answered", repr((r1, r2)))
    # a request split across writes with a pause in the middle of the data
    s.sendall(b"24:tls [mx.exa")
    time.sleep(0.3)
    s.sendall(b"mple.test]:25,")
    r = read_reply(s)
    check(r == "NOTFOUND ", "a request split in the middle of its data", repr(r))
    s.close()


def bad(kind):
    """a bad netstring closes that connection only; a connection open beside it keeps working"""
    other = dial()
    other.sendall(ns("tls [192.0.2.9]"))
    before = read_reply(other)
    s = dial()
    payload = {
        "oversized": b"10001:" + b"x" * 100,
        "huge-length": b"99999999999999999999:x,",
        "garbage": b"GET / HTTP/1.0\r\n\r\n",
        "missing-comma": b"5:tls x;",
        "leading-zero": b"05:tls x,",
        "nul": None,
    }[kind]
    if kind == "nul":
        # NUL inside a well-framed request: a PERM answer, the connection stays
        s.sendall(ns(b"tls a\x00b"))
        r = read_reply(s)
        check(r is not None and r.startswith("PERM "), "a NUL byte in a request -> PERM", repr(r))
        s.sendall(ns("tls [192.0.2.1]"))
        r = read_reply(s)
        check(r == "NOTFOUND ", "the connection still serves after it", repr(r))
    else:
        s.sendall(ns("tls [192.0.2.1]") + payload)
        r = read_reply(s)
        check(r == "NOTFOUND ", "%s: the request before it is answered" % kind, repr(r))
        check(closed(s), "%s: the server closes that connection" % kind)
    other.sendall(ns("tls [192.0.2.9]"))
    after = read_reply(other)
    check(before == "NOTFOUND " and after == "NOTFOUND ", "%s: a connection beside it keeps working" % kind,
          repr((before, after)))
    n = dial()
    n.sendall(ns("tls [192.0.2.9]"))
    r = read_reply(n)
    check(r == "NOTFOUND ", "%s: a new connection is served" % kind, repr(r))


def idle(secs):
    """an idle connection is closed after the timeout; a trickling request too"""
    t = float(secs)
    s = dial()
    s.sendall(ns("tls [192.0.2.1]"))
    read_reply(s)
    t0 = time.time()
    c = closed(s, t + 3)
    el = time.time() - t0
    check(c and el >= t - 0.5, "an idle connection is closed after policy_socket_timeout (%.1f s)" % el,
          "closed=%s after %.1f s" % (c, el))
    s = dial()
    t0 = time.time()
    gone = False
    for b in b"100:" + b"x" * 60:
        try:
            s.sendall(bytes([b]))
        except OSError:
            gone = True
            break
        if closed(s, 0.25):
            gone = True
            break
    el = time.time() - t0
    check(gone and el <= 2 * t + 2, "a request trickling in is cut after about the timeout (%.1f s)" % el,
          "gone=%s after %.1f s" % (gone, el))


def limit(n):
    """n connections are served; the one over the limit is closed at once"""
    n = int(n)
    conns = []
    for i in range(n):
        c = dial()
        c.sendall(ns("tls [192.0.2.1]"))
        conns.append(c)
    served = sum(1 for c in conns if read_reply(c) == "NOTFOUND ")
    check(served == n, "%d connections at once, each served" % n, "%d served" % served)
    x = dial()
    try:
        x.sendall(ns("tls [192.0.2.1]"))
    except OSError:
        pass
    check(closed(x, 3), "connection %d (over the limit) is closed at once" % (n + 1))
    conns.pop().close()
    time.sleep(0.3)
    y = dial()
    y.sendall(ns("tls [192.0.2.1]"))
    r = read_reply(y)
    check(r == "NOTFOUND ", "after one closes, a new connection is served", repr(r))
    for c in conns:
        c.close()
    y.close()


def hold(n, secs, ready_file):
    """hold n connections (half of them with a partial request) until the
    server closes them; print how many were closed by the server"""
    n, secs = int(n), float(secs)
    conns = []
    for i in range(n):
        c = dial()
        c.sendall(ns("tls [192.0.2.1]"))
        read_reply(c)
        if i % 2:
            c.sendall(b"30:tls [192.0")
        conns.append(c)
    open(ready_file, "w").write("ready\n")
    end = time.time() + secs
    gone = 0
    for c in conns:
        if closed(c, max(0.1, end - time.time())):
            gone += 1
    print("closed %d of %d" % (gone, n))
    sys.exit(0 if gone == n else 1)


def session(ready_file, go_file, out_file):
    """one connection across a reload: ask, wait for go_file, ask again"""
    s = dial(30)
    s.sendall(ns("tls [192.0.2.1]"))
    a = read_reply(s)
    open(ready_file, "w").write("ready\n")
    for _ in range(300):
        try:
            open(go_file).close()
            break
        except OSError:
            time.sleep(0.05)
    s.sendall(ns("tls [192.0.2.2]"))
    b = read_reply(s)
    open(out_file, "w").write("%r %r\n" % (a, b))
    sys.exit(0 if a == "NOTFOUND " and b == "NOTFOUND " else 1)


cmd = sys.argv[2]
args = sys.argv[3:]
try:
    {"answers": answers, "partial": partial, "bad": bad, "idle": idle, "limit": limit, "hold": hold,
     "session": session}[cmd](*args)
except Exception as e:  # a protocol error is a failed check, never a skip
    check(False, cmd + " " + " ".join(args), "%s: %s" % (type(e).__name__, e))
sys.exit(0 if results and all(results) else 1)
