/* Go execution traces (runtime/trace, /debug/pprof/trace): a streaming
 * reader for the Go 1.22+ wire format (header versions 22, 23, 25, 26).
 *
 * The reader works one generation at a time (the runtime cuts the trace into
 * self-contained generations, about one per second): it indexes the
 * generation's batches, reads its string and stack tables, then merges the
 * per-thread event batches into one stream ordered like Go's own reader
 * (internal/trace: timestamps as a hint, the per-goroutine, per-proc and GC
 * sequence numbers as the law). Memory is one generation plus per-goroutine,
 * per-thread and per-proc state, whatever the trace's length.
 *
 * Events are handed out one at a time with the scheduling context they
 * happened in (goroutine, proc, thread before the event), like Go's
 * trace.Reader.ReadEvent. Stack and string ids are valid for the event's
 * generation only: resolve them before the next generation starts
 * (GMD_TEV_SYNC). */
#ifndef GMD_TRACE_H
#define GMD_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gmd/err.h"

#define GMD_TRACE_NONE UINT64_MAX   /* no goroutine, proc or thread */

/* Event types: the wire numbers of Go's tracev2 spec, and one of ours. */
enum {
    GMD_TEV_CPU_SAMPLE = 7,   /* g, p, m of the sample; stack */
    GMD_TEV_PROCS_CHANGE = 9, /* args: procs, stack */
    GMD_TEV_PROC_START = 10,  /* p, p_seq */
    GMD_TEV_PROC_STOP = 11,
    GMD_TEV_PROC_STEAL = 12,  /* p, p_seq, m */
    GMD_TEV_PROC_STATUS = 13, /* p, pstatus */
    GMD_TEV_GO_CREATE = 14,   /* new_g, new_stack, stack */
    GMD_TEV_GO_CREATE_SYSCALL = 15, /* new_g */
    GMD_TEV_GO_START = 16,    /* g, g_seq */
    GMD_TEV_GO_DESTROY = 17,
    GMD_TEV_GO_DESTROY_SYSCALL = 18,
    GMD_TEV_GO_STOP = 19,     /* reason string, stack */
    GMD_TEV_GO_BLOCK = 20,    /* reason string, stack */
    GMD_TEV_GO_UNBLOCK = 21,  /* g, g_seq, stack */
    GMD_TEV_GO_SYSCALL_BEGIN = 22, /* p_seq, stack */
    GMD_TEV_GO_SYSCALL_END = 23,
    GMD_TEV_GO_SYSCALL_END_BLOCKED = 24,
    GMD_TEV_GO_STATUS = 25,   /* g, m, gstatus (new status; old_state says the old) */
    GMD_TEV_STW_BEGIN = 26,   /* kind string, stack */
    GMD_TEV_STW_END = 27,     /* kind string (copied from the begin) */
    GMD_TEV_GC_ACTIVE = 28,   /* gc_seq */
    GMD_TEV_GC_BEGIN = 29,    /* gc_seq, stack */
    GMD_TEV_GC_END = 30,      /* gc_seq */
    GMD_TEV_GC_SWEEP_ACTIVE = 31,
    GMD_TEV_GC_SWEEP_BEGIN = 32,
    GMD_TEV_GC_SWEEP_END = 33,
    GMD_TEV_GC_MARK_ASSIST_ACTIVE = 34,
    GMD_TEV_GC_MARK_ASSIST_BEGIN = 35,
    GMD_TEV_GC_MARK_ASSIST_END = 36,
    GMD_TEV_HEAP_ALLOC = 37,  /* bytes (the GC's live heap counter) */
    GMD_TEV_HEAP_GOAL = 38,   /* bytes */
    GMD_TEV_GO_LABEL = 39,
    GMD_TEV_USER_TASK_BEGIN = 40,  /* task, parent, name string, stack */
    GMD_TEV_USER_TASK_END = 41,    /* task, stack */
    GMD_TEV_USER_REGION_BEGIN = 42,/* task, name string, stack */
    GMD_TEV_USER_REGION_END = 43,
    GMD_TEV_USER_LOG = 44,    /* task, key string, value string, stack */
    GMD_TEV_GO_SWITCH = 45,   /* g, g_seq (surfaces as unblock of g: see trace.c) */
    GMD_TEV_GO_SWITCH_DESTROY = 46,
    GMD_TEV_GO_CREATE_BLOCKED = 47, /* new_g, new_stack, stack */
    GMD_TEV_GO_STATUS_STACK = 48,   /* g, m, gstatus, stack */
    GMD_TEV_SYNC = 250,       /* a generation starts (its tables are now current) */
};

/* Goroutine statuses on the wire (GoStatus), and the reader's extra ones. */
enum {
    GMD_TGS_BAD = 0, GMD_TGS_RUNNABLE = 1, GMD_TGS_RUNNING = 2, GMD_TGS_SYSCALL = 3,
    GMD_TGS_WAITING = 4,
    GMD_TGS_UNDETERMINED = 5, /* old_state of a goroutine first seen at trace start */
};

typedef struct gmd_trace_event {
    uint8_t type;             /* GMD_TEV_* */
    uint8_t old_state;        /* GoStatus: GMD_TGS_UNDETERMINED at trace start, else the same status */
    /* A small number for the goroutine whose state the event changes (the
     * one gmd_trace_go_transition names), unique among the goroutines that
     * exist at that moment and reused once one ends: a consumer can keep
     * per-goroutine state in an array instead of a table keyed by id.
     * UINT32_MAX on events that change no goroutine's state. */
    uint32_t gslot;
    int64_t time;             /* nanoseconds on the trace clock; strictly increasing */
    uint64_t g, p, m;         /* context before the event, GMD_TRACE_NONE when absent */
    uint64_t args[4];         /* wire arguments after the timestamp delta */
    uint64_t stack;           /* the event's stack id (the creator's for GoCreate), 0 = none */
    uint64_t gen;             /* generation number */
    int64_t offset;           /* byte offset of the event in the input; -1 when synthetic */
} gmd_trace_event;

typedef struct gmd_trace_frame {
    uint64_t pc;
    const char *func;         /* never NULL */
    const char *file;
    uint64_t line;
} gmd_trace_frame;

typedef struct gmd_trace_reader gmd_trace_reader;

/* Read a trace held in memory (a mapped file, a fetched body). When
 * `release_mapped` is set, `data` is a private file mapping whose pages the
 * reader drops (madvise) once a generation is done, so the resident size
 * stays bounded by one generation. NULL on a bad header (Go 1.21 and older
 * traces are refused, naming their version). */
gmd_trace_reader *gmd_trace_open_mem(const uint8_t *data, size_t len, const char *name,
                                     bool release_mapped, gmd_err *err);
/* Read a trace from a descriptor (a pipe), one generation in memory at a time. */
gmd_trace_reader *gmd_trace_open_fd(int fd, const char *name, gmd_err *err);
/* A path, "-" (standard input, streamed) or a /debug/pprof/trace URL. */
gmd_trace_reader *gmd_trace_open(const char *spec, gmd_err *err);
void gmd_trace_close(gmd_trace_reader *r);
/* Whether a second thread reads and orders the events while the caller
 * consumes them (only for a trace in memory; same events either way). On
 * by default for a trace of 8 MB or more when the load average leaves
 * half a core or more idle; GMD_TRACE_THREADS=0|1 in the environment decides instead (see
 * trace.c). Before the first
 * gmd_trace_next. While it runs, gmd_trace_generations, _bytes, _truncated
 * and _peak_generation_bytes are only meaningful once gmd_trace_next has
 * returned 0 or -1. */
void gmd_trace_set_threaded(gmd_trace_reader *r, bool on);

/* The next event: 1, or 0 at the end, or -1 with err filled (one line, with
 * the byte offset). A trace cut off mid-generation ends normally after the
 * last complete generation; gmd_trace_truncated then says what was lost. */
int gmd_trace_next(gmd_trace_reader *r, gmd_trace_event *ev, gmd_err *err);

int gmd_trace_version(const gmd_trace_reader *r);       /* 22, 23, 25 or 26 */
const char *gmd_trace_truncated(const gmd_trace_reader *r); /* NULL when complete */
uint64_t gmd_trace_generations(const gmd_trace_reader *r);  /* generations read so far */
uint64_t gmd_trace_bytes(const gmd_trace_reader *r);        /* input bytes consumed so far */
/* Peak bytes the reader held for one generation (tables, batch index, buffer). */
uint64_t gmd_trace_peak_generation_bytes(const gmd_trace_reader *r);

/* Tables of the current generation. Unknown ids give "" / no frames. */
const char *gmd_trace_string(const gmd_trace_reader *r, uint64_t id);
const gmd_trace_frame *gmd_trace_stack(const gmd_trace_reader *r, uint64_t id, size_t *nframes);

/* A goroutine's state change, as Go's reader describes events
 * (trace.StateTransition): which goroutine, from and to which state
 * (GMD_TGS_*, or GMD_TGS_NOTEXIST), the reason string of a block or stop,
 * and the stack: the new goroutine's start frame for a creation, else the
 * goroutine's own stack where the event has one. */
enum { GMD_TGS_NOTEXIST = 6 };
typedef struct gmd_trace_gotrans {
    uint64_t g;
    uint32_t slot;            /* the event's gslot */
    uint8_t from, to;
    bool has_reason;          /* a block or stop: reason_id names the reason */
    uint64_t reason_id;       /* string id of the reason (this generation's) */
    const char *reason;       /* "" when none (gmd_trace_go_transition only) */
    uint64_t stack;           /* transition stack id (see above), 0 = none */
} gmd_trace_gotrans;
bool gmd_trace_go_transition(const gmd_trace_reader *r, const gmd_trace_event *ev, gmd_trace_gotrans *out);

/* The same without the reason's text (reason is ""), inline: for consumers
 * that look at every event and resolve reasons by id themselves. */
static inline bool gmd_trace_go_transition_ids(const gmd_trace_event *ev, gmd_trace_gotrans *o)
{
    o->g = ev->g;
    o->slot = ev->gslot;
    o->has_reason = false;
    o->reason_id = 0;
    o->reason = "";
    o->stack = 0;
    switch (ev->type) {
    case GMD_TEV_GO_CREATE:
    case GMD_TEV_GO_CREATE_BLOCKED:
        o->g = ev->args[0];
        o->from = GMD_TGS_NOTEXIST;
        o->to = ev->type == GMD_TEV_GO_CREATE ? GMD_TGS_RUNNABLE : GMD_TGS_WAITING;
        o->stack = ev->args[1];
        return true;
    case GMD_TEV_GO_CREATE_SYSCALL:
        o->g = ev->args[0];
        o->from = GMD_TGS_NOTEXIST;
        o->to = GMD_TGS_SYSCALL;
        return true;
    case GMD_TEV_GO_START:
        o->g = ev->args[0];
        o->from = GMD_TGS_RUNNABLE;
        o->to = GMD_TGS_RUNNING;
        return true;
    case GMD_TEV_GO_DESTROY: o->from = GMD_TGS_RUNNING; o->to = GMD_TGS_NOTEXIST; return true;
    case GMD_TEV_GO_DESTROY_SYSCALL: o->from = GMD_TGS_SYSCALL; o->to = GMD_TGS_NOTEXIST; return true;
    case GMD_TEV_GO_STOP:
    case GMD_TEV_GO_BLOCK:
        o->from = GMD_TGS_RUNNING;
        o->to = ev->type == GMD_TEV_GO_STOP ? GMD_TGS_RUNNABLE : GMD_TGS_WAITING;
        o->has_reason = true;
        o->reason_id = ev->args[0];
        o->stack = ev->args[1];
        return true;
    case GMD_TEV_GO_UNBLOCK:
    case GMD_TEV_GO_SWITCH:
    case GMD_TEV_GO_SWITCH_DESTROY:
        o->g = ev->args[0];
        o->from = GMD_TGS_WAITING;
        o->to = GMD_TGS_RUNNABLE;
        return true;
    case GMD_TEV_GO_SYSCALL_BEGIN:
        o->from = GMD_TGS_RUNNING;
        o->to = GMD_TGS_SYSCALL;
        o->stack = ev->args[1];
        return true;
    case GMD_TEV_GO_SYSCALL_END: o->from = GMD_TGS_SYSCALL; o->to = GMD_TGS_RUNNING; return true;
    case GMD_TEV_GO_SYSCALL_END_BLOCKED: o->from = GMD_TGS_SYSCALL; o->to = GMD_TGS_RUNNABLE; return true;
    case GMD_TEV_GO_STATUS:
    case GMD_TEV_GO_STATUS_STACK:
        o->g = ev->args[0];
        o->from = ev->old_state;
        o->to = (uint8_t)ev->args[2];
        o->stack = ev->type == GMD_TEV_GO_STATUS_STACK ? ev->args[3] : 0;
        return true;
    default:
        return false;
    }
}

/* "GoBlock", ... for messages and dumps. */
const char *gmd_trace_event_name(int type);

#endif
