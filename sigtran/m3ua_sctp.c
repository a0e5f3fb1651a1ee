/* m3ua_sctp.c - M3UA over kernel SCTP, one-to-one socket, PPID 3, streams (RFC 4666 1.3.1, 3.1) */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <sys/socket.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>

#include "common/log.h"
#include "sigtran/m3ua_transport_priv.h"

int m3ua_sctp_socket(void)
{
	struct sctp_initmsg init = {
		.sinit_num_ostreams = M3UA_SCTP_STREAMS,
		.sinit_max_instreams = M3UA_SCTP_STREAMS,
	};
	struct sctp_event_subscribe ev = {
		.sctp_data_io_event = 1,
		.sctp_association_event = 1,
		.sctp_shutdown_event = 1,
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	int rc;

	if (fd < 0) {
		rc = -errno;
		LOGP(DM3UA, LOGL_ERROR, "sctp: socket: %s\n", strerror(errno));
		return rc;
	}
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) < 0
	    || setsockopt(fd, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* The peer may grant fewer outbound streams than requested (RFC 4960 5.1.1). */
int m3ua_sctp_setup(struct m3ua_conn *conn)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(conn->ofd.fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len) < 0)
		return -errno;
	conn->num_streams = st.sstat_outstrms ? st.sstat_outstrms : 1;
	return 0;
}

int m3ua_sctp_read(struct m3ua_conn *conn)
{
	struct sctp_sndrcvinfo sinfo;
	struct m3ua_decode_err err;
	int flags = 0, len;
	ssize_t n;

	memset(&sinfo, 0, sizeof(sinfo));
	n = sctp_recvmsg(conn->ofd.fd, conn->rxbuf, sizeof(conn->rxbuf), NULL, NULL, &sinfo, &flags);
	if (n == 0) {
		m3ua_conn_fail(conn, M3UA_DOWN_PEER_CLOSED);
		return -1;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		m3ua_conn_fail(conn, M3UA_DOWN_IO_ERROR);
		return -1;
	}
	if (flags & MSG_NOTIFICATION) {
		const union sctp_notification *nf = (const void *)conn->rxbuf;

		if (nf->sn_header.sn_type == SCTP_SHUTDOWN_EVENT
		    || (nf->sn_header.sn_type == SCTP_ASSOC_CHANGE
			&& (nf->sn_assoc_change.sac_state == SCTP_COMM_LOST
			    || nf->sn_assoc_change.sac_state == SCTP_SHUTDOWN_COMP))) {
			m3ua_conn_fail(conn, M3UA_DOWN_PEER_CLOSED);
			return -1;
		}
		return 0;
	}
	/* SCTP keeps message boundaries: a message larger than our maximum arrives without EOR. */
	if (!(flags & MSG_EOR) || n < M3UA_HDR_LEN) {
		m3ua_conn_fail(conn, M3UA_DOWN_BAD_FRAME);
		return -1;
	}
	len = m3ua_hdr_check(conn->rxbuf, n, &err);
	if (len < 0 || len != n) {
		LOGP(DM3UA, LOGL_ERROR, "sctp %s: bad message length\n", conn->peer);
		m3ua_conn_fail(conn, M3UA_DOWN_BAD_FRAME);
		return -1;
	}
	if (ntohl(sinfo.sinfo_ppid) != M3UA_PPID && sinfo.sinfo_ppid != 0)
		LOGP(DM3UA, LOGL_NOTICE, "sctp %s: PPID %u, expected %u\n", conn->peer,
		     ntohl(sinfo.sinfo_ppid), M3UA_PPID);
	return m3ua_conn_deliver(conn, conn->rxbuf, n, sinfo.sinfo_stream) ? 0 : -1;
}

int m3ua_sctp_write(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream)
{
	int n = sctp_sendmsg(conn->ofd.fd, msgb_data(msg), msgb_length(msg), NULL, 0,
			     htonl(M3UA_PPID), 0, stream, 0, 0);

	return n < 0 ? -errno : n;
}
