/* C++ symbol names demangled as pprof shows them by default. Profiles of
 * cgo programs (and -race binaries, whose ThreadSanitizer runtime is C++)
 * carry mangled names such as _ZN6__tsan10ThreadFreeEPNS_11ThreadStateEm;
 * pprof prints them demangled and simplified: no parameters, no template
 * arguments, no return type ("__tsan::ThreadFree").
 *
 * The demangling itself is libstdc++'s __cxa_demangle, loaded on first
 * need (most profiles are pure Go and never load it). The simplification
 * is written here: it removes from that full form what pprof's default
 * leaves out. */
#include <stdlib.h>
#include <string.h>
#include "gmd/lazylib.h"
#include "gmd/profile.h"
#include "gmd/xalloc.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn load_demangler(void)
{
    static const char *const sonames[] = {"libstdc++.so.6", "libstdc++.so", NULL};
    static const char *const symbols[] = {"__cxa_demangle", NULL};
    static void *fn[2];
    static gmd_lazylib lib = {"libstdc++", sonames, symbols, fn, NULL, false, false, ""};
    if (!gmd_lazylib_load(&lib)) return NULL;
    return (cxa_demangle_fn)fn[0];
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* Skip a bracketed group starting at s[0] (one of "(<{"), nested groups of
 * any kind included; returns the position after its closing bracket. */
static const char *skip_group(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        if (*s == '(' || *s == '<' || *s == '{' || *s == '[') depth++;
        else if ((*s == ')' || *s == '>' || *s == '}' || *s == ']') && --depth == 0) return s + 1;
    }
    return s;
}

/* Copy the operator after "operator" (s points past it): "()", "[]",
 * "<<=", "->", or a word such as " new[]" / " int". */
static const char *copy_operator(const char *s, char *out, size_t *o)
{
    if (has_prefix(s, "()") || has_prefix(s, "[]")) {
        memcpy(out + *o, s, 2);
        *o += 2;
        return s + 2;
    }
    if (*s == ' ') {   /* new, delete, a conversion: up to its parameters */
        while (*s && *s != '(' && *s != '<') out[(*o)++] = *s++;
        if (has_prefix(s, "[]")) out[(*o)++] = *s++, out[(*o)++] = *s++;
        return s;
    }
    while (*s && strchr("+-*/%^&|~!=<>,", *s)) out[(*o)++] = *s++;
    return s;
}

/* The full demangled form reduced as pprof's default (demangle.NoParams,
 * NoEnclosingParams, NoTemplateParams) prints it. out has room for
 * strlen(full) + 1. */
static void simplify(const char *full, char *out)
{
    size_t o = 0;
    const char *s = full;
    size_t name_start = 0;   /* after the return type, when there is one */
    while (*s) {
        if (has_prefix(s, "(anonymous namespace)")) {
            size_t n = strlen("(anonymous namespace)");
            memcpy(out + o, s, n);
            o += n;
            s += n;
        } else if (has_prefix(s, "operator") && !(s[8] >= 'a' && s[8] <= 'z') && !(s[8] >= 'A' && s[8] <= 'Z') &&
                   s[8] != '_' && !(s[8] >= '0' && s[8] <= '9')) {
            memcpy(out + o, s, 8);
            o += 8;
            s = copy_operator(s + 8, out, &o);
        } else if (*s == '{') {   /* {lambda(int)#1}, {unnamed type#1}: kept whole */
            const char *e = skip_group(s);
            memcpy(out + o, s, (size_t)(e - s));
            o += (size_t)(e - s);
            s = e;
        } else if (*s == '(' || *s == '<') {
            s = skip_group(s);
        } else if (has_prefix(s, " [clone ")) {   /* f() [clone .cold]: pprof shows "f" */
            break;
        } else if (*s == ' ') {
            /* A space outside any group: after a return type ("void f"),
             * or before the qualifiers of a method (" const", " &"). */
            const char *w = s + 1;
            if (has_prefix(w, "const") || has_prefix(w, "volatile") || *w == '&' || *w == '\0' || *w == '[') {
                break;   /* the method's qualifiers, and a clone suffix after them */
            } else {
                name_start = o + 1;
                out[o++] = *s++;
            }
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
    if (name_start) memmove(out, out + name_start, o - name_start + 1);
}

/* pprof's guess that a name it could not demangle is demangled C++ already
 * (symbolizer.looksLikeDemangledCPlusPlus). It catches Go generics too:
 * "slices.Backward[...,go.shape.func(main.Handler) main.Handler]" has
 * brackets, so pprof prints it without the parameter list; gmd follows, or
 * its rows would differ from pprof's. */
static bool looks_demangled(const char *s)
{
    if (strstr(s, ".<")) return false;    /* Java's "class.<init>" */
    if (strstr(s, "]).")) return false;   /* Go's "pkg.(*T[...]).Method" */
    return strpbrk(s, "<>[]") || strstr(s, "::");
}

/* Remove every outermost open..close group of s, in place, as pprof's
 * removeMatching does: an unmatched close stops it, an unclosed open stays. */
static void remove_matching(char *s, char open, char close)
{
    int nesting = 0;
    size_t first = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == open) {
            if (++nesting == 1) first = i;
        } else if (s[i] == close) {
            if (--nesting < 0) return;
            if (nesting == 0) {
                memmove(s + first, s + i + 1, strlen(s + i + 1) + 1);
                i = first - 1;   /* (wraps at 0; i++ brings it back) */
            }
        }
    }
}

/* The names pprof leaves mangled-or-not as they are, simplified as it
 * simplifies them (NoParams, then NoTemplateParams). */
static void simplify_plain(gmd_profile *p, gmd_function *f, const char *sys)
{
    if (!looks_demangled(sys)) return;
    char *s = gmd_xstrdup(sys);
    remove_matching(s, '(', ')');
    remove_matching(s, '<', '>');
    if (strcmp(s, sys)) {
        f->name = gmd_intern_str(&p->strings, s);
        if (!f->system_name[0]) f->system_name = sys;
    }
    free(s);
}

void gmd_profile_demangle(gmd_profile *p)
{
    cxa_demangle_fn demangle = NULL;
    bool tried = false;
    for (uint32_t i = 0; i < p->nfunctions; i++) {
        gmd_function *f = &p->functions[i];
        /* As pprof: only names not demangled already (name == system name). */
        const char *sys = f->system_name[0] ? f->system_name : f->name;
        if (f->name[0] && strcmp(f->name, sys) != 0) continue;
        const char *m = sys;
        if (!has_prefix(m, "_Z")) {
            if (!has_prefix(m, "__Z")) {   /* macOS adds an underscore */
                simplify_plain(p, f, sys);
                continue;
            }
            m++;
        }
        /* Names are input: a crafted one can drive the demangler deep into
         * recursion. Real symbols are far shorter than this. */
        if (strlen(m) > 4096) continue;
        if (!tried) {
            tried = true;
            demangle = load_demangler();
        }
        if (!demangle) continue;   /* no libstdc++: mangled names stay as they are */
        int status = -1;
        char *full = demangle(m, NULL, NULL, &status);
        if (status != 0 || !full) {
            free(full);
            simplify_plain(p, f, sys);   /* as pprof, when its demangler gives up */
            continue;
        }
        char *simple = gmd_xmalloc(strlen(full) + 1);
        simplify(full, simple);
        if (simple[0]) f->name = gmd_intern_str(&p->strings, simple);
        if (!f->system_name[0]) f->system_name = sys;
        free(simple);
        free(full);
    }
}
