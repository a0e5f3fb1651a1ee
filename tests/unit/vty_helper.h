/* vty_helper.h - run config text and commands through libosmovty in unit tests, capture the output */
#pragma once
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/core/talloc.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vector.h>
#include <osmocom/vty/vty.h>

/* Contents of a file as a talloc string under ctx, NULL if unreadable. */
static inline char *th_slurp(void *ctx, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = talloc_size(ctx, len + 1);
	if (fread(buf, 1, len, f) != (size_t)len) {
		talloc_free(buf);
		buf = NULL;
	} else {
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Feed `text` as a config file; returns vty_read_config_file's result (0 = every line accepted). */
static inline int th_read_config(const char *text)
{
	char path[] = "/tmp/gwunit-cfg-XXXXXX";
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	rc = vty_read_config_file(path, NULL);
	unlink(path);
	return rc;
}

/* The whole running config as `write` would save it. */
static inline char *th_write_config(void *ctx)
{
	char path[] = "/tmp/gwunit-out-XXXXXX";
	int fd = mkstemp(path);
	char *out;

	if (fd < 0)
		return NULL;
	close(fd);
	if (osmo_vty_write_config_file(path) < 0) {
		unlink(path);
		return NULL;
	}
	out = th_slurp(ctx, path);
	unlink(path);
	return out;
}

/* Run one command at the enable node; its output as a talloc string. */
static inline char *th_command(void *ctx, const char *cmd, int *rc)
{
	char path[] = "/tmp/gwunit-cmd-XXXXXX";
	int fd = mkstemp(path);
	struct vty *vty;
	vector v;
	char *out;

	if (fd < 0)
		return NULL;
	vty = vty_new();
	vty->type = VTY_FILE;
	vty->fd = fd;
	vty->node = ENABLE_NODE;
	v = cmd_make_strvec(cmd);
	*rc = cmd_execute_command(v, vty, NULL, 0);
	cmd_free_strvec(v);
	vty_close(vty);	/* flushes and closes fd */
	out = th_slurp(ctx, path);
	unlink(path);
	return out;
}
