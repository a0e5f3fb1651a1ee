/* call_sdp.c - the SDP this signalling-only gateway offers and answers (RFC 4566, RFC 3264) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "gateway/call_sdp.h"

/* Scan the payload types of the first "m=audio" line; return 8 if PCMA is offered, else 0 if
 * PCMU is, else -1. Bounded by the line: the offer is untrusted input. */
int call_sdp_pick_pt(const char *offer)
{
	const char *m, *eol, *p;
	bool pcma = false, pcmu = false;
	int field = 0;

	if (!offer)
		return 8;
	m = strstr(offer, "m=audio ");
	if (!m || (m != offer && m[-1] != '\n'))
		return -1;
	eol = m + strcspn(m, "\r\n");
	for (p = m + 2; p < eol; ) {
		const char *tok = p;
		size_t len = strcspn(p, " \r\n");

		if (tok + len > eol)
			len = eol - tok;
		/* fields: audio, port, proto, then payload types */
		if (field >= 3) {
			if (len == 1 && tok[0] == '8')
				pcma = true;
			else if (len == 1 && tok[0] == '0')
				pcmu = true;
		}
		field++;
		p = tok + len;
		while (p < eol && *p == ' ')
			p++;
	}
	return pcma ? 8 : pcmu ? 0 : -1;
}

bool call_sdp_offer_usable(const char *offer)
{
	return call_sdp_pick_pt(offer) >= 0;
}

char *call_sdp_make(void *ctx, const struct call_media_map *map, uint32_t dpc, uint16_t cic,
		    const char *offer)
{
	unsigned port = map->rtp_base + 2u * cic;
	int pt = call_sdp_pick_pt(offer);

	if (port > 65534)
		port = map->rtp_base;
	if (!offer)
		return talloc_asprintf(ctx,
			"v=0\r\no=sipisup-gw %u %u IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			"m=audio %u RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
			"a=ptime:20\r\na=sendrecv\r\n",
			dpc, cic, map->ip, map->ip, port);
	return talloc_asprintf(ctx,
		"v=0\r\no=sipisup-gw %u %u IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		"m=audio %u RTP/AVP %d\r\na=rtpmap:%d %s/8000\r\na=ptime:20\r\na=sendrecv\r\n",
		dpc, cic, map->ip, map->ip, port, pt < 0 ? 8 : pt, pt < 0 ? 8 : pt,
		pt == 0 ? "PCMU" : "PCMA");
}
