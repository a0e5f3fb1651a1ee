/* vty_nodes.h - VTY node ids of the daemon's config objects (one node per object) */
#pragma once
#include <osmocom/vty/command.h>

enum gw_vty_node {
	M3UA_ASP_NODE = _LAST_OSMOVTY_NODE + 1,	/* asp NAME: one SG connection */
	M3UA_AS_NODE,				/* as NAME: routing context, traffic mode */
	CIC_GROUP_NODE,				/* circuit-group NAME: DPC and CIC range */
	ROUTE_NODE,				/* route PREFIX */
	SIP_NODE,				/* sip: listen addresses, trusted sources */
	ADMISSION_NODE,				/* admission: budget, reserve, watermarks */
	PEER_NODE,				/* peer NAME: a peer site */
	EMERGENCY_NODE,				/* emergency: numbers and supervision */
	ALARM_NODE,				/* alarm escalation */
	SIM_NODE,				/* pstn-sim config */
	GW_NODE,				/* gateway: point code, media mapping, site */
};
