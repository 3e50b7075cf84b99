#ifndef LIAISON_CLIBXML2_SHIM_H
#define LIAISON_CLIBXML2_SHIM_H
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#endif
