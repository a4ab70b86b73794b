/* ctrt-conform --merge: per-engine matrix JSONs (schema
 * "ctrt-conform-matrix/1") into one method x engine report, as Markdown
 * and as a self-contained HTML page (conformance/README.md, "Merging"). */
#ifndef CONFORM_MERGE_H
#define CONFORM_MERGE_H

#include <stddef.h>

/* Read and check every file (a file that is not such a matrix, cannot be
 * read, or repeats an engine already given stops everything, naming the
 * file, before anything is written), then write the Markdown to markdown
 * ("-" for standard output) and the HTML page to html, each when not NULL.
 * Returns 0, or 2 after printing why on standard error. */
int conform_merge(const char *const *paths, size_t n, const char *markdown, const char *html);

#endif
