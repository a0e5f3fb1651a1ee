/* log.h - the daemon's log categories, one per layer (STYLE.md: DSIP, DCALL, DISUP, ...) */
#pragma once
#include <osmocom/core/logging.h>

enum gw_log_cat {
	DM3UA,		/* M3UA codec, ASP/AS state machines, transports */
	DISUP,		/* ISUP codec and message handling */
	DCIC,		/* circuit supervision (Q.764 circuit FSMs) */
	DSIP,		/* SIP front end */
	DCALL,		/* call interworking FSM */
	DROUTE,		/* routing and number translation */
	DADM,		/* admission control, budget, shedding */
	DPEER,		/* peer sites: health probes, overload feedback */
	DALARM,		/* alarms and emergency supervision */
	DSIM,		/* PSTN simulator */
	_NUM_GW_LOG_CAT
};

extern const struct log_info gw_log_info;
