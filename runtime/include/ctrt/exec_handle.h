/* SPDX-License-Identifier: MIT */
/* Interactive exec sessions (exec_pty): the ExecHandle, its duplex byte
 * channel (ExecPtyStream) and its exit-code completion (ExecExitFuture). */
#ifndef CTRT_EXEC_HANDLE_H
#define CTRT_EXEC_HANDLE_H

#include <ctrt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Write all of data to the process's stdin (blocks until written). */
CTRT_API int ctrt_exec_handle_write(ctrt_exec_handle *handle, const void *data, size_t len);

/* Read the next output bytes (blocks until some arrive): 0 with *n_read > 0
 * and *channel set to stdout or stderr (always stdout with a TTY, where both
 * share the terminal), CTRT_ITEROVER once the process has closed its output.
 * channel may be NULL. */
CTRT_API int ctrt_exec_handle_read(ctrt_exec_handle *handle, ctrt_log_channel *channel, void *buf, size_t cap,
                                   size_t *n_read);

/* Close the process's stdin (half-close): `cat` then sees end of input. */
CTRT_API int ctrt_exec_handle_close_stdin(ctrt_exec_handle *handle);

/* Set the terminal size of a TTY session. */
CTRT_API int ctrt_exec_handle_resize(ctrt_exec_handle *handle, uint16_t rows, uint16_t cols);

/* Wait for the process to exit and return its exit code (ExecExitFuture).
 * Output not yet read stays readable. */
CTRT_API int ctrt_exec_handle_wait(ctrt_exec_handle *handle, int32_t *exit_code);

/* A descriptor that polls readable when ctrt_exec_handle_read() has data or
 * end of output to report (ExecPtyStream); -1 if the backend has none. Do
 * not read from or close it directly. */
CTRT_API int ctrt_exec_handle_fd(const ctrt_exec_handle *handle);

/* End the session (NULL-safe): closes the channel; the process may go on.
 * The session holds its runtime open: it keeps working after ctrt_close of
 * the runtime, which is closed when the last session or stream is. */
CTRT_API void ctrt_exec_handle_free(ctrt_exec_handle *handle);

#ifdef __cplusplus
}
#endif

#endif
