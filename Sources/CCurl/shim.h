#ifndef LIAISON_CCURL_SHIM_H
#define LIAISON_CCURL_SHIM_H
/*
 * Typed wrappers for libcurl's variadic calls, which Swift does not import.
 * Each wrapper passes exactly the C type the option expects (libcurl reads the
 * variadic argument with va_arg of that type), so no argument is mis-sized.
 */
#include <curl/curl.h>

typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*ccurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);

static inline CURLcode ccurl_global_init_default(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }

static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write_function(CURL *h, ccurl_data_callback f) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode ccurl_setopt_header_function(CURL *h, ccurl_data_callback f) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode ccurl_setopt_read_function(CURL *h, ccurl_data_callback f) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, f); }
static inline CURLcode ccurl_setopt_debug_function(CURL *h, ccurl_debug_callback f) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, f); }

static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_socket(CURL *h, CURLINFO i, curl_socket_t *v) { return curl_easy_getinfo(h, i, v); }

/* Enum and macro values that Swift imports awkwardly, as plain longs. */
static const long CCURL_USESSL_NONE = CURLUSESSL_NONE;
static const long CCURL_USESSL_ALL = CURLUSESSL_ALL;
static const long CCURL_ERROR_SIZE = CURL_ERROR_SIZE;
static const long CCURL_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const long CCURL_SSLVERSION_TLSv1_2 = CURL_SSLVERSION_TLSv1_2;
static const long CCURL_PROTO_IMAP = CURLPROTO_IMAP;
static const long CCURL_PROTO_IMAPS = CURLPROTO_IMAPS;
static const long CCURL_PROTO_SMTP = CURLPROTO_SMTP;
static const long CCURL_PROTO_SMTPS = CURLPROTO_SMTPS;

#endif
