/* clock_shift: an LD_PRELOAD shim that moves the wall clock of a process (and of every process
 * it starts, which inherit the environment) by HC_CLOCK_SHIFT_DAYS days. The shifted-clock runs
 * of the date-sensitive suites use it (tests/CMakeLists.txt: "<test>@clock+1y", "@clock+10y"):
 * a test that depends on today's calendar date instead of an injected clock fails there.
 *
 * Only the wall clock moves (CLOCK_REALTIME and its coarse/TAI forms, gettimeofday, time,
 * timespec_get); the monotonic and CPU clocks, which measure durations, do not.
 *
 * Programs named in HC_CLOCK_SHIFT_EXCLUDE (comma-separated; default "pcscd") keep the real clock:
 * they are third-party daemons, not code under test, and a daemon that waits with an absolute
 * CLOCK_REALTIME deadline (pthread_cond_timedwait) computed from a shifted clock would wait for
 * years, since the kernel compares the deadline with the real clock. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

extern char* program_invocation_short_name;

static int excluded(void) {
    const char* list = getenv("HC_CLOCK_SHIFT_EXCLUDE");
    if (list == NULL) {
        list = "pcscd";
    }
    const size_t n = strlen(program_invocation_short_name);
    for (const char* p = list; *p != '\0';) {
        const char* end = strchr(p, ',');
        const size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, program_invocation_short_name, n) == 0) {
            return 1;
        }
        p += len + (end != NULL ? 1 : 0);
    }
    return 0;
}

static long long shift_seconds(void) {
    static long long cached = -1;
    if (cached < 0) {
        const char* v = getenv("HC_CLOCK_SHIFT_DAYS");
        long long days = v != NULL && !excluded() ? strtoll(v, NULL, 10) : 0;
        cached = days * 86400LL;
    }
    return cached;
}

static int is_wall(clockid_t id) {
    return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec* ts) {
    static int (*real)(clockid_t, struct timespec*) = NULL;
    if (real == NULL) {
        real = (int (*)(clockid_t, struct timespec*))dlsym(RTLD_NEXT, "clock_gettime");
    }
    const int rc = real(id, ts);
    if (rc == 0 && is_wall(id)) {
        ts->tv_sec += (time_t)shift_seconds();
    }
    return rc;
}

int gettimeofday(struct timeval* restrict tv, void* restrict tz) {
    static int (*real)(struct timeval*, void*) = NULL;
    if (real == NULL) {
        real = (int (*)(struct timeval*, void*))dlsym(RTLD_NEXT, "gettimeofday");
    }
    const int rc = real(tv, tz);
    if (rc == 0) {
        tv->tv_sec += (time_t)shift_seconds();
    }
    return rc;
}

time_t time(time_t* out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out != NULL) {
        *out = ts.tv_sec;
    }
    return ts.tv_sec;
}

int timespec_get(struct timespec* ts, int base) {
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) {
        return 0;
    }
    return base;
}
