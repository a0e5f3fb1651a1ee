/* m3ua_transport_priv.h - association internals shared by the TCP and SCTP transports */
#pragma once
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/select.h>

#include "sigtran/m3ua.h"
#include "sigtran/m3ua_transport.h"

struct m3ua_conn {
	struct osmo_fd ofd;
	enum m3ua_transport_proto proto;
	bool connecting;			/* non-blocking connect in progress */
	const struct m3ua_conn_ops *ops;
	void *priv;
	struct llist_head txq;			/* msgb; stream number in msgb->cb[0] */
	unsigned txq_len, txq_max;
	unsigned num_streams;
	unsigned in_cb;				/* depth of user callbacks on the stack */
	bool dead;				/* closed from a callback; freed when it returns */
	struct m3ua_conn_stats stats;
	char peer[64];
	size_t rx_have;				/* TCP: octets of the current message so far */
	size_t rx_need;				/* TCP: its total length once the header is read */
	uint8_t rxbuf[M3UA_MAX_MSG];
};

/* Deliver a complete message to the owner; returns false when the conn died meanwhile. */
bool m3ua_conn_deliver(struct m3ua_conn *conn, const uint8_t *buf, size_t len, uint16_t stream);
/* Tear down on a transport failure and tell the owner. */
void m3ua_conn_fail(struct m3ua_conn *conn, enum m3ua_conn_down_reason reason);

/* Per-protocol hooks (m3ua_tcp.c, m3ua_sctp.c). */
int m3ua_tcp_socket(void);
int m3ua_tcp_read(struct m3ua_conn *conn);		/* 0, or -1 after m3ua_conn_fail/close */
int m3ua_tcp_write(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream);	/* bytes, -errno */
int m3ua_sctp_socket(void);				/* -EPROTONOSUPPORT without kernel SCTP */
int m3ua_sctp_setup(struct m3ua_conn *conn);		/* after connect/accept: stream count */
int m3ua_sctp_read(struct m3ua_conn *conn);
int m3ua_sctp_write(struct m3ua_conn *conn, struct msgb *msg, uint16_t stream);
