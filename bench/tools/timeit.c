// timeit: runs a command and prints, on stderr and (with -o FILE) as JSON,
// its wall time, CPU time and peak resident memory (getrusage of the child).
//   timeit [-o FILE.json] -- command args...
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  const char* out = NULL;
  int i = 1;
  for (; i < argc; ++i) {
    if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) out = argv[++i];
    else if (strcmp(argv[i], "--") == 0) { ++i; break; }
    else break;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: timeit [-o FILE.json] -- command args...\n");
    return 2;
  }
  double start = Now();
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 2; }
  if (pid == 0) {
    execvp(argv[i], argv + i);
    fprintf(stderr, "timeit: %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 2; }
  double wall = Now() - start;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  double user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  double sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  fprintf(stderr, "timeit: exit %d, wall %.3f s, user %.3f s, sys %.3f s, peak RSS %ld KiB\n", code, wall, user,
          sys, ru.ru_maxrss);
  if (out) {
    FILE* f = fopen(out, "w");
    if (f) {
      fprintf(f, "{\"exit\": %d, \"wall_s\": %.6f, \"user_s\": %.6f, \"sys_s\": %.6f, \"max_rss_kib\": %ld}\n", code,
              wall, user, sys, ru.ru_maxrss);
      fclose(f);
    }
  }
  return code;
}
