#include "gmd/progressive.h"

void gmd_progressive_init(gmd_progressive *pr, const uint8_t *data, size_t len)
{
    pr->data = data;
    pr->len = len;
    atomic_init(&pr->avail, 0);
    atomic_init(&pr->state, GMD_PROGRESSIVE_RUNNING);
    atomic_init(&pr->cancelled, false);
    pthread_mutex_init(&pr->mu, NULL);
    pthread_cond_init(&pr->cv, NULL);
}

void gmd_progressive_destroy(gmd_progressive *pr)
{
    pthread_cond_destroy(&pr->cv);
    pthread_mutex_destroy(&pr->mu);
}

void gmd_progressive_publish(gmd_progressive *pr, size_t avail)
{
    pthread_mutex_lock(&pr->mu);
    atomic_store_explicit(&pr->avail, avail, memory_order_release);
    pthread_cond_broadcast(&pr->cv);
    pthread_mutex_unlock(&pr->mu);
}

void gmd_progressive_end(gmd_progressive *pr, bool ok)
{
    pthread_mutex_lock(&pr->mu);
    if (ok) atomic_store_explicit(&pr->avail, pr->len, memory_order_release);
    atomic_store_explicit(&pr->state, ok ? GMD_PROGRESSIVE_DONE : GMD_PROGRESSIVE_FAILED, memory_order_release);
    pthread_cond_broadcast(&pr->cv);
    pthread_mutex_unlock(&pr->mu);
}

size_t gmd_progressive_wait(gmd_progressive *pr, size_t need)
{
    if (need > pr->len) need = pr->len;
    size_t avail = atomic_load_explicit(&pr->avail, memory_order_acquire);
    if (avail >= need) return avail;
    pthread_mutex_lock(&pr->mu);
    for (;;) {
        avail = atomic_load_explicit(&pr->avail, memory_order_acquire);
        if (avail >= need || atomic_load_explicit(&pr->state, memory_order_acquire) != GMD_PROGRESSIVE_RUNNING) break;
        pthread_cond_wait(&pr->cv, &pr->mu);
    }
    pthread_mutex_unlock(&pr->mu);
    return avail;
}

void gmd_progressive_cancel(gmd_progressive *pr)
{
    atomic_store_explicit(&pr->cancelled, true, memory_order_relaxed);
}
