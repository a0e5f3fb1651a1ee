/* decode.h - sigtran-decode internals: text rendering of M3UA (RFC 4666) and ISUP (Q.763), pcap input */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Bounds of the tool's input. Anything beyond them is reported as an error, never truncated. */
#define DEC_MAX_LINE		32768	/* characters in one hex input line */
#define DEC_MAX_MSG		4104	/* octets in one message (M3UA_MAX_MSG) */
#define DEC_TCP_MAX_FLOWS	64	/* TCP flows reassembled at the same time */

/* Counts of one run, for the summary and the exit status. */
struct dec_stats {
	unsigned long messages;		/* message blocks printed */
	unsigned long failed;		/* blocks that reported an error */
	unsigned long frames;		/* pcap frames read */
	unsigned long frames_ignored;	/* pcap frames without M3UA (other protocols, ports, PPIDs) */
};

/* One run of the decoder: where the text goes, what it has counted. */
struct dec {
	FILE *out;
	void *ctx;			/* talloc parent of the decoded ISUP messages */
	struct dec_stats stats;
	int tcp_port;			/* pcap: M3UA over TCP to/from this port, 0 = TCP ignored */
};

/* Start the block of the next message: "--- message N: <origin>". */
void dec_block_start(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print an error line for the current block and count the block as failed. */
void dec_error(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hex dump of buf on one line per 16 octets, each line prefixed by indent spaces. */
void dec_hex(struct dec *d, int indent, const uint8_t *buf, size_t len);

/* Render one M3UA message (DATA with SI 5 also renders its ISUP). 0, or -EBADMSG after
 * printing which part was bad. */
int dec_m3ua(struct dec *d, const uint8_t *buf, size_t len);

/* Render one ISUP message (CIC first). base: offset of buf in the enclosing message, for
 * error reports (0 for a bare ISUP message). 0, -EBADMSG or -ENOMEM. */
int dec_isup(struct dec *d, const uint8_t *buf, size_t len, size_t base);

/* Render every M3UA message of a capture file. 0, or -EIO (file unreadable; message printed). */
int dec_pcap(struct dec *d, const char *path);
