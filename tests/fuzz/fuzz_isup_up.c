/* fuzz_isup_up.c - libFuzzer target for the ISUP user part and the circuit FSMs (Q.764 2.9.5, 2.10) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/application.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>

#include "common/log.h"
#include "sigtran/cic.h"
#include "sigtran/isup.h"
#include "sigtran/isup_up.h"
#include "sigtran/mtp3.h"
#include "sigtran/mtp_user.h"

#define OUR_PC	100
#define PEER_PC	200

/* Every message we send must be one we can decode again. */
static int fuzz_transfer_req(void *priv, const struct mtp_transfer *xfer)
{
	struct isup_msg *m = NULL;

	if (isup_decode(priv, xfer->data, xfer->len, &m, NULL) != 0)
		abort();
	talloc_free(m);
	return 0;
}

static const struct isup_up_mtp_ops fuzz_mtp = { .transfer_req = fuzz_transfer_req };

static char owner;

static int fuzz_rx_iam(void *priv, struct cic *cic, const struct isup_msg *iam)
{
	/* refuse every third call, take the rest */
	if (cic_code(cic) % 3 == 0)
		return 42;
	cic_set_owner(cic, &owner);
	return 0;
}

static void fuzz_rx_call_msg(void *o, struct cic *cic, const struct isup_msg *msg)
{
	if (msg->type == ISUP_MSGT_REL)
		cic_release_complete(cic);
}

static void fuzz_lost(void *o, struct cic *cic, int cause)
{
}

static const struct cic_user_ops fuzz_user = {
	.rx_iam = fuzz_rx_iam,
	.rx_call_msg = fuzz_rx_call_msg,
	.lost = fuzz_lost,
};

static void step(unsigned ms)
{
	osmo_gettimeofday_override_add(ms / 1000, (ms % 1000) * 1000);
	osmo_clock_override_add(CLOCK_MONOTONIC, ms / 1000, (ms % 1000) * 1000000);
	osmo_timers_prepare();
	osmo_timers_update();
}

/* Input: frames of [length][octets]; a zero length takes the next octet as a local action
 * (hunt, release, block, reset, pause/resume, let time pass), so that peer messages meet the
 * circuits in every state. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	void *ctx;
	struct isup_up *up;
	struct cic_group *grp;
	struct cic *cic;
	size_t off = 0;

	if (!init) {
		osmo_init_logging2(talloc_named_const(NULL, 0, "log"), &gw_log_info);
		log_set_log_level(osmo_stderr_target, LOGL_FATAL);
		osmo_gettimeofday_override = true;
		osmo_clock_override_enable(CLOCK_MONOTONIC, true);
		init = true;
	}
	ctx = talloc_named_const(NULL, 0, "fuzz");
	up = isup_up_alloc(ctx, OUR_PC, MTP3_NI_NATIONAL, &fuzz_mtp, ctx);
	isup_up_set_user(up, &fuzz_user, NULL);
	grp = cic_group_alloc(up, "g");
	cic_group_set_dpc(grp, PEER_PC);
	cic_group_set_range(grp, 1, 40);
	cic_group_set_reset_on_resume(grp, false);
	isup_up_resume(up, PEER_PC);

	while (off < size) {
		size_t len = data[off++];

		if (len == 0) {
			uint8_t op = off < size ? data[off++] : 0;

			cic = cic_group_circuit(grp, (op >> 3) % 40);
			switch (op & 7) {
			case 0:
				if (cic_hunt(grp, &owner, &cic) == 0) {
					struct isup_number called;
					struct isup_msg *iam;

					isup_number_set(&called, ISUP_NAI_NATIONAL, "1234");
					iam = isup_msg_iam(ctx, 0, &called, NULL, 10, 0);
					cic_send(cic, iam);
					talloc_free(iam);
				}
				break;
			case 1:
				if (cic_owner(cic))
					cic_release(cic, 16);
				break;
			case 2:
				cic_block(cic);
				break;
			case 3:
				cic_unblock(cic);
				break;
			case 4:
				cic_reset(cic);
				break;
			case 5:
				cic_group_block(grp, cic_code(cic), 40, op & 0x80);
				break;
			case 6:
				isup_up_pause(up, PEER_PC);
				isup_up_resume(up, PEER_PC);
				break;
			case 7:
				step(1000u * (1 + (op >> 3)));
				break;
			}
			continue;
		}
		if (len > size - off)
			len = size - off;
		{
			struct mtp_transfer x = { .opc = PEER_PC, .dpc = OUR_PC, .si = MTP3_SI_ISUP,
						  .data = data + off, .len = len };

			isup_up_transfer_ind(up, &x);
		}
		off += len;
	}
	isup_up_free(up);
	if (talloc_total_blocks(ctx) != 1)
		abort();
	talloc_free(ctx);
	return 0;
}
