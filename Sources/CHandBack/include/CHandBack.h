#ifndef LIAISON_CHANDBACK_H
#define LIAISON_CHANDBACK_H

/// What one hand-back did: read-only ranges paged out, ranges the kernel refused.
typedef struct {
    int paged_out;
    int failures;
    long bytes;
} liaison_hand_back_report;

/// Gives back what the process holds but does not use (IdleHandBack.swift says when and why):
/// the allocator's free pages (malloc_trim), the read-only PT_LOAD segments of every loaded
/// object (MADV_DONTNEED, then MADV_RANDOM), the executable's unmapped page-cache pages
/// (POSIX_FADV_DONTNEED on /proc/self/exe). Writable segments are never touched.
liaison_hand_back_report liaison_hand_back(void);

#endif
