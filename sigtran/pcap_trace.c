/* pcap_trace.c - signalling trace writer: libpcap format, IPv4 (RFC 791) + SCTP DATA (RFC 9260) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/utils.h>

#include "sigtran/pcap_trace.h"

/* Wireshark dissects M3UA only on SCTP, so each PDU is framed in a
 * synthetic IPv4/SCTP packet with the M3UA payload protocol identifier. */
#define LINKTYPE_RAW		101
#define PCAP_SNAPLEN		65535
#define IPV4_HDR_LEN		20
#define SCTP_COMMON_LEN		12
#define SCTP_DATA_HDR_LEN	16
#define SCTP_PPID_M3UA		3
#define FRAME_OVERHEAD		(IPV4_HDR_LEN + SCTP_COMMON_LEN + SCTP_DATA_HDR_LEN)
#define MAX_PDU			(PCAP_SNAPLEN - FRAME_OVERHEAD - 3)

enum pcap_trace_ctr {
	TRACE_CTR_WRITTEN,
	TRACE_CTR_DROPPED_FULL,
	TRACE_CTR_DROPPED_INVALID,
	TRACE_CTR_DROPPED_IO,
};

static const struct rate_ctr_desc trace_ctr_desc[] = {
	[TRACE_CTR_WRITTEN] = { "trace:written", "Frames written to the trace file" },
	[TRACE_CTR_DROPPED_FULL] = { "trace:dropped:full", "Frames dropped: file size cap reached" },
	[TRACE_CTR_DROPPED_INVALID] = { "trace:dropped:invalid", "Frames dropped: PDU empty or too large" },
	[TRACE_CTR_DROPPED_IO] = { "trace:dropped:io", "Frames dropped: write failed, trace stopped" },
};

static const struct rate_ctr_group_desc trace_ctrg_desc = {
	.group_name_prefix = "pcap_trace",
	.group_description = "Signalling trace writer",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(trace_ctr_desc),
	.ctr_desc = trace_ctr_desc,
};

struct pcap_trace {
	FILE *f;
	struct rate_ctr_group *ctrg;
	uint64_t max_bytes;
	uint64_t bytes;
	uint64_t written;
	uint64_t dropped;
	uint32_t tsn;
	uint16_t ip_id;
	uint16_t ssn;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* File and record headers are in host order, which the magic tells readers. */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

static int trace_destructor(struct pcap_trace *t)
{
	if (t->f)
		fclose(t->f);
	t->f = NULL;
	rate_ctr_group_free(t->ctrg);
	return 0;
}

static void drop(struct pcap_trace *t, enum pcap_trace_ctr why)
{
	t->dropped++;
	rate_ctr_inc2(t->ctrg, why);
}

struct pcap_trace *pcap_trace_open(void *ctx, const char *path)
{
	const struct pcap_file_hdr fh = {
		.magic = 0xa1b2c3d4, .major = 2, .minor = 4, .snaplen = PCAP_SNAPLEN,
		.linktype = LINKTYPE_RAW,
	};
	static unsigned int next_idx;
	struct pcap_trace *t = talloc_zero(ctx, struct pcap_trace);
	int saved;

	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	talloc_set_destructor(t, trace_destructor);
	t->ctrg = rate_ctr_group_alloc(t, &trace_ctrg_desc, next_idx++);
	if (!t->ctrg) {
		errno = ENOMEM;
		goto fail;
	}
	t->f = fopen(path, "wb");
	if (!t->f)
		goto fail;
	if (fwrite(&fh, sizeof(fh), 1, t->f) != 1 || fflush(t->f) != 0) {
		errno = EIO;
		goto fail;
	}
	t->bytes = sizeof(fh);
	t->max_bytes = PCAP_TRACE_DEFAULT_MAX_BYTES;
	t->tsn = 1;
	return t;
fail:
	saved = errno;
	talloc_free(t);
	errno = saved;
	return NULL;
}

void pcap_trace_set_max_bytes(struct pcap_trace *t, uint64_t max_bytes)
{
	t->max_bytes = max_bytes;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* RFC 9260 Appendix A: CRC32c (Castagnoli), reflected, bitwise. */
static uint32_t crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffff;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

int pcap_trace_m3ua(struct pcap_trace *t, const struct timeval *tv, uint32_t src_ip,
		    uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, uint16_t stream,
		    const uint8_t *m3ua, size_t len)
{
	uint8_t frame[PCAP_SNAPLEN];
	struct pcap_rec_hdr rh;
	size_t pad = (4 - (len & 3)) & 3, flen, sctp_len;
	uint8_t *ip = frame, *sctp = frame + IPV4_HDR_LEN, *chunk = sctp + SCTP_COMMON_LEN;
	uint32_t crc;

	if (len == 0 || len > MAX_PDU) {
		drop(t, TRACE_CTR_DROPPED_INVALID);
		return -EINVAL;
	}
	flen = FRAME_OVERHEAD + len + pad;
	if (!t->f) {
		drop(t, TRACE_CTR_DROPPED_IO);
		return -EIO;
	}
	if (t->bytes + sizeof(rh) + flen > t->max_bytes) {
		drop(t, TRACE_CTR_DROPPED_FULL);
		return -ENOSPC;
	}

	memset(frame, 0, FRAME_OVERHEAD);
	ip[0] = 0x45;
	put16(ip + 2, flen);
	put16(ip + 4, t->ip_id++);
	put16(ip + 6, 0x4000);		/* don't fragment */
	ip[8] = 64;
	ip[9] = 132;			/* SCTP */
	put32(ip + 12, src_ip);
	put32(ip + 16, dst_ip);
	put16(ip + 10, ip_checksum(ip, IPV4_HDR_LEN));

	put16(sctp, src_port);
	put16(sctp + 2, dst_port);
	put32(sctp + 4, 1);		/* verification tag: any non-zero value */

	chunk[0] = 0;			/* DATA */
	chunk[1] = 0x03;		/* B and E: unfragmented */
	put16(chunk + 2, SCTP_DATA_HDR_LEN + len);
	put32(chunk + 4, t->tsn++);
	put16(chunk + 8, stream);
	put16(chunk + 10, t->ssn++);
	put32(chunk + 12, SCTP_PPID_M3UA);
	memcpy(chunk + SCTP_DATA_HDR_LEN, m3ua, len);
	memset(chunk + SCTP_DATA_HDR_LEN + len, 0, pad);

	sctp_len = flen - IPV4_HDR_LEN;
	crc = crc32c(sctp, sctp_len);
	/* the CRC32c is stored least significant byte first */
	sctp[8] = crc & 0xff;
	sctp[9] = (crc >> 8) & 0xff;
	sctp[10] = (crc >> 16) & 0xff;
	sctp[11] = crc >> 24;

	rh.ts_sec = tv->tv_sec;
	rh.ts_usec = tv->tv_usec;
	rh.incl_len = flen;
	rh.orig_len = flen;
	if (fwrite(&rh, sizeof(rh), 1, t->f) != 1 || fwrite(frame, flen, 1, t->f) != 1
	    || fflush(t->f) != 0) {
		/* a partial record would corrupt the file: stop writing */
		fclose(t->f);
		t->f = NULL;
		drop(t, TRACE_CTR_DROPPED_IO);
		return -EIO;
	}
	t->bytes += sizeof(rh) + flen;
	t->written++;
	rate_ctr_inc2(t->ctrg, TRACE_CTR_WRITTEN);
	return 0;
}

uint64_t pcap_trace_written(const struct pcap_trace *t)
{
	return t->written;
}

uint64_t pcap_trace_dropped(const struct pcap_trace *t)
{
	return t->dropped;
}

struct rate_ctr_group *pcap_trace_ctrg(struct pcap_trace *t)
{
	return t->ctrg;
}

uint64_t pcap_trace_bytes(const struct pcap_trace *t)
{
	return t->bytes;
}

void pcap_trace_close(struct pcap_trace *t)
{
	talloc_free(t);
}
