/* adm_src.c - bounded per-source new-call rate table (GCRA token buckets, least recently seen eviction) */
#include <errno.h>
#include <string.h>
#include <osmocom/core/talloc.h>
#include "admission/adm_internal.h"

/* Pack kind, address and port so that equal sources give equal keys. */
static void src_key(uint8_t key[ADM_SRC_KEY_LEN], const struct adm_source *src)
{
	memset(key, 0, ADM_SRC_KEY_LEN);
	key[0] = src->kind;
	switch (src->kind) {
	case ADM_SRC_IPV4:
		memcpy(key + 1, &src->addr.v4, 4);
		break;
	case ADM_SRC_IPV6:
		memcpy(key + 1, &src->addr.v6, 16);
		break;
	case ADM_SRC_ISUP_OPC:
		memcpy(key + 1, &src->addr.opc, 4);
		break;
	default:
		break;
	}
	key[17] = src->port >> 8;
	key[18] = src->port & 0xff;
}

/* FNV-1a keyed with a per-instance random seed so that a hostile peer cannot aim many
 * addresses at one probe window. */
static uint64_t src_hash(uint64_t seed, const uint8_t *key)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (int i = 0; i < ADM_SRC_KEY_LEN; i++) {
		h ^= key[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

int adm_src_init(struct adm *adm, unsigned int size)
{
	struct adm_src_entry *slot = talloc_zero_array(adm, struct adm_src_entry, size);
	struct adm_src_entry *old;

	if (!slot)
		return -ENOMEM;
	if (!adm->src.slot) {
		pthread_spin_init(&adm->src.lock, PTHREAD_PROCESS_PRIVATE);
		adm->src.slot = slot;
		adm->src.size = size;
		return 0;
	}
	/* A resize forgets every source: their buckets start full, which errs towards admitting. */
	pthread_spin_lock(&adm->src.lock);
	old = adm->src.slot;
	adm->src.slot = slot;
	adm->src.size = size;
	adm->src.entries = 0;
	pthread_spin_unlock(&adm->src.lock);
	talloc_free(old);
	return 0;
}

void adm_src_fini(struct adm *adm)
{
	if (!adm->src.slot)
		return;
	pthread_spin_destroy(&adm->src.lock);
	talloc_free(adm->src.slot);
	adm->src.slot = NULL;
}

bool adm_src_conform(struct adm *adm, const struct adm_source *src, uint64_t now)
{
	uint64_t iv = atomic_load(&adm->s_interval_ns), tau = atomic_load(&adm->s_tau_ns), base;
	uint8_t key[ADM_SRC_KEY_LEN];
	struct adm_src_entry *e = NULL, *free_slot = NULL, *idle = NULL, *oldest = NULL, *s;
	unsigned int probe, i, start;
	bool ok = true;

	if (!iv)
		return true;
	src_key(key, src);
	pthread_spin_lock(&adm->src.lock);
	probe = adm->src.size < ADM_SRC_PROBE ? adm->src.size : ADM_SRC_PROBE;
	start = src_hash(adm->hash_seed, key) % adm->src.size;
	for (i = 0; i < probe; i++) {
		s = &adm->src.slot[(start + i) % adm->src.size];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (!memcmp(s->key, key, ADM_SRC_KEY_LEN)) {
			e = s;
			break;
		}
		/* A bucket that has refilled says nothing more than a new one: reuse it freely. */
		if (!idle && s->tat <= now)
			idle = s;
		if (!oldest || s->last_seen < oldest->last_seen)
			oldest = s;
	}
	if (!e) {
		if (free_slot) {
			e = free_slot;
			adm->src.entries++;
		} else if (idle) {
			e = idle;
		} else {
			e = oldest;
			atomic_fetch_add(&adm->src.evictions, 1);
		}
		memcpy(e->key, key, ADM_SRC_KEY_LEN);
		e->used = true;
		e->tat = 0;
	}
	e->last_seen = now;
	base = e->tat > now ? e->tat : now;
	if (base - now > tau)
		ok = false;
	else
		e->tat = base + iv;
	pthread_spin_unlock(&adm->src.lock);
	return ok;
}

unsigned int adm_src_entries(const struct adm *adm)
{
	return adm->src.entries;
}
