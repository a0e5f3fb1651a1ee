/* sigtran-decode.c - decode M3UA (RFC 4666) and ISUP (ITU-T Q.763) from hex lines or pcap into text */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osmocom/core/talloc.h>

#include "tools/decode.h"

enum input_kind {
	IN_M3UA,	/* hex lines, one M3UA message each */
	IN_ISUP,	/* hex lines, one ISUP message each (CIC first) */
	IN_PCAP,	/* capture file */
};

enum exit_code {
	EXIT_ALL_DECODED = 0,
	EXIT_SOME_FAILED = 1,
	EXIT_USAGE_OR_IO = 2,
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sigtran-decode [--m3ua | --isup] [FILE | -]\n"
"       sigtran-decode --pcap FILE [--tcp-port PORT]\n"
"\n"
"Decode M3UA (RFC 4666) and ISUP (ITU-T Q.763) messages into readable text, one block\n"
"per message.\n"
"\n"
"Hex input (FILE, or standard input when FILE is absent or '-'): one message per line,\n"
"hex digits with any whitespace and ':' between them; '#' starts a comment to the end\n"
"of the line; empty lines are skipped. A line is at most %d characters, a message at\n"
"most %d octets.\n"
"  --m3ua           each line is an M3UA message (default); DATA with SI 5 also shows\n"
"                   the ISUP message it carries\n"
"  --isup           each line is a bare ISUP message: CIC, message type, parameters\n"
"\n"
"Capture input:\n"
"  --pcap FILE      read a pcap file (link types raw IP 101, IPv4 228, Ethernet 1,\n"
"                   Linux cooked 113 and 276); decode M3UA in SCTP DATA chunks with\n"
"                   PPID 3 (every chunk of a packet)\n"
"  --tcp-port PORT  also decode M3UA over TCP to or from PORT, framed by the M3UA\n"
"                   length and reassembled per flow (at most %d flows, one message\n"
"                   of at most %d octets buffered per flow)\n"
"\n"
"  -h, --help       this text\n"
"\n"
"Each block starts with '--- message N:' and where the message came from (input line,\n"
"or pcap frame, time, addresses). A message that cannot be decoded gets a line\n"
"'error: <part>: <reason> at offset <n>' and decoding goes on with the next one.\n"
"The last line is a summary.\n"
"\n"
"Exit status: 0 every message decoded, 1 at least one message failed,\n"
"2 usage error or unreadable input.\n",
		DEC_MAX_LINE, DEC_MAX_MSG, DEC_TCP_MAX_FLOWS, DEC_MAX_MSG);
}

void dec_block_start(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	d->stats.messages++;
	fprintf(d->out, "%s--- message %lu: ", d->stats.messages > 1 ? "\n" : "", d->stats.messages);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}

void dec_error(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	d->stats.failed++;
	fprintf(d->out, "error: ");
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}

void dec_hex(struct dec *d, int indent, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(d->out, "%*s%04zx:", indent, "", i);
		fprintf(d->out, " %02x", buf[i]);
		if (i % 16 == 15 || i + 1 == len)
			fputc('\n', d->out);
	}
}

static int hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse one hex line into out. Returns the octet count, 0 for a line without digits, or -EINVAL
 * with the reason, column (1-based) included, written into why. */
static int hex_parse(const char *line, uint8_t *out, size_t out_size, char *why, size_t why_size)
{
	size_t n = 0, digits = 0, i;
	int hi = 0;

	for (i = 0; line[i] && line[i] != '#' && line[i] != '\n'; i++) {
		int c = (unsigned char)line[i], v;

		if (c == ' ' || c == '\t' || c == '\r' || c == ':' || c == '\v' || c == '\f')
			continue;
		v = hex_val(c);
		if (v < 0) {
			if (isprint(c))
				snprintf(why, why_size, "invalid character '%c' at column %zu", c, i + 1);
			else
				snprintf(why, why_size, "invalid character \\x%02x at column %zu", c, i + 1);
			return -EINVAL;
		}
		if (digits % 2 == 0) {
			hi = v;
		} else {
			if (n >= out_size) {
				snprintf(why, why_size, "message longer than the maximum (%zu octets) at column %zu",
					 out_size, i + 1);
				return -EINVAL;
			}
			out[n++] = (hi << 4) | v;
		}
		digits++;
	}
	if (digits % 2) {
		snprintf(why, why_size, "odd number of hex digits (%zu)", digits);
		return -EINVAL;
	}
	return n;
}

/* Read one line of at most DEC_MAX_LINE characters into line (size DEC_MAX_LINE + 2). A longer
 * line is consumed to its end and reported with *too_long. Returns false at end of input. */
static bool read_line(FILE *in, char *line, bool *too_long)
{
	size_t len;
	int c;

	*too_long = false;
	if (!fgets(line, DEC_MAX_LINE + 2, in))
		return false;
	len = strlen(line);
	if (len <= DEC_MAX_LINE || line[len - 1] == '\n')
		return true;
	*too_long = true;
	while ((c = getc(in)) != EOF && c != '\n')
		;
	return true;
}

static int decode_hex_stream(struct dec *d, FILE *in, enum input_kind kind)
{
	static char line[DEC_MAX_LINE + 2];
	static uint8_t msg[DEC_MAX_MSG];
	unsigned long lineno = 0;
	bool too_long;

	while (read_line(in, line, &too_long)) {
		char why[96];
		int n;

		lineno++;
		if (too_long) {
			dec_block_start(d, "line %lu", lineno);
			dec_error(d, "hex input: line longer than %d characters, skipped", DEC_MAX_LINE);
			continue;
		}
		n = hex_parse(line, msg, sizeof(msg), why, sizeof(why));
		if (n == 0)
			continue;
		dec_block_start(d, "line %lu", lineno);
		if (n < 0) {
			dec_error(d, "hex input: %s", why);
			continue;
		}
		if (kind == IN_ISUP)
			dec_isup(d, msg, n, 0);
		else
			dec_m3ua(d, msg, n);
	}
	if (ferror(in)) {
		fprintf(stderr, "sigtran-decode: read error: %s\n", strerror(errno));
		return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "m3ua", no_argument, NULL, 'm' },
		{ "isup", no_argument, NULL, 'i' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "tcp-port", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum input_kind kind = IN_M3UA;
	const char *pcap_path = NULL;
	struct dec d = { .out = stdout };
	bool kind_given = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
		case 'i':
			if (kind_given && kind != (c == 'm' ? IN_M3UA : IN_ISUP)) {
				fprintf(stderr, "sigtran-decode: --m3ua, --isup and --pcap exclude each other\n");
				return EXIT_USAGE_OR_IO;
			}
			kind = c == 'm' ? IN_M3UA : IN_ISUP;
			kind_given = true;
			break;
		case 'p':
			if (kind_given && kind != IN_PCAP) {
				fprintf(stderr, "sigtran-decode: --m3ua, --isup and --pcap exclude each other\n");
				return EXIT_USAGE_OR_IO;
			}
			kind = IN_PCAP;
			kind_given = true;
			pcap_path = optarg;
			break;
		case 't': {
			char *end;
			long port = strtol(optarg, &end, 10);

			if (!*optarg || *end || port < 1 || port > 65535) {
				fprintf(stderr, "sigtran-decode: --tcp-port: '%s' is not a port number\n", optarg);
				return EXIT_USAGE_OR_IO;
			}
			d.tcp_port = port;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_ALL_DECODED;
		default:
			usage(stderr);
			return EXIT_USAGE_OR_IO;
		}
	}
	if (d.tcp_port && kind != IN_PCAP) {
		fprintf(stderr, "sigtran-decode: --tcp-port applies to --pcap only\n");
		return EXIT_USAGE_OR_IO;
	}
	if ((kind == IN_PCAP && optind != argc) || argc - optind > 1) {
		fprintf(stderr, "sigtran-decode: unexpected argument '%s'\n", argv[argc - 1]);
		usage(stderr);
		return EXIT_USAGE_OR_IO;
	}

	d.ctx = talloc_named_const(NULL, 0, "sigtran-decode");
	if (!d.ctx)
		return EXIT_USAGE_OR_IO;
	if (kind == IN_PCAP) {
		rc = dec_pcap(&d, pcap_path);
	} else {
		const char *path = optind < argc ? argv[optind] : "-";
		FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;

		if (!in) {
			fprintf(stderr, "sigtran-decode: %s: %s\n", path, strerror(errno));
			talloc_free(d.ctx);
			return EXIT_USAGE_OR_IO;
		}
		rc = decode_hex_stream(&d, in, kind);
		if (in != stdin)
			fclose(in);
	}
	talloc_free(d.ctx);

	fprintf(d.out, "%s--- summary: %lu messages, %lu decoded, %lu failed", d.stats.messages ? "\n" : "",
		d.stats.messages, d.stats.messages - d.stats.failed, d.stats.failed);
	if (kind == IN_PCAP)
		fprintf(d.out, "; %lu frames read, %lu without M3UA", d.stats.frames, d.stats.frames_ignored);
	fputc('\n', d.out);
	if (fflush(d.out) != 0)
		return EXIT_USAGE_OR_IO;
	if (rc < 0)
		return EXIT_USAGE_OR_IO;
	return d.stats.failed ? EXIT_SOME_FAILED : EXIT_ALL_DECODED;
}
