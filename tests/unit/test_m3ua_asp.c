/* test_m3ua_asp.c - ASP FSM, AS and SG over TCP on 127.0.0.1 (RFC 4666 4.3, 4.5): up, active, DATA,
 * heartbeat, peer loss and reconnect, ERR, loadshare and override across two SG connections */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/application.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>

#include "common/log.h"
#include "sigtran/m3ua.h"
#include "sigtran/m3ua_as.h"
#include "sigtran/m3ua_asp.h"
#include "sigtran/m3ua_sg.h"
#include "sigtran/m3ua_transport.h"
#include "sigtran/mtp_user.h"

#define DPC_A	0x202
#define DPC_B	0x205
#define MAX_TRACE	2048

/* What crossed the wire, seen from the SG side. */
struct trace_ent {
	int sg;			/* index of the SG */
	unsigned conn;
	bool tx;		/* SG -> ASP */
	uint8_t cls, type;
	uint32_t err_code;	/* ERR: its Error Code */
	uint8_t sls;		/* DATA: its SLS */
	uint8_t hb[8];		/* BEAT/BEAT_ACK: Heartbeat Data */
	uint16_t hb_len;
};

/* What the MTP users (the AS user and the SG user) were told. */
struct user_log {
	unsigned transfers, pauses, resumes, statuses;
	struct mtp_transfer last;
	uint8_t last_data[64];
	uint32_t last_pause, last_resume, last_status_dpc;
	int last_cause, last_level;
	unsigned sls_seen[16];
};

static void *ctx;
static size_t base_blocks;
static struct trace_ent trace[MAX_TRACE];
static unsigned n_trace;
static struct user_log as_user, sg_user[2];
static struct m3ua_sg *sg[2];
static int sg_idx[2] = { 0, 1 };

static void trace_cb(void *priv, unsigned conn, bool tx, const uint8_t *buf, size_t len)
{
	struct m3ua_decode_err err;
	struct m3ua_msg m;
	struct trace_ent *t;

	if (n_trace >= MAX_TRACE || len < 4)
		return;
	t = &trace[n_trace++];
	*t = (struct trace_ent){ .sg = *(int *)priv, .conn = conn, .tx = tx, .cls = buf[2], .type = buf[3] };
	if (m3ua_decode(&m, buf, len, &err) == 0) {
		struct mtp_transfer x;

		m3ua_msg_get_u32(&m, M3UA_IEI_ERR_CODE, &t->err_code);
		const struct m3ua_param *hb = m3ua_msg_find(&m, M3UA_IEI_HEARTBT_DATA);

		if (m3ua_msg_get_pdata(&m, &x) == 0)
			t->sls = x.sls;
		if (hb) {
			t->hb_len = hb->len;
			memcpy(t->hb, hb->val, hb->len < sizeof(t->hb) ? hb->len : sizeof(t->hb));
		}
	}
}

static unsigned count(int sgi, bool tx, uint8_t cls, uint8_t type)
{
	unsigned i, n = 0;

	for (i = 0; i < n_trace; i++)
		n += (sgi < 0 || trace[i].sg == sgi) && trace[i].tx == tx && trace[i].cls == cls
		     && trace[i].type == type;
	return n;
}

static const struct trace_ent *last(int sgi, bool tx, uint8_t cls, uint8_t type)
{
	int i;

	for (i = n_trace - 1; i >= 0; i--)
		if (trace[i].sg == sgi && trace[i].tx == tx && trace[i].cls == cls && trace[i].type == type)
			return &trace[i];
	return NULL;
}

static void log_transfer(struct user_log *u, const struct mtp_transfer *x)
{
	u->transfers++;
	u->last = *x;
	memcpy(u->last_data, x->data, x->len < sizeof(u->last_data) ? x->len : sizeof(u->last_data));
	u->last.data = u->last_data;
	u->sls_seen[x->sls & 15]++;
}

static void as_transfer_ind(void *priv, const struct mtp_transfer *x) { log_transfer(&as_user, x); }
static void as_pause_ind(void *priv, uint32_t dpc) { as_user.pauses++; as_user.last_pause = dpc; }
static void as_resume_ind(void *priv, uint32_t dpc) { as_user.resumes++; as_user.last_resume = dpc; }
static void as_status_ind(void *priv, uint32_t dpc, int cause, int level)
{
	as_user.statuses++;
	as_user.last_status_dpc = dpc;
	as_user.last_cause = cause;
	as_user.last_level = level;
}

static void sg_transfer_ind(void *priv, const struct mtp_transfer *x) { log_transfer(priv, x); }

static const struct mtp_user_ops as_ops = {
	.transfer_ind = as_transfer_ind,
	.pause_ind = as_pause_ind,
	.resume_ind = as_resume_ind,
	.status_ind = as_status_ind,
};

static const struct mtp_user_ops sg_ops = {
	.transfer_ind = sg_transfer_ind,
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop until cond() holds or the deadline passes; bounded in iterations and time. */
static bool run_until(bool (*cond)(void *), void *arg, long timeout_ms)
{
	long end = now_ms() + timeout_ms;
	unsigned iter;

	for (iter = 0; iter < 200000 && now_ms() < end; iter++) {
		if (cond && cond(arg))
			return true;
		osmo_select_main(1);
		if (!cond || iter % 8 == 7) {
			struct timespec ts = { 0, 500000 };
			nanosleep(&ts, NULL);
		}
	}
	return cond ? cond(arg) : true;
}

static void run_for(long ms)
{
	run_until(NULL, NULL, ms);
}

static bool asp_active(void *arg)
{
	return m3ua_asp_get_state(arg) == M3UA_ASP_ST_ACTIVE;
}

static bool asp_not_active(void *arg)
{
	return m3ua_asp_get_state(arg) != M3UA_ASP_ST_ACTIVE;
}

static bool as_inactive(void *arg)
{
	return !m3ua_as_is_active(arg);
}

static unsigned wait_transfers;
static bool as_user_got(void *arg)
{
	return as_user.transfers >= wait_transfers;
}

static bool sg_user_got(void *arg)
{
	return ((struct user_log *)arg)->transfers >= wait_transfers;
}

static void start_sg(int i, uint32_t rc)
{
	struct m3ua_sg_cfg cfg;

	m3ua_sg_cfg_init(&cfg);
	cfg.proto = M3UA_PROTO_TCP;
	cfg.port = 0;
	cfg.rc_present = true;
	cfg.rc = rc;
	ck_assert_int_eq(m3ua_sg_start(&sg[i], ctx, &cfg, &sg_ops, &sg_user[i]), 0);
	m3ua_sg_set_trace(sg[i], trace_cb, &sg_idx[i]);
}

static struct m3ua_asp *make_asp(struct m3ua_as *as, const char *name, int sgi, unsigned beat_ms)
{
	struct m3ua_asp_cfg cfg;
	struct m3ua_asp *asp;

	m3ua_asp_cfg_init(&cfg, name);
	cfg.proto = M3UA_PROTO_TCP;
	cfg.remote_port = m3ua_sg_port(sg[sgi]);
	cfg.asp_id_present = true;
	cfg.asp_id = 100 + sgi;
	asp = m3ua_asp_alloc(ctx, &cfg);
	ck_assert_ptr_nonnull(asp);
	osmo_tdef_set(m3ua_asp_tdefs(asp), M3UA_T_BEAT, beat_ms, OSMO_TDEF_MS);
	osmo_tdef_set(m3ua_asp_tdefs(asp), M3UA_T_RECONN_MIN, 50, OSMO_TDEF_MS);
	osmo_tdef_set(m3ua_asp_tdefs(asp), M3UA_T_RECONN_MAX, 400, OSMO_TDEF_MS);
	osmo_tdef_set(m3ua_asp_tdefs(asp), M3UA_T_ACK, 300, OSMO_TDEF_MS);
	ck_assert_int_eq(m3ua_as_add_asp(as, asp), 0);
	return asp;
}

static struct m3ua_as *make_as(enum m3ua_traffic_mode mode)
{
	struct m3ua_as_cfg cfg;
	struct m3ua_as *as;

	m3ua_as_cfg_init(&cfg, "as0");
	cfg.mode = mode;
	cfg.rc_present = true;
	cfg.rc = 7;
	as = m3ua_as_alloc(ctx, &cfg, &as_ops, NULL);
	ck_assert_ptr_nonnull(as);
	ck_assert_int_eq(m3ua_as_dest_add(as, DPC_A), 0);
	ck_assert_int_eq(m3ua_as_dest_add(as, DPC_B), 0);
	return as;
}

static void setup(void)
{
	ctx = talloc_named_const(NULL, 0, "test");
	msgb_talloc_ctx_init(ctx, 0);
	base_blocks = talloc_total_blocks(ctx);
	n_trace = 0;
	memset(&as_user, 0, sizeof(as_user));
	memset(sg_user, 0, sizeof(sg_user));
	sg[0] = sg[1] = NULL;
}

static void teardown(void)
{
	m3ua_sg_free(sg[0]);
	m3ua_sg_free(sg[1]);
	ck_assert_uint_eq(talloc_total_blocks(ctx), base_blocks);
	talloc_free(ctx);
}

static const uint8_t iam[] = { 0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x0a, 0x08 };

static struct mtp_transfer xfer(uint8_t sls)
{
	return (struct mtp_transfer){ .opc = 0x101, .dpc = DPC_A, .si = 5, .ni = 2, .sls = sls,
				      .data = iam, .len = sizeof(iam) };
}

START_TEST(test_up_active_data_beat)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *asp;
	struct mtp_transfer x = xfer(3);
	uint16_t nt, ni;
	unsigned beats;
	uint8_t beat[] = { 1, 0, 3, 3, 0, 0, 0, 16, 0, 9, 0, 7, 'p', 'e', 'e', 0 };

	start_sg(0, 7);
	asp = make_asp(as, "asp0", 0, 100);
	ck_assert_int_eq(m3ua_as_transfer(as, &x), -ENOTCONN);
	ck_assert_int_eq(m3ua_as_start(as), 0);
	ck_assert(run_until(asp_active, asp, 3000));

	/* RFC 4666 4.3.4.1 / 4.3.4.3 on the wire: ASPUP, ASPUP_ACK, ASPAC, ASPAC_ACK, NTFY AS-ACTIVE */
	ck_assert_uint_eq(count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_UP), 1);
	ck_assert_uint_eq(count(0, true, M3UA_CLS_ASPSM, M3UA_ASPSM_UP_ACK), 1);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE), 1);
	ck_assert_uint_eq(count(0, true, M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE_ACK), 1);
	ck_assert_uint_eq(count(0, true, M3UA_CLS_MGMT, M3UA_MGMT_NTFY), 1);
	run_for(20);
	m3ua_asp_last_ntfy(asp, &nt, &ni);
	ck_assert_uint_eq(nt, M3UA_NTFY_T_STATCHG);
	ck_assert_uint_eq(ni, M3UA_NTFY_I_AS_ACT);
	ck_assert(m3ua_as_is_active(as));
	ck_assert_uint_eq(as_user.resumes, 2);
	ck_assert_uint_eq(as_user.pauses, 0);
	ck_assert(m3ua_as_dest_reachable(as, DPC_A));

	/* DATA ASP -> SG */
	wait_transfers = 1;
	ck_assert_int_eq(m3ua_as_transfer(as, &x), 0);
	ck_assert(run_until(sg_user_got, &sg_user[0], 2000));
	ck_assert_uint_eq(sg_user[0].last.opc, 0x101);
	ck_assert_uint_eq(sg_user[0].last.dpc, DPC_A);
	ck_assert_uint_eq(sg_user[0].last.si, 5);
	ck_assert_uint_eq(sg_user[0].last.ni, 2);
	ck_assert_uint_eq(sg_user[0].last.sls, 3);
	ck_assert_uint_eq(sg_user[0].last.len, sizeof(iam));
	ck_assert_mem_eq(sg_user[0].last_data, iam, sizeof(iam));
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_TX_DATA), 1);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_TX_XFER), 1);

	/* DATA SG -> ASP */
	x.opc = DPC_A;
	x.dpc = 0x101;
	ck_assert_int_eq(m3ua_sg_transfer(sg[0], &x), 0);
	ck_assert(run_until(as_user_got, NULL, 2000));
	ck_assert_uint_eq(as_user.last.opc, DPC_A);
	ck_assert_uint_eq(as_user.last.dpc, 0x101);
	ck_assert_mem_eq(as_user.last_data, iam, sizeof(iam));
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_RX_DATA), 1);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_RX_DATA_SI0 + 5), 1);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_RX_XFER), 1);

	/* Heartbeat: BEAT every 100 ms, each answered, none missed */
	beats = count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT);
	run_for(450);
	ck_assert_uint_ge(count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT), beats + 3);
	ck_assert_uint_ge(count(0, true, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK), beats + 3);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_BEAT_ACK_BAD), 0);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_PEER_LOST), 0);
	ck_assert_int_eq(m3ua_asp_get_state(asp), M3UA_ASP_ST_ACTIVE);

	/* The peer's BEAT is answered with BEAT_ACK echoing its data */
	beats = count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK);
	ck_assert_int_eq(m3ua_sg_send_raw(sg[0], 1, beat, sizeof(beat)), 0);
	run_for(50);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK), beats + 1);
	ck_assert_uint_eq(last(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK)->hb_len, 3);
	ck_assert_mem_eq(last(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK)->hb, "pee", 3);
	/* our own BEATs carry data that the SG echoed back unchanged */
	ck_assert_uint_eq(last(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT)->hb_len, 4);
	ck_assert_mem_eq(last(0, true, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT_ACK)->hb,
			 last(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_BEAT)->hb, 4);

	/* ASPIA / ASPAC on command */
	ck_assert_int_eq(m3ua_asp_inactivate(asp), 0);
	run_for(50);
	ck_assert_int_eq(m3ua_asp_get_state(asp), M3UA_ASP_ST_INACTIVE);
	ck_assert_int_eq(m3ua_sg_conn_state(sg[0], 1), M3UA_SG_ASP_INACTIVE);
	ck_assert_uint_eq(as_user.pauses, 2);
	ck_assert_int_eq(m3ua_as_transfer(as, &x), -ENOTCONN);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_TX_NO_ACTIVE), 2);
	ck_assert_int_eq(m3ua_asp_activate(asp), 0);
	ck_assert(run_until(asp_active, asp, 2000));
	ck_assert_uint_eq(as_user.resumes, 4);

	/* ASPDN on stop, no reconnect */
	m3ua_asp_stop(asp);
	run_for(50);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_DOWN), 1);
	ck_assert_uint_eq(count(0, true, M3UA_CLS_ASPSM, M3UA_ASPSM_DOWN_ACK), 1);
	ck_assert_int_eq(m3ua_asp_get_state(asp), M3UA_ASP_ST_DOWN);
	run_for(100);
	ck_assert_int_eq(m3ua_asp_get_state(asp), M3UA_ASP_ST_DOWN);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_ACCEPTED), 1);
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_peer_loss_reconnect)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *asp;

	start_sg(0, 7);
	asp = make_asp(as, "asp0", 0, 100);
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, asp, 3000));

	/* The SG stops answering BEAT: after 3 missed the peer is lost */
	m3ua_sg_set_beat_answer(sg[0], false);
	ck_assert(run_until(asp_not_active, asp, 2000));
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_PEER_LOST), 1);
	ck_assert_uint_ge(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_BEAT_IGNORED), 3);
	ck_assert_uint_eq(as_user.pauses, 2);
	ck_assert(!m3ua_as_dest_reachable(as, DPC_A));

	/* It answers again: reconnect with back-off, ASPUP, ASPAC, active */
	m3ua_sg_set_beat_answer(sg[0], true);
	ck_assert(run_until(asp_active, asp, 3000));
	ck_assert_uint_ge(m3ua_asp_ctr(asp, M3UA_ASP_CTR_RECONNECT), 1);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_ACCEPTED), 2);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_ASPSM, M3UA_ASPSM_UP), 2);
	ck_assert_uint_eq(as_user.resumes, 4);

	/* The peer closes the association: reconnect again */
	ck_assert_int_eq(m3ua_sg_close_conn(sg[0], 2), 0);
	ck_assert(run_until(asp_not_active, asp, 2000));
	ck_assert(run_until(asp_active, asp, 3000));
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_ACCEPTED), 3);
	ck_assert_uint_eq(as_user.pauses, 4);
	ck_assert_uint_eq(as_user.resumes, 6);
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_err_handling)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *asp;
	static const uint8_t bad_class[] = { 1, 0, 7, 1, 0, 0, 0, 8 };
	static const uint8_t bad_type[] = { 1, 0, 3, 9, 0, 0, 0, 8 };
	static const uint8_t daud[] = { 1, 0, 2, 3, 0, 0, 0, 16, 0, 0x12, 0, 8, 0, 0, 2, 2 };
	static const uint8_t aspup[] = { 1, 0, 3, 1, 0, 0, 0, 8 };
	static const uint8_t err[] = { 1, 0, 0, 0, 0, 0, 0, 16, 0, 0x0c, 0, 8, 0, 0, 0, 0x16 };
	static const uint8_t bad_rc[] = { 1, 0, 1, 1, 0, 0, 0, 0x24, 0, 6, 0, 8, 0, 0, 0, 9,
					  2, 0x10, 0, 0x14, 0, 0, 0, 1, 0, 0, 0, 2, 5, 2, 0, 0, 1, 2, 3, 4 };
	static const uint8_t bad_version[] = { 2, 0, 3, 1, 0, 0, 0, 8 };

	start_sg(0, 7);
	asp = make_asp(as, "asp0", 0, 0);
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, asp, 3000));

	/* Unsupported message class -> ERR 0x03 */
	m3ua_sg_send_raw(sg[0], 1, bad_class, sizeof(bad_class));
	run_for(50);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR), 1);
	ck_assert_uint_eq(last(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR)->err_code, M3UA_ERR_UNSUPP_MSG_CLASS);
	/* Unsupported message type -> ERR 0x04 */
	m3ua_sg_send_raw(sg[0], 1, bad_type, sizeof(bad_type));
	run_for(50);
	ck_assert_uint_eq(last(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR)->err_code, M3UA_ERR_UNSUPP_MSG_TYPE);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_RX_MALFORMED), 2);
	/* DAUD and ASPUP are for an SGP -> ERR 0x06 */
	m3ua_sg_send_raw(sg[0], 1, daud, sizeof(daud));
	run_for(50);
	ck_assert_uint_eq(last(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR)->err_code, M3UA_ERR_UNEXPECTED_MSG);
	m3ua_sg_send_raw(sg[0], 1, aspup, sizeof(aspup));
	run_for(50);
	ck_assert_uint_eq(last(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR)->err_code, M3UA_ERR_UNEXPECTED_MSG);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_RX_UNEXPECTED), 2);
	/* DATA for a routing context not ours -> ERR 0x19 */
	m3ua_sg_send_raw(sg[0], 1, bad_rc, sizeof(bad_rc));
	run_for(50);
	ck_assert_uint_eq(last(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR)->err_code, M3UA_ERR_INVAL_ROUT_CTX);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_RX_BAD_RC), 1);
	ck_assert_uint_eq(as_user.transfers, 0);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_TX_ERR), 5);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR), 5);
	/* ERR received: logged and counted, nothing sent back */
	m3ua_sg_send_raw(sg[0], 1, err, sizeof(err));
	run_for(50);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_RX_ERR), 1);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_MGMT, M3UA_MGMT_ERR), 5);
	ck_assert_int_eq(m3ua_asp_get_state(asp), M3UA_ASP_ST_ACTIVE);
	/* A frame with a bad version closes the TCP association, counted; then reconnect */
	m3ua_sg_send_raw(sg[0], 1, bad_version, sizeof(bad_version));
	ck_assert(run_until(asp_not_active, asp, 2000));
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_BAD_FRAME), 1);
	ck_assert(run_until(asp_active, asp, 3000));
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_loadshare_two_sg)
{
	struct m3ua_as *as = make_as(M3UA_TMT_LOADSHARE);
	struct m3ua_asp *a0, *a1;
	unsigned i;

	start_sg(0, 7);
	start_sg(1, 7);
	a0 = make_asp(as, "asp0", 0, 0);
	a1 = make_asp(as, "asp1", 1, 0);
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, a0, 3000));
	ck_assert(run_until(asp_active, a1, 3000));
	ck_assert(last(0, false, M3UA_CLS_ASPTM, M3UA_ASPTM_ACTIVE) != NULL);
	/* both dests resumed once, when the first ASP went active */
	ck_assert_uint_eq(as_user.resumes, 2);

	for (i = 0; i < 16; i++) {
		struct mtp_transfer x = xfer(i);

		ck_assert_int_eq(m3ua_as_transfer(as, &x), 0);
	}
	wait_transfers = 8;
	ck_assert(run_until(sg_user_got, &sg_user[0], 2000));
	ck_assert(run_until(sg_user_got, &sg_user[1], 2000));
	/* SLS spreading: even SLS on the first SG connection, odd on the second */
	for (i = 0; i < 16; i++) {
		ck_assert_uint_eq(sg_user[i % 2].sls_seen[i], 1);
		ck_assert_uint_eq(sg_user[(i + 1) % 2].sls_seen[i], 0);
	}
	ck_assert_uint_eq(m3ua_asp_ctr(a0, M3UA_ASP_CTR_TX_XFER), 8);
	ck_assert_uint_eq(m3ua_asp_ctr(a1, M3UA_ASP_CTR_TX_XFER), 8);

	/* One SG connection lost: all SLS go to the other; the destinations stay reachable */
	m3ua_sg_free(sg[0]);
	sg[0] = NULL;
	ck_assert(run_until(asp_not_active, a0, 2000));
	for (i = 0; i < 16; i++) {
		struct mtp_transfer x = xfer(i);

		ck_assert_int_eq(m3ua_as_transfer(as, &x), 0);
	}
	wait_transfers = 24;
	ck_assert(run_until(sg_user_got, &sg_user[1], 2000));
	ck_assert_uint_eq(as_user.pauses, 0);
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_override_failover)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *a0, *a1;
	struct mtp_transfer x = xfer(5);
	unsigned i;

	start_sg(0, 7);
	start_sg(1, 7);
	a0 = make_asp(as, "asp0", 0, 0);
	a1 = make_asp(as, "asp1", 1, 0);
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, a0, 3000));
	ck_assert(run_until(asp_active, a1, 3000));

	for (i = 0; i < 4; i++) {
		x.sls = i;
		ck_assert_int_eq(m3ua_as_transfer(as, &x), 0);
	}
	wait_transfers = 4;
	ck_assert(run_until(sg_user_got, &sg_user[0], 2000));
	run_for(20);
	ck_assert_uint_eq(sg_user[1].transfers, 0);

	/* The active SG goes away: traffic fails over to the standby connection */
	m3ua_sg_free(sg[0]);
	sg[0] = NULL;
	ck_assert(run_until(asp_not_active, a0, 2000));
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(m3ua_as_transfer(as, &x), 0);
	ck_assert(run_until(sg_user_got, &sg_user[1], 2000));
	ck_assert_uint_eq(as_user.pauses, 0);

	/* The last one goes too: MTP-PAUSE for every known DPC, transfers refused */
	m3ua_sg_free(sg[1]);
	sg[1] = NULL;
	ck_assert(run_until(as_inactive, as, 2000));
	ck_assert_uint_eq(as_user.pauses, 2);
	ck_assert_int_eq(m3ua_as_transfer(as, &x), -ENOTCONN);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_TX_NO_ACTIVE), 1);
	/* Reconnect keeps trying with exponential back-off: delays drawn from [25,50], [50,100],
	 * [100,200], [200,400] ms allow at most 3 attempts in the first 375 ms (a fixed 50 ms
	 * delay would make 7) and at least one. */
	run_for(300);
	ck_assert_uint_ge(m3ua_asp_ctr(a0, M3UA_ASP_CTR_RECONNECT), 2);
	ck_assert_uint_ge(m3ua_asp_ctr(a1, M3UA_ASP_CTR_RECONNECT), 1);
	ck_assert_uint_le(m3ua_asp_ctr(a1, M3UA_ASP_CTR_RECONNECT), 3);
	m3ua_as_free(as);
}
END_TEST

/* An SGP in override mode: a second ASP of the same AS going active displaces the first. */
START_TEST(test_alternate_asp_active)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *a0, *a1;
	uint16_t nt, ni;

	start_sg(0, 7);
	a0 = make_asp(as, "asp0", 0, 0);
	a1 = make_asp(as, "asp1", 0, 0);
	ck_assert_int_eq(m3ua_asp_start(a0), 0);
	ck_assert(run_until(asp_active, a0, 3000));
	ck_assert_int_eq(m3ua_asp_start(a1), 0);
	ck_assert(run_until(asp_active, a1, 3000));
	ck_assert(run_until(asp_not_active, a0, 2000));
	ck_assert_int_eq(m3ua_asp_get_state(a0), M3UA_ASP_ST_INACTIVE);
	m3ua_asp_last_ntfy(a0, &nt, &ni);
	ck_assert_uint_eq(nt, M3UA_NTFY_T_OTHER);
	ck_assert_uint_eq(ni, M3UA_NTFY_I_ALT_ASP_ACT);
	ck_assert(m3ua_as_is_active(as));
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_ssnm)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *asp;
	uint32_t pc;

	start_sg(0, 7);
	asp = make_asp(as, "asp0", 0, 0);
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, asp, 3000));
	ck_assert_uint_eq(count(0, false, M3UA_CLS_SSNM, M3UA_SSNM_DAUD), 0);

	pc = DPC_A;
	ck_assert_int_eq(m3ua_sg_send_ssnm(sg[0], 0, M3UA_SSNM_DUNA, &pc, 1, 0), 1);
	run_for(50);
	ck_assert_uint_eq(as_user.pauses, 1);
	ck_assert_uint_eq(as_user.last_pause, DPC_A);
	ck_assert_int_eq(m3ua_as_dest_state(as, DPC_A), M3UA_DEST_UNAVAILABLE);
	ck_assert_int_eq(m3ua_as_dest_state(as, DPC_B), M3UA_DEST_AVAILABLE);

	ck_assert_int_eq(m3ua_sg_send_ssnm(sg[0], 0, M3UA_SSNM_DAVA, &pc, 1, 0), 1);
	run_for(50);
	ck_assert_uint_eq(as_user.resumes, 3);
	ck_assert_uint_eq(as_user.last_resume, DPC_A);

	ck_assert_int_eq(m3ua_sg_send_ssnm(sg[0], 0, M3UA_SSNM_SCON, &pc, 1, 2), 1);
	run_for(50);
	ck_assert_uint_eq(as_user.statuses, 1);
	ck_assert_int_eq(as_user.last_cause, MTP_STATUS_CONGESTED);
	ck_assert_int_eq(as_user.last_level, 2);
	ck_assert_int_eq(m3ua_as_dest_state(as, DPC_A), M3UA_DEST_CONGESTED);

	ck_assert_int_eq(m3ua_sg_send_ssnm(sg[0], 0, M3UA_SSNM_DUPU, &pc, 1, (M3UA_UPU_INACCESSIBLE << 16) | 5), 1);
	run_for(50);
	ck_assert_uint_eq(as_user.statuses, 2);
	ck_assert_int_eq(as_user.last_cause, MTP_STATUS_UPU_INACCESSIBLE);
	ck_assert_int_eq(as_user.last_level, 5);

	/* Wildcard: mask 3 covers 0x200..0x207, both known destinations */
	pc = (3u << 24) | 0x200;
	ck_assert_int_eq(m3ua_sg_send_ssnm(sg[0], 0, M3UA_SSNM_DUNA, &pc, 1, 0), 1);
	run_for(50);
	ck_assert_uint_eq(as_user.pauses, 3);
	ck_assert_int_eq(m3ua_as_dest_state(as, DPC_A), M3UA_DEST_UNAVAILABLE);
	ck_assert_int_eq(m3ua_as_dest_state(as, DPC_B), M3UA_DEST_UNAVAILABLE);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_RX_DUNA), 2);

	/* A point code not yet known is recorded */
	pc = 0x300;
	m3ua_sg_send_ssnm(sg[0], 0, M3UA_SSNM_DUNA, &pc, 1, 0);
	run_for(50);
	ck_assert_int_eq(m3ua_as_dest_state(as, 0x300), M3UA_DEST_UNAVAILABLE);
	ck_assert_uint_eq(m3ua_as_num_dests(as), 3);

	/* Re-activation: DAUD for the unavailable destinations; the SG answers from its own view */
	m3ua_sg_close_conn(sg[0], 1);
	ck_assert(run_until(asp_not_active, asp, 2000));
	ck_assert(run_until(asp_active, asp, 3000));
	run_for(100);
	ck_assert_uint_eq(count(0, false, M3UA_CLS_SSNM, M3UA_SSNM_DAUD), 1);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_TX_DAUD), 1);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_RX_DAUD), 1);
	/* DPC_A was DUNA then DAVA at the SG, the wildcard is not a DAUD answer: DAVA; 0x300: DUNA */
	ck_assert_int_eq(m3ua_as_dest_state(as, DPC_A), M3UA_DEST_AVAILABLE);
	ck_assert_int_eq(m3ua_as_dest_state(as, 0x300), M3UA_DEST_UNAVAILABLE);
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_queue_bound)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_asp *asp;
	struct mtp_transfer x = xfer(1);
	int ok = 0, full = 0, i, rc;

	start_sg(0, 7);
	asp = make_asp(as, "asp0", 0, 0);
	m3ua_asp_cfg_rw(asp)->wqueue_max = 4;
	m3ua_as_start(as);
	ck_assert(run_until(asp_active, asp, 3000));
	run_for(20);
	/* Without running the loop nothing drains: the fifth message finds the queue full */
	for (i = 0; i < 10; i++) {
		rc = m3ua_as_transfer(as, &x);
		ok += rc == 0;
		full += rc == -ENOSPC;
	}
	ck_assert_int_eq(ok, 4);
	ck_assert_int_eq(full, 6);
	ck_assert_uint_eq(m3ua_as_ctr(as, M3UA_AS_CTR_TX_QUEUE_FULL), 6);
	ck_assert_uint_eq(m3ua_asp_ctr(asp, M3UA_ASP_CTR_TX_QUEUE_FULL), 6);
	ck_assert_uint_eq(m3ua_asp_conn_stats(asp)->queue_full, 6);
	wait_transfers = 4;
	ck_assert(run_until(sg_user_got, &sg_user[0], 2000));
	m3ua_as_free(as);
}
END_TEST

START_TEST(test_sg_conn_limit)
{
	struct m3ua_sg_cfg cfg;
	struct m3ua_as *as = make_as(M3UA_TMT_LOADSHARE);
	struct m3ua_asp *a0, *a1;

	m3ua_sg_cfg_init(&cfg);
	cfg.proto = M3UA_PROTO_TCP;
	cfg.port = 0;
	cfg.max_conns = 1;
	ck_assert_int_eq(m3ua_sg_start(&sg[0], ctx, &cfg, &sg_ops, &sg_user[0]), 0);
	a0 = make_asp(as, "asp0", 0, 0);
	a1 = make_asp(as, "asp1", 0, 0);
	m3ua_asp_start(a0);
	ck_assert(run_until(asp_active, a0, 3000));
	m3ua_asp_start(a1);
	run_for(200);
	ck_assert_int_ne(m3ua_asp_get_state(a1), M3UA_ASP_ST_ACTIVE);
	ck_assert_uint_ge(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_REFUSED), 1);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_ACCEPTED), 1);
	m3ua_as_free(as);
}
END_TEST

/* A scripted ASP speaking raw M3UA to the SG through the transport API. */
struct raw_peer {
	bool up, down;
	enum m3ua_conn_down_reason reason;
	unsigned n_rx;
	uint8_t cls[32], type[32];
	uint32_t err_code[32];
};

static void raw_up(void *priv, struct m3ua_conn *conn)
{
	((struct raw_peer *)priv)->up = true;
}

static void raw_rx(void *priv, struct m3ua_conn *conn, const uint8_t *buf, size_t len, uint16_t stream)
{
	struct raw_peer *p = priv;
	struct m3ua_decode_err err;
	struct m3ua_msg m;

	if (p->n_rx >= 32)
		return;
	ck_assert_int_eq(m3ua_decode(&m, buf, len, &err), 0);
	p->cls[p->n_rx] = m.msg_class;
	p->type[p->n_rx] = m.msg_type;
	m3ua_msg_get_u32(&m, M3UA_IEI_ERR_CODE, &p->err_code[p->n_rx]);
	p->n_rx++;
}

static void raw_down(void *priv, struct m3ua_conn *conn, enum m3ua_conn_down_reason reason)
{
	((struct raw_peer *)priv)->down = true;
	((struct raw_peer *)priv)->reason = reason;
}

static const struct m3ua_conn_ops raw_ops = { .up = raw_up, .rx = raw_rx, .down = raw_down };

static bool raw_is_up(void *arg) { return ((struct raw_peer *)arg)->up; }
static bool raw_is_down(void *arg) { return ((struct raw_peer *)arg)->down; }
static unsigned raw_want;
static bool raw_got(void *arg) { return ((struct raw_peer *)arg)->n_rx >= raw_want; }

static void raw_send(struct m3ua_conn *conn, const char *hex)
{
	struct msgb *msg = msgb_alloc(256, "raw");
	int n = osmo_hexparse(hex, msgb_data(msg), 256);

	ck_assert_int_gt(n, 0);
	msgb_put(msg, n);
	ck_assert_int_eq(m3ua_conn_send(conn, msg, 0), 0);
}

/* RFC 4666 4.3.4: the SGP refuses ASPTM and DATA before ASPUP, acknowledges in order, and
 * closes a TCP association whose frame length is beyond the maximum. */
START_TEST(test_sg_scripted_asp)
{
	struct raw_peer peer = { 0 };
	struct m3ua_conn *conn;
	unsigned i;

	start_sg(0, 7);
	ck_assert_int_eq(m3ua_conn_connect(&conn, ctx, M3UA_PROTO_TCP, NULL, 0, "127.0.0.1",
					   m3ua_sg_port(sg[0]), 0, &raw_ops, &peer), 0);
	ck_assert(run_until(raw_is_up, &peer, 2000));
	/* ASPAC and DATA while ASP-DOWN -> ERR Unexpected Message */
	raw_send(conn, "0100040100000010000b000800000001");
	raw_send(conn, "010001010000001c0210001100000001000000020502000301000000");
	raw_want = 2;
	ck_assert(run_until(raw_got, &peer, 2000));
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(peer.cls[i], M3UA_CLS_MGMT);
		ck_assert_uint_eq(peer.type[i], M3UA_MGMT_ERR);
		ck_assert_uint_eq(peer.err_code[i], M3UA_ERR_UNEXPECTED_MSG);
	}
	/* ASPUP -> ASPUP_ACK; ASPAC with a foreign routing context -> ERR Invalid Routing Context */
	raw_send(conn, "0100030100000008");
	raw_send(conn, "010004010000001000060008" "00000009");
	raw_want = 4;
	ck_assert(run_until(raw_got, &peer, 2000));
	ck_assert_uint_eq(peer.cls[2], M3UA_CLS_ASPSM);
	ck_assert_uint_eq(peer.type[2], M3UA_ASPSM_UP_ACK);
	ck_assert_uint_eq(peer.err_code[3], M3UA_ERR_INVAL_ROUT_CTX);
	ck_assert_int_eq(m3ua_sg_conn_state(sg[0], 1), M3UA_SG_ASP_INACTIVE);
	/* ASPAC -> ASPAC_ACK and NTFY AS-ACTIVE; a malformed message -> ERR with its code */
	raw_send(conn, "0100040100000010000b000800000002");
	raw_send(conn, "0100030100000010001100050000000000");
	raw_want = 7;
	ck_assert(run_until(raw_got, &peer, 2000));
	ck_assert_uint_eq(peer.type[4], M3UA_ASPTM_ACTIVE_ACK);
	ck_assert_uint_eq(peer.cls[5], M3UA_CLS_MGMT);
	ck_assert_uint_eq(peer.type[5], M3UA_MGMT_NTFY);
	ck_assert_uint_eq(peer.err_code[6], M3UA_ERR_PARAM_FIELD_ERR);
	ck_assert_int_eq(m3ua_sg_conn_state(sg[0], 1), M3UA_SG_ASP_ACTIVE);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_RX_MALFORMED), 1);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_TX_ERR), 4);
	/* A header announcing 64 KiB: the SG drops the association */
	raw_send(conn, "0100010100010000");
	ck_assert(run_until(raw_is_down, &peer, 2000));
	ck_assert_int_eq(peer.reason, M3UA_DOWN_PEER_CLOSED);
	run_for(20);
	ck_assert_int_eq(m3ua_sg_conn_state(sg[0], 1), -ENOENT);
	ck_assert_uint_eq(m3ua_sg_ctr(sg[0], M3UA_SG_CTR_BAD_FRAME), 1);
}
END_TEST

/* A silent SGP: accepts and records, never answers. */
static struct m3ua_conn *silent_conn;
static struct raw_peer silent_peer;

static void silent_accept(void *priv, struct m3ua_conn *conn)
{
	silent_conn = conn;
	m3ua_conn_set_ops(conn, &raw_ops, &silent_peer);
}

/* RFC 4666 4.3.4.1: without ASPUP_ACK, ASPUP is sent again every T(ack) (100 ms here). */
START_TEST(test_aspup_retransmit)
{
	struct m3ua_as *as = make_as(M3UA_TMT_OVERRIDE);
	struct m3ua_server *srv;
	struct m3ua_asp_cfg cfg;
	struct m3ua_asp *asp;
	unsigned i;

	memset(&silent_peer, 0, sizeof(silent_peer));
	silent_conn = NULL;
	ck_assert_int_eq(m3ua_server_listen(&srv, ctx, M3UA_PROTO_TCP, "127.0.0.1", 0, 0, silent_accept, NULL), 0);
	m3ua_asp_cfg_init(&cfg, "asp0");
	cfg.proto = M3UA_PROTO_TCP;
	cfg.remote_port = m3ua_server_port(srv);
	asp = m3ua_asp_alloc(ctx, &cfg);
	osmo_tdef_set(m3ua_asp_tdefs(asp), M3UA_T_ACK, 100, OSMO_TDEF_MS);
	m3ua_as_add_asp(as, asp);
	m3ua_asp_start(asp);
	raw_want = 1;
	ck_assert(run_until(raw_got, &silent_peer, 2000));
	run_for(350);
	/* the first at once, then one per 100 ms: 4 in 350 ms, never a burst */
	ck_assert_uint_ge(silent_peer.n_rx, 3);
	ck_assert_uint_le(silent_peer.n_rx, 5);
	for (i = 0; i < silent_peer.n_rx; i++) {
		ck_assert_uint_eq(silent_peer.cls[i], M3UA_CLS_ASPSM);
		ck_assert_uint_eq(silent_peer.type[i], M3UA_ASPSM_UP);
	}
	ck_assert_int_eq(m3ua_asp_get_state(asp), M3UA_ASP_ST_WAIT_UP_ACK);
	m3ua_as_free(as);
	m3ua_conn_close(silent_conn);
	m3ua_server_close(srv);
}
END_TEST

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	Suite *s = suite_create("m3ua_asp");
	TCase *tc = tcase_create("tcp");
	SRunner *sr;
	int failed;

	osmo_init_logging2(log_ctx, &gw_log_info);
	log_set_print_filename2(osmo_stderr_target, LOG_FILENAME_NONE);
	log_set_log_level(osmo_stderr_target, getenv("TEST_LOG") ? LOGL_DEBUG : LOGL_ERROR);
	log_set_print_extended_timestamp(osmo_stderr_target, !!getenv("TEST_LOG"));
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_up_active_data_beat);
	tcase_add_test(tc, test_peer_loss_reconnect);
	tcase_add_test(tc, test_err_handling);
	tcase_add_test(tc, test_loadshare_two_sg);
	tcase_add_test(tc, test_override_failover);
	tcase_add_test(tc, test_alternate_asp_active);
	tcase_add_test(tc, test_ssnm);
	tcase_add_test(tc, test_queue_bound);
	tcase_add_test(tc, test_sg_conn_limit);
	tcase_add_test(tc, test_sg_scripted_asp);
	tcase_add_test(tc, test_aspup_retransmit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	talloc_free(log_ctx);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
