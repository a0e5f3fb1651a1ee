/* decode_pcap.c - sigtran-decode: M3UA out of pcap files: IPv4, SCTP DATA PPID 3 (RFC 9260), TCP (RFC 4666 1.3.2.1) */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/m3ua.h"
#include "tools/decode.h"

#define ETH_HDR_LEN		14
#define SLL_HDR_LEN		16
#define SLL2_HDR_LEN		20
#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88a8
#define MAX_VLAN_TAGS		2
#define IPPROTO_NUM_TCP		6
#define IPPROTO_NUM_SCTP	132
#define SCTP_COMMON_LEN		12
#define SCTP_CHUNK_DATA		0
#define SCTP_DATA_HDR_LEN	16
#define SCTP_DATA_FLAG_E	0x01
#define SCTP_DATA_FLAG_B	0x02
#define TCP_FLAG_FIN		0x01
#define TCP_FLAG_SYN		0x02
#define TCP_FLAG_RST		0x04

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2		276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4		228
#endif

/* Where the IPv4 header starts for each link type we read. */
enum link_kind { LINK_IP, LINK_ETHERNET, LINK_SLL, LINK_SLL2 };

struct link_type {
	int dlt;
	enum link_kind kind;
	const char *name;
};

static const struct link_type link_types[] = {
	{ DLT_RAW, LINK_IP, "raw IP" },
	{ DLT_IPV4, LINK_IP, "IPv4" },
	{ DLT_EN10MB, LINK_ETHERNET, "Ethernet" },
	{ DLT_LINUX_SLL, LINK_SLL, "Linux cooked" },
	{ DLT_LINUX_SLL2, LINK_SLL2, "Linux cooked v2" },
};

/* One direction of a TCP connection carrying M3UA; buf holds the start of the next message. */
struct tcp_flow {
	bool in_use;
	bool synced;			/* next_seq is known */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t next_seq;
	unsigned long first_frame;	/* frame where the buffered octets started */
	size_t fill;
	uint8_t buf[DEC_MAX_MSG];
};

/* The frame being read: what a message block says about its origin. */
struct frame {
	unsigned long num;
	struct timeval ts;
	uint32_t saddr, daddr;
};

struct pcap_dec {
	struct dec *d;
	const struct link_type *link;
	struct frame fr;
	struct tcp_flow flows[DEC_TCP_MAX_FLOWS];
};

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint16_t rd16(const uint8_t *p)
{
	return ((uint16_t)p[0] << 8) | p[1];
}

static const char *ip_str(char *buf, size_t size, uint32_t a)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

static const char *time_str(char *buf, size_t size, const struct timeval *tv)
{
	struct tm tm;
	time_t t = tv->tv_sec;
	char date[32];

	if (!gmtime_r(&t, &tm) || !strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(date, sizeof(date), "%lld", (long long)tv->tv_sec);
	snprintf(buf, size, "%s.%06ld UTC", date, (long)tv->tv_usec);
	return buf;
}

/* "frame 3, 2023-11-14 22:13:20.000000 UTC, 10.0.0.1:2905 -> 10.0.0.2:2905, <what>" */
static void block_start(struct pcap_dec *p, unsigned long first_frame, uint32_t saddr, uint16_t sport,
			uint32_t daddr, uint16_t dport, const char *what)
{
	char t[64], s[16], dd[16], frames[48];

	if (first_frame && first_frame != p->fr.num)
		snprintf(frames, sizeof(frames), "frames %lu-%lu", first_frame, p->fr.num);
	else
		snprintf(frames, sizeof(frames), "frame %lu", p->fr.num);
	dec_block_start(p->d, "%s, %s, %s:%u -> %s:%u, %s", frames, time_str(t, sizeof(t), &p->fr.ts),
			ip_str(s, sizeof(s), saddr), sport, ip_str(dd, sizeof(dd), daddr), dport, what);
}

/* A frame-level problem: a block of its own, so that it counts as one failed message. */
static void frame_error(struct pcap_dec *p, const char *what, size_t offset)
{
	char t[64];

	dec_block_start(p->d, "frame %lu, %s", p->fr.num, time_str(t, sizeof(t), &p->fr.ts));
	dec_error(p->d, "%s at frame offset %zu", what, offset);
}

/* RFC 9260 3.2, 3.3.1: walk every chunk; DATA chunks with PPID 3 carry one M3UA message each. */
static void sctp_packet(struct pcap_dec *p, const uint8_t *pkt, size_t len, size_t base)
{
	uint16_t sport, dport;
	size_t pos = SCTP_COMMON_LEN;
	bool any = false;

	if (len < SCTP_COMMON_LEN) {
		frame_error(p, "SCTP: common header truncated", base);
		return;
	}
	sport = rd16(pkt);
	dport = rd16(pkt + 2);
	while (len - pos >= 4) {
		uint8_t type = pkt[pos], flags = pkt[pos + 1];
		uint16_t clen = rd16(pkt + pos + 2);
		char what[96];

		if (clen < 4 || clen > len - pos) {
			snprintf(what, sizeof(what), "SCTP: chunk type %u length %u beyond the packet", type, clen);
			frame_error(p, what, base + pos);
			return;
		}
		if (type == SCTP_CHUNK_DATA) {
			uint32_t tsn, ppid;
			uint16_t stream;

			if (clen < SCTP_DATA_HDR_LEN) {
				snprintf(what, sizeof(what), "SCTP: DATA chunk length %u below its header", clen);
				frame_error(p, what, base + pos);
				return;
			}
			tsn = rd32(pkt + pos + 4);
			stream = rd16(pkt + pos + 8);
			ppid = rd32(pkt + pos + 12);
			if (ppid == M3UA_PPID) {
				any = true;
				snprintf(what, sizeof(what), "SCTP stream %u TSN %" PRIu32, stream, tsn);
				block_start(p, 0, p->fr.saddr, sport, p->fr.daddr, dport, what);
				if ((flags & (SCTP_DATA_FLAG_B | SCTP_DATA_FLAG_E)) != (SCTP_DATA_FLAG_B | SCTP_DATA_FLAG_E))
					dec_error(p->d, "SCTP: DATA chunk is a fragment (B=%u E=%u), not reassembled, at frame offset %zu",
						  !!(flags & SCTP_DATA_FLAG_B), !!(flags & SCTP_DATA_FLAG_E), base + pos);
				else
					dec_m3ua(p->d, pkt + pos + SCTP_DATA_HDR_LEN, clen - SCTP_DATA_HDR_LEN);
			}
		}
		/* chunks are padded to 4 octets; the last one may lack its padding */
		pos += (clen + 3u) & ~3u;
		if (pos > len)
			break;
	}
	if (!any)
		p->d->stats.frames_ignored++;
}

static struct tcp_flow *flow_find(struct pcap_dec *p, uint16_t sport, uint16_t dport, bool create)
{
	struct tcp_flow *free_slot = NULL;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(p->flows); i++) {
		struct tcp_flow *f = &p->flows[i];

		if (!f->in_use) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (f->saddr == p->fr.saddr && f->daddr == p->fr.daddr && f->sport == sport && f->dport == dport)
			return f;
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, offsetof(struct tcp_flow, buf));
	free_slot->in_use = true;
	free_slot->saddr = p->fr.saddr;
	free_slot->daddr = p->fr.daddr;
	free_slot->sport = sport;
	free_slot->dport = dport;
	return free_slot;
}

/* Decode every complete message at the start of the flow buffer. A header that cannot be
 * right means the framing is lost: the buffer is dropped, false returned, and the next segment
 * is taken as the start of a message. */
static bool flow_drain(struct pcap_dec *p, struct tcp_flow *f)
{
	while (f->fill >= M3UA_HDR_LEN) {
		struct m3ua_decode_err err;
		int len = m3ua_hdr_check(f->buf, DEC_MAX_MSG, &err);

		if (len < 0) {
			char what[128];

			block_start(p, f->first_frame, f->saddr, f->sport, f->daddr, f->dport, "TCP");
			snprintf(what, sizeof(what), "M3UA over TCP: %s, framing lost, %zu buffered octets dropped",
				 err.what, f->fill);
			dec_error(p->d, "%s at offset %u", what, err.offset);
			f->fill = 0;
			return false;
		}
		if (f->fill < (size_t)len)
			return true;
		block_start(p, f->first_frame, f->saddr, f->sport, f->daddr, f->dport, "TCP");
		dec_m3ua(p->d, f->buf, len);
		memmove(f->buf, f->buf + len, f->fill - len);
		f->fill -= len;
		f->first_frame = p->fr.num;
	}
	return true;
}

static void flow_close(struct pcap_dec *p, struct tcp_flow *f, const char *why)
{
	if (f->fill) {
		block_start(p, f->first_frame, f->saddr, f->sport, f->daddr, f->dport, "TCP");
		dec_error(p->d, "M3UA over TCP: %s with %zu octets of an incomplete message", why, f->fill);
	}
	f->in_use = false;
}

/* RFC 4666 1.3.2.1 leaves framing over TCP to the length field; we append in-order segment data
 * to the flow's buffer, which holds at most one message, and cut messages off its start. */
static void tcp_segment(struct pcap_dec *p, const uint8_t *seg, size_t len, size_t base)
{
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	size_t hlen, plen;
	struct tcp_flow *f;
	const uint8_t *data;

	if (len < 20) {
		frame_error(p, "TCP: header truncated", base);
		return;
	}
	sport = rd16(seg);
	dport = rd16(seg + 2);
	if (sport != p->d->tcp_port && dport != p->d->tcp_port) {
		p->d->stats.frames_ignored++;
		return;
	}
	seq = rd32(seg + 4);
	hlen = (seg[12] >> 4) * 4u;
	flags = seg[13];
	if (hlen < 20 || hlen > len) {
		frame_error(p, "TCP: data offset beyond the segment", base + 12);
		return;
	}
	data = seg + hlen;
	plen = len - hlen;

	f = flow_find(p, sport, dport, true);
	if (!f) {
		char what[96];

		snprintf(what, sizeof(what), "TCP: flow table full (%d flows), segment not decoded", DEC_TCP_MAX_FLOWS);
		frame_error(p, what, base);
		return;
	}
	if (flags & TCP_FLAG_SYN) {
		f->fill = 0;
		f->next_seq = seq + 1;
		f->synced = true;
		if (!plen) {
			p->d->stats.frames_ignored++;
			return;
		}
		seq++;
	} else if (!f->synced) {
		/* capture began inside the connection: take the first segment as a message start */
		f->next_seq = seq;
		f->synced = true;
	}
	if (plen) {
		int32_t diff = (int32_t)(seq - f->next_seq);

		if (diff < 0) {
			/* retransmission: skip what was already taken */
			if ((size_t)-(int64_t)diff >= plen) {
				plen = 0;
			} else {
				data += -(int64_t)diff;
				plen -= -(int64_t)diff;
				seq = f->next_seq;
			}
		} else if (diff > 0) {
			char what[128];

			block_start(p, f->first_frame, f->saddr, f->sport, f->daddr, f->dport, "TCP");
			snprintf(what, sizeof(what), "TCP: %" PRId32 " octets missing before this segment (not captured), "
				 "%zu buffered octets dropped", diff, f->fill);
			dec_error(p->d, "%s at frame offset %zu", what, base + 4);
			f->fill = 0;
		}
		f->next_seq = seq + plen;
	}
	/* ACKs, FINs and whole retransmissions bring no M3UA octets */
	if (!plen)
		p->d->stats.frames_ignored++;
	while (plen) {
		size_t n = sizeof(f->buf) - f->fill;

		if (n > plen)
			n = plen;
		if (!f->fill)
			f->first_frame = p->fr.num;
		memcpy(f->buf + f->fill, data, n);
		f->fill += n;
		data += n;
		plen -= n;
		/* framing lost: the rest of this segment cannot be placed */
		if (!flow_drain(p, f))
			break;
	}
	if (flags & (TCP_FLAG_FIN | TCP_FLAG_RST))
		flow_close(p, f, flags & TCP_FLAG_RST ? "connection reset" : "connection closed");
}

/* RFC 791: header checks, then the transport. Fragments are not reassembled. */
static void ipv4_packet(struct pcap_dec *p, const uint8_t *ip, size_t len, size_t base)
{
	size_t ihl, total;
	uint16_t frag;
	char what[96];

	if (len < 20) {
		frame_error(p, "IPv4: header truncated", base);
		return;
	}
	if (ip[0] >> 4 != 4) {
		p->d->stats.frames_ignored++;
		return;
	}
	ihl = (ip[0] & 0x0f) * 4u;
	total = rd16(ip + 2);
	if (ihl < 20 || ihl > len) {
		frame_error(p, "IPv4: header length beyond the frame", base);
		return;
	}
	if (ip[9] != IPPROTO_NUM_SCTP && (ip[9] != IPPROTO_NUM_TCP || !p->d->tcp_port)) {
		p->d->stats.frames_ignored++;
		return;
	}
	p->fr.saddr = rd32(ip + 12);
	p->fr.daddr = rd32(ip + 16);
	if (total < ihl || total > len) {
		snprintf(what, sizeof(what), "IPv4: total length %zu beyond the %zu captured octets", total, len);
		frame_error(p, what, base + 2);
		return;
	}
	frag = rd16(ip + 6);
	if ((frag & 0x2000) || (frag & 0x1fff)) {
		snprintf(what, sizeof(what), "IPv4: fragment (offset %u, more fragments %u), not reassembled",
			 (frag & 0x1fff) * 8u, !!(frag & 0x2000));
		frame_error(p, what, base + 6);
		return;
	}
	if (ip[9] == IPPROTO_NUM_SCTP)
		sctp_packet(p, ip + ihl, total - ihl, base + ihl);
	else
		tcp_segment(p, ip + ihl, total - ihl, base + ihl);
}

static void frame(struct pcap_dec *p, const uint8_t *pkt, size_t len)
{
	size_t off = 0;
	uint16_t ethertype;
	unsigned tags;

	switch (p->link->kind) {
	case LINK_IP:
		ipv4_packet(p, pkt, len, 0);
		return;
	case LINK_ETHERNET:
		if (len < ETH_HDR_LEN)
			goto short_frame;
		ethertype = rd16(pkt + 12);
		off = ETH_HDR_LEN;
		for (tags = 0; tags < MAX_VLAN_TAGS && (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ); tags++) {
			if (len - off < 4)
				goto short_frame;
			ethertype = rd16(pkt + off + 2);
			off += 4;
		}
		break;
	case LINK_SLL:
		if (len < SLL_HDR_LEN)
			goto short_frame;
		ethertype = rd16(pkt + 14);
		off = SLL_HDR_LEN;
		break;
	case LINK_SLL2:
		if (len < SLL2_HDR_LEN)
			goto short_frame;
		ethertype = rd16(pkt);
		off = SLL2_HDR_LEN;
		break;
	default:
		return;
	}
	if (ethertype != ETHERTYPE_IPV4) {
		p->d->stats.frames_ignored++;
		return;
	}
	ipv4_packet(p, pkt + off, len - off, off);
	return;

short_frame:
	frame_error(p, "link layer: header truncated", 0);
}

int dec_pcap(struct dec *d, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	const u_char *pkt;
	struct pcap_dec *p;
	pcap_t *pc;
	unsigned i;
	int dlt, rc;

	pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		fprintf(stderr, "sigtran-decode: %s: %s\n", path, errbuf);
		return -EIO;
	}
	p = talloc_zero(d->ctx, struct pcap_dec);
	if (!p) {
		pcap_close(pc);
		return -ENOMEM;
	}
	p->d = d;
	dlt = pcap_datalink(pc);
	for (i = 0; i < ARRAY_SIZE(link_types); i++)
		if (link_types[i].dlt == dlt)
			p->link = &link_types[i];
	if (!p->link) {
		fprintf(stderr, "sigtran-decode: %s: link type %d (%s) not supported\n", path, dlt,
			pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "unknown");
		pcap_close(pc);
		talloc_free(p);
		return -EIO;
	}

	while ((rc = pcap_next_ex(pc, &hdr, &pkt)) == 1) {
		d->stats.frames++;
		p->fr = (struct frame){ .num = d->stats.frames, .ts = hdr->ts };
		frame(p, pkt, hdr->caplen);
	}
	for (i = 0; i < ARRAY_SIZE(p->flows); i++)
		if (p->flows[i].in_use)
			flow_close(p, &p->flows[i], "capture ended");
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "sigtran-decode: %s: after frame %lu: %s\n", path, d->stats.frames, pcap_geterr(pc));
		pcap_close(pc);
		talloc_free(p);
		return -EIO;
	}
	pcap_close(pc);
	talloc_free(p);
	return 0;
}
