#!/usr/bin/python3
"""dnsdelay - a DNS forwarder that adds a fixed delay to every query.

  dnsdelay.py LISTEN-ADDR UPSTREAM-ADDR MS     (both port 53, UDP and TCP)

Every query is held MS milliseconds, then sent on to UPSTREAM over the same
transport and its answer returned as it is.  Queries are independent (one
asyncio task each), so concurrent queries overlap: this models a resolver
that is MS away, not a slow one.  Used by t/bench/requiretls.sh to put a
round-trip time on the resolver only (netem on lo would slow the milter's
own traffic as well).  An upstream that does not answer within 5 s: the
query is dropped (the client's own timeout applies).  SIGUSR1 prints the
queries forwarded so far and the most that were in flight at once.
"""
import asyncio
import signal
import socket
import struct
import sys

UPSTREAM_WAIT = 5.0
COUNT = {"udp": 0, "tcp": 0, "inflight": 0, "max_inflight": 0}


def begin(kind):
    COUNT[kind] += 1
    COUNT["inflight"] += 1
    COUNT["max_inflight"] = max(COUNT["max_inflight"], COUNT["inflight"])


def report():
    """on SIGUSR1: the counts so far, one line on stdout"""
    print("dnsdelay: udp=%(udp)d tcp=%(tcp)d max_inflight=%(max_inflight)d" % COUNT, flush=True)


class Udp(asyncio.DatagramProtocol):
    def __init__(self, up, delay):
        self.up, self.delay, self.tr = up, delay, None

    def connection_made(self, transport):
        self.tr = transport

    def datagram_received(self, data, addr):
        asyncio.get_running_loop().create_task(self.forward(data, addr))

    async def forward(self, data, addr):
        begin("udp")
        await asyncio.sleep(self.delay)
        loop = asyncio.get_running_loop()
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        try:
            await loop.sock_connect(s, (self.up, 53))
            await loop.sock_sendall(s, data)
            ans = await asyncio.wait_for(loop.sock_recv(s, 65535), UPSTREAM_WAIT)
            self.tr.sendto(ans, addr)
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            s.close()
            COUNT["inflight"] -= 1


async def tcp_client(reader, writer, up, delay):
    try:
        while True:
            n = struct.unpack("!H", await reader.readexactly(2))[0]
            q = await reader.readexactly(n)
            begin("tcp")
            await asyncio.sleep(delay)
            ur, uw = await asyncio.wait_for(asyncio.open_connection(up, 53), UPSTREAM_WAIT)
            try:
                uw.write(struct.pack("!H", len(q)) + q)
                await uw.drain()
                m = struct.unpack("!H", await asyncio.wait_for(ur.readexactly(2), UPSTREAM_WAIT))[0]
                a = await asyncio.wait_for(ur.readexactly(m), UPSTREAM_WAIT)
            finally:
                uw.close()
                COUNT["inflight"] -= 1
            writer.write(struct.pack("!H", len(a)) + a)
            await writer.drain()
    except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        pass
    finally:
        writer.close()


async def main():
    if len(sys.argv) != 4:
        sys.exit("usage: dnsdelay.py LISTEN-ADDR UPSTREAM-ADDR MS")
    listen, up, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]) / 1000.0
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, report)
    await loop.create_datagram_endpoint(lambda: Udp(up, delay), local_addr=(listen, 53))
    srv = await asyncio.start_server(lambda r, w: tcp_client(r, w, up, delay), listen, 53)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
