#!/usr/bin/env python3
"""Pinhole lab delay line: a point-to-point link with a fixed one-way delay.

The kernel here has no netem, so delay is added in userspace. This process
creates one TUN device in each of two network namespaces (setns + TUNSETIFF),
then copies every IP packet read from one device to the other after holding it
for --delay-ms. The delay is constant, so a FIFO per direction keeps order.

The devices are not persistent: they vanish when this process exits, so
killing it is the whole cleanup. It prints "ready" on stdout once both devices
exist (the caller configures addresses afterwards) and then closes stdout so
the caller may go away. It stays in the second namespace, so
`ip netns pids <ns2>` finds it.
"""
import argparse
import collections
import ctypes
import fcntl
import os
import select
import signal
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
MAX_QUEUE = 20000  # packets per direction; beyond this the "wire" drops (like a full buffer)
MAX_BATCH = 256    # packets read from one device per wake-up

libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(netns, dev):
    enter_netns(netns)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ns1", required=True)
    p.add_argument("--dev1", required=True)
    p.add_argument("--ns2", required=True)
    p.add_argument("--dev2", required=True)
    p.add_argument("--delay-ms", type=float, required=True)
    args = p.parse_args()
    delay = args.delay_ms / 1000.0

    fd1 = open_tun(args.ns1, args.dev1)
    fd2 = open_tun(args.ns2, args.dev2)
    peer = {fd1: fd2, fd2: fd1}
    # queue[fd] holds (due_time, packet) read from fd, waiting to be written to peer[fd].
    queue = {fd1: collections.deque(), fd2: collections.deque()}

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    while True:
        now = time.monotonic()
        timeout = None
        for src, q in queue.items():
            while q and q[0][0] <= now:
                try:
                    os.write(peer[src], q.popleft()[1])
                except OSError:
                    pass  # device down or no route: the packet is lost, as on a wire
            if q:
                wait = q[0][0] - now
                timeout = wait if timeout is None else min(timeout, wait)
        readable, _, _ = select.select([fd1, fd2], [], [], timeout)
        for src in readable:
            q = queue[src]
            for _ in range(MAX_BATCH):
                try:
                    pkt = os.read(src, 65536)
                except BlockingIOError:
                    break
                if len(q) < MAX_QUEUE:
                    q.append((time.monotonic() + delay, pkt))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
