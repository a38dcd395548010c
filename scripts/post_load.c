/* A small HTTP/1.1 load generator for the write benchmark: C connections, each on its own thread
 * with keep-alive, POST the request bodies of one file in turn (one body per line, `{RUN}` and
 * `{STEP}` replaced by the connection's run id and a per-connection counter) for N requests or
 * until SECONDS have passed, and print throughput and latency percentiles. A client in C so that the figures measure the server,
 * not the client (a Python client saturates long before mltui serve does). bench_writes.py
 * compiles it with `cc -O2 -pthread`.
 *   post_load PORT PATH BODIES_FILE REQUESTS_PER_CONNECTION SECONDS RUN_ID...   (one run id per connection) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, requests;
static double deadline;
static const char *path;
static char **bodies;
static int body_count;

struct worker {
    const char *run_id;
    double *latencies;
    int done, failed;
};

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int connect_local(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { close(fd); return -1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Replaces every {RUN} and {STEP} of `template`. */
static int fill(char *out, size_t size, const char *template, const char *run_id, int step) {
    size_t n = 0;
    for (const char *p = template; *p && n + 64 < size;) {
        if (strncmp(p, "{RUN}", 5) == 0) { n += snprintf(out + n, size - n, "%s", run_id); p += 5; }
        else if (strncmp(p, "{STEP}", 6) == 0) { n += snprintf(out + n, size - n, "%d", step); p += 6; }
        else out[n++] = *p++;
    }
    out[n] = 0;
    return (int)n;
}

/* Reads one response; returns its status, or -1 when the connection broke. */
static int read_response(int fd, char *buffer, size_t size) {
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t got = read(fd, buffer + have, size - 1 - have);
        if (got <= 0) return -1;
        have += got;
        buffer[have] = 0;
        end = strstr(buffer, "\r\n\r\n");
        if (!end && have >= size - 1) return -1;
    }
    int status = atoi(buffer + 9);
    long length = 0;
    char *header = strcasestr(buffer, "\r\ncontent-length:");
    if (header) length = atol(header + 17);
    size_t body_have = have - (end + 4 - buffer);
    while ((long)body_have < length) {
        ssize_t got = read(fd, buffer, size - 1);
        if (got <= 0) return -1;
        body_have += got;
    }
    return status;
}

static void *run_worker(void *arg) {
    struct worker *w = arg;
    char body[65536], request[70000], response[65536];
    int fd = connect_local();
    for (int i = 0; i < requests && fd >= 0 && now_seconds() < deadline; i++) {
        int body_length = fill(body, sizeof body, bodies[i % body_count], w->run_id, i);
        int length = snprintf(request, sizeof request,
                              "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                              "Content-Length: %d\r\n\r\n%s", path, port, body_length, body);
        double start = now_seconds();
        if (write(fd, request, length) != length) break;
        int status = read_response(fd, response, sizeof response);
        w->latencies[w->done++] = now_seconds() - start;
        if (status != 200) w->failed++;
        if (status < 0) { close(fd); fd = connect_local(); }
    }
    if (fd >= 0) close(fd);
    return NULL;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: post_load PORT PATH BODIES_FILE REQUESTS_PER_CONNECTION SECONDS RUN_ID...\n");
        return 2;
    }
    port = atoi(argv[1]);
    path = argv[2];
    requests = atoi(argv[4]);
    FILE *file = fopen(argv[3], "r");
    if (!file) { perror(argv[3]); return 2; }
    char line[65536];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\n")] = 0;
        if (!*line) continue;
        bodies = realloc(bodies, sizeof *bodies * (body_count + 1));
        bodies[body_count++] = strdup(line);
    }
    fclose(file);
    if (body_count == 0) { fprintf(stderr, "post_load: no bodies in %s\n", argv[3]); return 2; }
    int connections = argc - 6;
    struct worker *workers = calloc(connections, sizeof *workers);
    pthread_t *threads = calloc(connections, sizeof *threads);
    double start = now_seconds();
    deadline = start + atof(argv[5]);
    for (int c = 0; c < connections; c++) {
        workers[c].run_id = argv[6 + c];
        workers[c].latencies = calloc(requests, sizeof(double));
        pthread_create(&threads[c], NULL, run_worker, &workers[c]);
    }
    int total = 0, failed = 0;
    for (int c = 0; c < connections; c++) {
        pthread_join(threads[c], NULL);
        total += workers[c].done;
        failed += workers[c].failed;
    }
    double elapsed = now_seconds() - start;
    double *all = malloc(sizeof(double) * (total ? total : 1));
    int k = 0;
    for (int c = 0; c < connections; c++)
        for (int i = 0; i < workers[c].done; i++) all[k++] = workers[c].latencies[i];
    qsort(all, total, sizeof(double), compare);
    double p50 = total ? all[total / 2] : 0, p99 = total ? all[(int)(total * 0.99)] : 0;
    printf("{\"requests\": %d, \"failed\": %d, \"seconds\": %.3f, \"per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
           total, failed, elapsed, total / elapsed, p50 * 1e3, p99 * 1e3, total ? all[total - 1] * 1e3 : 0);
    return failed ? 1 : 0;
}
