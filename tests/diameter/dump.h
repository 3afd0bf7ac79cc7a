/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Printing Diameter messages for the unit tests' .ok files: each AVP by its dictionary name, groups indented. */
#pragma once

#include <stddef.h>
#include <stdint.h>

void dump_avps(const uint8_t *data, size_t len, int depth);
void dump_msg(const uint8_t *msg, size_t len);
