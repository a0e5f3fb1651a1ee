/* m3ua_transport.h - M3UA associations over kernel SCTP (RFC 4666 1.3.1) or length-framed TCP */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct msgb;
struct m3ua_conn;
struct m3ua_server;

enum m3ua_transport_proto {
	M3UA_PROTO_SCTP,	/* production default: one-to-one SCTP socket, PPID 3 */
	M3UA_PROTO_TCP,		/* M3UA framed by its own length field */
};

#define M3UA_SCTP_STREAMS	16	/* outbound streams requested; stream 0 for management */
#define M3UA_WQUEUE_DEFAULT	256	/* default send queue bound, messages */

/* Why a connection went down (the err of m3ua_conn_ops.down). */
enum m3ua_conn_down_reason {
	M3UA_DOWN_CONNECT_FAILED,	/* connect() failed or was refused */
	M3UA_DOWN_PEER_CLOSED,		/* orderly close or reset by the peer */
	M3UA_DOWN_BAD_FRAME,		/* framing error: bad version or length */
	M3UA_DOWN_IO_ERROR,		/* read/write error */
};

struct m3ua_conn_ops {
	/* Association established (connect completed or accepted). */
	void (*up)(void *priv, struct m3ua_conn *conn);
	/* One complete M3UA message; buf is valid during the call only. stream 0 on TCP. */
	void (*rx)(void *priv, struct m3ua_conn *conn, const uint8_t *buf, size_t len, uint16_t stream);
	/* Association lost; conn is freed after the call returns. */
	void (*down)(void *priv, struct m3ua_conn *conn, enum m3ua_conn_down_reason reason);
};

/* Per-connection statistics, readable at any time. */
struct m3ua_conn_stats {
	uint64_t rx_msgs, tx_msgs;
	uint64_t bad_frames;		/* framing errors that closed the connection */
	uint64_t queue_full;		/* sends refused with -ENOSPC */
};

/* Connect to rip:rport (optionally bound to lip, NULL for any). Non-blocking: ops->up or
 * ops->down follows from the select loop. Returns -EPROTONOSUPPORT when the kernel lacks SCTP. */
int m3ua_conn_connect(struct m3ua_conn **out, void *ctx, enum m3ua_transport_proto proto,
		      const char *lip, uint16_t lport, const char *rip, uint16_t rport,
		      unsigned wqueue_max, const struct m3ua_conn_ops *ops, void *priv);

/* Queue one message (ownership passes, also on error). -ENOSPC when the queue is full. */
int m3ua_conn_send(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream);

/* Close and free without calling ops->down. Safe from within an ops callback. */
void m3ua_conn_close(struct m3ua_conn *conn);

/* Replace the callbacks (an accepted connection is handed to its owner this way). */
void m3ua_conn_set_ops(struct m3ua_conn *conn, const struct m3ua_conn_ops *ops, void *priv);

const struct m3ua_conn_stats *m3ua_conn_stats(const struct m3ua_conn *conn);
unsigned m3ua_conn_queue_len(const struct m3ua_conn *conn);
enum m3ua_transport_proto m3ua_conn_proto(const struct m3ua_conn *conn);
/* Number of outbound streams usable for DATA (1 on TCP). */
unsigned m3ua_conn_num_streams(const struct m3ua_conn *conn);
/* "ip:port" of the peer. */
const char *m3ua_conn_peer_name(const struct m3ua_conn *conn);

/* Called for every accepted connection (allocated under the server's talloc parent);
 * the owner must call m3ua_conn_set_ops() or close it. */
typedef void (*m3ua_accept_cb)(void *priv, struct m3ua_conn *conn);

/* Listen on ip:port; port 0 picks a free one (see m3ua_server_port). */
int m3ua_server_listen(struct m3ua_server **out, void *ctx, enum m3ua_transport_proto proto,
		       const char *ip, uint16_t port, unsigned wqueue_max,
		       m3ua_accept_cb accept_cb, void *priv);
uint16_t m3ua_server_port(const struct m3ua_server *srv);
/* Stop listening; accepted connections stay up. */
void m3ua_server_close(struct m3ua_server *srv);

const char *m3ua_proto_name(enum m3ua_transport_proto proto);
