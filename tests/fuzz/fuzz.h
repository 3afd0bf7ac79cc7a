/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What every fuzz target defines: libFuzzer's entry point, called by libFuzzer (make fuzz) or by replay.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* an invariant of the code under test: abort() so that libFuzzer and the replay both report the input */
#define FUZZ_ASSERT(cond) do { if (!(cond)) { fuzz_fail(#cond, __FILE__, __LINE__); } } while (0)
void fuzz_fail(const char *cond, const char *file, int line) __attribute__((noreturn));

/* store.c (the Diameter targets): a small store made on the first call in a temporary directory, removed at exit */
struct eir_db;
struct eir_db *fuzz_store(void *ctx);
