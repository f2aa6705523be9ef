#!/usr/bin/python3
"""dnsbed_server - the two misbehaving name servers of the DNS test bed.

  dnsbed_server.py silent ADDR          read queries (UDP and TCP) on ADDR:53, never answer
  dnsbed_server.py delay ADDR MS A      answer every query after MS milliseconds: qtype A
                                        with address A (TTL 60), other types NODATA

Runs until killed.  Writes nothing to the network but answers on loopback.
"""
import socket
import struct
import sys
import threading
import time


def answer(query, addr):
    """The reply to query: the question copied, one A record for type A."""
    if len(query) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if qd != 1 or flags & 0x8000:
        return None
    i = 12
    while i < len(query) and query[i] != 0:
        if query[i] & 0xC0:
            return None
        i += query[i] + 1
    if i + 5 > len(query):
        return None
    question = query[12:i + 5]
    qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
    rflags = 0x8400 | (flags & 0x0100)          # QR, AA, copy RD
    an = b""
    if qtype == 1:
        an = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(addr)
    return struct.pack("!HHHHHH", qid, rflags, 1, 1 if an else 0, 0, 0) + question + an


def silent(host):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((host, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((host, 53))
    tcp.listen(64)
    held = []

    def accept():
        while True:
            c, _ = tcp.accept()
            held.append(c)                       # keep it open, say nothing

    threading.Thread(target=accept, daemon=True).start()
    while True:
        udp.recvfrom(65535)


def delay(host, ms, addr):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((host, 53))

    def later(data, peer):
        time.sleep(ms / 1000.0)
        r = answer(data, addr)
        if r is not None:
            udp.sendto(r, peer)

    while True:
        data, peer = udp.recvfrom(65535)
        threading.Thread(target=later, args=(data, peer), daemon=True).start()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "silent":
        silent(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "delay":
        delay(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
