#!/usr/bin/python3
# t/integration/ob_mx.py - a receiving MX for t/integration/outbound.sh
# (run with /usr/bin/python3, which has aiosmtpd).
#
#   ob_mx.py ADDR PORT CHAIN KEY DUMP
#
# aiosmtpd on ADDR:PORT offering STARTTLS with CHAIN/KEY. Every message
# received is appended to DUMP as one line
#   "MSG tls=<version or none> rcpt=<a,b> subject=<Subject header>"
# so the test sees what arrived and whether it came over TLS.
# Prints "ready" once it listens; runs until SIGTERM.
import asyncio
import email.parser
import signal
import ssl
import sys


def main(addr, port, chain, key, dump):
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = email.parser.BytesHeaderParser().parsebytes(envelope.content)
            so = session.ssl.get("ssl_object") if session.ssl else None
            tls = so.version() if so is not None else "none"
            with open(dump, "a") as f:
                f.write("MSG tls=%s rcpt=%s subject=%s\n" % (
                    tls, ",".join(envelope.rcpt_tos), msg.get("Subject", "")))
            return "250 2.0.0 OK stored"

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(chain, key)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    srv = loop.run_until_complete(loop.create_server(
        lambda: SMTP(Handler(), hostname="mx.ob.test", tls_context=ctx, require_starttls=False),
        host=addr, port=port, reuse_address=True))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("ready", flush=True)
    loop.run_forever()
    srv.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
