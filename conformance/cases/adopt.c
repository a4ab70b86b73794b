/* SPDX-License-Identifier: MIT */
/* Conformance: adopt_container, addressing a container ctrt did not
 * create. The container is made through the engine's own API by
 * conform_outside_container, with no ctrt label. */
#include "../conform.h"

#include <string.h>

#define RT conform_rt()
#define ADOPT CTRT_OP_ADOPT_CONTAINER

/* Waits for /tmp/go (created by the case through exec), having logged a line. */
static const char *const UNTIL_GO[] = {"sh", "-c", "echo adopted; " CONFORM_WAIT_GO, NULL};
static const char *const SLEEP[] = {"sleep", "600", NULL};

CONFORM_FREER(container_state)
CONFORM_FREER(container_inspect_details)
CONFORM_FREER(log_entry_list)

static const char *outside_name(unsigned n) {
  return conform_printf("ctrt-out-%s-%u", conform_env_get()->run_token, n);
}

/* The container is gone: container_state says not_found. */
static void gone(const ctrt_container_id *id) {
  ctrt_container_state *state = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &state, id), CTRT_ERROR_NOT_FOUND);
  ctrt_container_state_free(state);
}

static bool state_is(const ctrt_container_id *id, ctrt_container_state_kind kind) {
  ctrt_container_state *state = NULL;
  if (!C_OK(ctrt_runtime_container_state(RT, &state, id)))
    return false;
  conform_defer(state, free_container_state);
  return C_EQ_INT(state->kind, kind);
}

/* Adopted by name, the container is reached by every method through its
 * ContainerId: start, state, inspect, exec, wait, logs, stop, remove. */
static void by_name_then_every_method(void) {
  const char *name = outside_name(1);
  if (conform_outside_container(name, UNTIL_GO) == NULL)
    return;
  const ctrt_container_id *id = conform_new_id();
  if (!C_OK(ctrt_runtime_adopt_container(RT, name, id)))
    return;
  if (!C_OK(ctrt_runtime_start_container(RT, id)) || !state_is(id, CTRT_CONTAINER_STATE_RUNNING))
    return;
  ctrt_container_inspect_details *details = NULL;
  if (C_OK(ctrt_runtime_inspect_detailed(RT, &details, id)))
    conform_defer(details, free_container_inspect_details);
  if (!conform_release(id, "/tmp/go"))
    return;
  int32_t code = -1;
  if (!conform_wait(id, &code) || !C_EQ_INT(code, 0))
    return;
  ctrt_log_entry_list *logs = NULL;
  if (C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS))) {
    conform_defer(logs, free_log_entry_list);
    if (C_EQ_INT(logs->n_items, 1))
      C_EQ_STR(logs->items[0].message, "adopted");
  }
  C_OK(ctrt_runtime_stop_container(RT, id, 1));
  C_OK(ctrt_runtime_remove_container(RT, id));
  gone(id);
}

/* By a prefix of the engine id; again under the same ContainerId is
 * fine; under another one it is a conflict; the adopted container is not
 * listed with a managed id (no label could be added). */
static void by_id_prefix_once(void) {
  const char *engine_id = conform_outside_container(outside_name(3), SLEEP);
  if (engine_id == NULL)
    return;
  const char *prefix = conform_printf("%.12s", engine_id);
  const ctrt_container_id *id = conform_new_id();
  if (!C_OK(ctrt_runtime_adopt_container(RT, prefix, id)))
    return;
  C_OK(ctrt_runtime_adopt_container(RT, engine_id, id));
  const ctrt_container_id *other = conform_new_id();
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, engine_id, other), CTRT_ERROR_CONFLICT);
  C_OK(ctrt_runtime_start_container(RT, id));
  state_is(id, CTRT_CONTAINER_STATE_RUNNING);
  gone(other);
}

/* The bad references, one error kind each on every backend. */
static void bad_refs(void) {
  const ctrt_container_id *id = conform_new_id();
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, outside_name(99), id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, "no such/ref", id), CTRT_ERROR_INVALID_SPEC);
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, "", id), CTRT_ERROR_INVALID_SPEC);
  /* An ambiguous id prefix: outside containers until two of ours share a
   * first hex digit (at most 17: there are 16 digits). */
  const char *first[17] = {0};
  char shared = 0;
  for (unsigned i = 0; i < 17 && shared == 0; i++) {
    first[i] = conform_outside_container(outside_name(10 + i), SLEEP);
    if (first[i] == NULL)
      return;
    for (unsigned k = 0; k < i && shared == 0; k++)
      if (first[k][0] == first[i][0])
        shared = first[i][0];
  }
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, conform_printf("%c", shared), id), CTRT_ERROR_INVALID_ARGUMENT);
  /* Taken: a container ctrt created is known under its own ContainerId, and
   * a name already adopted under one ContainerId is not adopted under another. */
  const ctrt_container_id *created = conform_new_id();
  if (!conform_create(created, NULL, SLEEP))
    return;
  const char *name = outside_name(2);
  const char *engine_id = conform_outside_container(name, SLEEP);
  if (engine_id == NULL)
    return;
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, name, created), CTRT_ERROR_CONFLICT);
  if (!C_OK(ctrt_runtime_adopt_container(RT, name, id)))
    return;
  /* Adopted under id: not under another, nor another container under id. */
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, engine_id, conform_new_id()), CTRT_ERROR_CONFLICT);
  C_FAILS(ADOPT, ctrt_runtime_adopt_container(RT, first[0], id), CTRT_ERROR_CONFLICT);
}

static const conform_case cases[] = {
    CONFORM_CASE("adopt.by_name_then_every_method", by_name_then_every_method,
                 "A container created through the engine's own API, adopted by name, is started, inspected, "
                 "exec'd into, waited for, logged, stopped and removed through its ContainerId.",
                 TESTS(ADOPT),
                 USES(CTRT_OP_START_CONTAINER, CTRT_OP_CONTAINER_STATE, CTRT_OP_INSPECT_DETAILED, CTRT_OP_EXEC,
                      CTRT_OP_WAIT_CONTAINER, CTRT_OP_GET_LOGS, CTRT_OP_STOP_CONTAINER, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("adopt.by_id_prefix_once", by_id_prefix_once,
                 "Adopted by an id prefix; again under the same ContainerId succeeds, under another is a conflict.",
                 TESTS(ADOPT), USES(CTRT_OP_START_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("adopt.bad_refs", bad_refs,
                 "Unknown reference not_found, malformed invalid_spec, ambiguous id prefix invalid_argument, a "
                 "container known under another ContainerId or a ContainerId already in use conflict.",
                 TESTS(ADOPT), USES(CTRT_OP_CREATE_CONTAINER), TIMEOUT_S(300)),
};

const conform_area conform_area_adopt = CONFORM_AREA("adopt", cases);
