"""A small raw-protocol load for scripts/bench-server (the full generator is issue 5's `gearman bench`).

Usage: server-load.py PORT JOBS [WORKERS [DEPTH]]
Pipelines JOBS background submissions (100-byte payloads, distinct unique keys) from 4
connections in batches of 500, then drains them with WORKERS worker processes (default 2), each
keeping DEPTH GRAB_JOBs outstanding (default 1) and answering a batch of JOB_ASSIGNs with one
write of WORK_COMPLETE + GRAB_JOB packets (TCP_NODELAY). Prints "submit N drain M" in jobs/s."""
import multiprocessing
import socket
import struct
import sys
import time

PORT, JOBS = int(sys.argv[1]), int(sys.argv[2])
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 2
DEPTH = int(sys.argv[4]) if len(sys.argv) > 4 else 1
CONNECTIONS, BATCH, PAYLOAD = 4, 500, b"x" * 100


def packet(kind, *arguments):
    body = b"\0".join(arguments)
    return b"\0REQ" + struct.pack(">II", kind, len(body)) + body


def connect():
    sock = socket.create_connection(("127.0.0.1", PORT))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def replies(sock, buffer):
    """Reads once and returns every whole packet received so far as (type, body)."""
    data = sock.recv(1 << 20)
    if not data:
        raise SystemExit("server closed the connection")
    buffer += data
    packets = []
    while len(buffer) >= 12:
        size = struct.unpack(">I", buffer[8:12])[0]
        if len(buffer) < 12 + size:
            break
        packets.append((struct.unpack(">I", buffer[4:8])[0], bytes(buffer[12:12 + size])))
        del buffer[:12 + size]
    return packets


def submitter(index, jobs, start):
    sock, buffer = connect(), bytearray()
    start.wait()
    for first in range(0, jobs, BATCH):
        count = min(BATCH, jobs - first)
        sock.sendall(b"".join(packet(18, b"bench", b"u%d-%d" % (index, first + i), PAYLOAD) for i in range(count)))
        while count:
            for kind, body in replies(sock, buffer):
                assert kind == 8, (kind, body)
                count -= 1


def worker(start, done):
    sock, buffer = connect(), bytearray()
    sock.sendall(packet(1, b"bench"))
    start.wait()
    sock.sendall(packet(9) * DEPTH)
    outstanding, completed = DEPTH, 0
    while outstanding:
        answers = []
        for kind, body in replies(sock, buffer):
            if kind == 10:
                outstanding -= 1
            elif kind == 11:
                answers.append(packet(13, body.split(b"\0", 1)[0], b"") + packet(9))
                completed += 1
        if answers:
            sock.sendall(b"".join(answers))
    done.put(completed)


def timed(target, args_list):
    start = multiprocessing.Event()
    processes = [multiprocessing.Process(target=target, args=args + (start,) if target is submitter else (start,) + args)
                 for args in args_list]
    for process in processes:
        process.start()
    time.sleep(0.3)  # every connection is open before the clock starts
    began = time.time()
    start.set()
    for process in processes:
        process.join()
    return time.time() - began


submit = timed(submitter, [(i, JOBS // CONNECTIONS) for i in range(CONNECTIONS)])
done = multiprocessing.Queue()
drain = timed(worker, [(done,) for _ in range(WORKERS)])
completed = sum(done.get() for _ in range(WORKERS))
print("submit %d drain %d" % (JOBS / submit, completed / drain))
