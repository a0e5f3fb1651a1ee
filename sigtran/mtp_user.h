/* mtp_user.h - MTP-user service primitives offered by M3UA (RFC 4666 1.4.1, ITU-T Q.701 8) */
#pragma once
#include <stdint.h>
#include <stddef.h>

/* One MTP-TRANSFER request or indication; data points into the caller's buffer. */
struct mtp_transfer {
	uint32_t opc, dpc;
	uint8_t si, ni, mp, sls;
	const uint8_t *data;
	size_t len;
};

/* MTP-STATUS causes (RFC 4666 3.4.5 User/Cause, plus congestion) */
enum mtp_status_cause {
	MTP_STATUS_CONGESTED		= 0,	/* cong_level 1..3 (0: congestion ceased) */
	MTP_STATUS_UPU_UNKNOWN		= 1,	/* DUPU cause 0: unknown */
	MTP_STATUS_UPU_UNEQUIPPED	= 2,	/* DUPU cause 1: unequipped remote user */
	MTP_STATUS_UPU_INACCESSIBLE	= 3,	/* DUPU cause 2: inaccessible remote user */
	MTP_STATUS_RESTRICTED		= 4,	/* DRST: destination restricted */
};

/* status_ind: for MTP_STATUS_CONGESTED the last argument is the congestion level 0..3;
 * for MTP_STATUS_UPU_* it carries the unavailable user part (its SI). */
struct mtp_user_ops {
	void (*transfer_ind)(void *priv, const struct mtp_transfer *xfer);	/* MTP-TRANSFER indication, SI=5 ISUP */
	void (*pause_ind)(void *priv, uint32_t dpc);				/* MTP-PAUSE: dpc unavailable */
	void (*resume_ind)(void *priv, uint32_t dpc);				/* MTP-RESUME: dpc available */
	void (*status_ind)(void *priv, uint32_t dpc, int cause, int cong_level); /* MTP-STATUS: congestion / user part unavailable */
};
