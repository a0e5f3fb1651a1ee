/* isup_priv.h - ISUP codec internals shared by message and parameter code (Q.763) */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct isup_msg;

/* One known parameter: its presence bit and length bounds of its contents.
 * dec fills msg from len octets at p, returns 0 or -EINVAL with *reason set.
 * enc writes instance idx (generic number may repeat) into out, returns its
 * length, -ENOSPC or -EINVAL. */
struct isup_param_def {
	uint8_t code;
	uint8_t bit;
	uint8_t min_len;
	uint8_t max_len;
	int (*dec)(struct isup_msg *m, const uint8_t *p, size_t len, const char **reason);
	int (*enc)(const struct isup_msg *m, unsigned int idx, uint8_t *out, size_t size);
};

const struct isup_param_def *isup_param_def_by_code(uint8_t code);
const struct isup_param_def *isup_param_def_by_bit(unsigned int bit);
/* Number of instances of the parameter present in m (0, 1, or more for generic number). */
unsigned int isup_param_count(const struct isup_msg *m, const struct isup_param_def *d);
