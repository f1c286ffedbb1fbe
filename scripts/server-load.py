"""A small raw-protocol load for scripts/bench-server (the full generator is issue 5's `gearman bench`).

Usage: server-load.py PORT JOBS
Pipelines JOBS background submissions (100-byte payloads, distinct unique keys) from 4
connections in batches of 500, then drains them with 2 workers (GRAB_JOB + WORK_COMPLETE in one
write, TCP_NODELAY). Prints "submit N drain M" in jobs/s. The drain is bound by this script's
round trips, not by the servers."""
import socket
import struct
import sys
import threading
import time

PORT, JOBS = int(sys.argv[1]), int(sys.argv[2])
CONNECTIONS, BATCH, PAYLOAD = 4, 500, b"x" * 100


def packet(kind, *arguments):
    body = b"\0".join(arguments)
    return b"\0REQ" + struct.pack(">II", kind, len(body)) + body


def replies(sock, buffer, count):
    """Yields (type, body) for the next `count` packets."""
    while count:
        while len(buffer) >= 12 and count:
            size = struct.unpack(">I", buffer[8:12])[0]
            if len(buffer) < 12 + size:
                break
            kind = struct.unpack(">I", buffer[4:8])[0]
            body = bytes(buffer[12:12 + size])
            del buffer[:12 + size]
            count -= 1
            yield kind, body
        if count:
            data = sock.recv(1 << 20)
            if not data:
                raise SystemExit("server closed the connection")
            buffer += data


def submitter(index, jobs):
    sock, buffer = socket.create_connection(("127.0.0.1", PORT)), bytearray()
    for start in range(0, jobs, BATCH):
        count = min(BATCH, jobs - start)
        sock.sendall(b"".join(packet(18, b"bench", b"u%d-%d" % (index, start + i), PAYLOAD) for i in range(count)))
        for kind, body in replies(sock, buffer, count):
            assert kind == 8, (kind, body)


def worker(done):
    sock, buffer = socket.create_connection(("127.0.0.1", PORT)), bytearray()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(packet(1, b"bench") + packet(9))
    while True:
        kind, body = next(replies(sock, buffer, 1))
        if kind == 10:
            return
        sock.sendall(packet(13, body.split(b"\0", 1)[0], b"") + packet(9))
        with done[1]:
            done[0] += 1


def timed(threads):
    start = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.time() - start


submit = timed([threading.Thread(target=submitter, args=(i, JOBS // CONNECTIONS)) for i in range(CONNECTIONS)])
done = [0, threading.Lock()]
drain = timed([threading.Thread(target=worker, args=(done,)) for _ in range(2)])
print("submit %d drain %d" % (JOBS / submit, done[0] / drain))
