/* sim.h - PSTN switch simulator: shared objects of the tool (M3UA SG side RFC 4666, ISUP Q.764) */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include <osmocom/core/timer.h>
#include <osmocom/core/select.h>
#include <osmocom/core/linuxlist.h>

struct osmo_fsm_inst;
struct osmo_tdef;
struct rate_ctr_group;
struct isup_msg;
struct m3ua_sg;
struct msgb;
struct sim;

/* Hard bounds of everything the simulator holds. */
#define SIM_MAX_CICS		4096	/* the whole 12-bit CIC space */
#define SIM_MAX_RULES		64
#define SIM_MAX_PREFIX		32
#define SIM_MAX_FAULT_AT	32
#define SIM_MAX_TIMERS		8	/* --timer settings */
#define SIM_MAX_ASPS		8	/* simultaneous ASP connections */
#define SIM_MAX_OUTSTANDING	1024	/* originated calls not yet back to idle */
#define SIM_MAX_CMD		200	/* one control command line */

/* What a rule does with an IAM whose called number matches its prefix. */
enum sim_action {
	SIM_ACT_ANSWER,		/* ACM at once, ANM after delay_ms, REL after hold_ms if > 0 */
	SIM_ACT_RING,		/* ACM, never answer */
	SIM_ACT_REJECT,		/* REL with cause */
	SIM_ACT_CPG,		/* ACM, CPG alerting after delay_ms, ANM after another delay_ms */
	SIM_ACT_NEVER,		/* no backward message at all: the gateway's T7 fires */
	SIM_ACT_SLOW,		/* every backward message delayed by delay_ms, then answered */
};

struct sim_rule {
	char prefix[SIM_MAX_PREFIX + 1];	/* "" is the default rule */
	enum sim_action action;
	uint32_t delay_ms;
	uint32_t hold_ms;
	uint8_t cause;
};

/* A scheduled fault: run command at_ms after start. */
struct sim_fault_at {
	uint32_t at_ms;
	char cmd[SIM_MAX_CMD + 1];
	struct osmo_timer_list timer;
	struct sim *sim;
};

struct sim_cfg {
	char listen_ip[64];
	uint16_t port;
	bool sctp;
	uint32_t local_pc, remote_pc;
	uint8_t ni;
	bool has_rc;
	uint32_t rc;
	uint16_t cic_first, cic_last;
	unsigned num_rules;
	struct sim_rule rules[SIM_MAX_RULES];

	/* origination */
	double orig_rate;		/* calls per second, 0 = off */
	char orig_called[SIM_MAX_PREFIX + 1];
	char orig_calling[SIM_MAX_PREFIX + 1];
	uint8_t orig_cpc, orig_nai;
	uint32_t orig_hold_ms;
	uint32_t orig_count;		/* 0 = until stopped */
	uint32_t orig_max_outstanding;

	unsigned num_timers;
	struct { int T; uint32_t ms; } timers[SIM_MAX_TIMERS];	/* applied over the defaults */

	uint16_t control_port;		/* 0 = no control socket */
	unsigned num_fault_at;
	struct sim_fault_at fault_at[SIM_MAX_FAULT_AT];
	int log_level;
};

/* One circuit. The call on it is driven by its FSM (sim_cic_fsm.c). */
struct sim_cic {
	struct sim *sim;
	uint16_t cic;
	struct osmo_fsm_inst *fi;
	struct osmo_timer_list timer;	/* the state's timer, see st_chg() */
	int timer_T;
	bool local_blocked;	/* we sent BLO/CGB: the gateway must not seize it */
	bool remote_blocked;	/* the gateway sent BLO/CGB: we must not originate on it */
	bool outgoing;		/* the call on it was originated by us */
	bool cpg_sent;
	uint8_t rel_cause;	/* cause of the REL we sent (for retransmission) */
	const struct sim_rule *rule;
};

struct sim {
	struct sim_cfg cfg;
	struct osmo_tdef *tdefs;
	struct rate_ctr_group *ctrg;

	/* circuits: index cic - cfg.cic_first */
	unsigned num_cics;
	struct sim_cic *cics;

	/* M3UA SG side */
	struct m3ua_sg *sg;
	uint64_t asp_dropped;

	/* faults */
	uint32_t slow_ms;		/* extra delay on every backward message */
	unsigned flap_left;
	uint32_t flap_interval_ms;
	struct osmo_timer_list flap_timer;
	struct osmo_fd ctl_ofd;

	/* originator */
	struct osmo_timer_list orig_timer;
	uint64_t orig_last_ms;
	double orig_credit;
	bool orig_running;
	uint32_t orig_sent;
	unsigned orig_outstanding;
	unsigned orig_cursor;

	/* counters not fitting a fixed descriptor table: per type and per cause */
	uint64_t isup_rx[256], isup_tx[256];
	uint64_t m3ua_rx[16][16], m3ua_tx[16][16];
	uint64_t m3ua_rx_class[16], m3ua_tx_class[16];
	uint64_t rejected_cause[128], failed_cause[128], abandoned_cause[128], released_cause[128];

	/* CPU accounting base */
	uint64_t cpu_base_us;
};

/* Counters of struct sim.ctrg; printed as "pstn-sim: <name with ':' as '.'> <value>". */
enum sim_ctr {
	SIM_CTR_CALLS_IN,
	SIM_CTR_CALLS_OUT,
	SIM_CTR_CALLS_ANSWERED,
	SIM_CTR_CALLS_ANSWERED_IN,
	SIM_CTR_CALLS_ANSWERED_OUT,
	SIM_CTR_CALLS_REJECTED,
	SIM_CTR_CALLS_FAILED,
	SIM_CTR_CALLS_ABANDONED,
	SIM_CTR_CALLS_TIMEOUT,
	SIM_CTR_CALLS_COMPLETED,
	SIM_CTR_CALLS_RESET,
	SIM_CTR_CALLS_NO_CIRCUIT,
	SIM_CTR_CALLS_DUAL_SEIZURE,
	SIM_CTR_CALLS_REFUSED_BLOCKED,
	SIM_CTR_ORIG_THROTTLED,
	SIM_CTR_REL_RETX,
	SIM_CTR_ERR_ISUP_DECODE,
	SIM_CTR_ERR_UNKNOWN_CIC,
	SIM_CTR_ERR_UNEXPECTED,
	SIM_CTR_ERR_WRONG_DPC,
	SIM_CTR_ERR_WRONG_OPC,
	SIM_CTR_ERR_NOT_ISUP,
	SIM_CTR_ERR_NO_ASP,
	SIM_CTR_ERR_TX,
	SIM_CTR_FAULT_DROP,
	SIM_CTR_FAULT_FLAP,
	SIM_CTR_FAULT_GRS_STORM,
	SIM_CTR_FAULT_BLOCK,
	SIM_CTR_FAULT_UNBLOCK,
	SIM_CTR_FAULT_MALFORMED,
	SIM_CTR_FAULT_DUNA,
	SIM_CTR_FAULT_DAVA,
	SIM_CTR_FAULT_SCON,
	SIM_CTR_FAULT_SLOW,
	SIM_CTR_FAULT_BEAT,
	SIM_CTR_CTL_COMMANDS,
	SIM_CTR_CTL_BAD,
};

/* Q.764 timers in struct sim.tdefs (milliseconds); the negative ones name the rules' own
 * delays in logs and are not in the table. */
enum sim_timer {
	SIM_T1 = 1,		/* Q.764 T1: REL sent, waiting for RLC; REL repeated at expiry */
	SIM_T7 = 7,		/* Q.764 T7: IAM sent, waiting for ACM */
	SIM_T9 = 9,		/* Q.764 T9: ACM received, waiting for ANM */
	SIM_T_DELAY = -1,	/* a rule's answer/alerting delay */
	SIM_T_HOLD = -2,	/* an answered call's hold time */
};

/* sim_config.c */
void sim_cfg_defaults(struct sim_cfg *cfg);
/* Apply one option by its long name (without dashes); -EINVAL with *why set on a bad value. */
int sim_cfg_option(struct sim_cfg *cfg, const char *name, const char *val, const char **why);
/* Read a config file of "option value" lines; -errno, or -EINVAL with *line_no set. */
int sim_cfg_load(struct sim_cfg *cfg, const char *path, unsigned *line_no, const char **why);
/* Parse "PREFIX:ACTION[:ARGS]". */
int sim_rule_parse(struct sim_rule *rule, const char *text, const char **why);
/* Longest matching prefix, else the default rule. Never NULL after sim_cfg_finish(). */
const struct sim_rule *sim_rule_match(const struct sim_cfg *cfg, const char *digits);
/* Check consistency and add the default rule (answer:0) if none was given. */
int sim_cfg_finish(struct sim_cfg *cfg, const char **why);
const char *sim_action_name(enum sim_action act);

/* sim_sg.c: the SG side of M3UA */
int sim_sg_start(struct sim *sim, void *ctx);
void sim_sg_stop(struct sim *sim);
uint16_t sim_sg_port(const struct sim *sim);
/* Send one ISUP message (already encoded) to the gateway over an active ASP; -ENOTCONN. */
int sim_sg_send_isup(struct sim *sim, const uint8_t *buf, size_t len, uint8_t sls);
/* Send arbitrary bytes as one M3UA message on an active ASP (fault injection). */
int sim_sg_send_raw(struct sim *sim, const uint8_t *buf, size_t len);
/* DUNA/DAVA/SCON (cong_level for SCON) to every ASP that is up; returns how many got it. */
int sim_sg_send_ssnm(struct sim *sim, uint8_t type, uint32_t pc, int cong_level);
void sim_sg_beat(struct sim *sim, bool answer);
void sim_sg_drop_all(struct sim *sim);
bool sim_sg_active(const struct sim *sim);
/* The association counters, as summary lines. */
void sim_sg_summary(struct sim *sim, void (*line)(void *priv, const char *key, uint64_t val), void *priv);

/* sim_isup.c: ISUP reception dispatch, circuit maintenance, transmission */
void sim_isup_rx(struct sim *sim, uint32_t opc, const uint8_t *data, size_t len);
/* Encode, count and send msg; msg is freed. */
int sim_isup_send(struct sim *sim, struct isup_msg *msg);
struct sim_cic *sim_cic_lookup(struct sim *sim, uint16_t cic);
/* Block (CGB) or unblock (CGU) first..last, in groups of at most 32 circuits. */
int sim_isup_block(struct sim *sim, uint16_t first, uint16_t last, bool block);
/* Send a GRS for every group of 32 circuits, n times. */
int sim_isup_grs_storm(struct sim *sim, unsigned n);
int sim_isup_send_malformed(struct sim *sim, unsigned n);

/* sim_cic_fsm.c: one call at a time per circuit */
enum sim_cic_event {
	SIM_CIC_EV_RX_IAM,	/* data: const struct isup_msg * (IAM) */
	SIM_CIC_EV_RX_ACM,	/* data: const struct isup_msg * (ACM) */
	SIM_CIC_EV_RX_CPG,	/* data: const struct isup_msg * (CPG) */
	SIM_CIC_EV_RX_ANM,	/* data: const struct isup_msg * (ANM or CON) */
	SIM_CIC_EV_RX_REL,	/* data: const struct isup_msg * (REL) */
	SIM_CIC_EV_RX_RLC,	/* data: const struct isup_msg * (RLC) */
	SIM_CIC_EV_RESET,	/* data: NULL; RSC/GRS received or sent: back to idle, no message */
	SIM_CIC_EV_ORIGINATE,	/* data: NULL; send an IAM from the originator settings */
};
int sim_cic_fsm_init(void);
/* Allocate the circuits and apply cfg.timers; -EINVAL for a timer that does not exist. */
int sim_cic_alloc_all(struct sim *sim, void *ctx);
/* Stop every circuit's timer and free the circuits (no message is sent). */
void sim_cic_free_all(struct sim *sim);
bool sim_cic_idle(const struct sim_cic *c);
void sim_cic_dispatch(struct sim_cic *c, enum sim_cic_event ev, const void *data);

/* sim_orig.c */
void sim_orig_start(struct sim *sim);
void sim_orig_stop(struct sim *sim);
/* An originated call ended (its circuit went back to idle). */
void sim_orig_done(struct sim *sim);

/* sim_fault.c: control socket, schedules and the fault commands */
int sim_fault_start(struct sim *sim);
/* Cancel the schedules and close the control socket. */
void sim_fault_stop(struct sim *sim);
/* Run one command; the reply lines go through out(). Returns 0, -EINVAL for a bad command,
 * or the command's failure (-ENOTCONN: no ASP to send to). */
int sim_fault_cmd(struct sim *sim, const char *line,
		  void (*out)(void *priv, const char *line), void *priv);

/* sim_summary.c */
int sim_summary_init(struct sim *sim, void *ctx);
void sim_summary_free(struct sim *sim);
void sim_summary_cpu_mark(struct sim *sim);
void sim_summary_print(struct sim *sim, void (*out)(void *priv, const char *line), void *priv);
void sim_ctr_inc(struct sim *sim, enum sim_ctr ctr);
void sim_count_m3ua(struct sim *sim, bool tx, uint8_t msg_class, uint8_t msg_type);
