/* pcap_trace.h - signalling trace: M3UA PDUs in IPv4/SCTP frames, libpcap file format */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct pcap_trace;
struct rate_ctr_group;

/* Default cap on the file size; past it records are dropped and counted. */
#define PCAP_TRACE_DEFAULT_MAX_BYTES	(64u * 1024 * 1024)

/* Create (truncate) path and write the file header (LINKTYPE_RAW, IPv4).
 * Returns NULL on failure with errno set. Freeing the object closes the file. */
struct pcap_trace *pcap_trace_open(void *ctx, const char *path);

/* Cap the file at max_bytes (header included). A record that would pass
 * the cap is not written: the file stays valid and the drop is counted. */
void pcap_trace_set_max_bytes(struct pcap_trace *t, uint64_t max_bytes);

/* Append one frame: IPv4 header, SCTP common header and one DATA chunk
 * (flags B|E, PPID 3 = M3UA) on the given stream carrying the M3UA PDU.
 * Addresses and ports in host byte order. TSN and stream sequence numbers
 * come from per-trace counters. Returns 0, -ENOSPC (dropped, file full),
 * -EINVAL (PDU empty or too large for one frame) or -EIO (a write failed:
 * the trace stops there, later frames are dropped too). */
int pcap_trace_m3ua(struct pcap_trace *t, const struct timeval *tv, uint32_t src_ip,
		    uint16_t src_port, uint32_t dst_ip, uint16_t dst_port, uint16_t stream,
		    const uint8_t *m3ua, size_t len);

uint64_t pcap_trace_written(const struct pcap_trace *t);	/* records written */
uint64_t pcap_trace_dropped(const struct pcap_trace *t);	/* records dropped */
uint64_t pcap_trace_bytes(const struct pcap_trace *t);		/* file size so far */
/* "trace:written", "trace:dropped:full", "trace:dropped:invalid", "trace:dropped:io" */
struct rate_ctr_group *pcap_trace_ctrg(struct pcap_trace *t);

/* Flush and close; t is freed. */
void pcap_trace_close(struct pcap_trace *t);
