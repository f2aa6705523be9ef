#!/usr/bin/python3
"""dns_fault - a misbehaving recursive resolver for t/faults_live.sh.

  dns_fault.py ADDR [DOMAIN=STSADDR,MXADDR ...]

Listens on ADDR:53 (UDP and TCP) and answers every query as a resolver
would (RA set), from rules chosen by the query name (all under .test):

  servfail.test, *.servfail.test   SERVFAIL
  tc.test, *.tc.test               over UDP: TC=1 and no records; over TCP: the
                                   normal answer (MX 10 mx.tc.test)
  slowNNNN.test                    the MX answer after NNNN ms (other types at once)
  bigmx.test                       500 MX records (TC over UDP, whole over TCP)
  bigtxt.test                      _mta-sts: one "v=STSv1; id=big" record among
                                   225 others, about 60 KB (TCP only)
  loop.test, loop2.test            each a CNAME to the other (the loop in one answer)
  anything else X.test             MX 10 mx.X.test; mx.X.test A MXADDR (default
                                   127.0.0.12); _mta-sts.X.test TXT "v=STSv1; id=1"
                                   and mta-sts.X.test A STSADDR only when X.test was
                                   given as DOMAIN=STSADDR,MXADDR; otherwise NXDOMAIN
Other types: NODATA (with the test. SOA).  Runs until killed.  Prints
"ready" once both sockets are bound.
"""
import socket
import struct
import sys
import threading
import time

SOA_NAME = "test."
STS = {}          # domain -> (sts address or None, mx address)
T_A, T_NS, T_CNAME, T_SOA, T_MX, T_TXT, T_AAAA, T_OPT = 1, 2, 5, 6, 15, 16, 28, 41


def enc_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(name, rtype, rdata, ttl=60):
    return enc_name(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa():
    rd = enc_name("ns.test.") + enc_name("hostmaster.test.") + struct.pack("!IIIII", 1, 3600, 600, 86400, 60)
    return rr(SOA_NAME, T_SOA, rd)


def txt(*strings):
    rd = b""
    for s in strings:
        b = s.encode()
        rd += bytes([len(b)]) + b
    return rd


def parse(query):
    """(id, flags, qname, qtype, question bytes, udp size) or None."""
    if len(query) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", query[:12])
    if qd != 1 or flags & 0x8000:
        return None
    i, labels = 12, []
    while i < len(query) and query[i] != 0:
        n = query[i]
        if n & 0xC0 or i + 1 + n > len(query):
            return None
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += n + 1
    if i + 5 > len(query):
        return None
    qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
    question = query[12:i + 5]
    size = 512
    j = i + 5
    if ar >= 1 and j + 11 <= len(query) and query[j] == 0:     # OPT with root owner
        t, cls = struct.unpack("!HH", query[j + 1:j + 5])
        if t == T_OPT:
            size = max(512, cls)
    return qid, flags, ".".join(labels).lower() + ".", qtype, question, size


def records(qname, qtype):
    """(rcode, answer records list, delay seconds, tcp_only)."""
    labels = qname.rstrip(".").split(".")
    if not qname.endswith(".test."):
        return 5, [], 0, False                                   # REFUSED
    dom = ".".join(labels[-2:]) + "."                            # X.test.
    base = labels[-2]
    if base == "servfail":
        return 2, [], 0, False
    if base in ("loop", "loop2") and len(labels) == 2:
        other = "loop2.test." if base == "loop" else "loop.test."
        return 0, [rr(qname, T_CNAME, enc_name(other)), rr(other, T_CNAME, enc_name(qname))], 0, False
    delay = 0
    if base.startswith("slow") and base[4:].isdigit() and qtype == T_MX and len(labels) == 2:
        delay = int(base[4:]) / 1000.0
    sts, mxaddr = STS.get(dom, (None, "127.0.0.12"))
    if len(labels) == 2:
        if qtype == T_MX:
            if base == "bigmx":
                return 0, [rr(qname, T_MX, struct.pack("!H", 10) + enc_name("mx%03d.bigmx.test." % i))
                           for i in range(500)], 0, False
            return 0, [rr(qname, T_MX, struct.pack("!H", 10) + enc_name("mx." + dom))], delay, False
        return 0, [], delay, False
    if len(labels) == 3 and labels[0] == "mx":
        if qtype == T_A:
            return 0, [rr(qname, T_A, socket.inet_aton(mxaddr))], 0, False
        return 0, [], 0, False
    if len(labels) == 3 and labels[0] == "_mta-sts":
        if base == "bigtxt":
            if qtype != T_TXT:
                return 0, [], 0, False
            recs = [rr(qname, T_TXT, txt("v=STSv1; id=big"))]
            # owner as a pointer to the question: 225 x 264 bytes, about 60 KB
            for i in range(225):
                rd = txt("filler %03d " % i + "x" * 240)
                recs.append(struct.pack("!HHHIH", 0xC00C, T_TXT, 1, 60, len(rd)) + rd)
            return 0, recs, 0, True
        if sts is None:
            return 3, [], 0, False
        if qtype == T_TXT:
            return 0, [rr(qname, T_TXT, txt("v=STSv1; id=1"))], 0, False
        return 0, [], 0, False
    if len(labels) == 3 and labels[0] == "mta-sts":
        if sts is None:
            return 3, [], 0, False
        if qtype == T_A:
            return 0, [rr(qname, T_A, socket.inet_aton(sts))], 0, False
        return 0, [], 0, False
    return 3, [], 0, False


def respond(query, tcp):
    p = parse(query)
    if p is None:
        return None, 0
    qid, flags, qname, qtype, question, size = p
    rcode, ans, delay, tcp_only = records(qname, qtype)
    rflags = 0x8080 | (flags & 0x0100) | rcode                  # QR, RA, copy RD
    auth = [soa()] if rcode in (0, 3) and not ans else []
    msg = struct.pack("!HHHHHH", qid, rflags, 1, len(ans), len(auth), 0) + question + b"".join(ans) + b"".join(auth)
    tc = qname.rstrip(".").split(".")[-2] == "tc"
    if not tcp and (tc or tcp_only or len(msg) > size):
        msg = struct.pack("!HHHHHH", qid, rflags | 0x0200, 1, 0, 0, 0) + question
    return msg, delay


def serve_udp(sock):
    def later(data, peer):
        msg, delay = respond(data, False)
        if msg is None:
            return
        if delay:
            time.sleep(delay)
        sock.sendto(msg, peer)
    while True:
        data, peer = sock.recvfrom(65535)
        threading.Thread(target=later, args=(data, peer), daemon=True).start()


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def serve_tcp_conn(c):
    try:
        while True:
            h = recv_exact(c, 2)
            if h is None:
                break
            q = recv_exact(c, struct.unpack("!H", h)[0])
            if q is None:
                break
            msg, delay = respond(q, True)
            if msg is None:
                break
            if delay:
                time.sleep(delay)
            c.sendall(struct.pack("!H", len(msg)) + msg)
    except OSError:
        pass
    finally:
        c.close()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    addr = sys.argv[1]
    for a in sys.argv[2:]:
        d, v = a.split("=", 1)
        s, m = v.split(",", 1)
        STS[d.lower().rstrip(".") + "."] = (s if s != "-" else None, m)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((addr, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, 53))
    tcp.listen(64)
    threading.Thread(target=serve_udp, args=(udp,), daemon=True).start()
    print("ready", flush=True)
    while True:
        c, _ = tcp.accept()
        threading.Thread(target=serve_tcp_conn, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
