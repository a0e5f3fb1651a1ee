/* log.c - log category table shared by the daemon, the tools and the tests */
#include <osmocom/core/utils.h>
#include "common/log.h"

static const struct log_info_cat gw_log_cats[] = {
	[DM3UA] = { .name = "DM3UA", .description = "M3UA (RFC 4666)", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DISUP] = { .name = "DISUP", .description = "ISUP codec (Q.763)", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DCIC] = { .name = "DCIC", .description = "Circuit supervision (Q.764)", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSIP] = { .name = "DSIP", .description = "SIP front end", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DCALL] = { .name = "DCALL", .description = "Call interworking", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DROUTE] = { .name = "DROUTE", .description = "Routing and number translation", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DADM] = { .name = "DADM", .description = "Admission control", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DPEER] = { .name = "DPEER", .description = "Peer sites", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DALARM] = { .name = "DALARM", .description = "Alarms and emergency supervision", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSIM] = { .name = "DSIM", .description = "PSTN simulator", .enabled = 1, .loglevel = LOGL_NOTICE },
};

const struct log_info gw_log_info = {
	.cat = gw_log_cats,
	.num_cat = ARRAY_SIZE(gw_log_cats),
};
