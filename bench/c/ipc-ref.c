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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg { long mtype; char text[8]; };

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
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
  pid_t pid = fork();
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
  pid_t pid = fork();
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

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "msg-pingpong") && argc == 3) msg_pingpong(atol(argv[2]));
  else if (!strcmp(mode, "msg-echo") && argc == 4) msg_echo(atoi(argv[2]), atol(argv[3]));
  else if (!strcmp(mode, "sem-pingpong") && argc == 3) sem_pingpong(atol(argv[2]));
  else if (!strcmp(mode, "sem-echo") && argc == 5) sem_echo(argv[2], argv[3], atol(argv[4]));
  else if (!strcmp(mode, "memcpy") && argc == 4) memcpy_bw(atol(argv[2]), atoi(argv[3]));
  else {
    fprintf(stderr, "usage: ipc-ref msg-pingpong N | msg-echo MSQID N | sem-pingpong N | sem-echo A B N | memcpy MIB REPEATS\n");
    return 2;
  }
  return 0;
}
