/* m3ua_transport.c - M3UA association object: socket, bounded send queue, loop glue (RFC 4666 1.3.1) */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/talloc.h>

#include "common/log.h"
#include "sigtran/m3ua_transport_priv.h"

struct m3ua_server {
	struct osmo_fd ofd;
	enum m3ua_transport_proto proto;
	unsigned wqueue_max;
	m3ua_accept_cb accept_cb;
	void *priv;
	uint16_t port;
};

static void conn_free(struct m3ua_conn *conn)
{
	struct msgb *msg, *tmp;

	if (conn->ofd.fd >= 0) {
		osmo_fd_unregister(&conn->ofd);
		close(conn->ofd.fd);
		conn->ofd.fd = -1;
	}
	llist_for_each_entry_safe(msg, tmp, &conn->txq, list) {
		llist_del(&msg->list);
		msgb_free(msg);
	}
	conn->txq_len = 0;
	if (conn->in_cb)
		conn->dead = true;
	else
		talloc_free(conn);
}

void m3ua_conn_close(struct m3ua_conn *conn)
{
	if (!conn)
		return;
	conn_free(conn);
}

void m3ua_conn_fail(struct m3ua_conn *conn, enum m3ua_conn_down_reason reason)
{
	const struct m3ua_conn_ops *ops = conn->ops;
	void *priv = conn->priv;

	if (reason == M3UA_DOWN_BAD_FRAME)
		conn->stats.bad_frames++;
	LOGP(DM3UA, LOGL_NOTICE, "%s %s: association down (%d)\n", m3ua_proto_name(conn->proto),
	     conn->peer, reason);
	conn->in_cb++;
	if (conn->ofd.fd >= 0) {
		osmo_fd_unregister(&conn->ofd);
		close(conn->ofd.fd);
		conn->ofd.fd = -1;
	}
	if (ops && ops->down)
		ops->down(priv, conn, reason);
	conn->in_cb--;
	conn->dead = false;
	conn_free(conn);
}

bool m3ua_conn_deliver(struct m3ua_conn *conn, const uint8_t *buf, size_t len, uint16_t stream)
{
	conn->stats.rx_msgs++;
	conn->in_cb++;
	conn->ops->rx(conn->priv, conn, buf, len, stream);
	conn->in_cb--;
	if (conn->dead) {
		if (!conn->in_cb)
			talloc_free(conn);
		return false;
	}
	return true;
}

static int proto_write(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream)
{
	return conn->proto == M3UA_PROTO_TCP ? m3ua_tcp_write(conn, msg, stream)
					     : m3ua_sctp_write(conn, msg, stream);
}

/* Drain the queue until the socket would block; a partially written TCP message stays at the head. */
static int conn_flush(struct m3ua_conn *conn)
{
	while (!llist_empty(&conn->txq)) {
		struct msgb *msg = llist_first_entry(&conn->txq, struct msgb, list);
		int rc = proto_write(conn, msg, msg->cb[0]);

		if (rc == -EAGAIN || rc == -EWOULDBLOCK)
			break;
		if (rc < 0)
			return rc;
		if ((unsigned)rc < msgb_length(msg)) {
			msgb_pull(msg, rc);
			break;
		}
		llist_del(&msg->list);
		conn->txq_len--;
		conn->stats.tx_msgs++;
		msgb_free(msg);
	}
	if (llist_empty(&conn->txq))
		osmo_fd_write_disable(&conn->ofd);
	else
		osmo_fd_write_enable(&conn->ofd);
	return 0;
}

static void conn_established(struct m3ua_conn *conn)
{
	conn->connecting = false;
	if (conn->proto == M3UA_PROTO_SCTP)
		m3ua_sctp_setup(conn);
	osmo_fd_read_enable(&conn->ofd);
	conn->in_cb++;
	if (conn->ops && conn->ops->up)
		conn->ops->up(conn->priv, conn);
	conn->in_cb--;
}

static int conn_fd_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct m3ua_conn *conn = ofd->data;
	int rc;

	if (conn->connecting) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (!(what & OSMO_FD_WRITE))
			return 0;
		getsockopt(ofd->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err) {
			LOGP(DM3UA, LOGL_NOTICE, "%s %s: connect: %s\n", m3ua_proto_name(conn->proto),
			     conn->peer, strerror(err));
			m3ua_conn_fail(conn, M3UA_DOWN_CONNECT_FAILED);
			return 0;
		}
		osmo_fd_write_disable(ofd);
		conn_established(conn);
		if (conn->dead) {
			talloc_free(conn);
			return 0;
		}
		what &= ~OSMO_FD_WRITE;
		if (!llist_empty(&conn->txq))
			what |= OSMO_FD_WRITE;
	}
	if (what & OSMO_FD_READ) {
		rc = conn->proto == M3UA_PROTO_TCP ? m3ua_tcp_read(conn) : m3ua_sctp_read(conn);
		if (rc < 0)
			return 0;	/* conn is gone */
	}
	if (what & OSMO_FD_WRITE) {
		rc = conn_flush(conn);
		if (rc < 0)
			m3ua_conn_fail(conn, rc == -EPIPE || rc == -ECONNRESET ? M3UA_DOWN_PEER_CLOSED
										 : M3UA_DOWN_IO_ERROR);
	}
	return 0;
}

static struct m3ua_conn *conn_alloc(void *ctx, enum m3ua_transport_proto proto, int fd, unsigned wqueue_max)
{
	struct m3ua_conn *conn = talloc_zero(ctx, struct m3ua_conn);

	if (!conn)
		return NULL;
	conn->proto = proto;
	conn->txq_max = wqueue_max ? wqueue_max : M3UA_WQUEUE_DEFAULT;
	conn->num_streams = 1;
	INIT_LLIST_HEAD(&conn->txq);
	osmo_fd_setup(&conn->ofd, fd, 0, conn_fd_cb, conn, 0);
	return conn;
}

static int proto_socket(enum m3ua_transport_proto proto)
{
	return proto == M3UA_PROTO_TCP ? m3ua_tcp_socket() : m3ua_sctp_socket();
}

static int fill_addr(struct sockaddr_in *sin, const char *ip, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (!ip || !*ip) {
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -EINVAL;
}

int m3ua_conn_connect(struct m3ua_conn **out, void *ctx, enum m3ua_transport_proto proto,
		      const char *lip, uint16_t lport, const char *rip, uint16_t rport,
		      unsigned wqueue_max, const struct m3ua_conn_ops *ops, void *priv)
{
	struct sockaddr_in local, remote;
	struct m3ua_conn *conn;
	int fd, rc;

	if (fill_addr(&remote, rip, rport) < 0 || fill_addr(&local, lip, lport) < 0)
		return -EINVAL;
	fd = proto_socket(proto);
	if (fd < 0)
		return fd;
	if ((lip && *lip) || lport) {
		if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	rc = connect(fd, (struct sockaddr *)&remote, sizeof(remote));
	if (rc < 0 && errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		return rc;
	}
	conn = conn_alloc(ctx, proto, fd, wqueue_max);
	if (!conn) {
		close(fd);
		return -ENOMEM;
	}
	conn->ops = ops;
	conn->priv = priv;
	conn->connecting = true;
	snprintf(conn->peer, sizeof(conn->peer), "%s:%u", rip, rport);
	osmo_fd_write_enable(&conn->ofd);
	if (osmo_fd_register(&conn->ofd) < 0) {
		close(fd);
		talloc_free(conn);
		return -EIO;
	}
	*out = conn;
	return 0;
}

int m3ua_conn_send(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream)
{
	if (conn->txq_len >= conn->txq_max) {
		conn->stats.queue_full++;
		msgb_free(msg);
		return -ENOSPC;
	}
	if (stream >= conn->num_streams)
		stream = 0;
	msg->cb[0] = stream;
	msgb_enqueue(&conn->txq, msg);
	conn->txq_len++;
	if (!conn->connecting)
		osmo_fd_write_enable(&conn->ofd);
	return 0;
}

void m3ua_conn_set_ops(struct m3ua_conn *conn, const struct m3ua_conn_ops *ops, void *priv)
{
	conn->ops = ops;
	conn->priv = priv;
}

const struct m3ua_conn_stats *m3ua_conn_stats(const struct m3ua_conn *conn)
{
	return &conn->stats;
}

unsigned m3ua_conn_queue_len(const struct m3ua_conn *conn)
{
	return conn->txq_len;
}

enum m3ua_transport_proto m3ua_conn_proto(const struct m3ua_conn *conn)
{
	return conn->proto;
}

unsigned m3ua_conn_num_streams(const struct m3ua_conn *conn)
{
	return conn->num_streams;
}

const char *m3ua_conn_peer_name(const struct m3ua_conn *conn)
{
	return conn->peer;
}

const char *m3ua_proto_name(enum m3ua_transport_proto proto)
{
	return proto == M3UA_PROTO_TCP ? "tcp" : "sctp";
}

static int server_fd_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct m3ua_server *srv = ofd->data;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct m3ua_conn *conn;
	char ip[INET_ADDRSTRLEN];
	int fd;

	fd = accept4(ofd->fd, (struct sockaddr *)&sin, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	/* Accepted associations outlive the listener: they hang off its parent context. */
	conn = conn_alloc(talloc_parent(srv), srv->proto, fd, srv->wqueue_max);
	if (!conn) {
		close(fd);
		return 0;
	}
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	snprintf(conn->peer, sizeof(conn->peer), "%s:%u", ip, ntohs(sin.sin_port));
	if (osmo_fd_register(&conn->ofd) < 0) {
		close(fd);
		talloc_free(conn);
		return 0;
	}
	if (srv->proto == M3UA_PROTO_SCTP)
		m3ua_sctp_setup(conn);
	osmo_fd_read_enable(&conn->ofd);
	srv->accept_cb(srv->priv, conn);
	return 0;
}

int m3ua_server_listen(struct m3ua_server **out, void *ctx, enum m3ua_transport_proto proto,
		       const char *ip, uint16_t port, unsigned wqueue_max,
		       m3ua_accept_cb accept_cb, void *priv)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct m3ua_server *srv;
	int fd, rc, one = 1;

	if (fill_addr(&sin, ip, port) < 0)
		return -EINVAL;
	fd = proto_socket(proto);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 16) < 0
	    || getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	srv = talloc_zero(ctx, struct m3ua_server);
	if (!srv) {
		close(fd);
		return -ENOMEM;
	}
	srv->proto = proto;
	srv->wqueue_max = wqueue_max;
	srv->accept_cb = accept_cb;
	srv->priv = priv;
	srv->port = ntohs(sin.sin_port);
	osmo_fd_setup(&srv->ofd, fd, OSMO_FD_READ, server_fd_cb, srv, 0);
	if (osmo_fd_register(&srv->ofd) < 0) {
		close(fd);
		talloc_free(srv);
		return -EIO;
	}
	*out = srv;
	return 0;
}

uint16_t m3ua_server_port(const struct m3ua_server *srv)
{
	return srv->port;
}

void m3ua_server_close(struct m3ua_server *srv)
{
	if (!srv)
		return;
	osmo_fd_unregister(&srv->ofd);
	close(srv->ofd.fd);
	talloc_free(srv);
}
