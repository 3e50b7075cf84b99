// libxlsxwriter 1.1.4 (Debian) deflates every part of a workbook through the system's minizip
// at zlib's default level (6) and has no option to change it. For the follow-up table that is
// most of the export's time: the 100,000-case sheet is 62 MB of XML, which zlib's level 6
// deflates in about 1.0 s on this project's machines, level 3 in about 0.3 s, for a file about
// a tenth larger (measured in docs/benchmarks.md, issue 15).
//
// This file defines minizip's zipOpenNewFileInZip4_64 in the executable: libxlsxwriter's call,
// bound by the dynamic linker to the first definition in load order, comes here, and is passed
// on to minizip's own (dlsym RTLD_NEXT) with the level changed — every other argument as given.
// The prototype is minizip 1.1's (zip.h), whose ABI Debian's libminizip1 keeps. Only deflated
// parts are changed (method Z_DEFLATED, not raw); stored parts pass through as they are.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include "CXLSXDeflate.h"

#define LIAISON_XLSX_DEFLATE_LEVEL 3
#define LIAISON_Z_DEFLATED 8
#define LIAISON_ZIP_INTERNALERROR (-104)

typedef int (*liaison_zip_open_fn)(void *file, const char *filename, const void *zipfi,
                                   const void *extrafield_local, unsigned size_extrafield_local,
                                   const void *extrafield_global, unsigned size_extrafield_global,
                                   const char *comment, int method, int level, int raw,
                                   int windowBits, int memLevel, int strategy, const char *password,
                                   unsigned long crcForCrypting, unsigned long versionMadeBy,
                                   unsigned long flagBase, int zip64);

static unsigned long parts;
static int chosen = LIAISON_XLSX_DEFLATE_LEVEL;

int liaison_xlsx_deflate_level(void) { return __atomic_load_n(&chosen, __ATOMIC_RELAXED); }

void liaison_xlsx_set_deflate_level(int level) {
    if (level >= 1 && level <= 9) __atomic_store_n(&chosen, level, __ATOMIC_RELAXED);
}

unsigned long liaison_xlsx_deflate_parts(void) { return __atomic_load_n(&parts, __ATOMIC_RELAXED); }

__attribute__((visibility("default"), used))
int zipOpenNewFileInZip4_64(void *file, const char *filename, const void *zipfi,
                            const void *extrafield_local, unsigned size_extrafield_local,
                            const void *extrafield_global, unsigned size_extrafield_global,
                            const char *comment, int method, int level, int raw,
                            int windowBits, int memLevel, int strategy, const char *password,
                            unsigned long crcForCrypting, unsigned long versionMadeBy,
                            unsigned long flagBase, int zip64) {
    static liaison_zip_open_fn real;
    liaison_zip_open_fn next = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
    if (next == NULL) {
        next = (liaison_zip_open_fn)dlsym(RTLD_NEXT, "zipOpenNewFileInZip4_64");
        if (next == NULL) return LIAISON_ZIP_INTERNALERROR;
        __atomic_store_n(&real, next, __ATOMIC_RELEASE);
    }
    if (method == LIAISON_Z_DEFLATED && !raw) {
        level = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
        __atomic_fetch_add(&parts, 1, __ATOMIC_RELAXED);
    }
    return next(file, filename, zipfi, extrafield_local, size_extrafield_local, extrafield_global,
                size_extrafield_global, comment, method, level, raw, windowBits, memLevel, strategy,
                password, crcForCrypting, versionMadeBy, flagBase, zip64);
}
