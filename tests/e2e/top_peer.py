#!/usr/bin/env python3
"""Peers for the top end-to-end test, run inside the test's namespace.

server PORT...       listen on 127.0.0.1:PORT (each), accept and hold connections
client PORT OUTFILE  connect, send a line, wait; write RESET or EOF to OUTFILE when
                     the connection ends (a SOCK_DESTROY of either side is a reset)
pump PORT            connect and send 64 KiB every 50 ms until killed (a steady rate)
"""
import os
import selectors
import socket
import sys


def server(ports):
    sel = selectors.DefaultSelector()
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", int(p)))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ, "listen")
    while True:
        for key, _ in sel.select():
            if key.data == "listen":
                c, _ = key.fileobj.accept()
                sel.register(c, selectors.EVENT_READ, "conn")
            else:
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()


def connect(port):
    """The server may still be starting: retry for a minute."""
    import time
    deadline = time.monotonic() + 60
    while True:
        try:
            return socket.create_connection(("127.0.0.1", int(port)))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def client(port, out):
    s = connect(port)
    s.sendall(b"hello\n")
    try:
        data = s.recv(1)
        verdict = "EOF" if not data else "DATA"
    except ConnectionResetError:
        verdict = "RESET"
    except OSError as e:
        verdict = "ERROR " + str(e)
    with open(out + ".tmp", "w") as f:
        f.write(verdict + "\n")
    os.rename(out + ".tmp", out)


def pump(port):
    import time
    s = connect(port)
    chunk = b"x" * 65536
    while True:
        s.sendall(chunk)
        time.sleep(0.05)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2:])
    elif sys.argv[1] == "pump":
        pump(sys.argv[2])
    else:
        client(sys.argv[2], sys.argv[3])
