/*
 * C reference figures for the IPC bench (bench/ipc.ts compiles this with cc and
 * runs it in the same minutes as cdlab's rows). Each mode prints one JSON line.
 *
 *   ipc-ref msg-pingpong N        System V queue ping-pong between two processes:
 *                                 the parent sends type 1, the child replies type 2
 *   ipc-ref msg-echo MSQID N      the child's side alone, against another process's
 *                                 queue: N times receive type 1, reply type 2
 *   ipc-ref sem-pingpong N        POSIX named semaphores between two processes:
 *                                 post A -> wait B / wait A -> post B (2 hand-offs a round)
 *   ipc-ref sem-echo A B N        the child's side alone: N times wait A, post B
 *   ipc-ref memcpy MIB REPEATS    memcpy bandwidth, median of REPEATS, pages touched first
 *   ipc-ref shm-copy MIB REPEATS  the shared-memory path's 2 copies with nothing else: in one process,
 *                                 read(file in /dev/shm -> 1 MiB MAP_SHARED segment) then write(segment
 *                                 -> another file), 1 MiB a call, one after the other (no hand-offs, no
 *                                 second core): what the 2 copies cost on this machine, median of REPEATS
 *   ipc-ref shm-pair MIB REPEATS  the same 2 copies as cdlab's copy experiment makes them: a server process reads the
 *                                 file into one of 4 slots of 1 MiB of shared memory, a client process writes
 *                                 each slot out, handing slots over with 2 semaphores (empty/full); both copies
 *                                 run at once on 2 cores. Median of REPEATS after a warm-up transfer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg { long mtype; char text[8]; };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* fork(), the child killed with its parent: a bench that times out (SIGTERM) must not leave a child asleep on a
 * semaphore, holding the bench's stdout and the /dev/shm files. */
static pid_t fork_child(void) {
  pid_t parent = getpid(), pid = fork();
  if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)) _exit(1);
  return pid;
}

static void die(const char *what) {
  fprintf(stderr, "ipc-ref: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void msg_echo(int id, long n) {
  struct msg m;
  for (long i = 0; i < n; i++) {
    if (msgrcv(id, &m, sizeof m.text, 1, 0) < 0) die("msgrcv");
    m.mtype = 2;
    if (msgsnd(id, &m, 4, 0) < 0) die("msgsnd");
  }
}

static void msg_pingpong(long n) {
  int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (id < 0) die("msgget");
  pid_t pid = fork_child();
  if (pid == 0) { msg_echo(id, n); _exit(0); }
  struct msg m = { 1, "ping" };
  double t = now_ms();
  for (long i = 0; i < n; i++) {
    m.mtype = 1;
    if (msgsnd(id, &m, 4, 0) < 0) die("msgsnd");
    if (msgrcv(id, &m, sizeof m.text, 2, 0) < 0) die("msgrcv");
  }
  double ms = now_ms() - t;
  waitpid(pid, NULL, 0);
  msgctl(id, IPC_RMID, NULL);
  printf("{\"roundTripsPerS\":%.0f}\n", n / (ms / 1e3));
}

static void sem_echo(const char *a, const char *b, long n) {
  sem_t *sa = sem_open(a, 0), *sb = sem_open(b, 0);
  if (sa == SEM_FAILED || sb == SEM_FAILED) die("sem_open");
  for (long i = 0; i < n; i++) {
    while (sem_wait(sa) < 0) if (errno != EINTR) die("sem_wait");
    sem_post(sb);
  }
  sem_close(sa);
  sem_close(sb);
}

static void sem_pingpong(long n) {
  char a[64], b[64];
  snprintf(a, sizeof a, "/cdlab-ref-%d-a", getpid());
  snprintf(b, sizeof b, "/cdlab-ref-%d-b", getpid());
  sem_t *sa = sem_open(a, O_CREAT | O_EXCL, 0600, 0), *sb = sem_open(b, O_CREAT | O_EXCL, 0600, 0);
  if (sa == SEM_FAILED || sb == SEM_FAILED) die("sem_open");
  pid_t pid = fork_child();
  if (pid == 0) { sem_echo(a, b, n); _exit(0); }
  double t = now_ms();
  for (long i = 0; i < n; i++) {
    sem_post(sa);
    while (sem_wait(sb) < 0) if (errno != EINTR) die("sem_wait");
  }
  double ms = now_ms() - t;
  waitpid(pid, NULL, 0);
  sem_close(sa); sem_close(sb); sem_unlink(a); sem_unlink(b);
  printf("{\"handOffsPerS\":%.0f}\n", 2 * n / (ms / 1e3));
}

static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static void memcpy_bw(long mib, int repeats) {
  size_t size = (size_t)mib << 20;
  char *src = malloc(size), *dst = malloc(size);
  if (!src || !dst) die("malloc");
  memset(src, 7, size);
  memset(dst, 0, size);
  double times[64];
  if (repeats > 64) repeats = 64;
  for (int i = 0; i < repeats; i++) {
    double t = now_ms();
    memcpy(dst, src, size);
    times[i] = now_ms() - t;
    src[i] = dst[size - 1 - i]; /* keep the copy */
  }
  qsort(times, repeats, sizeof times[0], cmp);
  double ms = times[repeats / 2];
  printf("{\"mib\":%ld,\"ms\":%.3f,\"mibPerS\":%.0f}\n", mib, ms, mib / (ms / 1e3));
  free(src);
  free(dst);
}

/* The copy tests' setup: an input and an output file of `size` bytes in /dev/shm (both in the page cache, as in
 * the experiment) and a shared segment of `seg` bytes, touched; every name is removed at once, so nothing is left
 * behind even on a crash. */
struct copy_setup { int in, out, shm; char *m; };

static struct copy_setup copy_setup(size_t size, size_t seg) {
  struct copy_setup c;
  size_t chunk = 1 << 20;
  char in_name[64], out_name[64], shm_name[64];
  snprintf(in_name, sizeof in_name, "/dev/shm/cdlab-ref-%d-in", getpid());
  snprintf(out_name, sizeof out_name, "/dev/shm/cdlab-ref-%d-out", getpid());
  snprintf(shm_name, sizeof shm_name, "/cdlab-ref-%d-shm", getpid());
  c.in = open(in_name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  c.out = open(out_name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  c.shm = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (c.in < 0 || c.out < 0 || c.shm < 0) die("open");
  unlink(in_name); unlink(out_name); shm_unlink(shm_name);
  if (ftruncate(c.shm, seg) < 0) die("ftruncate");
  c.m = mmap(NULL, seg, PROT_READ | PROT_WRITE, MAP_SHARED, c.shm, 0);
  if (c.m == MAP_FAILED) die("mmap");
  memset(c.m, 7, seg);
  for (size_t off = 0; off < size; off += chunk)
    if (write(c.in, c.m, chunk) != (ssize_t)chunk || write(c.out, c.m, chunk) != (ssize_t)chunk) die("write");
  return c;
}

static void shm_copy_bw(long mib, int repeats) {
  size_t size = (size_t)mib << 20, chunk = 1 << 20;
  struct copy_setup c = copy_setup(size, chunk);
  int in = c.in, out = c.out;
  char *m = c.m;
  double times[64];
  if (repeats > 64) repeats = 64;
  for (int i = 0; i < repeats; i++) {
    lseek(in, 0, SEEK_SET);
    lseek(out, 0, SEEK_SET);
    double t = now_ms();
    for (size_t off = 0; off < size; off += chunk) {
      if (read(in, m, chunk) != (ssize_t)chunk) die("read");
      if (write(out, m, chunk) != (ssize_t)chunk) die("write");
    }
    times[i] = now_ms() - t;
  }
  qsort(times, repeats, sizeof times[0], cmp);
  double ms = times[repeats / 2];
  printf("{\"mib\":%ld,\"ms\":%.3f,\"mibPerS\":%.0f}\n", mib, ms, mib / (ms / 1e3));
  munmap(m, chunk);
  close(in); close(out); close(c.shm);
}

#define PAIR_SLOTS 4
struct pair_ctl { sem_t empty, full, go, done; int len[PAIR_SLOTS]; double end; };

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; die("write"); }
    p += w;
    n -= (size_t)w;
  }
}

static void shm_pair_bw(long mib, int repeats) {
  size_t size = (size_t)mib << 20, chunk = 1 << 20;
  struct copy_setup c = copy_setup(size, PAIR_SLOTS * chunk);
  int in = c.in, out = c.out;
  char *m = c.m;
  struct pair_ctl *ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (ctl == MAP_FAILED) die("mmap");
  sem_init(&ctl->empty, 1, PAIR_SLOTS); sem_init(&ctl->full, 1, 0);
  sem_init(&ctl->go, 1, 0); sem_init(&ctl->done, 1, 0);
  if (repeats > 64) repeats = 64;
  if (repeats < 1) { errno = EINVAL; die("repeats < 1"); }
  int rounds = repeats + 1; /* the first warms the pages and the code up */
  pid_t pid = fork_child();
  if (pid < 0) die("fork");
  if (pid == 0) { /* client: slot -> file */
    for (int r = 0; r < rounds; r++) {
      while (sem_wait(&ctl->go) < 0) if (errno != EINTR) die("sem_wait");
      lseek(out, 0, SEEK_SET);
      for (size_t left = size, slot = 0; left > 0; slot = (slot + 1) % PAIR_SLOTS) {
        while (sem_wait(&ctl->full) < 0) if (errno != EINTR) die("sem_wait");
        size_t n = (size_t)ctl->len[slot];
        write_all(out, m + slot * chunk, n);
        sem_post(&ctl->empty);
        left -= n;
      }
      ctl->end = now_ms(); /* the transfer ends with the client's last write, as cdlab's does (CLOCK_MONOTONIC is one clock for both) */
      sem_post(&ctl->done);
    }
    _exit(0);
  }
  double times[65];
  for (int r = 0; r < rounds; r++) { /* server: file -> slot */
    lseek(in, 0, SEEK_SET);
    double t = now_ms();
    sem_post(&ctl->go);
    for (size_t left = size, slot = 0; left > 0; slot = (slot + 1) % PAIR_SLOTS) {
      while (sem_wait(&ctl->empty) < 0) if (errno != EINTR) die("sem_wait");
      ssize_t n = read(in, m + slot * chunk, left < chunk ? left : chunk);
      if (n <= 0) die("read");
      ctl->len[slot] = (int)n;
      sem_post(&ctl->full);
      left -= (size_t)n;
    }
    while (sem_wait(&ctl->done) < 0) if (errno != EINTR) die("sem_wait");
    times[r] = ctl->end - t;
  }
  waitpid(pid, NULL, 0);
  qsort(times + 1, repeats, sizeof times[0], cmp);
  double ms = times[1 + repeats / 2];
  printf("{\"mib\":%ld,\"ms\":%.3f,\"mibPerS\":%.0f}\n", mib, ms, mib / (ms / 1e3));
  munmap(m, PAIR_SLOTS * chunk);
  munmap(ctl, sizeof *ctl);
  close(in); close(out); close(c.shm);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "msg-pingpong") && argc == 3) msg_pingpong(atol(argv[2]));
  else if (!strcmp(mode, "msg-echo") && argc == 4) msg_echo(atoi(argv[2]), atol(argv[3]));
  else if (!strcmp(mode, "sem-pingpong") && argc == 3) sem_pingpong(atol(argv[2]));
  else if (!strcmp(mode, "sem-echo") && argc == 5) sem_echo(argv[2], argv[3], atol(argv[4]));
  else if (!strcmp(mode, "memcpy") && argc == 4) memcpy_bw(atol(argv[2]), atoi(argv[3]));
  else if (!strcmp(mode, "shm-copy") && argc == 4) shm_copy_bw(atol(argv[2]), atoi(argv[3]));
  else if (!strcmp(mode, "shm-pair") && argc == 4) shm_pair_bw(atol(argv[2]), atoi(argv[3]));
  else {
    fprintf(stderr, "usage: ipc-ref msg-pingpong N | msg-echo MSQID N | sem-pingpong N | sem-echo A B N | memcpy MIB REPEATS | shm-copy MIB REPEATS | shm-pair MIB REPEATS\n");
    return 2;
  }
  return 0;
}
