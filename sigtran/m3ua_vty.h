/* m3ua_vty.h - config and show commands of M3UA ASPs and ASs (nodes "asp NAME", "as NAME") */
#pragma once

struct m3ua_as;
struct m3ua_asp;

#define M3UA_VTY_MAX_ASP	32	/* asp nodes in one config */
#define M3UA_VTY_MAX_AS		32	/* as nodes in one config: one per switch or SG */

/* Install the nodes and commands; ASPs and ASs made by the config live under ctx. */
void m3ua_vty_init(void *ctx);
/* Objects the config made, by name or index (NULL when absent). */
struct m3ua_asp *m3ua_vty_asp_find(const char *name);
struct m3ua_as *m3ua_vty_as_find(const char *name);
struct m3ua_as *m3ua_vty_as(unsigned idx);
/* Free every object the config made (shutdown, tests). */
void m3ua_vty_free_all(void);
