/* adm_shed.c - the shed-once marker: a call redirected or forwarded to a peer site is never shed again */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "admission/adm.h"

unsigned int adm_peer_max_oc(enum adm_class cls)
{
	static const unsigned int max_oc[_NUM_ADM_CLASS] = {
		[ADM_CLASS_EMERGENCY] = 100, [ADM_CLASS_PRIORITY] = 99, [ADM_CLASS_ORDINARY] = 0,
	};

	return cls < _NUM_ADM_CLASS ? max_oc[cls] : 0;
}

int adm_shed_mark(char *buf, size_t len, const char *site)
{
	int n;

	if (!site || !*site || strpbrk(site, " \t\r\n;,\"<>"))
		return -EINVAL;
	n = snprintf(buf, len, ADM_SHED_PARAM "=%s", site);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* Case-insensitive search for the parameter name followed by '=' or a delimiter, within len
 * bytes and without relying on a terminating NUL (the text comes from the network). */
bool adm_shed_marked(const char *text, size_t len)
{
	static const char name[] = ADM_SHED_PARAM;
	const size_t nlen = sizeof(name) - 1;

	if (!text)
		return false;
	for (size_t i = 0; i + nlen <= len; i++) {
		char next;

		if (strncasecmp(text + i, name, nlen))
			continue;
		/* must start a parameter: at the beginning or after ';', '?', '&' or space */
		if (i > 0 && (!text[i - 1] || !strchr(";?& \t", text[i - 1])))
			continue;
		next = i + nlen < len ? text[i + nlen] : '\0';
		if (next == '=' || next == ';' || next == '\0' || next == '>' || next == '&'
		    || next == ' ' || next == ',')
			return true;
	}
	return false;
}
