/* Expected divergences: where a backend legitimately differs from the
 * interface reference, a data entry {case, backend, reason, evidence}
 * turns that case's failure into the verdict "diverges". */
#include "runner.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *dup_field(json_t *item, const char *key) {
  const char *text = json_string_value(json_object_get(item, key));
  return text ? strdup(text) : NULL;
}

int conform_divergences_load(const char *path, conform_divergence **out, size_t *n) {
  *out = NULL;
  *n = 0;
  json_error_t err;
  json_t *doc = json_load_file(path, 0, &err);
  if (doc == NULL)
    return ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s:%d: %s", path, err.line, err.text);
  json_t *list = json_object_get(doc, "divergences");
  if (!json_is_array(list)) {
    json_decref(doc);
    return ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s: expected {\"divergences\": [...]}", path);
  }
  conform_divergence *items = calloc(json_array_size(list) + 1, sizeof *items);
  if (items == NULL)
    abort();
  size_t i;
  json_t *item;
  json_array_foreach(list, i, item) {
    conform_divergence *d = &items[(*n)++];
    d->case_name = dup_field(item, "case");
    d->backend = dup_field(item, "backend");
    d->reason = dup_field(item, "reason");
    d->evidence = dup_field(item, "evidence");
    if (!d->case_name || !d->backend || !d->reason || !d->evidence) {
      json_decref(doc);
      conform_divergences_free(items, *n);
      *n = 0;
      return ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0,
                                "%s: entry %zu needs the strings case, backend, reason and evidence", path, i);
    }
  }
  json_decref(doc);
  *out = items;
  return 0;
}

const conform_divergence *conform_divergence_find(const conform_divergence *list, size_t n, const char *case_name,
                                                  const char *backend) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i].case_name, case_name) == 0 && strcmp(list[i].backend, backend) == 0)
      return &list[i];
  return NULL;
}

void conform_divergences_free(conform_divergence *list, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(list[i].case_name);
    free(list[i].backend);
    free(list[i].reason);
    free(list[i].evidence);
  }
  free(list);
}
