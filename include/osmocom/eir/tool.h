/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The command-line tools' one way to fail: "program: message" on stderr, then the tool's own exit code. */
#pragma once

/*! Print "program: message" to stderr. \returns code, so that a tool writes `return eir_fail(1, "...")` */
int eir_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*! eir_fail(), then exit(code): for the places that cannot return (option parsing, the benchmark client). */
void eir_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
