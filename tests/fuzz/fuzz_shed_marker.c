/* fuzz_shed_marker.c - the shed-once marker scan over hostile header text (bounded by its length, no NUL) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "admission/adm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: any read past the end is caught by ASan */
	char *text = malloc(size ? size : 1), *site = malloc(size + 1);
	char buf[64];

	memcpy(text, data, size);
	adm_shed_marked(text, size);
	memcpy(site, data, size);
	site[size] = '\0';
	adm_shed_mark(buf, sizeof(buf), site);
	free(site);
	free(text);
	return 0;
}
