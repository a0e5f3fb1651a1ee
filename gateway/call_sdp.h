/* call_sdp.h - the SDP this signalling-only gateway offers and answers (RFC 4566, RFC 3264) */
#pragma once
#include <stdbool.h>
#include <stdint.h>


/* Media gateway mapping: RTP goes to ip, port base + 2 * CIC (one even port per circuit). */
struct call_media_map {
	char ip[64];
	uint16_t rtp_base;
};

/* True if an offer can be answered: no offer at all (we offer in the 200), or an audio
 * stream listing PCMA (8) or PCMU (0). */
bool call_sdp_offer_usable(const char *offer);

/* A talloc'd SDP body for the circuit's media at map (an answer to offer, or an offer when
 * offer is NULL), choosing PCMA before PCMU. NULL on allocation failure. */
char *call_sdp_make(void *ctx, const struct call_media_map *map, uint32_t dpc, uint16_t cic,
		    const char *offer);

/* The payload type the answer uses: 8, 0, or -1 when the offer has neither. */
int call_sdp_pick_pt(const char *offer);
