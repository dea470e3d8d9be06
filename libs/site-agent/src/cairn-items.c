/*
 * cairn-items: the item runner of one array element (docs/adr/0016-one-container-start-per-element.md).
 *
 * Runs INSIDE the element's one container start (the agent builds it with `gcc -static`,
 * so it needs nothing of the image: no shell, no libc) and runs the element's items one
 * after another. It reads its whole work list from standard input before running anything:
 * NUL-terminated fields, for each item its index, its working directory (absolute), its
 * argument count, then its arguments. Each item runs with its own argument vector (execvp,
 * never a shell), in its own directory (created by the runner when missing, one level below
 * a directory that exists; a symbolic link or a file in its place fails the item: the agent
 * no longer makes a sweep's thousands of item directories before sbatch), with the runner's
 * environment (the job variables
 * the container was started with) plus CAIRN_ITEM_INDEX=<index>, standard input /dev/null,
 * standard output and error the runner's. When an item ends the runner writes one line to
 * file descriptor 3: "<index> <exit code> <startedAt> <endedAt>\n" (UTC, milliseconds);
 * the host wrapper turns it into the item's record. Exit code: the item's, or 128+N when a
 * signal N ended it; 1 when it could not be started (as ch-run answers). Its last line is
 * "end <runner exit code>\n": the wrapper stops reading there, even while another process
 * (such as ch-run's SquashFUSE server, forked before the runner started) still holds the pipe.
 *
 * SIGTERM or SIGINT is passed on to the running item; no further item starts; the runner
 * exits 128+N once the item ended. It reaps every process that ends (it may be PID 1).
 * Exits 0 when every item exited 0, 1 when one did not, 70 before running anything when the
 * work list is malformed or empty (the wrapper never starts a container for no item, so an
 * empty list means standard input did not reach the runner) or file descriptor 3 is not open:
 * then no item runs and none is reported, so the element's items count as not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t stop_signal = 0;
static volatile pid_t running = 0;

static void on_stop(int sig) {
  stop_signal = sig;
  if (running > 0) kill(running, sig);
}

static void fail(const char *what) {
  fprintf(stderr, "cairn-items: %s\n", what);
  exit(70);
}

static char *read_all(size_t *length) {
  size_t size = 1 << 16, used = 0;
  char *buf = malloc(size);
  if (!buf) fail("out of memory");
  for (;;) {
    if (used == size) {
      size *= 2;
      buf = realloc(buf, size);
      if (!buf) fail("out of memory");
    }
    ssize_t n = read(0, buf + used, size - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read the work list");
    if (n == 0) break;
    used += (size_t)n;
  }
  *length = used;
  return buf;
}

/* The next NUL-terminated field at *pos, or NULL when the list ends without one. */
static char *field(char *buf, size_t length, size_t *pos) {
  if (*pos >= length) return NULL;
  char *start = buf + *pos;
  char *end = memchr(start, '\0', length - *pos);
  if (!end) return NULL;
  *pos = (size_t)(end - buf) + 1;
  return start;
}

static int whole_number(const char *s, unsigned long max, unsigned long *value) {
  if (!*s || strlen(s) > 9) return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  *value = strtoul(s, NULL, 10);
  return *value <= max;
}

static void now(char *out, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* The runner's environment without CAIRN_ITEM_INDEX, with room for the item's own. */
static char **item_environment(void) {
  size_t count = 0;
  while (environ[count]) count++;
  char **env = calloc(count + 2, sizeof(char *));
  if (!env) fail("out of memory");
  size_t k = 0;
  for (size_t i = 0; i < count; i++)
    if (strncmp(environ[i], "CAIRN_ITEM_INDEX=", 17) != 0) env[k++] = environ[i];
  return env; /* env[k] is the item's slot: set per item; env[k + 1] stays NULL. */
}

int main(void) {
  size_t length, pos = 0;
  char *list = read_all(&length);
  /* Check the whole list before running anything. */
  size_t items = 0, max_argc = 0;
  while (pos < length) {
    unsigned long index, argc;
    char *idx = field(list, length, &pos), *dir = field(list, length, &pos), *cnt = field(list, length, &pos);
    if (!idx || !dir || !cnt || !whole_number(idx, 10000000, &index) || dir[0] != '/' || !whole_number(cnt, 1000000, &argc) || argc == 0)
      fail("malformed work list");
    for (unsigned long a = 0; a < argc; a++)
      if (!field(list, length, &pos)) fail("malformed work list");
    if (argc > max_argc) max_argc = argc;
    items++;
  }
  if (items == 0) fail("the work list is empty (standard input did not reach the runner)");
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    close(null);
  } else {
    close(0);
  }
  if (fcntl(3, F_SETFD, FD_CLOEXEC) != 0) fail("file descriptor 3 (the records) is not open");
  char **env = item_environment();
  size_t slot = 0;
  while (env[slot]) slot++;
  char **argv = calloc(max_argc + 1, sizeof(char *));
  if (!argv) fail("out of memory");

  struct sigaction stop = {0}, dfl = {0}, ign = {0};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  dfl.sa_handler = SIG_DFL;
  ign.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGPIPE, &ign, NULL);
  sigset_t stops, before;
  sigemptyset(&stops);
  sigaddset(&stops, SIGTERM);
  sigaddset(&stops, SIGINT);

  int failed = 0;
  pos = 0;
  for (size_t n = 0; n < items; n++) {
    char *idx = field(list, length, &pos), *dir = field(list, length, &pos), *cnt = field(list, length, &pos);
    unsigned long argc = strtoul(cnt, NULL, 10);
    for (unsigned long a = 0; a < argc; a++) argv[a] = field(list, length, &pos);
    argv[argc] = NULL;
    char item_var[32];
    snprintf(item_var, sizeof item_var, "CAIRN_ITEM_INDEX=%s", idx);
    env[slot] = item_var;

    /* A stop that came before the fork reaches no item; one after it reaches this one. */
    sigprocmask(SIG_BLOCK, &stops, &before);
    if (stop_signal) break;
    char started[40], ended[40];
    now(started, sizeof started);
    pid_t pid = fork();
    if (pid == 0) {
      sigaction(SIGTERM, &dfl, NULL);
      sigaction(SIGINT, &dfl, NULL);
      sigaction(SIGPIPE, &dfl, NULL);
      sigprocmask(SIG_SETMASK, &before, NULL);
      /* The item's own directory, made here as the job's user when missing (the agent made
         the step's directory above it); a link or a file in its place is refused. */
      if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cairn-items: can't create the item's directory %s: %s\n", dir, strerror(errno));
        _exit(1);
      }
      int cwd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (cwd < 0 || fchdir(cwd) != 0) {
        int error = errno;
        struct stat st;
        int link = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);
        fprintf(stderr, "cairn-items: can't cd to %s: %s\n", dir, link ? "it is a symbolic link, not a directory" : strerror(error));
        _exit(1);
      }
      close(cwd);
      environ = env;
      execvp(argv[0], argv);
      fprintf(stderr, "cairn-items: can't execve(2): %s: %s\n", argv[0], strerror(errno));
      _exit(1);
    }
    if (pid < 0) {
      fprintf(stderr, "cairn-items: can't fork: %s\n", strerror(errno));
      sigprocmask(SIG_SETMASK, &before, NULL);
      return 1;
    }
    running = pid;
    sigprocmask(SIG_SETMASK, &before, NULL);
    int status = 0;
    for (;;) {
      pid_t done = waitpid(-1, &status, 0);
      if (done == pid) break;
      if (done < 0 && errno != EINTR) break;
    }
    running = 0;
    now(ended, sizeof ended);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
    char line[160];
    int size = snprintf(line, sizeof line, "%s %d %s %s\n", idx, code, started, ended);
    while (write(3, line, (size_t)size) < 0 && errno == EINTR) {
    }
    if (code != 0) failed = 1;
  }
  int code = stop_signal ? 128 + stop_signal : failed;
  char end[32];
  int size = snprintf(end, sizeof end, "end %d\n", code);
  while (write(3, end, (size_t)size) < 0 && errno == EINTR) {
  }
  return code;
}
