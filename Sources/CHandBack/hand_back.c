// liaison_hand_back: see include/CHandBack.h. Linux only.
#define _GNU_SOURCE
#include "CHandBack.h"

#ifdef __linux__
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// An object whose code was relocated in place (DT_TEXTREL) has written pages in its read-only
// segments: dropping them would lose the relocations. Such objects are left alone.
static int has_text_relocations(const struct dl_phdr_info *info) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_DYNAMIC) continue;
        const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
        for (; d->d_tag != DT_NULL; d++) {
            if (d->d_tag == DT_TEXTREL) return 1;
            if (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)) return 1;
        }
    }
    return 0;
}

static int segment(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    liaison_hand_back_report *report = context;
    // The vDSO is the kernel's, not a file's.
    if (info->dlpi_name && strncmp(info->dlpi_name, "linux-vdso", 10) == 0) return 0;
    if (has_text_relocations(info)) return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz == 0) continue;
        // Rounded inwards: a page shared with a writable segment is left alone.
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        uintptr_t lo = (start + page - 1) & ~(page - 1);
        uintptr_t hi = (start + ph->p_memsz) & ~(page - 1);
        if (hi <= lo) continue;
        // A private mapping that was never writable holds the file's pages unchanged: dropping
        // them from this process's page tables loses nothing (the next touch maps them again from
        // the page cache or the file). MADV_DONTNEED needs no right to write the file (MADV_PAGEOUT
        // would, for file pages, and the service does not own its binary).
        if (madvise((void *)lo, hi - lo, MADV_DONTNEED) == 0) {
            report->paged_out++;
            report->bytes += (long)(hi - lo);
        } else {
            report->failures++;
        }
        // No read-around on the next faults: only what is run comes back.
        (void)madvise((void *)lo, hi - lo, MADV_RANDOM);
    }
    return 0;
}

liaison_hand_back_report liaison_hand_back(void) {
    liaison_hand_back_report report = {0, 0, 0};
    malloc_trim(0);
    dl_iterate_phdr(segment, &report);
    // The executable's pages nobody maps any more leave the page cache, so the kernel's
    // fault-around (it maps up to 16 cached neighbours of a faulting page) cannot map them back.
    // Only the executable's: the libraries' pages are other processes' too.
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
    return report;
}
#else
liaison_hand_back_report liaison_hand_back(void) {
    liaison_hand_back_report report = {0, 0, 0};
    return report;
}
#endif
