#ifndef LIAISON_CLIBXML2_SHIM_H
#define LIAISON_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU, so <libxml/encoding.h> would pull in <unicode/ucnv.h>, whose
 * UErrorCode clashes with the ICU that Foundation ships (_FoundationICU) in any module importing
 * both. Liaison never uses libxml2's ICU converters: it always passes UTF-8 it decoded itself.
 * Without the macro, encoding.h only drops two trailing pointer fields from
 * xmlCharEncodingHandler, a struct Swift never allocates or reads. */
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/parser.h>
#include <libxml/xmlstring.h>
#endif
