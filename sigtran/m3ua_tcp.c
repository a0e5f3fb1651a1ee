/* m3ua_tcp.c - M3UA over TCP, framed by the M3UA common header length (RFC 4666 3.1) */
#include <errno.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>

#include "common/log.h"
#include "sigtran/m3ua_transport_priv.h"

/* Messages delivered per readable event, so one busy peer cannot starve the loop. */
#define TCP_RX_BURST	32

int m3ua_tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Read the 8-octet header first, validate version and length against the maximum, then the body. */
int m3ua_tcp_read(struct m3ua_conn *conn)
{
	unsigned burst;

	for (burst = 0; burst < TCP_RX_BURST; ) {
		size_t want = conn->rx_need ? conn->rx_need : M3UA_HDR_LEN;
		ssize_t n = read(conn->ofd.fd, conn->rxbuf + conn->rx_have, want - conn->rx_have);

		if (n == 0) {
			m3ua_conn_fail(conn, M3UA_DOWN_PEER_CLOSED);
			return -1;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			m3ua_conn_fail(conn, errno == ECONNRESET ? M3UA_DOWN_PEER_CLOSED : M3UA_DOWN_IO_ERROR);
			return -1;
		}
		conn->rx_have += n;
		if (conn->rx_have < want)
			continue;
		if (!conn->rx_need) {
			struct m3ua_decode_err err;
			int len = m3ua_hdr_check(conn->rxbuf, M3UA_MAX_MSG, &err);

			if (len < 0) {
				/* A stream with a bad length cannot be resynchronised: close it. */
				LOGP(DM3UA, LOGL_ERROR, "tcp %s: bad frame: %s\n", conn->peer, err.what);
				m3ua_conn_fail(conn, M3UA_DOWN_BAD_FRAME);
				return -1;
			}
			conn->rx_need = len;
			if ((size_t)len > M3UA_HDR_LEN)
				continue;
		}
		conn->rx_have = 0;
		want = conn->rx_need;
		conn->rx_need = 0;
		burst++;
		if (!m3ua_conn_deliver(conn, conn->rxbuf, want, 0))
			return -1;
	}
	return 0;
}

int m3ua_tcp_write(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream)
{
	ssize_t n = send(conn->ofd.fd, msgb_data(msg), msgb_length(msg), MSG_NOSIGNAL);

	return n < 0 ? -errno : (int)n;
}
