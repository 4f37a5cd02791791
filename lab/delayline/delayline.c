/*
 * Pinhole lab delay line: an Ethernet "cable" with a fixed one-way delay.
 *
 * The kernel here has no netem (nor fq/etf), so the delay is added in userspace, but cheaply:
 * one AF_PACKET socket per end, packets taken in batches with recvmmsg() straight into a ring
 * of fixed slots, held for the delay, and sent in batches with sendmmsg() (qdisc bypassed).
 * Each packet carries its virtio-net header (PACKET_VNET_HDR) across, so a packet whose
 * checksum the sender left to "hardware" (CHECKSUM_PARTIAL) is re-injected in the same state
 * and arrives valid, exactly as through a veth.
 *
 * Runs in the namespace it is started in (`ip netns exec NS delayline …`). Both devices must
 * exist there; the delay line bridges them at layer 2 (ARP crosses it like everything else).
 * The delay is constant, so one FIFO per direction keeps order. A full FIFO drops at its tail,
 * like a full buffer on a wire.
 *
 * Prints "ready" once both sockets are bound, then closes stdout. SIGTERM/SIGINT end it; it
 * logs its counters on stderr at exit and on SIGUSR1. --tag is free text that lets the lab
 * recognise its own processes (it never kills a recycled pid).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/if_ether.h>

#define SLOT 2048            /* virtio-net header + one Ethernet frame up to MTU 2000 */
#define BATCH 256            /* packets per recvmmsg/sendmmsg */
/*
 * The FIFO is the wire, not a bottleneck buffer: sized for the fastest the lab's veth path goes
 * (~4 Gbit/s of 1500-byte frames, 333 per ms) held for the delay plus 20 ms of slack for a
 * delay line the scheduler keeps waiting. A lab --rate, not this, makes a bottleneck.
 */
#define PKTS_PER_MS 333
#define SLACK_MS 20
#define MIN_SLOTS 4096
#define SOCKBUF (64 << 20)

struct fifo {
  unsigned char *data;     /* slots × SLOT bytes */
  uint64_t *due;           /* ns, CLOCK_MONOTONIC */
  uint32_t *len;
  uint64_t head, tail;     /* free-running; index = n & mask */
  uint64_t mask;
};

struct side {
  const char *dev;
  int fd;
  struct fifo q;           /* packets read from this side, waiting to leave by the other */
  uint64_t rx, tx, drop_full, drop_big, drop_send;
};

static volatile sig_atomic_t stop, dump;
static void on_stop(int s) { (void)s; stop = 1; }
static void on_dump(int s) { (void)s; dump = 1; }

static void die(const char *what) {
  fprintf(stderr, "delayline: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *map(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  return p;
}

static void fifo_init(struct fifo *q, uint64_t slots) {
  q->data = map(slots * SLOT);
  q->due = map(slots * sizeof *q->due);
  q->len = map(slots * sizeof *q->len);
  q->head = q->tail = 0;
  q->mask = slots - 1;
}

/*
 * Binding to a device that is not up yet (the lab brings it up in parallel), or the device going
 * down, leaves ENETDOWN pending on the socket; the next send or receive would fail with it once.
 */
static void clear_error(int fd) {
  int err;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
}

static int open_end(const char *dev) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) die("socket(AF_PACKET)");
  int one = 1, size = SOCKBUF;
  if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) die("PACKET_VNET_HDR");
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0) die("PACKET_QDISC_BYPASS");
  /* Only what arrives on the device, not what we (or anyone) send out of it. */
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) die("PACKET_IGNORE_OUTGOING");
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) die("SO_RCVBUFFORCE");
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) die("SO_SNDBUFFORCE");
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)if_nametoindex(dev);
  if (!sll.sll_ifindex) {
    fprintf(stderr, "delayline: no device %s in this namespace\n", dev);
    exit(1);
  }
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind");
  clear_error(fd);
  return fd;
}

static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];
static unsigned char scratch[SLOT];

/* Takes what `s` has received into its FIFO; each packet is due `delay` after `now`. */
static void take(struct side *s, uint64_t now, uint64_t delay) {
  struct fifo *q = &s->q;
  for (;;) {
    uint64_t room = q->mask + 1 - (q->tail - q->head);
    unsigned n = room < BATCH ? (unsigned)room : BATCH;
    if (n == 0) {
      /* Full: read into scratch and drop, so the socket does not stay readable forever. */
      if (recv(s->fd, scratch, sizeof scratch, MSG_DONTWAIT | MSG_TRUNC) < 0) return;
      s->rx++;
      s->drop_full++;
      continue;
    }
    for (unsigned i = 0; i < n; i++) {
      iovs[i].iov_base = q->data + ((q->tail + i) & q->mask) * SLOT;
      iovs[i].iov_len = SLOT;
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got = recvmmsg(s->fd, msgs, n, MSG_DONTWAIT, NULL);
    if (got <= 0) return;
    uint64_t w = q->tail;
    for (int i = 0; i < got; i++) {
      s->rx++;
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        /* A GSO super-packet: lab devices take one segment per packet, so this is a setup bug. */
        s->drop_big++;
        continue;
      }
      /* A dropped packet leaves a hole: move the later ones down into the next free slot. */
      uint64_t k = w & q->mask;
      unsigned char *slot = q->data + k * SLOT;
      if (iovs[i].iov_base != slot) memmove(slot, iovs[i].iov_base, msgs[i].msg_len);
      q->len[k] = msgs[i].msg_len;
      q->due[k] = now + delay;
      w++;
    }
    q->tail = w;
    if ((unsigned)got < n) return;
  }
}

/* Sends every packet of `from`'s FIFO that is due by `now` out of `to`. */
static void give(struct side *from, struct side *to, uint64_t now) {
  struct fifo *q = &from->q;
  while (q->head != q->tail && q->due[q->head & q->mask] <= now) {
    unsigned n = 0;
    while (n < BATCH && q->head + n != q->tail && q->due[(q->head + n) & q->mask] <= now) {
      uint64_t k = (q->head + n) & q->mask;
      iovs[n].iov_base = q->data + k * SLOT;
      iovs[n].iov_len = q->len[k];
      memset(&msgs[n].msg_hdr, 0, sizeof msgs[n].msg_hdr);
      msgs[n].msg_hdr.msg_iov = &iovs[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      n++;
    }
    int sent = sendmmsg(to->fd, msgs, n, MSG_DONTWAIT);
    if (sent < 0 && errno == ENETDOWN) sent = sendmmsg(to->fd, msgs, n, MSG_DONTWAIT); /* a stale pending error, consumed */
    if (sent < 0) {
      /* The packet at the head could not leave (no buffer, device down): lost, as on a wire. */
      if (from->drop_send < 10) {
        struct virtio_net_hdr *h = (struct virtio_net_hdr *)iovs[0].iov_base;
        fprintf(stderr, "delayline: %.3f send to %s failed: %s (len %zu flags %u gso %u csum %u/%u)\n", now / 1e9, to->dev, strerror(errno), iovs[0].iov_len, h->flags, h->gso_type, h->csum_start, h->csum_offset);
      }
      sent = 1;
      from->drop_send++;
    } else {
      to->tx += (uint64_t)sent;
    }
    q->head += (uint64_t)sent;
  }
}

static void report(struct side *s) {
  fprintf(stderr, "delayline: %s: rx %llu tx(out of it) %llu, dropped: full %llu, oversize %llu, send %llu\n", s->dev,
          (unsigned long long)s->rx, (unsigned long long)s->tx, (unsigned long long)s->drop_full,
          (unsigned long long)s->drop_big, (unsigned long long)s->drop_send);
}

static void usage(void) {
  fprintf(stderr, "usage: delayline --dev1 DEV --dev2 DEV --delay-ms MS [--slots N (power of 2)] [--tag TEXT]\n");
  exit(64);
}

int main(int argc, char **argv) {
  const char *dev1 = NULL, *dev2 = NULL;
  double delay_ms = -1;
  uint64_t slots = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--dev1")) dev1 = argv[i + 1];
    else if (!strcmp(argv[i], "--dev2")) dev2 = argv[i + 1];
    else if (!strcmp(argv[i], "--delay-ms")) delay_ms = strtod(argv[i + 1], NULL);
    else if (!strcmp(argv[i], "--slots")) slots = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--tag")) continue;
    else usage();
  }
  if (argc % 2 == 0 || !dev1 || !dev2 || !(delay_ms >= 0 && delay_ms <= 10000)) usage();
  uint64_t delay = (uint64_t)(delay_ms * 1e6);
  if (!slots) {
    /* 10 ms: 16384 slots, 32 MiB per direction (touched as the FIFO cycles). */
    uint64_t want = (uint64_t)((delay_ms + SLACK_MS) * PKTS_PER_MS) + 1;
    for (slots = MIN_SLOTS; slots < want; slots <<= 1) {}
  }
  if (slots < 2 || (slots & (slots - 1))) usage();

  /* Wake-ups on time, not up to 50 µs late (the default timer slack). */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  struct side sides[2] = {{.dev = dev1}, {.dev = dev2}};
  for (int i = 0; i < 2; i++) {
    sides[i].fd = open_end(sides[i].dev);
    fifo_init(&sides[i].q, slots);
  }

  struct sigaction sa = {0};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_dump;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  printf("ready\n");
  fflush(stdout);
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull >= 0) dup2(devnull, 1);

  struct pollfd pfd[2] = {{.fd = sides[0].fd, .events = POLLIN}, {.fd = sides[1].fd, .events = POLLIN}};
  while (!stop) {
    uint64_t now = now_ns();
    give(&sides[0], &sides[1], now);
    give(&sides[1], &sides[0], now);
    struct timespec ts, *timeout = NULL;
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < 2; i++) {
      struct fifo *q = &sides[i].q;
      if (q->head != q->tail && q->due[q->head & q->mask] < next) next = q->due[q->head & q->mask];
    }
    if (next != UINT64_MAX) {
      uint64_t wait = next > now ? next - now : 0;
      ts.tv_sec = (time_t)(wait / 1000000000ull);
      ts.tv_nsec = (long)(wait % 1000000000ull);
      timeout = &ts;
    }
    int r = ppoll(pfd, 2, timeout, NULL);
    if (r < 0 && errno != EINTR) die("ppoll");
    if (dump) {
      dump = 0;
      report(&sides[0]);
      report(&sides[1]);
    }
    if (r <= 0) continue;
    now = now_ns();
    for (int i = 0; i < 2; i++) {
      if (pfd[i].revents & POLLERR) clear_error(pfd[i].fd);
      if (pfd[i].revents & POLLIN) take(&sides[i], now, delay);
    }
  }
  report(&sides[0]);
  report(&sides[1]);
  return 0;
}
