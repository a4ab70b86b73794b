/* SPDX-License-Identifier: MIT */
/* adopt_container on CRI: a container (and its pod) created by another CRI
 * client becomes addressable by a ContainerId. CRI can neither rename nor
 * relabel a container, so the mapping lives in the runtime handle: every
 * lookup (ctrt__cri_find) asks it before the managed label, and it ends with
 * the handle or with remove_container. */
#include "backends/cri/cri_internal.h"

#include <pthread.h>

struct ctrt__cri_adopted {
  char *display;
  char *container_id, *pod_id;
  char *log_path; /* ContainerStatus.log_path: the engine's, not ctrt's layout */
};

static void entry_clear(ctrt__cri_adopted *e) {
  ctrt__free(e->display);
  ctrt__free(e->container_id);
  ctrt__free(e->pod_id);
  ctrt__free(e->log_path);
}

void ctrt__cri_adopted_free_all(cri *c) {
  for (size_t i = 0; i < c->n_adopted; i++)
    entry_clear(&c->adopted[i]);
  ctrt__free(c->adopted);
  c->adopted = NULL;
  c->n_adopted = 0;
}

/* Index of display in the table, or n_adopted. Under adopt_lock. */
static size_t index_of(const cri *c, const char *display) {
  size_t i = 0;
  while (i < c->n_adopted && strcmp(c->adopted[i].display, display) != 0)
    i++;
  return i;
}

int ctrt__cri_adopted_find(cri *c, const char *display, found *f, char **log_path) {
  int rc = 0;
  pthread_mutex_lock(&c->adopt_lock);
  size_t i = index_of(c, display);
  if (i < c->n_adopted) {
    f->container_id = ctrt__strdup(c->adopted[i].container_id);
    f->pod_id = ctrt__strdup(c->adopted[i].pod_id);
    if (log_path != NULL)
      *log_path = ctrt__strdup(c->adopted[i].log_path);
    rc = f->container_id && f->pod_id && (log_path == NULL || *log_path) ? 1 : ctrt__error_no_memory();
  }
  pthread_mutex_unlock(&c->adopt_lock);
  return rc;
}

void ctrt__cri_adopted_drop(cri *c, const ctrt_container_id *id) {
  char *display = ctrt__cri_display_of(id);
  if (display == NULL)
    return;
  pthread_mutex_lock(&c->adopt_lock);
  size_t i = index_of(c, display);
  if (i < c->n_adopted) {
    entry_clear(&c->adopted[i]);
    c->adopted[i] = c->adopted[--c->n_adopted];
  }
  pthread_mutex_unlock(&c->adopt_lock);
  ctrt__free(display);
}

/* The container engine_ref names (ctrt__engine_ref_offer); a CRI
 * container's name is its metadata's. */
static int match(const Runtime__V1__ListContainersResponse *all, const char *engine_ref,
                 const Runtime__V1__Container **out) {
  ctrt__engine_ref_match m = CTRT__ENGINE_REF_MATCH_INIT(engine_ref);
  for (size_t i = 0; i < all->n_containers; i++) {
    const Runtime__V1__Container *ct = all->containers[i];
    if (ctrt__engine_ref_offer(&m, ct, ct->id, ct->metadata ? ct->metadata->name : NULL))
      break;
  }
  const void *hit = NULL;
  int rc = ctrt__engine_ref_result(&m, &hit);
  *out = hit;
  return rc;
}

/* The display form the container is already known under (label or this
 * handle's table), or NULL. Under adopt_lock. */
static const char *known_as(const cri *c, const Runtime__V1__Container *ct) {
  const char *label = ctrt__cri_managed_value(c, ct);
  for (size_t i = 0; label == NULL && i < c->n_adopted; i++)
    if (strcmp(c->adopted[i].container_id, ct->id) == 0)
      label = c->adopted[i].display;
  return label;
}

/* A new entry of the adoption table, taking display. Under adopt_lock. */
static int remember(cri *c, char **display, const Runtime__V1__Container *ct,
                    const Runtime__V1__ContainerStatusResponse *st) {
  ctrt__cri_adopted *grown = ctrt__realloc(c->adopted, (c->n_adopted + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  c->adopted = grown;
  ctrt__cri_adopted e = {NULL, ctrt__strdup(ct->id), ctrt__strdup(ct->pod_sandbox_id),
                         ctrt__strdup(st->status && st->status->log_path ? st->status->log_path : "")};
  if (e.container_id == NULL || e.pod_id == NULL || e.log_path == NULL) {
    entry_clear(&e);
    return ctrt__error_no_memory();
  }
  e.display = *display;
  *display = NULL;
  grown[c->n_adopted++] = e;
  return 0;
}

int ctrt__cri_adopt_container(void *self, const char *engine_ref, const ctrt_container_id *id) {
  cri *c = self;
  Runtime__V1__ListContainersRequest req = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
  Runtime__V1__ListContainersResponse *all = NULL;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  const Runtime__V1__Container *ct = NULL;
  found holder = {0};
  int rc;
  char *display = ctrt__cri_display_of(id);
  if (display == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (CRI_CALL(c, ctrt__cricall_lookup_runtime_list_containers(), &req, &all) < 0) {
    rc = ctrt__error_wrap("adopt_container");
    goto done;
  }
  /* Then who id addresses today: a labelled container or an earlier adoption. */
  if ((rc = match(all, engine_ref, &ct)) < 0 || (rc = ctrt__cri_find(c, id, &holder, true, "adopt_container")) < 0)
    goto done;
  if (holder.container_id != NULL && strcmp(holder.container_id, ct->id) != 0) {
    rc = ctrt__error_adopt_id_taken(display, holder.container_id);
    goto done;
  }
  found f = {.container_id = ct->id, .pod_id = ct->pod_sandbox_id};
  if (ctrt__cri_status_of(c, &f, false, &st) < 0) {
    rc = ctrt__error_wrap("adopt_container");
    goto done;
  }
  pthread_mutex_lock(&c->adopt_lock);
  const char *known = known_as(c, ct);
  if (known != NULL && strcmp(known, display) != 0)
    rc = ctrt__error_adopt_known_as(engine_ref, known);
  else if (known == NULL)
    rc = remember(c, &display, ct, st);
  pthread_mutex_unlock(&c->adopt_lock);
done:
  ctrt__cri_found_clear(&holder);
  ctrt__cri_unpacked_free(st);
  ctrt__cri_unpacked_free(all);
  ctrt__free(display);
  return rc;
}
