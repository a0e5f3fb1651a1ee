/* gw.h - the gateway: owns the SIP front end, the M3UA/ISUP side, routes, admission and calls */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/timer.h>

#include "gateway/call_sdp.h"
#include "gateway/cause_map.h"
#include "gateway/emergency.h"
#include "gateway/number.h"
#include "gateway/sip.h"

struct adm;
struct call;
struct cic;
struct cic_group;
struct esup;
struct ctrl_handle;
struct isup_msg;
struct isup_up;
struct m3ua_as;
struct pcap_trace;
struct peer_set;
struct rate_ctr_group;
struct route;
struct route_table;
struct sip_call_info;

#define GW_VTY_PORT	4250
#define GW_CTRL_PORT	4251
#define GW_CALL_HASH	4096	/* buckets of the call table by SIP ref (a power of two) */
#define GW_MAX_PEERS	16	/* peer sites */
#define GW_MAX_PROBES	64	/* OPTIONS probes outstanding (a power of two) */

#define GW_MAX_AS	32	/* M3UA application servers (M3UA_VTY_MAX_AS) */
#define GW_MAX_DESTS	32	/* destination -> AS lines */

/* Which AS carries the traffic for a DPC ("destination PC as NAME"); others use the first AS. */
struct gw_dest {
	uint32_t dpc;
	char as_name[32];
};

/* The MTP user binding of one AS: its pause/resume count only for the DPCs it carries. */
struct gw_as_bind {
	struct gw *gw;
	struct m3ua_as *as;
};

struct gw_probe {
	uint32_t ref;		/* 0: free */
	char peer[33];
};

struct gw {
	struct ctrl_handle *ctrl;
	uint16_t ctrl_port;		/* CTRL listens here (the ctrl node sets the address) */
	char *trace_path;		/* signalling trace (pcap) of every M3UA message, or NULL */
	struct pcap_trace *trace;
	struct adm *adm;
	struct peer_set *peers;
	struct sip_fe *sip;
	struct sip_fe_cfg sip_cfg;
	char sip_domain[64];		/* host part of the URIs we write (From, PAI) */
	char site_name[32];		/* this site in shed markers */
	char sos_number[33];		/* number urn:service:sos calls are routed by */
	struct gw_probe probes[GW_MAX_PROBES];
	uint16_t probe_seq;

	struct gw_as_bind as_bind[GW_MAX_AS];
	unsigned num_as;
	struct gw_dest dests[GW_MAX_DESTS];
	unsigned num_dests;
	struct isup_up *up;
	uint32_t opc;			/* our point code */
	uint8_t ni;			/* network indicator */

	struct route_table *routes;
	struct emergency_cfg *emerg;
	struct esup *esup;		/* emergency supervision and alarms */
	struct osmo_timer_list adm_poll;	/* feeds emergency refusals to esup, 1 s */
	uint64_t emerg_refused_seen[2][16];	/* [shed, refuse][reason] already reported */
	struct call_media_map media;

	struct llist_head calls;
	unsigned num_calls;
	uint32_t next_call_id;
	uint32_t next_sip_ref;
	struct call *call_hash[GW_CALL_HASH];
	struct rate_ctr_group *call_ctrs;
};

struct gw *gw_alloc(void *ctx);
void gw_vty_init(struct gw *gw);
int gw_start(struct gw *gw);
void gw_stop(struct gw *gw);

/* helpers of the call FSM */
struct cic_group *gw_route_cic_group(struct gw *gw, const struct route *rt);
enum gw_call_class gw_classify_sip(struct gw *gw, const struct sip_call_info *ci);
enum gw_call_class gw_classify_isup(struct gw *gw, const struct isup_msg *iam);
int gw_emergency_number_for_urn(struct gw *gw, const struct sip_call_info *ci, struct number *out);
const char *gw_privacy_str(const struct sip_call_info *ci);
uint32_t gw_new_sip_ref(struct gw *gw);
bool gw_sip_user_ok(const char *user);
void gw_call_hash_add(struct gw *gw, struct call *call);
void gw_call_hash_del(struct gw *gw, struct call *call);
