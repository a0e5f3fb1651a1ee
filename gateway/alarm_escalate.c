/* alarm_escalate.c - run the operator's escalation command per alarm, non-blocking and time-bounded (POSIX.1 posix_spawn) */
#define _GNU_SOURCE	/* posix_spawn_file_actions_addclosefrom_np, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/talloc.h>
#include <osmocom/core/timer.h>

#include "common/log.h"
#include "gateway/alarm.h"

/* How often running commands are polled with waitpid(WNOHANG) on their own pids: a SIGCHLD handler
 * would be process-wide and could reap children that are not ours. */
#define ESC_REAP_INTERVAL_MS	100
#define ESC_OUTPUT_MAX		160	/* first bytes of the command's output, for the log line */

extern char **environ;

struct esc_child {
	bool used;
	pid_t pid;
	uint32_t alarm_id;
	struct osmo_fd in;		/* our end of the command's stdin (a socket: send() without SIGPIPE) */
	struct osmo_fd out;		/* read end of the command's stdout and stderr */
	char json[ALARM_JSON_MAX];
	size_t json_len;
	size_t json_off;
	char output[ESC_OUTPUT_MAX];
	size_t output_len;
	struct timespec deadline;	/* osmo clock, CLOCK_MONOTONIC */
	bool killed;
};

struct alarm_escalator {
	char cmd[ALARM_ESC_CMD_MAX];
	unsigned int timeout_s;
	unsigned int max_running;
	struct esc_child child[ALARM_ESC_RUNNING_MAX];
	unsigned int running;
	struct osmo_timer_list reap_timer;
	struct rate_ctr_group *ctrs;
};

static const struct rate_ctr_desc esc_ctr_desc[] = {
	[ALARM_ESC_CTR_STARTED] = { "escalation:started", "Escalation commands started" },
	[ALARM_ESC_CTR_EXIT_OK] = { "escalation:exit:ok", "Escalation commands that exited with 0" },
	[ALARM_ESC_CTR_EXIT_FAILED] = { "escalation:exit:failed", "Escalation commands that failed" },
	[ALARM_ESC_CTR_KILLED] = { "escalation:killed", "Escalation commands killed at the timeout" },
	[ALARM_ESC_CTR_DROPPED_BUSY] = { "escalation:dropped:busy", "Escalations dropped: max-running reached" },
	[ALARM_ESC_CTR_SPAWN_FAILED] = { "escalation:spawn:failed", "Escalation commands that could not start" },
	[ALARM_ESC_CTR_STDIN_SHORT] = { "escalation:stdin:short", "Commands that did not read all the JSON" },
};

static const struct rate_ctr_group_desc esc_ctrg_desc = {
	.group_name_prefix = "alarm_escalation",
	.group_description = "Alarm escalation command",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(esc_ctr_desc),
	.ctr_desc = esc_ctr_desc,
};

static void ctr_inc(struct alarm_escalator *esc, enum alarm_esc_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(esc->ctrs, c));
}

static void fd_close(struct osmo_fd *ofd)
{
	if (ofd->fd < 0)
		return;
	osmo_fd_unregister(ofd);
	close(ofd->fd);
	ofd->fd = -1;
}

static int esc_in_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct esc_child *c = ofd->data;
	ssize_t rc;

	rc = send(ofd->fd, c->json + c->json_off, c->json_len - c->json_off, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (rc < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (rc > 0)
		c->json_off += rc;
	/* done, or the command closed its stdin: either way EOF for it now */
	if (rc <= 0 || c->json_off == c->json_len)
		fd_close(ofd);
	return 0;
}

static void out_drain(struct esc_child *c)
{
	char buf[256];
	ssize_t rc;

	while ((rc = read(c->out.fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(c->output) - 1 - c->output_len;
		size_t n = (size_t)rc < room ? (size_t)rc : room;

		/* beyond the bound the output is read and dropped, so the command never blocks on it */
		memcpy(c->output + c->output_len, buf, n);
		c->output_len += n;
		c->output[c->output_len] = '\0';
	}
	if (rc == 0 || (errno != EAGAIN && errno != EINTR))
		fd_close(&c->out);
}

static int esc_out_cb(struct osmo_fd *ofd, unsigned int what)
{
	out_drain(ofd->data);
	return 0;
}

static bool ts_reached(const struct timespec *now, const struct timespec *t)
{
	return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

/* The first line of the output, for one log line. */
static const char *output_line(struct esc_child *c)
{
	c->output[strcspn(c->output, "\r\n")] = '\0';
	return c->output;
}

static void child_done(struct alarm_escalator *esc, struct esc_child *c, int status, bool status_known)
{
	if (c->out.fd >= 0)
		out_drain(c);
	if (c->json_off < c->json_len)
		ctr_inc(esc, ALARM_ESC_CTR_STDIN_SHORT);
	fd_close(&c->in);
	fd_close(&c->out);
	if (c->killed) {
		LOGP(DALARM, LOGL_ERROR, "escalation for alarm %u (pid %d) killed after %u s: %s\n",
		     c->alarm_id, (int)c->pid, esc->timeout_s, output_line(c));
	} else if (status_known && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ctr_inc(esc, ALARM_ESC_CTR_EXIT_OK);
		LOGP(DALARM, LOGL_INFO, "escalation for alarm %u (pid %d) done: %s\n",
		     c->alarm_id, (int)c->pid, output_line(c));
	} else {
		ctr_inc(esc, ALARM_ESC_CTR_EXIT_FAILED);
		LOGP(DALARM, LOGL_ERROR, "escalation for alarm %u (pid %d) failed (%s %d): %s\n",
		     c->alarm_id, (int)c->pid,
		     !status_known ? "status unknown" : WIFEXITED(status) ? "exit" : "signal",
		     !status_known ? 0 : WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		     output_line(c));
	}
	c->used = false;
	esc->running--;
}

static void esc_reap_cb(void *data)
{
	struct alarm_escalator *esc = data;
	struct timespec now;
	unsigned int i;

	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < ALARM_ESC_RUNNING_MAX; i++) {
		struct esc_child *c = &esc->child[i];
		int status = 0;
		pid_t rc;

		if (!c->used)
			continue;
		rc = waitpid(c->pid, &status, WNOHANG);
		if (rc == c->pid) {
			child_done(esc, c, status, true);
			continue;
		}
		if (rc < 0 && errno == ECHILD) {
			/* SIGCHLD ignored elsewhere in the process: the kernel reaped it */
			child_done(esc, c, 0, false);
			continue;
		}
		if (!c->killed && ts_reached(&now, &c->deadline)) {
			/* its own process group: the shell and whatever it started go together. The pid
			 * cannot have been reused: it is ours until waitpid() reaps it. */
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL);
			c->killed = true;
			ctr_inc(esc, ALARM_ESC_CTR_KILLED);
		}
	}
	if (esc->running)
		osmo_timer_schedule(&esc->reap_timer, 0, ESC_REAP_INTERVAL_MS * 1000);
}

static int esc_destructor(struct alarm_escalator *esc)
{
	unsigned int i;

	osmo_timer_del(&esc->reap_timer);
	for (i = 0; i < ALARM_ESC_RUNNING_MAX; i++) {
		struct esc_child *c = &esc->child[i];

		if (!c->used)
			continue;
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
		/* SIGKILL cannot be caught: this wait is for the kernel only, not for the command */
		waitpid(c->pid, NULL, 0);
		fd_close(&c->in);
		fd_close(&c->out);
		c->used = false;
	}
	rate_ctr_group_free(esc->ctrs);
	return 0;
}

struct alarm_escalator *alarm_escalator_alloc(void *ctx)
{
	static unsigned int instances;
	struct alarm_escalator *esc = talloc_zero(ctx, struct alarm_escalator);
	unsigned int i;

	if (!esc)
		return NULL;
	esc->ctrs = rate_ctr_group_alloc(esc, &esc_ctrg_desc, instances++);
	if (!esc->ctrs) {
		talloc_free(esc);
		return NULL;
	}
	esc->timeout_s = 10;
	esc->max_running = 4;
	for (i = 0; i < ALARM_ESC_RUNNING_MAX; i++) {
		esc->child[i].in.fd = -1;
		esc->child[i].out.fd = -1;
	}
	osmo_timer_setup(&esc->reap_timer, esc_reap_cb, esc);
	talloc_set_destructor(esc, esc_destructor);
	return esc;
}

void alarm_escalator_free(struct alarm_escalator *esc)
{
	talloc_free(esc);
}

int alarm_escalator_set_command(struct alarm_escalator *esc, const char *cmd)
{
	if (!cmd)
		cmd = "";
	/* one config line holds it: no line breaks, and it must fit */
	if (strlen(cmd) >= sizeof(esc->cmd) || strpbrk(cmd, "\r\n"))
		return -EINVAL;
	OSMO_STRLCPY_ARRAY(esc->cmd, cmd);
	return 0;
}

const char *alarm_escalator_command(const struct alarm_escalator *esc)
{
	return esc->cmd;
}

int alarm_escalator_set_timeout(struct alarm_escalator *esc, unsigned int seconds)
{
	if (seconds < 1 || seconds > ALARM_ESC_TIMEOUT_MAX)
		return -EINVAL;
	esc->timeout_s = seconds;
	return 0;
}

unsigned int alarm_escalator_timeout(const struct alarm_escalator *esc)
{
	return esc->timeout_s;
}

int alarm_escalator_set_max_running(struct alarm_escalator *esc, unsigned int n)
{
	if (n < 1 || n > ALARM_ESC_RUNNING_MAX)
		return -EINVAL;
	esc->max_running = n;
	return 0;
}

unsigned int alarm_escalator_max_running(const struct alarm_escalator *esc)
{
	return esc->max_running;
}

unsigned int alarm_escalator_running(const struct alarm_escalator *esc)
{
	return esc->running;
}

struct rate_ctr_group *alarm_escalator_ctrs(const struct alarm_escalator *esc)
{
	return esc->ctrs;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -errno : (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0);
}

/* posix_spawn of /bin/sh -c CMD: stdin <- sv_child, stdout+stderr -> out_child, no other fd
 * inherited, own process group, default signal dispositions, empty signal mask. */
static int spawn_shell(const char *cmd, int sv_child, int out_child, pid_t *pid)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	static const int dfl_sigs[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1,
					SIGUSR2, SIGALRM };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	unsigned int i;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	for (i = 0; i < ARRAY_SIZE(dfl_sigs); i++)
		sigaddset(&dfl, dfl_sigs[i]);
	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	if (posix_spawnattr_init(&attr)) {
		posix_spawn_file_actions_destroy(&fa);
		return -ENOMEM;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, sv_child, 0);
	rc = rc ? : posix_spawn_file_actions_adddup2(&fa, out_child, 1);
	rc = rc ? : posix_spawn_file_actions_adddup2(&fa, out_child, 2);
	rc = rc ? : posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = rc ? : posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					     POSIX_SPAWN_SETSIGDEF);
	rc = rc ? : posix_spawnattr_setpgroup(&attr, 0);
	rc = rc ? : posix_spawnattr_setsigmask(&attr, &none);
	rc = rc ? : posix_spawnattr_setsigdefault(&attr, &dfl);
	rc = rc ? : posix_spawn(pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

pid_t alarm_escalate(struct alarm_escalator *esc, const struct alarm_info *a)
{
	struct esc_child *c = NULL;
	int sv[2], op[2], rc;
	unsigned int i;
	pid_t pid;

	if (!esc->cmd[0])
		return -ENOENT;
	if (esc->running >= esc->max_running) {
		ctr_inc(esc, ALARM_ESC_CTR_DROPPED_BUSY);
		LOGP(DALARM, LOGL_ERROR, "escalation for alarm %u %s dropped: %u commands running (max-running)\n",
		     a->id, a->state == ALARM_ST_CLEARED ? "cleared" : "raised", esc->running);
		return -EBUSY;
	}
	for (i = 0; i < ALARM_ESC_RUNNING_MAX && !c; i++)
		if (!esc->child[i].used)
			c = &esc->child[i];
	OSMO_ASSERT(c);

	rc = alarm_info_json(a, c->json, sizeof(c->json) - 1);
	if (rc < 0)
		goto fail_count;
	c->json_len = rc;
	c->json[c->json_len++] = '\n';
	c->json_off = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		goto fail_count;
	}
	if (pipe2(op, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail_sv;
	}
	rc = set_nonblock(sv[0]);
	rc = rc ? : set_nonblock(op[0]);
	rc = rc ? : spawn_shell(esc->cmd, sv[1], op[1], &pid);
	close(sv[1]);
	close(op[1]);
	if (rc < 0) {
		close(sv[0]);
		close(op[0]);
		goto fail_count;
	}

	c->used = true;
	c->pid = pid;
	c->alarm_id = a->id;
	c->killed = false;
	c->output_len = 0;
	c->output[0] = '\0';
	osmo_clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += esc->timeout_s;
	osmo_fd_setup(&c->in, sv[0], OSMO_FD_WRITE, esc_in_cb, c, 0);
	osmo_fd_setup(&c->out, op[0], OSMO_FD_READ, esc_out_cb, c, 0);
	/* without the loop's help there is nothing to write or read with: closing gives the command
	 * EOF on stdin (counted as short) and EPIPE on output, and the reap timer still bounds it */
	if (osmo_fd_register(&c->in) < 0) {
		close(c->in.fd);
		c->in.fd = -1;
	}
	if (osmo_fd_register(&c->out) < 0) {
		close(c->out.fd);
		c->out.fd = -1;
	}
	esc->running++;
	ctr_inc(esc, ALARM_ESC_CTR_STARTED);
	if (!osmo_timer_pending(&esc->reap_timer))
		osmo_timer_schedule(&esc->reap_timer, 0, ESC_REAP_INTERVAL_MS * 1000);
	LOGP(DALARM, LOGL_INFO, "escalation for alarm %u started: pid %d\n", a->id, (int)pid);
	return pid;

fail_sv:
	close(sv[0]);
	close(sv[1]);
fail_count:
	ctr_inc(esc, ALARM_ESC_CTR_SPAWN_FAILED);
	LOGP(DALARM, LOGL_ERROR, "escalation for alarm %u could not start: %s\n", a->id, strerror(-rc));
	return rc;
}
